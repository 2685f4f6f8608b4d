"""Pure rules of outreach (no DB): purposes, templates and their placeholders, quiet hours, backoff,
phone numbers and wa.me links."""
from __future__ import annotations

import re
import string
from datetime import datetime, time, timedelta
from urllib.parse import quote

from coop.text import N_

CHANNELS = ("whatsapp", "sms")
#: what a resident consents to be contacted about (API.md)
PURPOSES = ("instalment", "savings", "rat", "desk", "receipt")
PURPOSE_LABELS = {"instalment": N_("Angsuran pinjaman"), "savings": N_("Simpanan"), "rat": N_("Rapat anggota (RAT)"),
                  "desk": N_("Layanan migrasi"), "receipt": N_("Bukti setoran")}
#: the messages the daily job queues, each needing consent for one purpose
KINDS = {"instalment_due": "instalment", "instalment_overdue": "instalment", "wajib_arrears": "savings",
         "rat_invitation": "rat", "passport_expiry": "desk"}
KIND_LABELS = {"instalment_due": N_("Angsuran jatuh tempo 3 hari lagi"),
               "instalment_overdue": N_("Angsuran terlambat 1 hari"),
               "wajib_arrears": N_("Tunggakan simpanan wajib"), "rat_invitation": N_("Undangan RAT"),
               "passport_expiry": N_("Paspor segera habis")}
STATUSES = ("queued", "sent", "failed", "manual")
STATUS_LABELS = {"queued": N_("Antre"), "sent": N_("Terkirim"), "failed": N_("Gagal"),
                 "manual": N_("Dikirim manual")}
CONSENT_METHODS = ("form", "web", "api")

#: placeholders a template may use: {nama} member's name, {jumlah} amount, {tanggal} due date,
#: {telepon} the cooperative's phone
PLACEHOLDERS = ("nama", "jumlah", "tanggal", "telepon")
DEFAULT_TEMPLATES = {
    "instalment_due": "Yth. {nama}, angsuran pinjaman Anda sebesar {jumlah} jatuh tempo pada {tanggal}. "
                      "Info: {telepon}. Balas STOP untuk berhenti menerima pesan.",
    "instalment_overdue": "Yth. {nama}, angsuran sebesar {jumlah} yang jatuh tempo {tanggal} belum kami terima. "
                          "Mohon segera dibayar. Info: {telepon}. Balas STOP untuk berhenti.",
    "wajib_arrears": "Yth. {nama}, simpanan wajib Anda tertunggak {jumlah} sampai {tanggal}. "
                     "Info: {telepon}. Balas STOP untuk berhenti.",
    "rat_invitation": "Yth. {nama}, Anda diundang ke Rapat Anggota Tahunan koperasi pada {tanggal}. "
                      "Info: {telepon}. Balas STOP untuk berhenti.",
    "passport_expiry": "Yth. {nama}, paspor Anda habis berlaku pada {tanggal}. Silakan perpanjang dan hubungi "
                       "layanan migrasi koperasi: {telepon}. Balas STOP untuk berhenti.",
}
TEMPLATE_MAX = 1000
#: the reply that withdraws consent on the SMS channel (case and spaces ignored)
STOP_WORDS = ("STOP", "BERHENTI")


def template_problem(body: str) -> str | None:
    """Why ``body`` cannot be a template (None when it can): only the known placeholders, balanced braces."""
    if not body.strip():
        return N_("Teks pesan wajib diisi.")
    if len(body) > TEMPLATE_MAX:
        return N_("Teks pesan paling panjang 1000 karakter.")
    try:
        names = [name for _lit, name, _spec, _conv in string.Formatter().parse(body) if name is not None]
    except ValueError:
        return N_("Kurung kurawal tidak seimbang.")
    if any(n not in PLACEHOLDERS for n in names):
        return N_("Hanya {nama}, {jumlah}, {tanggal} dan {telepon} yang boleh di dalam kurung kurawal.")
    return None


def render(body: str, values: dict[str, str]) -> str:
    """The template with its placeholders filled (a missing value prints empty)."""
    return body.format_map({k: values.get(k, "") for k in PLACEHOLDERS})


def in_quiet_hours(local: datetime | time, start_hour: int, end_hour: int) -> bool:
    """True between ``start_hour``:00 and ``end_hour``:00 local time (the window may span midnight).

    Worked example (21 and 7): 20:59 sends, 21:00 and 06:59 wait, 07:00 sends."""
    hour = local.hour
    if start_hour == end_hour:
        return False
    if start_hour < end_hour:
        return start_hour <= hour < end_hour
    return hour >= start_hour or hour < end_hour


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failures: base, 2x, 4x ... capped at one day.

    Worked example (base 300 s): after 1 failure 5 min, after 2 10 min, after 3 20 min."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), 86_400))


_PHONE = re.compile(r"^\+?[0-9]{8,15}$")


def normalize_phone(raw: str) -> str | None:
    """An Indonesian mobile number in international form without "+" (``6281234567890``), or None.

    "0812-3456-7890", "+62 812 3456 7890" and "6281234567890" are the same number."""
    s = re.sub(r"[\s().-]", "", raw or "")
    if not _PHONE.match(s):
        return None
    s = s.lstrip("+")
    if s.startswith("0"):
        s = "62" + s[1:]
    return s if 10 <= len(s) <= 15 else None


def wa_me_link(phone: str, text: str) -> str:
    """The click-to-chat link that opens WhatsApp on the officer's phone with the text filled in."""
    return f"https://wa.me/{phone}?text={quote(text, safe='')}"


def is_stop(text: str) -> bool:
    return re.sub(r"\s+", "", text or "").upper() in STOP_WORDS


def parse_purposes(raw) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else str(raw or "").split(",")
    return sorted({str(p).strip() for p in items if str(p).strip()})
