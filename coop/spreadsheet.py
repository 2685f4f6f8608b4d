"""Values safe for spreadsheet cells.

XLSX (XML 1.0) cannot hold most ASCII control characters; openpyxl raises ``IllegalCharacterError`` for
them. Text typed by users (memos, names) or imported from files can carry them, and an export must never
fail on stored data, so every XLSX writer passes its rows through :func:`safe_row`.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

#: The characters openpyxl refuses (its ``ILLEGAL_CHARACTERS_RE``): C0 controls except tab, LF and CR.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


#: A text cell starting with one of these is read as a formula by spreadsheet programs (CSV) or
#: stored as one by openpyxl (XLSX): ``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_value(text: str) -> str:
    """Text that stays text in a spreadsheet: a leading formula character gets a ``'`` in front (OWASP
    "CSV injection"). Only for spreadsheet cells; numbers are never passed here and stay numbers."""
    return "'" + text if text.startswith(FORMULA_START) else text


def printable(text: str) -> str:
    """``text`` without the control characters XLSX and PDF cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def cell_value(value):
    """A value for an XLSX or CSV cell: text loses the characters a worksheet cannot hold and never
    starts a formula; non-text values (int, Decimal, date, None) are unchanged."""
    if isinstance(value, str):
        return text_value(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def safe_row(values: Iterable) -> list:
    """One spreadsheet row (XLSX ``ws.append`` or ``csv.writer.writerow``) through :func:`cell_value`."""
    return [cell_value(v) for v in values]
