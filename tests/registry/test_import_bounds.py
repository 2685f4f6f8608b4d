"""Resident imports are bounded (issue 14, finding 6): rows, columns, cell sizes, the listed errors, and
XLSX files that unpack too large; rows are streamed, never listed."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from coop.db import db
from coop.errors import PayloadTooLarge, ValidationError
from coop.registry import imports
from coop.registry.models import Resident
from tests.registry.importdata import to_csv, village_rows
from tests.uploads_helpers import zip_bomb as _bomb


def _count(coop):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Resident).where(Resident.cooperative_id == coop.id))


def _upload(client, data: bytes, name: str):
    return client.client.post("/api/v1/registry/imports?dry_run=false", headers=client.headers,
                              data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")



def test_rows_are_streamed_and_the_first_row_past_the_limit_refuses_the_file(coop, today):
    """Is a file of endless rows refused after max_rows + 1 rows were read, without reading the rest?"""
    header = list(imports.COLUMNS)
    row = [village_rows(1)[0].get(c, "") for c in header]
    read = {"n": 0}

    def endless():
        while True:
            read["n"] += 1
            yield list(row)

    with pytest.raises(PayloadTooLarge) as exc:
        imports.run_import(coop.id, header, endless(), actor=None, dry_run=True, as_of=today,
                           limits=imports.ImportLimits(max_rows=50))
    assert read["n"] == 51 and exc.value.status == 413 and exc.value.fields == {"file": ["too_many_rows"]}


def test_listed_errors_stop_at_the_limit_and_the_rest_are_counted_by_code(coop, today):
    """30 rows with a 3-digit NIK and 2 too-long names, 10 errors listed: are all 32 counted, by code?"""
    rows = village_rows(30)
    for r in rows:
        r["nik"] = "123"
    rows[5]["full_name"] = rows[6]["full_name"] = "A" * 1001
    report = imports.import_file(coop.id, to_csv(rows), "w.csv", actor=None, dry_run=False, as_of=today,
                                 limits=imports.ImportLimits(max_errors=10))
    assert len(report.errors) == 10 and report.error_total == 32 and not report.ok
    assert report.error_counts == {"invalid_nik": 30, "cell_too_long": 2}
    body = report.to_dict()
    assert body["error_total"] == 32 and body["error_counts"] == {"cell_too_long": 2, "invalid_nik": 30}
    assert report.committed is False and _count(coop) == 0


def test_a_cell_of_1001_characters_is_a_row_error_and_1000_are_read(coop, today):
    """Is a 1,001-character occupation refused on its row while 1,000 characters pass the length bound?"""
    rows = village_rows(2)
    rows[0]["occupation"] = "x" * 1000  # passes the bound; the rule's own max (100) then speaks
    rows[1]["occupation"] = "x" * 1001
    report = imports.import_file(coop.id, to_csv(rows), "w.csv", actor=None, dry_run=True, as_of=today)
    by_row = {e.row: e.code for e in report.errors}
    assert by_row[3] == "cell_too_long" and by_row.get(2) != "cell_too_long"


def test_too_many_columns_is_a_422_naming_the_file(coop, today):
    """Does a header of 101 columns get a ValidationError before any row is read?"""
    header = list(imports.COLUMNS) + [f"x{i}" for i in range(101 - len(imports.COLUMNS))]
    with pytest.raises(ValidationError) as exc:
        imports.run_import(coop.id, header, iter(()), actor=None, dry_run=True, as_of=today)
    assert exc.value.fields == {"file": ["too_many_columns"]}


def test_duplicate_header_names_are_found_in_a_wide_header(coop, today):
    """Is each doubled column named once (counted, not compared pairwise)?"""
    header = list(imports.COLUMNS) + ["nik", "dusun", "dusun"]
    report = imports.run_import(coop.id, header, iter(()), actor=None, dry_run=True, as_of=today)
    assert [(e.row, e.field, e.code) for e in report.errors] == [(1, "dusun", "duplicate_column"),
                                                                 (1, "nik", "duplicate_column")]


def test_an_over_compressed_xlsx_is_refused_before_openpyxl_reads_it(coop, today, monkeypatch):
    """Is a 5 MB sheet packed ~1,000 times a 413, and an XLSX unpacking past the total a 413 too?"""
    monkeypatch.setattr("coop.uploads.load_workbook", lambda *a, **k: pytest.fail("openpyxl must not read it"))
    with pytest.raises(PayloadTooLarge) as exc:
        imports.import_file(coop.id, _bomb(), "b.xlsx", actor=None, dry_run=True, as_of=today)
    assert exc.value.fields == {"file": ["xlsx_over_compressed"]}
    with pytest.raises(PayloadTooLarge) as exc:
        imports.import_file(coop.id, _bomb(), "b.xlsx", actor=None, dry_run=True, as_of=today,
                            limits=imports.ImportLimits(max_unpacked_mb=4, max_compression_ratio=10**6))
    assert exc.value.fields == {"file": ["xlsx_too_large"]}


def test_api_refuses_oversized_files_with_the_error_envelope(app, api, users, coop, monkeypatch):
    """Does the API answer 413 payload_too_large for too many rows or a zip bomb and write nothing?"""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 5)
    client = api(users["officer"])
    resp = _upload(client, to_csv(village_rows(6)), "w.csv")
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "payload_too_large" and resp.json["error"]["fields"] == {
        "file": ["too_many_rows"]}
    resp = _upload(client, _bomb(), "w.xlsx")
    assert resp.status_code == 413 and resp.json["error"]["fields"] == {"file": ["xlsx_over_compressed"]}
    resp = _upload(client, to_csv(village_rows(5)), "w.csv")
    assert resp.status_code == 200 and resp.json["created"] == 5 and resp.json["error_total"] == 0
    assert _count(coop) == 5


def test_page_shows_a_message_for_a_file_with_too_many_rows(app, login, users, coop, monkeypatch):
    """Does the import page say the file has too many rows (no 500) and write nothing?"""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 5)
    web = login(users["officer"])
    resp = web.post("/registry/import", data={"file": (io.BytesIO(to_csv(village_rows(6))), "w.csv")},
                    content_type="multipart/form-data")
    assert resp.status_code == 200 and "lebih dari 5 baris" in resp.get_data(as_text=True)
    assert _count(coop) == 0
