"""Web-page tests. The English catalogue is compiled (``translations/*/LC_MESSAGES/messages.mo``, not
committed) before any test runs, so ``pytest`` works without ``make translations``."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


def compile_translations() -> None:
    """Compile every stale .po to .mo atomically (xdist workers may do it at the same time)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh)
        fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)


def pytest_configure(config):
    compile_translations()
