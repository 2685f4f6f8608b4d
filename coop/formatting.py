"""Pure display helpers: rupiah, Indonesian dates, amounts in words (terbilang), NIK masking."""
from __future__ import annotations

from datetime import date, datetime

from num2words import num2words

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


def terbilang(amount: int) -> str:
    """Amount in Indonesian words with "rupiah": 250000 -> "dua ratus lima puluh ribu rupiah"."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise ValueError("terbilang takes a non-negative int")
    if amount == 0:
        return "nol rupiah"
    return f"{num2words(amount, lang='id')} rupiah"


def mask_nik(nik: str | None) -> str:
    """``3302114107900001`` -> ``3302********0001`` (UU 27/2022: outsiders see no full NIK)."""
    if not nik:
        return ""
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]
