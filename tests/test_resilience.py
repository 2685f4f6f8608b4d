"""PostgreSQL resilience (issue 22 item 4): a pooled connection that died is replaced (coop.db's liveness
check), a database outage answers 503 ``database_unavailable`` with one log line per outage, and ``GET /healthz`` reports the database and the last
job run without a login."""
from __future__ import annotations

import logging
from datetime import date

import pytest
import sqlalchemy as sa

from coop import create_app
from coop.db import atomic, db


def _down_app(tmp_path, committed_app):
    """An app whose database cannot be reached: a PostgreSQL port nobody listens on, or a SQLite file in a
    folder that does not exist."""
    url = sa.engine.make_url(committed_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        down = f"sqlite:///{tmp_path}/gone/coop.sqlite3"
    else:
        down = url.set(host="127.0.0.1", port=1).render_as_string(hide_password=False)
    return create_app({"SQLALCHEMY_DATABASE_URI": down, "TESTING": True, "SECRET_KEY": "test",
                       "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})


def test_outage_answers_503_with_one_log_line(committed_app, tmp_path, caplog):
    """During an outage the API answers 503 with the JSON envelope (code database_unavailable), a page answers a
    plain 503 page, /healthz says the database is unavailable; five requests log ONE error line, without a
    traceback; the first good answer after it logs that the database is back."""
    app = _down_app(tmp_path, committed_app)
    client = app.test_client()
    caplog.set_level(logging.INFO, logger="coop")
    for _ in range(3):
        res = client.get("/api/v1/me", headers={"Authorization": "Bearer bukan-token-yang-ada"})
        assert res.status_code == 503, res.data
        assert res.get_json()["error"]["code"] == "database_unavailable"
        assert res.headers["Retry-After"] == "30"
    page = client.post("/login", data={"username": "bendahara", "password": "rahasia-123"})
    assert page.status_code == 503 and b"Basis data sedang tidak dapat dihubungi" in page.data
    assert b"Traceback" not in page.data
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"ok": False, "database": "unavailable", "scheduler": None}
    errors = [r for r in caplog.records if r.name == "coop" and r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].getMessage().startswith("database unavailable: ")
    assert errors[0].exc_info is None
    # the database comes back: the next good answer closes the outage with one line
    from coop.blueprints import errors as errors_module

    assert errors_module._outage["since"] is not None
    good = committed_app.test_client().get("/healthz")
    assert good.status_code == 200
    assert errors_module._outage["since"] is None
    assert any("database available again" in r.getMessage() for r in caplog.records)


def test_healthz_reports_database_and_last_job_run(committed_app):
    """GET /healthz without login: database ok and the scheduler's last run (job id and time), null before any."""
    from coop.jobs.models import JobRun

    client = committed_app.test_client()
    assert client.get("/healthz").get_json() == {"ok": True, "database": "ok",
                                                 "scheduler": {"last_job": None, "last_run_at": None}}
    with committed_app.app_context():
        from coop.onboarding import found_cooperative

        cid = atomic(lambda: found_cooperative(name="Koperasi Sehat", village_code="3504042001").id)
        atomic(lambda: db.session.add(JobRun(job_id="savings.interest", cooperative_id=cid, period_key="2026-10",
                                             as_of=date(2026, 10, 31), finished_at=db_utc(), summary="")))
    body = client.get("/healthz").get_json()
    assert body["ok"] is True and body["scheduler"]["last_job"] == "savings.interest"
    assert body["scheduler"]["last_run_at"].startswith("2026-")


def db_utc():
    from datetime import UTC, datetime

    return datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def _postgres_only(app) -> sa.engine.URL:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only (SQLite has no server to restart and no pool to ping)")
    return url


def test_postgresql_restart_is_not_a_500(committed_app, monkeypatch):
    """PostgreSQL: after every server connection was killed (as by a restart) the next request gets a fresh
    connection and answers 200, not a 500 or a 503, although its pooled connection was used "a moment ago"
    (the clock stands still: always inside the ping's bypass window): the killed backend's notice made the
    socket readable, so the pool pinged it, found it dead and connected again."""
    from coop import clock

    url = _postgres_only(committed_app)
    with committed_app.app_context():
        assert db.engine.pool._pre_ping is False  # the liveness check of coop.db replaces it
    still = clock.monotonic()
    monkeypatch.setattr(clock, "monotonic", lambda: still)
    client = committed_app.test_client()
    assert client.get("/healthz").status_code == 200  # a pooled connection now exists
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    others = ("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
              "AND backend_type = 'client backend'")
    with admin.connect() as conn:
        killed = conn.execute(sa.text(f"SELECT count(pg_terminate_backend(pid)) FROM ({others}) o")).scalar()
        for _ in range(200):  # until the backends are gone, as after a restart
            if not conn.execute(sa.text(others)).all():
                break
            conn.execute(sa.text("SELECT pg_sleep(0.01)"))
    admin.dispose()
    assert killed >= 1
    assert client.get("/healthz").status_code == 200


def test_pool_pings_only_a_connection_that_sat_idle(committed_app, monkeypatch):
    """PostgreSQL: a connection taken back within DATABASE_PING_AFTER_IDLE_MS (500) of its last use is not
    pinged (the cash desk's busy case: one round trip fewer a request); one idle longer is pinged once; a
    failed ping gives the request a fresh connection, and the request answers 200."""
    _postgres_only(committed_app)
    with committed_app.app_context():
        dialect = db.engine.dialect
    pings: list[bool] = []
    real_ping = dialect.do_ping
    answer = {"alive": True}

    def counted(dbapi_connection):
        pings.append(answer["alive"])
        return real_ping(dbapi_connection) and answer["alive"]

    monkeypatch.setattr(dialect, "do_ping", counted)
    from coop import clock

    later = clock.monotonic()
    monkeypatch.setattr(clock, "monotonic", lambda: later)  # the clock moves only when the test says so
    client = committed_app.test_client()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert pings == []
    later += 0.6
    assert client.get("/healthz").status_code == 200
    assert pings == [True]
    later += 0.6
    answer["alive"] = False
    assert client.get("/healthz").status_code == 200
    assert pings == [True, False]  # the fresh connection is not pinged again
    with committed_app.app_context():
        assert db.engine.pool.checkedout() == 0
