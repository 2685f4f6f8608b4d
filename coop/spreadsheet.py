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


def cell_value(value):
    """``value`` with the characters a worksheet cannot hold removed (non-text values unchanged)."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def safe_row(values: Iterable) -> list:
    return [cell_value(v) for v in values]
