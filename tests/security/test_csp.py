"""Finding 12: the Content-Security-Policy allows scripts only from the site itself (no 'unsafe-inline')."""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.I)


def _script_src(csp: str) -> str:
    return next(p for p in csp.split(";") if p.strip().startswith("script-src")).strip()


def test_csp_forbids_inline_scripts(client, users, login):
    """Is script-src exactly 'self' (no 'unsafe-inline') on pages and the login page?"""
    assert _script_src(client.get("/login").headers["Content-Security-Policy"]) == "script-src 'self'"
    login(users["treasurer"])
    for path in ("/dashboard", "/cashdesk/", "/ledger/entries/new"):
        resp = client.get(path)
        assert _script_src(resp.headers["Content-Security-Policy"]) == "script-src 'self'", path


def test_no_template_has_an_inline_script_or_event_handler():
    """Does no template carry an inline <script> or an on...= attribute (the CSP would block them)?"""
    offenders = [f"{p.relative_to(TEMPLATES)}:{n}" for p in TEMPLATES.rglob("*.html")
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if INLINE_SCRIPT.search(line) or EVENT_ATTRIBUTE.search(line)]
    assert offenders == []


def test_page_scripts_are_served_from_static(client, users, login):
    """Do the cash desk and journal pages load coop.js, and does it carry their behaviour?"""
    login(users["treasurer"])
    page = client.get("/cashdesk/").get_data(as_text=True)
    src = re.search(r'<script src="(/assets/js/coop\.[0-9a-f]{12}\.js)" defer>', page)
    assert src and 'data-search-url="/cashdesk/' in page
    js = client.get(src.group(1))
    assert js.status_code == 200 and b"member-search" in js.data and b"journal-form" in js.data
