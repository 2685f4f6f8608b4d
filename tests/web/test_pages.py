"""Pages (issue 2 items 1, 8, 10): every asset is served by the app itself (no CDN, no external host), and
an error never shows a traceback or internals to the user, on HTML pages and in the API envelope."""
from __future__ import annotations

import logging
import re
from urllib.parse import urlparse

import pytest

from coop import create_app

#: Attributes and CSS constructs that make a browser FETCH something (links to read elsewhere are fine).
ASSET_PATTERNS = [
    re.compile(r"<(?:script|img|iframe|source|audio|video|embed|track|input)\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)", re.I),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']([^\"']+)", re.I),
    re.compile(r"<object\b[^>]*\bdata\s*=\s*[\"']([^\"']+)", re.I),
    re.compile(r"url\(\s*[\"']?([^\"')]+)", re.I),
    re.compile(r"@import\s+[\"']([^\"']+)", re.I),
    re.compile(r"\bsrcset\s*=\s*[\"']([^\"']+)", re.I),
]


def external_assets(html: str) -> list[str]:
    found = []
    for pattern in ASSET_PATTERNS:
        for url in pattern.findall(html):
            for part in url.split(","):  # srcset lists
                u = part.strip().split(" ")[0]
                parsed = urlparse(u)
                if u.startswith("//") or (parsed.scheme in ("http", "https") and parsed.hostname not in
                                          ("localhost", "127.0.0.1")):
                    found.append(u)
    return found


def test_external_asset_detector_catches_cdn_references():
    """The detector used below does find the usual ways a page pulls from a CDN."""
    html = ('<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/bootstrap.css">'
            '<script src="//unpkg.com/x.js"></script><img srcset="/a.png 1x, https://x.example/b.png 2x">'
            '<style>@import "https://fonts.googleapis.com/css"; b{background:url(http://x.example/i.png)}</style>'
            '<a href="https://kemnaker.go.id/">a link to read is fine</a><script src="/static/app.js"></script>')
    assert sorted(external_assets(html)) == sorted([
        "https://cdn.jsdelivr.net/npm/bootstrap.css", "//unpkg.com/x.js", "http://x.example/i.png",
        "https://fonts.googleapis.com/css", "https://x.example/b.png"])


def _get_pages(app):
    """Every GET route without URL arguments (the pages a user can open directly)."""
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/api/") \
                and rule.endpoint != "static":
            yield rule.rule


@pytest.mark.parametrize("role", ["admin", "treasurer", "member"])
def test_no_page_loads_anything_from_another_host(app, client, users, login, role):
    """Logged in as admin, treasurer and member, every directly reachable page (and the login page) only
    references assets on this server; Bootstrap's files are served by the app itself."""
    login(users[role])
    checked = 0
    for path in ["/login", *sorted(_get_pages(app))]:
        resp = client.get(path)
        if resp.mimetype != "text/html":
            continue
        html = resp.get_data(as_text=True)
        assert external_assets(html) == [], f"{path} ({resp.status_code}) references another host"
        checked += 1
    assert checked >= 4
    html = client.get("/dashboard").get_data(as_text=True)
    local = [u for p in ASSET_PATTERNS[:2] for u in p.findall(html) if "bootstrap" in u]
    assert local and all(u.startswith("/") and not u.startswith("//") for u in local), local
    for url in local:
        assert client.get(url).status_code == 200, url


def test_content_security_policy_allows_only_this_server(client):
    """Does the CSP have default-src 'self' and no other origin (no "http", no "*")?"""
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "http" not in csp and "*" not in csp


SECRET = "rahasia-internal-xyz: /srv/coop/secret.py line 42"


@pytest.fixture
def boom_app(tmp_path):
    """A production-like app (not TESTING, not DEBUG) with routes that fail, registered only here."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'boom.sqlite3'}",
                      "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "TESTING": False, "DEBUG": False, "PROPAGATE_EXCEPTIONS": False})

    def boom():
        raise RuntimeError(SECRET)

    def boom_key():
        return {}["missing-" + SECRET]

    app.add_url_rule("/__test/boom", "test_boom", boom)
    app.add_url_rule("/__test/key", "test_boom_key", boom_key)
    app.add_url_rule("/api/v1/__test/boom", "test_api_boom", boom)
    return app


@pytest.mark.parametrize("path", ["/__test/boom", "/__test/key"])
def test_internal_error_page_shows_no_traceback(boom_app, path, caplog):
    """An exception in a view gives the friendly 500 page in Bahasa Indonesia: no traceback, no exception
    text; the exception is logged for the operator instead."""
    with caplog.at_level(logging.ERROR, logger="coop"):
        resp = boom_app.test_client().get(path)
    assert resp.status_code == 500
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "Terjadi kesalahan pada sistem." in html
    for leak in ("Traceback", "rahasia-internal", "RuntimeError", "KeyError", "File \"", ".py"):
        assert leak not in html, leak
    assert any(SECRET in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_internal_error_in_english_too(boom_app):
    """With English chosen, does an internal error show "Something went wrong on our side." and no
    traceback?"""
    client = boom_app.test_client()
    client.post("/lang/en")
    html = client.get("/__test/boom").get_data(as_text=True)
    assert "Something went wrong on our side." in html and "Traceback" not in html


def test_internal_error_in_api_is_the_json_envelope(boom_app):
    """Is an internal error in the API a 500 with the JSON envelope internal_error and the Indonesian message,
    leaking nothing of the exception ("rahasia")?"""
    resp = boom_app.test_client().get("/api/v1/__test/boom")
    assert resp.status_code == 500
    body = resp.get_json()
    assert body == {"error": {"code": "internal_error",
                              "message": "Terjadi kesalahan pada sistem. Tim kami sudah dicatat."}}
    assert "rahasia" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("method,path,status", [
    ("get", "/tidak-ada", 404), ("post", "/dashboard", 405), ("get", "/lang/en", 405)])
def test_http_errors_are_friendly_pages(boom_app, method, path, status):
    """Are 404 (/tidak-ada) and 405 (POST /dashboard, GET /lang/en) friendly pages with "Kembali ke beranda"
    and no traceback or werkzeug text?"""
    resp = getattr(boom_app.test_client(), method)(path)
    assert resp.status_code == status
    html = resp.get_data(as_text=True)
    assert "Kembali ke beranda" in html and "Traceback" not in html and "werkzeug" not in html.lower()


def test_bar_chart_macro_uses_integer_geometry_and_readable_values(app):
    """The shared SVG bar chart: the longest bar leaves room for its value text inside the 520 px box,
    values are written with thousands dots (Rp with money=True), zero/negative values get no bar."""
    from flask import render_template_string

    tpl = ('{% from "macros.html" import bar_chart %}'
           '{{ bar_chart([("Sukarela", 254778200), ("Pokok", 14900000), ("Nol", 0)], title="Saldo", money=True) }}'
           '{{ bar_chart([("Laki-laki", 1151), ("Perempuan", -3)]) }}')
    with app.test_request_context():
        svg = render_template_string(tpl)
    widths = [int(w) for w in re.findall(r'<rect x="140" y="\d+" width="(\d+)"', svg)]
    assert widths == [250, 14, 0, 250, 0]
    assert ">Rp 254.778.200</text>" in svg and ">1.151</text>" in svg
    assert 140 + 5 + 250 + len("Rp 254.778.200") * 7 <= 520
