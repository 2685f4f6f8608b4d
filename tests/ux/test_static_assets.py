"""Issue 15 item 11: static files have fingerprinted names, are cached for a year and gzip-compressed;
the app has a favicon and a web app manifest (installable on a phone's home screen)."""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "coop" / "static"


def _asset_links(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/assets/[^"]+)"', html)


def test_every_page_links_fingerprinted_css_and_js(client):
    """Does a page link Bootstrap, the app's CSS and its JS by /assets/<name>.<12 hex>.<ext>, with no
    un-fingerprinted /static or /bootstrap URL left?"""
    html = client.get("/login").get_data(as_text=True)
    links = _asset_links(html)
    assert any(re.fullmatch(r"/assets/bootstrap/css/bootstrap\.min\.[0-9a-f]{12}\.css", u) for u in links), links
    assert any(re.fullmatch(r"/assets/css/coop\.[0-9a-f]{12}\.css", u) for u in links), links
    assert any(re.fullmatch(r"/assets/js/coop\.[0-9a-f]{12}\.js", u) for u in links), links
    assert "/static/" not in html and "/bootstrap/static/" not in html


def test_the_fingerprint_is_the_files_content_hash(client):
    """Is coop.js's name hash the first 12 hex digits of the SHA-256 of its bytes (so a changed file gets a
    new name)?"""
    body = (STATIC / "js" / "coop.js").read_bytes()
    expected = f"/assets/js/coop.{hashlib.sha256(body).hexdigest()[:12]}.js"
    assert expected in _asset_links(client.get("/login").get_data(as_text=True))


def test_assets_are_cached_for_a_year_and_gzipped_when_accepted(client):
    """Bootstrap's 232 KB CSS: immutable for a year; gzip when the client accepts it (the bytes unpack to
    the file), plain otherwise; both say Vary: Accept-Encoding; no cookie is set."""
    url = next(u for u in _asset_links(client.get("/login").get_data(as_text=True)) if "bootstrap.min" in u
               and u.endswith(".css"))
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    plain = client.get(url)
    assert packed.status_code == plain.status_code == 200
    assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert "Set-Cookie" not in packed.headers
    assert gzip.decompress(packed.data) == plain.data
    assert len(plain.data) > 200_000 and len(packed.data) < len(plain.data) // 5
    assert plain.headers["Content-Type"].startswith("text/css")


def test_a_revalidation_is_a_304(client):
    """A browser that sends back the ETag gets 304 Not Modified, no body."""
    url = next(u for u in _asset_links(client.get("/login").get_data(as_text=True)) if "/js/coop." in u)
    etag = client.get(url).headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_an_unknown_or_stale_fingerprint_is_a_404(client):
    """A name with a wrong hash (an old deploy's file) or a path outside the static folder: 404, never a
    file."""
    assert client.get("/assets/js/coop.000000000000.js").status_code == 404
    assert client.get("/assets/js/coop.js").status_code == 404
    assert client.get("/assets/../coop/config.py").status_code == 404


def test_favicon_and_manifest(client):
    """/favicon.ico is an ICO; the manifest is installable: name, start_url, display standalone, theme
    colour, 192 and 512 px PNG icons that load; base.html links both and the SVG icon."""
    html = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert re.search(r'<link rel="icon" href="/assets/icons/favicon\.[0-9a-f]{12}\.svg" type="image/svg\+xml">', html)
    assert '<meta name="theme-color" content="#146c43">' in html
    ico = client.get("/favicon.ico")
    assert ico.status_code == 200 and ico.data[:4] == b"\x00\x00\x01\x00"
    resp = client.get("/manifest.webmanifest")
    assert resp.headers["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(resp.data)
    assert manifest["name"] == "Koperasi Desmigratif"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#146c43"
    sizes = {i["sizes"] for i in manifest["icons"] if i["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        got = client.get(icon["src"])
        assert got.status_code == 200, icon
        if icon["type"] == "image/png":
            assert got.data[:8] == b"\x89PNG\r\n\x1a\n"
