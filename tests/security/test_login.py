"""Findings 4 and 6: the redirect after login; timing, throttling and the write lock around passwords."""
from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/\\evil.example",
                                    "https://evil.example/", "/%0d%0aSet-Cookie:x=1", "%2F%2Fevil.example",
                                    "/%0a/evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(client, users, target):
    """Does ?next= only ever send to a same-site path (no //host after browsers drop tabs, no 500)?"""
    resp = client.post(f"/login?next={target}", data={"username": users["admin"].username, "password": PASSWORD})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.endswith("/dashboard"), location


def test_login_keeps_a_same_site_next(client, users):
    """Is a plain same-site path with a query kept?"""
    resp = client.post("/login?next=/members/%3Fq%3Dsiti", data={"username": users["admin"].username,
                                                                  "password": PASSWORD})
    assert resp.headers["Location"].endswith("/members/?q=siti")


def test_unknown_usernames_cost_a_password_hash_too(app, monkeypatch):
    """Does a login for an unknown username run one scrypt check (so timing does not reveal who exists)?"""
    from coop.auth import services

    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    assert services.check_credentials("tidak-ada-orangnya", "apa-saja-123") is None
    assert len(calls) == 1 and calls[0].startswith("scrypt:")


def test_attempts_from_other_addresses_do_not_lock_the_real_user_out(app, users):
    """After 5 failures for a username from one address, does the user still log in from another?"""
    name = users["treasurer"].username
    attacker = app.test_client()
    for _ in range(6):
        attacker.post("/api/v1/auth/tokens", json={"username": name, "password": "salah-salah-1"},
                      environ_base={"REMOTE_ADDR": "10.0.0.66"})
    blocked = attacker.post("/api/v1/auth/tokens", json={"username": name, "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "10.0.0.66"})
    assert blocked.status_code == 429
    real = app.test_client().post("/api/v1/auth/tokens", json={"username": name, "password": PASSWORD},
                                  environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert real.status_code == 201


def test_one_address_is_throttled_whatever_the_usernames(app, users):
    """Is one address spraying many usernames throttled after LOGIN_ADDRESS_MAX_FAILURES?"""
    c = app.test_client()
    limit = app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    codes = [c.post("/api/v1/auth/tokens", json={"username": f"orang{n}", "password": "salah-salah-1"},
                    environ_base={"REMOTE_ADDR": "10.0.0.99"}).status_code for n in range(limit + 1)]
    assert codes[:limit] == [401] * limit and codes[limit] == 429


def test_concurrent_bad_logins_run_at_most_the_limit_of_password_checks(committed_app, monkeypatch):
    """40 concurrent bad logins for one user from one address: no more than LOGIN_MAX_FAILURES (5)
    password checks run (the counter is reserved atomically before the check), on both databases."""
    from coop.auth import services
    from coop.auth.models import User
    from coop.db import atomic

    app = committed_app
    with app.app_context():
        coop = atomic(services.create_cooperative, name="K", village_code="3504042001")
        atomic(services.create_user, cooperative_id=coop.id, username="sasaran", full_name="S",
               role="treasurer", password=PASSWORD)
    checks = []
    real = User.check_password

    def slow_check(self, password):
        checks.append(1)
        time.sleep(0.05)
        return real(self, password)

    monkeypatch.setattr(User, "check_password", slow_check)
    start = threading.Barrier(40)
    codes = []

    def attempt():
        c = app.test_client()
        start.wait()
        codes.append(c.post("/api/v1/auth/tokens", json={"username": "sasaran", "password": "salah-salah-1"},
                            environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checks) <= app.config["LOGIN_MAX_FAILURES"]
    assert sorted(set(codes)) == [401, 429] and codes.count(401) == len(checks)


def test_password_check_runs_outside_any_write_transaction(app, users, monkeypatch):
    """Is the password checked with no unit of work open (a scrypt run inside the SQLite write lock
    stalls every deposit)?"""
    from coop.auth.models import User
    from coop.db import in_unit_of_work

    seen = []
    real = User.check_password
    monkeypatch.setattr(User, "check_password", lambda self, p: seen.append(in_unit_of_work()) or real(self, p))
    resp = app.test_client().post("/api/v1/auth/tokens", json={"username": users["auditor"].username,
                                                               "password": PASSWORD})
    assert resp.status_code == 201
    client = app.test_client()
    client.post("/login", data={"username": users["auditor"].username, "password": PASSWORD})
    assert seen == [False, False]


def test_throttle_counter_is_one_row_per_key(app, users):
    """Do repeated failures update one counter row per key (not one row per attempt)?"""
    from coop.auth.models import LoginThrottle
    from coop.db import db

    c = app.test_client()
    for _ in range(3):
        c.post("/api/v1/auth/tokens", json={"username": "siapa", "password": "salah-salah-1"},
               environ_base={"REMOTE_ADDR": "10.2.2.2"})
    rows = dict(db.session.execute(sa.select(LoginThrottle.key, LoginThrottle.failures)
                                   .where(LoginThrottle.key.like("%10.2.2.2"))).all())
    assert rows == {"u:siapa|a:10.2.2.2": 3, "a:10.2.2.2": 3}
