"""Pure display helpers: rupiah, Indonesian dates, amounts in words (terbilang), NIK masking."""
from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import quote

BULAN = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
BULAN_PANJANG = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                 "Oktober", "November", "Desember"]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def rupiah(amount: int | None, with_symbol: bool = True) -> str:
    """``1250000`` -> ``Rp 1.250.000`` (dot thousands separator; negatives as ``-Rp 5.000``)."""
    if amount is None:
        return ""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("rupiah() takes whole rupiah as int")
    text = f"{abs(amount):,}".replace(",", ".")
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {text}" if with_symbol else f"{sign}{text}"


def tanggal(d: date | datetime | None, locale: str = "id", long: bool = False) -> str:
    """``date(2026, 11, 27)`` -> ``27 Nov 2026`` (``27 November 2026`` with ``long``)."""
    if d is None:
        return ""
    if locale == "en":
        return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"
    names = BULAN_PANJANG if long else BULAN
    return f"{d.day} {names[d.month - 1]} {d.year}"


_SATUAN = ["", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh",
           "sebelas"]
_SKALA = ["", "ribu", "juta", "miliar", "triliun", "kuadriliun"]


def _ratusan(n: int) -> str:
    """Words for 1..999 ("se-" for a single hundred, ten or eleven)."""
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append("seratus" if hundreds == 1 else f"{_SATUAN[hundreds]} ratus")
    if rest < 12:
        words.append(_SATUAN[rest])
    elif rest < 20:
        words.append(f"{_SATUAN[rest - 10]} belas")
    else:
        tens, ones = divmod(rest, 10)
        words += [f"{_SATUAN[tens]} puluh", _SATUAN[ones]]
    return " ".join(w for w in words if w)


def terbilang(amount: int) -> str:
    """Amount in Indonesian words with "rupiah": 250000 -> "dua ratus lima puluh ribu rupiah".

    A thousands group of exactly one is "seribu" (1.001.000 -> "satu juta seribu"), whereas a larger scale
    keeps "satu" ("satu juta", "satu miliar"); 101.000 is "seratus satu ribu".
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError("terbilang takes a non-negative int")
    if amount == 0:
        return "nol rupiah"
    if amount >= 1000 ** len(_SKALA):
        raise ValueError("terbilang: amount too large")
    groups = []
    scale = 0
    while amount:
        amount, group = divmod(amount, 1000)
        if group:
            if scale == 1 and group == 1:
                groups.append("seribu")
            else:
                groups.append(f"{_ratusan(group)} {_SKALA[scale]}".strip())
        scale += 1
    return " ".join(reversed(groups)) + " rupiah"


def mask_nik(nik: str | None) -> str:
    """``3302114107900001`` -> ``3302********0001`` (UU 27/2022: outsiders see no full NIK)."""
    if not nik:
        return ""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def wa_phone(phone: str | None) -> str:
    """A phone number as wa.me wants it: digits with the country code, Indonesia's 0 replaced by 62
    (``0812-3456-7890`` -> ``6281234567890``, ``+62 812...`` -> ``62812...``); "" when there is none."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return digits if len(digits) >= 8 else ""


def whatsapp_url(phone: str | None, text: str) -> str:
    """``https://wa.me/<phone>?text=<text>`` (no phone: WhatsApp asks whom to send it to); the text
    percent-encoded (spaces %20, new lines %0A)."""
    return f"https://wa.me/{wa_phone(phone)}?text={quote(text, safe='')}"


def angka(value, locale: str = "id") -> str:
    """A decimal number for the reader: Indonesian writes a decimal comma and dot thousands
    (``Decimal("14.27")`` -> ``14,27``; ``1234.5`` -> ``1.234,5``), English the other way round
    (``14.27``, ``1,234.5``). Trailing zeros are kept as given (``1.50`` -> ``1,50``); ``None`` -> ``""``;
    a string that is not a number is returned unchanged."""
    if value is None or value == "":
        return ""
    text = str(value)
    sign = ""
    if text.startswith("-"):
        sign, text = "-", text[1:]
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()):
        return str(value)
    grouped = f"{int(whole):,}"
    if locale == "en":
        return sign + grouped + (f".{frac}" if frac else "")
    return sign + grouped.replace(",", ".") + (f",{frac}" if frac else "")


def persen(value, locale: str = "id") -> str:
    """``Decimal("14.27")`` -> ``14,27 %`` in Indonesian, ``14.27 %`` in English (see :func:`angka`)."""
    shown = angka(value, locale)
    return f"{shown} %" if shown else ""
