"""SQLite transaction handling (coop/db.py): reads DEFERRED, units of work IMMEDIATE behind the writer
lock, and group commit (every write transaction's WAL fsynced before ``commit()`` returns, after the
write lock is given back). PostgreSQL has none of this: these tests run on SQLite only."""
from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db, unit_of_work
from tests.conftest import PG_URL, make_migrated_app

# PostgreSQL has no WAL file, writer lock file or busy handler: what these tests exercise does not exist
# there (its locking is proved by the concurrency tests that run on both databases).
pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite-only mechanism (WAL, writer lock file, group commit); "
                                                     "PostgreSQL locking is covered by the concurrency tests")


@pytest.fixture
def sqlite_app(tmp_path):
    """``sqlite_app(**config)``: an app on a fresh SQLite file with real commits."""
    apps = []

    def make(**overrides):
        apps.append(make_migrated_app("sqlite:///" + str(tmp_path / "t.sqlite3"), **overrides))
        return apps[-1]
    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _new_coop(name: str):
    from coop.auth.services import create_cooperative

    return atomic(create_cooperative, name=name, village_code="3504042001").id


def _count() -> int:
    from coop.auth.models import Cooperative

    return db.session.scalar(sa.select(sa.func.count()).select_from(Cooperative))


def _lock_path(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + "-writer.lock"


def _lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_an_open_read_neither_blocks_a_writer_nor_fails_its_own_later_write(sqlite_app):
    """A request that has read (authentication, lookups) holds only a snapshot: another writer commits
    meanwhile, and the request's own unit of work afterwards still writes (it starts a fresh IMMEDIATE
    transaction instead of upgrading the stale read, which SQLite refuses: "database is locked").
    With every transaction IMMEDIATE, as before, the other writer would wait out the busy timeout."""
    app = sqlite_app(SQLITE_BUSY_TIMEOUT_MS=1500, TX_RETRIES=0)
    with app.app_context():
        _new_coop("A")
        assert _count() == 1  # the read transaction stays open
        errors = []

        def other_writer():
            with app.app_context():
                try:
                    _new_coop("B")
                except Exception as exc:  # noqa: BLE001 (reported below)
                    errors.append(exc)
                finally:
                    db.session.remove()
        t = threading.Thread(target=other_writer)
        t.start()
        t.join()
        assert errors == []
        assert _count() == 1, "the open read keeps its snapshot"
        _new_coop("C")  # would raise 'database is locked' if it upgraded the stale read
        assert _count() == 3
        db.session.remove()


_REAL_FLOCK = fcntl.flock  # a test may count the app's flock calls (monkeypatch): the holder's are not counted


@contextmanager
def _held_elsewhere(path: str):
    """The writer lock held as another process holds it (an open file description of its own)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    _REAL_FLOCK(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        _REAL_FLOCK(fd, fcntl.LOCK_UN)
        os.close(fd)


def test_writer_lock_held_for_the_unit_of_work_only(sqlite_app):
    """The writer lock is taken when a unit of work begins and given back on commit and on rollback;
    reads outside a unit of work never take it."""
    app = sqlite_app()
    path = _lock_path(app)
    with app.app_context():
        _count()
        assert _lock_is_free(path), "a read takes no writer lock"
        db.session.remove()
        with unit_of_work():
            _count()
            assert not _lock_is_free(path)
        assert _lock_is_free(path), "given back on commit"
        with pytest.raises(RuntimeError), unit_of_work():
            _count()
            raise RuntimeError("boom")
        assert _lock_is_free(path), "given back on rollback"
        db.session.remove()


def test_writer_waits_then_fails_like_sqlite_when_the_lock_is_not_given_back(sqlite_app):
    """A writer that cannot get the lock within the busy timeout fails as SQLite would
    ("database is locked") and writes nothing."""
    app = sqlite_app(SQLITE_BUSY_TIMEOUT_MS=200, TX_RETRIES=0)
    path = _lock_path(app)
    with _held_elsewhere(path), app.app_context():
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            _new_coop("X")
        db.session.remove()
    with app.app_context():
        assert _count() == 0
        _new_coop("Y")  # and works once the lock is free
        assert _count() == 1
        db.session.remove()


def test_group_commit_fsyncs_the_wal_after_giving_back_the_lock(sqlite_app, monkeypatch):
    """With COOP_SQLITE_SYNC=group (default) SQLite runs synchronous=NORMAL and the connection fsyncs the
    WAL itself before commit() returns (so "saved" means on disk), after the writer lock is free (so the
    next writer does not wait for the disk). A read-only transaction fsyncs nothing."""
    app = sqlite_app()
    path = _lock_path(app)
    real_fsync = os.fsync
    seen = []

    def spy(fd):
        seen.append((os.readlink(f"/proc/self/fd/{fd}"), _lock_is_free(path)))
        return real_fsync(fd)

    with app.app_context():
        assert db.session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        db.session.remove()
        monkeypatch.setattr(os, "fsync", spy)
        _new_coop("A")
        wal = [lock_free for name, lock_free in seen if name.endswith("-wal")]
        assert wal == [True]
        seen.clear()
        _count()
        db.session.remove()
        assert seen == []
        db.session.remove()


def test_full_sync_keeps_sqlite_fsync_inside_commit(sqlite_app, monkeypatch):
    """COOP_SQLITE_SYNC=full: synchronous=FULL, and the connection adds no fsync of its own."""
    app = sqlite_app(SQLITE_SYNC="full")
    calls = []
    with app.app_context():
        assert db.session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        db.session.remove()
        monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
        _new_coop("A")
        assert calls == []
        assert _count() == 1
        db.session.remove()


def test_unknown_sync_mode_refused(tmp_path):
    """Does create_app refuse an unknown SQLite sync mode ("fast") with a RuntimeError naming
    COOP_SQLITE_SYNC?"""
    from coop import create_app

    with pytest.raises(RuntimeError, match="COOP_SQLITE_SYNC"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.sqlite3"), "SQLITE_SYNC": "fast",
                    "TESTING": True})


def _rows_in_main_file(app) -> int:
    """Cooperatives in the database FILE itself, ignoring the WAL (immutable=1): what checkpoints moved."""
    import sqlite3

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    con = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return con.execute("SELECT count(*) FROM cooperatives").fetchone()[0]
    except sqlite3.OperationalError:  # not even the schema checkpointed yet (it is in the WAL too)
        return 0
    finally:
        con.close()


def test_checkpoint_runs_after_the_commit_once_the_wal_is_large(sqlite_app, monkeypatch):
    """Group mode turns SQLite's automatic checkpoint (inside COMMIT, under the write lock) off and has the
    committing connection checkpoint after giving the lock back, once the WAL passes the threshold."""
    import coop.db_sqlite

    app = sqlite_app()
    with app.app_context():
        assert db.session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        db.session.remove()
        _new_coop("A")
        assert _rows_in_main_file(app) == 0, "below the threshold the commit stays in the WAL"
        monkeypatch.setattr(coop.db_sqlite, "WAL_CHECKPOINT_BYTES", 1)
        _new_coop("B")
        assert _rows_in_main_file(app) == 2, "past it, the commit's connection checkpointed both"
        db.session.remove()


def test_a_unit_of_work_rereads_what_the_request_read_before_except_its_identity(sqlite_app):
    """What a request read before its unit of work (a snapshot) is expired when the unit of work begins,
    so decisions are made on rows read under the write lock: here the chain head another writer moved
    meanwhile. The request's identity (cooperative, user, token: read at authentication) stays loaded,
    not read again under the lock."""
    from coop.ledger import chart
    from coop.ledger.models import LedgerHead
    from coop.ledger.rules import Line
    from coop.ledger.services import account_by_code, post_entry
    from coop.onboarding import found_cooperative

    app = sqlite_app()
    with app.app_context():
        coop_id = atomic(found_cooperative, name="A", village_code="3504042001").id
        db.session.remove()
        from coop.auth.models import Cooperative

        coop = db.session.get(Cooperative, coop_id)  # the request's identity, read in the snapshot
        head = db.session.get(LedgerHead, coop_id)
        assert head.chain_seq == 0

        def other_writer():
            with app.app_context():
                def post():
                    kas, modal = account_by_code(coop_id, chart.KAS).id, account_by_code(coop_id, chart.SALDO_AWAL).id
                    post_entry(coop_id, [Line.dr(kas, 5), Line.cr(modal, 5)], actor=None, memo="x",
                               value_date=date(2026, 11, 27))
                atomic(post)
                db.session.remove()
        t = threading.Thread(target=other_writer)
        t.start()
        t.join()
        assert head.chain_seq == 0, "the snapshot still shows the old head"
        with unit_of_work():
            assert not sa.inspect(coop).expired_attributes, "identity kept loaded"
            assert head.chain_seq == 1, "re-read under the write lock"
        db.session.remove()


def _treasurer_and_account():
    """A cooperative with its chart and savings products, a treasurer's raw API token and one member's
    sukarela account id (committed)."""
    from coop.auth.services import create_cooperative, create_user, issue_token
    from coop.db import utcnow
    from coop.ledger.services import create_chart
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import services as savings

    def setup():
        c = create_cooperative(name="Koperasi A", village_code="3504042001")
        create_chart(c.id)
        savings.seed_defaults(c.id)
        user = create_user(cooperative_id=c.id, username="kasir_a", full_name="Kasir A", role="treasurer",
                           password="kasir-password-1")
        r = create_resident(c.id, {
            "nik": "3504044101700001", "kk_number": "3504040107150001", "full_name": "Anggota Satu", "sex": "F",
            "birth_place": "Tulungagung", "birth_date": date(1970, 1, 1), "village_code": "3504042001",
            "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
        m = register_member(c.id, r.id, date(2026, 1, 2), actor=None)
        raw, _ = issue_token(user, now=utcnow(), hours=24)
        return raw, savings.account_for(c.id, m.id, "sukarela").id
    return atomic(setup)


def test_a_deposit_request_is_one_immediate_transaction_and_a_read_request_takes_no_writer_lock(sqlite_app):
    """A money-moving API request reads its token inside its unit of work's transaction: one BEGIN IMMEDIATE
    and one COMMIT for the whole request (not a DEFERRED read, its COMMIT, then the write). A read-only
    request still begins DEFERRED (it never takes the writer lock), and a write request whose token is
    refused gives the writer lock back."""
    app = sqlite_app()
    with app.app_context():
        raw, account_id = _treasurer_and_account()
        db.session.remove()
        engine = db.engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_a, **_k):
        seen.append(" ".join(statement.split()[:2]).upper())
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        client = app.test_client()
        auth = {"Authorization": f"Bearer {raw}"}
        resp = client.post(f"/api/v1/savings-accounts/{account_id}/deposits", json={"amount": 25_000},
                           headers={**auth, "Idempotency-Key": "k-1"})
        assert resp.status_code == 201, resp.get_data(as_text=True)
        begins = [s for s in seen if s.startswith("BEGIN")]
        assert begins == ["BEGIN IMMEDIATE"], seen
        assert seen[0] == "BEGIN IMMEDIATE" and seen.count("COMMIT") <= 1, seen
        assert _lock_is_free(_lock_path(app))

        seen.clear()
        resp = client.get(f"/api/v1/savings-accounts/{account_id}", headers=auth)
        assert resp.status_code == 200 and resp.get_json()["balance"] == 25_000
        assert [s for s in seen if s.startswith("BEGIN")] == ["BEGIN DEFERRED"], seen

        seen.clear()
        resp = client.post(f"/api/v1/savings-accounts/{account_id}/deposits", json={"amount": 1},
                           headers={"Authorization": "Bearer wrong", "Idempotency-Key": "k-2"})
        assert resp.status_code == 401
        assert _lock_is_free(_lock_path(app)), "a refused token gives the writer lock back"
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_a_waiting_writer_sleeps_in_the_kernel_and_gets_the_lock_when_it_is_given_back(sqlite_app, monkeypatch):
    """While another process holds the writer lock, a writer waits in one blocking ``flock`` (the waiter
    thread) after its few quick tries, not by polling: a handful of flock calls over its whole wait (a
    0.1 ms poll made thousands in 0.3 s), and it commits once the lock is given back."""
    from coop import db_sqlite

    app = sqlite_app()
    path = _lock_path(app)
    calls = []

    def counting(fd, op):
        calls.append(op)
        return _REAL_FLOCK(fd, op)
    done = threading.Event()
    errors = []

    def writer():
        try:
            with app.app_context():
                _new_coop("Menunggu")
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            done.set()
    thread = threading.Thread(target=writer)
    with _held_elsewhere(path):
        monkeypatch.setattr(db_sqlite.fcntl, "flock", counting)
        thread.start()
        assert not done.wait(0.3), "the writer must wait while the lock is held"
        waiting_calls = len(calls)
    thread.join(10)
    assert done.is_set() and errors == []
    assert waiting_calls <= len(db_sqlite.QUICK_POLLS) + 1, calls
    assert _lock_is_free(path)
    with app.app_context():
        assert _count() == 1
        db.session.remove()


def test_a_wait_given_up_at_the_timeout_never_keeps_the_lock(sqlite_app):
    """A writer that timed out leaves its blocking wait queued: when the lock is given back later, that
    wait takes it and must give it back at once (nobody is waiting any more), and the next writer on the
    same connection resumes or restarts its wait and commits."""
    app = sqlite_app(SQLITE_BUSY_TIMEOUT_MS=150, TX_RETRIES=0)
    path = _lock_path(app)
    with _held_elsewhere(path), app.app_context():
        for _ in range(2):  # the second attempt resumes the first one's wait, and gives up again
            with pytest.raises(sa.exc.OperationalError, match="database is locked"):
                _new_coop("X")
            db.session.remove()
    for _ in range(200):  # the abandoned wait gets the lock and gives it back (no timing asserted)
        if _lock_is_free(path):
            break
        threading.Event().wait(0.01)
    assert _lock_is_free(path)
    with app.app_context():
        _new_coop("Y")
        assert _count() == 1
        db.session.remove()
    assert _lock_is_free(path)
