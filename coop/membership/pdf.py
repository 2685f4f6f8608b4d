"""PDF rendering of savings statements (fpdf2, core fonts: plain text only)."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from fpdf import FPDF

from coop.formatting import rupiah, tanggal
from coop.spreadsheet import printable


def _txt(s) -> str:
    return printable(str(s or "")).encode("latin-1", "replace").decode("latin-1")


def statement_pdf(cooperative, member, sections, date_from, date_to) -> bytes:
    """``sections``: list of (account, opening, rows) as returned by ``savings.statement``. Built inside a
    request: labels and dates in the reader's language (memos are the journal's own words)."""

    lang = str(get_locale() or "id")

    def day(d):
        return tanggal(d, lang)

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 7, _txt(cooperative.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    period = _("%(start)s s.d. %(end)s", start=day(date_from) or _("awal"), end=day(date_to) or _("sekarang"))
    pdf.cell(0, 6, _txt(_("Rekening koran simpanan - %(name)s (%(number)s)", name=member.full_name,
                          number=member.member_number)), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, _txt(_("Periode: %(period)s", period=period)), new_x="LMARGIN", new_y="NEXT")
    widths = (22, 26, 62, 26, 26, 28)
    header = (_("Tanggal"), _("Bukti"), _("Uraian"), _("Setor"), _("Tarik"), _("Saldo"))
    for acc, opening, rows in sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _txt(f"{_(acc.kind_label)} {acc.account_number}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 8)
        for i, (w, h) in enumerate(zip(widths, header, strict=True)):
            pdf.cell(w, 5, _txt(h), border=1, align="R" if i >= 3 else "L")
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)
        for i, (w, v) in enumerate(zip(widths, ("", "", _("Saldo awal"), "", "", rupiah(opening)), strict=True)):
            pdf.cell(w, 5, _txt(v), border=1, align="R" if i >= 3 else "L")
        pdf.ln()
        for r in rows:
            vals = (day(r.value_date), r.voucher_number, r.memo[:40], rupiah(r.deposit) if r.deposit else "",
                    rupiah(r.withdrawal) if r.withdrawal else "", rupiah(r.balance))
            for i, (w, v) in enumerate(zip(widths, vals, strict=True)):
                pdf.cell(w, 5, _txt(v), border=1, align="R" if i >= 3 else "L")
            pdf.ln()
    return bytes(pdf.output())
