"""The ledger opening-balance import is bounded (issue 14, finding 6) and builds its entries before its
one write transaction (finding 5): the upload read through coop.uploads (CSV or XLSX), an over-compressed
XLSX refused before openpyxl reads it, cells and the listed problems bounded."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from coop.db import db, in_unit_of_work
from coop.errors import PayloadTooLarge, ValidationError
from coop.ledger import imports
from coop.ledger.imports import OpeningRow, import_opening_balances, read_opening_file
from coop.ledger.models import JournalEntry
from coop.ledger.services import account_by_code, balance_of
from coop.uploads import ImportLimits
from tests.uploads_helpers import zip_bomb as _bomb


def _openings(coop) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(JournalEntry).where(
        JournalEntry.cooperative_id == coop.id, JournalEntry.source == "ledger.opening"))


def _post_page(web, data: bytes, name: str, value_date):
    return web.post("/ledger/opening-balances", data={"value_date": value_date.isoformat(),
                                                      "file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")


def test_rows_past_the_limit_are_a_413(coop):
    """With max_rows 2, is a 3-row file a PayloadTooLarge too_many_rows?"""
    with pytest.raises(PayloadTooLarge) as exc:
        read_opening_file(b"code,amount\n1101,1\n1102,2\n1209,3\n", "o.csv", ImportLimits(max_rows=2))
    assert exc.value.status == 413 and exc.value.fields == {"file": ["too_many_rows"]}
    assert len(read_opening_file(b"code,amount\n1101,1\n1102,2\n", "o.csv", ImportLimits(max_rows=2))) == 2


def test_an_over_compressed_xlsx_is_refused_before_openpyxl_reads_it(monkeypatch):
    """Is a 5 MB sheet packed ~1,000 times a 413 xlsx_over_compressed, with openpyxl never called?"""
    monkeypatch.setattr("coop.uploads.load_workbook", lambda *a, **k: pytest.fail("openpyxl must not read it"))
    with pytest.raises(PayloadTooLarge) as exc:
        read_opening_file(_bomb(), "o.xlsx")
    assert exc.value.fields == {"file": ["xlsx_over_compressed"]}


def test_a_memo_of_1001_characters_names_its_row():
    """Is a 1,001-character memo on row 3 refused naming row 3 and the memo column (1,000 pass)?"""
    text = f"code,amount,memo\n1101,5,{'m' * 1000}\n1102,5,{'m' * 1001}\n"
    with pytest.raises(ValidationError) as exc:
        read_opening_file(text.encode(), "o.csv")
    assert exc.value.fields["file"] == [
        "baris 3: kolom memo: isi sel lebih dari 1000 karakter"]


def test_listed_problems_stop_at_the_limit_and_every_one_is_counted():
    """30 fractional amounts and one long code with max_errors 10: 10 listed, 31 counted by code?"""
    text = "code,amount\n" + "1101,1.5e3\n" * 30 + f"{'9' * 1001},5\n"
    with pytest.raises(ValidationError) as exc:
        read_opening_file(text.encode(), "o.csv", ImportLimits(max_errors=10))
    assert len(exc.value.fields["file"]) == 10 and exc.value.fields["file"][0].startswith("baris 2: jumlah")
    assert "31 kesalahan" in exc.value.message and "cell_too_long: 1, invalid_amount: 30" in exc.value.message


def test_unknown_accounts_are_capped_too(coop, today):
    """12 unknown codes with max_errors 5: 5 listed under rows, the message counting all 12?"""
    rows = [OpeningRow(f"99{i:02d}", 5) for i in range(12)]
    with pytest.raises(ValidationError) as exc:
        import_opening_balances(coop.id, rows, actor=None, value_date=today, limits=ImportLimits(max_errors=5))
    assert len(exc.value.fields["rows"]) == 5 and "unknown_account: 12" in exc.value.message
    assert _openings(coop) == 0


def test_an_xlsx_file_posts_and_only_the_posting_holds_a_unit_of_work(coop, today, monkeypatch):
    """An XLSX with Kas 2.500.000 (a number cell) and 1102 300000 (text): both posted against 3901, the
    entries built with no unit of work open and posted inside one?"""
    wb = Workbook()
    ws = wb.active
    ws.append(["code", "amount", "memo"])
    ws.append(["1101", 2_500_000, "kas"])
    ws.append(["1102", "300.000", None])
    buf = io.BytesIO()
    wb.save(buf)
    seen = {}
    plan, post = imports._plan, imports._post
    monkeypatch.setattr(imports, "_plan", lambda *a, **k: seen.setdefault("plan", in_unit_of_work()) or plan(*a, **k))
    monkeypatch.setattr(imports, "_post", lambda *a, **k: seen.setdefault("post", in_unit_of_work()) and post(*a, **k))
    kas_before = balance_of(account_by_code(coop.id, "1101").id)
    ids = import_opening_balances(coop.id, read_opening_file(buf.getvalue(), "o.xlsx"), actor=None, value_date=today)
    assert seen == {"plan": False, "post": True} and len(ids) == 2
    assert balance_of(account_by_code(coop.id, "1101").id) - kas_before == 2_500_000
    assert balance_of(account_by_code(coop.id, "1102").id) == 300_000


def test_page_says_too_many_rows_and_refuses_a_zip_bomb(app, coop, users, login, today, monkeypatch):
    """With IMPORT_MAX_ROWS 1, does the page name the row limit for 2 rows and the compression of a zip
    bomb (no 500), posting nothing?"""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 1)
    web = login(users["admin"])
    resp = _post_page(web, b"code,amount\n1101,300000\n1102,5\n", "o.csv", today)
    assert resp.status_code == 200 and "lebih dari 1 baris" in resp.get_data(as_text=True)
    resp = _post_page(web, _bomb(), "o.xlsx", today)
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "dimampatkan secara tidak wajar" in page and "xlsx_over_compressed" not in page
    assert _openings(coop) == 0


def test_page_lists_the_first_problems_and_counts_the_rest(app, coop, users, login, today, monkeypatch):
    """With IMPORT_MAX_ERRORS 3 and 8 bad amounts, does the page list 3 rows and say 8 were found?"""
    monkeypatch.setitem(app.config, "IMPORT_MAX_ERRORS", 3)
    web = login(users["admin"])
    page = _post_page(web, b"code,amount\n" + b"1101,x\n" * 8, "o.csv", today).get_data(as_text=True)
    assert page.count("bukan rupiah bulat") == 3 and "8 kesalahan" in page and "invalid_amount: 8" in page
    assert _openings(coop) == 0
