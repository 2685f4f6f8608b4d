"""Reading rupiah typed as people write them (Flask-free: settings, imports and forms share it).

Treasurers type amounts as printed on a receipt: ``200.000``, ``Rp 200.000``, ``Rp200.000``,
``Rp. 200.000,-``, ``200000``, `` 1.250.000 ``, and as people say them: ``250rb``, ``2,5 jt``. :func:`parse_rupiah` is the one parser of such text; the
web layer's :class:`coop.web.forms.RupiahField` is built on it.
"""
from __future__ import annotations

import re
from decimal import Decimal

from coop.text import N_

#: The largest amount a form accepts (Rp 10 trillion): far above any village cooperative's books, and
#: small enough that no typo of extra digits reaches the database's BIGINT.
MAX_RUPIAH = 10**13

MSG_FRACTION = N_("Rupiah tanpa sen: tulis 200.000, bukan 200.000,50.")
MSG_NEGATIVE = N_("Jumlah tidak boleh minus.")
MSG_TOO_LARGE = N_("Jumlah terlalu besar: paling banyak Rp %(max)s.")
MSG_DOTS = N_("Titik hanya pemisah ribuan: tiga angka setelah setiap titik, mis. 1.250.000.")
MSG_FORMAT = N_("Tulis jumlah rupiah dengan angka, mis. 1.250.000 atau Rp 1.250.000.")
MSG_SHORTHAND = N_("Singkatan jumlah: angka lalu rb atau jt, mis. 250rb atau 2,5 jt.")

#: Spoken shorthands: "250rb" (ribu), "2,5 jt" (juta), "1 M" is NOT taken (M reads as million in English).
_UNITS = {"rb": 10**3, "ribu": 10**3, "k": 10**3, "jt": 10**6, "juta": 10**6, "miliar": 10**9, "milyar": 10**9}
_SHORTHAND = re.compile(r"^(?P<num>[0-9.,]*)(?P<unit>" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")$",
                        re.IGNORECASE)
_DECIMAL = re.compile(r"^[0-9]+(?:[.,][0-9]+)?$")

_PREFIX = re.compile(r"^rp\.?", re.IGNORECASE)
# Whole rupiah: plain digits, or digits grouped by dots in threes (1.250.000). "200.00" or "1.25.000"
# are refused rather than guessed: read as 20.000 or 125.000 they would be a hundredfold mistake.
_WHOLE = re.compile(r"^(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)$")
# A receipt's zero sen ("200.000,00", "200.000,-") is still whole rupiah.
_ZERO_SEN = re.compile(r",(?:0{1,2}|-)$")


class RupiahInputError(ValueError):
    """Text that is not a whole rupiah amount; ``message`` is the Bahasa Indonesia msgid to show."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


def parse_rupiah(text: str | None, *, allow_negative: bool = False, maximum: int = MAX_RUPIAH) -> int | None:
    """Whole rupiah from text typed as on a receipt; ``None`` for empty text.

    ``"Rp 250.000"`` -> 250000, ``"Rp200.000"`` -> 200000, ``" 1.250.000 "`` -> 1250000,
    ``"200.000,-"`` -> 200000, ``"200.000,00"`` -> 200000, ``"250rb"`` -> 250000, ``"2,5 jt"`` -> 2500000,
    ``"1.250rb"`` -> 1250000 (a dot before three digits groups thousands; otherwise, as the comma, it is
    the decimal mark of a shorthand: ``"2.5jt"``). Refused (:class:`RupiahInputError`): sen (``"200.000,50"``, ``"200,5"``),
    a minus unless ``allow_negative``, letters, misplaced dots (``"200.00"``), more than ``maximum``.
    """
    if text is None:
        return None
    raw = "".join(str(text).split())  # every space, also non-breaking ones and those between digits
    if raw == "":
        return None
    negative = raw.startswith("-")
    if negative:
        raw = raw[1:]
    raw = _PREFIX.sub("", raw)
    if not negative and raw.startswith("-"):  # "Rp -5.000"
        negative, raw = True, raw[1:]
    shorthand = _SHORTHAND.match(raw)
    if shorthand:
        value = _shorthand(shorthand.group("num"), _UNITS[shorthand.group("unit").lower()])
        return _bounded(-value if negative else value, allow_negative, maximum)
    raw = _ZERO_SEN.sub("", raw)
    if "," in raw:
        head, _, tail = raw.rpartition(",")
        if tail.isascii() and tail.isdigit() and _WHOLE.match(head):
            raise RupiahInputError(MSG_FRACTION)
        raise RupiahInputError(MSG_FORMAT)
    if not _WHOLE.match(raw):
        only_digits_and_dots = raw.isascii() and raw.replace(".", "").isdigit()
        raise RupiahInputError(MSG_DOTS if only_digits_and_dots else MSG_FORMAT)
    digits = raw.replace(".", "")
    if len(digits.lstrip("0")) > len(str(maximum)):
        raise RupiahInputError(MSG_TOO_LARGE, max=format_rupiah_input(maximum))
    value = int(digits)
    return _bounded(-value if negative else value, allow_negative, maximum)


def _shorthand(num: str, unit: int) -> int:
    """``num`` times ``unit`` (1000 for rb, 1.000.000 for jt), refused unless it is whole rupiah."""
    if _WHOLE.match(num):
        amount = Decimal(num.replace(".", ""))
    elif _DECIMAL.match(num):
        amount = Decimal(num.replace(",", "."))
    else:
        raise RupiahInputError(MSG_SHORTHAND)
    if len(str(int(amount))) > 16:  # far beyond any maximum; never multiply a huge typed number
        raise RupiahInputError(MSG_TOO_LARGE, max=format_rupiah_input(MAX_RUPIAH))
    value = amount * unit
    if value != value.to_integral_value():
        raise RupiahInputError(MSG_FRACTION)
    return int(value)


def _bounded(value: int, allow_negative: bool, maximum: int) -> int:
    if value < 0:
        if not allow_negative:
            raise RupiahInputError(MSG_NEGATIVE)
    if abs(value) > maximum:
        raise RupiahInputError(MSG_TOO_LARGE, max=format_rupiah_input(maximum))
    return value


def format_rupiah_input(value: int | None) -> str:
    """The value as a form shows it back: ``1250000`` -> ``"1.250.000"`` (no "Rp": the label says it)."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return sign + f"{abs(value):,}".replace(",", ".")
