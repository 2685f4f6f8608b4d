"""Accounting periods, reversals and the maker-checker approvals they need.

A closed period (a calendar month or year) refuses postings dated inside it. Re-opening one, and
reversing a posted entry, need two people: the maker files a :class:`LedgerApproval`, a different
user (the checker) approves it, and only then does anything change. Every step is audited.
"""
from __future__ import annotations

import calendar
from datetime import date
from typing import Any

import sqlalchemy as sa

from coop import audit, clock, datebounds
from coop.auth.models import Cooperative, User
from coop.db import db, utcnow
from coop.errors import Conflict, Forbidden, FutureDate, NotFound, ValidationError
from coop.jobs import month_end_pending
from coop.ledger.integrity import refuse_owned
from coop.ledger.models import AccountingPeriod, JournalEntry, LedgerApproval
from coop.ledger.rules import Line
from coop.ledger.services import get_entry, lock_head, post_entry
from coop.paging import Page, fetch_page

#: Roles that may act as the checker of a ledger approval.
CHECKER_ROLES = ("admin", "manager")


def period_bounds(year: int, month: int | None = None) -> tuple[date, date]:
    """First and last day of a calendar month (or of the year when ``month`` is None)."""
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if not 1 <= month <= 12:
        raise ValidationError("Bulan harus 1-12.", fields={"month": ["harus 1-12"]})
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def get_period(cooperative_id: int, period_id: int) -> AccountingPeriod:
    period = db.session.get(AccountingPeriod, period_id)
    if period is None or period.cooperative_id != cooperative_id:
        raise NotFound("Periode tidak ditemukan.")
    return period


def list_periods(cooperative_id: int) -> list[AccountingPeriod]:
    return list(db.session.scalars(sa.select(AccountingPeriod).where(
        AccountingPeriod.cooperative_id == cooperative_id).order_by(AccountingPeriod.start_on.desc(),
                                                                    AccountingPeriod.end_on.desc())))


def _month_may_close(cooperative_id: int, end: date, today: date | None) -> None:
    """A month closes only after it ended and its month-end jobs ran (they post into it: a closed month would
    refuse them for good). A year close (the year-end procedure, coop/yearend/closing.py) is not checked here."""
    if today is None:
        today = clock.business_date(db.session.get(Cooperative, cooperative_id))
    if end >= today:
        raise Conflict(f"Periode ini belum berakhir (sampai {end.isoformat()}); tutup sesudahnya.",
                       code="period_not_ended")

    pending = month_end_pending(cooperative_id, end, today)
    if pending:
        raise Conflict(f"Pekerjaan akhir bulan {end.strftime('%Y-%m')} belum dijalankan: {', '.join(pending)}. "
                       "Jalankan `flask jobs run` dulu, lalu tutup periodenya.", code="month_end_jobs_pending")


def close_period(cooperative_id: int, *, actor: Any, year: int, month: int | None = None,
                 today: date | None = None) -> AccountingPeriod:
    """Close a calendar month (or a whole year when ``month`` is None).

    Takes the chain-head lock first, so no posting into the period can commit between the check and
    the close. Closing is one person's act; re-opening needs a second (:func:`request_reopen`).

    :param today: the business date (default: the cooperative's, :func:`coop.clock.business_date`).
    :raises Conflict: the period is already closed (``period_closed``), has not ended yet
        (``period_not_ended``, months only), or its month-end jobs have not run (``month_end_jobs_pending``,
        naming them): they post into the month, and a closed month would refuse them for good.
    """
    if not isinstance(year, int) or not 1900 <= year <= 9999:
        raise ValidationError("Tahun tidak valid.", fields={"year": ["tahun tidak valid"]})
    start, end = period_bounds(year, month)
    today = today or datebounds.today(cooperative_id)
    if start > today:  # a period that has not begun cannot be closed (it would refuse its own days)
        field = "year" if month is None else "month"
        raise FutureDate(f"Periode {start.isoformat()} s.d. {end.isoformat()} belum dimulai "
                         f"(hari ini {today.isoformat()}).", fields={field: ["periode belum dimulai"]})
    if month is not None:
        _month_may_close(cooperative_id, end, today)
    lock_head(cooperative_id)
    period = db.session.scalar(sa.select(AccountingPeriod).where(
        AccountingPeriod.cooperative_id == cooperative_id, AccountingPeriod.start_on == start,
        AccountingPeriod.end_on == end))
    if period is None:
        period = AccountingPeriod(cooperative_id=cooperative_id, start_on=start, end_on=end, status="open")
        db.session.add(period)
    elif period.status == "closed":
        raise Conflict("Periode ini sudah ditutup.", code="period_closed")
    period.status = "closed"
    period.closed_by_id = getattr(actor, "id", None)
    period.closed_at = utcnow()
    db.session.flush()
    audit.record(actor, "ledger.period_close", "accounting_period", period.id,
                 {"start_on": start, "end_on": end}, cooperative_id=cooperative_id)
    return period


def _new_approval(cooperative_id: int, actor: Any, kind: str, target_id: int, reason: str,
                  value_date: date | None = None) -> LedgerApproval:
    if actor is None:
        raise Forbidden("Permintaan ini harus diajukan oleh seorang pengguna.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Alasan wajib diisi.", fields={"reason": ["wajib diisi"]})
    if db.session.scalar(sa.select(LedgerApproval.id).where(
            LedgerApproval.cooperative_id == cooperative_id, LedgerApproval.kind == kind,
            LedgerApproval.target_id == target_id, LedgerApproval.status == "pending")):
        raise Conflict("Sudah ada permintaan yang menunggu persetujuan.", code="approval_pending")
    approval = LedgerApproval(cooperative_id=cooperative_id, kind=kind, target_id=target_id, reason=reason,
                              value_date=value_date, status="pending", requested_by_id=actor.id,
                              requested_at=utcnow())
    db.session.add(approval)
    db.session.flush()
    audit.record(actor, f"ledger.{kind}_request", "ledger_approval", approval.id,
                 {"target_id": target_id, "reason": reason}, cooperative_id=cooperative_id)
    return approval


def request_reopen(cooperative_id: int, period_id: int, *, actor: Any, reason: str) -> LedgerApproval:
    """File a request to re-open a closed period (maker). :raises Conflict: period not closed."""
    period = get_period(cooperative_id, period_id)
    if period.status != "closed":
        raise Conflict("Periode ini tidak sedang ditutup.", code="period_open")
    return _new_approval(cooperative_id, actor, "reopen", period.id, reason)


def request_reversal(cooperative_id: int, entry_id: int, *, actor: Any, reason: str,
                     value_date: date | None = None) -> LedgerApproval:
    """File a request to reverse a posted entry (maker). :raises Conflict: already reversed or itself
    a reversal."""
    entry = get_entry(cooperative_id, entry_id)
    _reversible(entry)
    if value_date is not None:
        _check_reversal_date(cooperative_id, entry, value_date)
    return _new_approval(cooperative_id, actor, "reversal", entry.id, reason, value_date)


def _check_reversal_date(cooperative_id: int, original: JournalEntry, value_date: date) -> None:
    """A reversal's own date: not after today, not before the founding nor the entry it reverses."""
    datebounds.check_day(cooperative_id, value_date, "value_date",
                         earlier=[(original.value_date, f"tanggal jurnal {original.voucher_number}")])


def _reversible(entry: JournalEntry) -> None:
    refuse_owned(entry)  # a sub-ledger's entry goes through its own service (409 owned_by_subledger)
    if entry.reverses_id is not None:
        raise Conflict("Jurnal pembalik tidak dapat dibalik lagi.", code="reversal_of_reversal")
    if db.session.scalar(sa.select(JournalEntry.id).where(JournalEntry.reverses_id == entry.id)):
        raise Conflict(f"Jurnal {entry.voucher_number} sudah pernah dibalik.", code="already_reversed")


def get_approval(cooperative_id: int, approval_id: int) -> LedgerApproval:
    approval = db.session.get(LedgerApproval, approval_id)
    if approval is None or approval.cooperative_id != cooperative_id:
        raise NotFound("Permintaan tidak ditemukan.")
    return approval


def list_approvals(cooperative_id: int, status: str | None = "pending", page: int = 1, per_page: int = 25) -> Page:
    """One page of the maker-checker requests (``status`` None: all of them), newest first, with the total."""
    stmt = sa.select(LedgerApproval).where(LedgerApproval.cooperative_id == cooperative_id)
    if status:
        stmt = stmt.where(LedgerApproval.status == status)
    return fetch_page(stmt.order_by(LedgerApproval.requested_at.desc(), LedgerApproval.id.desc()), page, per_page)


def decide(cooperative_id: int, approval_id: int, *, actor: Any, approve: bool, note: str = "") -> LedgerApproval:
    """The checker approves (and thereby executes) or rejects a pending request.

    :raises Forbidden: the checker is the maker, or lacks a checker role.
    :raises Conflict: the request was already decided.
    """
    approval = db.session.scalar(sa.select(LedgerApproval).where(LedgerApproval.id == approval_id)
                                 .with_for_update().execution_options(populate_existing=True))
    if approval is None or approval.cooperative_id != cooperative_id:
        raise NotFound("Permintaan tidak ditemukan.")
    if actor is None or getattr(actor, "role", None) not in CHECKER_ROLES:
        raise Forbidden("Persetujuan hanya oleh admin atau manajer.")
    if actor.id == approval.requested_by_id:
        raise Forbidden("Pemeriksa harus orang lain dari pengaju (maker-checker).", code="same_user")
    if approval.status != "pending":
        raise Conflict("Permintaan ini sudah diputuskan.", code="already_decided")
    approval.status = "approved" if approve else "rejected"
    approval.decided_by_id = actor.id
    approval.decided_at = utcnow()
    if approve and approval.kind == "reversal":
        maker = db.session.get(User, approval.requested_by_id)
        entry = reverse_entry(cooperative_id, approval.target_id, actor=maker, approved_by=actor,
                              value_date=approval.value_date, memo=f"Pembalikan: {approval.reason}")
        approval.result_entry_id = entry.id
    elif approve and approval.kind == "reopen":
        period = get_period(cooperative_id, approval.target_id)
        if period.status != "closed":
            raise Conflict("Periode ini tidak sedang ditutup.", code="period_open")
        period.status = "open"
        audit.record(actor, "ledger.period_reopen", "accounting_period", period.id,
                     {"start_on": period.start_on, "end_on": period.end_on, "requested_by": approval.requested_by_id,
                      "reason": approval.reason}, cooperative_id=cooperative_id)
    db.session.flush()
    audit.record(actor, f"ledger.{approval.kind}_{approval.status}", "ledger_approval", approval.id,
                 {"target_id": approval.target_id, "note": note}, cooperative_id=cooperative_id)
    return approval


def reverse_entry(cooperative_id: int, entry_id: int, *, actor: Any, approved_by: Any, value_date: date | None = None,
                  memo: str | None = None) -> JournalEntry:
    """Post the mirror image of an entry (debits become credits), referencing it. At most once per
    entry (a unique key on ``reverses_id`` backs the check); a reversal itself is never reversed.

    :param actor: the maker; :param approved_by: the checker, a different user (maker-checker).
    :param value_date: date of the reversal; defaults to the original's (which must then be open).
    :raises Forbidden: no checker, or checker == maker. :raises Conflict: already reversed.
    :raises InsufficientFunds: undoing it would overdraw an account (e.g. the deposit was withdrawn).
    """
    if approved_by is None or actor is None or approved_by.id == actor.id:
        raise Forbidden("Pembalikan jurnal perlu disetujui orang kedua (maker-checker).", code="same_user")
    original = get_entry(cooperative_id, entry_id)
    _reversible(original)
    if value_date is not None:
        _check_reversal_date(cooperative_id, original, value_date)
    lines = [Line(p.account_id, debit=p.credit, credit=p.debit, memo=p.memo) for p in original.postings]
    entry = post_entry(cooperative_id, lines, actor=actor, value_date=value_date or original.value_date,
                       memo=memo or f"Pembalikan {original.voucher_number}", source="ledger.reversal",
                       source_ref=original.voucher_number, reverses_id=original.id,
                       audit_action="ledger.reversal")
    audit.record(approved_by, "ledger.reversal_approve", "journal_entry", entry.id,
                 {"reverses": original.voucher_number, "maker": actor.id}, cooperative_id=cooperative_id)
    return entry
