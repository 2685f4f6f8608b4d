"""A memo with control characters (typed or imported) never breaks an XLSX export: XLSX cannot hold them,
so every writer drops them (schemathesis found the general-ledger export failing with a 500)."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from coop.savings.services import account_for
from coop.spreadsheet import cell_value


def test_cell_value_drops_only_what_xlsx_cannot_hold():
    """Does cell_value drop the vertical tab and NUL ("Setoran wajib") but keep tab and newline, and pass an
    integer through unchanged?"""
    assert cell_value("Setoran\x0b wajib\x00") == "Setoran wajib"
    assert cell_value("baris\tdua\nbaris") == "baris\tdua\nbaris"
    assert cell_value(250_000) == 250_000


def test_general_ledger_xlsx_with_a_control_character_in_a_memo(coop, users, make_member, api):
    """Data that arrived before the door check (an import, an older version) still exports."""
    from coop.db import atomic
    from coop.savings.services import deposit

    member = make_member(coop)
    account = account_for(coop.id, member.id, "sukarela")
    atomic(deposit, coop.id, account.id, 50_000, actor=users["treasurer"], value_date=member.joined_on,
           memo="Setoran\x0b sukarela\x1f pasar")
    export = api(users["auditor"]).get("/exports/general-ledger.xlsx")
    assert export.status_code == 200
    wb = load_workbook(io.BytesIO(export.data), read_only=True)
    texts = {c for row in wb.active.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert any("Setoran sukarela pasar" in t for t in texts), texts


def test_control_characters_are_refused_at_the_door(coop, users, make_member, api, client, login):
    """Typed text never stores a control character: the API answers 422 naming the field, a page 422."""
    member = make_member(coop)
    account = account_for(coop.id, member.id, "sukarela")
    resp = api(users["treasurer"]).post(f"/savings-accounts/{account.id}/deposits",
                                        json={"amount": 50_000, "memo": "Setoran\x0b sukarela"})
    assert resp.status_code == 422
    assert "memo" in resp.get_json()["error"]["fields"]
    login(users["treasurer"])
    assert client.get("/members/?q=Sri\x0b").status_code == 422


def test_pdf_text_drops_control_characters():
    """Does _txt drop a vertical tab and a unit separator ("Setoran\\x0b sukarela\\x1f pasar" -> "Setoran sukarela pasar"),
    and does a PDF with that line still come out (%PDF), and does
    _txt("a\\x0bb") give "ab"?"""
    from fpdf import FPDF

    from coop.membership.pdf import _txt

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 8, _txt("Setoran\x0b sukarela\x1f pasar"))
    assert _txt("a\x0bb") == "ab"
    assert _txt("Setoran\x0b sukarela\x1f pasar") == "Setoran sukarela pasar"
    assert bytes(pdf.output()).startswith(b"%PDF")
