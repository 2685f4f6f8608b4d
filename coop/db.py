"""Database spine: declarative base with a naming convention, money and rate column types,
tenant mixin, and ``unit_of_work()`` -- the ONLY place in the code base that commits.

SQLite (embedded default) runs in WAL mode, every commit on disk before it returns (group commit, see
:class:`WriterLockedConnection`), foreign keys on and a busy timeout.
A unit of work opens its transaction with ``BEGIN IMMEDIATE`` (SQLAlchemy's documented pysqlite recipe),
behind an OS lock that hands the write lock from one writer to the next without SQLite's sleeps, so
concurrent writers queue instead of failing half-way; reads outside a unit of work are ``DEFERRED`` and
read a WAL snapshot without waiting for writers. PostgreSQL needs none of that; money-moving code
locks balance rows with ``SELECT ... FOR UPDATE`` and :func:`atomic` retries deadlocks.
"""
from __future__ import annotations

import contextvars
import fcntl
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as _FlaskSession
from sqlalchemy import BigInteger, ForeignKey, Integer, MetaData, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry
from sqlalchemy.types import TypeDecorator

from coop import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    #: Every integer column (ids, foreign keys, counts) is 64-bit: BIGINT on PostgreSQL, INTEGER (already
    #: 64-bit, and the rowid alias for primary keys) on SQLite. So any id a route or a JSON body can carry
    #: up to 2**63-1 is a clean "not found", never an overflow error from the driver.
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={int: BigInteger().with_variant(Integer(), "sqlite")})


class CoopSession(_FlaskSession):
    """Flask-SQLAlchemy's session, but an explicit ``bind`` (a test's outer connection) wins."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": CoopSession})


def utcnow() -> datetime:
    """Aware UTC timestamp (callable default for ``*_at`` columns): :func:`coop.clock.now_utc`."""
    return clock.now_utc()


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC; always returned timezone-aware (SQLite drops the offset)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise TypeError("naive datetime given for a UTC timestamp column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Money(TypeDecorator):
    """Whole rupiah as a 64-bit integer. Refuses floats, Decimals with fractions and bools."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, Decimal) and value == value.to_integral_value():
                return int(value)
            raise TypeError(f"money must be an int of rupiah, got {type(value).__name__}")
        return value


class Rate(TypeDecorator):
    """A rate in percent as ``Decimal`` (e.g. ``Decimal('1.5')`` = 1.5 %)."""

    impl = sa.Numeric(12, 6)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("rates are Decimal, never float")
        return Decimal(value)

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value).normalize() if Decimal(value) != 0 else Decimal(0)


#: 64-bit primary key on PostgreSQL, INTEGER PRIMARY KEY (rowid alias) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
intpk = Annotated[int, mapped_column(primary_key=True)]
bigpk = Annotated[int, mapped_column(BigId, primary_key=True)]


class TenantMixin:
    """Every tenant-owned row carries the cooperative it belongs to."""

    @declared_attr
    def cooperative_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("cooperatives.id"), index=True, nullable=False)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


# --------------------------------------------------------------------------------------------
# Engine set-up
# --------------------------------------------------------------------------------------------

_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _process_writer_lock(path: str) -> threading.Lock:
    with _writer_locks_guard:
        return _writer_locks.setdefault(path, threading.Lock())


#: WAL size after which a committing connection checkpoints (SQLite's default: 1000 pages of 4 KiB).
WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024


class WriterLockedConnection(sqlite3.Connection):
    """A pysqlite connection that hands SQLite's single write lock from writer to writer quickly and
    makes its commits durable outside that lock (group commit).

    *Hand-over.* SQLite lets one writer in at a time; a second ``BEGIN IMMEDIATE`` waits in SQLite's busy
    handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries, so a writer holding the lock for
    2 ms keeps the next one waiting 8 ms or more and under load the sleeps set the pace. Here a write
    transaction first takes an OS lock (``flock``) on a file beside the database and gives it back right
    after COMMIT or ROLLBACK. Threads of one process queue on a ``threading.Lock``; one of them per process
    polls the file lock every 0.1 ms; both waits keep the busy timeout (after ``timeout_ms`` it fails as
    SQLite would: "database is locked"). Readers never take it: in WAL mode they
    read a snapshot beside the writer.

    *Durability* (``sync="group"``, the default). SQLite runs with ``synchronous=NORMAL``: COMMIT appends
    the transaction to the WAL without waiting for the disk. This connection then, after giving back the
    write lock, fsyncs the WAL before ``commit()`` returns, so nobody is told "saved" before it is on
    disk, exactly as with ``synchronous=FULL``; but the fsync no longer holds up the next writer, and one
    fsync covers every commit appended before it (group commit). A power cut keeps a prefix of the
    commits: WAL frames carry a running checksum, so recovery stops at the first frame not on disk and a
    later transaction never survives without the earlier ones. ``sync="full"`` keeps SQLite's own fsync
    inside COMMIT.
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        name = os.fspath(database)
        on_disk = name not in ("", ":memory:") and not name.startswith("file:")
        self._coop_lock_path = name + "-writer.lock" if on_disk else None
        self._coop_wal_path = name + "-wal" if on_disk else None
        self._coop_lock_fd: int | None = None
        self._coop_locked = False
        self._coop_group_sync = False
        self._coop_synced_changes = 0
        self._coop_dir_synced = False

    def acquire_writer(self, timeout_ms: int) -> None:
        if self._coop_lock_path is None or self._coop_locked:
            return
        if self._coop_lock_fd is None:
            self._coop_lock_fd = os.open(self._coop_lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout_ms / 1000
        # Threads of this process queue on a plain lock (they sleep in the kernel, no polling), so at
        # most one thread per process polls the file lock against the other processes.
        in_process = _process_writer_lock(self._coop_lock_path)
        if not in_process.acquire(timeout=timeout_ms / 1000):
            raise sqlite3.OperationalError("database is locked")
        while True:
            try:
                fcntl.flock(self._coop_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._coop_locked = True
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    in_process.release()
                    raise sqlite3.OperationalError("database is locked") from None
                # one poller per process, so short naps cost little; the hand-over between processes
                # is what every write waits for (1 ms naps measured 5-10 % fewer deposits/s, worse p99)
                time.sleep(0.0001)

    def release_writer(self) -> None:
        if self._coop_locked:
            self._coop_locked = False
            fcntl.flock(self._coop_lock_fd, fcntl.LOCK_UN)
            _process_writer_lock(self._coop_lock_path).release()

    def commit(self):
        wrote = self.in_transaction and (self._coop_locked or self.total_changes != self._coop_synced_changes)
        try:
            super().commit()
        finally:
            self.release_writer()
        if wrote and self._coop_group_sync:
            self._sync_wal()
            self._checkpoint_if_large()

    def _checkpoint_if_large(self) -> None:
        """SQLite's own automatic checkpoint runs inside COMMIT, i.e. under the write lock, and fsyncs the
        database file there. In group mode it is off (``wal_autocheckpoint=0``) and the connection that
        committed runs a PASSIVE checkpoint after giving the lock back, once the WAL passes the size
        SQLite's default would checkpoint at (1000 pages); a PASSIVE checkpoint never blocks writers."""
        try:
            size = os.stat(self._coop_wal_path).st_size if self._coop_wal_path else 0
        except FileNotFoundError:
            return
        if size >= WAL_CHECKPOINT_BYTES:
            try:
                self.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
            except sqlite3.OperationalError:  # another checkpoint is running: it does the work
                pass

    def _sync_wal(self) -> None:
        self._coop_synced_changes = self.total_changes
        if self._coop_wal_path is None:
            return
        try:
            fd = os.open(self._coop_wal_path, os.O_RDONLY)
        except FileNotFoundError:  # checkpointed and removed: the data is in the (synced) database file
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if not self._coop_dir_synced:  # the WAL file's own directory entry, once per connection
            dir_fd = os.open(os.path.dirname(os.path.abspath(self._coop_wal_path)), os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
            self._coop_dir_synced = True

    def rollback(self):
        try:
            super().rollback()
        finally:
            self.release_writer()

    def close(self):
        try:
            super().close()
        finally:
            self.release_writer()
            if self._coop_lock_fd is not None:
                os.close(self._coop_lock_fd)
                self._coop_lock_fd = None


def configure_engine_options(app) -> None:
    """Engine options by dialect, before Flask-SQLAlchemy creates the engine: SQLite connections are
    :class:`WriterLockedConnection`."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["connect_args"] = {**options.get("connect_args", {}), "factory": WriterLockedConnection}
    else:
        # a pooled connection that died with a server restart is replaced on checkout, not handed to a
        # request (which would answer 500 once per worker after every PostgreSQL restart)
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _install_sqlite_recipe(engine: sa.Engine, busy_timeout_ms: int, sync: str) -> None:
    if sync not in ("group", "full"):
        raise RuntimeError(f"COOP_SQLITE_SYNC must be 'group' or 'full', not {sync!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy (not pysqlite) emit BEGIN, so we can choose its kind.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        if getattr(dbapi_connection, "_coop_lock_path", None):
            # this process uses the database: `flask restore` must wait until it is stopped (coop/ops.py)
            from coop import ops

            ops.hold_shared(dbapi_connection._coop_lock_path[: -len("-writer.lock")])
        group = sync == "group" and isinstance(dbapi_connection, WriterLockedConnection)
        # group: COMMIT appends to the WAL; WriterLockedConnection.commit fsyncs it (outside the lock)
        cur.execute("PRAGMA synchronous = NORMAL" if group else "PRAGMA synchronous = FULL")
        cur.close()
        if group:
            dbapi_connection._coop_group_sync = True
            dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0").close()  # see _checkpoint_if_large

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A unit of work writes: BEGIN IMMEDIATE takes the write lock up front, so it never fails half-way
        # on a lock upgrade. Anything else only reads: a DEFERRED transaction reads a WAL snapshot and
        # neither waits for nor blocks the writer.
        mode = conn.get_execution_options().get("sqlite_begin") or ("IMMEDIATE" if in_unit_of_work() else "DEFERRED")
        dbapi = conn.connection.dbapi_connection
        writer = mode != "DEFERRED" and isinstance(dbapi, WriterLockedConnection)
        if writer:
            try:
                dbapi.acquire_writer(busy_timeout_ms)
            except sqlite3.OperationalError as exc:  # as SQLAlchemy reports SQLite's own busy timeout
                raise sa.exc.OperationalError(f"BEGIN {mode}", (), exc) from exc
        try:
            conn.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            if writer:
                dbapi.release_writer()
            raise
        conn.info["coop_begin"] = mode


def init_engines(app) -> None:
    """Attach dialect-specific behaviour to the engines Flask-SQLAlchemy created for ``app``."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                _install_sqlite_recipe(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], app.config["SQLITE_SYNC"])


def is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


# --------------------------------------------------------------------------------------------
# Transaction boundary
# --------------------------------------------------------------------------------------------

_depth: contextvars.ContextVar[int] = contextvars.ContextVar("coop_uow_depth", default=0)
_after_commit: contextvars.ContextVar[list | None] = contextvars.ContextVar("coop_after_commit", default=None)


@contextmanager
def unit_of_work() -> Iterator[Any]:
    """Commit once on success, roll back on any exception. Re-entrant: only the outermost commits.

    This is the only committer in ``coop/``. Callbacks registered with :func:`after_commit` run after
    the outermost commit succeeded (e-mail, files: side effects outside the database).
    """
    depth = _depth.get()
    if depth == 0:
        _end_read_transaction()
    token = _depth.set(depth + 1)
    cb_token = _after_commit.set([]) if depth == 0 else None
    try:
        yield db.session
        if depth == 0:
            db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    else:
        if depth == 0:
            for fn in _after_commit.get() or []:
                fn()
    finally:
        _depth.set(depth)
        if cb_token is not None:
            _after_commit.reset(cb_token)
        del token


def _end_read_transaction() -> None:
    """On SQLite, a unit of work must not continue a transaction that began as a read (DEFERRED): its
    first write would have to upgrade the lock, which fails at once ("database is locked") if another
    writer committed since the snapshot was taken. So a read-only transaction left open by the request
    (authentication, lookups) ends here; the unit of work then begins with ``BEGIN IMMEDIATE``. Objects
    loaded before are expired, so what the unit of work reads it reads under the write lock."""
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if isinstance(session.bind, sa.Connection):  # joined to a caller's transaction (tests): not ours to end
        return
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.connection().info.get("coop_begin") == "DEFERRED":
        # expire what was read, except the request's identity (``KEEP_LOADED_ACROSS_WRITES`` models: the
        # user, token and cooperative of authentication), which would otherwise be read again under the
        # write lock on first use
        previous = session.expire_on_commit
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = previous
        for obj in list(session.identity_map.values()):
            if not getattr(obj, "KEEP_LOADED_ACROSS_WRITES", False):
                session.expire(obj)


def after_commit(fn: Callable[[], Any]) -> None:
    """Run ``fn`` after the current unit of work commits (immediately if none is open)."""
    pending = _after_commit.get()
    if pending is None:
        fn()
    else:
        pending.append(fn)


def in_unit_of_work() -> bool:
    return _depth.get() > 0


def _is_retryable(exc: DBAPIError) -> bool:
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in ("40P01", "40001"):  # deadlock_detected, serialization_failure
        return True
    return "database is locked" in str(orig)


T = TypeVar("T")


def atomic(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in one unit of work; retry a bounded number of times on deadlock/serialization errors.

    Use it at a boundary (request, CLI command, job) around ONE service call. Inside an already open
    unit of work it simply calls ``fn`` (the outer boundary owns commit and retry).
    """
    if in_unit_of_work():
        return fn(*args, **kwargs)
    retries = current_app.config.get("TX_RETRIES", 5) if has_app_context() else 5
    attempt = 0
    while True:
        try:
            with unit_of_work():
                return fn(*args, **kwargs)
        except DBAPIError as exc:
            if attempt >= retries or not _is_retryable(exc):
                raise
            attempt += 1
            time.sleep(min(0.5, 0.01 * (2**attempt)) * (0.5 + random.random()))
