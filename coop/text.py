"""Flask-free text helpers for every layer: ``N_`` marks a message for translation where it is defined
(module level, models, services) and is translated later, where it is shown (a page, an API response)."""
from __future__ import annotations

import os

from flask import has_app_context
from flask_babel import get_locale


def N_(message: str) -> str:
    """Mark ``message`` for extraction (pybabel ``-k N_``) without translating it now."""
    return message


def reader_language() -> str:
    """``"en"`` or ``"id"``: the language of the page or API answer being made (Flask-Babel's locale
    selector), else ``COOP_LANG`` outside an app (a script), Bahasa Indonesia by default."""
    if has_app_context():
        lang = str(get_locale() or "id")
    else:
        lang = os.environ.get("COOP_LANG", "id")
    return "en" if lang == "en" else "id"


def one_language(indonesian: str, english: str) -> str:
    """The message in the reader's language only (issue 15: never "NIK harus 16 digit / NIK must be 16
    digits" at once). For messages built with numbers or names in them (an import's row errors, a NIK's
    length), where both wordings are written side by side at the call site; fixed messages use ``_()``/
    ``N_()`` and the catalogue."""
    return english if reader_language() == "en" else indonesian
