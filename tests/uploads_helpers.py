"""Test helpers for uploaded files (shared by the registry, savings and ledger import tests)."""
from __future__ import annotations

import io
import zipfile


def zip_bomb(unpacked_mb: int = 5) -> bytes:
    """A 'workbook' whose sheet is ``unpacked_mb`` MB of one repeated byte: it packs about 1,000 times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b" " * (unpacked_mb * 1024 * 1024))
    return buf.getvalue()
