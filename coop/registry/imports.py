"""Bulk import of residents from CSV or XLSX: all or nothing, idempotent, update by NIK.

The column names are the field names of ``POST /api/v1/residents`` (:data:`COLUMNS`); the header is the
first row. Row numbers in the report are spreadsheet rows (the header is row 1, the first resident row 2).

:func:`run_import` validates every row first (the same rules as the form and the API, plus duplicates in the
file and one head of family per KK); with any error, or with ``dry_run``, it writes nothing and reports what
would happen. Otherwise it creates new households and residents in bulk and updates the residents whose
NIK exists and whose values differ. Re-importing the same file creates and updates nothing.

*The write lock* (issue 14, finding 5). Called outside a unit of work (the page, the API, the CLI), the
import reads and validates with no write transaction open, then writes in batches of whole households
(:attr:`ImportLimits.batch_rows` rows), each its own short unit of work, under a
:class:`~coop.registry.models.ImportJob` row: a deposit waits for one batch, never for the file. Each batch
first checks, under the write lock, that what validation read is still so; if a batch fails, the batches
already committed are taken back (created rows deleted, updated rows restored, the job ``undone``), so the
import stays all or nothing. Called inside an open unit of work (``flask demo``) it writes in that one.

*Bounds* (finding 6). Rows are streamed, never listed; rows, columns, characters a cell and the listed
errors are bounded (:class:`~coop.uploads.ImportLimits`, from the ``IMPORT_*`` settings); an XLSX is refused
before openpyxl reads it when its zip members unpack too large or too compressed. The reader and the bounds
are :mod:`coop.uploads`, shared with the savings and ledger opening-balance imports.
"""
from __future__ import annotations

import codecs
import collections
import csv
import functools
import io
import operator
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.dialects import postgresql

from coop import audit, uploads
from coop.db import BulkInsert, Prepared, atomic, db, in_unit_of_work, utcnow
from coop.formatting import mask_nik
from coop.registry import rules, services
from coop.registry.models import Household, ImportJob, Resident
from coop.uploads import DEFAULT_LIMITS, ErrorList, ImportLimits, UnreadableFile, check_zip  # noqa: F401 -- re-exported

COLUMNS = rules.REQUIRED + rules.OPTIONAL
#: Column help for the template and docs: (column, required, description).
COLUMN_HELP = [
    ("nik", True, "NIK 16 digit (NIK sementara diawali 0)"),
    ("kk_number", True, "Nomor KK 16 digit"),
    ("full_name", True, "Nama lengkap"),
    ("sex", True, "M/L (laki-laki) atau F/P (perempuan)"),
    ("birth_place", True, "Tempat lahir"),
    ("birth_date", True, "Tanggal lahir YYYY-MM-DD atau DD-MM-YYYY"),
    ("village_code", True, "Kode desa Kemendagri 10 digit, mis. 3504042001"),
    ("address", False, "Alamat"),
    ("rt", False, "RT (angka)"),
    ("rw", False, "RW (angka)"),
    ("dusun", False, "Dusun"),
    ("phone", False, "Nomor telepon"),
    ("relationship", False, "Hubungan dalam keluarga: " + ", ".join(rules.RELATIONSHIPS)),
    ("education", False, "Pendidikan: " + ", ".join(rules.EDUCATION)),
    ("occupation", False, "Pekerjaan"),
    ("marital_status", False, "Status kawin: " + ", ".join(rules.MARITAL_STATUSES)),
    ("status", False, "Status penduduk: " + ", ".join(rules.RESIDENT_STATUSES) + " (kosong = hidup)"),
]
EXAMPLE_ROW = {"nik": "3504044505900001", "kk_number": "3504041203150003", "full_name": "Sri Wahyuni",
               "sex": "F", "birth_place": "Tulungagung", "birth_date": "1990-05-05", "village_code": "3504042001",
               "address": "Jl. Raya Pakel 12", "rt": "001", "rw": "002", "dusun": "Krajan", "phone": "081234567890",
               "relationship": "kepala_keluarga", "education": "slta", "occupation": "Wiraswasta",
               "marital_status": "cerai_hidup", "status": "hidup"}
_CHUNK = 1000
#: Stored fields an import row can change (``is_temporary_nik`` follows the NIK).
_UPDATABLE = ("is_temporary_nik", "full_name", "sex", "birth_place", "birth_date", "village_code", "address",
              "rt", "rw", "dusun", "phone", "relationship", "education", "occupation", "marital_status", "status")




@dataclass
class RowError:
    row: int
    field: str
    message: str
    code: str = "invalid"


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: the first ``max_errors`` errors (and warnings); every one counted (:class:`coop.uploads.ErrorList`)
    errors: ErrorList = field(default_factory=ErrorList)
    warnings: ErrorList = field(default_factory=ErrorList)
    dry_run: bool = True
    committed: bool = False
    max_errors: int = DEFAULT_LIMITS.max_errors

    def __post_init__(self) -> None:
        self.errors.limit = self.warnings.limit = self.max_errors

    @property
    def ok(self) -> bool:
        return not self.error_total

    @property
    def error_total(self) -> int:
        """Every error, also those past ``max_errors`` that are not listed."""
        return self.errors.total

    @property
    def warning_total(self) -> int:
        return self.warnings.total

    @property
    def error_counts(self) -> Counter:
        return self.errors.counts

    def error(self, row: int, fld: str, message: str, code: str) -> None:
        self.errors.add(RowError(row, fld, message, code), code)

    def warn(self, row: int, fld: str, message: str, code: str) -> None:
        self.warnings.add(RowError(row, fld, message, code), code)

    def to_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "dry_run": self.dry_run, "committed": self.committed,
                # the items as before this report counted codes (API body unchanged); codes only in error_counts
                "errors": [_item(e) for e in self.errors], "warnings": [_item(w) for w in self.warnings],
                "error_total": self.error_total, "warning_total": self.warning_total,
                "error_counts": dict(sorted(self.error_counts.items()))}


def _item(e: RowError) -> dict:
    return {"row": e.row, "field": e.field, "message": e.message}


# --------------------------------------------------------------------------------------------
# Reading files (coop.uploads: the bounded reader of every importer)
# --------------------------------------------------------------------------------------------

def _cell(v) -> str | None:
    if v.__class__ is str:  # every CSV cell, most XLSX cells: the one check on the hot path
        return v.strip()
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return str(v)
    if not isinstance(v, str):
        # A number typed into a spreadsheet cell (Excel keeps 15 significant digits: a NIK is destroyed).
        return "#ANGKA:" + repr(v)
    return v.strip()


def read_table(data: bytes, filename: str = "",
               limits: ImportLimits = DEFAULT_LIMITS) -> tuple[list[str], Iterator[list[str | None]]]:
    """``(header, rows)`` of a CSV or XLSX upload as text cells (:func:`coop.uploads.read_table`): rows
    streamed, an XLSX refused (:class:`PayloadTooLarge`) before openpyxl reads it when it unpacks too large."""
    return uploads.read_table(data, filename, limits, cell=_cell, csv_cell=str.strip)


# --------------------------------------------------------------------------------------------
# Template
# --------------------------------------------------------------------------------------------

def template_csv() -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerow([EXAMPLE_ROW.get(c, "") for c in COLUMNS])
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def template_xlsx() -> bytes:

    wb = Workbook()
    ws = wb.active
    ws.title = "penduduk"
    ws.append(list(COLUMNS))
    ws.append([EXAMPLE_ROW.get(c, "") for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = 18
        for c in col:
            c.number_format = "@"  # text: Excel must not turn a NIK into a number
    help_ws = wb.create_sheet("petunjuk")
    help_ws.append(["kolom", "wajib", "keterangan"])
    for name, required, text in COLUMN_HELP:
        help_ws.append([name, "ya" if required else "tidak", text])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# The import: validate (reads only), then write in batches
# --------------------------------------------------------------------------------------------

def _chunks(items: list, n: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


#: A stored resident as validation read it (the columns an import compares and may change).
_Stored = collections.namedtuple("_Stored", ["id", "nik", "household_id", *_UPDATABLE])  # type: ignore[misc]
#: The lengths an IN list of a look-up is padded to (with its last value): one statement compiled per length.
_IN_SIZES = (16, 128, _CHUNK)
#: The "size" of a look-up by ``= ANY(array)`` (PostgreSQL): one parameter however many values. psycopg
#: caches the parsing of a query only up to 4 kB: an IN list of 1,000 placeholders is parsed again every
#: time it runs (about 5 ms of Python, issue 17).
_ARRAY = 0


@functools.cache
def _lookup(query: str, size: int) -> Prepared:
    """A look-up of the cooperative's residents by NIK or households by KK, ``size`` values in its IN list
    (:data:`_ARRAY`: ``= ANY(:vals)``, PostgreSQL), compiled once (:class:`coop.db.Prepared`): an expanding IN of 1,000 values costs SQLAlchemy a few ms
    of Python each time it runs; an import runs dozens of them (issue 17)."""
    r, h = Resident.__table__, Household.__table__
    t = h if query.startswith("household") else r
    col = t.c.kk_number if t is h else t.c.nik
    where = (t.c.cooperative_id == sa.bindparam("cid", type_=t.c.cooperative_id.type),
             col == sa.any_(sa.bindparam("vals", type_=postgresql.ARRAY(col.type))) if size == _ARRAY
             else col.in_([sa.bindparam(f"v{i}", type_=col.type) for i in range(size)]))
    if query == "residents":
        return Prepared(sa.select(*(r.c[k] for k in _Stored._fields)).where(*where))
    if query in ("resident_ids", "household_ids"):
        return Prepared(sa.select(col, t.c.id).where(*where))
    return Prepared(sa.select(t.c.id).where(*where).limit(1))  # any_resident, any_household


@functools.cache
def _value_names(size: int) -> tuple[str, ...]:
    return tuple(f"v{i}" for i in range(size))


def _select_in(query: str, cooperative_id: int, values: list[str]) -> list[tuple]:
    """The rows of :func:`_lookup` ``query`` for any number of values (chunks of at most 1,000: on
    PostgreSQL one array parameter each, elsewhere an IN list padded to one of :data:`_IN_SIZES`)."""
    out: list[tuple] = []
    if not values:
        return out
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        for chunk in _chunks(values):
            # planned with its values every time: as a server-side prepared statement (psycopg, after 5 runs)
            # the generic plan filters the cooperative's rows against the whole array, row by row (seconds
            # for a 10,000-row import whose tables have no statistics yet)
            out.extend(_lookup(query, _ARRAY).run(conn, {"cid": cooperative_id, "vals": chunk}, server_prepare=False))
        return out
    for chunk in _chunks(values):
        size = next(n for n in _IN_SIZES if n >= len(chunk))
        params = dict(zip(_value_names(size), chunk + [chunk[-1]] * (size - len(chunk)), strict=True))
        params["cid"] = cooperative_id
        out.extend(_lookup(query, size).run(conn, params))
    return out


@dataclass
class _Plan:
    """What a valid file does: rows to create, rows to update (with the stored values validation read),
    the households that exist by KK."""

    rows: list[dict] = field(default_factory=list)
    to_create: list[dict] = field(default_factory=list)
    to_update: list[tuple[_Stored, dict, dict]] = field(default_factory=list)
    households: dict[str, int] = field(default_factory=dict)


class _ChangedMeanwhile(Exception):
    """A batch found the registry changed since validation read it (a concurrent write)."""


def _validate_rows(header: list[str], rows: Iterable[list[str | None]], report: ImportReport, *,  # noqa: C901 -- header, bounds and row checks in one streaming pass
                   as_of: date | None, limits: ImportLimits,
                   progress: Callable[[int], None] | None) -> list[dict] | None:
    """Check the header and every row on its own; the clean rows (``None`` when the header is wrong).
    Rows are streamed and bounded by :func:`coop.uploads.data_rows`."""
    uploads.check_columns(header, limits)
    names = uploads.header_names(header)
    for c in rules.REQUIRED:
        if c not in names:
            report.error(1, c, rules.msg("kolom wajib tidak ada", "required column is missing"), "missing_column")
    if report.error_total:
        return None
    for n in uploads.duplicate_names(names):
        report.error(1, n, rules.msg("kolom ganda", "duplicate column"), "duplicate_column")
    if report.error_total:
        return None
    for n in names:
        if n and n not in COLUMNS:
            report.warn(1, n[:100], rules.msg("kolom tidak dikenal, diabaikan", "unknown column, ignored"),
                        "unknown_column")
    index = [(i, n) for i, n in enumerate(names) if n in COLUMNS]
    # a full-width row's cells picked in C (most rows); a short row cell by cell
    known, pick, width = [n for _, n in index], operator.itemgetter(*(i for i, _ in index)), index[-1][0] + 1
    parsed: list[dict] = []
    seen_nik: dict[str, int] = {}
    rowno = 1
    try:
        for rowno, raw in uploads.data_rows(rows, limits):
            if len(raw) >= width:
                values = dict(zip(known, pick(raw), strict=True))
            else:
                values = {n: (raw[i] if i < len(raw) else None) for i, n in index}
            if not any(values.values()) and all(v in (None, "") for v in values.values()):
                continue
            report.rows += 1
            _validate_row(rowno, values, report, parsed, seen_nik, as_of=as_of, limits=limits)
            if progress and report.rows % 500 == 0:
                progress(500)
    except csv.Error as exc:
        report.error(rowno + 1, "file", rules.msg(f"berkas CSV rusak ({exc})", f"malformed CSV file ({exc})"),
                     "unreadable_file")
    except UnreadableFile as exc:
        report.error(rowno + 1, "file", str(exc), "unreadable_file")
    if progress and report.rows % 500:
        progress(report.rows % 500)
    return parsed


def _suspect(values: dict, max_chars: int) -> bool:
    """Whether a cell of the row may be a number cell or too long (then each cell is looked at): the
    text cells joined and measured in C, any other cell suspect."""
    cells = list(filter(None, values.values()))
    try:
        return max(map(len, cells), default=0) > max_chars or "#ANGKA:" in "\x1f".join(cells)
    except TypeError:  # a cell that is not text
        return True


def _validate_row(rowno: int, values: dict, report: ImportReport, parsed: list[dict], seen_nik: dict[str, int], *,
                  as_of: date | None, limits: ImportLimits) -> None:
    bad = set()
    max_chars = limits.max_cell_chars
    for n, v in (values.items() if _suspect(values, max_chars) else ()):
        if isinstance(v, str) and (v.startswith("#ANGKA:") or len(v) > max_chars):
            if v.startswith("#ANGKA:"):
                report.error(rowno, n, rules.msg(
                    "sel berisi angka, bukan teks: ketik ulang sebagai teks (Excel merusak angka 16 digit)",
                    "the cell holds a number, not text: retype it as text (Excel breaks 16-digit numbers)"),
                    "number_cell")
            else:
                report.error(rowno, n, uploads.too_long_message(limits), "cell_too_long")
            bad.add(n)
    for n in bad:
        values[n] = None
    clean, check = services.validate_resident_data(values, as_of=as_of)
    for fld, msgs in check.errors.items():
        if fld not in bad:
            for m in msgs:
                report.error(rowno, fld, m, f"invalid_{fld}")
    for w in check.warnings:
        report.warn(rowno, "nik", w, "nik_warning")
    if "nik" in clean:
        first = seen_nik.setdefault(clean["nik"], rowno)
        if first != rowno:
            report.error(rowno, "nik", rules.msg(f"NIK ganda, sama dengan baris {first}",
                                                 f"duplicate NIK, same as row {first}"), "duplicate_nik")
            return
    if check.ok and not bad:
        if not clean.get("status"):
            clean["status"] = "hidup"
        clean["_row"] = rowno
        parsed.append(clean)


def _plan(cooperative_id: int, parsed: list[dict], report: ImportReport) -> _Plan:  # noqa: C901 -- create/update/household lookups of one pass
    """Compare the clean rows with the database (reads only): existing residents by NIK (plain rows, no ORM
    objects), households by KK, one head of family per KK."""
    plan = _Plan(rows=parsed)
    existing: dict[str, _Stored] = {}
    for row in _select_in("residents", cooperative_id, [c["nik"] for c in parsed]):
        stored = _Stored._make(row)
        existing[stored.nik] = stored
    households = plan.households  # kk_number -> household id
    households.update(_select_in("household_ids", cooperative_id, sorted({c["kk_number"] for c in parsed})))
    kk_of_household = {hid: kk for kk, hid in households.items()}
    missing_hh = sorted({r.household_id for r in existing.values()} - set(kk_of_household))
    for chunk in _chunks(missing_hh):
        kk_of_household.update(db.session.execute(sa.select(Household.id, Household.kk_number).where(
            Household.id.in_(chunk))).all())

    file_niks = {c["nik"] for c in parsed}
    heads: dict[str, list[tuple[int, str]]] = {}
    for chunk in _chunks(sorted(households.values())):
        for nik, kk in db.session.execute(
                sa.select(Resident.nik, Household.kk_number).join(Household, Household.id == Resident.household_id)
                .where(Resident.household_id.in_(chunk), Resident.relationship == "kepala_keluarga")):
            if nik not in file_niks:
                heads.setdefault(kk, []).append((0, nik))
    for c in parsed:
        if c.get("relationship") == "kepala_keluarga":
            heads.setdefault(c["kk_number"], []).append((c["_row"], c["nik"]))
    for kk, hs in heads.items():
        for rowno, _nik in hs[1:]:
            if rowno:
                report.error(rowno, "relationship", rules.msg(
                    f"KK {kk} sudah punya kepala keluarga", f"KK {kk} already has a head of family"), "second_head")

    for c in parsed:
        r = existing.get(c["nik"])
        if r is None:
            plan.to_create.append(c)
            continue
        changes = {k: c.get(k) for k in _UPDATABLE if k in c and getattr(r, k) != c.get(k)}
        if kk_of_household.get(r.household_id) != c["kk_number"]:
            changes["kk_number"] = c["kk_number"]
        if changes:
            plan.to_update.append((r, changes, c))
    return plan


def run_import(cooperative_id: int, header: list[str], rows: Iterable[list[str | None]], *, actor,
               dry_run: bool, as_of: date | None, progress: Callable[[int], None] | None = None,
               source: str = "", limits: ImportLimits = DEFAULT_LIMITS) -> ImportReport:
    """Validate every row, then (unless ``dry_run`` or any error) create and update residents.

    Outside a unit of work: validation only reads, then the writes commit in batches under an import job
    (all or nothing, see the module docstring). Inside one: everything is written in the caller's unit of
    work. ``progress(n)`` is called as rows are validated and as they are written.

    :raises PayloadTooLarge: more than ``limits.max_rows`` rows.
    :raises ValidationError: more than ``limits.max_columns`` columns (the header or a row).
    """
    report = ImportReport(dry_run=dry_run, max_errors=limits.max_errors)
    parsed = _validate_rows(header, rows, report, as_of=as_of, limits=limits, progress=progress)
    if parsed is None:
        return report
    plan = _plan(cooperative_id, parsed, report)
    report.created = len(plan.to_create)
    report.updated = len(plan.to_update)
    report.unchanged = len(parsed) - report.created - report.updated
    report.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.field) if e.field in COLUMNS else 99))
    if report.error_total and not dry_run:
        # nothing is written: report no creations or updates (a dry run shows what valid rows would do)
        report.created = report.updated = report.unchanged = 0
    if report.error_total or dry_run:
        return report
    try:
        _write(cooperative_id, plan, report, actor=actor, source=source, limits=limits, progress=progress)
    except _ChangedMeanwhile:
        report.created = report.updated = report.unchanged = 0
        report.error(1, "file", rules.msg(
            "Data penduduk berubah selama impor; tidak ada yang disimpan. Ulangi impor.",
            "the registry changed during the import; nothing was saved. Run the import again."), "changed_meanwhile")
        return report
    report.committed = True
    return report


def _batches(plan: _Plan, size: int) -> list[tuple[list[dict], list[tuple[_Stored, dict]]]]:
    """Creates and updates grouped by their (target) KK, whole households packed into batches of about
    ``size`` rows, so a household's head and members land in one batch."""
    by_kk: dict[str, tuple[list, list]] = {}
    for c in plan.to_create:
        by_kk.setdefault(c["kk_number"], ([], []))[0].append(c)
    for r, changes, c in plan.to_update:
        kk = changes.get("kk_number")
        by_kk.setdefault(kk or f"#{r.household_id}", ([], []))[1].append((r, changes, c))
    out: list[tuple[list, list]] = []
    creates: list = []
    updates: list = []
    for kk in sorted(by_kk):
        c, u = by_kk[kk]
        creates.extend(c)
        updates.extend(u)
        if len(creates) + len(updates) >= size:
            out.append((creates, updates))
            creates, updates = [], []
    if creates or updates:
        out.append((creates, updates))
    return out


@dataclass
class _Applied:
    """What the committed batches wrote, to take it back if a later batch fails."""

    residents: list[int] = field(default_factory=list)
    households: list[int] = field(default_factory=list)
    updated: list[_Stored] = field(default_factory=list)
    touched_existing: set[int] = field(default_factory=set)


def _write(cooperative_id: int, plan: _Plan, report: ImportReport, *, actor, source: str, limits: ImportLimits,
           progress: Callable[[int], None] | None) -> None:
    batches = _batches(plan, max(1, limits.batch_rows))
    job_id = atomic(_start_job, cooperative_id, plan, report, actor=actor, source=source)
    applied = _Applied()
    try:
        for creates, updates in batches:
            atomic(_apply_batch, cooperative_id, job_id, plan, creates, updates, applied, actor=actor, source=source)
            if progress:
                progress(len(creates) + len(updates))
        atomic(_finish_job, cooperative_id, job_id, report, actor=actor, source=source)
    except Exception:
        if not in_unit_of_work():  # the caller's unit of work rolls back everything by itself
            atomic(_undo, cooperative_id, job_id, applied, actor=actor, source=source)
        raise
    finally:
        # rows changed behind the ORM's back: objects the caller holds must reload
        db.session.expire_all()


def _start_job(cooperative_id: int, plan: _Plan, report: ImportReport, *, actor, source: str) -> int:
    job = ImportJob(cooperative_id=cooperative_id, source=source[:255], status="applying", rows=report.rows,
                    to_create=len(plan.to_create), to_update=len(plan.to_update), batches_done=0,
                    actor_id=getattr(actor, "id", None))
    db.session.add(job)
    db.session.flush()
    return job.id


def _finish_job(cooperative_id: int, job_id: int, report: ImportReport, *, actor, source: str) -> None:
    db.session.execute(sa.update(ImportJob).where(ImportJob.id == job_id).values(status="done", finished_at=utcnow()))
    audit.record(actor, "registry.import", "import", job_id,
                 {"source": source, "rows": report.rows, "created": report.created, "updated": report.updated},
                 cooperative_id=cooperative_id)
    db.session.flush()


def _check_unchanged(cooperative_id: int, plan: _Plan, creates: list[dict], updates: list[tuple[_Stored, dict, dict]],
                     new_kks: list[str]) -> None:
    """Under the write lock: what validation read for this batch is still so."""
    if _select_in("any_resident", cooperative_id, [c["nik"] for c in creates]):
        raise _ChangedMeanwhile
    if _select_in("any_household", cooperative_id, new_kks):
        raise _ChangedMeanwhile
    cols = [getattr(Resident, k) for k in _Stored._fields]
    for chunk in _chunks([r for r, _, _ in updates]):
        now = {row.id: row for row in db.session.execute(sa.select(*cols).where(Resident.id.in_([r.id for r in chunk])))}
        if any(tuple(now.get(r.id, ())) != tuple(r) for r in chunk):
            raise _ChangedMeanwhile


#: Columns of the bulk INSERTs (every value a bound parameter: :class:`coop.db.Prepared`).
_RESIDENT_COLUMNS = ("cooperative_id", "household_id", "pmi_status", "created_at", "updated_at",
                     *services.RESIDENT_FIELDS)
_HOUSEHOLD_COLUMNS = ("cooperative_id", "kk_number", "address", "rt", "rw", "dusun", "village_code", "created_at",
                      "updated_at")


@functools.cache
def _insert(table_name: str) -> BulkInsert:
    """``INSERT INTO households|residents`` without ids back (they are looked up by KK and NIK after): COPY
    on PostgreSQL, an executemany of plain tuples compiled once elsewhere (:class:`coop.db.BulkInsert`),
    not the statement cache, per-row parameter dictionaries and result object of ``connection.execute``
    (issue 17)."""
    t = {"households": Household.__table__, "residents": Resident.__table__}[table_name]
    return BulkInsert(t, _HOUSEHOLD_COLUMNS if table_name == "households" else _RESIDENT_COLUMNS)


@functools.cache
def _set_head(array: bool) -> Prepared:
    """Point new households at their heads: an executemany of ``(hid, head)`` rows, or on PostgreSQL
    (``array``) one UPDATE joining ``unnest(:hids, :heads)`` (psycopg's executemany costs about 30 us of
    Python a row, issue 17)."""
    t = Household.__table__
    at = sa.bindparam("at", type_=t.c.updated_at.type)
    if array:
        v = sa.func.unnest(sa.bindparam("hids", type_=postgresql.ARRAY(t.c.id.type)),
                           sa.bindparam("heads", type_=postgresql.ARRAY(t.c.head_resident_id.type))
                           ).table_valued("hid", "head").render_derived(name="v")
        return Prepared(sa.update(t).where(t.c.id == v.c.hid).values(head_resident_id=v.c.head, updated_at=at))
    return Prepared(sa.update(t).where(t.c.id == sa.bindparam("hid", type_=t.c.id.type)).values(
        head_resident_id=sa.bindparam("head", type_=t.c.head_resident_id.type), updated_at=at))


def _new_households(cooperative_id: int, households: dict[str, int], creates: list[dict],
                    updates: list[tuple[_Stored, dict, dict]]) -> dict[str, dict]:
    """The households of the batch's rows that do not exist yet, by KK (address from its first row)."""
    new: dict[str, dict] = {}
    for c in creates:
        kk = c["kk_number"]
        if kk not in households and kk not in new:
            new[kk] = {"kk_number": kk, "address": c.get("address"), "rt": c.get("rt"), "rw": c.get("rw"),
                       "dusun": c.get("dusun"), "village_code": c["village_code"]}
    for _r, changes, c in updates:
        kk = changes.get("kk_number")
        if kk is not None and kk not in households and kk not in new:
            new[kk] = {"kk_number": kk, "address": c.get("address"), "rt": c.get("rt"), "rw": c.get("rw"),
                       "dusun": c.get("dusun"), "village_code": c["village_code"]}
    return new


def _insert_households(conn: sa.Connection, cooperative_id: int, new_households: dict[str, dict], now, *,
                       actor, source: str) -> dict[str, int]:
    """INSERT the new households (and their audit rows); their ids by KK."""
    shared = {"cooperative_id": cooperative_id, "created_at": now, "updated_at": now}
    ids: dict[str, int] = {}
    for chunk in _chunks(list(new_households)):
        _insert("households").run(conn, [new_households[kk] for kk in chunk], shared=shared)
        ids.update(_select_in("household_ids", cooperative_id, chunk))
    audit.record_many(actor, "registry.household_create", "household", [
        (ids[kk], {"kk_number": mask_nik(kk), "import": source}) for kk in sorted(new_households)],
        cooperative_id=cooperative_id)
    return ids


def _insert_residents(conn: sa.Connection, cooperative_id: int, creates: list[dict], kk_ids: dict[str, int], now, *,
                      actor, source: str) -> tuple[list[int], dict[int, int]]:
    """INSERT the batch's new residents (and their audit rows): their ids, and the heads of family among
    them by household (the lowest id, as :func:`services.sync_heads` picks)."""
    shared = {"cooperative_id": cooperative_id, "pmi_status": "none", "created_at": now, "updated_at": now}
    # every field (None where the file has no such column) merged in C; a clean row's other keys (its row
    # number, its KK) ride along unused: the INSERT picks its columns by name
    empty = dict.fromkeys(services.RESIDENT_FIELDS)
    created: list[int] = []
    heads: dict[int, int] = {}
    for chunk in _chunks(creates):
        rows = [{**empty, **c, "household_id": kk_ids[c["kk_number"]]} for c in chunk]
        _insert("residents").run(conn, rows, shared=shared)
        ids = dict(_select_in("resident_ids", cooperative_id, [c["nik"] for c in chunk]))
        created.extend(ids.values())
        audit.record_many(actor, "registry.resident_create", "resident", [
            (ids[r["nik"]], {"nik": mask_nik(r["nik"]), "household_id": r["household_id"], "import": source})
            for r in rows], cooperative_id=cooperative_id)
        for r in rows:
            if r["relationship"] == "kepala_keluarga":
                rid, hid = ids[r["nik"]], r["household_id"]
                if rid < heads.get(hid, rid + 1):
                    heads[hid] = rid
    return created, heads


def _update_residents(cooperative_id: int, updates: list[tuple[_Stored, dict, dict]], kk_ids: dict[str, int], now, *,
                      actor, source: str) -> tuple[set[int], set[int]]:
    """UPDATE the changed residents (one executemany per set of changed columns) and audit them: the
    households they leave and the households they join."""
    rows_ = []
    left: set[int] = set()
    joined: set[int] = set()
    for r, changes, _ in updates:
        left.add(r.household_id)
        changes = dict(changes)
        kk = changes.pop("kk_number", None)
        row = {"id": r.id, "updated_at": now, **changes}
        if kk is not None:
            row["household_id"] = kk_ids[kk]
            joined.add(kk_ids[kk])
        rows_.append(row)
    by_columns: dict[tuple, list[dict]] = {}
    for row in rows_:  # one executemany per set of changed columns
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for group in by_columns.values():
        for chunk in _chunks(group):
            db.session.execute(sa.update(Resident), chunk)
    audit.record_many(actor, "registry.resident_update", "resident", [
        (row["id"], {"changes": sorted(k for k in row if k not in ("id", "updated_at")), "import": source})
        for row in rows_], cooperative_id=cooperative_id)
    return left, joined


def _apply_batch(cooperative_id: int, job_id: int, plan: _Plan, creates: list[dict],
                 updates: list[tuple[_Stored, dict, dict]], applied: _Applied, *, actor, source: str) -> None:
    """One batch in one unit of work (bulk, multi-row INSERT/UPDATE statements, not one ORM object per row).
    ``applied`` learns what was written only once the batch is flushed (its commit follows at once).

    Heads of family and PMI status: a household this batch creates whose members are all residents this
    batch creates gets its head from the rows (no query) and keeps PMI status ``none`` (new residents have
    no migration records); every other household the batch touches is recomputed from the database."""
    households = plan.households
    now = utcnow()
    new_households = _new_households(cooperative_id, households, creates, updates)
    _check_unchanged(cooperative_id, plan, creates, updates, sorted(new_households))
    for code in sorted({c["village_code"] for c in creates} | {c["village_code"] for _, _, c in updates}):
        services.ensure_village(code)
    db.session.flush()
    conn = db.session.connection()
    batch_households = _insert_households(conn, cooperative_id, new_households, now, actor=actor, source=source)
    kk_ids = {**households, **batch_households}
    created, heads = _insert_residents(conn, cooperative_id, creates, kk_ids, now, actor=actor, source=source)
    existing_touched, joined = _update_residents(cooperative_id, updates, kk_ids, now, actor=actor, source=source)
    new_ids = set(batch_households.values())
    fresh = new_ids - joined  # created by this batch, holding only residents created by this batch
    fresh_heads = [(hid, rid) for hid, rid in sorted(heads.items()) if hid in fresh]
    if fresh_heads and conn.dialect.name == "postgresql":
        _set_head(True).run(conn, {"hids": [h for h, _ in fresh_heads], "heads": [r for _, r in fresh_heads],
                                   "at": utcnow()})
    elif fresh_heads:
        _set_head(False).run(conn, [{"hid": h, "head": r} for h, r in fresh_heads], many=True, shared={"at": utcnow()})
    touched = {kk_ids[c["kk_number"]] for c in creates} | joined | existing_touched
    services.sync_heads(cooperative_id, touched - fresh)
    services.refresh_pmi_status(cooperative_id, touched - fresh)
    db.session.execute(sa.update(ImportJob).where(ImportJob.id == job_id)
                       .values(batches_done=ImportJob.batches_done + 1))
    db.session.flush()
    households.update(batch_households)
    applied.residents.extend(created)
    applied.households.extend(batch_households.values())
    applied.updated.extend(r for r, _, _ in updates)
    applied.touched_existing |= touched - new_ids


def _undo(cooperative_id: int, job_id: int, applied: _Applied, *, actor, source: str) -> None:
    """Take back the committed batches of a failed import: restore updated residents, delete created
    residents and households, recompute heads and PMI status of the households they touched."""
    restore = [{"id": r.id, "household_id": r.household_id, **{k: getattr(r, k) for k in _UPDATABLE}}
               for r in applied.updated]
    for chunk in _chunks(restore):
        db.session.execute(sa.update(Resident), chunk)
    for chunk in _chunks(applied.households):
        db.session.execute(sa.update(Household).where(Household.id.in_(chunk)).values(head_resident_id=None))
    for chunk in _chunks(applied.residents):
        db.session.execute(sa.delete(Resident).where(Resident.cooperative_id == cooperative_id, Resident.id.in_(chunk)))
    for chunk in _chunks(applied.households):
        db.session.execute(sa.delete(Household).where(Household.cooperative_id == cooperative_id,
                                                      Household.id.in_(chunk)))
    keep = applied.touched_existing - set(applied.households)
    services.sync_heads(cooperative_id, keep)
    services.refresh_pmi_status(cooperative_id, keep)
    db.session.execute(sa.update(ImportJob).where(ImportJob.id == job_id).values(status="undone", finished_at=utcnow()))
    audit.record(actor, "registry.import_undone", "import", job_id,
                 {"source": source, "residents_deleted": len(applied.residents),
                  "households_deleted": len(applied.households), "residents_restored": len(restore)},
                 cooperative_id=cooperative_id)
    db.session.flush()


def import_file(cooperative_id: int, data: bytes, filename: str, *, actor, dry_run: bool, as_of: date | None,
                progress: Callable[[int], None] | None = None,
                limits: ImportLimits = DEFAULT_LIMITS) -> ImportReport:
    """Read ``data`` (CSV or XLSX) and :func:`run_import` it. An unreadable file is a row-1 error.

    Call it outside :func:`coop.db.atomic` (it opens its own short units of work; see the module docstring).
    """
    try:
        header, rows = read_table(data, filename, limits)
    except UnreadableFile as exc:
        report = ImportReport(dry_run=dry_run, max_errors=limits.max_errors)
        report.error(1, "file", str(exc), "unreadable_file")
        return report
    return run_import(cooperative_id, header, rows, actor=actor, dry_run=dry_run, as_of=as_of, progress=progress,
                      source=filename, limits=limits)


def latest_job_status(cooperative_id: int, batch_rows: int) -> dict | None:
    """The newest import job of the cooperative as the import page polls it: ``status`` (applying, done,
    undone), ``processed`` rows (batches done x ``batch_rows``, at most the rows to write) of ``total``."""
    job = db.session.scalar(sa.select(ImportJob).where(ImportJob.cooperative_id == cooperative_id)
                            .order_by(ImportJob.id.desc()).limit(1))
    if job is None:
        return None
    total = job.to_create + job.to_update
    return {"id": job.id, "status": job.status, "total": total,
            "processed": total if job.status == "done" else min(total, job.batches_done * max(1, batch_rows))}
