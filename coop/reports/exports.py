"""Auditor exports, streamed with constant memory: journal CSV, general ledger XLSX, trial balance,
member ledgers, loan portfolio, training participants.

Every generator here yields text chunks (or rows) straight from a server-side cursor (``yield_per``),
so exporting ten million posting lines costs the memory of one chunk, not of the ledger. The caller
(a blueprint wrapping it in ``stream_with_context``, or the CLI) records the export in the audit log
first (:func:`record_export`).

The journal CSV carries exactly what an auditor needs to recompute the hash chain from the file alone
(``coop/reports/verify.py``): voucher number, value date, entry memo, per line the account code, debit
and credit, and each entry's previous and own hash.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from coop import audit
from coop.db import Base, db, reads_replica
from coop.ledger.models import Account, JournalEntry, Posting
from coop.membership.models import Member
from coop.spreadsheet import FORMULA_START, cell_value, safe_row, text_value  # noqa: F401

#: Columns of the journal CSV, in order (docs/reports.md describes each).
JOURNAL_COLUMNS = ["journal", "chain_seq", "voucher_number", "value_date", "posted_at", "line_no",
                   "account_code", "account_name", "member_number", "source", "document_ref", "memo",
                   "line_memo", "debit", "credit", "prev_hash", "hash"]

#: Rows fetched per round trip from the server-side cursor.
FETCH = 20_000
#: Characters buffered before a chunk is yielded.
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Period:
    """An inclusive range of value dates; ``None`` on either side means open-ended."""

    start: date | None = None
    end: date | None = None

    def where(self, column):
        conds = []
        if self.start is not None:
            conds.append(column >= self.start)
        if self.end is not None:
            conds.append(column <= self.end)
        return conds

    def label(self) -> str:
        return f"{self.start.isoformat() if self.start else 'awal'}_{self.end.isoformat() if self.end else 'akhir'}"


def consistent_snapshot() -> None:
    """Make the export's several queries (balances, totals, head hash, lines) see ONE state of the books.

    SQLite: a read transaction already is a snapshot. PostgreSQL: start the read transaction in
    REPEATABLE READ (only possible before it begins; inside an open transaction, e.g. the tests'
    SAVEPOINT, it is left as it is).
    """
    bind = db.session.get_bind()
    if db.session().in_transaction() or not isinstance(bind, sa.Engine):  # already in a transaction
        return
    if bind.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def record_export(actor, cooperative_id: int, kind: str, period: Period | None = None, **extra) -> None:
    """Audit row for one export (``export.<kind>``): who took which book for which period."""
    summary = {"kind": kind, **extra}
    if period is not None:
        summary.update({"from": period.start, "to": period.end})
    audit.record(actor, f"export.{kind}", "export", kind, summary, cooperative_id=cooperative_id)


# ---------------------------------------------------------------------------------------------------
# Who owns a sub-account
# ---------------------------------------------------------------------------------------------------

def account_owners(cooperative_id: int) -> dict[int, str]:
    """``{ledger account id: member number}`` for every member-owned sub-account (savings, loans).

    Any mapped table with ``ledger_account_id`` and ``member_id`` columns (savings accounts, loans, ...)
    links a sub-account to a member; this finds them all, so the areas need not register anything.
    """
    owners: dict[int, str] = {}
    for mapper in Base.registry.mappers:
        _collect(mapper, Member, cooperative_id, owners)
    return owners


def _collect(mapper, member_cls, cooperative_id: int, owners: dict[int, str]) -> None:
    cols = set(mapper.columns.keys())
    if not {"ledger_account_id", "member_id"} <= cols:
        return
    cls = mapper.class_
    stmt = (sa.select(cls.ledger_account_id, member_cls.member_number)
            .join(member_cls, member_cls.id == cls.member_id)
            .where(member_cls.cooperative_id == cooperative_id))
    for account_id, number in db.session.execute(stmt):
        if account_id is not None:
            owners[account_id] = number


def account_index(cooperative_id: int) -> dict[int, tuple[str, str, str]]:
    """``{account id: (code, name, member number or "")}`` for the cooperative (one query each)."""
    owners = account_owners(cooperative_id)
    return {aid: (code, name, owners.get(aid, "")) for aid, code, name in db.session.execute(
        sa.select(Account.id, Account.code, Account.name).where(Account.cooperative_id == cooperative_id))}


# ---------------------------------------------------------------------------------------------------
# Journal CSV
# ---------------------------------------------------------------------------------------------------

def journal_lines_stmt(cooperative_id: int, period: Period):
    """One row per posting line of the period's entries, in chain order."""
    return (sa.select(JournalEntry.source, JournalEntry.chain_seq, JournalEntry.voucher_number,
                      JournalEntry.value_date, JournalEntry.posted_at, Posting.line_no, Posting.account_id,
                      JournalEntry.source_ref, JournalEntry.memo, Posting.memo, Posting.debit, Posting.credit,
                      JournalEntry.prev_hash, JournalEntry.hash)
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(JournalEntry.cooperative_id == cooperative_id, *period.where(JournalEntry.value_date))
            .order_by(JournalEntry.chain_seq, Posting.line_no))


def stream_rows(stmt) -> Iterator[sa.Row]:
    """Rows of ``stmt`` from a server-side cursor, ``FETCH`` at a time (Core rows: no ORM overhead)."""
    # on the statement, not the connection: Connection.execution_options() would change the shared
    # connection for good (every later statement, savepoints included, through a server-side cursor)
    result = db.session.connection().execute(stmt.execution_options(yield_per=FETCH))
    for part in result.partitions():
        yield from part


def stream_tuples(stmt) -> Iterator[tuple]:
    """Like :func:`stream_rows` but plain DB-API tuples without result processing, for the hottest
    export. SQLite: the raw cursor steps lazily through the result (constant memory) and skips
    SQLAlchemy's per-row objects; other databases keep SQLAlchemy's server-side cursor."""
    conn = db.session.connection()
    if conn.dialect.name != "sqlite":
        yield from stream_rows(stmt)
        return
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = tuple(v.isoformat() if isinstance(v, date) else v for v in (params[k] for k in compiled.positiontup))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        while rows := cursor.fetchmany(FETCH):
            yield from rows
    finally:
        cursor.close()


_NEEDS_QUOTES = re.compile(r'[",\n\r]')
_FORMULA_CHARS = frozenset("".join(FORMULA_START))


def _q(text: str | None) -> str:
    """One CSV field (RFC 4180 quoting, as ``csv.writer`` does with the default dialect)."""
    if not text:
        return ""
    if text[0] in _FORMULA_CHARS:
        text = text_value(text)
    if _NEEDS_QUOTES.search(text) or text[0] == " " or text[-1] == " ":
        return '"' + text.replace('"', '""') + '"'
    return text


def _iso_date(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


def _iso_utc(value) -> str:
    """``YYYY-MM-DDTHH:MM:SS+00:00`` from SQLite's stored text or PostgreSQL's aware datetime."""
    if isinstance(value, str):
        return value[:10] + "T" + value[11:19] + "+00:00"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


@reads_replica
def journal_csv(cooperative_id: int, period: Period = Period()) -> Iterator[str]:
    """The journal as CSV text chunks (header first). Constant memory.

    Hot path (a million lines must stream within a small multiple of ``sqlite3 -csv``): dates come as
    stored (no type processing), entry-level fields are formatted once per entry and account fields once
    per account; quoting follows RFC 4180 like ``csv.writer``.
    """
    consistent_snapshot()
    accounts = {aid: f"{_q(code)},{_q(name)},{_q(member)}," for aid, (code, name, member)
                in account_index(cooperative_id).items()}
    stmt = (sa.select(JournalEntry.chain_seq, JournalEntry.source, JournalEntry.voucher_number,
                      sa.type_coerce(JournalEntry.value_date, sa.String), sa.type_coerce(JournalEntry.posted_at, sa.String),
                      JournalEntry.source_ref, JournalEntry.memo, JournalEntry.prev_hash, JournalEntry.hash,
                      Posting.line_no, Posting.account_id, Posting.memo, Posting.debit, Posting.credit)
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(JournalEntry.cooperative_id == cooperative_id, *period.where(JournalEntry.value_date))
            .order_by(JournalEntry.chain_seq, Posting.line_no))
    out: list[str] = [",".join(JOURNAL_COLUMNS) + "\n"]
    size = 0
    current = None
    head = mid = tail = ""
    for seq, source, voucher, vdate, posted, ref, memo, prev, h, line_no, aid, line_memo, debit, credit \
            in stream_tuples(stmt):
        if seq != current:
            current = seq
            head = f"{_q(source.split('.', 1)[0])},{seq},{_q(voucher)},{_iso_date(vdate)},{_iso_utc(posted)},"
            mid = f"{_q(source)},{_q(ref)},{_q(memo)},"
            tail = f",{prev},{h}\n"
        line = f"{head}{line_no},{accounts[aid]}{mid}{_q(line_memo)},{debit},{credit}{tail}"
        out.append(line)
        size += len(line)
        if size > CHUNK:
            yield "".join(out)
            out.clear()
            size = 0
    yield "".join(out)


# ---------------------------------------------------------------------------------------------------
# Balances (opening / closing per account) for SAF-T, beancount and the general ledger
# ---------------------------------------------------------------------------------------------------

def movements(cooperative_id: int, *, before: date | None = None, start: date | None = None,
              end: date | None = None) -> dict[int, tuple[int, int]]:
    """``{account id: (sum of debits, sum of credits)}`` of postings with value date in a range.

    ``before``: strictly earlier than that date (an opening balance); else ``start``..``end`` inclusive.
    One aggregate query; the result is one pair per account.
    """
    conds = [JournalEntry.cooperative_id == cooperative_id]
    if before is not None:
        conds.append(JournalEntry.value_date < before)
    conds.extend(Period(start, end).where(JournalEntry.value_date))
    stmt = (sa.select(Posting.account_id, sa.func.coalesce(sa.func.sum(Posting.debit), 0),
                      sa.func.coalesce(sa.func.sum(Posting.credit), 0))
            .join(JournalEntry, JournalEntry.id == Posting.entry_id).where(*conds)
            .group_by(Posting.account_id))
    rows = sql_sums_or_none(stmt)
    if rows is not None:
        return {aid: (int(d), int(c)) for aid, d, c in rows}
    out: dict[int, tuple[int, int]] = {}
    for aid, d, c in stream_rows(sa.select(Posting.account_id, Posting.debit, Posting.credit)
                                 .join(JournalEntry, JournalEntry.id == Posting.entry_id).where(*conds)):
        od, oc = out.get(aid, (0, 0))
        out[aid] = (od + d, oc + c)
    return out


def sql_sums_or_none(stmt) -> list | None:
    """The rows of an aggregate (SUM) query, or None when the database cannot hold the sum (SQLite's
    SUM raises "integer overflow" past 2**63; PostgreSQL sums BIGINT as NUMERIC): the caller then totals
    the lines in Python ints, which never overflow."""
    try:
        return list(db.session.execute(stmt))
    except sa.exc.OperationalError as exc:
        if "overflow" not in str(exc.orig).lower():
            raise
        return None


def accounts_of(cooperative_id: int) -> list[Account]:
    return list(db.session.scalars(sa.select(Account).where(Account.cooperative_id == cooperative_id)
                                   .order_by(Account.code)))


# ---------------------------------------------------------------------------------------------------
# General ledger XLSX
# ---------------------------------------------------------------------------------------------------

@reads_replica
def general_ledger_xlsx(cooperative_id: int, period: Period, *, title: str = "Buku Besar"):
    """General ledger workbook (opening, every movement with running balance, closing, per account)
    written with openpyxl's write-only mode to a temporary file. Returns the open file (at 0)."""

    consistent_snapshot()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    bold = Font(bold=True)

    def b(value):
        cell = WriteOnlyCell(ws, value=cell_value(value))
        cell.font = bold
        return cell

    ws.append(safe_row([b(title), f"Periode {period.start or ''} s.d. {period.end or ''}"]))
    ws.append(safe_row([b(h) for h in ("Akun", "Nama", "Tanggal", "Voucher", "Keterangan", "No. Anggota", "Debit",
                              "Kredit", "Saldo")]))
    index = account_index(cooperative_id)
    opening = movements(cooperative_id, before=period.start) if period.start else {}
    accounts = {a.id: a for a in accounts_of(cooperative_id)}
    stmt = (sa.select(Posting.account_id, JournalEntry.value_date, JournalEntry.voucher_number,
                      JournalEntry.memo, Posting.debit, Posting.credit)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .join(Account, Account.id == Posting.account_id)
            .where(JournalEntry.cooperative_id == cooperative_id, *period.where(JournalEntry.value_date))
            .order_by(Account.code, JournalEntry.value_date, JournalEntry.chain_seq, Posting.line_no))
    current = None
    balance = 0
    seen: set[int] = set()

    def close(aid):
        ws.append(safe_row([index[aid][0], "", "", "", b("Saldo akhir"), "", None, None, b(balance)]))

    def open_(aid):
        d, c = opening.get(aid, (0, 0))
        ws.append(safe_row([b(index[aid][0]), b(index[aid][1]), period.start, "", "Saldo awal", index[aid][2], None, None,
                   d - c]))
        return d - c

    for aid, vdate, voucher, memo, debit, credit in stream_rows(stmt):
        if aid != current:
            if current is not None:
                close(current)
            current = aid
            seen.add(aid)
            balance = open_(aid)
        balance += debit - credit
        ws.append(safe_row([index[aid][0], "", vdate, voucher, memo, index[aid][2], debit or None, credit or None, balance]))
    if current is not None:
        close(current)
    # accounts with an opening balance but no movement in the period
    for aid, (d, c) in sorted(opening.items(), key=lambda kv: index[kv[0]][0]):
        if aid not in seen and d != c and aid in accounts:
            balance = open_(aid)
            close(aid)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    wb.save(out)
    out.seek(0)
    return out


def iter_file(fileobj, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while True:
            chunk = fileobj.read(size)
            if not chunk:
                break
            yield chunk
    finally:
        fileobj.close()


# ---------------------------------------------------------------------------------------------------
# Small CSV helper for the other books
# ---------------------------------------------------------------------------------------------------

def csv_chunks(header: list[str], rows) -> Iterator[str]:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(safe_row(header))
    for row in rows:
        out.writerow(safe_row(row))
        if buf.tell() > CHUNK:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
