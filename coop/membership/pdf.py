"""PDF rendering of savings statements (fpdf2, core fonts: plain text only)."""
from __future__ import annotations

from fpdf import FPDF

from coop.formatting import rupiah, tanggal
from coop.spreadsheet import cell_value


def _txt(s) -> str:
    return cell_value(str(s or "")).encode("latin-1", "replace").decode("latin-1")


def statement_pdf(cooperative, member, sections, date_from, date_to) -> bytes:
    """``sections``: list of (account, opening, rows) as returned by ``savings.statement``."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 7, _txt(cooperative.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    period = f"{tanggal(date_from) or 'awal'} s.d. {tanggal(date_to) or 'sekarang'}"
    pdf.cell(0, 6, _txt(f"Rekening koran simpanan - {member.full_name} ({member.member_number})"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, _txt(f"Periode: {period}"), new_x="LMARGIN", new_y="NEXT")
    widths = (22, 26, 62, 26, 26, 28)
    for acc, opening, rows in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _txt(f"{acc.kind_label} {acc.account_number}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 8)
        for w, h in zip(widths, ("Tanggal", "Bukti", "Uraian", "Setor", "Tarik", "Saldo"), strict=True):
            pdf.cell(w, 5, h, border=1, align="R" if h in ("Setor", "Tarik", "Saldo") else "L")
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)
        for w, v in zip(widths, ("", "", "Saldo awal", "", "", rupiah(opening)), strict=True):
            pdf.cell(w, 5, _txt(v), border=1, align="R" if v.startswith("Rp") else "L")
        pdf.ln()
        for r in rows:
            vals = (tanggal(r.value_date), r.voucher_number, r.memo[:40], rupiah(r.deposit) if r.deposit else "",
                    rupiah(r.withdrawal) if r.withdrawal else "", rupiah(r.balance))
            for i, (w, v) in enumerate(zip(widths, vals, strict=True)):
                pdf.cell(w, 5, _txt(v), border=1, align="R" if i >= 3 else "L")
            pdf.ln()
    return bytes(pdf.output())
