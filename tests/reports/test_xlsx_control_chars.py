"""A memo with control characters (typed or imported) never breaks an XLSX export: XLSX cannot hold them,
so every writer drops them (schemathesis found the general-ledger export failing with a 500)."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from coop.ledger.savings.services import account_for
from coop.spreadsheet import cell_value


def test_cell_value_drops_only_what_xlsx_cannot_hold():
    assert cell_value("Setoran\x0b wajib\x00") == "Setoran wajib"
    assert cell_value("baris\tdua\nbaris") == "baris\tdua\nbaris"
    assert cell_value(250_000) == 250_000


def test_general_ledger_xlsx_with_a_control_character_in_a_memo(coop, users, make_member, api):
    member = make_member(coop)
    account = account_for(coop.id, member.id, "sukarela")
    client = api(users["treasurer"])
    resp = client.post(f"/savings-accounts/{account.id}/deposits",
                       json={"amount": 50_000, "memo": "Setoran\x0b sukarela\x1f pasar"})
    assert resp.status_code == 201, resp.get_json()
    export = api(users["auditor"]).get("/exports/general-ledger.xlsx")
    assert export.status_code == 200
    wb = load_workbook(io.BytesIO(export.data), read_only=True)
    texts = {c for row in wb.active.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    assert any("Setoran sukarela pasar" in t for t in texts), texts
