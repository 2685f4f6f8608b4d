"""The scale path (ARCHITECTURE.md section 9): pgbouncer URLs, the read engine of reports and exports, and
the scheduler's advisory lock. The PostgreSQL-only tests run under scripts/with_postgres.sh; the replica
tests (marker ``replica``) under scripts/with_replica.sh."""
from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date

import click
import pytest
import sqlalchemy as sa

from coop import create_app
from coop.auth.services import create_user, issue_token
from coop.cli import _scheduler_lock
from coop.db import READ_BIND, atomic, db, pooled_url, read_session, utcnow
from coop.jobs import lock as scheduler_lock
from coop.ledger import chart
from coop.ledger import reports as ledger_reports
from coop.ledger.rules import Line
from coop.ledger.services import account_by_code, post_entry
from coop.onboarding import found_cooperative
from tests.conftest import PG_URL, _drop_database, _fresh_database_url, make_migrated_app

REPLICA_URL = os.environ.get("COOP_TEST_READ_DATABASE_URL")
#: The cluster itself: under scripts/with_pgbouncer.sh PG_URL goes through pgbouncer, where a session advisory
#: lock does not hold (the scheduler's lock needs a direct connection).
DIRECT_URL = os.environ.get("COOP_TEST_DIRECT_DATABASE_URL") or PG_URL
postgres_only = pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (scripts/with_postgres.sh)")


# ---------------------------------------------------------------------------------------------------
# pgbouncer: prepared statements off
# ---------------------------------------------------------------------------------------------------

def test_a_url_marked_pgbouncer_loses_the_marker_and_is_pooled():
    """Does ``?pgbouncer=1`` mark a URL as pooled and disappear from what psycopg receives?"""
    url, pooled = pooled_url("postgresql+psycopg://coop@127.0.0.1:6432/coop?pgbouncer=1&connect_timeout=5")
    assert pooled is True
    assert url == "postgresql+psycopg://coop@127.0.0.1:6432/coop?connect_timeout=5"
    assert pooled_url("postgresql+psycopg://coop@h/coop?pgbouncer=0") == ("postgresql+psycopg://coop@h/coop", False)
    assert pooled_url("postgresql+psycopg://coop@h/coop", pgbouncer_env=True)[1] is True
    assert pooled_url("sqlite:////tmp/x.sqlite3", pgbouncer_env=True)[1] is False


def test_through_pgbouncer_psycopg_prepares_no_statements(tmp_path):
    """Does COOP_PGBOUNCER (or the URL) give the engines ``prepare_threshold=None``, and a direct URL not?"""
    pooled = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://coop@127.0.0.1:1/coop?pgbouncer=1",
                         "READ_DATABASE_URL": "postgresql+psycopg://coop@127.0.0.1:2/coop", "PGBOUNCER": False,
                         "TESTING": True})
    assert pooled.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"prepare_threshold": None}
    assert pooled.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://coop@127.0.0.1:1/coop"
    read = pooled.config["SQLALCHEMY_BINDS"][READ_BIND]
    assert "connect_args" not in read and read["execution_options"] == {"postgresql_readonly": True}
    env = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://coop@127.0.0.1:1/coop",
                      "READ_DATABASE_URL": "postgresql+psycopg://coop@127.0.0.1:2/coop", "PGBOUNCER": True,
                      "TESTING": True})
    assert env.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"prepare_threshold": None}
    assert env.config["SQLALCHEMY_BINDS"][READ_BIND]["connect_args"] == {"prepare_threshold": None}
    direct = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://coop@127.0.0.1:1/coop", "PGBOUNCER": False,
                         "TESTING": True})
    assert "connect_args" not in direct.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert not direct.config.get("SQLALCHEMY_BINDS")


def test_the_code_keeps_no_session_state_a_pooler_would_lose():
    """Does nothing in coop/ rely on session state across transactions (SET, session advisory locks
    other than the scheduler's direct connection, LISTEN), which pgbouncer's transaction mode breaks?"""
    root = os.path.join(os.path.dirname(os.path.dirname(__file__)), "coop")
    found = []
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            text = open(path, encoding="utf-8").read()
            for needle in ("pg_advisory_lock", "pg_try_advisory_lock", "LISTEN ", "SET SESSION", "set_config(",
                           "\"SET ", "'SET "):
                if needle in text:
                    found.append((os.path.relpath(path, root), needle))
    assert found == [("jobs/lock.py", "pg_advisory_lock"), ("jobs/lock.py", "pg_try_advisory_lock")]


# ---------------------------------------------------------------------------------------------------
# The read engine: reports and exports read there, writes never do
# ---------------------------------------------------------------------------------------------------

def _seed(app, amount: int = 2_500_000, value_date: date = date(2026, 11, 2)):
    """A cooperative, its auditor and one committed entry Dr Kas / Cr Saldo Awal ``amount``."""
    with app.app_context():
        coop = atomic(found_cooperative, name=f"Koperasi Replika {uuid.uuid4().hex[:4]}", village_code="3504042001")
        auditor = atomic(create_user, cooperative_id=coop.id, username=f"aud_{uuid.uuid4().hex[:6]}",
                         full_name="Auditor", role="auditor", password="rahasia-123")
        kas, modal = account_by_code(coop.id, chart.KAS).id, account_by_code(coop.id, chart.SALDO_AWAL).id
        atomic(post_entry, coop.id, [Line.dr(kas, amount), Line.cr(modal, amount)], actor=None,
               memo="Modal awal replika", value_date=value_date, source="test.capital")
        raw, _ = atomic(issue_token, auditor, now=utcnow())
        cid = coop.id
        db.session.remove()
    return cid, {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def two_sqlite_apps(tmp_path_factory):
    """A main SQLite database and a second one as the 'replica', both migrated and empty."""
    if PG_URL:
        pytest.skip("the SQLite routing test; the replica tests cover PostgreSQL")
    main = _fresh_database_url(tmp_path_factory, "main")
    read = _fresh_database_url(tmp_path_factory, "read")
    make_migrated_app(read)
    app = make_migrated_app(main, READ_DATABASE_URL=read)
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def test_reports_read_the_read_engine_and_writes_stay_on_the_primary(two_sqlite_apps):
    """With COOP_READ_DATABASE_URL set, does a report outside a unit of work read the read engine (here an
    empty second database, so the trial balance is all zero) while the same report inside a unit of work,
    and every write, see the primary's Rp 2.500.000?"""
    app = two_sqlite_apps
    cid, _ = _seed(app)
    with app.app_context():
        inside = atomic(ledger_reports.trial_balance, cid, date(2026, 11, 27))  # a unit of work: the primary
        kas = next(r for r in inside["accounts"] if r["code"] == chart.KAS)
        assert kas["debit"] == 2_500_000
        routed = ledger_reports.trial_balance(cid, date(2026, 11, 27))  # outside one: the (empty) read engine
        assert [r for r in routed["accounts"] if r["debit"] or r["credit"]] == []
        with read_session():
            on_read = db.session.execute(sa.text("SELECT count(*) FROM accounts")).scalar()
            in_uow = atomic(lambda: db.session.execute(sa.text("SELECT count(*) FROM accounts")).scalar())
        assert on_read == 0 and in_uow > 0
        db.session.remove()


def test_a_routed_export_reads_nothing_from_the_primary(two_sqlite_apps):
    """Does the journal CSV over the API come from the read engine: the entry committed on the primary is
    not in the file taken while the read engine (an empty database) lacks it, yet the export's audit row
    is written on the primary?"""
    app = two_sqlite_apps
    cid, headers = _seed(app)
    body = app.test_client().get("/api/v1/exports/journal.csv", headers=headers).get_data(as_text=True)
    assert list(csv.DictReader(io.StringIO(body))) == []
    with app.app_context():
        audited = db.session.execute(sa.text(
            "SELECT count(*) FROM audit_log WHERE action = 'export.journal.csv' AND cooperative_id = :c"),
            {"c": cid}).scalar()
        db.session.remove()
    assert audited == 1


# ---------------------------------------------------------------------------------------------------
# On a streaming replica (scripts/with_replica.sh)
# ---------------------------------------------------------------------------------------------------

def wait_for_replay(primary_url: str, replica_url: str, timeout: float = 30.0) -> None:
    """Until the replica replayed everything the primary had written when this was called."""
    primary = sa.create_engine(primary_url, poolclass=sa.pool.NullPool)
    replica = sa.create_engine(replica_url, poolclass=sa.pool.NullPool)
    try:
        with primary.connect() as conn:
            target = conn.scalar(sa.text("SELECT pg_current_wal_lsn()"))
        deadline = time.monotonic() + timeout
        with replica.connect() as conn:
            while True:
                behind = conn.scalar(sa.text("SELECT pg_wal_lsn_diff(:t, pg_last_wal_replay_lsn())"), {"t": target})
                if behind <= 0:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"replica still {behind} bytes behind after {timeout} s")
                time.sleep(0.05)
    finally:
        primary.dispose()
        replica.dispose()


@pytest.fixture
def replica_app(tmp_path_factory):
    """An app on a fresh database of the throwaway primary, reading reports from its streaming replica."""
    if not (PG_URL and REPLICA_URL):
        pytest.skip("no replica (run under scripts/with_replica.sh)")
    url = _fresh_database_url(tmp_path_factory, "replica")
    read_url = sa.engine.make_url(REPLICA_URL).set(database=sa.engine.make_url(url).database) \
        .render_as_string(hide_password=False)
    app = make_migrated_app(url, READ_DATABASE_URL=read_url)
    app.config["_test_urls"] = (url, read_url)
    yield app
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    _drop_database(url)


def _count_statements(engine):
    seen = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a, **k: seen.append(a[2]))
    return seen


@pytest.mark.replica
def test_journal_export_reads_committed_books_through_the_replica(replica_app):
    """Is the journal CSV, taken after the replica replayed the primary, the committed entry (Rp 2.500.000
    on Kas and on Saldo Awal), read by statements on the replica (a server in recovery)?"""
    app = replica_app
    cid, headers = _seed(app)
    wait_for_replay(*app.config["_test_urls"])
    with app.app_context():
        read_engine = db.engines[READ_BIND]
        with read_engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_is_in_recovery()")) is True
        seen = _count_statements(read_engine)
    body = app.test_client().get("/api/v1/exports/journal.csv", headers=headers).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["account_code"], r["debit"], r["credit"]) for r in rows] == [
        (chart.KAS, "2500000", "0"), (chart.SALDO_AWAL, "0", "2500000")]
    assert any("postings" in s for s in seen)


@pytest.mark.replica
def test_reports_and_book_exports_through_the_replica(replica_app):
    """Do the trial balance (report and CSV export), the general ledger workbook and the SAF-T file come from
    the replica with the committed figures: Kas debit 2.500.000, Saldo Awal credit 2.500.000, totals equal?"""
    app = replica_app
    cid, headers = _seed(app)
    wait_for_replay(*app.config["_test_urls"])
    with app.app_context():
        seen = _count_statements(db.engines[READ_BIND])
        with app.test_request_context():
            tb = ledger_reports.trial_balance(cid, date(2026, 11, 27))
        db.session.remove()
    by_code = {r["code"]: r for r in tb["accounts"]}
    assert by_code[chart.KAS]["debit"] == 2_500_000 and by_code[chart.SALDO_AWAL]["credit"] == 2_500_000
    client = app.test_client()
    csv_body = client.get("/api/v1/exports/trial-balance.csv?to=2026-11-27", headers=headers).get_data(as_text=True)
    assert "2500000" in csv_body
    for path in ("/api/v1/exports/general-ledger.xlsx", "/api/v1/exports/saft.xml"):
        resp = client.get(path + "?from=2026-11-01&to=2026-11-30", headers=headers)
        assert resp.status_code == 200 and len(resp.get_data()) > 500
    assert len(seen) >= 4


@pytest.mark.replica
def test_programme_indicators_read_through_the_replica(replica_app):
    """Does a Tulungagung coordinator's indicators request, after the replica replayed the primary, count the
    committed cooperative (1 village, assets Rp 2.500.000 of Kas) from statements run on the replica?"""
    app = replica_app
    _seed(app)
    with app.app_context():
        coordinator = atomic(create_user, cooperative_id=None, username=f"koord_{uuid.uuid4().hex[:6]}",
                             full_name="Koordinator", role="coordinator", password="rahasia-123", region="3504")
        raw, _ = atomic(issue_token, coordinator, now=utcnow())
        db.session.remove()
    wait_for_replay(*app.config["_test_urls"])
    with app.app_context():
        seen = _count_statements(db.engines[READ_BIND])
    resp = app.test_client().get("/api/v1/programme/indicators", headers={"Authorization": f"Bearer {raw}"})
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert (data["villages"], data["cooperatives"], data["cooperative"]["assets"]) == (1, 1, 2_500_000)
    assert any("accounts" in s for s in seen)


@pytest.mark.replica
def test_a_write_never_reaches_the_read_engine(replica_app):
    """Is the read engine read-only even when pointed at a writable server: an INSERT through it fails, so a
    mistake in routing cannot write to the replica (nor, through this engine, to a primary)?"""
    app = replica_app
    with app.app_context():
        with db.engines[READ_BIND].connect() as conn:
            with pytest.raises(sa.exc.DBAPIError) as err:
                conn.execute(sa.text("CREATE TABLE x_should_not_exist (id int)"))
            assert "read-only" in str(err.value)


# ---------------------------------------------------------------------------------------------------
# The scheduler's advisory lock
# ---------------------------------------------------------------------------------------------------

@postgres_only
def test_the_scheduler_lock_is_held_by_one_connection_at_a_time():
    """Does a second try of the lock fail while the first holds it, and succeed once the first released it?"""
    first, second = scheduler_lock.SchedulerLock(DIRECT_URL), scheduler_lock.SchedulerLock(DIRECT_URL)
    try:
        assert first.try_acquire() is True
        assert second.try_acquire() is False
        assert first.alive()
        first.release()
        assert second.try_acquire() is True
    finally:
        first.release()
        second.release()


@postgres_only
def test_releasing_the_scheduler_lock_frees_it_before_it_returns():
    """Is the lock free the moment ``release`` returns (a hundred times over), not only once the closed
    session's backend has ended? (A waiting scheduler that tried in between found it still held: CI-4.)"""
    holder = scheduler_lock.SchedulerLock(DIRECT_URL)
    probe = sa.create_engine(DIRECT_URL, poolclass=sa.pool.NullPool)
    try:
        with probe.connect() as conn:
            for _ in range(100):
                assert holder.try_acquire() is True
                assert scheduler_lock.holders(conn) == 1
                holder.release()
                assert scheduler_lock.holders(conn) == 0
    finally:
        holder.release()
        probe.dispose()


@postgres_only
def test_a_waiting_scheduler_says_so_once_and_takes_over():
    """Does ``acquire`` say once that another scheduler runs, retry, and return the lock when it is freed
    (here on the third retry)?"""
    holder = scheduler_lock.SchedulerLock(DIRECT_URL)
    assert holder.try_acquire()
    said, naps = [], []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 3:
            holder.release()

    lock = scheduler_lock.acquire(DIRECT_URL, 0.01, echo=said.append, sleep=nap)
    try:
        assert len(naps) == 3 and lock.connection is not None
        assert len(said) == 2 and "menunggu" in said[0] and "mengambil alih" in said[1]
    finally:
        lock.release()
        holder.release()


def _scheduler(url: str, instance: str) -> subprocess.Popen:
    direct = sa.engine.make_url(DIRECT_URL).set(database=sa.engine.make_url(url).database)
    env = dict(os.environ, COOP_DATABASE_URL=url, COOP_SCHEDULER_LOCK_RETRY_SECONDS="0.3",
               COOP_SCHEDULER_DATABASE_URL=direct.render_as_string(hide_password=False), COOP_ENV="development",
               COOP_SECRET_KEY="x" * 40, COOP_INSTANCE_PATH=instance, COOP_BUSINESS_DATE="2026-11-27",
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "coop", "scheduler"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            cwd=os.path.dirname(os.path.dirname(__file__)))
    proc.lines = []
    threading.Thread(target=lambda: proc.lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    return proc


def _read_until(proc: subprocess.Popen, needle: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = "".join(proc.lines)
        if needle in out:
            return out
        if proc.poll() is not None and needle not in "".join(proc.lines):
            time.sleep(0.2)
            if needle not in "".join(proc.lines):
                break
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} not seen: {''.join(proc.lines)!r}")


@postgres_only
def test_two_scheduler_processes_one_runs_the_other_waits_then_takes_over(tmp_path_factory, tmp_path):
    """Two ``flask scheduler`` processes on one PostgreSQL database: does exactly one start its jobs while the
    other says once that it waits, and does the second start when the first is stopped?"""
    url = _fresh_database_url(tmp_path_factory, "sched")
    make_migrated_app(url)
    first = second = None
    probe = sa.create_engine(DIRECT_URL, poolclass=sa.pool.NullPool)
    try:
        first = _scheduler(url, str(tmp_path / "a"))
        assert "Scheduler started" in _read_until(first, "Scheduler started")
        second = _scheduler(url, str(tmp_path / "b"))
        _read_until(second, "menunggu")
        time.sleep(1.5)  # several retries at 0.3 s
        waited = "".join(second.lines)
        assert "Scheduler started" not in waited and waited.count("menunggu") == 1
        with probe.connect() as conn:
            assert scheduler_lock.holders(conn) == 1
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
        taken = _read_until(second, "Scheduler started")
        assert "mengambil alih" in taken
        with probe.connect() as conn:
            assert scheduler_lock.holders(conn) == 1
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        probe.dispose()
        _drop_database(url)


def test_the_scheduler_on_sqlite_takes_no_lock(tmp_path):
    """On SQLite (one machine) does the scheduler skip the advisory lock (no PostgreSQL to hold it on)?"""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3", "TESTING": True})
    with app.app_context():
        assert _scheduler_lock(app) is None


def test_the_scheduler_refuses_to_lock_through_pgbouncer(tmp_path):
    """Through pgbouncer without a direct URL, does the scheduler refuse to start (a session lock through a
    transaction pooler would belong to whoever gets the server connection next)?"""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://coop@127.0.0.1:1/coop?pgbouncer=1",
                      "TESTING": True})
    with app.app_context(), pytest.raises(click.ClickException) as err:
        _scheduler_lock(app)
    assert "COOP_SCHEDULER_DATABASE_URL" in err.value.message
