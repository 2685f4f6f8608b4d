"""Finding 5: text that begins a formula stays text in every spreadsheet export; numbers stay numbers."""
from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from coop.db import atomic
from coop.spreadsheet import cell_value

EVIL = '=HYPERLINK("http://evil.example","klik")'


def _xlsx_cells(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def test_cell_value_neutralises_formula_starts_and_keeps_numbers():
    """Do =, +, -, @, tab and CR at the start get a leading quote while numbers and plain text stay?"""
    assert [cell_value(t) for t in ("=1+1", "+62 812", "-5", "@SUM(A1)", "\tx", "\rx")] == [
        "'=1+1", "'+62 812", "'-5", "'@SUM(A1)", "'\tx", "'\rx"]
    assert cell_value("Setoran = wajib") == "Setoran = wajib"
    assert cell_value(-250_000) == -250_000 and cell_value(date(2026, 1, 2)) == date(2026, 1, 2)


def test_ledger_exports_keep_a_formula_memo_as_text(coop, users, make_member, api):
    """A deposit memo '=HYPERLINK(..)' and a member named '@SUM(1)': general-ledger.xlsx has no formula
    cell and shows them quoted; journal.csv and member-ledgers.csv quote them; amounts stay numbers."""
    from coop.ledger import chart
    from coop.ledger.rules import Line
    from coop.ledger.services import account_by_code, post_entry
    from coop.savings.services import account_for, deposit

    member = make_member(coop, full_name="@SUM(1) Sri")
    account = account_for(coop.id, member.id, "sukarela")
    atomic(deposit, coop.id, account.id, 50_000, actor=users["treasurer"], value_date=member.joined_on, memo="tunai")
    atomic(post_entry, coop.id, [Line.dr(account_by_code(coop.id, chart.KAS).id, 70_000),
                                 Line.cr(account_by_code(coop.id, chart.SALDO_AWAL).id, 70_000)],
           actor=users["treasurer"], memo=EVIL, value_date=member.joined_on, source="test.capital")
    auditor = api(users["auditor"])
    gl = auditor.get("/exports/general-ledger.xlsx")
    assert gl.status_code == 200
    cells = _xlsx_cells(gl.data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert {v for v in values if isinstance(v, str) and "HYPERLINK" in v} == {"'" + EVIL}
    assert 70_000 in values
    journal = "".join(auditor.get("/exports/journal.csv").get_data(as_text=True))
    memos = [row["memo"] for row in csv.DictReader(io.StringIO(journal))]
    assert "'" + EVIL in memos and EVIL not in memos
    ledgers = auditor.get("/exports/member-ledgers.csv").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(ledgers)) for c in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@"))], cells
    assert any(c.startswith("'@SUM(1)") for c in cells)


def test_training_exports_keep_a_formula_name_as_text(coop, users, make_cohort, make_pmi, api, client, login):
    """A participant named '=cmd|...' and a programme '+evil': training XLSX and
    training-participants.csv hold them as text."""
    from coop.training import services

    cohort = make_cohort(coop, sessions=1, starts_on=date(2026, 3, 2))
    person = make_pmi(coop, full_name="=cmd|' /C calc'!A0")
    atomic(services.enrol, coop.id, cohort.id, person.id, applied_on=date(2026, 2, 20))
    login(users["officer"])
    resp = client.get("/training/reports.xlsx")
    assert resp.status_code == 200
    cells = _xlsx_cells(resp.data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "'=cmd|' /C calc'!A0" in [c.value for c in cells]
    text = api(users["auditor"]).get("/exports/training-participants.csv").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'=cmd|' /C calc'!A0" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
