"""The completion certificate as a one-page A4 landscape PDF (fpdf2) with a QR code (qrcode) that opens
the public verification page. The page and the paper show the same facts: name, programme, cohort
dates, number; never the NIK. A revoked certificate still prints (for the file), stamped DICABUT across
the page with the date, so it cannot pass for a valid one."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import qrcode
from fpdf import FPDF

from coop.formatting import tanggal
from coop.spreadsheet import printable


@dataclass(frozen=True)
class CertificateFacts:
    number: str
    name: str
    program: str
    topic: str
    organiser: str
    cohort: str
    starts_on: date
    ends_on: date
    venue: str
    issued_on: date
    cooperative: str
    verify_url: str
    #: The day it was revoked (in the cooperative's time zone), or None while it is valid.
    revoked_on: date | None = None


def local_time(ts: datetime | None, timezone: str | None) -> datetime | None:
    """A stored UTC timestamp (e.g. ``Certificate.revoked_at``) in the cooperative's time zone."""
    if ts is None:
        return None
    return ts.astimezone(ZoneInfo(timezone or "Asia/Jakarta"))


def _latin1(text: str) -> str:
    """fpdf2's core fonts are Latin-1; replace anything else rather than fail."""
    return printable(text).encode("latin-1", "replace").decode("latin-1")


def qr_png(url: str) -> bytes:


    img = qrcode.make(url, box_size=8, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return buf.getvalue()


def render_pdf(f: CertificateFacts) -> bytes:


    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(_latin1(f"Sertifikat {f.number}" + (" (DICABUT)" if f.revoked_on else "")))
    pdf.set_author(_latin1(f.cooperative))
    pdf.add_page()
    pdf.set_draw_color(25, 135, 84)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_line_width(0.3)
    pdf.rect(14, 14, 269, 182)

    def line(text, size, style="", h=10, color=(0, 0, 0)):
        pdf.set_text_color(*color)
        pdf.set_font("Helvetica", style, size)
        pdf.cell(0, h, _latin1(text), align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(24)
    line(f.cooperative, 14, "B", color=(25, 135, 84))
    line("SERTIFIKAT PELATIHAN", 28, "B", h=16)
    line(f"Nomor: {f.number}", 12, h=8)
    pdf.ln(6)
    line("diberikan kepada", 13, "I", h=8)
    line(f.name, 26, "B", h=14)
    pdf.ln(2)
    line("yang telah menyelesaikan pelatihan", 13, h=8)
    line(f.program, 18, "B", h=11)
    line(f"{f.topic} - {f.cohort}", 12, h=7)
    line(f"{tanggal(f.starts_on)} s.d. {tanggal(f.ends_on)}, {f.venue}", 12, h=7)
    line(f"Penyelenggara: {f.organiser}", 11, h=7, color=(80, 80, 80))

    png = qr_png(f.verify_url)
    pdf.image(io.BytesIO(png), x=24, y=150, w=38, h=38)
    pdf.set_xy(64, 168)
    pdf.set_font("Helvetica", "", 8)
    pdf.set_text_color(80, 80, 80)
    pdf.multi_cell(110, 4, _latin1("Pindai kode QR untuk memeriksa keaslian sertifikat ini:\n" + f.verify_url))
    pdf.set_xy(190, 160)
    pdf.set_font("Helvetica", "", 11)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(85, 6, _latin1(f"Diterbitkan {tanggal(f.issued_on)}\nPengurus {f.cooperative}"), align="C")
    if f.revoked_on is not None:
        _stamp_revoked(pdf, f.revoked_on)
    return bytes(pdf.output())


def _stamp_revoked(pdf, revoked_on: date) -> None:
    """DICABUT in large red letters across the page, and the date in a line at the top."""
    pdf.set_text_color(200, 30, 30)
    with pdf.local_context(fill_opacity=0.45), pdf.rotation(angle=20, x=148, y=105):
        pdf.set_font("Helvetica", "B", 110)
        pdf.set_xy(10, 85)
        pdf.cell(277, 40, "DICABUT", align="C")
    pdf.set_xy(14, 16)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(269, 6, _latin1(f"DICABUT pada {tanggal(revoked_on)}: sertifikat ini tidak berlaku."), align="C")
