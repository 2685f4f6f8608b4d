"""SAF-T totals and the beancount round trip (beancount itself checks the file)."""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from coop.db import db
from coop.ledger.models import LedgerHead
from coop.reports.beancount import beancount_text
from coop.reports.exports import Period
from coop.reports.saft import NAMESPACE, saft_xml

NS = {"s": NAMESPACE}
CREATED = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _saft(coop_id, period=Period()):
    return ET.fromstring("".join(saft_xml(coop_id, period, created_at=CREATED)).encode())


def test_saft_totals_equal_the_transactions(app, coop, books):
    """NumberOfEntries/TotalDebit/TotalCredit equal the count and sums of the lines in the file."""
    root = _saft(coop.id)
    gle = root.find("s:GeneralLedgerEntries", NS)
    txns = gle.findall("s:Journal/s:Transaction", NS)
    debits = [int(a.text) for a in gle.iterfind(".//s:DebitAmount/s:Amount", NS)]
    credits = [int(a.text) for a in gle.iterfind(".//s:CreditAmount/s:Amount", NS)]
    assert int(gle.find("s:NumberOfEntries", NS).text) == len(txns) == 5
    assert int(gle.find("s:TotalDebit", NS).text) == sum(debits) == 5_780_000
    assert int(gle.find("s:TotalCredit", NS).text) == sum(credits) == 5_780_000
    header = root.find("s:Header", NS)
    assert header.find("s:DefaultCurrencyCode", NS).text == "IDR"
    head = db.session.get(LedgerHead, coop.id)
    assert header.find("s:HeaderComment", NS).text == (
        f"Rantai hash buku besar: urutan 5, sha256 {head.head_hash}; rantai lengkap (prev_hash, hash per "
        "jurnal) ada di journal.csv")
    assert len(head.head_hash) == 64
    assert txns[3].find("s:Description", NS).text == 'Angsuran "April", ke-1\nSri'


def test_saft_period_opening_and_closing_balances(app, coop, books):
    """Feb-Apr: Kas opens at 3.000.000 debit and closes at 3.000.000 + 500.000 - 2.000.000 + 250.000 =
    1.750.000; the sukarela account closes at 500.000 credit; only entries 2..4 are in the file."""
    root = _saft(coop.id, Period(date(2026, 2, 1), date(2026, 4, 30)))
    accounts = {a.find("s:AccountID", NS).text: a for a in root.iterfind(".//s:Account", NS)}
    kas = accounts["1101"]
    assert kas.find("s:OpeningDebitBalance", NS).text == "3000000"
    assert kas.find("s:ClosingDebitBalance", NS).text == "1750000"
    assert accounts["SS-0001"].find("s:ClosingCreditBalance", NS).text == "500000"
    assert accounts["SS-0001"].find("s:GroupingCode", NS).text == "2101"
    gle = root.find("s:GeneralLedgerEntries", NS)
    assert gle.find("s:NumberOfEntries", NS).text == "3"
    assert gle.find("s:TotalDebit", NS).text == str(500_000 + 2_000_000 + 250_000)


SCHEMA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "saf-t" / \
    "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"


def _validate(xml_text: str) -> list[str]:
    """Errors of the document against the SAF-T Financial 1.30 schema (read from ../shared, as in CI)."""
    if not SCHEMA.exists():
        pytest.skip(f"SAF-T schema not found at {SCHEMA} (CI has it in ../shared/data/saf-t/): not validated")
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    doc = etree.fromstring(xml_text.encode())
    schema.validate(doc)
    return [f"{e.line}: {e.message}" for e in schema.error_log]


def test_saft_validates_against_the_saf_t_financial_schema(app, coop, books):
    """The whole-ledger file and a period file validate against SAF-T Financial 1.30 with no error (the
    old export had 31,228 errors): the schema's namespace, required header parts, GL account type,
    grouping codes, dates only, a description on every line."""
    whole = "".join(saft_xml(coop.id, Period(), created_at=CREATED))
    assert NAMESPACE == "urn:StandardAuditFile-Taxation-Financial:NO"
    assert _validate(whole) == []
    period = "".join(saft_xml(coop.id, Period(date(2026, 2, 1), date(2026, 4, 30)), created_at=CREATED))
    assert _validate(period) == []


def test_saft_groups_sub_accounts_under_their_chart_account_and_lists_members(app, coop, books):
    """A member's savings sub-account groups under 2101 (not "SS-0"), a loan sub-account under 1201, a
    chart account under itself; every line has a description (the line's memo, else the entry's); each
    chart account under itself; every line has a description (the line's memo, else the entry's)."""
    root = _saft(coop.id)
    groups = {a.find("s:AccountID", NS).text: a.find("s:GroupingCode", NS).text
              for a in root.iterfind(".//s:Account", NS)}
    assert groups["SS-0001"] == "2101"
    assert groups["1101"] == "1101"
    loan_codes = [code for code in groups if code.startswith("PIN-") or code.startswith("1201.")]
    assert loan_codes and all(groups[c] == "1201" for c in loan_codes)
    assert not any(g.startswith(("SS-", "SP-", "PIN-")) for g in groups.values())
    lines = list(root.iterfind(".//s:Line", NS))
    assert lines and all(line.find("s:Description", NS).text for line in lines)


def test_saft_customers_master_file_holds_the_members(app, coop, make_member, make_loan):
    """A member's Rp 9.000.000 loan: the member is a Customer (CustomerID = member number, Name = the
    resident's name, no NIK), the disbursement's loan line names him, the loan account groups under 1201,
    and the file still validates."""
    member = make_member(coop)
    make_loan(coop, member)
    text = "".join(saft_xml(coop.id, Period(), created_at=CREATED))
    root = ET.fromstring(text.encode())
    customers = {c.find("s:CustomerID", NS).text: c.find("s:Name", NS).text
                 for c in root.iterfind(".//s:Customer", NS)}
    assert customers == {member.member_number: member.resident.full_name}
    debit_lines = [line for line in root.iterfind(".//s:Line", NS) if line.find("s:DebitAmount", NS) is not None
                   and line.find("s:DebitAmount/s:Amount", NS).text == "9000000"]
    assert [line.find("s:CustomerID", NS).text for line in debit_lines] == [member.member_number]
    account = debit_lines[0].find("s:AccountID", NS).text
    group = next(a.find("s:GroupingCode", NS).text for a in root.iterfind(".//s:Account", NS)
                 if a.find("s:AccountID", NS).text == account)
    assert group == "1201"
    assert member.resident.nik not in text
    assert _validate(text) == []


def _load(text):
    from beancount import loader

    entries, errors, options = loader.load_string(text)
    return entries, errors


def test_beancount_round_trip_and_assertions_equal_trial_balance(app, coop, books, tmp_path):
    """beancount loads the export with no error, including one balance assertion per account; the
    asserted amounts are our balances (a parent includes its sub-accounts)."""
    from beancount.core import data

    from coop.db import db
    from coop.ledger.models import Account

    text = "".join(beancount_text(coop.id, Period()))
    entries, errors = _load(text)
    assert errors == []
    asserted = {e.account: int(e.amount.number) for e in entries if isinstance(e, data.Balance)}
    assert asserted["Assets:1101"] == 1_720_000
    assert asserted["Liabilities:2101:SS-0001"] == -500_000
    assert asserted["Liabilities:2101"] == -500_000  # parent = sum of its sub-accounts
    assert asserted["Assets:1201"] == 1_800_000
    assert asserted["Income:4101"] == -50_000
    for acc in db.session.scalars(db.select(Account).where(Account.cooperative_id == coop.id,
                                                           Account.parent_id.is_(None))):
        children = db.session.scalars(db.select(Account.balance).where(Account.parent_id == acc.id)).all()
        assert asserted[f"{_root(acc.type)}:{acc.code}"] == acc.balance + sum(children)
    from coop.ledger.reports import trial_balance

    for row in trial_balance(coop.id, date(2026, 12, 31))["accounts"]:  # the ledger's own trial balance
        assert asserted[f"{_root(row['type'])}:{row['code']}"] == row["debit"] - row["credit"], row["code"]
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(txns) == 5 and txns[3].meta["voucher"].startswith("JU-2026-")
    bean_check = Path(sys.executable).parent / "bean-check"
    if bean_check.exists():  # the CLI is installed with beancount in the dev extras
        path = tmp_path / "ledger.beancount"
        path.write_text(text, encoding="utf-8")
        res = subprocess.run([str(bean_check), str(path)], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr


def _root(typ):
    return {"asset": "Assets", "liability": "Liabilities", "equity": "Equity", "income": "Income",
            "expense": "Expenses"}[typ]


def test_beancount_period_export_opens_with_balances_and_is_caught_when_wrong(app, coop, books):
    """A Feb-Apr export starts from a balancing 'Saldo awal' and still checks; a tampered amount makes
    beancount report a failed balance assertion."""
    text = "".join(beancount_text(coop.id, Period(date(2026, 2, 1), date(2026, 4, 30))))
    entries, errors = _load(text)
    assert errors == []
    assert "Saldo awal sebelum 2026-02-01" in text
    bad = text.replace("Assets:1101  500000 IDR", "Assets:1101  400000 IDR", 1)
    assert bad != text
    _, errors = _load(bad)
    assert errors
