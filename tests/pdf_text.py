"""The text an fpdf2 PDF draws, for tests that read a PDF: its content streams, inflated."""
from __future__ import annotations

import re
import zlib

#: fpdf2 writes every stream as ``stream\n`` + data + ``\nendstream`` (``fpdf/syntax.py``): one LF on each
#: side, never CR. The tests' old pattern allowed ``\r?`` before the closing LF, which cut the last byte off
#: a compressed stream ending in CR (about one PDF in 256: a certificate's random token changes the bytes);
#: the stream no longer inflated and the test read no text (a CI run of 2026-12-04 failed so).
_STREAM = re.compile(rb"stream\n(.*?)\nendstream", re.S)


def pdf_streams(data: bytes) -> list[str]:
    """Every stream of ``data`` as text (latin-1): inflated when it is deflated, as it is otherwise."""
    out = []
    for raw in _STREAM.findall(data):
        try:
            out.append(zlib.decompress(raw).decode("latin-1"))
        except zlib.error:
            out.append(raw.decode("latin-1"))
    return out


def pdf_text(data: bytes) -> str:
    """The text drawn on the pages (and any other stream) of an fpdf2 PDF, streams joined by newlines."""
    return "\n".join(pdf_streams(data))
