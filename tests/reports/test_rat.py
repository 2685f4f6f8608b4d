"""The RAT pack: its statements agree with each other and it renders as PDF and XLSX."""
from __future__ import annotations

import io
from datetime import date

from coop.db import atomic
from coop.yearend import closing as yearend
from coop.yearend import rat, shu


def test_rat_data_statements_tie_out(app, coop, users, year2026):
    """Neraca balances; Arus Kas opening + net = closing = Kas at 31-12; Perubahan Ekuitas closing =
    the Neraca's equity; the member register masks NIK; PHU surplus 80.000."""
    d = rat.rat_data(coop.id, 2026)
    assert d["neraca"]["balanced"]
    cf = d["cash_flow"]
    assert cf["opening"] + cf["net"] == cf["closing"]
    from coop.ledger.reports import cash_position

    assert cf["closing"] == cash_position(coop.id)["total"]
    assert d["equity"]["totals"]["closing"] == d["neraca"]["total_equity"]
    assert d["phu"]["surplus"] == 80_000
    # SHU after PPh badan: 80.000 - 22 % (17.600) = 62.400; members 40 % = 24.960
    assert d["shu"]["surplus"] == 62_400 and d["shu"]["status"].startswith("Usulan")
    assert sum(r["total"] for r in d["shu"]["members"]) == 24_960
    assert len(d["members"]) == 2 and all("*" in r["nik"] for r in d["members"])
    from coop.loans.rules import health_rating

    pf = d["portfolio"]
    assert pf["count"] == 1 and pf["total"] == 9_000_000 - 750_000
    assert pf["rating"] == health_rating(pf["npl"])


def test_rat_pack_renders_pdf_and_xlsx_after_allocation(app, coop, users, year2026, rat_season):
    """After closing 2026 and allocating SHU, does the RAT pack say "Diputuskan", keep PHU surplus 62.400 with
    a balanced neraca and equity closing equal to neraca equity, and render a PDF over 3.000 bytes and an XLSX
    with one sheet per section whose SHU-per-member total is 24.960?"""
    from openpyxl import load_workbook

    atomic(yearend.close_year, coop.id, 2026, actor=users["admin"])
    atomic(shu.allocate, coop.id, 2026, actor=users["manager"], decided_on=date(2027, 3, 20))
    d = rat.rat_data(coop.id, 2026)
    assert d["shu"]["status"].startswith("Diputuskan")
    # the closed year still tells its story: PHU ignores the closing entries, equity holds the surplus
    assert d["phu"]["surplus"] == 62_400 and d["neraca"]["balanced"]  # the tax accrued
    assert d["equity"]["totals"]["closing"] == d["neraca"]["total_equity"]
    pdf = rat.rat_pdf(d)
    assert pdf.startswith(b"%PDF") and len(pdf) > 3000
    wb = load_workbook(io.BytesIO(rat.rat_xlsx(d).getvalue()))
    assert wb.sheetnames == [s[:31] for s in rat.SECTIONS]
    shu_sheet = [r for r in wb["SHU per Anggota"].iter_rows(values_only=True)]
    assert shu_sheet[-1][1] == "Jumlah" and shu_sheet[-1][6] == 24_960
