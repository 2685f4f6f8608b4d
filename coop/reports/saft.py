"""SAF-T style XML (OECD Standard Audit File for Tax, general-ledger part), streamed.

Layout::

    AuditFile
      Header          cooperative, period, currency IDR, creation time, software + version,
                      chain head (hash and sequence) of the whole ledger when the file was made
      MasterFiles
        GeneralLedgerAccounts/Account   id, description, type, parent, opening and closing balance
                                        (debit or credit side) of the period
      GeneralLedgerEntries
        NumberOfEntries, TotalDebit, TotalCredit   (of the transactions below)
        Journal/Transaction             voucher, dates, description, source, hashes
          Line                          record id, account, member (CustomerID), debit or credit amount

Totals come from one aggregate query before the transactions are streamed, so the file is written in
one pass with constant memory.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from xml.sax.saxutils import escape

import sqlalchemy as sa

from coop.auth.models import Cooperative
from coop.db import db
from coop.ledger.models import JournalEntry, LedgerHead, Posting
from coop.reports.exports import (
    CHUNK,
    Period,
    account_index,
    accounts_of,
    consistent_snapshot,
    journal_lines_stmt,
    movements,
    sql_sums_or_none,
    stream_rows,
)

NAMESPACE = "urn:coop:saf-t:gl:1.0"


def software_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("coop")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def _t(tag: str, value) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>" if value is not None and value != "" else ""


def period_totals(cooperative_id: int, period: Period) -> tuple[int, int, int]:
    """(number of entries, total debit, total credit) of the period's entries."""
    stmt = (sa.select(sa.func.count(sa.distinct(JournalEntry.id)), sa.func.coalesce(sa.func.sum(Posting.debit), 0),
                      sa.func.coalesce(sa.func.sum(Posting.credit), 0))
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(JournalEntry.cooperative_id == cooperative_id, *period.where(JournalEntry.value_date)))
    rows = sql_sums_or_none(stmt)
    if rows is not None:
        n, d, c = rows[0]
        return int(n), int(d), int(c)
    n, d, c, last = 0, 0, 0, None
    for entry_id, debit, credit in stream_rows(
            sa.select(JournalEntry.id, Posting.debit, Posting.credit)
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(JournalEntry.cooperative_id == cooperative_id, *period.where(JournalEntry.value_date))
            .order_by(JournalEntry.id)):
        n += entry_id != last
        last = entry_id
        d += debit
        c += credit
    return n, d, c


def saft_xml(cooperative_id: int, period: Period, *, created_at: datetime) -> Iterator[str]:
    """Yield the SAF-T XML document in chunks."""
    consistent_snapshot()
    coop_row = db.session.get(Cooperative, cooperative_id)
    head = db.session.get(LedgerHead, cooperative_id)
    parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<AuditFile xmlns="{NAMESPACE}">\n',
                        "<Header>", _t("AuditFileVersion", "1.0"), _t("AuditFileCountry", "ID"),
                        _t("AuditFileDateCreated", created_at.date().isoformat()),
                        _t("AuditFileCreatedAt", created_at.isoformat(timespec="seconds")),
                        _t("SoftwareCompanyName", "coop"), _t("SoftwareID", "coop"),
                        _t("SoftwareVersion", software_version()),
                        "<Company>", _t("RegistrationNumber", coop_row.legal_number),
                        _t("CompanyID", coop_row.id), _t("Name", coop_row.name), "</Company>",
                        _t("DefaultCurrencyCode", "IDR"),
                        "<SelectionCriteria>", _t("PeriodStart", period.start and period.start.isoformat()),
                        _t("PeriodEnd", period.end and period.end.isoformat()), "</SelectionCriteria>",
                        _t("ChainHeadHash", head.head_hash if head else ""),
                        _t("ChainHeadSeq", head.chain_seq if head else 0),
                        "</Header>\n<MasterFiles><GeneralLedgerAccounts>\n"]
    opening = movements(cooperative_id, before=period.start) if period.start else {}
    moved = movements(cooperative_id, start=period.start, end=period.end)
    index = account_index(cooperative_id)
    parent_code = {}
    accounts = accounts_of(cooperative_id)
    by_id = {a.id: a for a in accounts}
    for acc in accounts:
        parent_code[acc.id] = by_id[acc.parent_id].code if acc.parent_id in by_id else None
        od, oc = opening.get(acc.id, (0, 0))
        md, mc = moved.get(acc.id, (0, 0))
        ob = od - oc
        cb = ob + md - mc
        parts.append("<Account>" + _t("AccountID", acc.code) + _t("AccountDescription", acc.name)
                     + _t("StandardAccountID", acc.code[:4]) + _t("AccountType", acc.type)
                     + _t("ParentAccountID", parent_code[acc.id]) + _t("CustomerID", index[acc.id][2])
                     + (_t("OpeningDebitBalance", ob) if ob >= 0 else _t("OpeningCreditBalance", -ob))
                     + (_t("ClosingDebitBalance", cb) if cb >= 0 else _t("ClosingCreditBalance", -cb))
                     + "</Account>\n")
    n, td, tc = period_totals(cooperative_id, period)
    parts.append("</GeneralLedgerAccounts></MasterFiles>\n<GeneralLedgerEntries>"
                 + _t("NumberOfEntries", n) + _t("TotalDebit", td) + _t("TotalCredit", tc)
                 + "<Journal>" + _t("JournalID", "JU") + _t("Description", "Jurnal Umum") + "\n")
    yield "".join(parts)

    buf: list[str] = []
    size = 0
    current = None
    for (source, seq, voucher, vdate, posted, line_no, account_id, ref, memo, line_memo, debit, credit,
         prev, h) in stream_rows(journal_lines_stmt(cooperative_id, period)):
        if seq != current:
            if current is not None:
                buf.append("</Transaction>\n")
            current = seq
            buf.append("<Transaction>" + _t("TransactionID", voucher) + _t("ChainSeq", seq)
                       + _t("Period", vdate.month) + _t("PeriodYear", vdate.year)
                       + _t("TransactionDate", vdate.isoformat())
                       + _t("SystemEntryDate", posted.isoformat(timespec="seconds")) + _t("SourceID", source)
                       + _t("SourceDocumentID", ref) + _t("Description", memo) + _t("PrevHash", prev)
                       + _t("Hash", h))
        code, _name, member = index[account_id]
        line = ("<Line>" + _t("RecordID", line_no) + _t("AccountID", code) + _t("CustomerID", member)
                + _t("Description", line_memo))
        line += (f"<DebitAmount><Amount>{debit}</Amount></DebitAmount>" if debit
                 else f"<CreditAmount><Amount>{credit}</Amount></CreditAmount>") + "</Line>"
        buf.append(line)
        size += len(line)
        if size > CHUNK:
            yield "".join(buf)
            buf.clear()
            size = 0
    if current is not None:
        buf.append("</Transaction>\n")
    buf.append("</Journal></GeneralLedgerEntries>\n</AuditFile>\n")
    yield "".join(buf)
