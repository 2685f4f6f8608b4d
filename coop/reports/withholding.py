"""PPh withholding slips (bukti potong) on savings interest, and their monthly totals.

DOMAIN.md (Cooperative law and savings): jasa simpanan of an individual member bears PPh final (PP 15/2009:
0 % when a month's interest is at most Rp 240.000, otherwise 10 % of the gross); the cooperative issues a
bukti potong per member per month EVEN AT 0 % (PMK 112/PMK.03/2010) and reports the totals.

The slips are read from the journal, so a reprint always shows what was booked: every ``savings.interest``
entry of the month credits each member's savings sub-account with the NET interest, one line per savings
account whose memo is ``jasa <account number> <gross> pph <tax>`` (written by
:func:`coop.savings.interest.post_monthly_interest`), and credits 2401 Utang PPh Final with the month's tax.
A line whose memo does not carry the split counts as gross = net, tax 0. The totals report also shows the
PPh the entries credited to 2401, so a slip total that differs from the ledger is visible at once.

Number of a slip: ``BP/<year>/<month>/<member number>``: one per member per month, stable on every reprint.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from coop.db import db
from coop.formatting import mask_nik
from coop.ledger import chart
from coop.ledger.models import Account, JournalEntry, Posting
from coop.membership.models import Member
from coop.registry.models import Resident
from coop.reports.exports import csv_chunks
from coop.savings.models import SavingsAccount

INTEREST_SOURCE = "savings.interest"
_MEMO = re.compile(r"^jasa (\S+) (\d+) pph (\d+)$")


@dataclass
class Slip:
    """One bukti potong: a member's savings interest of one month and the PPh withheld from it."""

    number: str
    year: int
    month: int
    member_number: str
    name: str
    nik: str
    gross: int
    tax: int
    net: int
    accounts: list[str]

    @property
    def rate_percent(self) -> Decimal:
        """The rate actually withheld (0 at or under the threshold; 10 above it by default)."""
        if not self.gross or not self.tax:
            return Decimal(0)
        return (Decimal(self.tax) * 100 / self.gross).quantize(Decimal("0.01"), ROUND_HALF_UP)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    start = date(year, month, 1)
    end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    return start, end


def parse_month(raw: str) -> tuple[int, int] | None:
    """``"2026-11"`` -> ``(2026, 11)``; None for anything else."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", (raw or "").strip())
    if not m or not 2000 <= int(m.group(1)) <= 2100 or not 1 <= int(m.group(2)) <= 12:
        return None
    return int(m.group(1)), int(m.group(2))


def _interest_lines(cooperative_id: int, start: date, end: date):
    """(value date, account id, account code, credit - debit, memo) of the interest entries in the range."""
    return db.session.execute(
        sa.select(JournalEntry.value_date, Posting.account_id, Account.code, Posting.credit - Posting.debit,
                  Posting.memo)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id).join(Account, Account.id == Posting.account_id)
        .where(JournalEntry.cooperative_id == cooperative_id, JournalEntry.source == INTEREST_SOURCE,
               JournalEntry.value_date >= start, JournalEntry.value_date <= end)
        .order_by(JournalEntry.value_date, Posting.line_no)).all()


def slips(cooperative_id: int, year: int, month: int, *, sees_nik: bool = False) -> list[Slip]:
    """The month's bukti potong, one per member who was credited interest, by member number."""
    start, end = month_bounds(year, month)
    lines = _interest_lines(cooperative_id, start, end)
    ledger_ids = {aid for _vd, aid, _code, _amt, _memo in lines}
    owners = {lid: (mid, number) for lid, mid, number in db.session.execute(
        sa.select(SavingsAccount.ledger_account_id, SavingsAccount.member_id, SavingsAccount.account_number)
        .where(SavingsAccount.cooperative_id == cooperative_id,
               SavingsAccount.ledger_account_id.in_(list(ledger_ids) or [0])))}
    per_member: dict[int, dict] = defaultdict(lambda: {"gross": 0, "tax": 0, "net": 0, "accounts": []})
    for _vd, aid, _code, amount, memo in lines:
        if aid not in owners:
            continue
        mid, number = owners[aid]
        row = per_member[mid]
        net = int(amount)
        m = _MEMO.match(memo or "")
        gross, tax = (int(m.group(2)), int(m.group(3))) if m and int(m.group(2)) - int(m.group(3)) == net \
            else (net, 0)
        row["gross"] += gross
        row["tax"] += tax
        row["net"] += net
        row["accounts"].append(m.group(1) if m else number)
    people = {mid: (number, name, nik) for mid, number, name, nik in db.session.execute(
        sa.select(Member.id, Member.member_number, Resident.full_name, Resident.nik)
        .join(Resident, Resident.id == Member.resident_id).where(Member.id.in_(list(per_member) or [0])))}
    out = []
    for mid, row in per_member.items():
        number, name, nik = people.get(mid, ("", "", ""))
        out.append(Slip(number=f"BP/{year}/{month:02d}/{number}", year=year, month=month, member_number=number,
                        name=name, nik=(nik or "") if sees_nik else mask_nik(nik), gross=row["gross"],
                        tax=row["tax"], net=row["net"], accounts=sorted(set(row["accounts"]))))
    out.sort(key=lambda s: s.member_number)
    return out


def monthly_totals(cooperative_id: int, year: int, last: date | None = None) -> list[dict]:
    """Per month of ``year`` (up to ``last``): ``{"month", "slips", "slips_taxed", "gross", "tax", "net",
    "ledger_tax"}``; ``ledger_tax`` is what the month's interest entries credited to 2401."""
    rows = []
    for month in range(1, 13):
        start, end = month_bounds(year, month)
        if last is not None and start > last:
            break
        month_slips = slips(cooperative_id, year, month)
        ledger_tax = sum(int(amt) for _vd, _aid, code, amt, _memo in _interest_lines(cooperative_id, start, end)
                         if code == chart.UTANG_PPH)
        rows.append({"month": f"{year}-{month:02d}", "slips": len(month_slips),
                     "slips_taxed": sum(1 for s in month_slips if s.tax), "gross": sum(s.gross for s in month_slips),
                     "tax": sum(s.tax for s in month_slips), "net": sum(s.net for s in month_slips),
                     "ledger_tax": ledger_tax})
    return rows


def totals_csv(cooperative_id: int, year: int, last: date | None = None) -> Iterator[str]:
    header = ["month", "slips", "slips_taxed", "gross", "pph", "net", "pph_in_ledger_2401"]
    rows = [(r["month"], r["slips"], r["slips_taxed"], r["gross"], r["tax"], r["net"], r["ledger_tax"])
            for r in monthly_totals(cooperative_id, year, last)]
    return csv_chunks(header, rows)


def slips_csv(cooperative_id: int, year: int, month: int, *, sees_nik: bool) -> Iterator[str]:
    header = ["slip_number", "month", "member_number", "member_name", "nik", "gross", "pph_rate_percent", "pph",
              "net", "accounts"]
    rows = [(s.number, f"{year}-{month:02d}", s.member_number, s.name, s.nik, s.gross, str(s.rate_percent), s.tax,
             s.net, " ".join(s.accounts)) for s in slips(cooperative_id, year, month, sees_nik=sees_nik)]
    return csv_chunks(header, rows)
