"""One scheduler at a time on PostgreSQL: a session-level advisory lock on a dedicated direct connection.

The scheduler process holds ``pg_advisory_lock(SCHEDULER_LOCK_KEY)`` for as long as it runs, on its own
connection (``COOP_SCHEDULER_DATABASE_URL`` or the main URL), never through pgbouncer: a session lock
taken through a transaction-mode pooler would be held by whichever client happens to get that server
connection next. A second scheduler finds the lock taken, says so once and tries again every
``COOP_SCHEDULER_LOCK_RETRY_SECONDS``; when the first exits (or its connection dies) PostgreSQL frees the
lock and the second takes over. SQLite (one machine) needs none of this: :func:`acquire` is not called.
Job runs stay idempotent per period anyway (``job_runs``), the lock only keeps a second process idle.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

#: ``pg_advisory_lock`` key of the scheduler: the bytes "coopschd" as a signed 64-bit integer.
SCHEDULER_LOCK_KEY = int.from_bytes(b"coopschd", "big", signed=True)


class SchedulerLock:
    """The advisory lock on its own connection (no pool: the connection is the lock)."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.connection: sa.Connection | None = None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; the connection stays open while it is held."""
        conn = self.engine.connect()
        try:
            got = bool(conn.scalar(sa.select(sa.func.pg_try_advisory_lock(SCHEDULER_LOCK_KEY))))
        except BaseException:
            conn.close()
            raise
        if got:
            self.connection = conn
        else:
            conn.close()
        return got

    def alive(self) -> bool:
        """True while the connection holding the lock still answers (a restarted server dropped it)."""
        if self.connection is None:
            return False
        try:
            self.connection.scalar(sa.select(1))
            return True
        except sa.exc.DBAPIError:
            return False

    def release(self) -> None:
        """Unlock, then close the connection.

        PostgreSQL frees a session lock with its session, but the backend ends after the client has closed
        its socket, so a second scheduler could still find the lock taken for a moment; the explicit
        ``pg_advisory_unlock`` frees it before this returns. A dead connection (a restarted server) has
        no lock left to free, so a failure there is ignored.
        """
        if self.connection is not None:
            try:
                try:
                    self.connection.scalar(sa.select(sa.func.pg_advisory_unlock(SCHEDULER_LOCK_KEY)))
                except sa.exc.DBAPIError:
                    pass
                self.connection.close()
            finally:
                self.connection = None
        self.engine.dispose()


def acquire(url: str, retry_seconds: float, echo: Callable[[str], object],
            sleep: Callable[[float], object] = time.sleep) -> SchedulerLock:
    """Wait for the scheduler lock: try, say once that another scheduler holds it, retry until free."""
    lock = SchedulerLock(url)
    said = False
    while not lock.try_acquire():
        if not said:
            echo(f"Scheduler lain sedang berjalan (kunci advisory {SCHEDULER_LOCK_KEY}); menunggu giliran, "
                 f"dicoba lagi tiap {retry_seconds:g} detik.")
            said = True
        sleep(retry_seconds)
    if said:
        echo("Kunci scheduler diperoleh: scheduler ini mengambil alih.")
    return lock


def holders(connection: sa.Connection) -> int:
    """How many sessions hold the scheduler lock now (0 or 1), from ``pg_locks``."""
    key = SCHEDULER_LOCK_KEY & 0xFFFFFFFFFFFFFFFF
    return connection.scalar(sa.text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid::bigint = :hi AND objid::bigint = :lo AND objsubid = 1"), {"hi": key >> 32, "lo": key & 0xFFFFFFFF})
