"""Backup and restore of the embedded SQLite database (``flask backup`` / ``flask restore``).

*Backup.* ``VACUUM INTO`` copies one read snapshot of the database in a single step: it reads a WAL
snapshot, so writers go on while it runs and it never restarts (the old stepwise ``backup(pages=256)``
restarted on every write by another connection and under load never finished). The copy is written to a
hidden temporary name in the target folder, checked with ``PRAGMA integrity_check``, fsynced, and only then
renamed to its final name (an atomic rename in the same folder): a killed or failed backup never leaves a
file at the final path.

*Restore.* Refuses while any process of the app holds the database: every process that opens the database
holds a shared ``flock`` on ``<db>-app.lock`` for its lifetime (:func:`hold_shared`, from the engine's
connect hook), and the restore takes it exclusively. It then copies the backup beside the live database,
verifies it (integrity and the ledger's own ``verify``), reads from the live database what the backup lacks
(entries beyond the backup's chain head: count, last voucher, amount) and the highest voucher number ever
issued per cooperative and year, writes both into the copy (voucher counters raised to that mark, and a
``system.restore`` audit row per cooperative), moves the live database with its ``-wal``/``-shm`` aside
(``<db>.before-restore-<time>``), renames the copy into place and verifies it again.

Why the voucher high-water mark is read from the live database and not from a side file: the counter row
is written in the same transaction as the voucher it numbers, so it can never lag behind a printed
receipt; a side file written after each commit can (a crash between the commit and the file write), and
costs an extra fsync on every deposit. The side file's one advantage, surviving a live database that cannot
be read, is kept differently: a live database that cannot be read makes the restore refuse unless the
operator gives the last paper receipt number (``--voucher-floor``).
"""
from __future__ import annotations

import getpass
import json
import os
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from coop import clock, jobs, settings
from coop.db_sqlite import app_lock_path, hold_shared, release, try_exclusive  # noqa: F401  (the app lock)

BACKUP_PREFIX = "coop-"
BACKUP_SUFFIX = ".sqlite3"


# --------------------------------------------------------------------------------------------
# What a database file holds (read with plain sqlite3: the file is not the app's engine)
# --------------------------------------------------------------------------------------------

@dataclass
class CoopState:
    id: int
    name: str
    entries: int = 0
    head_seq: int = 0
    head_hash: str | None = None
    head_voucher: str | None = None
    #: highest voucher number issued per year (max of the counter and of the journal)
    vouchers: dict[int, int] = field(default_factory=dict)


def _fsync(path: str | Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_state(conn: sqlite3.Connection) -> dict[int, CoopState]:
    """Per cooperative: entries, chain head (seq, hash, voucher) and the highest voucher per year."""
    states = {cid: CoopState(cid, name) for cid, name in conn.execute("SELECT id, name FROM cooperatives ORDER BY id")}
    for cid, seq, head_hash in conn.execute("SELECT cooperative_id, chain_seq, head_hash FROM ledger_heads"):
        if cid in states:
            states[cid].head_seq, states[cid].head_hash = seq, head_hash
    for cid, n in conn.execute("SELECT cooperative_id, count(*) FROM journal_entries GROUP BY cooperative_id"):
        states[cid].entries = n
    for st in states.values():
        row = conn.execute("SELECT voucher_number FROM journal_entries WHERE cooperative_id = ? AND chain_seq = ?",
                           (st.id, st.head_seq)).fetchone()
        st.head_voucher = row[0] if row else None
    for cid, year, seq in conn.execute("SELECT cooperative_id, year, last_seq FROM voucher_counters"):
        states[cid].vouchers[year] = max(states[cid].vouchers.get(year, 0), seq)
    for cid, year, seq in conn.execute(
            "SELECT cooperative_id, voucher_year, max(voucher_seq) FROM journal_entries GROUP BY 1, 2"):
        states[cid].vouchers[year] = max(states[cid].vouchers.get(year, 0), seq)
    return states


def _integrity(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA integrity_check").fetchone()[0]


# --------------------------------------------------------------------------------------------
# Backup
# --------------------------------------------------------------------------------------------

@dataclass
class BackupResult:
    path: str
    seconds: float
    size: int
    states: dict[int, CoopState]
    removed: list[str]


def backup_sqlite(db_path: str, target: str, keep: int | None = None) -> BackupResult:
    """One consistent copy of ``db_path`` at ``target`` (a file name, or a folder: a timestamped name in
    it, keeping the newest ``keep`` generations). Raises ``RuntimeError`` with an Indonesian message."""

    start = time.monotonic()
    target_path = Path(target)
    if target_path.is_dir():
        stamp = clock.now_utc().strftime("%Y%m%d-%H%M%S")
        final = target_path / f"{BACKUP_PREFIX}{stamp}{BACKUP_SUFFIX}"
    else:
        if keep is not None:
            raise RuntimeError("--keep hanya berlaku bila PATH adalah folder.")
        final = target_path
    folder = final.parent
    if not folder.is_dir():
        raise RuntimeError(f"Folder {folder} tidak ada.")
    tmp = folder / f".{final.name}.tmp-{os.getpid()}"
    for stale in folder.glob(f".{final.name}.tmp-*"):  # left by a killed run
        stale.unlink(missing_ok=True)
    src = sqlite3.connect(db_path, timeout=30)
    try:
        src.execute("VACUUM INTO ?", (str(tmp),))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    try:
        copy = sqlite3.connect(tmp)
        try:
            result = _integrity(copy)
            if result != "ok":
                raise RuntimeError(f"Salinan rusak (integrity_check: {result}); tidak disimpan.")
            states = read_state(copy)
        finally:
            copy.close()
        _fsync(tmp)
        os.replace(tmp, final)
        _fsync(folder, directory=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    removed = []
    if keep is not None and keep > 0:
        generations = sorted(p for p in folder.glob(f"{BACKUP_PREFIX}*{BACKUP_SUFFIX}") if p.is_file())
        for old in generations[:-keep]:
            old.unlink()
            removed.append(str(old))
    return BackupResult(str(final.resolve()), time.monotonic() - start, final.stat().st_size, states, removed)


# --------------------------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------------------------

@dataclass
class Loss:
    """What the live database holds beyond the backup, for one cooperative."""

    cooperative_id: int
    name: str
    entries: int
    first_voucher: str | None
    last_voucher: str | None
    amount: int
    diverged: bool
    head_before: dict
    head_after: dict
    vouchers_skipped: dict[int, list[int]]


def live_loss(live: sqlite3.Connection, live_states: dict[int, CoopState],
              backup_states: dict[int, CoopState]) -> list[Loss]:
    """Entries of the live database after the backup's chain head, per cooperative: the postings the
    restore takes away. ``diverged`` when the live chain does not continue the backup's (then everything
    after the last common entry is counted)."""
    losses = []
    for cid, now in live_states.items():
        then = backup_states.get(cid, CoopState(cid, now.name))
        common = then.head_seq
        diverged = False
        if common:
            row = live.execute("SELECT hash FROM journal_entries WHERE cooperative_id = ? AND chain_seq = ?",
                               (cid, common)).fetchone()
            if row is None or row[0] != then.head_hash:
                diverged = True
        rows = live.execute(
            "SELECT e.voucher_number, (SELECT sum(p.debit) FROM postings p WHERE p.entry_id = e.id) "
            "FROM journal_entries e WHERE e.cooperative_id = ? AND e.chain_seq > ? ORDER BY e.chain_seq",
            (cid, 0 if diverged else common)).fetchall()
        skipped = {}
        for year, seq in now.vouchers.items():
            had = then.vouchers.get(year, 0)
            if seq > had:
                skipped[year] = [had + 1, seq]
        losses.append(Loss(cid, now.name, len(rows), rows[0][0] if rows else None, rows[-1][0] if rows else None,
                           sum(r[1] or 0 for r in rows), diverged,
                           {"chain_seq": now.head_seq, "hash": now.head_hash, "voucher": now.head_voucher},
                           {"chain_seq": then.head_seq, "hash": then.head_hash, "voucher": then.head_voucher},
                           skipped))
    return losses


def raise_voucher_counters(conn: sqlite3.Connection, marks: dict[int, dict[int, int]]) -> None:
    """Set each (cooperative, year) counter to at least the high-water mark, so the next voucher follows
    the highest number ever issued."""
    for cid, years in marks.items():
        for year, seq in years.items():
            conn.execute("INSERT INTO voucher_counters (cooperative_id, year, last_seq) VALUES (?, ?, ?) "
                         "ON CONFLICT (cooperative_id, year) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)",
                         (cid, year, seq))


def record_restore(conn: sqlite3.Connection, losses: list[Loss], backup: str, by: str) -> None:
    """One ``system.restore`` audit row per cooperative in the restored database."""
    at = clock.now_utc().replace(tzinfo=None).isoformat(sep=" ")
    for loss in losses:
        summary = {"backup": backup, "by": by, "entries_lost": loss.entries, "first_voucher_lost": loss.first_voucher,
                   "last_voucher_lost": loss.last_voucher, "amount_lost": loss.amount, "diverged": loss.diverged,
                   "head_before": loss.head_before, "head_after": loss.head_after,
                   "vouchers_skipped": {str(y): r for y, r in loss.vouchers_skipped.items()}}
        conn.execute("INSERT INTO audit_log (cooperative_id, actor_id, action, object_type, object_id, summary, "
                     "request_id, at) VALUES (?, NULL, 'system.restore', 'database', ?, ?, NULL, ?)",
                     (loss.cooperative_id, os.path.basename(backup),
                      json.dumps(summary, ensure_ascii=False, sort_keys=True), at))


def restore_summary_marks(live_states: dict[int, CoopState], backup_states: dict[int, CoopState],
                          floor: dict[int, dict[int, int]] | None = None) -> dict[int, dict[int, int]]:
    marks: dict[int, dict[int, int]] = defaultdict(dict)
    for states in (backup_states, live_states, floor or {}):
        for cid, st in states.items():
            years = st.vouchers if isinstance(st, CoopState) else st
            for year, seq in years.items():
                marks[cid][year] = max(marks[cid].get(year, 0), seq)
    return marks


def move_aside(db_path: str, suffix: str) -> list[str]:
    """Rename the live database and its ``-wal``/``-shm`` together to ``<name><suffix>``: a WAL left beside
    a different database file would corrupt it ("database disk image is malformed")."""
    moved = []
    for ext in ("", "-wal", "-shm", "-journal"):
        src = db_path + ext
        if os.path.exists(src):
            os.replace(src, db_path + suffix + ext)
            moved.append(db_path + suffix + ext)
    return moved


def backup_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return str(os.getuid())


# --------------------------------------------------------------------------------------------
# Job history retention (the daily job ``jobs.prune`` and ``flask jobs prune``)
# --------------------------------------------------------------------------------------------

def prune_job_history(cooperative_id: int, as_of: date) -> int:
    """Delete the cooperative's job history (``job_runs``) dated more than ``job_runs_keep_days`` (400)
    days before ``as_of``, keeping each job's latest run (:func:`coop.jobs.prune_runs`). Idempotent.
    Returns how many rows went."""
    keep = settings.get_int(cooperative_id, "job_runs_keep_days", as_of)
    return jobs.prune_runs(cooperative_id, as_of - timedelta(days=keep))


def prune_job_runs(cooperative_id: int, as_of: date) -> str:
    """The daily job ``jobs.prune``: :func:`prune_job_history`, said in the job log."""
    return f"{prune_job_history(cooperative_id, as_of)} riwayat pekerjaan dihapus"
