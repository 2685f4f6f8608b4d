"""The treasurer's cash: receipts (kuitansi) for savings entries, the day book (buku kas harian) and the
end-of-day cash count (opname kas) whose difference is booked against 5204 Selisih Kas."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import get_locale, gettext

from coop import audit, datebounds
from coop.db import db
from coop.errors import InsufficientFunds, NotFound, ValidationError
from coop.formatting import BULAN, MONTHS_EN
from coop.ledger import chart
from coop.ledger import rules as ledger_rules
from coop.ledger.models import Account, JournalEntry, Posting
from coop.ledger.services import Line, account_by_code, get_entry, lock_head, post_entry
from coop.ledger.stamp_duty import SAVINGS, stamp_duty
from coop.membership.models import Member
from coop.paging import Page
from coop.savings.models import CashCount, SavingsAccount
from coop.savings.services import SOURCE_LABELS, _months_paid_by, get_account, wajib_status
from coop.text import N_

#: The receipt's titles (``SOURCE_LABELS`` in savings/services.py, kept Indonesian there because they are
#: also journal memos) marked for translation; tests/web/test_print_language.py checks none is missing.
_TITLES = (N_("Setoran"), N_("Penarikan"), N_("Setoran simpanan wajib"), N_("Setoran simpanan pokok"),
           N_("Jasa simpanan"), N_("Jatuh tempo berjangka"), N_("Saldo awal"), N_("Pengunduran diri"),
           N_("Pembukaan simpanan berjangka"), N_("Selisih kas"))


@dataclass
class ReceiptView:
    entry: JournalEntry
    title: str
    member: object | None
    amount: int
    direction: str  # "in" (received from the member) or "out" (paid to the member)
    lines: list = field(default_factory=list)  # [(SavingsAccount, amount, balance_after)]
    wajib_months: list = field(default_factory=list)
    stamp_duty: bool = False
    stamp_duty_amount: int = 0

    @property
    def purpose(self) -> str:
        """What the money was for, in the current language (labels marked ``N_`` where defined)."""

        kinds = ", ".join(dict.fromkeys(gettext(acc.kind_label) for acc, _, _ in self.lines))
        if self.entry.source in ("savings.deposit", "savings.withdrawal"):
            return f"{gettext(self.title)} {kinds}"
        return gettext(self.title)

    @property
    def note(self) -> str:
        """The treasurer's own words, if any (after the generated part of the memo)."""
        return self.entry.memo.split(": ", 1)[1] if ": " in self.entry.memo else ""

    @property
    def month_labels(self) -> list[str]:
        names = MONTHS_EN if str(get_locale() or "id") == "en" else BULAN
        return [f"{names[m.month - 1]} {m.year}" for m in self.wajib_months]


def _balance_after(acc: SavingsAccount, entry: JournalEntry) -> int:
    """The account's balance right after ``entry`` (postings of earlier entries and this one)."""
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Posting.credit - Posting.debit), 0))
        .where(Posting.account_id == acc.ledger_account_id, Posting.entry_id <= entry.id)) or 0)


def receipt(cooperative_id: int, entry_id: int) -> ReceiptView:
    """Everything a kuitansi shows for a savings entry. :raises NotFound: not a savings entry."""

    if not 0 < entry_id < 2**63:
        raise NotFound("Jurnal tidak ditemukan.")
    entry = get_entry(cooperative_id, entry_id)
    ledger_ids = [p.account_id for p in entry.postings]
    accs = {a.ledger_account_id: a for a in db.session.scalars(
        sa.select(SavingsAccount).where(SavingsAccount.ledger_account_id.in_(ledger_ids)))}
    if not accs:
        raise NotFound("Kuitansi hanya untuk transaksi simpanan.")
    kas_id = account_by_code(cooperative_id, chart.KAS).id
    lines, member = [], None
    for p in entry.postings:
        acc = accs.get(p.account_id)
        if acc is None:
            continue
        member = member or db.session.get(Member, acc.member_id)
        lines.append((acc, p.credit - p.debit, _balance_after(acc, entry)))
    cash_in = sum(p.debit for p in entry.postings if p.account_id == kas_id)
    cash_out = sum(p.credit for p in entry.postings if p.account_id == kas_id)
    direction = "out" if cash_out > cash_in else "in"
    amount = abs(cash_in - cash_out) or sum(abs(a) for _, a, _ in lines)
    months = []
    for acc, amt, after in lines:
        if acc.kind == "wajib" and amt > 0:
            months = _months_paid_by(acc, after - amt, after)
    # savings slips, interest and resignation refunds are exempt (UU 10/2020 Pasal 7 huruf g)
    stamp = stamp_duty(cooperative_id, amount, entry.value_date, document=SAVINGS)
    return ReceiptView(entry=entry, title=SOURCE_LABELS.get(entry.source, entry.memo), member=member,
                       amount=amount, direction=direction, lines=lines, wajib_months=months,
                       stamp_duty=stamp.required, stamp_duty_amount=stamp.amount)


#: a wajib payment above what is due by this month plus this many months ahead asks "is that right?"
WAJIB_MONTHS_AHEAD = 12


@dataclass
class CashPreview:
    """What a cash-desk transaction WOULD do (the confirmation page): nothing is written."""
    account: SavingsAccount
    action: str
    amount: int
    balance_before: int
    balance_after: int
    #: wajib: what is due up to this month and the most a payment may be without a warning
    wajib_due: int = 0
    wajib_limit: int | None = None
    wajib_months: int = 0

    @property
    def far_above_due(self) -> bool:
        return self.wajib_limit is not None and self.amount > self.wajib_limit


def preview(cooperative_id: int, account_id: int, action: str, amount: int, as_of: date) -> CashPreview:
    """The figures of the confirmation page of a deposit, withdrawal, wajib or pokok payment: the balance
    before and after; a wajib payment names what is due (arrears and this month) and the limit above which
    it warns (due + 12 months). Reads only.

    Worked example: sukarela Rp 100.000, withdraw Rp 30.000 -> after Rp 70.000. Wajib Rp 50.000 a month
    with two months due: limit 100.000 + 12 x 50.000 = 700.000.

    :raises InsufficientFunds: a withdrawal below the account's floor (refused before the confirmation,
        with the ledger's own message).
    """
    acc = get_account(cooperative_id, account_id)
    before = acc.balance
    out = action == "withdraw"
    after = before - amount if out else before + amount
    floor = acc.ledger_account.min_balance
    if out and floor is not None and after < floor:
        message, field_msg = ledger_rules.floor_message(acc.ledger_account.code, acc.ledger_account.name, before,
                                                        floor, amount)
        raise InsufficientFunds(message, fields={"amount": [field_msg]})
    p = CashPreview(account=acc, action=action, amount=amount, balance_before=before, balance_after=after)
    if acc.kind == "wajib" and not out:
        ws = wajib_status(cooperative_id, acc.member, as_of)
        p.wajib_due = ws["due_amount"]
        p.wajib_limit = ws["due_amount"] + WAJIB_MONTHS_AHEAD * ws["monthly"]
        p.wajib_months = amount // ws["monthly"] if ws["monthly"] else 0
    return p


@dataclass
class DayBook:
    day: date
    opening: int
    rows: list  # [(entry, cash_in, cash_out, balance)]
    total_in: int
    total_out: int

    @property
    def closing(self) -> int:
        return self.opening + self.total_in - self.total_out


def cash_balance_as_of(cooperative_id: int, day: date, kas_id: int | None = None) -> int:
    """Kas on the evening of ``day`` (postings dated on or before it): the account's running balance less the
    postings dated after ``day``, so the cost follows the days after ``day`` (none for today), not the books'
    whole history. Worked example: Kas 500.000 now, 120.000 in and 20.000 out dated tomorrow -> 400.000."""
    kas_id = kas_id or account_by_code(cooperative_id, chart.KAS).id
    running = db.session.scalar(sa.select(Account.balance).where(Account.id == kas_id)) or 0
    return int(running) - _kas_moved(cooperative_id, kas_id, JournalEntry.value_date > day)


def _kas_moved(cooperative_id: int, kas_id: int, *where) -> int:
    """Debit less credit of the Kas postings of the cooperative's entries matching ``where`` (the entries are
    found by their own indexes first, then each one's Kas line by ``ix_postings_account_id_entry_id``)."""
    entries = sa.select(JournalEntry.id).where(JournalEntry.cooperative_id == cooperative_id, *where)
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Posting.debit - Posting.credit), 0))
        .where(Posting.account_id == kas_id, Posting.entry_id.in_(entries))) or 0)


def _day_rows(cooperative_id: int, kas_id: int, day: date):
    """``day``'s entries touching Kas, newest first, as Core rows (``id``, ``voucher_number``, ``memo``,
    ``source``, ``cash_in``, ``cash_out``): the entries walked by ``ix_journal_entries_cooperative_id_value_date``
    in id order (so LIMIT stops after a page; no GROUP BY or sort of the whole day), each one's Kas lines by
    ``ix_postings_account_id_entry_id``; no ORM entries with their postings and accounts (the page shows none)."""
    kas_lines = sa.select(Posting.id).where(Posting.entry_id == JournalEntry.id, Posting.account_id == kas_id)

    def kas_sum(column):
        return (sa.select(sa.func.sum(column)).where(Posting.entry_id == JournalEntry.id, Posting.account_id == kas_id)
                .scalar_subquery())

    return (sa.select(JournalEntry.id, JournalEntry.voucher_number, JournalEntry.memo, JournalEntry.source,
                      kas_sum(Posting.debit).label("cash_in"), kas_sum(Posting.credit).label("cash_out"))
            .where(JournalEntry.cooperative_id == cooperative_id, JournalEntry.value_date == day,
                   kas_lines.exists())
            .order_by(JournalEntry.id.desc()))


def day_book(cooperative_id: int, day: date) -> DayBook:
    """Buku kas harian: every entry touching Kas on ``day`` (oldest first, Core rows as in
    :func:`day_book_page`) with cash in, out and running balance."""
    kas_id = account_by_code(cooperative_id, chart.KAS).id
    opening = cash_balance_as_of(cooperative_id, date.fromordinal(day.toordinal() - 1), kas_id)
    rows, bal, tin, tout = [], opening, 0, 0
    for entry in db.session.execute(_day_rows(cooperative_id, kas_id, day).order_by(None)
                                    .order_by(JournalEntry.id)).all():
        d, c = int(entry.cash_in or 0), int(entry.cash_out or 0)
        bal += d - c
        tin += d
        tout += c
        rows.append((entry, d, c, bal))
    return DayBook(day, opening, rows, tin, tout)


def day_book_page(cooperative_id: int, day: date, page: int = 1, per_page: int = 50) -> tuple[DayBook, Page]:
    """One page of the day book, newest entry first: the whole day's totals, opening and closing, and only
    ``per_page`` entries read, each with Kas after it (the page of a busy day costs the same as a quiet one's).

    The closing is the running balance less what is dated after ``day``; the first row's balance is the closing
    less the entries above it (later that day); each next row's is the one above less that row's movement.
    ``book.rows`` holds the page's rows (newest first), each entry a Core row (``id``, ``voucher_number``, ``memo``,
    ``source``: :func:`_day_rows`). Worked example: opening 100.000, entries of 30.000 in,
    5.000 out, 10.000 in, two a page: page 1 shows 10.000 (135.000) and 5.000 out (125.000); page 2 30.000
    (130.000) and the opening."""
    kas_id = account_by_code(cooperative_id, chart.KAS).id
    closing = cash_balance_as_of(cooperative_id, day, kas_id)
    entries = sa.select(JournalEntry.id).where(JournalEntry.cooperative_id == cooperative_id,
                                               JournalEntry.value_date == day)
    tin, tout, count = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Posting.debit), 0), sa.func.coalesce(sa.func.sum(Posting.credit), 0),
                  sa.func.count(sa.distinct(Posting.entry_id)))
        .where(Posting.account_id == kas_id, Posting.entry_id.in_(entries))).one()
    tin, tout = int(tin), int(tout)
    page = min(max(1, page or 1), max(1, -(-count // per_page)))
    found = db.session.execute(_day_rows(cooperative_id, kas_id, day).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    rows = []
    if found:
        bal = closing - _kas_moved(cooperative_id, kas_id, JournalEntry.value_date == day,
                                   JournalEntry.id > found[0].id)
        for entry in found:
            d, c = int(entry.cash_in or 0), int(entry.cash_out or 0)
            rows.append((entry, d, c, bal))
            bal -= d - c
    book = DayBook(day, closing - tin + tout, rows, tin, tout)
    return book, Page(rows, page, per_page, count)


#: the pecahan sheet, in the order of the printed form: notes, then coins ("coin<value>")
NOTES = (100_000, 50_000, 20_000, 10_000, 5_000, 2_000, 1_000)
COINS = (1_000, 500, 200, 100)
SHEET = tuple((str(v), v) for v in NOTES) + tuple((f"coin{v}", v) for v in COINS)


def sheet_total(denominations: dict) -> int:
    """Rupiah on a pecahan sheet: pieces x face value, plus ``other`` (rupiah outside the sheet).

    Worked example: 3 x 100.000 + 1 x 20.000 + 4 x coin 500 + other 300 = 322.300."""
    total = int(denominations.get("other") or 0)
    for key, value in SHEET:
        pieces = denominations.get(key) or 0
        if isinstance(pieces, bool) or not isinstance(pieces, int) or pieces < 0:
            raise ValidationError("Jumlah lembar/keping harus bilangan bulat >= 0.", fields={key: [">= 0"]})
        total += pieces * value
    return total


@dataclass
class CountPreview:
    """The figures shown AFTER the blind count: the books' Kas that day and the difference."""
    counted_on: date
    counted: int
    expected: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


def cash_count_preview(cooperative_id: int, counted_on: date, counted: int) -> CountPreview:
    """What :func:`record_cash_count` would record (reads only). Worked example: books Rp 100.000, counted
    95.000 -> difference -5.000 (short)."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise ValidationError("Jumlah uang dihitung tidak valid.", fields={"counted": ["bilangan bulat >= 0"]})
    datebounds.check_day(cooperative_id, counted_on, "counted_on")
    return CountPreview(counted_on, counted, cash_balance_as_of(cooperative_id, counted_on))


def record_cash_count(cooperative_id: int, counted_on: date, counted: int, *, actor,
                      note: str | None = None, denominations: dict | None = None, witness: str | None = None,
                      idempotency_key: str | None = None) -> CashCount:
    """A cash count: expected = Kas in the books that day (after any earlier count's difference); a
    difference is one entry against 5204 Selisih Kas (short: Dr 5204 Cr Kas; over: Dr Kas Cr 5204). A day
    may have several counts. ``denominations`` (the pecahan sheet) must add up to ``counted``; the same
    ``idempotency_key`` again returns the first count (nothing new is posted)."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        raise ValidationError("Jumlah uang dihitung tidak valid.", fields={"counted": ["bilangan bulat >= 0"]})
    # the ledger's head before the books and the day's counts are read: a second count at the same moment
    # waits and counts against the books after this one's difference (read before it, both read the same
    # Kas and the same number of the day: the second recorded the first's shortfall again, under its entry)
    lock_head(cooperative_id)
    if idempotency_key:
        prior = db.session.scalar(sa.select(CashCount).where(CashCount.cooperative_id == cooperative_id,
                                                             CashCount.idempotency_key == idempotency_key))
        if prior is not None:
            return prior
    if denominations is not None and sheet_total(denominations) != counted:
        raise ValidationError("Rincian pecahan tidak sama dengan jumlah dihitung.", fields={"counted": ["pecahan"]})
    datebounds.check_day(cooperative_id, counted_on, "counted_on")
    expected = cash_balance_as_of(cooperative_id, counted_on)
    diff = counted - expected
    seq = 1 + (db.session.scalar(sa.select(sa.func.count()).select_from(CashCount).where(
        CashCount.cooperative_id == cooperative_id, CashCount.counted_on == counted_on)) or 0)
    row = CashCount(cooperative_id=cooperative_id, counted_on=counted_on, expected=expected, counted=counted,
                    difference=diff, actor_id=getattr(actor, "id", None), note=note, denominations=denominations,
                    witness=witness, idempotency_key=idempotency_key)
    if diff:
        kas = db.session.scalar(sa.select(Account.id).where(Account.cooperative_id == cooperative_id,
                                                            Account.code == chart.KAS))
        selisih = db.session.scalar(sa.select(Account.id).where(Account.cooperative_id == cooperative_id,
                                                                Account.code == chart.SELISIH_KAS))
        assert kas is not None and selisih is not None, "every chart has them (chart.TEMPLATE; never deleted)"
        lines = ([Line.dr(selisih, -diff), Line.cr(kas, -diff)] if diff < 0
                 else [Line.dr(kas, diff), Line.cr(selisih, diff)])
        entry = post_entry(cooperative_id, lines, actor=actor,
                           memo=f"Selisih kas {'kurang' if diff < 0 else 'lebih'} opname {counted_on:%d-%m-%Y}"
                                + (f" (hitungan ke-{seq})" if seq > 1 else ""),
                           value_date=counted_on, source="cash.count",
                           idempotency_key=(f"cash.count:{idempotency_key}" if idempotency_key
                                            else f"cash.count:{counted_on.isoformat()}:{seq}"))
        row.entry_id = entry.id
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "cash.count", "cash_count", row.id,
                 {"expected": expected, "counted": counted, "difference": diff, "witness": witness},
                 cooperative_id=cooperative_id)
    return row


def cash_counts(cooperative_id: int, limit: int = 30) -> list[CashCount]:
    return list(db.session.scalars(sa.select(CashCount).where(CashCount.cooperative_id == cooperative_id)
                                   .order_by(CashCount.counted_on.desc(), CashCount.id.desc()).limit(limit)))


def counts_on(cooperative_id: int, day: date) -> list[CashCount]:
    """Every count of ``day``, first first."""
    return list(db.session.scalars(sa.select(CashCount).where(CashCount.cooperative_id == cooperative_id,
                                                             CashCount.counted_on == day).order_by(CashCount.id)))


def get_cash_count(cooperative_id: int, cash_count_id: int) -> CashCount:
    row = db.session.get(CashCount, cash_count_id) if 0 < cash_count_id < 2**63 else None
    if row is None or row.cooperative_id != cooperative_id:
        raise NotFound("Hitungan kas tidak ditemukan.")
    return row
