"""What the general journal may not do by itself (ARCHITECTURE.md section 4).

- An entry that a sub-ledger owns (a loan's disbursement or repayment, a savings deposit, withdrawal or
  interest, an SHU payout, a cash count ...) is not reversed by the generic reversal: the journal alone
  would leave the sub-ledger's own rows (schedule, repayment, distribution, count) telling another story.
  :func:`refuse_owned` raises 409 ``owned_by_subledger`` naming the action of the owning area.
- A manual journal entry (page or API) never touches a control account (1201, 2101 ... : they only group
  sub-accounts) nor a sub-account under one (a member's savings account, a loan): 422 naming the account.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from coop.db import db
from coop.errors import Conflict, InsufficientFunds, PeriodClosed, ValidationError
from coop.ledger.models import Account, AccountingPeriod, JournalEntry
from coop.ledger.rules import Line, floor_message, line_problems
from coop.ledger.services import check_accounts_usable, check_value_date, post_entry

#: Source prefix of an entry -> (the owning area, the action that corrects it there). Sources are the
#: ``source`` strings the areas give ``post_entry`` (``loans.repayment``, ``savings.interest`` ...).
OWNERS: tuple[tuple[str, str, str], ...] = (
    ("loans.disburse", "pinjaman",
     "pencairan pinjaman tidak dibalik dari jurnal umum: tangani lewat halaman pinjaman "
     "(pelunasan, penjadwalan ulang atau hapus buku)"),
    ("loans.", "pinjaman",
     "pembayaran pinjaman dikoreksi lewat halaman pinjaman: catat pembayaran dengan tanggal yang benar "
     "(pembayaran bertanggal mundur diurutkan ulang oleh modul pinjaman)"),
    ("savings.interest", "simpanan",
     "jasa simpanan dihitung ulang oleh modul simpanan (posting jasa bulanan), bukan dibalik dari jurnal umum"),
    ("savings.", "simpanan",
     "transaksi simpanan dikoreksi di kas (setoran atau penarikan koreksi pada rekening simpanan anggota)"),
    ("shu.", "SHU",
     "SHU dikoreksi lewat menu tutup buku / pembagian SHU, bukan dari jurnal umum"),
    ("cash.count", "opname kas",
     "selisih opname kas dikoreksi dengan opname kas berikutnya"),
    ("training.", "pelatihan",
     "pembayaran uang saku dikoreksi lewat halaman angkatan pelatihan"),
)


def owner_of(source: str | None) -> tuple[str, str] | None:
    """(area, action) of the sub-ledger that owns entries of ``source``, or None for a journal-only entry."""
    for prefix, area, action in OWNERS:
        if source and (source == prefix or (prefix.endswith(".") and source.startswith(prefix))):
            return area, action
    return None


def refuse_owned(entry: JournalEntry) -> None:
    """:raises Conflict: 409 ``owned_by_subledger`` when a sub-ledger owns ``entry``; the message and
    ``fields["action"]`` name the action of the owning area."""
    owner = owner_of(entry.source)
    if owner is None:
        return
    area, action = owner
    raise Conflict(f"Jurnal {entry.voucher_number} milik modul {area} ({entry.source}) dan tidak dibalik "
                   f"dari jurnal umum: {action}.", code="owned_by_subledger",
                   fields={"action": [action], "source": [entry.source]})


def forbidden_manual_accounts(cooperative_id: int, account_ids: Iterable[int]) -> dict[int, str]:
    """{account id: reason} of the accounts a manual entry may not touch: control accounts and
    sub-accounts under a control account (member savings accounts, loans). One query."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    parent = aliased(Account)
    rows = db.session.execute(
        sa.select(Account.id, Account.code, Account.name, Account.is_control, parent.code, parent.is_control)
        .outerjoin(parent, parent.id == Account.parent_id)
        .where(Account.cooperative_id == cooperative_id, Account.id.in_(ids))).all()
    out = {}
    for acc_id, code, name, is_control, parent_code, parent_control in rows:
        if is_control:
            out[acc_id] = f"akun {code} {name} adalah akun kontrol (hanya lewat sub-akunnya)"
        elif parent_control:
            out[acc_id] = f"akun {code} {name} adalah sub-akun anggota di bawah {parent_code} (lewat modulnya)"
    return out


def check_manual_lines(cooperative_id: int, lines: Sequence[Line]) -> None:
    """:raises ValidationError: 422 ``subledger_account`` with ``fields["lines"]`` naming each refused
    account. Manual lines name their accounts by id (the page and the API resolve a typed code first): a
    line by code (``Line.dr("2101", ...)``) would slip past this check, so it is a programming error."""
    if any(ln.account_code is not None for ln in lines):
        raise TypeError("manual entry lines name their accounts by id, not by code")
    refused = forbidden_manual_accounts(cooperative_id, [ln.account_id for ln in lines])
    if refused:
        reasons = [refused[i] for i in dict.fromkeys(ln.account_id for ln in lines) if i in refused]
        raise ValidationError("Jurnal manual tidak boleh menyentuh akun kontrol atau sub-akun anggota: "
                              + "; ".join(reasons) + ".", code="subledger_account", fields={"lines": reasons})


@dataclass
class PreviewLine:
    """One line of a manual entry's confirmation page, with its account's balance (natural side) before the
    entry and after all of it."""
    code: str
    name: str
    debit: int
    credit: int
    memo: str | None
    balance_before: int
    balance_after: int


def manual_entry_preview(cooperative_id: int, lines: Sequence[Line], *, value_date: date) -> list[PreviewLine]:
    """The figures of the manual entry's confirmation page (reads only), with the refusals of
    :func:`post_manual_entry` found before posting: malformed or unbalanced lines, a control or member
    account, an unknown or closed account, a date out of bounds or in a closed period, a floor broken.

    Worked example: Dr 5201 Beban ATK 25.000 / Cr 1101 Kas 25.000 with Kas at 1.000.000 and 5201 at
    150.000: Kas 1.000.000 -> 975.000, 5201 150.000 -> 175.000 (each on its natural side)."""
    lines = list(lines)
    problems = line_problems(lines)
    if problems:
        raise ValidationError(" ".join(problems), code="unbalanced_entry", fields={"lines": problems})
    check_manual_lines(cooperative_id, lines)
    check_value_date(cooperative_id, value_date)
    if db.session.scalar(sa.select(AccountingPeriod.id).where(
            AccountingPeriod.cooperative_id == cooperative_id, AccountingPeriod.status == "closed",
            AccountingPeriod.start_on <= value_date, AccountingPeriod.end_on >= value_date).limit(1)):
        raise PeriodClosed(f"Periode yang memuat tanggal {value_date.isoformat()} sudah ditutup.")
    found = {i: db.session.get(Account, i) for i in dict.fromkeys(ln.account_id for ln in lines)}
    check_accounts_usable(cooperative_id, found, found)  # raises for an unknown account (None)
    accounts = {i: acc for i, acc in found.items() if acc is not None}
    delta: dict[int, int] = {}
    for ln in lines:
        delta[ln.account_id] = delta.get(ln.account_id, 0) + ln.debit - ln.credit
    after: dict[int, int] = {}
    for i, acc in accounts.items():
        natural_delta = delta[i] if acc.normal_side == "D" else -delta[i]
        before = acc.natural_balance()
        after[i] = before + natural_delta
        if natural_delta < 0 and acc.min_balance is not None and after[i] < acc.min_balance:
            message, field = floor_message(acc.code, acc.name, before, acc.min_balance, -natural_delta)
            raise InsufficientFunds(message, fields={"amount": [field]})
    return [PreviewLine(accounts[ln.account_id].code, accounts[ln.account_id].name, ln.debit, ln.credit, ln.memo,
                        accounts[ln.account_id].natural_balance(), after[ln.account_id]) for ln in lines]


def post_manual_entry(cooperative_id: int, lines: Sequence[Line], *, actor: Any, memo: str, value_date: date,
                      idempotency_key: str | None = None) -> JournalEntry:
    """A manual journal entry (page and API): :func:`check_manual_lines`, then ``post_entry`` with
    source ``manual``."""
    lines = list(lines)
    check_manual_lines(cooperative_id, lines)
    return post_entry(cooperative_id, lines, actor=actor, memo=memo, value_date=value_date,
                      idempotency_key=idempotency_key, source="manual")
