"""Flask-free text helpers for every layer: ``N_`` marks a message for translation where it is defined
(module level, models, services) and is translated later, where it is shown (a page, an API response)."""
from __future__ import annotations


def N_(message: str) -> str:
    """Mark ``message`` for extraction (pybabel ``-k N_``) without translating it now."""
    return message
