"""PostgreSQL resilience (issue 22 item 4): pool_pre_ping, a database outage answers 503
``database_unavailable`` with one log line per outage, and ``GET /healthz`` reports the database and the last
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


def test_postgresql_restart_is_not_a_500(committed_app):
    """PostgreSQL: pool_pre_ping is on, so after every server connection was killed (as by a restart) the next
    request gets a fresh connection and answers 200, not a 500."""
    url = sa.engine.make_url(committed_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only (SQLite has no server to restart)")
    with committed_app.app_context():
        assert db.engine.pool._pre_ping is True
    client = committed_app.test_client()
    assert client.get("/healthz").status_code == 200  # a pooled connection now exists
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    admin.dispose()
    assert killed >= 1
    assert client.get("/healthz").status_code == 200
