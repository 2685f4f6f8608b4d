"""Browser journey of community parenting on the facilitator's phone: from the dashboard her first page is
the list of children who need attention; she records a session of her group, takes attendance with one
tap per child, saves, and finds it stored (on the session's page again and on a child's page)."""
from __future__ import annotations

import re
import uuid

import pytest

pytestmark = pytest.mark.e2e

GROUP = "Rumah Belajar Mawar"


def _flash(page) -> str:
    """The flashed messages of the page just loaded."""
    return " ".join(page.locator(".flashes [role=alert]").all_inner_texts())


def test_facilitator_takes_attendance_with_one_tap_per_child(phone_page, login_as, screenshot):
    """Can the facilitator, on a phone, open a session of her group, tap the children who came, save, and
    then see exactly those children marked present (and the session on a tapped child's page, not on an
    untapped one's)?"""
    page = login_as(phone_page, "pendamping")

    # 1. Her first page: the children who need attention (the demo has some).
    with page.expect_navigation():
        page.get_by_role("link", name="Buka parenting").click()
    assert page.locator("main h1").inner_text().strip() == "Anak yang perlu perhatian"
    at_risk = page.get_by_test_id("at-risk").locator("li")
    assert at_risk.count() >= 1
    assert at_risk.first.locator("a").is_visible()
    assert "Tidak ada anak dengan tanda risiko." not in page.get_by_test_id("at-risk").inner_text()
    screenshot(page, "parenting-at-risk")

    # 2. A session of her group (unique topic: tests share the demo's data).
    topic = f"Dongeng e2e {uuid.uuid4().hex[:6]}"
    with page.expect_navigation():
        page.get_by_role("link", name="Catat sesi dan kehadiran").click()
    page.select_option("select[name=kind]", "literacy")
    page.fill("input[name=topic]", topic)
    page.select_option("select[name=group_id]", label=GROUP)
    with page.expect_navigation():
        page.get_by_test_id("save-session").click()
    assert "Sesi tersimpan. Catat kehadirannya." in _flash(page)
    page.goto("/parenting/sessions")
    with page.expect_navigation():
        page.get_by_test_id("session").filter(has_text=topic).get_by_role("link").click()
    assert topic in page.locator("main").inner_text()
    session_url = page.url

    # 3. One tap per child of the group, except the last one (who did not come).
    boxes = page.locator("li").filter(has=page.locator("input[name=child]")).filter(has_not_text="kelompok lain")
    n = boxes.count()
    assert n >= 2, "the demo group has children"
    came = [boxes.nth(i).locator("input[name=child]").get_attribute("value") for i in range(n - 1)]
    absent = boxes.nth(n - 1).locator("input[name=child]").get_attribute("value")
    assert not page.locator("input[name=child]:checked").count(), "a new session starts with nobody marked"
    for child_id in came:
        page.get_by_test_id(f"child-{child_id}").tap()
        assert page.get_by_test_id(f"child-{child_id}").is_checked()
    screenshot(page, "parenting-attendance-tapped")
    with page.expect_navigation():
        page.get_by_test_id("save-attendance").click()
    assert f"Kehadiran tersimpan: {len(came)} anak, 0 pengasuh." in _flash(page)

    # 4. Stored: the session's page, loaded afresh, shows exactly those children marked.
    page.goto(session_url)
    checked = sorted(b.get_attribute("value") for b in page.locator("input[name=child]:checked").all())
    assert checked == sorted(came)
    assert not page.get_by_test_id(f"child-{absent}").is_checked()
    screenshot(page, "parenting-attendance-saved")

    # 5. And on a child's page: the session is in the tapped child's attendance, not in the absent one's.
    page.goto(f"/parenting/children/{came[0]}")
    assert page.get_by_test_id("child-attendance").filter(has_text=topic).count() == 1
    page.goto(f"/parenting/children/{absent}")
    assert page.get_by_test_id("child-attendance").filter(has_text=re.compile(re.escape(topic))).count() == 0
    assert not page.js_errors
