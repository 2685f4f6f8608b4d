"""The request layer around every view (issue 17, eighth pass): the cookie session, the security headers,
the request id and the far-date guard behave as they did before the hot path was cut down."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask import Flask

from coop.audit.models import AuditLog
from coop.blueprints.hooks import SECURITY_HEADERS, CookieSessionInterface
from coop.db import db
from coop.savings.services import account_for


@pytest.fixture
def account(coop, make_member):
    return account_for(coop.id, make_member(coop).id, "sukarela")


def _deposit(api, users, account, **kw):
    return api(users["treasurer"]).post(f"/savings-accounts/{account.id}/deposits",
                                        json={"amount": 5000}, **kw)


# -- the cookie session ---------------------------------------------------------------------------------

@pytest.mark.parametrize("other_cookie", [False, True])
def test_an_api_deposit_with_a_bearer_token_sets_no_cookie(app, api, users, account, other_cookie):
    """Does a deposit with a bearer token and no session cookie (no Cookie header, or another cookie only)
    answer 201 without any Set-Cookie, still saying Vary: Cookie as Flask does (Flask-Login's after-request
    hook looks into the empty session)?"""
    assert isinstance(app.session_interface, CookieSessionInterface)
    client = api(users["treasurer"])
    if other_cookie:
        client.client.set_cookie("other", "1")
    resp = client.post(f"/savings-accounts/{account.id}/deposits", json={"amount": 5000},
                       headers={"Idempotency-Key": "k-1"})
    assert resp.status_code == 201
    assert "Set-Cookie" not in resp.headers
    assert "Cookie" in resp.headers.get("Vary", "")


def test_a_page_after_login_still_refreshes_the_session_cookie(app, client, users, login):
    """Does a page of a logged-in user still re-send the permanent session cookie (with an expiry) and say
    Vary: Cookie, and does log out still write a cookie without the user?"""
    login(users["admin"])
    resp = client.get("/")
    cookie = resp.headers.get("Set-Cookie", "")
    assert cookie.startswith("session=") and "Expires=" in cookie and "HttpOnly" in cookie
    assert "Cookie" in resp.headers.get("Vary", "")
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer.loads(client.get_cookie("session").value)["_user_id"]
    logout = client.post("/logout")
    assert logout.headers.get("Set-Cookie", "").startswith("session=")
    assert "_user_id" not in serializer.loads(client.get_cookie("session").value)


def test_a_bearer_request_that_carries_the_browser_cookie_still_reads_it(client, users, login, api):
    """With a browser's session cookie on a bearer request the session is opened as before (the cookie's
    language choice holds: an English message), and the permanent cookie is refreshed as before."""
    login(users["treasurer"])
    client.post("/lang/en")
    token = api(users["treasurer"]).headers
    resp = client.get("/api/v1/savings-accounts/999999999", headers=token)
    assert resp.status_code == 404
    assert resp.get_json()["error"]["message"] != "Halaman atau data tidak ditemukan."  # English
    assert resp.headers.get("Set-Cookie", "").startswith("session=")


def test_the_signing_serializer_is_built_once_per_key(app):
    """Is the session's signing serializer reused while the key stays, and rebuilt when the key or its
    fallbacks change (a cookie signed with a dropped key stops loading)?"""
    iface = app.session_interface
    first = iface.get_signing_serializer(app)
    assert iface.get_signing_serializer(app) is first
    signed = first.dumps({"lang": "en"})
    old_key, old_fallbacks = app.secret_key, app.config["SECRET_KEY_FALLBACKS"]
    try:
        app.secret_key = "another-key"
        other = iface.get_signing_serializer(app)
        assert other is not first
        assert other.loads_unsafe(signed)[0] is False
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert iface.get_signing_serializer(app).loads(signed) == {"lang": "en"}
    finally:
        app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = old_key, old_fallbacks
    assert iface.get_signing_serializer(app).loads(signed) == {"lang": "en"}


def test_a_read_empty_session_adds_vary_cookie_once_beside_the_views_own(app):
    """An empty session that was read (the language is looked up in it) says Vary: Cookie: alone when the view
    set no Vary, after the view's own value when it set one, and never twice."""
    from flask import session

    for own, expected in ((None, ["Cookie"]), ("Accept", ["Accept, Cookie"]), ("Cookie", ["Cookie"])):
        with app.test_request_context("/api/v1/x"):
            assert session.get("lang") is None
            resp = app.process_response(app.response_class("{}", headers={"Vary": own} if own else {}))
        assert resp.headers.getlist("Vary") == expected, own
        assert "Set-Cookie" not in resp.headers


def test_each_request_in_one_app_context_chooses_its_own_language(app):
    """Two browsers served inside one app context (as in tests and CLI calls, where ``g`` outlives a request):
    the second, which chose nothing, gets Indonesian, not the English the first one's request cached."""
    english, indonesian = app.test_client(), app.test_client()
    english.post("/lang/en", data={"next": "/login"})
    assert "<h1 class=\"h3 mb-3\">Log in</h1>" in english.get("/login").get_data(as_text=True)
    assert "<h1 class=\"h3 mb-3\">Masuk</h1>" in indonesian.get("/login").get_data(as_text=True)
    assert "<h1 class=\"h3 mb-3\">Log in</h1>" in english.get("/login").get_data(as_text=True)


# -- headers and the request id -------------------------------------------------------------------------

def test_an_api_response_carries_every_security_header_once(api, users, account):
    """Does a deposit's 201 carry nosniff, DENY, same-origin, the CSP, X-Request-Id and Cache-Control
    no-store, each exactly once?"""
    resp = _deposit(api, users, account)
    assert resp.status_code == 201
    for _lower, name, value in SECURITY_HEADERS:
        assert resp.headers.getlist(name) == [value], name
    assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers.getlist("Cache-Control") == ["no-store"]
    assert re.fullmatch(r"[0-9a-f]{32}", resp.headers["X-Request-Id"])


def test_a_page_has_the_security_headers_but_not_the_apis_no_store(client):
    """An HTML page gets the security headers once each, and not the API's ``Cache-Control: no-store``."""
    resp = client.get("/login")
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert len(resp.headers.getlist("X-Frame-Options")) == 1
    assert "no-store" not in resp.headers.get("Cache-Control", "")


def test_a_header_the_view_set_itself_is_kept(app):
    """A response that already has one of the headers (any case) keeps its value, alone."""
    with app.test_request_context("/api/v1/x"):
        resp = app.response_class("{}", headers={"x-frame-options": "SAMEORIGIN", "Cache-Control": "max-age=5",
                                                 "X-Request-Id": "mine"})
        resp = app.process_response(resp)
    assert resp.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert resp.headers.getlist("Cache-Control") == ["max-age=5"]
    assert resp.headers.getlist("X-Request-Id") == ["mine"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_the_callers_request_id_is_echoed_cut_to_64_and_audited(app, api, users, account):
    """Is a client's X-Request-Id echoed (at most 64 characters) and written on the deposit's audit row?"""
    rid = "r" * 80
    resp = _deposit(api, users, account, headers={"X-Request-Id": rid})
    assert resp.status_code == 201
    assert resp.headers["X-Request-Id"] == rid[:64]
    audited = db.session.execute(sa.select(AuditLog.request_id).where(
        AuditLog.action.like("ledger.post.savings.%")).order_by(AuditLog.id.desc())).scalars().first()
    assert audited == rid[:64]


# -- the far-date guard and the body --------------------------------------------------------------------

@pytest.mark.parametrize("where", ["json", "json-list", "query", "form", "multipart"])
def test_a_far_date_is_refused_wherever_it_is(client, api, users, account, where):
    """Is a date after 2999 a 422 naming the field in a JSON body (also inside a list), in the query string,
    in a url-encoded form and in a multipart form?"""
    if where.startswith("json"):
        body = {"amount": 5000, "value_date": "9999-12-31"} if where == "json" else {"amount": 5000,
                                                                                   "tags": ["2026-01-01", "3000-01-01"]}
        resp = api(users["treasurer"]).post(f"/savings-accounts/{account.id}/deposits", json=body)
        field = "value_date" if where == "json" else "tags"
    elif where == "query":
        resp = api(users["treasurer"]).post(f"/savings-accounts/{account.id}/deposits?on=9999-12-31",
                                            json={"amount": 5000})
        field = "on"
    else:
        data = {"username": "x", "password": "y", "on": "0001-01-01"}
        if where == "multipart":
            data["file"] = (io.BytesIO(b"x"), "a.txt")
        resp = client.post("/login", data=data)
        field = "on"
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    if where in ("form", "multipart"):
        assert "1900" in resp.get_data(as_text=True)
    else:
        assert field in resp.get_json()["error"]["fields"]


def test_a_body_that_is_no_form_is_not_read_as_one(client):
    """A text body shaped like a form (``on=0001-01-01``) is not form data: no 422 (the login page shows)."""
    resp = client.post("/login", data="on=0001-01-01", content_type="text/plain")
    assert resp.status_code != 422


@pytest.mark.parametrize("path", ["/login", "/api/v1/savings-accounts/1/deposits"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "application/x-www-form-urlencoded"])
def test_a_body_over_max_content_length_is_a_413_whatever_its_type(app, client, monkeypatch, content_type, path):
    """Is a body over MAX_CONTENT_LENGTH a 413 before the view (and before the API's 401 for a missing token),
    as reading the form made it, whether or not it is a form?"""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100)
    resp = client.post(path, data="a=" + "x" * 200, content_type=content_type)
    assert resp.status_code == 413


# -- ensure_sync ----------------------------------------------------------------------------------------

def test_ensure_sync_passes_plain_functions_and_methods_and_asks_flask_for_the_rest(app):
    """A plain function or bound method is returned as is; a coroutine function still goes to Flask's
    check (which wraps it, or says the async extra is missing), as with Flask's own ensure_sync."""
    def plain():
        return 1

    async def coroutine():
        return 1

    class Hook:
        def method(self):
            return 1

    bound = Hook().method
    assert app.ensure_sync(plain) is plain and app.ensure_sync(bound) is bound
    assert app.ensure_sync(len) is len  # a builtin: Flask's own check, returned as is

    def outcome(ensure_sync):
        try:
            return ensure_sync(coroutine) is not coroutine  # wrapped (asgiref installed)
        except RuntimeError as exc:  # Flask without the async extra
            return str(exc)

    assert outcome(app.ensure_sync) == outcome(Flask(__name__).ensure_sync)
    assert outcome(app.ensure_sync) is not False


# -- the Idempotency-Key read with the token ----------------------------------------------------------------

def _statements_of(app, call) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_a, **_k):
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        resp = call()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return resp, seen


def test_a_deposits_stored_response_is_read_with_its_token_and_a_replay_answers_from_it(app, api, users, account):
    """A deposit with an Idempotency-Key reads the stored response in the token's statement (no statement of
    its own on idempotent_requests but the INSERT); the replay with the same key answers the first 201 body
    from that same read and books nothing more; another key books again."""
    client = api(users["treasurer"])
    post = lambda key: client.post(f"/savings-accounts/{account.id}/deposits", json={"amount": 5000},  # noqa: E731
                                   headers={"Idempotency-Key": key})
    first, seen = _statements_of(app, lambda: post("k-read-1"))
    assert first.status_code == 201
    token_reads = [s for s in seen if "FROM api_tokens" in s]
    assert len(token_reads) == 1 and "idempotent_requests" in token_reads[0]
    lookups = [s for s in seen if s.startswith("SELECT") and "idempotent_requests" in s and "api_tokens" not in s]
    assert lookups == [], lookups
    again, seen = _statements_of(app, lambda: post("k-read-1"))
    assert again.status_code == 201 and again.json == first.json
    assert not any(s.startswith("INSERT") for s in seen), seen  # nothing posted, nothing stored again
    assert post("k-read-2").json["balance"] == 10_000


def test_a_stored_response_is_read_only_in_the_callers_cooperative(app, api, users, account, make_coop, make_user,
                                                                   make_member):
    """The same Idempotency-Key used by a treasurer of another cooperative is that cooperative's own: its
    deposit books (201 with its own body), it does not get the first cooperative's stored response."""
    other = make_coop()
    other_account = account_for(other.id, make_member(other).id, "sukarela")
    mine = api(users["treasurer"]).post(f"/savings-accounts/{account.id}/deposits", json={"amount": 5000},
                                        headers={"Idempotency-Key": "shared-key"})
    theirs = api(make_user(other, "treasurer")).post(f"/savings-accounts/{other_account.id}/deposits",
                                                     json={"amount": 7000}, headers={"Idempotency-Key": "shared-key"})
    assert mine.status_code == theirs.status_code == 201
    assert theirs.json["account_id"] == other_account.id and theirs.json["balance"] == 7000


@pytest.mark.parametrize("key, note", [("a\x00b", "tanpa karakter kontrol"), ("k\x01", "tanpa karakter kontrol"),
                                       ("x" * 129, "maks. 128 karakter")])
def test_an_idempotency_key_the_database_cannot_hold_is_a_422_and_books_nothing(api, users, account, key, note):
    """An Idempotency-Key holding NUL (PostgreSQL refuses it in text: it was a 500) or another control
    character, or longer than 128 characters, is a 422 naming the header; nothing is booked, and a good key
    then books."""
    client = api(users["treasurer"])
    resp = client.post(f"/savings-accounts/{account.id}/deposits", json={"amount": 5000},
                       headers={"Idempotency-Key": key})
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["fields"] == {"Idempotency-Key": [note]}
    ok = client.post(f"/savings-accounts/{account.id}/deposits", json={"amount": 5000},
                     headers={"Idempotency-Key": "k-good"})
    assert ok.status_code == 201 and ok.json["balance"] == 5000
