"""Issue 15, item 9: long work shows progress. The registry import page polls the import job's status
while the upload runs (static JS; the CSP allows no inline script), its buttons disable while working, and
the file of a dry run is kept server-side ("Impor file ini" without choosing it again). Export buttons say
"Menyiapkan..." until the download starts (a cookie named by the request's download_token)."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from coop.db import db
from coop.registry.models import Resident
from tests.registry.importdata import to_csv, village_rows


@pytest.fixture
def staging(app, tmp_path):
    app.config["IMPORT_STAGING_DIR"] = str(tmp_path)
    return tmp_path


def _residents(coop_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Resident).where(Resident.cooperative_id == coop_id))


def test_dry_run_keeps_the_file_and_imports_it_without_choosing_again(coop, users, login, staging):
    """A dry run of 6 rows writes nothing, keeps the file (one staged copy) and offers "Impor file ini"
    with its token; sending only the token imports the 6 rows and forgets the copy."""
    web = login(users["officer"])
    page = web.post("/registry/import", data={"file": (io.BytesIO(to_csv(village_rows(6))), "warga.csv"),
                                              "dry_run": "y"}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert "akan dibuat 6" in html and _residents(coop.id) == 0
    form = re.search(r'<form[^>]*id="import-staged".*?</form>', html, re.S).group(0)
    token = re.search(r'name="staged" value="([0-9a-f]{32})"', form).group(1)
    assert "warga.csv" in form and "Impor file ini" in form and 'data-progress="#import-progress"' in form
    assert len(list(Path(staging).rglob(f"{token}.bin"))) == 1
    done = web.post("/registry/import", data={"staged": token}, content_type="multipart/form-data")
    assert "dibuat 6" in done.get_data(as_text=True) and _residents(coop.id) == 6
    assert list(Path(staging).rglob(f"{token}.*")) == []


def test_a_token_of_another_cooperative_or_a_forged_one_is_no_file(coop, make_coop, make_user, users, login, staging):
    """The token names a file of ONE cooperative: another cooperative's officer sending it (or junk) is asked
    to choose a file, and nothing is imported."""
    web = login(users["officer"])
    html = web.post("/registry/import", data={"file": (io.BytesIO(to_csv(village_rows(3))), "w.csv"), "dry_run": "y"},
                    content_type="multipart/form-data").get_data(as_text=True)
    token = re.search(r'name="staged" value="([0-9a-f]{32})"', html).group(1)
    other = make_coop(name="Koperasi Lain")
    stranger = login(make_user(other, "officer"))
    for sent in (token, "../../etc/passwd", "0" * 32):
        resp = stranger.post("/registry/import", data={"staged": sent}, content_type="multipart/form-data")
        assert "Pilih berkas." in resp.get_data(as_text=True)
    assert _residents(other.id) == 0 and _residents(coop.id) == 0


def test_import_page_has_progress_and_busy_buttons_and_status_json(coop, users, login, staging):
    """The page's form shows progress from /registry/import/status (a JSON the static script polls) and its
    button disables ("Sedang diproses..."); no inline script. The status says "checking" with no job, and
    names the last import after one."""
    web = login(users["officer"])
    html = web.get("/registry/import").get_data(as_text=True)
    assert 'data-progress="#import-progress"' in html and 'data-poll-url="/registry/import/status"' in html
    assert 'data-busy="Sedang diproses..."' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file (CSP script-src 'self')
    assert re.search(r'src="/assets/js/busy\.[0-9a-f]{12}\.js"', html)  # fingerprinted (issue 15 item 11)
    assert web.get("/registry/import/status").get_json()["status"] == "checking"
    web.post("/registry/import", data={"file": (io.BytesIO(to_csv(village_rows(4))), "w.csv")},
             content_type="multipart/form-data")
    status = web.get("/registry/import/status").get_json()
    assert status["job"]["status"] == "done" and status["job"]["processed"] == status["job"]["total"] == 4
    assert "4 baris" in status["text"]


def test_export_button_waits_for_the_download_cookie(coop, users, login):
    """The trial balance's XLSX button carries data-download ("Menyiapkan..."); the download answered with a
    download_token sets that cookie (so the script gives the button back); a page (no attachment) does not."""
    web = login(users["treasurer"])
    page = web.get("/ledger/trial-balance")
    assert page.status_code == 200
    link = re.search(r'<a[^>]*data-download="Menyiapkan..."[^>]*>', page.get_data(as_text=True)).group(0)
    href = re.search(r'href="([^"]+)"', link).group(1).replace("&amp;", "&")
    resp = web.get(href + "&download_token=1234567")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert "download_token=1234567" in resp.headers.get("Set-Cookie", "")
    assert "download_token" not in web.get("/ledger/trial-balance?download_token=1").headers.get("Set-Cookie", "")
