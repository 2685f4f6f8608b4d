"""CSV/XLSX import: all or nothing, exact row-level report, idempotent re-upload, update by NIK."""
from __future__ import annotations

import copy
from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coop.audit.models import AuditLog
from coop.db import atomic, db
from coop.registry import imports
from coop.registry.models import Household, Resident
from tests.registry.importdata import to_csv, to_xlsx, village_rows


def _count(coop, model=Resident):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.cooperative_id == coop.id))


def _run(coop, data, name="data.csv", dry_run=False, actor=None, today=None):
    return atomic(imports.import_file, coop.id, data, name, actor=actor, dry_run=dry_run, as_of=today)


BAD = {  # index in the list -> (field, change, expected message fragment)
    10: ("nik", "35040401019", "16 digit"),
    200: ("sex", None, "jenis kelamin"),  # the sex flipped: the NIK no longer matches (reported on nik)
    450: ("birth_date", "1990-02-30", "tanggal lahir tidak valid"),
    700: ("kk_number", "3504041203150000", "0000"),
    998: ("village_code", "3504042999", "tabel Kemendagri"),
}


def _bad_rows():
    rows = village_rows(1000)
    bad = copy.deepcopy(rows)
    for i, (fld, value, _) in BAD.items():
        if fld == "sex":
            bad[i]["sex"] = "M" if bad[i]["sex"] == "F" else "F"
        else:
            bad[i][fld] = value
    return rows, bad


def test_1000_rows_with_5_bad_report_exactly_those_and_write_nothing(coop, users, today):
    """Done when: 1,000 rows with 5 bad rows report exactly those 5 (row, field, reason), write nothing;
    the corrected file creates 1,000 residents; uploading it again creates and updates nothing."""
    good, bad = _bad_rows()
    report = _run(coop, to_csv(bad), actor=users["officer"], today=today)
    assert report.rows == 1000 and not report.committed
    expected_fields = {i + 2: ("nik" if f == "sex" else f) for i, (f, _, _) in BAD.items()}
    assert [(e.row, e.field) for e in report.errors] == sorted(expected_fields.items())
    for e in report.errors:
        assert BAD[e.row - 2][2] in e.message, e
    assert _count(coop) == 0 and _count(coop, Household) == 0

    report = _run(coop, to_csv(good), actor=users["officer"], today=today)
    assert (report.rows, report.created, report.updated, report.errors, report.committed) == (1000, 1000, 0, [], True)
    assert _count(coop) == 1000
    assert _count(coop, Household) == len({r["kk_number"] for r in good})
    heads = db.session.scalar(sa.select(sa.func.count()).select_from(Household).where(
        Household.cooperative_id == coop.id, Household.head_resident_id.is_not(None)))
    assert heads == _count(coop, Household)

    audits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.cooperative_id == coop.id))
    created = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "registry.resident_create")).all()
    assert len(created) == 1000 and {a.actor_id for a in created} == {users["officer"].id}
    assert all(len(a.object_id or "") > 0 and "********" in a.summary for a in created)
    report = _run(coop, to_csv(good), actor=users["officer"], today=today)
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 0, 1000, [])
    assert _count(coop) == 1000
    # nothing changed, so only the import summary is audited
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.cooperative_id == coop.id)) == audits + 1


def test_changed_row_updates_resident_by_nik(coop, today):
    """Does re-importing 30 rows with a new name and RT on one and a new KK on another update exactly 2 (28
    unchanged), store RT as "009", and move the second resident into the first one's household?"""
    rows = village_rows(30)
    _run(coop, to_csv(rows), today=today)
    rows[5]["full_name"] = "Nama Baru"
    rows[5]["rt"] = "9"
    rows[7]["kk_number"] = rows[0]["kk_number"]  # moves to another household
    rows[7]["relationship"] = "famili_lain"
    report = _run(coop, to_csv(rows), today=today)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 28)
    r5 = db.session.scalar(sa.select(Resident).where(Resident.nik == rows[5]["nik"]))
    assert (r5.full_name, r5.rt) == ("Nama Baru", "009")
    r7 = db.session.scalar(sa.select(Resident).where(Resident.nik == rows[7]["nik"]))
    r0 = db.session.scalar(sa.select(Resident).where(Resident.nik == rows[0]["nik"]))
    assert r7.household_id == r0.household_id


def test_dry_run_writes_nothing_but_counts(coop, today):
    """Does a dry run of 20 rows count 20 created, no errors, not committed, and store nothing?"""
    rows = village_rows(20)
    report = _run(coop, to_csv(rows), dry_run=True, today=today)
    assert (report.created, report.errors, report.committed) == (20, [], False)
    assert _count(coop) == 0


def test_xlsx_import_and_numbers_typed_as_numbers(coop, today):
    """Does an XLSX of 12 rows import all 12, and in a sheet where a NIK is typed as an integer cell and an RT
    as 1.5 is the integer read exactly while the fractional RT (row 3) is refused with advice to type it as
    text ("teks")?"""
    rows = village_rows(12)
    report = _run(coop, to_xlsx(rows), "warga.xlsx", today=today)
    assert report.created == 12 and report.committed
    import io

    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(list(imports.COLUMNS))
    base = village_rows(2, serial_base=500)
    as_int = dict(base[0], nik=int(base[0]["nik"]))
    as_number = dict(base[1], rt=int(base[1]["rt"]) + 1 / 2)  # a non-integer number cell
    for r in (as_int, as_number):
        ws.append([r.get(c, "") for c in imports.COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    report = _run(coop, buf.getvalue(), "x.xlsx", today=today)
    # an integer cell is read exactly; a fractional number is refused with advice to type it as text
    assert [(e.row, e.field) for e in report.errors] == [(3, "rt")]
    assert "teks" in report.errors[0].message


def test_duplicates_and_two_heads_in_file(coop, today):
    """Does an import name a NIK repeated in the file (row 8, pointing at "baris 3") and a second
    kepala_keluarga in one KK (row 9, relationship)?"""
    rows = village_rows(6)
    rows.append(dict(rows[1]))  # same NIK again
    extra = dict(village_rows(1, serial_base=900)[0], kk_number=rows[0]["kk_number"], relationship="kepala_keluarga")
    rows.append(extra)
    report = _run(coop, to_csv(rows), today=today)
    assert [(e.row, e.field) for e in report.errors] == [(8, "nik"), (9, "relationship")]
    assert "baris 3" in report.errors[0].message


def test_missing_columns_semicolons_and_unreadable_files(coop, today):
    """Does an import name every missing column on row 1, read a semicolon-separated CSV (3 created), report a
    broken XLSX or an empty file on the file field, and name a 200.000-character cell as a broken ("rusak")
    row 2?"""
    report = _run(coop, b"nik;full_name\n123;X\n", today=today)
    assert {e.field for e in report.errors} == {"kk_number", "sex", "birth_place", "birth_date", "village_code"}
    assert all(e.row == 1 for e in report.errors)
    rows = village_rows(3)
    text = to_csv(rows).decode().replace(",", ";")
    assert _run(coop, text.encode(), today=today).created == 3
    report = _run(coop, b"PK\x03\x04garbage", "x.xlsx", today=today)
    assert report.errors[0].field == "file"
    assert _run(coop, b"", today=today).errors[0].field == "file"
    # rows are streamed after the header is checked: the broken row is named by its number
    header = ",".join(imports.COLUMNS).encode()
    huge = _run(coop, header + b'\n"' + b"x" * 200_000 + b'"\n', today=today).errors[0]
    assert (huge.row, huge.field) == (2, "file") and "rusak" in huge.message


def test_templates_have_the_documented_columns(coop, today):
    """Do the CSV and XLSX templates carry exactly the documented columns, and does the CSV template's example
    row import (1 created)?"""
    csv_bytes = imports.template_csv()
    header, rows = imports.read_table(csv_bytes, "t.csv")
    assert header == list(imports.COLUMNS)
    header, rows = imports.read_table(imports.template_xlsx(), "t.xlsx")
    assert header == list(imports.COLUMNS)
    # the example row itself imports
    assert _run(coop, csv_bytes, today=today).created == 1


def test_imported_family_of_pmi_becomes_keluarga(coop, make_pmi, today):
    """Does a child imported into the KK of an active PMI get pmi_status keluarga?"""
    pmi = make_pmi(coop, "aktif", "HK")
    row = dict(village_rows(1, serial_base=3000)[0], kk_number=pmi.kk_number, relationship="anak")
    _run(coop, to_csv([row]), today=today)
    r = db.session.scalar(sa.select(Resident).where(Resident.nik == row["nik"]))
    assert r.pmi_status == "keluarga"


def test_heads_of_households_the_import_creates_are_their_kepala_keluarga_rows(coop, today):
    """A household the import creates gets its head from the rows (no query after the insert): the same
    head as :func:`services.sync_heads` finds, and no head where no row is kepala_keluarga."""
    rows = village_rows(60, seed=4)
    for r in rows:
        if r["kk_number"] == rows[-1]["kk_number"]:
            r["relationship"] = "anak"  # a family without a head of family on the sheet
    report = _run(coop, to_csv(rows), today=today, name="k.csv")
    assert report.committed and report.created == 60
    heads = {kk: rid for kk, rid in db.session.execute(
        sa.select(Household.kk_number, Resident.id).join(Resident, Resident.household_id == Household.id)
        .where(Household.cooperative_id == coop.id, Resident.relationship == "kepala_keluarga")).all()}
    stored = dict(db.session.execute(sa.select(Household.kk_number, Household.head_resident_id).where(
        Household.cooperative_id == coop.id)).all())
    assert stored == {kk: heads.get(kk) for kk in stored}
    assert stored[rows[-1]["kk_number"]] is None and sum(v is not None for v in stored.values()) == len(stored) - 1


def test_imported_text_is_stored_exactly_as_in_the_file(coop, today):
    """Is every cell stored as the file has it (the bulk INSERT is a COPY on PostgreSQL): backslashes,
    a tab, quotes, ``\\N`` (COPY's NULL), a lone ``\\.`` and non-ASCII in the resident's and the new
    household's columns; an empty optional cell stays empty (NULL), not the text ``\\N``."""
    rows = village_rows(12, seed=9)
    odd = ["Jl. \\N Back\\slash 'q' \"dq\" \u00e9 \u4e2d", "a\tb\\tc\\\\N", "\\."]
    for r, text in zip(rows, odd, strict=False):
        r["address"] = text
    rows[3]["occupation"], rows[4]["dusun"] = "\\N", ""
    report = _run(coop, to_csv(rows), today=today, name="odd.csv")
    assert report.committed and report.created == 12
    got = {nik: (address, occupation, dusun) for nik, address, occupation, dusun in db.session.execute(
        sa.select(Resident.nik, Resident.address, Resident.occupation, Resident.dusun).where(
            Resident.cooperative_id == coop.id)).all()}
    assert got == {r["nik"]: (r["address"], r["occupation"], r["dusun"] or None) for r in rows}
    households = dict(db.session.execute(sa.select(Household.kk_number, Household.address).where(
        Household.cooperative_id == coop.id)).all())
    first = {}
    for r in rows:
        first.setdefault(r["kk_number"], r["address"])
    assert households == first


def test_pmi_moved_by_import_into_a_new_kk_makes_its_new_family_keluarga(coop, make_pmi, make_resident, today):
    """A household the import creates that an existing resident joins is recomputed from the database:
    the PMI's new family is keluarga, the family left behind is none again."""
    pmi = make_pmi(coop, "aktif", "HK")
    child = make_resident(coop, kk_number=pmi.household.kk_number, relationship="anak", birth_date=date(2012, 3, 4))
    assert child.pmi_status == "keluarga"
    new_kk = "3504040101209901"
    moved = {"nik": pmi.nik, "kk_number": new_kk, "full_name": pmi.full_name, "sex": pmi.sex,
             "birth_place": pmi.birth_place, "birth_date": pmi.birth_date.isoformat(),
             "village_code": pmi.village_code, "relationship": "anak"}
    head = dict(village_rows(1, serial_base=4100)[0], kk_number=new_kk, relationship="kepala_keluarga")
    report = _run(coop, to_csv([moved, head]), today=today)
    assert (report.created, report.updated, report.errors) == (1, 1, [])
    new_head = db.session.scalar(sa.select(Resident).where(Resident.nik == head["nik"]))
    db.session.refresh(pmi)
    assert pmi.household_id == new_head.household_id
    db.session.refresh(child)
    assert (new_head.pmi_status, pmi.pmi_status, child.pmi_status) == ("keluarga", "aktif", "none")
    assert new_head.household.head_resident_id == new_head.id


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.integers(min_value=0, max_value=29),
                               st.sampled_from(["full_name", "rt", "occupation", "phone"]), max_size=8),
       order=st.randoms(use_true_random=False))
def test_reimport_updates_exactly_the_changed_rows_in_any_order(make_coop, today, changes, order):
    """For any set of edited rows and any row order, the re-import updates exactly those rows, and a
    third upload of the same file changes nothing."""
    coop = make_coop("Prop")
    rows = village_rows(30, seed=3)
    _run(coop, to_csv(rows), today=today)
    edited = [dict(r) for r in rows]
    for i, fld in changes.items():
        edited[i][fld] = {"full_name": "Nama Diubah", "rt": "99", "occupation": "Nelayan", "phone": "0811111111"}[fld]
    order.shuffle(edited)
    report = _run(coop, to_csv(edited), today=today)
    assert (report.created, report.updated, report.errors) == (0, len(changes), [])
    report = _run(coop, to_csv(edited), today=today)
    assert (report.created, report.updated) == (0, 0)
