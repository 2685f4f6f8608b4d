"""Browser smoke test: the demo treasurer logs in and sees the dashboard in Bahasa Indonesia, on a desktop
and on a phone; English is selectable; no page loads anything from another host."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.e2e


def _external_requests(page, base_url):
    host = urlparse(base_url).netloc
    seen: list[str] = []
    page.on("request", lambda req: seen.append(req.url) if urlparse(req.url).netloc not in (host, "") else None)
    return seen


def test_login_page_is_indonesian(page, live_server, screenshot):
    """An anonymous visitor of / lands on the login page, written in Bahasa Indonesia."""
    page.goto("/")
    assert page.url.endswith("/login")
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("h1").inner_text().strip() == "Masuk"
    assert page.get_by_label("Kata sandi").count() == 1
    screenshot(page, "login")


def test_treasurer_logs_in_and_sees_dashboard(page, live_server, login_as, screenshot):
    """bendahara logs in through the form and sees her dashboard: Indonesian labels, her name, her
    cooperative, Bootstrap styles and scripts served from this server only, no JavaScript errors."""
    external = _external_requests(page, live_server)
    login_as(page, "bendahara")
    assert page.url.endswith("/dashboard")
    body = page.locator("body").inner_text()
    assert "Siti Rahayu" in body
    assert "Koperasi Desmigratif Demo" in body
    assert "Bendahara" in body
    assert "Keluar" in body  # the logout button, in Indonesian
    # Bootstrap CSS really applied (served locally): the navbar is a flex container.
    assert page.locator("nav.navbar").evaluate("e => getComputedStyle(e).display") == "flex"
    assert external == []
    assert page.js_errors == []
    screenshot(page, "dashboard-treasurer")


def test_treasurer_dashboard_on_phone(phone_page, live_server, login_as, screenshot):
    """On a 360 px phone the dashboard fits the screen (no horizontal scrolling), the navigation collapses
    behind the menu button and opens when tapped."""
    page = phone_page
    login_as(page, "bendahara")
    assert page.url.endswith("/dashboard")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide on a 360px phone"
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    logout = page.locator("nav button", has_text="Keluar")
    assert not logout.is_visible()
    toggler.tap()
    logout.wait_for(state="visible")
    assert page.js_errors == []
    screenshot(page, "dashboard-phone")


def test_english_is_selectable(page, live_server, login_as):
    """The language button switches the session to English: the dashboard and, after logging out, the
    login page are in English; switching back restores Bahasa Indonesia."""
    login_as(page, "bendahara")
    with page.expect_navigation():
        page.locator("nav button", has_text="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("nav button", has_text="Log out").count() == 1
    with page.expect_navigation():
        page.locator("nav button", has_text="Log out").click()
    assert page.url.endswith("/login")
    assert page.locator("h1").inner_text().strip() == "Log in"
    with page.expect_navigation():
        page.locator("nav button", has_text="Bahasa Indonesia").click()
    assert page.locator("h1").inner_text().strip() == "Masuk"
