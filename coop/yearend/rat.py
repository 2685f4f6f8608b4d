"""The RAT pack (Rapat Anggota Tahunan, the annual members' meeting) as PDF (fpdf2) and XLSX (openpyxl).

Sections: Neraca, Perhitungan Hasil Usaha, Arus Kas, Perubahan Ekuitas, Alokasi SHU, SHU per anggota,
Daftar anggota (NIK masked: the pack goes to every member), Kesehatan portofolio pinjaman.
:func:`rat_data` gathers the figures once; the two renderers only lay them out.
"""
from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
from flask import has_app_context
from flask_babel import get_locale, gettext
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.styles import Font

from coop.auth.models import Cooperative
from coop.db import db
from coop.formatting import mask_nik
from coop.ledger.reports import neraca, phu
from coop.loans import rules as loan_rules
from coop.loans.services import portfolio_by_class
from coop.membership.models import Member
from coop.reports import statements
from coop.savings.services import balances_by_member
from coop.spreadsheet import cell_value, printable, safe_row  # noqa: F401
from coop.text import N_
from coop.yearend import shu, shu_rules

SECTIONS = [N_("Neraca"), N_("Perhitungan Hasil Usaha"), N_("Arus Kas"), N_("Perubahan Ekuitas"), N_("Alokasi SHU"),
            N_("SHU per Anggota"), N_("Daftar Anggota"), N_("Kesehatan Portofolio Pinjaman")]
#: collectibility classes on the loans' 1-5 scale (2 = Dalam Perhatian Khusus, only in the bank5 scheme)
CLASS_LABELS = loan_rules.CLASSES


def _(text: str, **params) -> str:
    """The pack's labels in the reader's language (the page and the downloads run inside a request;
    elsewhere Bahasa Indonesia, or ``COOP_LANG``). Amounts, names and account names stay as they are."""

    if not has_app_context():
        return text % params if params else text
    return gettext(text, **params)


def shu_section(cooperative_id: int, year: int) -> dict:
    """The SHU part of the RAT pack for ``year``: the decided distribution's parts and per-member rows, or
    the plan's while nothing is decided yet. Reads only."""
    dist = shu.get_distribution(cooperative_id, year)
    if dist is not None:
        parts = {p: getattr(dist, p) for p in shu_rules.PARTS}
        return {"status": _("Diputuskan RAT %(date)s", date=dist.decided_on.isoformat()), "surplus": dist.surplus, "parts": parts,
                "residue": dist.residue, "jasa_usaha": dist.jasa_usaha, "jasa_modal": dist.jasa_modal,
                "loss_from_reserves": dist.loss_from_reserves, "loss_from_surplus": dist.loss_from_surplus,
                "members": shu.member_rows(cooperative_id, year), "notes": dist.notes or ""}
    try:
        plan = shu.compute_plan(cooperative_id, year)
    except Exception as exc:  # a loss, or percentages not totalling 100: say so in the pack
        return {"status": _(getattr(exc, "message", None) or str(exc)), "surplus": shu.surplus_of(cooperative_id, year),
                "parts": {}, "residue": 0, "jasa_usaha": 0, "jasa_modal": 0, "loss_from_reserves": 0,
                "loss_from_surplus": 0, "members": [], "notes": ""}

    members = {m.id: m for m in db.session.scalars(sa.select(Member).where(Member.id.in_(list(plan.members))))}
    rows = [{"member_number": members[k].member_number, "name": members[k].full_name, "base_usaha": s.base_usaha,
             "base_modal": s.base_modal, "jasa_usaha": s.jasa_usaha, "jasa_modal": s.jasa_modal, "total": s.total,
             "paid_via": None, "paid_on": None} for k, s in plan.members.items() if k in members]
    rows.sort(key=lambda r: r["member_number"])
    return {"status": _("Usulan (belum diputuskan RAT)"), "surplus": plan.surplus, "parts": plan.parts,
            "residue": plan.residue, "jasa_usaha": plan.jasa_usaha, "jasa_modal": plan.jasa_modal,
            "loss_from_reserves": plan.loss_from_reserves, "loss_from_surplus": plan.loss_from_surplus,
            "members": rows, "notes": "\n".join(plan.notes)}


def member_register(cooperative_id: int, as_of: date, *, sees_nik: bool = False) -> list[dict]:
    """Members with their savings (pokok, wajib, sukarela) on ``as_of``; NIK masked unless ``sees_nik``."""

    savings = {k: balances_by_member(cooperative_id, [k], as_of) for k in ("pokok", "wajib", "sukarela")}
    rows = []
    for m in db.session.scalars(sa.select(Member).where(Member.cooperative_id == cooperative_id,
                                                        Member.joined_on <= as_of).order_by(Member.member_number)):
        nik = getattr(m.resident, "nik", "") if m.resident is not None else ""
        rows.append({"member_number": m.member_number, "name": m.full_name, "nik": nik if sees_nik else mask_nik(nik),
                     "joined_on": m.joined_on, "status": m.status,
                     **{k: savings[k].get(m.id, 0) for k in savings}})
    return rows


def portfolio_health(cooperative_id: int, as_of: date) -> dict:

    by_class = portfolio_by_class(cooperative_id, as_of)
    outstanding = {k: v["outstanding"] for k, v in by_class.items()}
    npl = loan_rules.npl_ratio(outstanding)
    return {"classes": [{"class": k, "label": _(CLASS_LABELS[k]) if k in CLASS_LABELS else str(k), **v} for k, v in sorted(by_class.items())],
            "total": sum(outstanding.values()), "count": sum(v["count"] for v in by_class.values()),
            "npl": npl, "rating": loan_rules.health_rating(npl),
            "risk_weighted": loan_rules.risk_weighted_bad_loans(outstanding)}


def rat_data(cooperative_id: int, year: int) -> dict:
    """Every figure of the RAT pack for financial ``year`` (ending 31 December)."""

    start, end = date(year, 1, 1), date(year, 12, 31)
    coop_row = db.session.get(Cooperative, cooperative_id)
    return {"cooperative": coop_row.name, "legal_number": coop_row.legal_number or "", "year": year,
            "start": start, "end": end, "neraca": neraca(cooperative_id, end), "phu": phu(cooperative_id, start, end),
            "cash_flow": statements.cash_flow(cooperative_id, start, end),
            "equity": statements.equity_changes(cooperative_id, start, end),
            "shu": shu_section(cooperative_id, year), "members": member_register(cooperative_id, end),
            "portfolio": portfolio_health(cooperative_id, end)}


# ---------------------------------------------------------------------------------------------------
# Tables: one list of (title, header, rows) feeds both renderers
# ---------------------------------------------------------------------------------------------------

def _account(r: dict) -> str:
    """An account's name: its English name (``name_en``, from the chart) when the reader reads English."""
    if r.get("name_en"):

        if has_app_context() and str(get_locale() or "id") == "en":
            return r["name_en"]
    return r["name"]


def tables(d: dict) -> list[tuple[str, list[str], list[list]]]:
    n = d["neraca"]
    neraca_rows = ([[_("ASET"), "", None]] + [[r["code"], _account(r), r["amount"]] for r in n["assets"]]
                   + [["", _("Jumlah aset"), n["total_assets"]], [_("KEWAJIBAN"), "", None]]
                   + [[r["code"], _account(r), r["amount"]] for r in n["liabilities"]]
                   + [["", _("Jumlah kewajiban"), n["total_liabilities"]], [_("EKUITAS"), "", None]]
                   + [[r["code"], _account(r), r["amount"]] for r in n["equity"]]
                   + [["", _("SHU tahun berjalan (belum ditutup)"), n["current_surplus"]],
                      ["", _("Jumlah ekuitas"), n["total_equity"]],
                      ["", _("Jumlah kewajiban dan ekuitas"), n["total_liabilities_equity"]]])
    p = d["phu"]
    phu_rows = ([[_("PENDAPATAN"), "", None, None, None]]
                + [[r["code"], _account(r), r["member"], r["non_member"], r["amount"]] for r in p["income"]]
                + [["", _("Jumlah pendapatan"), p["total_income_member"], p["total_income_non_member"],
                    p["total_income"]],
                   [_("BEBAN"), "", None, None, None]]
                + [[r["code"], _account(r), None, None, r["amount"]] for r in p["expenses"]]
                + [["", _("Jumlah beban"), None, None, p["total_expenses"]],
                   ["", _("SISA HASIL USAHA"), None, None, p["surplus"]]])
    cf = d["cash_flow"]
    cf_rows = [["", _("Kas dan bank awal tahun"), cf["opening"]]]
    for s in cf["sections"]:
        cf_rows.append([_(s["label"]).upper(), "", None])
        cf_rows += [[r["code"], _account(r), r["amount"]] for r in s["rows"]]
        cf_rows.append(["", _("Jumlah"), s["total"]])
    cf_rows += [["", _("Kenaikan (penurunan) kas"), cf["net"]], ["", _("Kas dan bank akhir tahun"), cf["closing"]]]
    eq = d["equity"]
    eq_rows = [[r["code"], _account(r), r["opening"], r["increase"], r["decrease"], r["closing"]] for r in eq["rows"]]
    eq_rows.append(["", _("Jumlah"), *(eq["totals"][k] for k in ("opening", "increase", "decrease", "closing"))])
    s = d["shu"]
    shu_rows = [["", _("Status"), s["status"]]]
    if s["loss_from_reserves"] or s["loss_from_surplus"]:
        shu_rows += [["", _("Rugi tahun lalu ditutup dari cadangan"), s["loss_from_reserves"]],
                     ["", _("Rugi tahun lalu ditutup dari SHU tahun ini"), s["loss_from_surplus"]]]
    shu_rows += [["", _("SHU tahun buku"), s["surplus"]]]
    shu_rows += [[p_, _(shu_rules.PART_LABELS[p_]), s["parts"][p_]] for p_ in shu_rules.PARTS if p_ in s["parts"]]
    shu_rows += [["", "  " + _("jasa usaha (anggota)"), s["jasa_usaha"]],
                 ["", "  " + _("jasa modal (anggota)"), s["jasa_modal"]],
                 ["", _("Selisih pembulatan (masuk cadangan)"), s["residue"]]]
    if s["notes"]:
        shu_rows.append(["", _("Catatan"), s["notes"]])
    members_shu = [[r["member_number"], r["name"], r["base_usaha"], r["base_modal"], r["jasa_usaha"], r["jasa_modal"],
                    r["total"]] for r in s["members"]]
    members_shu.append(["", _("Jumlah"), sum(r["base_usaha"] for r in s["members"]),
                        sum(r["base_modal"] for r in s["members"]), sum(r["jasa_usaha"] for r in s["members"]),
                        sum(r["jasa_modal"] for r in s["members"]), sum(r["total"] for r in s["members"])])
    register = [[r["member_number"], r["name"], r["nik"], r["joined_on"].isoformat(), r["status"], r["pokok"],
                 r["wajib"], r["sukarela"]] for r in d["members"]]
    pf = d["portfolio"]
    pf_rows = [[c["label"], c["count"], c["outstanding"]] for c in pf["classes"]]
    pf_rows += [[_("Jumlah"), pf["count"], pf["total"]], ["NPL (%)", "", str(pf["npl"])],
                [_("Kesehatan"), "", _(pf["rating"])], [_("Pinjaman bermasalah tertimbang"), "", pf["risk_weighted"]]]
    year = d["year"]
    return [
        (_("Neraca per %(date)s", date=d["end"].isoformat()), [_("Kode"), _("Akun"), _("Jumlah")], neraca_rows),
        (_("Perhitungan Hasil Usaha %(year)s", year=year),
         [_("Kode"), _("Akun"), _("Anggota"), _("Non anggota"), _("Jumlah")], phu_rows),
        (_("Arus Kas %(year)s", year=year), [_("Kode"), _("Uraian"), _("Jumlah")], cf_rows),
        (_("Perubahan Ekuitas %(year)s", year=year),
         [_("Kode"), _("Akun"), _("Awal"), _("Tambah"), _("Kurang"), _("Akhir")], eq_rows),
        (_("Alokasi SHU %(year)s", year=year), [_("Bagian"), _("Uraian"), _("Jumlah")], shu_rows),
        (_("SHU per Anggota %(year)s", year=year), [_("No. anggota"), _("Nama"), _("Jasa dibayar"),
                                                    _("Simpanan dasar"), _("Jasa usaha"), _("Jasa modal"), _("SHU")],
         members_shu),
        (_("Daftar Anggota"), [_("No. anggota"), _("Nama"), _("NIK"), _("Masuk"), _("Status"), _("Pokok"), _("Wajib"),
                               _("Sukarela")], register),
        (_("Kesehatan Portofolio Pinjaman"), [_("Kolektibilitas"), _("Jumlah pinjaman"), _("Sisa pokok")], pf_rows),
    ]


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}".replace(",", ".")
    return str(v)


def _latin1(text: str) -> str:
    return printable(text).encode("latin-1", "replace").decode("latin-1")


def rat_pdf(d: dict) -> bytes:
    """The pack as an A4 PDF: a cover, then one titled table per section."""

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(_latin1(_("Laporan RAT %(year)s %(name)s", year=d["year"], name=d["cooperative"])))
    pdf.set_author(_latin1(d["cooperative"]))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 12, _latin1(_("Laporan Pertanggungjawaban Pengurus")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.cell(0, 8, _latin1(_("Rapat Anggota Tahunan tahun buku %(year)s", year=d["year"])), new_x="LMARGIN",
             new_y="NEXT")
    pdf.cell(0, 8, _latin1(d["cooperative"]), new_x="LMARGIN", new_y="NEXT")
    if d["legal_number"]:
        pdf.cell(0, 8, _latin1(_("Badan hukum %(number)s", number=d["legal_number"])), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 11)
    for i, name in enumerate(SECTIONS, 1):
        pdf.cell(0, 7, _latin1(f"{i}. {_(name)}"), new_x="LMARGIN", new_y="NEXT")
    width = pdf.w - pdf.l_margin - pdf.r_margin
    for title, header, rows in tables(d):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 13)
        pdf.cell(0, 9, _latin1(title), new_x="LMARGIN", new_y="NEXT")
        first = 0.16 if len(header) > 4 else 0.15
        second = 0.34 if len(header) <= 3 else 0.26
        rest = (1 - first - second) / max(1, len(header) - 2)
        widths = [width * first, width * second] + [width * rest] * (len(header) - 2)
        pdf.set_font("Helvetica", "", 7 if len(header) > 6 else 8)
        with pdf.table(col_widths=widths, text_align=["LEFT", "LEFT"] + ["RIGHT"] * (len(header) - 2),
                       first_row_as_headings=True, line_height=4.5) as table:
            table.row([_latin1(h) for h in header])
            for row in rows:
                table.row([_latin1(_fmt(v)) for v in row])
    return bytes(pdf.output())


def rat_xlsx(d: dict) -> io.BytesIO:
    """The pack as a workbook: one sheet per section, numbers as numbers."""

    wb = Workbook()
    wb.remove(wb.active)
    for (title, header, rows), name in zip(tables(d), SECTIONS, strict=True):
        ws = wb.create_sheet(_(name)[:31])
        ws.append(safe_row([title]))
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(safe_row(header))
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(safe_row(row))
        ws.column_dimensions["B"].width = 40
        for col in "CDEFGH":
            ws.column_dimensions[col].width = 16
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out
