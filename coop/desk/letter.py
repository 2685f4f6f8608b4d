"""The family permission letter (surat izin keluarga, UU 18/2017 Pasal 13 b) as a one-page A4 PDF (fpdf2):
the permitting spouse, parent or guardian (from the applicant's KK) allows the applicant to work abroad,
with the destination, the placement company and the contract length; the village head acknowledges it
(signature, stamp) and the permitter signs over a meterai.

The letter is a legal document filed with Indonesian offices, so its wording stays Bahasa Indonesia in
both interface languages (like the amount in words on a kuitansi).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from coop.db import db
from coop.desk.models import DeskLetter
from coop.errors import NotFound
from coop.formatting import tanggal
from coop.registry import rules as registry_rules
from coop.registry.models import Village
from coop.spreadsheet import cell_value


@dataclass(frozen=True)
class Person:
    name: str
    nik: str
    birth: str  # "Tulungagung, 5 Mei 1990"
    address: str
    relationship: str  # to the applicant, e.g. "Suami"


@dataclass(frozen=True)
class LetterFacts:
    number: str
    issued_on: date
    village: str
    district: str
    regency: str
    applicant: Person
    permitter: Person | None
    country: str
    job_title: str
    agency: str
    licence_number: str
    contract_months: int | None


def _latin1(text: str) -> str:
    return cell_value(text).encode("latin-1", "replace").decode("latin-1")


def render_pdf(f: LetterFacts) -> bytes:  # noqa: PLR0915 -- the linear layout of one printed letter

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(_latin1(f"Surat Izin Keluarga {f.number}"))
    pdf.add_page()
    pdf.set_margins(20, 15, 20)

    def text(t, size=11, style="", h=6, align="L"):
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, h, _latin1(t), align=align, new_x="LMARGIN", new_y="NEXT")

    def row(label, value):
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(45, 6, _latin1(label))
        pdf.multi_cell(0, 6, _latin1(": " + (value or "-")), new_x="LMARGIN", new_y="NEXT")

    def person(p: Person | None):
        if p is None:
            row("Nama", "....................................")
            row("NIK", "....................................")
            row("Tempat/tgl. lahir", "....................................")
            row("Alamat", "....................................")
            row("Hubungan", "suami/istri/orang tua/wali")
            return
        row("Nama", p.name)
        row("NIK", p.nik)
        row("Tempat/tgl. lahir", p.birth)
        row("Alamat", p.address)
        row("Hubungan", p.relationship)

    pdf.set_y(15)
    text(f"PEMERINTAH {f.regency.upper()}", 12, "B", align="C")
    text(f"KECAMATAN {f.district.upper()} - DESA {f.village.upper()}", 12, "B", align="C")
    pdf.line(20, pdf.get_y() + 1, 190, pdf.get_y() + 1)
    pdf.ln(4)
    text("SURAT IZIN KELUARGA", 14, "B", align="C")
    text("bagi Calon Pekerja Migran Indonesia", 11, align="C")
    text(f"Nomor: {f.number}", 11, align="C")
    pdf.ln(4)
    text("Yang bertanda tangan di bawah ini:")
    person(f.permitter)
    pdf.ln(2)
    text("memberikan izin kepada:")
    person(f.applicant)
    pdf.ln(2)
    contract = f"{f.contract_months} bulan" if f.contract_months else "sesuai perjanjian kerja"
    text("untuk bekerja sebagai Pekerja Migran Indonesia dengan keterangan:")
    row("Negara tujuan", f.country)
    row("Jabatan/pekerjaan", f.job_title)
    row("Perusahaan penempatan", f.agency)
    row("Nomor SIP3MI", f.licence_number)
    row("Lama kontrak", contract)
    pdf.ln(2)
    text("Izin ini diberikan dengan penuh kesadaran tanpa paksaan dari pihak mana pun, sebagai persyaratan "
         "penempatan menurut Undang-Undang Nomor 18 Tahun 2017 Pasal 13 huruf b.", 10)
    pdf.ln(3)
    y = pdf.get_y()
    pdf.set_font("Helvetica", "", 11)
    pdf.set_xy(20, y)
    pdf.multi_cell(80, 6, _latin1("Mengetahui,\nKepala Desa " + f.village), align="C")
    pdf.set_xy(110, y)
    pdf.multi_cell(80, 6, _latin1(f"{f.village}, {tanggal(f.issued_on, long=True)}\nYang memberi izin,"),
                   align="C")
    # Meterai box where the permitter signs, a stamp circle for the village head.
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(128, y + 15, 30, 20)
    pdf.set_font("Helvetica", "", 7)
    pdf.set_xy(128, y + 22)
    pdf.cell(30, 5, "METERAI 10.000", align="C")
    pdf.ellipse(30, y + 14, 24, 24)
    pdf.set_xy(30, y + 24)
    pdf.cell(24, 5, "CAP DESA", align="C")
    pdf.set_font("Helvetica", "", 11)
    pdf.set_xy(20, y + 42)
    pdf.cell(80, 6, "(.................................)", align="C")
    pdf.set_xy(110, y + 42)
    pdf.cell(80, 6, _latin1("( " + (f.permitter.name if f.permitter else "..........................") + " )"),
             align="C")
    return bytes(pdf.output())


def _person(r, relationship: str) -> Person:
    address = ", ".join(p for p in (r.address, f"RT {r.rt}" if r.rt else None, f"RW {r.rw}" if r.rw else None) if p)
    return Person(name=r.full_name, nik=r.nik, birth=f"{r.birth_place}, {tanggal(r.birth_date, long=True)}",
                  address=address or "-", relationship=relationship)


def letter_pdf(cooperative_id: int, letter_id: int) -> tuple[bytes, str]:
    """The PDF of an issued letter and its file name (facts read from the case, the KK and the village)."""

    letter = db.session.get(DeskLetter, letter_id)
    if letter is None or letter.cooperative_id != cooperative_id:
        raise NotFound("Surat tidak ditemukan.")
    case = letter.case
    village = db.session.get(Village, letter.village_code)
    permitter = None
    if letter.permitter is not None:
        rel = registry_rules.RELATIONSHIP_LABELS.get(letter.permitter.relationship or "", "Wali")
        permitter = _person(letter.permitter, f"{rel} (dalam KK yang sama)")
    country = registry_rules.COUNTRY_NAMES.get(case.destination_country, case.destination_country)
    facts = LetterFacts(
        number=letter.number, issued_on=letter.issued_on,
        village=village.village_name if village else letter.village_code,
        district=village.district_name if village else "", regency=village.regency_name if village else "",
        applicant=_person(case.resident, "Pemohon (calon PMI)"), permitter=permitter,
        country=f"{country} ({case.destination_country})", job_title=case.job_title,
        agency=case.agency_name or "-", licence_number=case.agency_licence_number or "-",
        contract_months=case.contract_months)
    return render_pdf(facts), f"surat_izin_keluarga_{letter.year}_{letter.seq:03d}.pdf"
