"""Error handlers: the JSON envelope under /api, friendly pages elsewhere; never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from coop import clock
from coop.db import discard_request_session
from coop.errors import CoopError
from coop.i18n import N_

log = logging.getLogger("coop")

_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
          422: "validation_error", 429: "too_many_requests", 500: "internal_error"}
_MESSAGES = {400: N_("Permintaan tidak valid."), 401: N_("Perlu masuk (login) terlebih dahulu."),
             403: N_("Anda tidak berwenang membuka halaman ini."), 404: N_("Halaman atau data tidak ditemukan."),
             405: N_("Metode tidak diizinkan."),
             409: N_("Data bertentangan dengan data yang sudah tersimpan (mis. sudah dipakai). Muat ulang lalu coba lagi."), 413: N_("Berkas terlalu besar."), 429: N_("Terlalu banyak percobaan."),
             500: N_("Terjadi kesalahan pada sistem. Tim kami sudah dicatat.")}


_UNAVAILABLE = N_("Basis data sedang tidak dapat dihubungi. Coba lagi sebentar lagi.")
#: start (monotonic seconds) of the current database outage, or None
_outage: dict = {"since": None}


def database_unavailable(exc: BaseException) -> bool:
    """A database that cannot be reached (server down or restarting, connection lost, pool exhausted, SQLite
    file unopenable or locked) as opposed to a bug in a query."""
    if isinstance(exc, (OperationalError, sa_exc.TimeoutError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def envelope(status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status


def register(app: Flask) -> None:  # noqa: C901 -- one nested handler per error class, counted together
    @app.errorhandler(CoopError)
    def _coop_error(exc: CoopError):
        if _wants_json():
            return envelope(exc.status, exc.code, exc.message, exc.fields)
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if _wants_json():
            return envelope(400, "csrf_failed", "Token CSRF tidak valid.")
        return render_template("errors/error.html", status=400,
                               message=N_("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman dan coba lagi.")), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if _wants_json():
            return envelope(status, _CODES.get(status, "error"), _MESSAGES.get(status, exc.description or ""))
        return render_template("errors/error.html", status=status,
                               message=_MESSAGES.get(status, exc.description)), status

    @app.errorhandler(IntegrityError)
    def _integrity(exc):
        """A unique key or constraint the database refused (two requests racing for one number, a
        duplicate the service did not foresee): the request conflicts with stored data, a 409."""

        log.warning("integrity error: %s", str(exc.orig)[:300])
        discard_request_session()
        if _wants_json():
            return envelope(409, "conflict", _MESSAGES[409])
        return render_template("errors/error.html", status=409, message=_MESSAGES[409]), 409

    @app.errorhandler(SQLAlchemyError)
    def _db(exc):
        if database_unavailable(exc):
            return _unavailable(exc)
        log.exception("database error")
        return _internal()

    @app.after_request
    def _database_back(response):
        if _outage["since"] is not None and response.status_code < 500:
            log.warning("database available again after %.1f s", clock.monotonic() - _outage["since"])
            _outage["since"] = None
        return response

    def _unavailable(exc):
        if _outage["since"] is None:  # one line per outage, not a traceback per request
            _outage["since"] = clock.monotonic()
            log.error("database unavailable: %s", str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300])
        try:
            discard_request_session()
        except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
            pass
        if _wants_json():
            response, status = envelope(503, "database_unavailable", _UNAVAILABLE)
        else:
            # plain page: the full template may need the database (the user, the cooperative) again
            response, status = app.response_class(
                f"<!doctype html><meta charset=utf-8><title>503</title><h1>503</h1><p>{escape(gettext(_UNAVAILABLE))}</p>",
                mimetype="text/html"), 503
        response.headers["Retry-After"] = "30"
        return response, status

    @app.errorhandler(Exception)
    def _any(exc):
        log.exception("unhandled error")
        return _internal()

    def _internal():
        discard_request_session()
        if _wants_json():
            return envelope(500, "internal_error", _MESSAGES[500])
        return render_template("errors/error.html", status=500, message=_MESSAGES[500]), 500
