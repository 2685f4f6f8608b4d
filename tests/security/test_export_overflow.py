"""Finding 11: amounts per posting are bounded, and exports total in Python ints (no SUM overflow)."""
from __future__ import annotations

from datetime import date

import pytest

from coop.db import atomic
from coop.errors import ValidationError
from coop.ledger import chart
from coop.ledger.rules import Line
from coop.ledger.services import account_by_code, post_entry


def _post(coop, users, debit_code, credit_code, amount):
    return atomic(post_entry, coop.id, [Line.dr(account_by_code(coop.id, debit_code).id, amount),
                                        Line.cr(account_by_code(coop.id, credit_code).id, amount)],
                  actor=users["treasurer"], memo="besar", value_date=date(2026, 1, 5), source="test.capital")


def test_a_line_above_the_configured_bound_is_refused(coop, users, app):
    """Is a line of Rp 10 triliun accepted and one rupiah more refused (422 'terlalu besar')?"""
    assert app.config["LEDGER_MAX_LINE_AMOUNT"] == 10**13
    _post(coop, users, chart.KAS, chart.SALDO_AWAL, 10**13)
    with pytest.raises(ValidationError, match="terlalu besar"):
        _post(coop, users, chart.KAS, chart.SALDO_AWAL, 10**13 + 1)


def test_a_manual_entry_of_25_x_10_15_is_a_422_over_the_api(api, users, coop):
    """Is the attack's entry (25 x 10^15 on one line) refused at the door (422), never stored?"""
    kas = account_by_code(coop.id, chart.KAS).id
    eq = account_by_code(coop.id, chart.SALDO_AWAL).id
    resp = api(users["treasurer"]).post("/ledger/entries", json={
        "memo": "besar", "value_date": "2026-01-05",
        "lines": [{"account_id": kas, "debit": 25 * 10**15}, {"account_id": eq, "credit": 25 * 10**15}]})
    assert resp.status_code == 422


def test_exports_total_beyond_a_bigint(coop, users, api, app, monkeypatch):
    """Three entries of 4 x 10^18 on three account pairs (each balance fits a BIGINT, the total debit
    1.2 x 10^19 does not): SAF-T, beancount and the general ledger answer 200 and SAF-T's TotalDebit is
    the exact Python sum 12000000000000000000."""
    monkeypatch.setitem(app.config, "LEDGER_MAX_LINE_AMOUNT", 4 * 10**18)
    monkeypatch.setattr("coop.ledger.rules.MAX_AMOUNT", 4 * 10**18)
    for debit, credit in ((chart.KAS, chart.SALDO_AWAL), ("1102", "3201"), ("1301", "3302")):
        _post(coop, users, debit, credit, 4 * 10**18)
    auditor = api(users["auditor"])
    saft = auditor.get("/exports/saft.xml")
    assert saft.status_code == 200
    text = saft.get_data(as_text=True)
    assert "12000000000000000000" in text
    for path in ("/exports/ledger.beancount", "/exports/general-ledger.xlsx", "/exports/journal.csv"):
        resp = auditor.get(path)
        assert resp.status_code == 200, path
        resp.get_data()
