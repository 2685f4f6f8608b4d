"""SQLite dialect detail: the writer lock, group commit and SQLAlchemy's pysqlite BEGIN recipe.

Kept out of :mod:`coop.db` (which is dialect-neutral): PostgreSQL never loads any of this behaviour, and the
POSIX-only ``fcntl`` lock is imported only where the platform has it.

Writers of one database queue on an OS ``flock`` beside it (``<db>-writer.lock``), given back right after
COMMIT or ROLLBACK; threads of one process first queue on a ``threading.Lock``. In group mode SQLite runs
``synchronous=NORMAL`` and the connection fsyncs the WAL after giving back the lock and before ``commit()``
returns: "saved" still means on disk, but the next writer does not wait for this commit's fsync.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

try:  # POSIX; on Windows the in-process lock alone serialises writers of one process
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


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
            if fcntl is None:  # no file locks on this platform: SQLite's busy timeout guards other processes
                self._coop_locked = True
                return
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
            if fcntl is not None:
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


def install_sqlite_recipe(engine: sa.Engine, busy_timeout_ms: int, sync: str, *,
                          in_unit_of_work: Callable[[], bool], on_cursor: Callable[..., Any]) -> None:
    """SQLAlchemy's pysqlite recipe plus the writer lock: WAL, foreign keys, busy timeout, durability, and
    BEGIN IMMEDIATE (after taking the writer lock) inside a unit of work, DEFERRED for reads. ``on_cursor``:
    :func:`coop.db.on_cursor`, which runs the BEGIN (this module sits below :mod:`coop.db`)."""
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
            hold_shared(dbapi_connection._coop_lock_path[: -len("-writer.lock")])
        group = sync == "group" and isinstance(dbapi_connection, WriterLockedConnection)
        # group: COMMIT appends to the WAL; WriterLockedConnection.commit fsyncs it (outside the lock)
        cur.execute("PRAGMA synchronous = NORMAL" if group else "PRAGMA synchronous = FULL")
        cur.close()
        if group:
            dbapi_connection._coop_group_sync = True
            dbapi_connection.execute("PRAGMA wal_autocheckpoint = 0").close()  # see _checkpoint_if_large
            # the first commit after a checkpoint restarts the WAL and truncates it to what it wrote, so the
            # file's size counts the frames since the last checkpoint (without it the file keeps its largest
            # size and, once past WAL_CHECKPOINT_BYTES, every commit ran a checkpoint: issue 17)
            dbapi_connection.execute("PRAGMA journal_size_limit = 0").close()

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
            # on the DBAPI cursor, as SQLAlchemy would run it (listeners see it, errors wrapped), without
            # exec_driver_sql's execution context: once a request on the deposit path (issue 17)
            begin = f"BEGIN {mode}"
            on_cursor(conn, begin, (), False, lambda cursor: cursor.execute(begin))
        except BaseException:
            if writer:
                dbapi.release_writer()
            raise
        conn.info["coop_begin"] = mode


# --------------------------------------------------------------------------------------------
# The app lock: every process using the database holds it shared; restore takes it exclusively
# --------------------------------------------------------------------------------------------

_app_locks: dict[str, int] = {}
_app_locks_guard = threading.Lock()


def app_lock_path(db_path: str) -> str:
    return os.fspath(db_path) + "-app.lock"


def hold_shared(db_path: str) -> None:
    """Hold a shared lock on ``<db>-app.lock`` for the life of this process (once per path). Blocks
    while a restore holds it exclusively, so no worker opens a database that is being replaced."""
    path = app_lock_path(db_path)
    with _app_locks_guard:
        if path in _app_locks:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_SH)
        _app_locks[path] = fd


def release(db_path: str) -> None:
    """Give back this process's lock on ``<db>-app.lock`` (shared or exclusive)."""
    path = app_lock_path(db_path)
    with _app_locks_guard:
        fd = _app_locks.pop(path, None)
    if fd is not None:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def try_exclusive(db_path: str) -> bool:
    """Take ``<db>-app.lock`` exclusively for this process (after giving back its own shared hold).
    False when another process (a web worker, the scheduler, another command) holds the database."""
    release(db_path)
    path = app_lock_path(db_path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False
    with _app_locks_guard:
        _app_locks[path] = fd
    return True
