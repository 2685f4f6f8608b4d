"""Finding 2: revoking access (token logout, password change, deactivation, session versions)."""
from __future__ import annotations

from tests.conftest import PASSWORD

NEW = "kebun-kopi-lereng-7"


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _copy(app, cookie):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_delete_current_token_revokes_only_that_token(api, users):
    """Does DELETE /auth/tokens/current answer 204, and is that token then 401 while another still works?"""
    first, second = api(users["treasurer"]), api(users["treasurer"])
    assert first.delete("/auth/tokens/current").status_code == 204
    assert first.get("/me").status_code == 401
    assert second.get("/me").status_code == 200


def test_logout_ends_a_copied_session_cookie(app, client, users, login):
    """Is a session cookie copied before logging out refused afterwards (redirected to the login page)?"""
    login(users["admin"])
    copied = _copy(app, _session_cookie(client))
    assert copied.get("/admin/users").status_code == 200
    client.post("/logout")
    assert copied.get("/admin/users").status_code == 302


def test_a_cookie_with_only_the_user_id_is_not_a_login(app, client, users, login):
    """Is the old id-only session format (what a forged or pre-upgrade cookie carries) refused?"""
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    other = app.test_client()
    other.set_cookie("session", serializer.dumps({"_user_id": str(users["admin"].id), "_fresh": True}))
    assert other.get("/admin/users").status_code == 302


def test_api_password_change_keeps_the_callers_token_and_ends_the_rest(app, api, client, users, login):
    """POST /me/password: 204; the calling token works, another token is 401, a session is logged out,
    the new password logs in and the old one does not."""
    user = users["officer"]
    login(user)
    mine, other = api(user), api(user)
    resp = mine.post("/me/password", json={"current_password": PASSWORD, "new_password": NEW})
    assert resp.status_code == 204, resp.get_json()
    assert mine.get("/me").status_code == 200
    assert other.get("/me").status_code == 401
    assert client.get("/dashboard").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/api/v1/auth/tokens", json={"username": user.username, "password": PASSWORD}).status_code == 401
    assert fresh.post("/api/v1/auth/tokens", json={"username": user.username, "password": NEW}).status_code == 201


def test_wrong_current_password_is_a_422_naming_the_field(api, users):
    """Is a wrong current_password a 422 naming that field (not a 401), and a weak new one named too?"""
    me = api(users["officer"])
    resp = me.post("/me/password", json={"current_password": "salah-sekali-123", "new_password": NEW})
    assert resp.status_code == 422
    assert "current_password" in resp.get_json()["error"]["fields"]
    resp = me.post("/me/password", json={"current_password": PASSWORD, "new_password": "password123"})
    assert resp.status_code == 422
    assert list(resp.get_json()["error"]["fields"]) == ["new_password"]
    assert me.get("/me").status_code == 200


def test_password_change_page_keeps_this_session_and_ends_copies(app, client, users, login):
    """Does the page change the password, keep this browser logged in and log out a copied cookie?"""
    login(users["auditor"])
    copied = _copy(app, _session_cookie(client))
    assert client.get("/account/password").status_code == 200
    bad = client.post("/account/password", data={"current_password": "salah-sekali-123",
                                                  "new_password": NEW, "confirm": NEW})
    assert bad.status_code == 422
    resp = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW,
                                                   "confirm": NEW})
    assert resp.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert copied.get("/dashboard").status_code == 302


def test_admin_deactivation_by_api_ends_every_session_and_token(app, api, client, users, login):
    """PATCH /users/{id} {"active": false}: the user's tokens are 401 and sessions end at once; a member
    may not do it (403)."""
    victim = users["treasurer"]
    login(victim)
    token = api(victim)
    assert api(users["member"]).patch(f"/users/{victim.id}", json={"active": False}).status_code == 403
    resp = api(users["admin"]).patch(f"/users/{victim.id}", json={"active": False})
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert token.get("/me").status_code == 401
    assert client.get("/dashboard").status_code == 302
    assert app.test_client().post("/api/v1/auth/tokens", json={
        "username": victim.username, "password": PASSWORD}).status_code == 401


def test_admin_deactivation_page(app, client, users, login, api):
    """Does the admin users page deactivate a user (their token 401), and refuse the admin's own account?"""
    victim = users["manager"]
    token = api(victim)
    login(users["admin"])
    assert client.post(f"/admin/users/{victim.id}/active", data={"active": "0"}).status_code == 302
    assert token.get("/me").status_code == 401
    client.post(f"/admin/users/{users['admin'].id}/active", data={"active": "0"})
    assert client.get("/admin/users").status_code == 200


def test_cli_users_deactivate(app, api, users):
    """Does `flask users deactivate USERNAME` end the user's tokens at once?"""
    victim = users["auditor"]
    token = api(victim)
    result = app.test_cli_runner().invoke(args=["users", "deactivate", victim.username.upper()])
    assert result.exit_code == 0, result.output
    assert token.get("/me").status_code == 401
    assert app.test_cli_runner().invoke(args=["users", "deactivate", "tidak-ada"]).exit_code == 1


def test_a_token_revoked_behind_the_sessions_back_is_refused_at_once(app, users):
    """Is a token revoked by another worker (a Core UPDATE the session never saw) refused on the next
    check, even though its token and user objects are still held in this session's identity map?"""
    import sqlalchemy as sa

    from coop.auth.models import ApiToken
    from coop.auth.services import issue_token, token_for_raw
    from coop.db import atomic, db, utcnow

    raw, issued = atomic(issue_token, users["treasurer"], now=utcnow())
    held = token_for_raw(raw, now=utcnow())
    assert held is not None and held.id == issued.id and held.user.role == "treasurer"
    db.session.connection().execute(sa.update(ApiToken).where(ApiToken.id == issued.id).values(revoked=True))
    assert token_for_raw(raw, now=utcnow()) is None


def test_a_session_version_moved_behind_the_sessions_back_ends_the_login(users):
    """Is a session cookie's user refused once another worker moved the user's session version on (a
    Core UPDATE), although the User object is still held, and accepted with the new version?"""
    import sqlalchemy as sa

    from coop.auth.models import User
    from coop.auth.services import user_for_session
    from coop.db import db

    user = users["admin"]
    version = user.session_version or 0
    assert user_for_session(user.id, version) is user  # the session's own object, not a copy
    db.session.connection().execute(sa.update(User).where(User.id == user.id).values(session_version=version + 1))
    assert user_for_session(user.id, version) is None
    assert user_for_session(user.id, version + 1) is user
    assert user_for_session(2**62, 0) is None


def test_a_fresh_worker_authenticates_a_token_on_its_first_request(committed_app):
    """Does a new process (a gunicorn worker) whose very first request carries a bearer token answer 200,
    although no ORM query has configured the mappers yet when authentication builds the user?"""
    import subprocess
    import sys

    from coop.auth.services import create_cooperative, create_user, issue_token
    from coop.db import atomic, db, utcnow

    with committed_app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)

        def _token():
            c = create_cooperative(name="Koperasi Pekerja Baru", village_code="3504042001")
            user = create_user(cooperative_id=c.id, username="kasir_baru", full_name="Kasir Baru",
                               role="treasurer", password="kasir-baru-123")
            return issue_token(user, now=utcnow())[0]
        raw = atomic(_token)
    code = ("from coop import create_app\n"
            f"app = create_app({{'SQLALCHEMY_DATABASE_URI': {url!r}, 'SECRET_KEY': 'x'}})\n"
            f"print(app.test_client().get('/api/v1/me', headers={{'Authorization': 'Bearer {raw}'}}).status_code)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1:] == ["200"], done.stderr[-2000:]
