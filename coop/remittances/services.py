"""Remittances, savings goals and KUR referrals: the writes (they flush, never commit; the caller's
``coop.db.atomic`` is the boundary) and the reads a page or the API needs about one object.

A remittance is a deposit into the recipient's sukarela account made through ``savings.deposit`` (the
same checks, dormancy clock, back-dated interest correction and journal entry as a deposit at the desk,
so the existing kuitansi prints it), with the cash-in account of its channel (``rules.CASH_IN_CODE``)
and a ``remittances`` row holding its metadata, linked to that entry.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from coop import audit, datebounds
from coop.db import db
from coop.errors import NotFound, ValidationError
from coop.membership import services as members
from coop.registry import services as registry
from coop.remittances import rules
from coop.remittances.models import KurReferral, Remittance, SavingsGoal
from coop.savings import services as savings
from coop.savings.models import SavingsAccount

MAX_ID = 2**63 - 1


def _id_ok(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _money_problem(value, *, allow_zero: bool = False) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not allow_zero):
        return "harus bilangan bulat rupiah " + (">= 0" if allow_zero else "> 0")
    if value > 10**15:
        return "terlalu besar"
    return None


def _decimal(value):
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value)) if isinstance(value, str | int) and not isinstance(value, bool) else None
    except InvalidOperation:
        return None


# --------------------------------------------------------------------------------------------
# Remittances
# --------------------------------------------------------------------------------------------

def get_remittance(cooperative_id: int, remittance_id: int) -> Remittance:
    r = db.session.get(Remittance, remittance_id) if _id_ok(remittance_id) else None
    if r is None or r.cooperative_id != cooperative_id:
        raise NotFound("Kiriman uang tidak ditemukan.")
    return r


def _check_remittance(data: dict) -> dict:
    """Field errors of the plain values (before any lookup). :returns: the cleaned values."""
    errors: dict[str, list[str]] = {}
    clean = dict(data)
    for key, problem in (("country", rules.country_problem(data.get("country"))),
                         ("currency", rules.currency_problem(data.get("currency")))):
        if problem:
            errors[key] = [problem]
        else:
            clean[key] = data[key].strip().upper()
    if data.get("channel") not in rules.CHANNELS:
        errors["channel"] = ["salah satu dari: " + ", ".join(rules.CHANNELS)]
    foreign = _decimal(data.get("foreign_amount"))
    problem = rules.foreign_amount_problem(foreign)
    if problem:
        errors["foreign_amount"] = [problem]
    clean["foreign_amount"] = foreign
    for key, zero in (("amount", False), ("fee", True)):
        problem = _money_problem(data.get(key, 0 if zero else None), allow_zero=zero)
        if problem:
            errors[key] = [problem]
    clean.setdefault("fee", 0)
    for key in ("savings_account_id", "sender_resident_id"):
        if not _id_ok(data.get(key)):
            errors[key] = ["wajib diisi (id)"]
    if data.get("goal_id") is not None and not _id_ok(data.get("goal_id")):
        errors["goal_id"] = ["id tujuan tabungan tidak valid"]
    if not isinstance(data.get("received_on"), date):
        errors["received_on"] = ["tanggal wajib diisi"]
    if errors:
        raise ValidationError("Data kiriman uang tidak valid.", fields=errors)
    return clean


def record_remittance(cooperative_id: int, data: dict, *, actor, idempotency_key: str | None = None) -> Remittance:
    """Record a remittance received for a member's family: ``savings_account_id`` (the recipient's sukarela
    account), ``sender_resident_id``, ``country``, ``channel``, ``currency``, ``foreign_amount``,
    ``amount`` (rupiah credited), ``fee``, ``received_on``, optional ``goal_id`` and ``memo``.

    Posts Dr Kas/Bank (by channel), Cr the account, dated ``received_on``. A replay with the same
    ``idempotency_key`` returns the first remittance (one entry, one row).

    :raises ValidationError: bad fields (422), an account that is not sukarela, a goal of another account.
    :raises NotFound: the account, the sender or the goal of another cooperative (404).
    :raises RuleViolation: the recipient is no (longer a) member, the account is closed (409).
    """
    clean = _check_remittance(data)
    acc = savings.get_account(cooperative_id, clean["savings_account_id"])
    if acc.kind != "sukarela":
        raise ValidationError("Kiriman uang masuk ke simpanan sukarela penerima.",
                              fields={"savings_account_id": ["harus rekening simpanan sukarela"]})
    sender = registry.get_resident(cooperative_id, clean["sender_resident_id"])
    goal = None
    if clean.get("goal_id") is not None:
        goal = get_goal(cooperative_id, clean["goal_id"])
        if goal.savings_account_id != acc.id:
            raise ValidationError("Tujuan tabungan itu milik rekening lain.",
                                  fields={"goal_id": ["bukan tujuan tabungan rekening ini"]})
    received_on = datebounds.check_day(cooperative_id, clean["received_on"], "received_on",
                                       earlier=[(acc.opened_on, "tanggal pembukaan rekening")])
    memo = f"Kiriman uang dari {sender.full_name} ({clean['country']}, {clean['channel']})"
    note = (clean.get("memo") or "").strip()
    if note:
        memo = f"{memo} {note}"[:200]
    receipt = savings.deposit(cooperative_id, acc.id, clean["amount"], actor=actor, value_date=received_on,
                              memo=memo, idempotency_key=idempotency_key,
                              cash_code=rules.CASH_IN_CODE[clean["channel"]])
    existing = db.session.scalar(sa.select(Remittance).where(Remittance.entry_id == receipt.entry.id))
    if existing is not None:  # an idempotent replay
        return existing
    row = Remittance(cooperative_id=cooperative_id, savings_account_id=acc.id, member_id=acc.member_id,
                     sender_resident_id=sender.id, country=clean["country"], channel=clean["channel"],
                     currency=clean["currency"], foreign_amount=clean["foreign_amount"], amount=clean["amount"],
                     fee=clean["fee"], received_on=received_on, goal_id=goal.id if goal else None,
                     entry_id=receipt.entry.id, actor_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "remittances.receive", "remittance", row.id,
                 {"account": acc.account_number, "amount": row.amount, "country": row.country,
                  "channel": row.channel, "voucher": receipt.entry.voucher_number}, cooperative_id=cooperative_id)
    return row


# --------------------------------------------------------------------------------------------
# Savings goals
# --------------------------------------------------------------------------------------------

def get_goal(cooperative_id: int, goal_id: int) -> SavingsGoal:
    g = db.session.get(SavingsGoal, goal_id) if _id_ok(goal_id) else None
    if g is None or g.cooperative_id != cooperative_id:
        raise NotFound("Tujuan tabungan tidak ditemukan.")
    return g


def create_goal(cooperative_id: int, data: dict, *, actor, as_of: date) -> SavingsGoal:
    """A savings goal of a member: ``member_id``, ``purpose``, ``target_amount``, ``target_date`` (after
    ``as_of``), optional ``savings_account_id`` (default: the member's sukarela account) and ``note``."""
    errors: dict[str, list[str]] = {}
    if data.get("purpose") not in rules.PURPOSES:
        errors["purpose"] = ["salah satu dari: " + ", ".join(rules.PURPOSES)]
    problem = _money_problem(data.get("target_amount"))
    if problem:
        errors["target_amount"] = [problem]
    target_date = data.get("target_date")
    if not isinstance(target_date, date):
        errors["target_date"] = ["tanggal wajib diisi"]
    elif target_date <= as_of:
        errors["target_date"] = ["harus sesudah hari ini"]
    if not _id_ok(data.get("member_id")):
        errors["member_id"] = ["wajib diisi (id)"]
    if errors:
        raise ValidationError("Data tujuan tabungan tidak valid.", fields=errors)
    member = members.get_member(cooperative_id, data["member_id"])
    if data.get("savings_account_id") is not None:
        acc = savings.get_account(cooperative_id, data["savings_account_id"])
        if acc.member_id != member.id or acc.kind != "sukarela":
            raise ValidationError("Tujuan tabungan memakai simpanan sukarela anggota itu.",
                                  fields={"savings_account_id": ["harus simpanan sukarela anggota ini"]})
    else:
        try:
            acc = savings.account_for(cooperative_id, member.id, "sukarela")
        except NotFound:
            raise ValidationError("Anggota tidak punya simpanan sukarela.",
                                  fields={"member_id": ["tidak punya simpanan sukarela"]}) from None
    goal = SavingsGoal(cooperative_id=cooperative_id, member_id=member.id, savings_account_id=acc.id,
                       purpose=data["purpose"], target_amount=data["target_amount"], target_date=target_date,
                       created_on=as_of, note=(data.get("note") or None))
    db.session.add(goal)
    db.session.flush()
    audit.record(actor, "remittances.goal.create", "savings_goal", goal.id,
                 {"member": member.member_number, "purpose": goal.purpose, "target": goal.target_amount},
                 cooperative_id=cooperative_id)
    return goal


def goals_progress(cooperative_id: int, member_id: int) -> list[tuple[SavingsGoal, int, Decimal]]:
    """The member's goals with what is saved toward each (``rules.fill_goals``: the balance of the goal's
    account today fills its goals earliest target date first) and the percentage: [(goal, saved, pct)]."""
    goals = list(db.session.scalars(sa.select(SavingsGoal).where(
        SavingsGoal.cooperative_id == cooperative_id, SavingsGoal.member_id == member_id)
        .order_by(SavingsGoal.target_date, SavingsGoal.id)))
    saved: dict[int, int] = {}
    for acc_id in dict.fromkeys(g.savings_account_id for g in goals):
        acc = db.session.get(SavingsAccount, acc_id)
        saved |= rules.fill_goals(acc.balance, [(g.id, g.target_date, g.target_amount) for g in goals
                                                if g.savings_account_id == acc_id])
    return [(g, saved[g.id], rules.progress_percent(saved[g.id], g.target_amount)) for g in goals]


def goal_progress(cooperative_id: int, goal_id: int) -> tuple[SavingsGoal, int, Decimal]:
    goal = get_goal(cooperative_id, goal_id)
    return next(row for row in goals_progress(cooperative_id, goal.member_id) if row[0].id == goal.id)


# --------------------------------------------------------------------------------------------
# KUR referrals
# --------------------------------------------------------------------------------------------

def get_referral(cooperative_id: int, referral_id: int) -> KurReferral:
    r = db.session.get(KurReferral, referral_id) if _id_ok(referral_id) else None
    if r is None or r.cooperative_id != cooperative_id:
        raise NotFound("Rujukan KUR tidak ditemukan.")
    return r


def refer_to_kur(cooperative_id: int, data: dict, *, actor) -> KurReferral:
    """Record a member referred to a bank for KUR Penempatan: ``member_id``, ``bank``, ``amount_requested``
    (at most ``rules.KUR_MAX``), ``referred_on``, optional ``note``."""
    errors: dict[str, list[str]] = {}
    bank = (data.get("bank") or "").strip() if isinstance(data.get("bank"), str) else ""
    if not bank or len(bank) > 100:
        errors["bank"] = ["nama bank wajib diisi (maks. 100)"]
    problem = _money_problem(data.get("amount_requested"))
    if problem is None and data["amount_requested"] > rules.KUR_MAX:
        problem = f"KUR Penempatan paling banyak {rules.KUR_MAX}"
    if problem:
        errors["amount_requested"] = [problem]
    if not _id_ok(data.get("member_id")):
        errors["member_id"] = ["wajib diisi (id)"]
    if errors:
        raise ValidationError("Data rujukan KUR tidak valid.", fields=errors)
    member = members.get_member(cooperative_id, data["member_id"])
    referred_on = datebounds.check_day(cooperative_id, data.get("referred_on"), "referred_on")
    row = KurReferral(cooperative_id=cooperative_id, member_id=member.id, bank=bank,
                      amount_requested=data["amount_requested"], status="referred", referred_on=referred_on,
                      note=(data.get("note") or None))
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "remittances.kur.refer", "kur_referral", row.id,
                 {"member": member.member_number, "bank": bank, "amount": row.amount_requested},
                 cooperative_id=cooperative_id)
    return row


def update_referral(cooperative_id: int, referral_id: int, status: str, on: date, *, actor) -> KurReferral:
    """Move a referral on (``rules.KUR_NEXT``): approved/rejected set ``decided_on``, disbursed sets
    ``disbursed_on``; the date is not before the earlier ones nor after today."""
    row = get_referral(cooperative_id, referral_id)
    if status not in rules.KUR_STATUSES:
        raise ValidationError("Status tidak dikenal.", fields={"status": [", ".join(rules.KUR_STATUSES)]})
    if status not in rules.KUR_NEXT[row.status]:
        raise ValidationError(f"Rujukan berstatus {row.status} tidak bisa menjadi {status}.",
                              fields={"status": [f"dari {row.status}: " + (", ".join(rules.KUR_NEXT[row.status]) or "-")]})
    datebounds.check_day(cooperative_id, on, "on", earlier=[(row.referred_on, "tanggal rujukan"),
                                                            (row.decided_on, "tanggal keputusan")])
    before = row.status
    row.status = status
    if status == "disbursed":
        row.disbursed_on = on
    else:
        row.decided_on = on
    db.session.flush()
    audit.record(actor, "remittances.kur.update", "kur_referral", row.id, {"from": before, "to": status, "on": str(on)},
                 cooperative_id=cooperative_id)
    return row


def referrals_of(cooperative_id: int, member_id: int) -> list[KurReferral]:
    return list(db.session.scalars(sa.select(KurReferral).where(
        KurReferral.cooperative_id == cooperative_id, KurReferral.member_id == member_id)
        .order_by(KurReferral.referred_on.desc(), KurReferral.id.desc())))
