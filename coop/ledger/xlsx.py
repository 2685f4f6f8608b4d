"""XLSX downloads of the ledger reports (openpyxl; integers stay integers, no floats)."""
from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from coop.spreadsheet import cell_value, safe_row  # noqa: F401

RUPIAH_FORMAT = '#,##0;[Red]-#,##0'


def _book(title: str, subtitle: str, header: list[str], rows: list[list[Any]], money_cols: set[int]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append(safe_row([title]))
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(safe_row([subtitle]))
    ws.append(safe_row([]))
    ws.append(safe_row(header))
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(safe_row(row))
        for col in money_cols:
            ws.cell(row=ws.max_row, column=col + 1).number_format = RUPIAH_FORMAT
    for i, width in enumerate([14, 42] + [18] * (len(header) - 2), 1):
        ws.column_dimensions[chr(64 + i)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def trial_balance_xlsx(tb: dict[str, Any], coop_name: str) -> bytes:
    rows = [[r["code"], r["name"], r["debit"], r["credit"]] for r in tb["accounts"]]
    rows.append(["", "JUMLAH", tb["total_debit"], tb["total_credit"]])
    return _book("Neraca Saldo", f"{coop_name} per {tb['as_of'].isoformat()}", ["Kode", "Akun", "Debit", "Kredit"],
                 rows, {2, 3})


def general_ledger_xlsx(gl: dict[str, Any], coop_name: str) -> bytes:
    a = gl["account"]
    rows = [["", "", "", "Saldo awal", "", "", gl["opening"]]]
    rows += [[ln["value_date"].isoformat(), ln["voucher_number"], ln["account_code"], ln["memo"], ln["debit"],
              ln["credit"], ln["balance"]] for ln in gl["lines"]]
    rows.append(["", "", "", "Saldo akhir", gl["total_debit"], gl["total_credit"], gl["closing"]])
    return _book(f"Buku Besar {a['code']}",
                 f"{coop_name}: {a['code']} {a['name']}, {gl['start'].isoformat()} s.d. {gl['end'].isoformat()}",
                 ["Tanggal", "Bukti", "Akun", "Uraian", "Debit", "Kredit", "Saldo"], rows, {4, 5, 6})


def neraca_xlsx(n: dict[str, Any], coop_name: str) -> bytes:
    rows = [["", "ASET", ""]] + [[r["code"], r["name"], r["amount"]] for r in n["assets"]]
    rows += [["", "Jumlah aset", n["total_assets"]], ["", "KEWAJIBAN", ""]]
    rows += [[r["code"], r["name"], r["amount"]] for r in n["liabilities"]]
    rows += [["", "Jumlah kewajiban", n["total_liabilities"]], ["", "EKUITAS", ""]]
    rows += [[r["code"], r["name"], r["amount"]] for r in n["equity"]]
    rows += [["", "SHU tahun berjalan (belum ditutup)", n["current_surplus"]],
             ["", "Jumlah ekuitas", n["total_equity"]],
             ["", "Jumlah kewajiban dan ekuitas", n["total_liabilities_equity"]]]
    return _book("Neraca", f"{coop_name} per {n['as_of'].isoformat()}", ["Kode", "Pos", "Jumlah"], rows, {2})


def phu_xlsx(p: dict[str, Any], coop_name: str) -> bytes:
    rows = [["", "PENDAPATAN", "", "", ""]]
    rows += [[r["code"], r["name"], r["member"], r["non_member"], r["amount"]] for r in p["income"]]
    rows += [["", "Jumlah pendapatan", p["total_income_member"], p["total_income_non_member"], p["total_income"]],
             ["", "BEBAN", "", "", ""]]
    rows += [[r["code"], r["name"], "", "", r["amount"]] for r in p["expenses"]]
    rows += [["", "Jumlah beban", "", "", p["total_expenses"]], ["", "SISA HASIL USAHA", "", "", p["surplus"]]]
    return _book("Perhitungan Hasil Usaha", f"{coop_name}, {p['start'].isoformat()} s.d. {p['end'].isoformat()}",
                 ["Kode", "Pos", "Anggota", "Non-anggota", "Jumlah"], rows, {2, 3, 4})
