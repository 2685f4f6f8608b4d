"""Static files for phones on slow networks: fingerprinted names, cached for a year, gzip-compressed.

``asset_url('js/coop.js')`` (a template global) gives ``/assets/js/coop.<hash>.js``, where ``<hash>`` is
the first 12 hex digits of the file's SHA-256: a changed file gets a new name, so a browser may keep every
name forever (``Cache-Control: public, max-age=31536000, immutable``). The files are read, hashed and
gzip-compressed once per process, at the first request that needs them (a few hundred KB in memory);
a client that accepts gzip gets the compressed bytes (``Vary: Accept-Encoding``).

The files: everything under ``coop/static/`` and, under ``bootstrap/``, the Bootstrap 5 CSS/JS and
Popper that bootstrap-flask ships. Also ``/favicon.ico`` and the web app manifest
``/manifest.webmanifest`` (the app can be added to a phone's home screen).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

import flask_bootstrap
from flask import Blueprint, Flask, Response, abort, current_app, request, url_for
from flask_babel import gettext as _

bp = Blueprint("assets", __name__)

YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"
STATIC = Path(__file__).resolve().parents[1] / "static"
BOOTSTRAP = Path(flask_bootstrap.__file__).resolve().parent / "static" / "bootstrap5"
#: (prefix of the logical name, folder, files taken from it: None = every file)
SOURCES = (
    ("", STATIC, None),
    ("bootstrap/", BOOTSTRAP, ("css/bootstrap.min.css", "js/bootstrap.min.js", "umd/popper.min.js")),
)
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".webmanifest", ".ico", ".txt", ".html"}
THEME_COLOR = "#146c43"


@dataclass(frozen=True)
class Asset:
    name: str          # logical name, e.g. "js/coop.js"
    hashed: str        # e.g. "js/coop.3f2a9c1b7d4e.js"
    mimetype: str
    body: bytes
    gzipped: bytes | None


def fingerprint(name: str, body: bytes) -> str:
    stem, ext = os.path.splitext(name)
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:12]}{ext}"


def _build() -> dict[str, Asset]:
    assets: dict[str, Asset] = {}
    for prefix, folder, only in SOURCES:
        if only is None:
            files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        else:
            files = [f for f in only if (folder / f).is_file()]
        for rel in files:
            body = (folder / rel).read_bytes()
            name = prefix + rel
            ext = os.path.splitext(rel)[1].lower()
            mimetype = ("application/manifest+json" if ext == ".webmanifest"
                        else mimetypes.guess_type(rel)[0] or "application/octet-stream")
            packed = gzip.compress(body, compresslevel=9, mtime=0) if ext in COMPRESSIBLE else None
            if packed is not None and len(packed) >= len(body):
                packed = None
            assets[name] = Asset(name, fingerprint(name, body), mimetype, body, packed)
    return assets


def _assets(app: Flask | None = None) -> tuple[dict[str, Asset], dict[str, Asset]]:
    """(by logical name, by hashed name), built once per app."""
    app = app or current_app
    built = app.extensions.get("coop_assets")
    if built is None:
        by_name = _build()
        built = app.extensions["coop_assets"] = (by_name, {a.hashed: a for a in by_name.values()})
    return built


def asset_url(name: str) -> str:
    """The fingerprinted URL of a static file (``KeyError`` for a file that does not exist: a typo in a
    template fails its test rather than linking a 404)."""
    return url_for("assets.asset", filename=_assets()[0][name].hashed)


def _send(asset: Asset, cache_control: str) -> Response:
    accepts_gzip = "gzip" in request.headers.get("Accept-Encoding", "").lower()
    if asset.gzipped is not None and accepts_gzip:
        resp = Response(asset.gzipped, mimetype=asset.mimetype)
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(asset.body, mimetype=asset.mimetype)
    if asset.gzipped is not None:
        resp.headers["Vary"] = "Accept-Encoding"
    resp.headers["Cache-Control"] = cache_control
    resp.set_etag(asset.hashed)
    return resp.make_conditional(request)


@bp.route("/assets/<path:filename>")
def asset(filename: str):
    found = _assets()[1].get(filename)
    if found is None:
        abort(404)
    return _send(found, IMMUTABLE)


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for ``/favicon.ico`` by that name: cached for a day, not a year."""
    return _send(_assets()[0]["icons/favicon.ico"], "public, max-age=86400")


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: installable on a phone's home screen."""
    body = {
        "name": "Koperasi Desmigratif",
        "short_name": "Koperasi",
        "description": _("Simpan pinjam, anggota dan pelatihan koperasi desa"),
        "lang": "id",
        "start_url": url_for("main.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": asset_url("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": asset_url("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": asset_url("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
            {"src": asset_url("icons/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    resp = Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/manifest+json")
    resp.headers["Cache-Control"] = "public, max-age=86400"
    return resp


bp.add_app_template_global(asset_url, "asset_url")
bp.add_app_template_global(THEME_COLOR, "theme_color")
