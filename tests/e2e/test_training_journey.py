"""Browser journey of issue 7: a returned migrant applies to a training cohort from a phone; the officer
marks attendance and completes her enrolment; the certificate downloads as a PDF and the QR code's
verification page, opened without logging in, shows it as valid (name and programme, no NIK)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.pdf_text import pdf_streams

pytestmark = pytest.mark.e2e


def _pdf_text(data: bytes) -> str:
    """The PDF's page content (fpdf2 deflates its streams), after the file's own bytes."""
    return "\n".join([data.decode("latin-1"), *pdf_streams(data)])


def test_member_applies_officer_completes_certificate_verifies(phone_page, page, login_as, live_server,
                                                               screenshot, tmp_path):
    """Can a member apply to an open cohort on her phone (Terdaftar), an officer mark her present at every
    session and complete her (Lulus, certificate issued, funnel on the dashboard), the member download a PDF
    certificate carrying its verification URL, and an anonymous visitor of that URL see it valid with her name
    and no 16-digit NIK?"""
    # 1. Sri Wahyuni (demo member 'anggota', PMI purna) applies on her phone.
    login_as(phone_page, "anggota")
    phone_page.goto("/training/")
    card = phone_page.get_by_test_id("open-cohort").filter(has=phone_page.get_by_role("button", name=re.compile("^Daftar")))
    card.first.wait_for()
    cohort_title = card.first.locator("h3").inner_text().strip()
    with phone_page.expect_navigation():
        card.first.get_by_role("button", name=re.compile("^Daftar")).click()
    assert "Pendaftaran diterima" in phone_page.locator("body").inner_text()
    mine = phone_page.get_by_test_id("my-enrolment").filter(has_text=cohort_title)
    assert "Terdaftar" in mine.first.inner_text()
    screenshot(phone_page, "training-member-applied")

    # 2. The officer opens that cohort, marks Sri present at every session and completes her.
    login_as(page, "petugas")
    page.goto("/training/")
    page.get_by_role("link", name=re.compile(re.escape(cohort_title))).first.click()
    row = page.get_by_test_id("enrolment-row").filter(has_text="Sri Wahyuni")
    enrolment_id = row.first.get_attribute("data-enrolment-id")
    cohort_url = page.url
    page.get_by_test_id("attendance-link").click()
    sessions = page.locator("a.btn-sm", has_text=re.compile(r"\d{4}|\w+ \d"))
    session_links = [sessions.nth(i).get_attribute("href") for i in range(sessions.count())]
    assert session_links
    for href in session_links:
        page.goto(href)
        page.get_by_test_id(f"present-{enrolment_id}").check()
        with page.expect_navigation():
            page.get_by_test_id("save-attendance").click()
        assert "disimpan" in page.locator("body").inner_text()
    page.goto(cohort_url)
    row = page.locator(f"[data-enrolment-id='{enrolment_id}']")
    with page.expect_navigation():
        row.get_by_test_id("complete").click()
    assert "sertifikat diterbitkan" in page.locator("body").inner_text()
    row = page.locator(f"[data-enrolment-id='{enrolment_id}']")
    assert "Lulus" in row.inner_text()
    screenshot(page, "training-cohort-officer")
    page.goto("/training/dashboard")
    assert page.get_by_test_id("training-funnel").is_visible()
    screenshot(page, "training-dashboard")

    # 3. Sri downloads her certificate on her phone.
    phone_page.goto("/training/")
    with phone_page.expect_download() as dl:
        phone_page.get_by_test_id("my-enrolment").filter(has_text=cohort_title).first.get_by_role(
            "link", name="Unduh sertifikat").click()
    path = Path(tmp_path / "sertifikat.pdf")
    dl.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    url = re.search(r"(https?://[^\s()\\]+/p/sertifikat/[A-Za-z0-9_\-]+)", text)
    assert url, "the certificate carries its verification URL"

    # 4. Anyone scanning the QR code (no login) sees it valid, with her name and no NIK.
    page.context.clear_cookies()
    verify = url.group(1)
    page.goto(live_server + verify[verify.index("/p/"):])
    assert page.get_by_test_id("certificate-valid").is_visible()
    assert "Sri Wahyuni" in page.get_by_test_id("certificate-name").inner_text()
    assert not re.search(r"\b\d{16}\b", page.locator("body").inner_text())
    screenshot(page, "training-certificate-valid")
