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
import queue
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


#: A writer that finds the file lock taken first retries it after these naps (a short transaction of another
#: process is over by then: no thread hop), then waits in the kernel (:func:`_flock_waiter`). ``None``: stop.
QUICK_POLLS: tuple[float | None, ...] = (0.0001, 0.0001, 0.0001, None)


class _FlockWait:
    """One connection's wait for the file lock, run by the process's waiter thread (:func:`_flock_waiter`)."""

    __slots__ = ("fd", "done", "guard", "abandoned", "close_after", "error")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.done = threading.Event()
        self.guard = threading.Lock()
        self.abandoned = False  # the connection gave up (busy timeout): give the lock back when it comes
        self.close_after = False  # the connection closed meanwhile: close its fd when the wait ends
        self.error: OSError | None = None


_waiter: tuple[int, queue.SimpleQueue] | None = None  # (pid, queue): a forked worker starts its own thread
_waiter_guard = threading.Lock()


def _flock_waiter() -> queue.SimpleQueue:
    global _waiter  # noqa: PLW0603 -- one waiter thread per process, started on first need
    with _waiter_guard:
        if _waiter is None or _waiter[0] != os.getpid():
            waits: queue.SimpleQueue = queue.SimpleQueue()
            threading.Thread(target=_run_waits, args=(waits,), name="coop-sqlite-writer-wait", daemon=True).start()
            _waiter = (os.getpid(), waits)
        return _waiter[1]


def _run_waits(waits: queue.SimpleQueue) -> None:
    """Block in ``flock(LOCK_EX)`` for each wait in turn (at most one per connection waits at a time, and
    the in-process lock lets one thread of a process wait at a time), then hand the lock over."""
    while True:
        wait = waits.get()
        error = None
        try:
            fcntl.flock(wait.fd, fcntl.LOCK_EX)
        except OSError as exc:
            error = exc
        with wait.guard:
            if error is None and (wait.abandoned or wait.close_after):
                fcntl.flock(wait.fd, fcntl.LOCK_UN)
            if wait.close_after:
                os.close(wait.fd)
            wait.error = error
            wait.done.set()


#: WAL size after which a committing connection checkpoints (SQLite's default: 1000 pages of 4 KiB).
WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024


class WriterLockedConnection(sqlite3.Connection):
    """A pysqlite connection that hands SQLite's single write lock from writer to writer quickly and
    makes its commits durable outside that lock (group commit).

    *Hand-over.* SQLite lets one writer in at a time; a second ``BEGIN IMMEDIATE`` waits in SQLite's busy
    handler, which sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries, so a writer holding the lock for
    2 ms keeps the next one waiting 8 ms or more and under load the sleeps set the pace. Here a write
    transaction first takes an OS lock (``flock``) on a file beside the database and gives it back right
    after COMMIT or ROLLBACK. Threads of one process queue on a ``threading.Lock``; for the one at its
    head, the process's waiter thread blocks in ``flock`` until the kernel hands the lock over (no
    polling); both waits keep the busy timeout (after ``timeout_ms`` it fails as SQLite would: "database
    is locked"). Readers never take it: in WAL mode they
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
        self._coop_wait: _FlockWait | None = None
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
        # most one thread per process waits for the file lock against the other processes.
        in_process = _process_writer_lock(self._coop_lock_path)
        if not in_process.acquire(timeout=timeout_ms / 1000):
            raise sqlite3.OperationalError("database is locked")
        if fcntl is None:  # no file locks on this platform: SQLite's busy timeout guards other processes
            self._coop_locked = True
            return
        try:
            self._coop_locked = self._take_file_lock(deadline)
        except BaseException:
            in_process.release()
            raise
        if not self._coop_locked:
            in_process.release()
            raise sqlite3.OperationalError("database is locked")

    def _take_file_lock(self, deadline: float) -> bool:
        """The file lock: at once if free, or after a few 0.1 ms naps (:data:`QUICK_POLLS`), else by a
        blocking ``flock`` in this process's waiter thread (:class:`_FlockWait`): the kernel wakes it when
        the holder gives the lock back, so a long wait costs no polling (polling every 0.1 ms cost ~30
        wake-ups a deposit under 8 clients: issue 17) and still ends at the busy timeout. A wait given up at the timeout stays queued; the next
        attempt on this connection resumes it, and if it completes with nobody waiting it gives the lock
        back at once."""
        wait = self._coop_wait
        if wait is not None:
            with wait.guard:
                if wait.done.is_set():  # completed after it was given up: the lock was given back
                    wait = self._coop_wait = None
                else:
                    wait.abandoned = False  # resume it
        if wait is None:
            for nap in QUICK_POLLS:
                try:
                    fcntl.flock(self._coop_lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if nap is None or time.monotonic() >= deadline:
                        break
                    time.sleep(nap)
            wait = self._coop_wait = _FlockWait(self._coop_lock_fd)
            _flock_waiter().put(wait)
        got = wait.done.wait(max(0.0, deadline - time.monotonic()))
        with wait.guard:
            if not got and not wait.done.is_set():
                wait.abandoned = True  # the waiter gives the lock back if it ever gets it
                return False
            self._coop_wait = None
            if wait.error is not None:
                raise wait.error
            return True

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
            if wrote and self._coop_group_sync:
                self._checkpoint_if_large()
        finally:
            self.release_writer()
        if wrote and self._coop_group_sync:
            self._sync_wal()

    def _checkpoint_if_large(self) -> None:
        """In group mode SQLite's automatic checkpoint is off (``wal_autocheckpoint=0``): the connection that
        committed runs a PASSIVE checkpoint once the WAL passes the size SQLite's default would checkpoint
        at (1000 pages), right after COMMIT and BEFORE it gives the writer lock back.

        Under the lock, no other write transaction is open while the checkpoint runs, so it copies every
        frame and the next writer starts the WAL over (and truncates it: ``journal_size_limit=0``). Run
        after the lock was given back (as before), the next writer had always begun meanwhile: its
        transaction kept the WAL from restarting, the file never shrank, and every commit under load ran
        a checkpoint of its own (issue 17: 0.9 checkpoints, 2 fdatasyncs and ~27 database-page writes a
        deposit at 8 clients; now one checkpoint per ~4 MiB of frames). The price: the writer that
        checkpoints holds the lock for the copy and its fsyncs, about once per 40 deposits. Never raises:
        the transaction is committed whatever happens here (a checkpoint that fails is retried at the
        next commit)."""
        try:
            size = os.stat(self._coop_wal_path).st_size if self._coop_wal_path else 0
        except FileNotFoundError:
            return
        if size >= WAL_CHECKPOINT_BYTES:
            try:
                self.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
            except sqlite3.Error:  # busy (a reader's old snapshot, another process's checkpoint): next time
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
                wait, self._coop_wait = self._coop_wait, None
                if wait is not None:
                    with wait.guard:
                        if not wait.done.is_set():  # still blocked in flock on this fd: it closes it after
                            wait.close_after = True
                            self._coop_lock_fd = None
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
