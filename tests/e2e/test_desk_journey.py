"""Browser journey of the migration service desk: on her phone, the officer takes a demo case from
consultation to departure: a valid agency check, the stages one by one (a stage refused for unverified
documents names them), the Pasal 13 checklist verified with its toggles, and on departure the resident's
registry page shows her as PMI aktif with a migration record."""
from __future__ import annotations

import re
from datetime import date

import pytest

from coop.desk import rules

pytestmark = pytest.mark.e2e


def _submit(page, testid: str) -> None:
    with page.expect_navigation():
        page.get_by_test_id(testid).click()


def _flash(page) -> str:
    """The flashed messages of the page just loaded."""
    return " ".join(page.locator(".flashes [role=alert]").all_inner_texts())


def test_officer_walks_a_case_from_consultation_to_departed_on_a_phone(phone_page, login_as, screenshot):
    """Can the officer, on a phone, check the agency, move a consultation case stage by stage (seeing which
    documents block orientation), verify the checklist and reach departure, after which the resident is a
    PMI aktif with a migration record in the registry?"""
    page = login_as(phone_page, "petugas")

    # 1. A consultation-stage demo case of an adult (the minor's case would be refused as not eligible).
    page.goto("/desk/?stage=consultation")
    rows = page.get_by_test_id("case-row").filter(has_not=page.locator("[data-flag=under_18]"))
    assert rows.count() >= 1, "the demo has consultation cases of adults"
    with page.expect_navigation():
        rows.first.click()
    name = page.locator("main h1").inner_text().strip()
    case_url = page.url
    assert page.get_by_test_id("stage").inner_text().strip() == rules.STAGE_LABELS["consultation"]
    today = date.fromisoformat(page.locator("input[name=on]").first.get_attribute("max"))

    # 2. A valid agency check (the licence number is prefilled from the case).
    checks_before = page.get_by_test_id("agency-check").filter(has_text="SISKOP2MI-e2e").count()
    page.fill("input[name=source]", "SISKOP2MI-e2e")
    page.select_option("select[name=result]", "valid")
    _submit(page, "save-agency-check")
    assert "Pemeriksaan P3MI dicatat." in _flash(page)
    checks = page.get_by_test_id("agency-check").filter(has_text="SISKOP2MI-e2e")
    assert checks.count() == checks_before + 1
    assert "Terdaftar dan berlaku" in checks.first.inner_text()
    assert page.locator("[data-flag=agency_not_verified]").count() == 0

    # 3. Stage by stage up to the work visa: no document is needed yet.
    for stage in ("registered", "recommended", "medical", "passport", "visa"):
        _submit(page, f"stage-{stage}")
        assert "Tahap diperbarui." in _flash(page)
        assert page.get_by_test_id("stage").inner_text().strip() == rules.STAGE_LABELS[stage]

    # 4. Orientation is refused while the visa and the two agreements are unverified: the page says which.
    why = page.get_by_test_id("why-orientation").inner_text()
    for code in ("work_visa", "placement_agreement", "work_agreement"):
        assert rules.DOCUMENT_LABELS[code] in why
    _submit(page, "stage-orientation")
    assert "Belum bisa: dokumen belum terverifikasi: " + ", ".join(
        rules.DOCUMENT_LABELS[c] for c in ("work_visa", "placement_agreement", "work_agreement")) in _flash(page)
    assert page.get_by_test_id("stage").inner_text().strip() == rules.STAGE_LABELS["visa"]
    screenshot(page, "desk-orientation-refused")

    # 5. The eight Pasal 13 documents verified with the checklist toggles.
    for code in rules.PASAL13_DOCUMENTS:
        item = page.get_by_test_id(f"doc-{code}")
        if item.get_by_test_id(f"doc-{code}-verified").count() == 0:
            continue  # already verified
        if code == "passport":
            item.locator("input[name=number]").fill("E2E1234567")
            item.locator("input[name=expires_on]").fill(today.replace(year=today.year + 5, day=1).isoformat())
        if code == "work_visa":
            item.locator("select[name=visa_kind]").select_option("work")
        with page.expect_navigation():
            item.get_by_test_id(f"doc-{code}-verified").click()
        assert "Dokumen disimpan." in _flash(page)
        assert "Terverifikasi" in page.get_by_test_id(f"doc-{code}").inner_text()
    assert page.get_by_test_id("why-orientation").count() == 0
    assert page.get_by_test_id("why-departed").count() == 0

    # 6. Orientation, then departure.
    for stage in ("orientation", "departed"):
        _submit(page, f"stage-{stage}")
        assert "Tahap diperbarui." in _flash(page)
        assert page.get_by_test_id("stage").inner_text().strip() == rules.STAGE_LABELS[stage]
    assert page.get_by_test_id("stage-returned").is_visible()
    screenshot(page, "desk-case-departed")

    # 7. The registry now shows her as PMI aktif, with the departure recorded.
    with page.expect_navigation():
        page.get_by_test_id("resident-link").click()
    assert name in page.locator("main h1").inner_text()
    assert page.get_by_test_id("pmi-status").inner_text().strip() == "PMI aktif"
    record = page.get_by_test_id("migration-record").filter(has_text="PMI aktif").filter(
        has_text=re.compile(r"Berangkat \d"))
    assert record.count() >= 1
    assert "Prosedural" in record.first.inner_text()
    screenshot(page, "desk-resident-aktif")
    assert case_url and not page.js_errors
