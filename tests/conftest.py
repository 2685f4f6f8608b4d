"""Test fixtures (flaskr's shape): one migrated schema per test session (per xdist worker), a SAVEPOINT
per test, factories as callables.

Database: SQLite in a temp folder by default; PostgreSQL when ``COOP_TEST_DATABASE_URL`` is set
(``make test-postgres`` starts a throwaway cluster and sets it).
"""
from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
import sqlalchemy as sa

from coop import clock, create_app
from coop.db import db

PG_URL = os.environ.get("COOP_TEST_DATABASE_URL")
_DEFAULT_JOIN_MODE = "conservative_savepoint" if sa.__version__.startswith("2.0") else "conditional_savepoint"

#: Each area's shared fixtures (factories other areas' tests use too).
pytest_plugins = [
    "tests.fixtures_registry",
    "tests.fixtures_ledger",
    "tests.fixtures_membership",
    "tests.fixtures_loans",
    "tests.fixtures_training",
    "tests.fixtures_desk",
    "tests.fixtures_programme",
]


#: The suite's business date: every test runs on it (the ``today`` fixture fixes coop.clock to it), so a
#: test and the code under test always share one "today". ``COOP_TEST_BUSINESS_DATE`` moves it (CI runs
#: the fast suite again on an awkward date: a month end, 29 February, New Year's Eve).
TEST_TODAY = date.fromisoformat(os.environ.get("COOP_TEST_BUSINESS_DATE") or "2026-11-27")


def _hypothesis_profile() -> None:
    """No per-example deadline: CI machines are shared, and a slow example is not a wrong one (the
    properties assert results, never time)."""
    from hypothesis import settings

    settings.register_profile("coop", deadline=None)
    settings.load_profile("coop")


_hypothesis_profile()


def pytest_configure(config):
    """``COOP_TEST_WALL_CLOCK`` (ISO timestamp with offset) moves the wall clock itself for the whole run
    (time-machine), so code that read the real clock instead of coop.clock would show."""
    moved = os.environ.get("COOP_TEST_WALL_CLOCK")
    if moved:
        import time_machine

        config._coop_time_travel = time_machine.travel(moved, tick=True)
        config._coop_time_travel.start()


def pytest_report_header(config):
    moved = os.environ.get("COOP_TEST_WALL_CLOCK")
    return [f"coop business date {TEST_TODAY.isoformat()}" + (f", wall clock moved to {moved}" if moved else "")]


@pytest.fixture(autouse=True)
def today():
    """The business date of every test (coop.clock fixed to ``TEST_TODAY``): pages, API calls, CLI commands
    and jobs see the same day the test reasons about."""
    with clock.frozen(TEST_TODAY):
        yield TEST_TODAY


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _fresh_database_url(tmp_path_factory, label: str) -> str:
    """A new empty database: a SQLite file, or a new PostgreSQL database on the test cluster."""
    if not PG_URL:
        return "sqlite:///" + str(tmp_path_factory.mktemp(f"db-{label}") / "test.sqlite3")
    name = f"coop_{label}_{_worker()}_{uuid.uuid4().hex[:6]}".lower()
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    if not PG_URL:
        return
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def make_migrated_app(url: str, **overrides):
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", **overrides})
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def _session_app(tmp_path_factory):
    url = _fresh_database_url(tmp_path_factory, "main")
    app = make_migrated_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()
    _drop_database(url)


@pytest.fixture
def app(_session_app):
    """The app, with every test inside an outer transaction that is rolled back at the end."""
    app = _session_app
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    outer = connection.begin()
    db.session.remove()
    db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield app
    finally:
        db.session.remove()
        # back to the default mode ("conservative_savepoint" was renamed "conditional_savepoint" in SA 2.1)
        db.session.configure(bind=None, join_transaction_mode=_DEFAULT_JOIN_MODE)
        outer.rollback()
        connection.close()
        ctx.pop()


@pytest.fixture
def committed_app(tmp_path_factory):
    """An app on its own fresh database where commits are real (concurrency tests). Slower."""
    url = _fresh_database_url(tmp_path_factory, "commit")
    app = make_migrated_app(url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    _drop_database(url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


PASSWORD = "rahasia-123"


@pytest.fixture
def make_coop(app):
    """``make_coop(name=..., village_code=...)`` -> a cooperative with its chart and default savings products."""
    from coop.db import atomic
    from coop.onboarding import found_cooperative

    def _make(name: str = "Koperasi Uji", village_code: str = "3504042001"):
        return atomic(found_cooperative, name=name, village_code=village_code)
    return _make


@pytest.fixture
def make_user(app):
    from coop.auth.services import create_user
    from coop.db import atomic

    counter = {"n": 0}

    def _make(coop, role: str = "admin", username: str | None = None, password: str = PASSWORD):
        counter["n"] += 1
        name = username or f"{role}{counter['n']}_{uuid.uuid4().hex[:5]}"
        return atomic(create_user, cooperative_id=coop.id, username=name, full_name=name.title(), role=role,
                      password=password)
    return _make


@pytest.fixture
def coop(make_coop):
    return make_coop()


@pytest.fixture
def users(coop, make_user):
    """One user per role of ``coop``: ``users['treasurer']`` ..."""
    from coop.auth.roles import ALL_ROLES

    return {role: make_user(coop, role) for role in ALL_ROLES}


@pytest.fixture
def login(client):
    def _login(user, password: str = PASSWORD):
        client.post("/logout")
        resp = client.post("/login", data={"username": user.username, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client
    return _login


@pytest.fixture
def api(app):
    """``api(user)`` -> a small JSON client with a bearer token for ``user``."""
    from coop.auth.services import issue_token
    from coop.db import atomic, utcnow

    class Api:
        def __init__(self, user):
            raw, _ = atomic(issue_token, user, now=utcnow())
            self.headers = {"Authorization": f"Bearer {raw}"}
            self.client = app.test_client()

        def _call(self, method, path, json=None, headers=None, **kw):
            h = dict(self.headers, **(headers or {}))
            return getattr(self.client, method)("/api/v1" + path, json=json, headers=h, **kw)

        def get(self, path, **kw):
            return self._call("get", path, **kw)

        def post(self, path, json=None, **kw):
            return self._call("post", path, json=json, **kw)

        def delete(self, path, **kw):
            return self._call("delete", path, **kw)

        def patch(self, path, json=None, **kw):
            return self._call("patch", path, json=json, **kw)

        def put(self, path, json=None, **kw):
            return self._call("put", path, json=json, **kw)

    return Api

