"""SAF-T Financial XML (OECD SAF-T 2.00 as the Norwegian SAF-T Financial 1.30 schema implements it), streamed.

The file validates against ``Norwegian_SAF-T_Financial_Schema_v_1.30.xsd`` (the most widely used public
implementation of OECD SAF-T 2.00, which auditors' SAF-T tools read), so it uses that schema's namespace
``urn:StandardAuditFile-Taxation-Financial:NO`` (until 2026-12 the export used its own
``urn:coop:saf-t:gl:1.0``, which no tool reads). Layout::

    AuditFile
      Header          AuditFileVersion 1.30, country ID, creation date, software + version, Company (name,
                      registration number, a contact: the schema requires one), currency IDR, the period
                      (SelectionStartDate/SelectionEndDate), HeaderComment = the hash-chain head (sequence
                      and sha256) of the whole ledger when the file was made, TaxAccountingBasis A
      MasterFiles
        GeneralLedgerAccounts/Account   id, description, GroupingCategory/GroupingCode = the chart
                                        account it belongs to (a member's savings sub-account groups under
                                        2101/2102/3101/3102, a loan under 1201), type GL, opening and
                                        closing balance (debit or credit side) of the period
        Customers/Customer              the members: name, CustomerID = member number
      GeneralLedgerEntries
        NumberOfEntries, TotalDebit, TotalCredit   (of the transactions below)
        Journal/Transaction             voucher, period, dates, source, description, SystemID = chain
                                        sequence number
          Line                          record id, account, source document, member (CustomerID),
                                        description (the line's memo, else the entry's), debit or credit

The schema has no extension point, so the per-entry hashes are not in this file: the full chain
(``prev_hash``, ``hash`` per entry) is in the journal CSV, and the head here lets an auditor tie the two.
Texts longer than the schema allows are cut (AccountDescription and descriptions 256 characters,
SourceID/SourceDocumentID 35).

Totals come from one aggregate query before the transactions are streamed, so the file is written in
one pass with constant memory.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from xml.sax.saxutils import escape

import sqlalchemy as sa

from coop.auth.models import Cooperative
from coop.db import db, reads_replica
from coop.ledger.models import JournalEntry, LedgerHead, Posting
from coop.membership.models import Member
from coop.registry.models import Resident
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

NAMESPACE = "urn:StandardAuditFile-Taxation-Financial:NO"
AUDIT_FILE_VERSION = "1.30"
GROUPING_CATEGORY = "Bagan akun koperasi simpan pinjam"
#: maximum lengths of the schema's text types (SAFshorttextType 18, SAFmiddle1textType 35, middle2 70, long 256)
SHORT, MIDDLE1, MIDDLE2, LONG = 18, 35, 70, 256


def software_version() -> str:
    try:
        return version("coop")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


def _t(tag: str, value, limit: int | None = None) -> str:
    if value is None or value == "":
        return ""
    text = str(value)
    return f"<{tag}>{escape(text[:limit] if limit else text)}</{tag}>"


def grouping_codes(accounts) -> dict[int, str]:
    """``{account id: code of the chart account it belongs to}``: a chart account (numeric code) groups
    under itself, a sub-account under its nearest chart ancestor (SS-0001 -> 2101, 1201.PJ-000001 ->
    1201), never under a prefix of its own code ("SS-0")."""
    by_id = {a.id: a for a in accounts}
    out = {}
    for acc in accounts:
        node = acc
        while not _is_chart(node) and node.parent_id in by_id:
            node = by_id[node.parent_id]
        out[acc.id] = node.code
    return out


def _is_chart(acc) -> bool:
    """Chart accounts have numeric codes (1101, 2101); sub-accounts have member or loan codes."""
    return acc.code.isdigit()


def member_customers(cooperative_id: int) -> list[tuple[str, str]]:
    """(member number, name) of every member of the cooperative, by number (no NIK: not for outsiders)."""
    return list(db.session.execute(
        sa.select(Member.member_number, Resident.full_name).join(Resident, Resident.id == Member.resident_id)
        .where(Member.cooperative_id == cooperative_id).order_by(Member.member_number)))


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


@reads_replica
def saft_xml(cooperative_id: int, period: Period, *, created_at: datetime) -> Iterator[str]:
    """Yield the SAF-T XML document in chunks."""
    consistent_snapshot()
    coop_row = db.session.get(Cooperative, cooperative_id)
    head = db.session.get(LedgerHead, cooperative_id)
    first_day = period.start or coop_row.founded_on or created_at.date()
    last_day = period.end or created_at.date()
    comment = (f"Rantai hash buku besar: urutan {head.chain_seq}, sha256 {head.head_hash}; rantai lengkap "
               "(prev_hash, hash per jurnal) ada di journal.csv" if head else "Buku besar belum berisi jurnal")
    parts: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<AuditFile xmlns="{NAMESPACE}">\n',
                        "<Header>", _t("AuditFileVersion", AUDIT_FILE_VERSION), _t("AuditFileCountry", "ID"),
                        _t("AuditFileDateCreated", created_at.date().isoformat()),
                        _t("SoftwareCompanyName", "coop"), _t("SoftwareID", "coop"),
                        _t("SoftwareVersion", software_version(), SHORT),
                        "<Company>", _t("RegistrationNumber", coop_row.legal_number or str(coop_row.id), MIDDLE1),
                        _t("Name", coop_row.name, LONG),
                        "<Contact><ContactPerson>", _t("FirstName", "Pengurus"),
                        _t("LastName", coop_row.name, MIDDLE2), "</ContactPerson>",
                        _t("Telephone", "-"), "</Contact>", "</Company>",
                        _t("DefaultCurrencyCode", "IDR"),
                        "<SelectionCriteria>", _t("SelectionStartDate", first_day.isoformat()),
                        _t("SelectionEndDate", last_day.isoformat()), "</SelectionCriteria>",
                        _t("HeaderComment", comment, LONG), _t("TaxAccountingBasis", "A"),
                        "</Header>\n<MasterFiles><GeneralLedgerAccounts>\n"]
    opening = movements(cooperative_id, before=period.start) if period.start else {}
    moved = movements(cooperative_id, start=period.start, end=period.end)
    index = account_index(cooperative_id)
    accounts = accounts_of(cooperative_id)
    groups = grouping_codes(accounts)
    for acc in accounts:
        od, oc = opening.get(acc.id, (0, 0))
        md, mc = moved.get(acc.id, (0, 0))
        ob = od - oc
        cb = ob + md - mc
        parts.append("<Account>" + _t("AccountID", acc.code, MIDDLE2) + _t("AccountDescription", acc.name, LONG)
                     + _t("GroupingCategory", GROUPING_CATEGORY) + _t("GroupingCode", groups[acc.id], MIDDLE1)
                     + _t("AccountType", "GL")
                     + (_t("OpeningDebitBalance", ob) if ob >= 0 else _t("OpeningCreditBalance", -ob))
                     + (_t("ClosingDebitBalance", cb) if cb >= 0 else _t("ClosingCreditBalance", -cb))
                     + "</Account>\n")
    parts.append("</GeneralLedgerAccounts>")
    customers = member_customers(cooperative_id)
    if customers:
        parts.append("<Customers>")
        parts.extend("<Customer>" + _t("Name", name or number, LONG) + _t("CustomerID", number, MIDDLE1)
                     + "</Customer>\n" for number, name in customers)
        parts.append("</Customers>")
    parts.append("</MasterFiles>\n")
    n, td, tc = period_totals(cooperative_id, period)
    parts.append("<GeneralLedgerEntries>"
                 + _t("NumberOfEntries", n) + _t("TotalDebit", td) + _t("TotalCredit", tc)
                 + "<Journal>" + _t("JournalID", "JU") + _t("Description", "Jurnal Umum") + _t("Type", "GL")
                 + "\n")
    yield "".join(parts)

    buf: list[str] = []
    size = 0
    current = None
    for (source, seq, voucher, vdate, posted, line_no, account_id, ref, memo, line_memo, debit, credit,
         _prev, _h) in stream_rows(journal_lines_stmt(cooperative_id, period)):
        if seq != current:
            if current is not None:
                buf.append("</Transaction>\n")
            current = seq
            entry_memo = memo or voucher
            buf.append("<Transaction>" + _t("TransactionID", voucher, MIDDLE2)
                       + _t("Period", vdate.month) + _t("PeriodYear", vdate.year)
                       + _t("TransactionDate", vdate.isoformat()) + _t("SourceID", source, MIDDLE1)
                       + _t("Description", entry_memo, LONG)
                       + _t("SystemEntryDate", posted.date().isoformat()) + _t("GLPostingDate", vdate.isoformat())
                       + _t("SystemID", seq, SHORT))
        code, name, member = index[account_id]
        line = ("<Line>" + _t("RecordID", line_no, SHORT) + _t("AccountID", code, MIDDLE2)
                + _t("SourceDocumentID", ref, MIDDLE1) + _t("CustomerID", member, MIDDLE1)
                + _t("Description", line_memo or entry_memo or name, LONG))
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
