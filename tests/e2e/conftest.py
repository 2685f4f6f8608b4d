"""Browser test fixtures: a real app server with the demo loaded, and Playwright pages in Debian's chromium.

Fixtures (use them in ``tests/e2e/test_*.py``, every test marked ``@pytest.mark.e2e``):

- ``live_server``: base URL (``http://127.0.0.1:PORT``, no trailing slash) of a gunicorn serving a fresh
  SQLite database in a temp folder, migrated with ``flask db upgrade`` and loaded with ``flask demo``
  (one server per test session; tests share its data, so create what you change under unique names).
  ``COOP_E2E_BASE_URL=http://...`` reuses an already running server instead.
- ``browser``: one chromium per session, launched from ``COOP_CHROMIUM`` (default ``/usr/bin/chromium``,
  installed with apt-get by ``scripts/e2e.sh``); never a downloaded browser.
- ``page``: a fresh Playwright page (own context: no cookies shared between tests), desktop viewport.
- ``phone_page``: the same on a 360x780 phone viewport with touch.
- ``login_as(page, username, password=None)``: logs ``page`` in through the login form as a demo user
  (password ``COOP_DEMO_PASSWORD``, default ``desa-migran-2026``) and returns the page on the dashboard.
- ``screenshot(page, name)``: saves ``/tmp/coop-e2e-<name>.png`` and returns its path.

Accessibility (issue 15 item 12): every browser context a test opens (the fixtures' and its own
``browser.new_context()``) records the pages it loads; when the context is closed, each GET page it visited is
loaded again in it at 360x780 and at 1366x768 and checked with axe-core (the npm package, vendored as
``tests/e2e/vendor/axe.min.js``, never a CDN). A critical or serious violation fails the test;
``COOP_AXE_REPORT_ONLY=1`` only records. Every result goes to ``$COOP_AXE_REPORT`` (default
``/tmp/coop-axe-report.json``).

Demo users: admin, bendahara (treasurer), manajer (manager), petugas (officer), auditor, anggota (member).
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEMO_PASSWORD = os.environ.get("COOP_DEMO_PASSWORD", "desa-migran-2026")
CHROMIUM = os.environ.get("COOP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
#: Default wait (ms) for a Playwright action or assertion; the app is local, pages are fast.
TIMEOUT_MS = int(os.environ.get("COOP_E2E_TIMEOUT_MS", "15000"))
AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_VIEWPORTS = ({"width": 360, "height": 780}, {"width": 1366, "height": 768})
AXE_REPORT = os.environ.get("COOP_AXE_REPORT", "/tmp/coop-axe-report.json")
AXE_REPORT_ONLY = os.environ.get("COOP_AXE_REPORT_ONLY") == "1"
#: Pages not to load again for the audit: downloads, and GETs that are not pages.
AXE_SKIP = re.compile(r"format=(pdf|xlsx|csv)|\.(pdf|xlsx|csv|png|svg|ico|js|css)(\?|$)|/api/|/healthz|/favicon|/manifest")
#: (path with query, "360x780") -> violations (every impact), filled by every audited context
AXE_RESULTS: dict[str, list[dict]] = {}
_AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
                                 targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen | None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"app server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}/healthz did not answer within {seconds}s")


def _run(cmd: list[str], env: dict, log) -> None:
    res = subprocess.run(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=600)
    if res.returncode != 0:
        log.flush()
        raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}); see {log.name}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Base URL of a running app on a fresh demo database (gunicorn, 2 threads)."""
    external = os.environ.get("COOP_E2E_BASE_URL")
    if external:
        _wait_healthy(external.rstrip("/"), None, 10)
        yield external.rstrip("/")
        return
    tmp = tmp_path_factory.mktemp("live")
    env = dict(os.environ, FLASK_APP="coop", COOP_DATABASE_URL=f"sqlite:///{tmp / 'e2e.sqlite3'}",
               COOP_DEMO_PASSWORD=DEMO_PASSWORD, COOP_LOGIN_MAX_FAILURES="1000", COOP_ENV="development",
               PYTHONUNBUFFERED="1")
    env.pop("COOP_TEST_DATABASE_URL", None)
    log = open(tmp / "server.log", "w")  # noqa: SIM115 (kept open for the server's lifetime)
    flask = [sys.executable, "-m", "flask"]
    _run(flask + ["db", "upgrade"], env, log)
    _run(flask + ["demo"], env, log)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
         "--log-level", "warning", "coop:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()
        sys.stdout.write(f"\n[e2e] server log: {tmp / 'server.log'}\n")


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"chromium not found at {CHROMIUM}: run scripts/e2e.sh (installs it with apt-get) "
                    "or set COOP_CHROMIUM")
    b = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    real_new_context = b.new_context

    def new_context(*args, **kwargs):
        return _audited(real_new_context(*args, **kwargs))

    b.new_context = new_context
    yield b
    b.close()
    with open(AXE_REPORT, "w", encoding="utf-8") as fh:
        json.dump(AXE_RESULTS, fh, indent=1, sort_keys=True)
    bad = {k: [v for v in vs if v["impact"] in ("critical", "serious")] for k, vs in AXE_RESULTS.items()}
    counts = {i: sum(1 for vs in AXE_RESULTS.values() for v in vs if v["impact"] == i)
              for i in ("critical", "serious", "moderate", "minor")}
    sys.stdout.write(f"\n[e2e] axe: {len(AXE_RESULTS)} page states, violations by impact {counts}, "
                     f"{sum(1 for v in bad.values() if v)} page states with critical/serious; report {AXE_REPORT}\n")


def _audited(context):
    """Record the pages ``context`` loads; on close, check each with axe at both sizes (see the module
    docstring)."""
    visited: list[str] = []

    def on_page(pg):
        pg.on("load", lambda p: visited.append(p.url))

    context.on("page", on_page)
    real_close = context.close

    def close(*args, **kwargs):
        try:
            problems = _audit(context, visited)
        finally:
            real_close(*args, **kwargs)
        if problems and not AXE_REPORT_ONLY:
            raise AssertionError("axe-core: critical/serious violations:\n" + "\n".join(problems))

    context.close = close
    return context


def _audit(context, visited: list[str]) -> list[str]:
    urls = list(dict.fromkeys(u.split("#")[0] for u in visited if u.startswith("http") and not AXE_SKIP.search(u)))
    if not urls:
        return []
    pg = context.new_page()
    problems = []
    axe_source = AXE_JS.read_text(encoding="utf-8")
    for url in urls:
        for vp in AXE_VIEWPORTS:
            size = f"{vp['width']}x{vp['height']}"
            pg.set_viewport_size(vp)
            try:
                pg.goto(url)
            except Exception:  # noqa: BLE001 (a download or an aborted load: nothing to audit)
                continue
            # evaluate runs through the DevTools protocol, so the page's CSP (script-src 'self') does not
            # block it as it would an injected <script> tag
            pg.evaluate(axe_source)
            violations = pg.evaluate(_AXE_RUN)
            key = f"{re.sub(r'^https?://[^/]+', '', pg.url)} @{size}"
            AXE_RESULTS[key] = violations
            for v in violations:
                if v["impact"] in ("critical", "serious"):
                    problems.append(f"{key}: {v['impact']} {v['id']} ({v['help']}) x{v['nodes']}: {v['targets']}")
    return problems



def _new_page(browser, live_server, **context_kw):
    context = browser.new_context(base_url=live_server, locale="id-ID", timezone_id="Asia/Jakarta",
                                  **context_kw)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # JavaScript errors seen on the page; tests may assert it stays empty
    return context, page


@pytest.fixture
def page(browser, live_server):
    """A Playwright page with its own cookies, desktop viewport, ``base_url`` set to the live server
    (so ``page.goto("/login")`` works)."""
    context, pg = _new_page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A Playwright page on a phone-sized viewport (360x740, touch, mobile)."""
    context, pg = _new_page(browser, live_server, viewport={"width": 360, "height": 780},
                            device_scale_factor=2, is_mobile=True, has_touch=True)
    yield pg
    context.close()


@pytest.fixture
def login_as(live_server):
    """``login_as(page, "bendahara")`` -> page, logged in through the login form, on the dashboard."""
    def _login(page, username: str, password: str | None = None):
        page.context.clear_cookies()
        page.goto(live_server + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password or DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        if "/login" in page.url:
            raise AssertionError(f"login as {username} failed: still on {page.url}")
        return page
    return _login


@pytest.fixture
def screenshot():
    """``screenshot(page, "name")`` -> path of a full-page PNG in /tmp (for looking at the UI)."""
    def _shot(page, name: str) -> str:
        path = f"/tmp/coop-e2e-{name}.png"
        page.screenshot(path=path, full_page=True)
        return path
    return _shot
