"""The daily reminders: queued only with consent for that channel and purpose, at most once per (resident,
kind, due date), never after opt-out; the texts from the cooperative's templates."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from coop import settings
from coop.db import atomic, db
from coop.errors import ValidationError
from coop.loans.models import LoanInstalment
from coop.outreach import services, triggers
from coop.outreach.models import Message
from tests.outreach.conftest import messages


@pytest.fixture
def borrower(coop, make_member, make_loan, today):
    """A member with an active 12-month loan of Rp 9.000.000 whose first instalment is due in 3 days."""
    member = make_member(coop, joined_on=today - timedelta(days=60))
    start = today - timedelta(days=30)
    loan = make_loan(coop, member, applied_on=start, disbursed_on=start, first_due_date=today + timedelta(days=3))
    return member, loan


def _first_instalment(loan):
    return db.session.scalar(sa.select(LoanInstalment).where(LoanInstalment.loan_id == loan.id,
                                                              LoanInstalment.number == 1))


def _queue(coop, day, channel="whatsapp"):
    return atomic(triggers.queue_reminders, coop.id, day, channel)


def test_no_message_is_queued_without_consent(coop, borrower, today):
    """An instalment due in 3 days queues nothing for a member who gave no consent?"""
    counts = _queue(coop, today)
    assert counts["instalment_due"] == 0 and messages(coop.id) == []


def test_instalment_due_in_three_days_is_queued_once_with_the_template_text(coop, borrower, consent, today):
    """With consent for instalments on WhatsApp, the run of today queues one message naming the member, the
    instalment's remaining amount and its due date; running again (or the next day's runs) adds none?"""
    member, loan = borrower
    atomic(settings.set_value, coop.id, "cooperative_phone", "0355-123456", effective_on=today)
    consent(coop, member.resident, purposes=("instalment",))
    inst = _first_instalment(loan)
    assert _queue(coop, today)["instalment_due"] == 1
    assert _queue(coop, today)["instalment_due"] == 0
    [msg] = messages(coop.id)
    assert (msg.purpose, msg.due_on, msg.status, msg.member_id) == ("instalment_due", today + timedelta(days=3),
                                                                    "queued", member.id)
    assert member.full_name in msg.text and "0355-123456" in msg.text
    assert f"Rp {inst.remaining:,}".replace(",", ".") in msg.text
    assert msg.phone == "6281234567890" and [e.status for e in msg.events] == ["queued"]


def test_the_same_reminder_cannot_be_inserted_twice(coop, borrower, consent, today):
    """The outbox's unique key (cooperative, resident, kind, due date) refuses a second row even when the
    service's check is bypassed?"""
    member, _loan = borrower
    c = consent(coop, member.resident)
    atomic(services.queue, coop.id, c, kind="rat_invitation", due_on=today, values={}, member_id=member.id)
    assert atomic(services.queue, coop.id, c, kind="rat_invitation", due_on=today, values={},
                  member_id=member.id) is None
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.add(Message(cooperative_id=coop.id, resident_id=member.resident_id, consent_id=c.id,
                               channel="whatsapp", purpose="rat_invitation", due_on=today, phone="1", text="x",
                               params=[], status="queued", attempts=0))
        db.session.flush()


def test_consent_for_another_purpose_or_channel_queues_nothing(coop, borrower, consent, today):
    """Consent for the RAT only, or for instalments on SMS while the channel is WhatsApp, queues no
    instalment reminder?"""
    member, _loan = borrower
    consent(coop, member.resident, purposes=("rat",))
    consent(coop, member.resident, channel="sms", purposes=("instalment",))
    assert _queue(coop, today)["instalment_due"] == 0
    assert _queue(coop, today, "sms")["instalment_due"] == 1


def test_overdue_by_one_day(coop, borrower, consent, today):
    """The day after an unpaid instalment's due date, an overdue reminder is queued for that due date?"""
    member, loan = borrower
    consent(coop, member.resident, purposes=("instalment",))
    due = _first_instalment(loan).due_on
    counts = _queue(coop, due + timedelta(days=1))
    assert counts["instalment_overdue"] == 1
    assert [(m.purpose, m.due_on) for m in messages(coop.id, purpose="instalment_overdue")] == [
        ("instalment_overdue", due)]


def test_opt_out_cancels_queued_and_stops_later_messages(coop, borrower, consent, today):
    """Withdrawing WhatsApp consent fails the queued reminder at once ("persetujuan dicabut") and the
    overdue reminder 4 days later is not queued?"""
    member, loan = borrower
    consent(coop, member.resident, purposes=("instalment",))
    _queue(coop, today)
    assert atomic(services.withdraw_consent, coop.id, member.resident_id, "whatsapp", via="officer",
                  actor=None) == 1
    [msg] = messages(coop.id)
    assert msg.status == "failed" and msg.events[-1].note == "persetujuan dicabut"
    assert _queue(coop, _first_instalment(loan).due_on + timedelta(days=1))["instalment_overdue"] == 0
    assert atomic(services.withdraw_consent, coop.id, member.resident_id, "whatsapp", via="officer",
                  actor=None) == 0


def test_wajib_arrears_once_a_month(coop, make_member, consent, today):
    """A member who joined three months before this month and paid no wajib owes 3 x Rp 20.000 =
    Rp 60.000: one reminder dated the end of last month, not repeated later in the month?"""
    first = today.replace(day=1)
    joined = (first - timedelta(days=80)).replace(day=5)
    member = make_member(coop, joined_on=joined)
    consent(coop, member.resident, purposes=("savings",))
    assert _queue(coop, today)["wajib_arrears"] == 1
    # later in the same month (its last day; the next day may be a new month, with a reminder of its own)
    end_of_month = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    assert _queue(coop, end_of_month)["wajib_arrears"] == 0
    [msg] = messages(coop.id, purpose="wajib_arrears")
    assert msg.due_on == first - timedelta(days=1)
    assert "Rp 60.000" in msg.text


def test_rat_invitation_within_the_setting_window(coop, make_member, consent, today):
    """With the RAT 10 days ahead and invitations 14 days before, members with consent for the RAT get one
    invitation; with the RAT 20 days ahead, none yet; without a RAT date, none?"""
    member = make_member(coop, joined_on=today - timedelta(days=30))
    consent(coop, member.resident, purposes=("rat",))
    assert _queue(coop, today)["rat_invitation"] == 0
    atomic(settings.set_value, coop.id, "rat_date", (today + timedelta(days=20)).isoformat(), effective_on=today)
    assert _queue(coop, today)["rat_invitation"] == 0
    atomic(settings.set_value, coop.id, "rat_date", (today + timedelta(days=10)).isoformat(), effective_on=today)
    assert _queue(coop, today)["rat_invitation"] == 1
    [msg] = messages(coop.id)
    assert msg.due_on == today + timedelta(days=10)


def test_rat_date_setting_is_checked(coop, today):
    """A RAT date that is not YYYY-MM-DD and quiet hours outside 0-23 are refused with 422?"""
    with pytest.raises(ValidationError):
        atomic(settings.set_value, coop.id, "rat_date", "besok", effective_on=today)
    with pytest.raises(ValidationError):
        atomic(settings.set_value, coop.id, "quiet_hours_start", 24, effective_on=today)


def test_passport_expiry_from_the_desk(coop, make_case, make_resident, consent, today):
    """A calon PMI (not a member) whose passport on an open desk case expires in 100 days gets one
    reminder for that expiry date when they consented to desk messages, none without?"""
    from coop.desk.services import set_document

    with_consent, without = make_resident(coop), make_resident(coop)
    expires = today + timedelta(days=100)
    for r in (with_consent, without):
        case = make_case(coop, r)
        atomic(set_document, coop.id, case.id, code="passport", status="verified", number="C1234567",
               expires_on=expires, actor=None)
    consent(coop, with_consent, purposes=("desk",))
    assert _queue(coop, today)["passport_expiry"] == 1
    [msg] = messages(coop.id)
    assert (msg.resident_id, msg.due_on, msg.member_id) == (with_consent.id, expires, None)
    assert with_consent.full_name in msg.text


def test_admin_template_is_used(coop, borrower, consent, users, today):
    """An edited template is what the next reminder says; blank restores the default; an unknown
    placeholder is refused?"""
    member, _loan = borrower
    consent(coop, member.resident, purposes=("instalment",))
    atomic(services.set_template, coop.id, "instalment_due", "Halo {nama}, bayar {jumlah} tgl {tanggal}.",
           actor=users["admin"])
    with pytest.raises(ValidationError):
        atomic(services.set_template, coop.id, "instalment_due", "Halo {nik}", actor=users["admin"])
    _queue(coop, today)
    [msg] = messages(coop.id)
    assert msg.text.startswith(f"Halo {member.full_name}, bayar Rp ")
    atomic(services.set_template, coop.id, "instalment_due", "", actor=users["admin"])
    assert services.templates(coop.id)["instalment_due"][1] is True


def test_consent_input_is_checked(coop, make_resident, today):
    """Unknown channel, a phone that is not a mobile number, no purpose, an unknown purpose and a future
    date are each refused with the field named?"""
    r = make_resident(coop)
    good = {"channel": "sms", "phone": "081234567890", "given_on": today, "purposes": ["rat"]}
    for field, bad in (("channel", "email"), ("phone", "12"), ("purposes", []), ("purposes", ["spam"]),
                       ("given_on", today + timedelta(days=1))):
        with pytest.raises(ValidationError) as exc:
            atomic(services.record_consent, coop.id, r.id, {**good, field: bad}, method="form", actor=None)
        assert field in exc.value.fields, (field, bad)


def test_new_consent_replaces_the_one_in_force(coop, make_resident, consent):
    """Recording consent again on the same channel keeps the old row, marked replaced, and one in force?"""
    r = make_resident(coop)
    first = consent(coop, r, purposes=("rat",))
    second = consent(coop, r, purposes=("rat", "savings"))
    rows = services.consents_of(coop.id, r.id)
    assert [c.id for c in rows] == [second.id, first.id]
    assert first.withdrawn_via == "replaced" and second.withdrawn_at is None
    assert services.active_consent(coop.id, r.id, "whatsapp").id == second.id
