"""PPh withholding slips (bukti potong) on savings interest, and their monthly totals.

DOMAIN.md (Cooperative law and savings): jasa simpanan of an individual member bears PPh final (PP 15/2009:
0 % when a month's interest is at most Rp 240.000, otherwise 10 % of the gross); the cooperative issues a
bukti potong per member per month EVEN AT 0 % (PMK 112/PMK.03/2010) and reports the totals.

The slips are read from the per-account, per-month interest rows the savings service writes with every
interest posting (:class:`coop.savings.models.SavingsInterest`: the monthly run, the interest paid with a
closing, signed adjustments after a backdated transaction), so a reprint shows what was booked and a later
correction shows on the slip of the month it corrects. The totals report also shows the PPh those entries
credited to 2401, so a slip total that differs from the ledger is visible at once.

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
from coop.paging import Page, fetch_page
from coop.registry.models import Resident
from coop.reports.exports import csv_chunks
from coop.savings.accrual import INTEREST_SOURCES
from coop.savings.models import SavingsAccount, SavingsInterest


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


def _ledger_tax(cooperative_id: int, start: date, end: date) -> int:
    """PPh the month's interest entries (monthly run, closings, adjustments) credited to 2401."""
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Posting.credit - Posting.debit), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id).join(Account, Account.id == Posting.account_id)
        .where(JournalEntry.cooperative_id == cooperative_id, JournalEntry.source.in_(INTEREST_SOURCES),
               JournalEntry.value_date >= start, JournalEntry.value_date <= end,
               Account.code == chart.UTANG_PPH)) or 0)


def slips(cooperative_id: int, year: int, month: int, *, sees_nik: bool = False,
          member_ids: list[int] | None = None) -> list[Slip]:
    """The month's bukti potong, one per member who was credited interest for that month, by member number:
    the sums of the month's :class:`~coop.savings.models.SavingsInterest` rows (the monthly run, the
    interest paid with a closing and any signed adjustment after a backdated transaction). ``member_ids``:
    only those members' slips (one page of :func:`slips_page`)."""
    _start, end = month_bounds(year, month)
    per_member: dict[int, dict] = defaultdict(lambda: {"gross": 0, "tax": 0, "accounts": set()})
    q = (sa.select(SavingsInterest.member_id, SavingsAccount.account_number,
                   sa.func.sum(SavingsInterest.gross), sa.func.sum(SavingsInterest.tax))
         .join(SavingsAccount, SavingsAccount.id == SavingsInterest.account_id)
         .where(SavingsInterest.cooperative_id == cooperative_id, SavingsInterest.month_end == end))
    if member_ids is not None:
        q = q.where(SavingsInterest.member_id.in_(member_ids or [0]))
    for mid, number, gross, tax in db.session.execute(
            q.group_by(SavingsInterest.member_id, SavingsAccount.account_number)):
        row = per_member[mid]
        row["gross"] += int(gross)
        row["tax"] += int(tax)
        row["accounts"].add(number)
    per_member = {mid: row for mid, row in per_member.items() if row["gross"] > 0}
    people = {mid: (number, name, nik) for mid, number, name, nik in db.session.execute(
        sa.select(Member.id, Member.member_number, Resident.full_name, Resident.nik)
        .join(Resident, Resident.id == Member.resident_id).where(Member.id.in_(list(per_member) or [0])))}
    out = []
    for mid, row in per_member.items():
        number, name, nik = people.get(mid, ("", "", ""))
        out.append(Slip(number=f"BP/{year}/{month:02d}/{number}", year=year, month=month, member_number=number,
                        name=name, nik=(nik or "") if sees_nik else mask_nik(nik), gross=row["gross"],
                        tax=row["tax"], net=row["gross"] - row["tax"], accounts=sorted(row["accounts"])))
    out.sort(key=lambda s: s.member_number)
    return out


def slips_page(cooperative_id: int, year: int, month: int, *, sees_nik: bool = False, page: int = 1,
               per_page: int = 50) -> Page:
    """One page of the month's :func:`slips` by member number: the members (with interest above 0 that
    month) are paged in SQL, then only their slips are summed."""
    _start, end = month_bounds(year, month)
    credited = (sa.select(SavingsInterest.member_id)
                .where(SavingsInterest.cooperative_id == cooperative_id, SavingsInterest.month_end == end)
                .group_by(SavingsInterest.member_id).having(sa.func.sum(SavingsInterest.gross) > 0).subquery())
    members = fetch_page(sa.select(Member.id).join(credited, credited.c.member_id == Member.id)
                         .order_by(Member.member_number, Member.id), page, per_page)
    items = slips(cooperative_id, year, month, sees_nik=sees_nik, member_ids=list(members.items))
    return Page(items, members.page, members.per_page, members.total)


def monthly_totals(cooperative_id: int, year: int, last: date | None = None) -> list[dict]:
    """Per month of ``year`` (up to ``last``): ``{"month", "slips", "slips_taxed", "gross", "tax", "net",
    "ledger_tax"}``; ``ledger_tax`` is what the month's interest entries credited to 2401."""
    rows = []
    for month in range(1, 13):
        start, end = month_bounds(year, month)
        if last is not None and start > last:
            break
        month_slips = slips(cooperative_id, year, month)
        ledger_tax = _ledger_tax(cooperative_id, start, end)
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
