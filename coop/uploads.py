"""Uploaded spreadsheets read within bounds: the one reader of every importer (issue 14, finding 6).

An importer (residents, savings opening balances, ledger opening balances) reads its upload with
:func:`read_table` and walks the rows with :func:`data_rows`; it never lists the rows of a file.

* An XLSX is refused (:class:`~coop.errors.PayloadTooLarge`, 413) before openpyxl reads it when its zip
  members unpack past ``max_unpacked_mb`` or are compressed more than ``max_compression_ratio`` times
  (:func:`check_zip`).
* A header or a row wider than ``max_columns`` (trailing blank cells do not count) is a
  :class:`~coop.errors.ValidationError` (422, ``too_many_columns``); openpyxl builds at most
  ``max_columns + 1`` cells a row.
* The row after ``max_rows`` data rows (blank rows count: they cost reading too) is a 413 ``too_many_rows``.
* A cell longer than ``max_cell_chars`` is the importer's row error ``cell_too_long`` (:func:`too_long`).
* Errors go to an :class:`ErrorList`: the first ``max_errors`` are listed, every one is counted by code.

The bounds are :class:`ImportLimits`, from the ``IMPORT_*`` settings (:class:`coop.config.Config`).
"""
from __future__ import annotations

import csv
import io
import re
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from coop import clock
from coop.errors import PayloadTooLarge, ValidationError
from coop.text import one_language


def msg(indonesian: str, english: str) -> str:
    """An import report's or API error's message in the reader's language (:func:`coop.text.one_language`)."""
    return one_language(indonesian, english)


@dataclass(frozen=True)
class ImportLimits:
    """Bounds of one import (settings ``IMPORT_<NAME>``; see :class:`coop.config.Config`)."""

    max_rows: int = 200_000
    max_columns: int = 100
    max_cell_chars: int = 1000
    #: errors (and warnings) listed in the report; the rest are only counted, by code
    max_errors: int = 1000
    max_unpacked_mb: int = 300
    max_compression_ratio: int = 100
    #: rows written per unit of work (an importer that writes in batches)
    batch_rows: int = 2000

    @classmethod
    def from_config(cls, config: Mapping) -> ImportLimits:
        return cls(**{f.name: int(config[key]) for f in fields(cls) if (key := "IMPORT_" + f.name.upper()) in config})


DEFAULT_LIMITS = ImportLimits()


class UnreadableFile(Exception):
    """The upload is neither a readable CSV nor an XLSX workbook."""


class ErrorList(list):
    """The first ``limit`` errors (a list like any other); :attr:`total` and :attr:`counts` (by code) count
    every error added, also those past the limit, which are not kept."""

    def __init__(self, limit: int = DEFAULT_LIMITS.max_errors) -> None:
        super().__init__()
        self.limit = limit
        self.total = 0
        self.counts: Counter = Counter()

    def add(self, item, code: str) -> None:
        self.total += 1
        self.counts[code] += 1
        if len(self) < self.limit:
            self.append(item)

    @property
    def unlisted(self) -> int:
        return self.total - len(self)

    def summary(self) -> str:
        """``"3 kesalahan (amount: 2, unknown_account: 1)"``, plus how many are listed when not all are."""
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(self.counts.items()))
        shown = msg(f"; {len(self)} pertama ditampilkan", f"; the first {len(self)} are listed") if self.unlisted else ""
        return msg(f"{self.total} kesalahan ({codes}){shown}", f"{self.total} errors ({codes}){shown}")


# --------------------------------------------------------------------------------------------
# Cells
# --------------------------------------------------------------------------------------------

def plain_cell(v):
    """A cell as an importer sees it: text stripped, a date(time) cell as ``YYYY-MM-DD``, numbers as they
    are (int, float), None for an empty cell."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def too_long(value, limits: ImportLimits = DEFAULT_LIMITS) -> bool:
    return isinstance(value, str) and len(value) > limits.max_cell_chars


def too_long_message(limits: ImportLimits = DEFAULT_LIMITS) -> str:
    return msg(f"isi sel lebih dari {limits.max_cell_chars} karakter",
               f"the cell holds more than {limits.max_cell_chars} characters")


def _blank(v) -> bool:
    return v is None or v == ""


def header_names(header: Iterable) -> list[str]:
    """Column names lower-cased and stripped ("" for an empty header cell)."""
    return [str(h if h is not None else "").strip().lower() for h in header]


def duplicate_names(names: Iterable[str]) -> list[str]:
    """The names given more than once (counted: linear, not pairwise), sorted."""
    counts = Counter(n for n in names if n)
    return sorted(n for n, k in counts.items() if k > 1)


# --------------------------------------------------------------------------------------------
# Bounds
# --------------------------------------------------------------------------------------------

def check_zip(data: bytes, limits: ImportLimits = DEFAULT_LIMITS) -> None:
    """Refuse a zip (an XLSX) that unpacks past ``max_unpacked_mb`` in total, or with a member over 1 MB
    unpacked that is compressed more than ``max_compression_ratio`` times (a spreadsheet of real data packs
    5-20 times; a zip bomb 1,000 times). The sizes are the zip's own directory entries; ``zipfile`` stops a
    member at its declared size, so a lying entry cannot unpack more than it declares."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise UnreadableFile("Berkas XLSX tidak dapat dibaca (BadZipFile).") from None
    total = sum(i.file_size for i in infos)
    if total > limits.max_unpacked_mb * 1024 * 1024:
        raise PayloadTooLarge(msg(
            f"Berkas XLSX terlalu besar setelah dibuka ({total // (1024 * 1024)} MB, maks. {limits.max_unpacked_mb} MB).",
            f"the XLSX file unpacks too large ({total // (1024 * 1024)} MB, max {limits.max_unpacked_mb} MB)"),
            fields={"file": ["xlsx_too_large"]})
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > limits.max_compression_ratio * max(1, i.compress_size):
            raise PayloadTooLarge(msg(
                f"Berkas XLSX dimampatkan secara tidak wajar ({i.file_size // max(1, i.compress_size)} kali).",
                f"the XLSX file is compressed abnormally ({i.file_size // max(1, i.compress_size)} times)"),
                fields={"file": ["xlsx_over_compressed"]})


def check_columns(header: list, limits: ImportLimits = DEFAULT_LIMITS) -> None:
    """:raises ValidationError: a header wider than ``max_columns``."""
    if len(header) > limits.max_columns:
        raise ValidationError(msg(f"Berkas punya {len(header)} kolom (maks. {limits.max_columns}).",
                                  f"the file has {len(header)} columns (max {limits.max_columns})"),
                              fields={"file": ["too_many_columns"]})


def data_rows(rows: Iterable[list], limits: ImportLimits = DEFAULT_LIMITS) -> Iterator[tuple[int, list]]:
    """``(spreadsheet row number, cells)`` from row 2 (the header is row 1), streamed.

    :raises PayloadTooLarge: at the row after ``max_rows`` rows (the rest of the file is not read).
    :raises ValidationError: a row with a non-blank cell past column ``max_columns``.
    """
    cap = limits.max_columns
    for rowno, row in enumerate(rows, start=2):
        if rowno - 1 > limits.max_rows:
            raise PayloadTooLarge(msg(f"Berkas punya lebih dari {limits.max_rows} baris.",
                                      f"the file has more than {limits.max_rows} rows"),
                                  fields={"file": ["too_many_rows"]})
        if len(row) > cap:
            if not all(_blank(v) for v in row[cap:]):
                raise ValidationError(msg(f"Baris {rowno} punya lebih dari {cap} kolom.",
                                          f"row {rowno} has more than {cap} columns"),
                                      fields={"file": ["too_many_columns"]})
            row = row[:cap]
        yield rowno, row


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

def read_table(data: bytes, filename: str = "", limits: ImportLimits = DEFAULT_LIMITS,
               cell: Callable = plain_cell,
               csv_cell: Callable[[str], Any] | None = None) -> tuple[list[str], Iterator[list]]:
    """``(header, rows)`` of a CSV (UTF-8 or Windows-1252; ``,`` ``;`` or tab separated, from the header
    line) or an XLSX workbook's first sheet; each cell through ``cell`` (a CSV's through ``csv_cell`` when
    given: its cells are always text, so ``str.strip`` does what a ``cell`` that strips text does, in C).

    ``rows`` is a generator (a file is never held as a list of rows); walk it with :func:`data_rows`. A
    malformed row further down raises :class:`UnreadableFile` from the generator. The header has no
    trailing blank cells and is at most ``max_columns`` wide (:func:`check_columns`).

    :raises UnreadableFile: neither CSV nor XLSX, or empty.
    :raises PayloadTooLarge: an XLSX that unpacks too large (:func:`check_zip`).
    """
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        check_zip(data, limits)
        header, rows = _read_xlsx(data, limits, cell)
    else:
        header, rows = _read_csv(data, csv_cell or cell)
    while header and header[-1] == "":
        header.pop()
    check_columns(header, limits)
    return header, rows


def _header_cell(v) -> str:
    v = plain_cell(v)
    return "" if v is None else str(v)


def _read_csv(data: bytes, cell: Callable):
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise UnreadableFile("Berkas tidak dapat dibaca sebagai teks CSV.")
    if "\x00" in text:
        raise UnreadableFile("Berkas bukan CSV atau XLSX.")
    first = text[:text.find("\n")] if "\n" in text else text
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [_header_cell(c) for c in next(reader)]
    except StopIteration:
        raise UnreadableFile("Berkas kosong.") from None
    except csv.Error as exc:
        raise UnreadableFile(msg(f"berkas CSV rusak ({exc})", f"malformed CSV file ({exc})")) from None

    def gen():
        try:
            for row in reader:
                yield list(map(cell, row))
        except csv.Error as exc:  # a field past csv's own size limit, a NUL: the user's file, not a 500
            raise UnreadableFile(msg(f"berkas CSV rusak ({exc})", f"malformed CSV file ({exc})")) from None
    return header, gen()


def _read_xlsx(data: bytes, limits: ImportLimits, cell: Callable):
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any malformed upload (zip, XML, openpyxl's own errors) is the user's file, not a 500
        raise UnreadableFile(f"Berkas XLSX tidak dapat dibaca ({exc.__class__.__name__}).") from None
    # one cell more than allowed: enough to see a row is too wide, never 16,384 cells a row
    rows = wb.worksheets[0].iter_rows(values_only=True, max_col=limits.max_columns + 1)
    try:
        header = [_header_cell(c) for c in next(rows)]
    except StopIteration:
        wb.close()
        raise UnreadableFile("Lembar kerja kosong.") from None
    except Exception as exc:  # malformed sheet XML
        wb.close()
        raise UnreadableFile(f"Berkas XLSX tidak dapat dibaca ({exc.__class__.__name__}).") from None

    def gen():
        try:
            for row in rows:
                yield [cell(c) for c in row]
        except Exception as exc:  # malformed XML further down the sheet: the user's file, not a 500
            raise UnreadableFile(f"Berkas XLSX tidak dapat dibaca ({exc.__class__.__name__}).") from None
        finally:
            wb.close()
    return header, gen()


# --- a file kept between a dry run and the import (issue 15, item 9) ------------------------------------------

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
#: how long a dry run's file is kept for "Impor file ini"
STAGED_FOR_SECONDS = 24 * 3600
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def stage(folder: str, cooperative_id: int, data: bytes, filename: str) -> str:
    """Keep an uploaded file under ``folder/<cooperative>/<token>`` so the user can import it after the dry
    run without choosing it again; returns the unguessable token. One file per token; the name is kept
    (sanitised) for the extension the reader needs."""
    token = uuid.uuid4().hex
    target = Path(folder) / str(int(cooperative_id))
    target.mkdir(parents=True, exist_ok=True)
    stale = clock.now_utc().timestamp() - STAGED_FOR_SECONDS
    for old in target.iterdir():  # dry runs never imported: forget them after a day
        if old.stat().st_mtime < stale:
            old.unlink(missing_ok=True)
    name = _SAFE_NAME.sub("_", filename or "berkas")[-100:] or "berkas"
    (target / f"{token}.bin").write_bytes(data)
    (target / f"{token}.name").write_text(name, encoding="utf-8")
    return token


def staged(folder: str, cooperative_id: int, token: str) -> tuple[bytes, str] | None:
    """The file :func:`stage` kept under ``token`` for this cooperative (None: unknown, another
    cooperative's, or not a token)."""
    if not _TOKEN.match(token or ""):
        return None
    base = Path(folder) / str(int(cooperative_id))
    data, name = base / f"{token}.bin", base / f"{token}.name"
    if not data.is_file() or not name.is_file():
        return None
    return data.read_bytes(), name.read_text(encoding="utf-8")


def unstage(folder: str, cooperative_id: int, token: str) -> None:
    """Forget a staged file (after its import)."""
    if _TOKEN.match(token or ""):
        for suffix in (".bin", ".name"):
            (Path(folder) / str(int(cooperative_id)) / f"{token}{suffix}").unlink(missing_ok=True)
