"""Delivery by the scheduler: nothing in quiet hours, consent checked again before sending, retries with
backoff, the manual channel's "tandai terkirim", and the jobs in the JOBS table."""
from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import sqlalchemy as sa

from coop import jobs, settings
from coop.db import atomic, db
from coop.errors import Conflict
from coop.jobs.models import JobRun
from coop.outreach import jobs as outreach_jobs
from coop.outreach import services
from coop.outreach.channels import ManualChannel, Poll, SendError, Sent
from coop.registry.services import get_resident
from tests.outreach.conftest import messages


class FakeChannel:
    """Answers with the given outcomes in turn (a SendError is raised), then accepts everything."""

    name, kind, automatic, transactional = "fake", "whatsapp", True, False

    def __init__(self, *outcomes):
        self.outcomes, self.sent = list(outcomes), []

    def send(self, out):
        self.sent.append(out)
        outcome = self.outcomes.pop(0) if self.outcomes else Sent("sent", f"ext-{out.id}")
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def poll(self, external_ids):
        return Poll()


@pytest.fixture
def queued(coop, make_resident, consent, today):
    """One queued RAT invitation for a resident with WhatsApp consent."""
    r = make_resident(coop)
    c = consent(coop, r, purposes=("rat",))
    return atomic(services.queue, coop.id, c, kind="rat_invitation", due_on=today, values={"nama": r.full_name},
                  member_id=None)


def test_nothing_is_sent_in_quiet_hours(coop, queued, at):
    """At 22:00 and 06:30 local time nothing leaves; at 07:00 the message is sent and logged?"""
    channel = FakeChannel()
    assert "jam tenang" in services.deliver(coop.id, channel, now=at(22))
    assert "jam tenang" in services.deliver(coop.id, channel, now=at(6, 30))
    assert channel.sent == [] and queued.status == "queued"
    services.deliver(coop.id, channel, now=at(7))
    [msg] = messages(coop.id)
    assert [o.id for o in channel.sent] == [msg.id]
    assert msg.status == "sent" and msg.external_id == f"ext-{msg.id}" and msg.sent_at is not None
    assert [e.status for e in msg.events] == ["queued", "sent"]
    services.deliver(coop.id, channel, now=at(8))
    assert len(channel.sent) == 1


def test_quiet_hours_follow_the_settings(coop, queued, at, today):
    """Quiet hours moved to 12-14 by the admin: 13:00 waits, 22:00 sends?"""
    atomic(settings.set_value, coop.id, "quiet_hours_start", 12, effective_on=today)
    atomic(settings.set_value, coop.id, "quiet_hours_end", 14, effective_on=today)
    channel = FakeChannel()
    services.deliver(coop.id, channel, now=at(13))
    assert channel.sent == []
    services.deliver(coop.id, channel, now=at(22))
    assert len(channel.sent) == 1


def test_no_message_after_opt_out_even_if_consent_changed_after_queueing(coop, queued, consent, at):
    """A newer consent on the same channel that no longer covers the RAT: the queued invitation fails at
    send time ("tidak ada persetujuan kontak") and the gateway is never called?"""
    consent(coop, get_resident(coop.id, queued.resident_id), purposes=("savings",))
    channel = FakeChannel()
    services.deliver(coop.id, channel, now=at(9))
    assert channel.sent == [] and queued.status == "failed"
    assert queued.events[-1].note == "tidak ada persetujuan kontak"


def test_retries_with_backoff_then_fails(coop, queued, at):
    """Two temporary failures wait 5 and then 10 minutes (not tried earlier); with at most 3 attempts the
    third temporary failure fails the message; the history records each attempt?"""
    channel = FakeChannel(*(SendError("503", retry=True) for _ in range(3)))
    t0 = at(9)
    services.deliver(coop.id, channel, now=t0, max_attempts=3, backoff_seconds=300)
    assert queued.attempts == 1 and queued.next_attempt_at == t0 + timedelta(minutes=5)
    services.deliver(coop.id, channel, now=t0 + timedelta(minutes=4), max_attempts=3, backoff_seconds=300)
    assert len(channel.sent) == 1
    services.deliver(coop.id, channel, now=t0 + timedelta(minutes=5), max_attempts=3, backoff_seconds=300)
    assert queued.attempts == 2 and queued.next_attempt_at == t0 + timedelta(minutes=15)
    services.deliver(coop.id, channel, now=t0 + timedelta(minutes=15), max_attempts=3, backoff_seconds=300)
    assert queued.status == "failed" and queued.attempts == 3 and queued.last_error == "503"
    assert [e.status for e in queued.events] == ["queued", "queued", "queued", "failed"]


def test_a_permanent_error_fails_at_once_and_retry_after_is_honoured(coop, make_resident, consent, at, today):
    """A refusal that is not temporary fails on the first attempt; a rate limit asking 3600 s waits an hour
    rather than the 5-minute backoff?"""
    a, b = make_resident(coop), make_resident(coop)
    for r in (a, b):
        atomic(services.queue, coop.id, consent(coop, r, purposes=("rat",)), kind="rat_invitation", due_on=today,
               values={}, member_id=None)
    channel = FakeChannel(SendError("nomor tidak valid", retry=False), SendError("429", retry=True, after=3600))
    services.deliver(coop.id, channel, now=at(9))
    first, second = messages(coop.id)
    assert first.status == "failed" and first.attempts == 1
    assert second.status == "queued" and second.next_attempt_at == at(10)


def test_manual_channel_marks_sent_by_the_officer(coop, queued, users, at):
    """On the manual channel the sender sends nothing; the officer's "tandai terkirim" makes it manual with
    a time; a second press, or a press in quiet hours, is refused?"""
    assert services.deliver(coop.id, ManualChannel(), now=at(9)) == ""
    with pytest.raises(Conflict):
        atomic(services.mark_manual, coop.id, queued.id, actor=users["officer"], now=at(23))
    atomic(services.mark_manual, coop.id, queued.id, actor=users["officer"], now=at(9))
    assert queued.status == "manual" and queued.sent_at == at(9)
    assert queued.events[-1].by_id == users["officer"].id
    with pytest.raises(Conflict):
        atomic(services.mark_manual, coop.id, queued.id, actor=users["officer"], now=at(9))


def test_manual_mark_refused_after_opt_out(coop, queued, users, at):
    """A message whose consent was withdrawn cannot be marked sent (it already failed)?"""
    atomic(services.withdraw_consent, coop.id, queued.resident_id, "whatsapp", via="officer", actor=None)
    with pytest.raises(Conflict):
        atomic(services.mark_manual, coop.id, queued.id, actor=users["officer"], now=at(9))


def test_jobs_are_in_the_jobs_table_and_send_keeps_no_period(coop, make_resident, consent, monkeypatch, today, at):
    """outreach.reminders is a daily job and outreach.send an "always" job: it runs at every call (a message
    queued after the first run goes out in the second, on the same day), records no job_runs row, and says
    nothing when there was nothing to send?"""
    by_id = {j.id: j for j in jobs.JOBS}
    assert by_id["outreach.reminders"].frequency == "daily" and by_id["outreach.send"].frequency == "always"
    fake = FakeChannel()
    monkeypatch.setattr(outreach_jobs.channels, "from_config", lambda config: fake)
    monkeypatch.setattr(outreach_jobs.clock, "now_utc", lambda: at(10).astimezone(UTC))
    assert jobs.run_due(coop.id, today, only="outreach.send") == []
    for _ in range(2):
        r = make_resident(coop)
        atomic(services.queue, coop.id, consent(coop, r, purposes=("rat",)), kind="rat_invitation", due_on=today,
               values={}, member_id=None)
        out = jobs.run_due(coop.id, today, only="outreach.send", echo=lambda m: None)
        assert len(out) == 1 and out[0].startswith("outreach.send: fake: 1 terkirim")
    assert len(fake.sent) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun).where(
        JobRun.job_id == "outreach.send")) == 0
