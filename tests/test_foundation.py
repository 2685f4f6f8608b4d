"""Foundation: factory, auth, throttling, CSRF, errors, language, API auth, OpenAPI."""
from __future__ import annotations

import pytest

from coop import create_app
from tests.conftest import PASSWORD


def test_login_page_is_in_bahasa_indonesia(client):
    """Is the login page in Bahasa Indonesia ("Masuk", "Kata sandi", lang="id")?"""
    resp = client.get("/login")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Masuk" in html and "Kata sandi" in html
    assert 'lang="id"' in html


def test_login_and_dashboard(client, users, login):
    """Does a logged-in treasurer get the dashboard (200, "Beranda")?"""
    login(users["treasurer"])
    resp = client.get("/dashboard")
    assert resp.status_code == 200
    assert "Beranda" in resp.get_data(as_text=True)


def test_wrong_password_shows_form_message(client, users):
    """Does a wrong password re-show the login form (200) with "Nama pengguna atau kata sandi salah."?"""
    resp = client.post("/login", data={"username": users["treasurer"].username, "password": "salah-salah"})
    assert resp.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in resp.get_data(as_text=True)


def test_login_throttled_after_five_failures_even_with_right_password(client, users):
    """After 5 failures in a minute the 6th attempt is refused with 429, even with the right password."""
    name = users["treasurer"].username
    for _ in range(5):
        assert client.post("/login", data={"username": name, "password": "salah-salah"}).status_code == 200
    resp = client.post("/login", data={"username": name, "password": PASSWORD})
    assert resp.status_code == 429
    assert "Terlalu banyak percobaan" in resp.get_data(as_text=True)


def test_api_token_throttled(app, users):
    """After five failed token requests (401), is the sixth, even with the right password, 429
    too_many_requests?"""
    c = app.test_client()
    name = users["auditor"].username
    for _ in range(5):
        assert c.post("/api/v1/auth/tokens", json={"username": name, "password": "x"}).status_code == 401
    resp = c.post("/api/v1/auth/tokens", json={"username": name, "password": PASSWORD})
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "too_many_requests"


def test_passwords_are_hashed_with_scrypt(users):
    """Is a password stored as a scrypt hash that does not contain the password?"""
    assert users["admin"].password_hash.startswith("scrypt:")
    assert PASSWORD not in users["admin"].password_hash


def test_csrf_rejects_form_without_token(_session_app):
    """With CSRF on, is a login form posted without a token refused with 400 "Formulir kedaluwarsa"?"""
    app = _session_app
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        resp = app.test_client().post("/login", data={"username": "x", "password": "y"})
        assert resp.status_code == 400
        assert "Formulir kedaluwarsa" in resp.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_api_token_flow_and_me(app, coop, users):
    """Does a manager's token (201) open GET /api/v1/me with role manager and the cooperative's id, name and
    village code?"""
    c = app.test_client()
    resp = c.post("/api/v1/auth/tokens", json={"username": users["manager"].username, "password": PASSWORD})
    assert resp.status_code == 201
    token = resp.get_json()["token"]
    me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    body = me.get_json()
    assert body["role"] == "manager"
    assert body["cooperative"] == {"id": coop.id, "name": coop.name, "village_code": coop.village_code}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic x"}])
def test_api_without_valid_token_is_401_envelope(client, headers):
    """Is /api/v1/me without a token, with an unknown bearer token or with Basic auth 401 with code
    unauthorized or invalid_token?"""
    resp = client.get("/api/v1/me", headers=headers)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] in ("unauthorized", "invalid_token")


@pytest.mark.parametrize("body", [None, "not json", [], {"username": 5}])
def test_token_endpoint_rejects_bad_bodies_with_422(client, body):
    """Is the token endpoint 422 with an error envelope for an empty body, non-JSON text, a list and a numeric
    username?"""
    if body is None or isinstance(body, str):
        resp = client.post("/api/v1/auth/tokens", data=body or "", content_type="application/json")
    else:
        resp = client.post("/api/v1/auth/tokens", json=body)
    assert resp.status_code == 422
    assert "error" in resp.get_json()


def test_unknown_api_path_is_404_envelope(client):
    """Is an unknown /api/v1 path 404 with error code not_found?"""
    resp = client.get("/api/v1/does-not-exist")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_security_headers(client):
    """Does a page carry X-Frame-Options DENY, X-Content-Type-Options nosniff and a CSP with frame-ancestors
    'none'?"""
    resp = client.get("/login")
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_openapi_document_lists_contract(client):
    """Is /api/v1/openapi.json an OpenAPI 3 document listing /api/v1/auth/tokens and /api/v1/me, and do the
    docs render?"""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/tokens" in spec["paths"]
    assert "/api/v1/me" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_language_switch_to_english_and_back(client, users, login):
    """Does switching to English give lang="en" on the dashboard, and switching back lang="id"?"""
    login(users["admin"])
    client.post("/lang/en")
    assert 'lang="en"' in client.get("/dashboard").get_data(as_text=True)
    client.post("/lang/id")
    assert 'lang="id"' in client.get("/dashboard").get_data(as_text=True)


def test_production_refuses_to_start_without_secret(monkeypatch):
    """Does create_app("production") refuse to start without COOP_SECRET_KEY (RuntimeError naming it)?"""
    monkeypatch.delenv("COOP_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="COOP_SECRET_KEY"):
        create_app("production")


def test_audit_page_lists_user_creation(client, users, login):
    """Does the audit page show an auditor the user.create entries?"""
    login(users["auditor"])
    resp = client.get("/admin/audit")
    assert resp.status_code == 200
    assert "user.create" in resp.get_data(as_text=True)


def test_member_role_cannot_open_audit_log(client, users, login):
    """Is the audit log 403 to a member?"""
    login(users["member"])
    assert client.get("/admin/audit").status_code == 403


def test_a_founded_cooperative_has_chart_and_default_savings_products(make_coop):
    """found_cooperative opens the books: chart of accounts, chain head and the four savings products."""
    import sqlalchemy as sa

    from coop.db import db
    from coop.ledger.models import Account, LedgerHead
    from coop.savings.models import SavingsProduct

    c = make_coop("Koperasi Baru")
    kinds = set(db.session.scalars(sa.select(SavingsProduct.kind).where(SavingsProduct.cooperative_id == c.id)))
    assert kinds == {"pokok", "wajib", "sukarela", "berjangka"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account).where(Account.cooperative_id == c.id)) >= 30
    assert db.session.get(LedgerHead, c.id).chain_seq == 0


def test_throttling_behind_a_trusted_proxy_counts_the_real_client(tmp_path):
    """With COOP_TRUSTED_PROXIES=1 the client address comes from X-Forwarded-For, so one client's
    failures do not lock out everyone else behind the same proxy (one address is throttled after
    LOGIN_ADDRESS_MAX_FAILURES failures whatever the usernames)."""
    from coop.db import db
    from tests.conftest import make_migrated_app

    app = make_migrated_app("sqlite:///" + str(tmp_path / "proxy.sqlite3"), TRUSTED_PROXIES=1)
    try:
        c = app.test_client()
        for n in range(app.config["LOGIN_ADDRESS_MAX_FAILURES"]):
            c.post("/api/v1/auth/tokens", json={"username": f"nobody{n}", "password": "x"},
                   headers={"X-Forwarded-For": "10.9.9.1"})
        blocked = c.post("/api/v1/auth/tokens", json={"username": "other", "password": "x"},
                         headers={"X-Forwarded-For": "10.9.9.1"})
        other_client = c.post("/api/v1/auth/tokens", json={"username": "other", "password": "x"},
                              headers={"X-Forwarded-For": "10.9.9.2"})
        assert blocked.status_code == 429
        assert other_client.status_code == 401
    finally:
        with app.app_context():
            db.engine.dispose()


def test_nul_in_a_search_box_is_a_422_in_the_users_language(client, users, login):
    """PostgreSQL refuses NUL in text; a page answers 422 naming the problem, in English when chosen."""
    login(users["admin"])
    resp = client.get("/members/?q=a%00b")
    assert resp.status_code == 422
    assert "karakter NUL" in resp.get_data(as_text=True)
    client.post("/lang/en")
    resp = client.get("/members/?q=a%00b")
    assert resp.status_code == 422
    assert "Text must not contain a NUL character." in resp.get_data(as_text=True)


def test_prepared_executemany_with_shared_values_stores_what_core_stores(coop):
    """``Prepared.run(many=True, shared=...)`` (the bulk imports' INSERTs): the shared values go through
    their bind processors once (an aware timestamp in another zone is stored as UTC) and every row stores
    what a Core executemany of the same full rows stores; a row's own value of a shared name is ignored."""
    from datetime import UTC, datetime, timedelta, timezone

    import sqlalchemy as sa

    from coop.audit.models import AuditLog
    from coop.db import Prepared, db

    t = AuditLog.__table__
    cols = ("cooperative_id", "actor_id", "action", "object_type", "object_id", "summary", "request_id", "at")
    at = datetime(2026, 5, 1, 8, 30, tzinfo=timezone(timedelta(hours=7)))
    shared = {"cooperative_id": coop.id, "actor_id": None, "action": "test.prepared", "object_type": "x",
              "request_id": None, "at": at}
    own = [{"object_id": str(i), "summary": f'{{"i": {i}}}'} for i in range(3)]
    conn = db.session.connection()
    Prepared(t.insert().values({c: sa.bindparam(c, type_=t.c[c].type) for c in cols})).run(
        conn, [own[0], {**own[1], "action": "ignored"}, own[2]], many=True, shared=shared)
    conn.execute(t.insert(), [{**shared, **r, "action": "test.core"} for r in own])

    def stored(action):
        return [tuple(r) for r in db.session.execute(sa.select(*(t.c[c] for c in cols if c != "action")).where(
            t.c.action == action).order_by(t.c.id)).all()]
    assert stored("test.prepared") == stored("test.core") and len(stored("test.core")) == 3
    assert stored("test.prepared")[0][-1] == datetime(2026, 5, 1, 1, 30, tzinfo=UTC)
    assert not stored("ignored")


def test_bulk_insert_stores_what_core_stores_with_any_text_in_row_order(coop):
    """``BulkInsert`` (the bulk imports' and their audit rows' INSERTs: COPY on PostgreSQL, a prepared
    executemany elsewhere): every row stores what a Core executemany of the same rows stores, text with
    backslashes, tabs, quotes, ``\\N``, a lone ``\\.`` and non-ASCII unchanged, NULL as NULL and an empty
    string as an empty string, the shared timestamp as UTC, and the ids ascend in the order of the rows."""
    from datetime import UTC, datetime, timedelta, timezone

    import sqlalchemy as sa

    from coop.audit.models import AuditLog
    from coop.db import BulkInsert, db

    t = AuditLog.__table__
    cols = ("cooperative_id", "actor_id", "action", "object_type", "object_id", "summary", "request_id", "at")
    at = datetime(2026, 5, 1, 8, 30, tzinfo=timezone(timedelta(hours=7)))
    shared = {"cooperative_id": coop.id, "actor_id": None, "object_type": "x", "at": at}
    texts = ["a\\b", "tab\there", "\\N", "\\.", "", "'q' \"dq\" é ñ 中", "line\\nnot-a-newline", "x" * 3000]
    own = [{"object_id": str(i), "summary": s, "request_id": None if i % 2 else f"r{i}"} for i, s in enumerate(texts)]
    conn = db.session.connection()
    BulkInsert(t, cols).run(conn, [{**r, "action": "test.bulk"} for r in own], shared=shared)
    conn.execute(t.insert(), [{**shared, **r, "action": "test.core"} for r in own])

    def stored(action):
        return [tuple(r) for r in db.session.execute(sa.select(*(t.c[c] for c in cols if c != "action")).where(
            t.c.action == action).order_by(t.c.id)).all()]
    assert stored("test.bulk") == stored("test.core") and len(stored("test.core")) == len(texts)
    # (cooperative_id, actor_id, object_type, object_id, summary, request_id, at)
    assert [r[4] for r in stored("test.bulk")] == texts and [r[3] for r in stored("test.bulk")] == [
        str(i) for i in range(len(texts))]
    assert stored("test.bulk")[0][-1] == datetime(2026, 5, 1, 1, 30, tzinfo=UTC)
    assert stored("test.bulk")[1][5] is None and stored("test.bulk")[0][5] == "r0"
