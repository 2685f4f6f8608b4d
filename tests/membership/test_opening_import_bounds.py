"""The savings opening-balance import is bounded (issue 14, finding 6) and validates before its one write
transaction (finding 5): rows streamed through coop.uploads, an over-compressed XLSX refused before openpyxl
reads it, cells and the listed errors bounded; the page says so and writes nothing."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from coop.db import atomic, db, in_unit_of_work
from coop.errors import Conflict, PayloadTooLarge
from coop.ledger import chart
from coop.ledger.models import JournalEntry
from coop.ledger.services import account_by_code
from coop.savings import imports
from coop.savings import services as savings
from coop.uploads import ImportLimits
from tests.uploads_helpers import zip_bomb as _bomb


def _openings(coop) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
        JournalEntry.cooperative_id == coop.id, JournalEntry.idempotency_key.like("savings.opening:%")))


def _post_page(web, text_or_bytes, name="saldo.csv", dry=False, value_date=None):
    data = text_or_bytes.encode() if isinstance(text_or_bytes, str) else text_or_bytes
    form = {"value_date": value_date.isoformat(), "file": (io.BytesIO(data), name)}
    if dry:
        form["dry_run"] = "y"
    return web.post("/members/import", data=form, content_type="multipart/form-data")


def test_rows_past_the_limit_are_a_413_and_the_rest_of_the_file_is_not_read(coop, make_member, today):
    """With max_rows 3, does a file of 4 rows raise PayloadTooLarge too_many_rows and post nothing?"""
    m = make_member(coop)
    text = "member_number,kind,amount\n" + f"{m.member_number},sukarela,1000\n" * 4
    rows = imports.read_table("s.csv", text.encode(), ImportLimits(max_rows=3))
    with pytest.raises(PayloadTooLarge) as exc:
        imports.import_opening_balances(coop.id, rows, today, actor=None, dry_run=False,
                                        limits=ImportLimits(max_rows=3))
    assert exc.value.status == 413 and exc.value.fields == {"file": ["too_many_rows"]}
    assert _openings(coop) == 0


def test_an_over_compressed_xlsx_is_refused_before_openpyxl_reads_it(coop, monkeypatch):
    """Is a 5 MB sheet packed ~1,000 times a 413 xlsx_over_compressed, with openpyxl never called?"""
    monkeypatch.setattr("coop.uploads.load_workbook", lambda *a, **k: pytest.fail("openpyxl must not read it"))
    with pytest.raises(PayloadTooLarge) as exc:
        imports.read_table("saldo.xlsx", _bomb())
    assert exc.value.fields == {"file": ["xlsx_over_compressed"]}


def test_a_cell_of_1001_characters_is_a_row_error_and_nothing_is_posted(coop, make_member, today):
    """Row 3's member_number is 1,001 characters: is it a cell_too_long error on row 3, nothing posted?"""
    m = make_member(coop)
    text = f"member_number,kind,amount\n{m.member_number},sukarela,1000\n{'K' * 1001},sukarela,1000\n"
    res = imports.import_opening_balances(coop.id, imports.read_table("s.csv", text.encode()), today,
                                          actor=None, dry_run=False)
    assert [(e["row"], e["field"]) for e in res.errors] == [(3, "member_number")]
    assert res.error_counts == {"cell_too_long": 1} and res.created == 0 and _openings(coop) == 0


def test_listed_errors_stop_at_the_limit_and_every_one_is_counted(coop, make_member, today):
    """30 unknown members and 2 bad amounts with max_errors 10: 10 listed, 32 counted by code?"""
    m = make_member(coop)
    text = ("member_number,kind,amount\n" + "".join(f"KDM-9{i:05d},sukarela,1000\n" for i in range(30))
            + f"{m.member_number},sukarela,12.5\n{m.member_number},wajib,-5\n")
    limits = ImportLimits(max_errors=10)
    res = imports.import_opening_balances(coop.id, imports.read_table("s.csv", text.encode(), limits), today,
                                          actor=None, dry_run=True, limits=limits)
    assert len(res.errors) == 10 and res.error_total == 32 and res.rows == 32
    assert res.error_counts == {"invalid_amount": 2, "unknown_member": 30}
    assert res.errors[0]["row"] == 2 and res.errors[-1]["row"] == 11


def test_validation_holds_no_write_transaction_and_the_posting_one(coop, make_member, today, monkeypatch):
    """Called outside atomic, does validation run with no unit of work open, and the posting in one?
    Worked example: sukarela 1.250.000 and wajib 240.000 = 1.490.000 credited against Saldo Awal."""
    m1, m2 = make_member(coop), make_member(coop)
    seen = {}
    validate, post = imports._validate, imports._post

    def spy_validate(*a, **k):
        seen["validate"] = in_unit_of_work()
        return validate(*a, **k)

    def spy_post(*a, **k):
        seen["post"] = in_unit_of_work()
        return post(*a, **k)

    monkeypatch.setattr(imports, "_validate", spy_validate)
    monkeypatch.setattr(imports, "_post", spy_post)
    saldo_awal_before = account_by_code(coop.id, chart.SALDO_AWAL).balance
    text = f"member_number;kind;amount\n{m1.member_number};sukarela;1.250.000\n{m2.member_number};wajib;240000\n"
    res = imports.import_opening_balances(coop.id, imports.read_table("s.csv", text.encode()), today,
                                          actor=None, dry_run=False)
    assert seen == {"validate": False, "post": True}
    assert res.created == 2 and res.total == 1_490_000
    assert savings.account_for(coop.id, m1.id, "sukarela").balance == 1_250_000
    assert savings.account_for(coop.id, m2.id, "wajib").balance == 240_000
    db.session.expire_all()
    assert abs(account_by_code(coop.id, chart.SALDO_AWAL).balance - saldo_awal_before) == 1_490_000


def test_an_opening_imported_between_validation_and_the_write_is_a_409_and_nothing_posts(
        coop, make_member, today, monkeypatch):
    """Another import of m1's sukarela commits after validation read the books: is the file refused with
    409 at the write (re-checked under the lock) and m2's row not posted either?"""
    m1, m2 = make_member(coop), make_member(coop)
    validate = imports._validate
    one = [{"member_number": m1.member_number, "kind": "sukarela", "amount": "5000"}]

    def validate_then_race(*a, **k):
        specs = validate(*a, **k)
        monkeypatch.setattr(imports, "_validate", validate)
        imports.import_opening_balances(coop.id, one, today, actor=None, dry_run=False)  # commits
        return specs

    monkeypatch.setattr(imports, "_validate", validate_then_race)
    text = f"member_number,kind,amount\n{m1.member_number},sukarela,7000\n{m2.member_number},sukarela,9000\n"
    with pytest.raises(Conflict) as exc:
        imports.import_opening_balances(coop.id, imports.read_table("s.csv", text.encode()), today,
                                        actor=None, dry_run=False)
    assert exc.value.fields == {"file": ["already_imported"]}
    db.session.expire_all()
    assert savings.account_for(coop.id, m1.id, "sukarela").balance == 5000
    assert savings.account_for(coop.id, m2.id, "sukarela").balance == 0


def test_page_says_too_many_rows_and_refuses_a_zip_bomb(app, coop, users, login, make_member, today, monkeypatch):
    """With IMPORT_MAX_ROWS 2, does the page name the row limit for 3 rows, and the compression for a
    zip bomb (no 500), and post nothing?"""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    m = make_member(coop)
    web = login(users["treasurer"])
    resp = _post_page(web, "member_number,kind,amount\n" + f"{m.member_number},sukarela,1000\n" * 3,
                      value_date=today)
    assert resp.status_code == 200 and "lebih dari 2 baris" in resp.get_data(as_text=True)
    resp = _post_page(web, _bomb(), "saldo.xlsx", value_date=today)
    assert resp.status_code == 200 and "dimampatkan secara tidak wajar" in resp.get_data(as_text=True)
    assert _openings(coop) == 0


def test_page_lists_the_first_errors_and_counts_the_rest(app, coop, users, login, today, monkeypatch):
    """With IMPORT_MAX_ERRORS 5 and 12 unknown members, does the page say 12 errors, list 5 rows and count
    the rest by code?"""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ERRORS", 5)
    web = login(users["treasurer"])
    text = "member_number,kind,amount\n" + "".join(f"KDM-9{i:05d},sukarela,1000\n" for i in range(12))
    page = _post_page(web, text, dry=True, value_date=today).get_data(as_text=True)
    assert "12 kesalahan" in page and page.count("anggota tidak ditemukan") == 5
    assert "Ditampilkan 5 kesalahan pertama dari 12" in page and "unknown_member</code>: 12" in page


def test_cli_reports_a_zip_bomb_without_a_traceback(coop, runner, tmp_path):
    """Does ``flask members import-balances`` on a zip bomb exit with the 413 message, not a traceback?"""
    f = tmp_path / "saldo.xlsx"
    f.write_bytes(_bomb())
    out = runner.invoke(args=["members", "import-balances", "--cooperative-id", str(coop.id), "--date",
                              "2024-12-31", str(f)])
    assert out.exit_code == 1 and "dimampatkan secara tidak wajar" in out.output and out.exception is not None
    assert isinstance(out.exception, SystemExit)


def test_opening_import_still_works_inside_a_callers_unit_of_work(coop, make_member, today):
    """Inside atomic (as before), is the import validated and posted in the caller's unit of work?"""
    m = make_member(coop)
    rows = [{"member_number": m.member_number, "kind": "sukarela", "amount": "25.000"}]
    res = atomic(imports.import_opening_balances, coop.id, rows, today, actor=None, dry_run=False)
    assert res.created == 1 and savings.account_for(coop.id, m.id, "sukarela").balance == 25_000
