"""Year-end closing (tutup buku): close income and expenses into SHU Tahun Berjalan, close the year's
period, carry the result forward into SHU Belum Dibagi for the RAT.

Entries (both through ``post_entry``, so hash-chained and audited):

0. ``yearend.income_tax`` dated 31 December: PPh badan on a positive surplus at the setting
   ``income_tax_rate`` (Dr ``5301 Beban Pajak Penghasilan`` / Cr ``2402 Utang PPh Badan``), less what was
   already booked on 5301 that year, so that SHU is after tax (UU 25/1992 Pasal 45(1)).
1. ``shu.closing`` dated 31 December: every income and expense account (sub-accounts too) is brought
   to zero against ``3301 SHU Tahun Berjalan``. The ledger's PHU leaves this source out, so a closed year
   still shows its income and expenses.
2. the year's accounting period is closed (``coop.ledger.periods.close_period``): nothing more can be
   posted into it without the maker-checker re-opening.
3. ``shu.carry_forward`` dated 1 January of the next year: the surplus moves from 3301 to ``3302 SHU
   Belum Dibagi`` where it waits for the RAT's allocation (:mod:`coop.yearend.shu`). Balance-sheet
   accounts need no entry: their running balances simply continue into the new year.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop import audit, datebounds, settings
from coop.db import db, utcnow
from coop.errors import Conflict, FutureDate, NotFound
from coop.ledger import chart
from coop.ledger.models import Account
from coop.ledger.periods import close_period
from coop.ledger.reports import balances_as_of, phu
from coop.ledger.services import Line, account_by_code, lock_head, post_entry
from coop.yearend import shu_rules
from coop.yearend.models import YearEnd


def get_year_end(cooperative_id: int, year: int) -> YearEnd | None:
    return db.session.scalar(sa.select(YearEnd).where(YearEnd.cooperative_id == cooperative_id,
                                                      YearEnd.year == year))


def income_tax_of(cooperative_id: int, year: int) -> dict:
    """The year's PPh badan: ``{"pre_tax", "rate", "due", "posted", "to_post", "surplus"}`` where ``posted``
    is what 5301 already holds for the year, ``to_post`` what the closing accrues (never negative) and
    ``surplus`` the SHU after tax (the PHU's surplus less ``to_post``)."""
    p = phu(cooperative_id, date(year, 1, 1), date(year, 12, 31))
    posted = sum(r["amount"] for r in p["expenses"] if r["code"] == chart.BEBAN_PPH_BADAN)
    pre_tax = p["surplus"] + posted
    rate = settings.get_decimal(cooperative_id, "income_tax_rate", date(year, 12, 31))
    due = shu_rules.income_tax(pre_tax, rate)
    to_post = max(0, due - posted)
    return {"pre_tax": pre_tax, "rate": rate, "due": due, "posted": posted, "to_post": to_post,
            "surplus": p["surplus"] - to_post}


def closing_lines(cooperative_id: int, as_of: date) -> tuple[list[Line], int]:
    """Lines that zero every income/expense account at the end of ``as_of``, and the surplus they move
    into 3301 (a credit for a surplus, a debit for a loss). Pure arithmetic on the ledger's balances."""
    balances = balances_as_of(cooperative_id, as_of)
    pl = dict(db.session.execute(sa.select(Account.id, Account.code).where(
        Account.cooperative_id == cooperative_id, Account.type.in_(("income", "expense")))).all())
    lines: list[Line] = []
    net = 0  # debit minus credit over income/expense accounts
    for aid in sorted(pl, key=lambda a: pl[a]):
        bal = balances.get(aid, 0)
        if bal > 0:
            lines.append(Line.cr(aid, bal, memo="penutupan"))
        elif bal < 0:
            lines.append(Line.dr(aid, -bal, memo="penutupan"))
        net += bal
    surplus = -net
    shu_id = account_by_code(cooperative_id, chart.SHU_BERJALAN).id
    if surplus > 0:
        lines.append(Line.cr(shu_id, surplus, memo="SHU tahun berjalan"))
    elif surplus < 0:
        lines.append(Line.dr(shu_id, -surplus, memo="rugi tahun berjalan"))
    return lines, surplus


def close_year(cooperative_id: int, year: int, *, actor) -> YearEnd:
    """Close the financial ``year`` (see the module docstring). Idempotent refusal: a second call is a
    409. :raises Conflict: already closed. :raises PeriodClosed: December (or the year) was already
    closed before the closing entry could be posted: re-open it first.

    The ledger's head is locked before anything is read: a posting into the year waits for the closing and
    then finds the year closed (read before the lock, one committing between the reads and the period's
    closing was in neither the tax nor the closing entry); a second closing waits and finds the first."""
    lock_head(cooperative_id)
    if get_year_end(cooperative_id, year) is not None:
        raise Conflict(f"Tahun buku {year} sudah ditutup.", code="year_closed")
    end = date(year, 12, 31)
    today = datebounds.today(cooperative_id)
    if end >= today:  # the carry-forward is dated January 1: the year must be over
        raise FutureDate(f"Tahun buku {year} belum berakhir (hari ini {today.isoformat()}).",
                         fields={"year": [f"tahun {year} belum berakhir"]})
    tax = income_tax_of(cooperative_id, year)
    tax_entry = None
    if tax["to_post"]:
        tax_entry = post_entry(
            cooperative_id, [Line.dr(account_by_code(cooperative_id, chart.BEBAN_PPH_BADAN).id, tax["to_post"]),
                             Line.cr(account_by_code(cooperative_id, chart.UTANG_PPH_BADAN).id, tax["to_post"])],
            actor=actor, memo=f"PPh badan tahun {year} ({tax['rate']} % x Rp {tax['pre_tax']:,})".replace(",", "."),
            value_date=end, source="yearend.income_tax", source_ref=f"TB-{year}", audit_action="yearend.income_tax")
    lines, surplus = closing_lines(cooperative_id, end)
    closing = carry = None
    if len(lines) >= 2:
        closing = post_entry(cooperative_id, lines, actor=actor, memo=f"Penutupan buku tahun {year}",
                             value_date=end, source="shu.closing", source_ref=f"TB-{year}",
                             audit_action="yearend.closing")
    close_period(cooperative_id, actor=actor, year=year)
    if surplus:
        berjalan = account_by_code(cooperative_id, chart.SHU_BERJALAN).id
        belum = account_by_code(cooperative_id, chart.SHU_BELUM_DIBAGI).id
        amount = abs(surplus)
        carry_lines = ([Line.dr(berjalan, amount), Line.cr(belum, amount)] if surplus > 0
                       else [Line.dr(belum, amount), Line.cr(berjalan, amount)])
        carry = post_entry(cooperative_id, carry_lines, actor=actor,
                           memo=f"Pindah {'SHU' if surplus > 0 else 'rugi'} {year} ke SHU Belum Dibagi",
                           value_date=date(year + 1, 1, 1), source="shu.carry_forward",
                           source_ref=f"TB-{year}", audit_action="yearend.carry_forward")
    row = YearEnd(cooperative_id=cooperative_id, year=year, surplus=surplus, income_tax=tax["posted"] + tax["to_post"],
                  tax_entry_id=tax_entry.id if tax_entry else None,
                  closing_entry_id=closing.id if closing else None, carry_entry_id=carry.id if carry else None,
                  closed_by_id=getattr(actor, "id", None), closed_at=utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "yearend.close", "year_end", row.id, {"year": year, "surplus": surplus,
                                                                 "income_tax": row.income_tax},
                 cooperative_id=cooperative_id)
    return row


def require_year_end(cooperative_id: int, year: int) -> YearEnd:
    row = get_year_end(cooperative_id, year)
    if row is None:
        raise NotFound(f"Tahun buku {year} belum ditutup.")
    return row
