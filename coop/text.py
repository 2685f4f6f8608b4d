"""Flask-free text helpers for every layer: ``N_`` marks a message for translation where it is defined
(module level, models, services) and is translated later, where it is shown (a page, an API response)."""
from __future__ import annotations

import os
from collections.abc import Callable

#: Where the reader's language comes from while a page or API answer is made: coop/i18n.py registers
#: Flask-Babel's locale here (this module stays Flask-free); returns None outside a request/app.
_reader_locale: Callable[[], str | None] | None = None


def set_reader_locale(fn: Callable[[], str | None]) -> None:
    """Register the function that tells the current reader's locale (coop/i18n.py at app start)."""
    global _reader_locale
    _reader_locale = fn


def N_(message: str) -> str:
    """Mark ``message`` for extraction (pybabel ``-k N_``) without translating it now."""
    return message


def reader_language() -> str:
    """``"en"`` or ``"id"``: the language of the page or API answer being made (Flask-Babel's locale
    selector), else ``COOP_LANG`` outside an app (a script), Bahasa Indonesia by default."""
    lang = _reader_locale() if _reader_locale is not None else None
    if lang is None:
        lang = os.environ.get("COOP_LANG", "id")
    return "en" if lang == "en" else "id"


def one_language(indonesian: str, english: str) -> str:
    """The message in the reader's language only (issue 15: never "NIK harus 16 digit / NIK must be 16
    digits" at once). For messages built with numbers or names in them (an import's row errors, a NIK's
    length), where both wordings are written side by side at the call site; fixed messages use ``_()``/
    ``N_()`` and the catalogue."""
    return english if reader_language() == "en" else indonesian
