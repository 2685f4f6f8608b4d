"""Request hooks: request id for the audit log, security headers, the far-date and NUL guards, and the
cookie session's interface."""
from __future__ import annotations

import os

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _

from coop.audit import request_id_var
from coop.blueprints.common import business_today
from coop.dates import out_of_range
from coop.errors import FutureDate, ValidationError
from coop.spreadsheet import ILLEGAL_CHARACTERS_RE as ctrl

#: The bodies werkzeug parses into ``request.form`` (``werkzeug.formparser.FormDataParser.parse``); any
#: other body (JSON above all) leaves the form empty.
FORM_MIMETYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})

_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
#: Headers every response carries unless its view set them itself: (lower-case name, name, value).
SECURITY_HEADERS = tuple((name.lower(), name, value) for name, value in (
    ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
    ("Content-Security-Policy", _CSP)))


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, doing nothing for a request without a session cookie that leaves
    the session empty (an API call with a bearer token): Flask's own interface builds the signing
    serializer to open the session and reads the cookie settings to save it either way. The serializer
    is built once per secret key (itsdangerous keeps no state per call). What a request reads and
    writes, and the cookie a response carries, are Flask's."""

    _signing: tuple[tuple, object] | None = None

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._signing
        if cached is not None and cached[0] == keys:
            return cached[1]
        serializer = super().get_signing_serializer(app)
        self._signing = (keys, serializer)
        return serializer

    def open_session(self, app, request):
        if app.secret_key and ("HTTP_COOKIE" not in request.environ  # no Cookie header: no cookie to parse
                               or not request.cookies.get(self.get_cookie_name(app))):
            return self.session_class()  # as Flask's: no session cookie, a new empty session
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not session and not session.modified:
            # as Flask's: an empty session never written sets no cookie (Vary: Cookie if it was read: the
            # language of an API answer is the session's, coop.i18n.select_locale); a response with no Vary
            # yet gets the header as it is, without parsing it into a set and writing it back (~25 us)
            if session.accessed:
                if response.headers.get("Vary") is None:
                    response.headers["Vary"] = "Cookie"
                else:
                    response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def register(app: Flask) -> None:  # noqa: C901 -- the request hooks are closures, counted together
    app.session_interface = CookieSessionInterface()

    @app.before_request
    def _request_id():
        # the hooks below run on every request: the request and ``g`` are looked up once (each use of
        # the proxies is a context-variable lookup), headers are read from the environ (the header
        # mapping raises and catches an exception for an absent one)
        ctx_g = g._get_current_object()
        # a new id: 32 random hex digits, as uuid4().hex without building a UUID (~3 us)
        rid = (request.environ.get("HTTP_X_REQUEST_ID") or os.urandom(16).hex())[:64]
        ctx_g.request_id = rid
        ctx_g._rid_token = request_id_var.set(rid)
        # the logged-in user is read from THIS request's cookie (an app context shared by several
        # requests, as in tests or a CLI that calls the app, must not carry the previous one's user)
        ctx_g.pop("_login_user", None)

    @app.before_request
    def _refuse_nul():
        """A NUL (or another control character) in a page's query string or form is never meaningful:
        PostgreSQL refuses NUL in text, XLSX and PDF cannot hold the others. A 422 naming the field."""
        if request.path.startswith("/api/"):
            return  # the API schemas answer per field (a NUL in a search is "no match" there)

        bad = sorted({k for k, v in request.args.items(multi=True) if ctrl.search(k) or ctrl.search(v)}
                     | {k for k, v in request.form.items(multi=True) if ctrl.search(k) or ctrl.search(v)})
        if bad:
            raise ValidationError(_("Teks tidak boleh berisi karakter NUL."),
                                  fields={ctrl.sub("", k) or "_": [_("karakter NUL tidak boleh")] for k in bad})

    @app.before_request
    def _refuse_far_dates():
        """A date before 1900 or after 2999 in a query string, form or JSON body is a 422 naming the field
        (0001-01-01 or 9999-12-31 made day/month arithmetic overflow: 500s in the day book, the loan
        reports and the beancount export)."""

        req = request._get_current_object()
        bad = {k: v for k, v in req.args.items(multi=True) if out_of_range(v)} if req.query_string else {}
        if req.mimetype in FORM_MIMETYPES:
            if req.form:
                bad |= {k: v for k, v in req.form.items(multi=True) if out_of_range(v)}
        else:
            # no form to parse (a JSON body is not one); what reading the form checked still holds: a
            # body over MAX_CONTENT_LENGTH is a 413 here (werkzeug's input stream)
            req.stream  # noqa: B018
        if req.is_json:
            body = req.get_json(silent=True)
            if isinstance(body, dict):
                for k, v in body.items():
                    if isinstance(v, str) and out_of_range(v):
                        bad[str(k)] = v
                    elif isinstance(v, list):
                        far = [x for x in v if isinstance(x, str) and out_of_range(x)]
                        if far:
                            bad[str(k)] = far[0]
        if bad:
            message = _("Tanggal harus antara tahun 1900 dan 2999.")
            fields = {k: [message] for k in sorted(bad)}
            if all(str(v)[:4] > "2999" for v in bad.values()):
                # after 2999 is after any business date: the API's code for a date in the future, and the
                # message names both dates as coop.datebounds does

                today = business_today().isoformat()
                raise FutureDate("; ".join(f"Tanggal {str(v)[:10]} melewati tanggal hari ini ({today})."
                                           for v in bad.values()), fields=fields)
            raise ValidationError(message, code="date_out_of_range", fields=fields)

    @app.after_request
    def _headers(resp):
        headers = resp.headers
        present = {name.lower() for name, _value in headers}  # a view's own value stays (setdefault)
        for lower, name, value in SECURITY_HEADERS:
            if lower not in present:
                headers.add(name, value)
        if "x-request-id" not in present:
            headers.add("X-Request-Id", getattr(g, "request_id", ""))
        req = request._get_current_object()
        if "cache-control" not in present and req.path.startswith("/api/"):
            headers.add("Cache-Control", "no-store")
        token = req.args.get("download_token", "") if req.query_string else ""
        if token and len(token) <= 40 and token.isdigit() and "attachment" in headers.get("Content-Disposition", ""):
            # an export started: static/js/busy.js sees the cookie and gives the button back (issue 15, item 9)
            resp.set_cookie("download_token", token, max_age=60, samesite="Lax", secure=req.is_secure)
        return resp
