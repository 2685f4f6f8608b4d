"""Remittances as deposits with metadata, the 30-day saved share, savings goals and KUR referrals
(issue 21; DOMAIN.md "Remittances and migrant finance"). Worked examples checked by hand."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.errors import NotFound, ValidationError
from coop.ledger import chart
from coop.ledger.models import Posting
from coop.ledger.services import account_by_code
from coop.remittances import indicators, queries, rules, services
from coop.savings import services as savings


def _withdraw(coop, acc, amount, on):
    return atomic(savings.withdraw, coop.id, acc.id, amount, actor=None, value_date=on)


def test_remittance_posts_one_deposit_kas_or_bank_by_channel(coop, family, remit, today):
    """Does a remittance of Rp 2.500.000 by agent debit Kas and credit the family's sukarela account by
    exactly that amount (one entry), and one by bank transfer debit Bank instead?"""
    member, acc, sender = family()
    r = remit(acc, sender, 2_500_000, today - timedelta(days=3), channel="agent", foreign_amount="4850.50",
              fee=35_000)
    lines = {(p.account_id, p.debit, p.credit) for p in db.session.scalars(
        sa.select(Posting).where(Posting.entry_id == r.entry_id))}
    kas, bank = account_by_code(coop.id, chart.KAS).id, account_by_code(coop.id, chart.BANK).id
    assert lines == {(kas, 2_500_000, 0), (acc.ledger_account_id, 0, 2_500_000)}
    assert r.member_id == member.id and r.foreign_amount == Decimal("4850.50") and r.fee == 35_000
    assert "Kiriman uang dari" in r.entry.memo and sender.full_name in r.entry.memo
    r2 = remit(acc, sender, 1_000_000, today, channel="bank")
    assert {p.account_id for p in r2.entry.postings if p.debit} == {bank}
    db.session.expire_all()
    assert savings.get_account(coop.id, acc.id).balance == 3_500_000


def test_replay_with_same_key_records_once(coop, family, remit, today):
    """Does a second call with the same idempotency key return the first remittance, with one entry?"""
    _member, acc, sender = family()
    first = remit(acc, sender, 700_000, today, key="k-1")
    again = remit(acc, sender, 700_000, today, key="k-1")
    assert again.id == first.id
    db.session.expire_all()
    assert savings.get_account(coop.id, acc.id).balance == 700_000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(first))) == 1


@pytest.mark.parametrize("field, value", [("amount", -5), ("amount", 0), ("country", "XX"), ("country", "Hong Kong"),
                                          ("channel", "pigeon"), ("currency", "HK"), ("foreign_amount", "-1"),
                                          ("fee", -1), ("received_on", None)])
def test_bad_fields_are_422_naming_the_field(coop, family, remit, today, field, value):
    """Is each bad value (negative or zero amount, unknown country or channel, bad currency, negative
    foreign amount or fee, no date) a 422 naming its field, with nothing posted?"""
    _member, acc, sender = family()
    kwargs = {"country": "HK", "channel": "agent", "currency": "HKD", "foreign_amount": "100", "fee": 0}
    amount, on = 100_000, today
    if field == "amount":
        amount = value
    elif field == "received_on":
        on = value
    else:
        kwargs[field] = value
    if field == "foreign_amount":
        kwargs[field] = Decimal(value)
    with pytest.raises(ValidationError) as exc:
        remit(acc, sender, amount, on, **kwargs)
    assert field in exc.value.fields
    db.session.expire_all()
    assert savings.get_account(coop.id, acc.id).balance == 0


def test_future_date_and_wrong_account_kind_are_refused(coop, family, remit, today):
    """Is a remittance dated tomorrow a 422 future_date on received_on, and one into a wajib account a
    422 on savings_account_id?"""
    member, acc, sender = family()
    with pytest.raises(ValidationError) as exc:
        remit(acc, sender, 100_000, today + timedelta(days=1))
    assert exc.value.code == "future_date" and "received_on" in exc.value.fields
    wajib = savings.account_for(coop.id, member.id, "wajib")
    with pytest.raises(ValidationError) as exc:
        remit(wajib, sender, 100_000, today)
    assert "savings_account_id" in exc.value.fields


def test_other_cooperatives_account_or_sender_is_not_found(coop, make_coop, make_member, make_resident, family,
                                                           remit, today):
    """Is another cooperative's account, or another cooperative's sender, a 404 (NotFound)?"""
    _member, acc, sender = family()
    other = make_coop(name="Koperasi Lain", village_code="3504042002")
    their = savings.account_for(other.id, make_member(other).id, "sukarela")
    with pytest.raises(NotFound):
        remit(their, sender, 100_000, today)
    with pytest.raises(NotFound):
        remit(acc, make_resident(other), 100_000, today)


def test_saved_share_worked_example(coop, family, remit, fund, today):
    """With window [today-90, today]: A gets 2.000.000 (agent, HK) at -60, withdraws 500.000 at -50 and gets
    1.000.000 (bank, HK) at -20; B holds 300.000 from -100, gets 1.000.000 (cash, TW) at -45 and withdraws
    1.200.000 at -40. Measured are the -60 and -45 remittances (30 days run by today): A kept
    min(2.000.000, 1.500.000 - 0) = 1.500.000, B kept max(0, 100.000 - 300.000) = 0; share 1.5/3.0 = 0.5000."""
    t = today
    a_member, a, sender = family()
    b_member, b, _ = family()
    fund(b_member, "sukarela", 300_000, t - timedelta(days=100))
    remit(a, sender, 2_000_000, t - timedelta(days=60), channel="agent", country="HK")
    _withdraw(coop, a, 500_000, t - timedelta(days=50))
    remit(a, sender, 1_000_000, t - timedelta(days=20), channel="bank", country="HK")
    remit(b, sender, 1_000_000, t - timedelta(days=45), channel="cash", country="TW", currency="TWD")
    _withdraw(coop, b, 1_200_000, t - timedelta(days=40))
    s = queries.summary(coop.id, t - timedelta(days=90), t, t)
    assert (s["count"], s["amount"]) == (3, 4_000_000)
    assert s["by_country"] == {"HK": {"count": 2, "amount": 3_000_000}, "TW": {"count": 1, "amount": 1_000_000}}
    assert s["by_channel"] == {"agent": {"count": 1, "amount": 2_000_000}, "bank": {"count": 1, "amount": 1_000_000},
                               "cash": {"count": 1, "amount": 1_000_000}}
    assert s["measured"] == {"count": 2, "amount": 3_000_000, "saved": 1_500_000}
    assert s["saved_share"] == Decimal("0.5000")
    # the window ending at -50 measures nothing: -60 + 30 = -30 is after -50
    assert queries.summary(coop.id, t - timedelta(days=90), t - timedelta(days=50), t)["saved_share"] is None
    ind = indicators.remittance_indicators(db.session, [coop.id], t - timedelta(days=90), t, as_of=t)
    assert set(ind) == {"count", "amount", "by_country", "saved_share"}
    assert (ind["count"], ind["amount"], ind["saved_share"]) == (3, 4_000_000, Decimal("0.5000"))


def test_indicators_add_up_across_cooperatives(coop, make_coop, make_member, make_resident, family, remit, today):
    """Do the indicators of two cooperatives count both, and of one only its own?"""
    from coop.remittances.services import record_remittance

    _m, acc, sender = family()
    remit(acc, sender, 400_000, today - timedelta(days=40))
    other = make_coop(name="Koperasi Lain", village_code="3504042002")
    om = make_member(other)
    oacc = savings.account_for(other.id, om.id, "sukarela")
    osender = make_resident(other)
    atomic(record_remittance, other.id, {"savings_account_id": oacc.id, "sender_resident_id": osender.id,
                                         "country": "MY", "channel": "cash", "currency": "MYR",
                                         "foreign_amount": Decimal("120"), "amount": 600_000,
                                         "received_on": today - timedelta(days=35)}, actor=None)
    both = indicators.remittance_indicators(db.session, [coop.id, other.id], today - timedelta(days=60), today)
    assert (both["count"], both["amount"]) == (2, 1_000_000)
    assert both["by_country"] == {"HK": {"count": 1, "amount": 400_000}, "MY": {"count": 1, "amount": 600_000}}
    assert both["saved_share"] == Decimal("1.0000")  # nothing withdrawn from either
    assert indicators.remittance_indicators(db.session, [other.id], today - timedelta(days=60), today)["amount"] == 600_000


def test_goals_filled_earliest_target_first(coop, family, remit, today):
    """With 1.500.000 on the account, does the goal due in 50 days (target 2.000.000) get 1.500.000 = 75.0 %
    and the goal due in 100 days (target 1.000.000) get 0 = 0.0 %; after 1.000.000 more, 100.0 % and 50.0 %?"""
    member, acc, sender = family()
    late = atomic(services.create_goal, coop.id, {"member_id": member.id, "purpose": "business_capital",
                                                  "target_amount": 1_000_000,
                                                  "target_date": today + timedelta(days=100)}, actor=None, as_of=today)
    early = atomic(services.create_goal, coop.id, {"member_id": member.id, "purpose": "school",
                                                   "target_amount": 2_000_000,
                                                   "target_date": today + timedelta(days=50)}, actor=None, as_of=today)
    remit(acc, sender, 1_500_000, today, goal_id=early.id)
    progress = {g.id: (saved, pct) for g, saved, pct in services.goals_progress(coop.id, member.id)}
    assert progress == {early.id: (1_500_000, Decimal("75.0")), late.id: (0, Decimal("0.0"))}
    remit(acc, sender, 1_000_000, today)
    db.session.expire_all()
    progress = {g.id: (saved, pct) for g, saved, pct in services.goals_progress(coop.id, member.id)}
    assert progress == {early.id: (2_000_000, Decimal("100.0")), late.id: (500_000, Decimal("50.0"))}


def test_goal_refusals(coop, family, make_coop, make_member, remit, today):
    """Is a past target date, an unknown purpose, or a goal of another account on a remittance a 422?"""
    member, acc, sender = family()
    with pytest.raises(ValidationError) as exc:
        atomic(services.create_goal, coop.id, {"member_id": member.id, "purpose": "school", "target_amount": 5,
                                               "target_date": today}, actor=None, as_of=today)
    assert "target_date" in exc.value.fields
    with pytest.raises(ValidationError) as exc:
        atomic(services.create_goal, coop.id, {"member_id": member.id, "purpose": "car", "target_amount": 5,
                                               "target_date": today + timedelta(days=9)}, actor=None, as_of=today)
    assert "purpose" in exc.value.fields
    other_member, other_acc, _ = family()
    theirs = atomic(services.create_goal, coop.id, {"member_id": other_member.id, "purpose": "school",
                                                    "target_amount": 5, "target_date": today + timedelta(days=9)},
                    actor=None, as_of=today)
    with pytest.raises(ValidationError) as exc:
        remit(acc, sender, 100_000, today, goal_id=theirs.id)
    assert "goal_id" in exc.value.fields


def test_kur_referral_moves_referred_approved_disbursed(coop, family, today):
    """Does a referral go referred -> approved -> disbursed with its dates, refuse disbursed -> rejected,
    and refuse more than Rp 100 juta?"""
    member, _acc, _sender = family()
    r = atomic(services.refer_to_kur, coop.id, {"member_id": member.id, "bank": "BNI", "amount_requested": 50_000_000,
                                                "referred_on": today - timedelta(days=20)}, actor=None)
    atomic(services.update_referral, coop.id, r.id, "approved", today - timedelta(days=10), actor=None)
    atomic(services.update_referral, coop.id, r.id, "disbursed", today, actor=None)
    db.session.expire_all()
    r = services.get_referral(coop.id, r.id)
    assert (r.status, r.decided_on, r.disbursed_on) == ("disbursed", today - timedelta(days=10), today)
    with pytest.raises(ValidationError):
        atomic(services.update_referral, coop.id, r.id, "rejected", today, actor=None)
    with pytest.raises(ValidationError) as exc:
        atomic(services.refer_to_kur, coop.id, {"member_id": member.id, "bank": "BRI",
                                                "amount_requested": rules.KUR_MAX + 1, "referred_on": today}, actor=None)
    assert "amount_requested" in exc.value.fields


def test_rules_retained_and_fill_goals():
    """Is what a remittance left saved capped at 0 and its amount, and does a negative balance fill nothing?"""
    assert rules.retained(1_000, 500, 2_000) == 1_000
    assert rules.retained(1_000, 500, 1_200) == 700
    assert rules.retained(1_000, 500, 100) == 0
    assert rules.fill_goals(-5, [(1, None, 10)]) == {1: 0}
    assert rules.progress_percent(1, 3) == Decimal("33.3")
    assert rules.share(1, 3) == Decimal("0.3333")
