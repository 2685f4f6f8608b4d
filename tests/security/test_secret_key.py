"""Finding 1: no constant session key."""
from __future__ import annotations

import os
import stat

import pytest

from coop import create_app


@pytest.fixture
def fresh_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("COOP_SECRET_KEY", raising=False)
    monkeypatch.delenv("COOP_ENV", raising=False)
    monkeypatch.setenv("COOP_INSTANCE_PATH", str(tmp_path / "instance"))
    return tmp_path / "instance"


def _dev_app(tmp_path):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})


def test_a_fresh_machine_gets_a_random_key_once_and_reuses_it(fresh_instance, tmp_path):
    """Does a development start without COOP_SECRET_KEY create a random 0600 key file once and reuse it?"""
    first = _dev_app(tmp_path).config["SECRET_KEY"]
    key_file = fresh_instance / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first) >= 32 and first != "dev-only-secret-change-me"
    assert _dev_app(tmp_path).config["SECRET_KEY"] == first


def test_two_machines_get_different_keys(fresh_instance, tmp_path, monkeypatch):
    """Do two fresh instance folders get two different keys (nothing constant)?"""
    first = _dev_app(tmp_path).config["SECRET_KEY"]
    monkeypatch.setenv("COOP_INSTANCE_PATH", str(tmp_path / "other"))
    assert _dev_app(tmp_path).config["SECRET_KEY"] != first


def test_the_old_constant_key_is_refused(fresh_instance, tmp_path, monkeypatch):
    """Is the old constant 'dev-only-secret-change-me' refused even when set explicitly?"""
    monkeypatch.setenv("COOP_SECRET_KEY", "dev-only-secret-change-me")
    with pytest.raises(RuntimeError, match="COOP_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                    "SECRET_KEY": "dev-only-secret-change-me"})


def test_production_never_falls_back_to_the_key_file(fresh_instance, tmp_path):
    """Does production refuse to start without COOP_SECRET_KEY even when a key file exists?"""
    _dev_app(tmp_path)
    with pytest.raises(RuntimeError, match="COOP_SECRET_KEY"):
        create_app("production")


def test_a_forged_cookie_signed_with_the_old_constant_is_not_a_login(fresh_instance, tmp_path):
    """Is a session cookie signed with the old constant key rejected (the admin pages redirect to login)?"""
    from flask.sessions import SecureCookieSessionInterface

    app = _dev_app(tmp_path)
    forger = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True,
                         "SECRET_KEY": "forger-" + "x" * 40})
    forger.secret_key = "dev-only-secret-change-me"
    serializer = SecureCookieSessionInterface().get_signing_serializer(forger)
    cookie = serializer.dumps({"_user_id": "1", "_fresh": True})
    client = app.test_client()
    client.set_cookie("session", cookie)
    resp = client.get("/admin/users")
    assert resp.status_code in (302, 401)
