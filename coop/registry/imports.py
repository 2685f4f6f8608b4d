"""Bulk import of residents from CSV or XLSX: all or nothing, idempotent, update by NIK.

The column names are the field names of ``POST /api/v1/residents`` (:data:`COLUMNS`); the header is the
first row. Row numbers in the report are spreadsheet rows (the header is row 1, the first resident row 2).

:func:`run_import` validates every row first (the same rules as the form and the API, plus duplicates in the
file and one head of family per KK); with any error, or with ``dry_run``, it writes nothing and reports what
would happen. Otherwise it creates new households and residents in bulk and updates the residents whose
NIK exists and whose values differ. Re-importing the same file creates and updates nothing.
"""
from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from coop import audit
from coop.db import db, utcnow
from coop.formatting import mask_nik
from coop.registry import rules, services
from coop.registry.models import Household, Resident

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


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    dry_run: bool = True
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "dry_run": self.dry_run, "committed": self.committed,
                "errors": [vars(e) for e in self.errors], "warnings": [vars(w) for w in self.warnings]}


class UnreadableFile(Exception):
    """The upload is neither a readable CSV nor an XLSX workbook."""


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------

def _cell(v) -> str | None:
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


def read_table(data: bytes, filename: str = "") -> tuple[list[str], Iterator[list[str | None]]]:
    """``(header, rows)`` of a CSV (UTF-8, ``,`` ``;`` or tab separated) or an XLSX workbook's first sheet."""
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        return _read_xlsx(data)
    return _read_csv(data)


def _read_csv(data: bytes):
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
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile("Berkas kosong.") from None
    return header, ([_cell(c) for c in row] for row in reader)


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any malformed upload (zip, XML, openpyxl's own errors) is the user's file, not a 500
        raise UnreadableFile(f"Berkas XLSX tidak dapat dibaca ({exc.__class__.__name__}).") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        header = [_cell(c) or "" for c in next(rows)]
    except StopIteration:
        raise UnreadableFile("Lembar kerja kosong.") from None

    def gen():
        try:
            for row in rows:
                yield [_cell(c) for c in row]
        finally:
            wb.close()
    return header, gen()


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
    from openpyxl import Workbook
    from openpyxl.styles import Font

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
# The import
# --------------------------------------------------------------------------------------------

def _chunks(items: list, n: int = _CHUNK) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def run_import(cooperative_id: int, header: list[str], rows: Iterable[list[str | None]], *, actor,  # noqa: C901, PLR0915 -- to split by row stage (issue 16 item 1)
               dry_run: bool, as_of: date | None, progress: Callable[[int], None] | None = None,
               source: str = "") -> ImportReport:
    """Validate every row, then (unless ``dry_run`` or any error) create and update residents.

    Runs inside the caller's unit of work: with errors nothing is written; otherwise every change commits
    together. ``progress(n)`` is called as rows are validated and as they are written.
    """
    report = ImportReport(dry_run=dry_run)
    names = [str(h or "").strip().lower() for h in header]
    missing = [c for c in rules.REQUIRED if c not in names]
    if missing:
        for c in missing:
            report.errors.append(RowError(1, c, rules.msg("kolom wajib tidak ada", "required column is missing")))
        return report
    dupes = {n for n in names if n and names.count(n) > 1}
    for n in sorted(dupes):
        report.errors.append(RowError(1, n, rules.msg("kolom ganda", "duplicate column")))
    if dupes:
        return report
    for n in names:
        if n and n not in COLUMNS:
            report.warnings.append(RowError(1, n, rules.msg("kolom tidak dikenal, diabaikan",
                                                            "unknown column, ignored")))
    index = [(i, n) for i, n in enumerate(names) if n in COLUMNS]

    # 1. Validate each row on its own.
    parsed: list[tuple[int, dict]] = []
    seen_nik: dict[str, int] = {}
    for rowno, raw in enumerate(rows, start=2):
        values = {n: (raw[i] if i < len(raw) else None) for i, n in index}
        if all(v in (None, "") for v in values.values()):
            continue
        report.rows += 1
        numeric = [n for n, v in values.items() if isinstance(v, str) and v.startswith("#ANGKA:")]
        for n in numeric:
            report.errors.append(RowError(rowno, n, rules.msg(
                "sel berisi angka, bukan teks: ketik ulang sebagai teks (Excel merusak angka 16 digit)",
                "the cell holds a number, not text: retype it as text (Excel breaks 16-digit numbers)")))
            values[n] = None
        clean, check = services.validate_resident_data(values, as_of=as_of)
        for fld, msgs in check.errors.items():
            if fld not in numeric:
                for m in msgs:
                    report.errors.append(RowError(rowno, fld, m))
        for w in check.warnings:
            report.warnings.append(RowError(rowno, "nik", w))
        if "nik" in clean:
            first = seen_nik.setdefault(clean["nik"], rowno)
            if first != rowno:
                report.errors.append(RowError(rowno, "nik", rules.msg(f"NIK ganda, sama dengan baris {first}",
                                                                      f"duplicate NIK, same as row {first}")))
                continue
        if check.ok and not numeric:
            if not clean.get("status"):
                clean["status"] = "hidup"
            parsed.append((rowno, clean))
        if progress and report.rows % 500 == 0:
            progress(500)
    if progress and report.rows % 500:
        progress(report.rows % 500)

    # 2. Compare with the database: existing residents by NIK (plain rows, no ORM objects), households by KK.
    cols = [Resident.id, Resident.nik, Resident.household_id, *(getattr(Resident, k) for k in _UPDATABLE)]
    existing: dict[str, sa.Row] = {}
    for chunk in _chunks([c["nik"] for _, c in parsed]):
        for row in db.session.execute(sa.select(*cols).where(Resident.cooperative_id == cooperative_id,
                                                             Resident.nik.in_(chunk))):
            existing[row.nik] = row
    households: dict[str, int] = {}  # kk_number -> household id
    for chunk in _chunks(sorted({c["kk_number"] for _, c in parsed})):
        households.update(db.session.execute(sa.select(Household.kk_number, Household.id).where(
            Household.cooperative_id == cooperative_id, Household.kk_number.in_(chunk))).all())
    kk_of_household = {hid: kk for kk, hid in households.items()}
    missing_hh = sorted({r.household_id for r in existing.values()} - set(kk_of_household))
    for chunk in _chunks(missing_hh):
        kk_of_household.update(db.session.execute(sa.select(Household.id, Household.kk_number).where(
            Household.id.in_(chunk))).all())

    # 3. One head of family per KK: heads in the file plus heads already stored and not in the file.
    file_niks = {c["nik"] for _, c in parsed}
    heads: dict[str, list[tuple[int, str]]] = {}
    for chunk in _chunks(sorted(households.values())):
        for nik, kk in db.session.execute(
                sa.select(Resident.nik, Household.kk_number).join(Household, Household.id == Resident.household_id)
                .where(Resident.household_id.in_(chunk), Resident.relationship == "kepala_keluarga")):
            if nik not in file_niks:
                heads.setdefault(kk, []).append((0, nik))
    for rowno, c in parsed:
        if c.get("relationship") == "kepala_keluarga":
            heads.setdefault(c["kk_number"], []).append((rowno, c["nik"]))
    for kk, hs in heads.items():
        for rowno, _nik in hs[1:]:
            if rowno:
                report.errors.append(RowError(rowno, "relationship", rules.msg(
                    f"KK {kk} sudah punya kepala keluarga", f"KK {kk} already has a head of family")))

    # 4. Plan: create, update or leave alone.
    to_create: list[dict] = []
    to_update: list[tuple[sa.Row, dict]] = []
    for _, c in parsed:
        r = existing.get(c["nik"])
        if r is None:
            to_create.append(c)
            continue
        changes = {k: c.get(k) for k in _UPDATABLE if k in c and getattr(r, k) != c.get(k)}
        if kk_of_household.get(r.household_id) != c["kk_number"]:
            changes["kk_number"] = c["kk_number"]
        if changes:
            to_update.append((r, changes))
    report.created = len(to_create)
    report.updated = len(to_update)
    report.unchanged = len(parsed) - report.created - report.updated
    report.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.field) if e.field in COLUMNS else 99))
    if report.errors and not dry_run:
        # nothing is written: report no creations or updates (a dry run shows what valid rows would do)
        report.created = report.updated = report.unchanged = 0
    if report.errors or dry_run:
        return report

    # 5. Write, in bulk (multi-row INSERT/UPDATE statements, not one ORM object per row).
    for code in sorted({c["village_code"] for _, c in parsed}):
        services.ensure_village(code)
    now = utcnow()
    new_households: dict[str, dict] = {}
    for _, c in parsed:
        if c["kk_number"] not in households and c["kk_number"] not in new_households:
            new_households[c["kk_number"]] = {
                "cooperative_id": cooperative_id, "kk_number": c["kk_number"], "address": c.get("address"),
                "rt": c.get("rt"), "rw": c.get("rw"), "dusun": c.get("dusun"), "village_code": c["village_code"],
                "created_at": now, "updated_at": now}
    for chunk in _chunks(list(new_households.values())):
        db.session.execute(sa.insert(Household), chunk)
    for chunk in _chunks(sorted(new_households)):
        households.update(db.session.execute(sa.select(Household.kk_number, Household.id).where(
            Household.cooperative_id == cooperative_id, Household.kk_number.in_(chunk))).all())
    touched = {households[kk] for kk in new_households}
    audit.record_many(actor, "registry.household_create", "household", [
        (households[kk], {"kk_number": mask_nik(kk), "import": source}) for kk in sorted(new_households)],
        cooperative_id=cooperative_id)
    for chunk in _chunks(to_create):
        db.session.execute(sa.insert(Resident), [
            {"cooperative_id": cooperative_id, "household_id": households[c["kk_number"]], "pmi_status": "none",
             "created_at": now, "updated_at": now, **{k: c.get(k) for k in services.RESIDENT_FIELDS}}
            for c in chunk])
        ids = dict(db.session.execute(sa.select(Resident.nik, Resident.id).where(
            Resident.cooperative_id == cooperative_id, Resident.nik.in_([c["nik"] for c in chunk]))).all())
        audit.record_many(actor, "registry.resident_create", "resident", [
            (ids[c["nik"]], {"nik": mask_nik(c["nik"]), "household_id": households[c["kk_number"]], "import": source})
            for c in chunk], cooperative_id=cooperative_id)
        touched.update(households[c["kk_number"]] for c in chunk)
        if progress:
            progress(len(chunk))
    updates = []
    for r, changes in to_update:
        touched.add(r.household_id)
        kk = changes.pop("kk_number", None)
        row = {"id": r.id, "updated_at": now, **changes}
        if kk is not None:
            row["household_id"] = households[kk]
            touched.add(households[kk])
        updates.append(row)
    by_columns: dict[tuple, list[dict]] = {}
    for row in updates:  # one executemany per set of changed columns
        by_columns.setdefault(tuple(sorted(row)), []).append(row)
    for rows_ in by_columns.values():
        for chunk in _chunks(rows_):
            db.session.execute(sa.update(Resident), chunk)
    audit.record_many(actor, "registry.resident_update", "resident", [
        (row["id"], {"changes": sorted(k for k in row if k not in ("id", "updated_at")), "import": source})
        for row in updates], cooperative_id=cooperative_id)
    if updates and progress:
        progress(len(updates))
    services.sync_heads(cooperative_id, touched)
    services.refresh_pmi_status(cooperative_id, touched)
    audit.record(actor, "registry.import", "import", None,
                 {"source": source, "rows": report.rows, "created": report.created, "updated": report.updated},
                 cooperative_id=cooperative_id)
    db.session.flush()
    # Rows changed behind the ORM's back: objects the caller holds must reload.
    db.session.expire_all()
    report.committed = True
    return report


def import_file(cooperative_id: int, data: bytes, filename: str, *, actor, dry_run: bool, as_of: date | None,
                progress: Callable[[int], None] | None = None) -> ImportReport:
    """Read ``data`` (CSV or XLSX) and :func:`run_import` it. An unreadable file is a row-1 error."""
    try:
        header, rows = read_table(data, filename)
        rows = list(rows)
    except (UnreadableFile, csv.Error) as exc:
        report = ImportReport(dry_run=dry_run)
        text = str(exc) if isinstance(exc, UnreadableFile) else rules.msg(
            f"berkas CSV rusak ({exc})", f"malformed CSV file ({exc})")
        report.errors.append(RowError(1, "file", text))
        return report
    return run_import(cooperative_id, header, rows, actor=actor, dry_run=dry_run, as_of=as_of, progress=progress,
                      source=filename)
