"""The tests' PDF reader (tests/pdf_text.py) against the stream framing fpdf2 writes."""
from __future__ import annotations

import zlib

from tests.pdf_text import pdf_streams, pdf_text


def _deflated_ending_in_cr() -> tuple[str, bytes]:
    """A text whose deflated bytes end in CR (the adler-32 checksum's last byte: one text in ~256)."""
    for i in range(100_000):
        text = f"BT (DICABUT {i}{'.' * (i % 97)}) Tj ET"
        raw = zlib.compress(text.encode("latin-1"))
        if raw.endswith(b"\r"):
            return text, raw
    raise AssertionError("no such text in 100,000 tries")  # pragma: no cover


def test_a_deflated_stream_ending_in_cr_is_read_whole():
    """Does a content stream whose deflated bytes end in CR come out whole? fpdf2 frames it as
    "stream\\n" + bytes + "\\nendstream"; the old pattern (CR optional before the closing LF) ate that CR, the
    stream no longer inflated and the certificate test read "" (CI, 2026-12-04). A plain stream beside it
    comes out as it is."""
    text, raw = _deflated_ending_in_cr()
    pdf = (b"%%PDF-1.3\n1 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n" % len(raw) + raw
           + b"\nendstream\nendobj\n2 0 obj\n<</Length 5>>\nstream\nhello\nendstream\nendobj\n")
    assert pdf_streams(pdf) == [text, "hello"]
    assert "(DICABUT" in pdf_text(pdf)
