"""SAF-T totals and the beancount round trip (beancount itself checks the file)."""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

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
    assert header.find("s:ChainHeadSeq", NS).text == "5"
    assert len(header.find("s:ChainHeadHash", NS).text) == 64
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
    assert accounts["SS-0001"].find("s:ParentAccountID", NS).text == "2101"
    gle = root.find("s:GeneralLedgerEntries", NS)
    assert gle.find("s:NumberOfEntries", NS).text == "3"
    assert gle.find("s:TotalDebit", NS).text == str(500_000 + 2_000_000 + 250_000)


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
