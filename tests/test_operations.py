"""Operations a village can trust (issue 22): ``flask backup`` finishes under load and never leaves a partial
file, ``flask restore`` refuses while the app holds the database, says what it takes away, and voucher
numbers never repeat; ``ledger verify`` reports the restore.

Backup and restore are SQLite commands (PostgreSQL uses pg_dump/pg_restore, tested in
tests/test_operations_pg.py); on PostgreSQL these tests check the command refuses cleanly.
"""
from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db

DAY = date(2026, 11, 27)


@pytest.fixture
def cli(committed_app):
    runner = committed_app.test_cli_runner()

    def _invoke(*args, ok=True, input=None):
        result = runner.invoke(args=[str(a) for a in args], catch_exceptions=False, input=input)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    with committed_app.app_context():
        yield _invoke


@pytest.fixture
def db_path(committed_app):
    url = sa.engine.make_url(committed_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("flask backup/restore are SQLite commands (PostgreSQL: pg_dump, see test_operations_pg.py)")
    return url.database


def _coop(name="Koperasi Operasi"):
    from coop.onboarding import found_cooperative

    return atomic(lambda: found_cooperative(name=name, village_code="3504042001").id)


def _deposit(coop_id: int, amount: int):
    from tests.fixtures_ledger import fill_cash_box

    return atomic(lambda: fill_cash_box(coop_id, amount, DAY).voucher_number)


def _entries(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM journal_entries").fetchone()[0]
    finally:
        conn.close()


def test_backup_refuses_cleanly_on_postgresql(cli, committed_app, tmp_path):
    """On PostgreSQL `flask backup` and `flask restore` exit 1 pointing to pg_dump/pg_restore, writing nothing."""
    url = sa.engine.make_url(committed_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        pytest.skip("PostgreSQL only")
    res = cli("backup", tmp_path / "x.sqlite3", ok=False)
    assert res.exit_code == 1 and "pg_dump" in res.output
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "b.sqlite3").write_bytes(b"x")
    res = cli("restore", tmp_path / "b.sqlite3", "--yes", ok=False)
    assert res.exit_code == 1 and "pg_restore" in res.output


def test_backup_under_load_finishes_and_is_a_verifiable_database(cli, committed_app, db_path, tmp_path):
    """While another thread keeps posting deposits, `flask backup` completes, prints entries / head voucher /
    head hash, and the copy passes integrity_check and `ledger verify` (a consistent snapshot: its chain
    head is the last entry it holds)."""
    coop_id = _coop()
    for _ in range(200):
        _deposit(coop_id, 1_000)
    stop = threading.Event()
    posted = []

    def writer():
        with committed_app.app_context():
            while not stop.is_set():
                posted.append(_deposit(coop_id, 500))

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(posted) < 20:  # the writer is really writing before the backup starts
            time.sleep(0.01)
        started = time.monotonic()
        res = cli("backup", tmp_path / "cadangan.sqlite3")
        seconds = time.monotonic() - started
        during = len(posted)
        time.sleep(0.2)
    finally:
        stop.set()
        t.join()
    assert len(posted) > during or during > 20  # writes went on around the backup
    target = tmp_path / "cadangan.sqlite3"
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n, last = copy.execute("SELECT count(*), max(voucher_number) FROM journal_entries").fetchone()
    finally:
        copy.close()
    assert 220 <= n <= 200 + len(posted)
    assert f"{n} jurnal, terakhir {last}" in res.output
    assert "Backup tersimpan di" in res.output
    from coop.cli import _verify_file

    results = _verify_file(str(target))
    assert results[coop_id]["ok"], results[coop_id]["problems"]
    assert results[coop_id]["entries"] == n
    assert results[coop_id]["head_hash"][:16] in res.output
    print(f"backup under load: {seconds:.2f}s for {n} entries, {len(posted)} deposits posted meanwhile")


def test_a_failed_backup_leaves_no_file_at_path(cli, db_path, tmp_path, monkeypatch):
    """A copy that fails its integrity check, or a disk that fails while it is written, exits 1 with the
    reason and leaves nothing at PATH (nor a temporary file); a stale temporary file of a killed run is
    removed by the next backup."""
    from coop import ops

    _coop()
    target = tmp_path / "cadangan.sqlite3"
    monkeypatch.setattr(ops, "_integrity", lambda conn: "*** in database main *** Page 7: btreeInitPage() error")
    res = cli("backup", target, ok=False)
    assert res.exit_code == 1 and "integrity_check" in res.output and "tidak ada berkas yang ditulis" in res.output
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()

    def disk_full(path, directory=False):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(ops, "_fsync", disk_full)
    res = cli("backup", target, ok=False)
    assert res.exit_code == 1 and "No space left on device" in res.output
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()

    (tmp_path / ".cadangan.sqlite3.tmp-99999").write_bytes(b"half a database")  # a killed run's leftover
    cli("backup", target)
    assert [p.name for p in tmp_path.iterdir()] == ["cadangan.sqlite3"]


def test_backup_keep_n_keeps_the_newest_generations(cli, db_path, tmp_path, monkeypatch):
    """`backup FOLDER --keep 2` writes timestamped coop-YYYYmmdd-HHMMSS.sqlite3 files and keeps the newest two;
    --keep with a file PATH is refused."""
    from datetime import UTC, datetime

    from coop import clock

    _coop()
    for i, stamp in enumerate(["20261127-010000", "20261128-010000", "20261129-010000"]):
        monkeypatch.setattr(clock, "now_utc", lambda s=stamp: datetime.strptime(s, "%Y%m%d-%H%M%S").replace(tzinfo=UTC))
        res = cli("backup", tmp_path, "--keep", 2)
        if i == 2:
            assert "Backup lama dihapus" in res.output and "coop-20261127-010000" in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coop-20261128-010000.sqlite3",
                                                          "coop-20261129-010000.sqlite3"]
    res = cli("backup", tmp_path / "satu.sqlite3", "--keep", 2, ok=False)
    assert res.exit_code == 1 and "--keep" in res.output


def _hold_app_lock(db_file):
    """What a running web worker or scheduler holds: a shared lock on <db>-app.lock."""
    fd = os.open(db_file + "-app.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_SH)
    return fd


def test_restore_loses_later_entries_loudly_and_never_reissues_a_voucher(cli, db_path, tmp_path):
    """Worked example: 5 deposits, a backup, then 3 more (Rp 1.000 + 2.000 + 3.000, vouchers 6-8). Restoring
    the backup: refused while the app holds the database; then it prints that 3 entries JU-2026-000006 to
    JU-2026-000008 worth Rp 6.000 are lost, records a system.restore audit row, the next deposit gets
    JU-2026-000009 (never 6 again), and `ledger verify` passes and reports the restore with both heads."""
    from coop.audit.models import AuditLog

    coop_id = _coop()
    for _ in range(5):
        _deposit(coop_id, 10_000)
    backup = tmp_path / "cadangan.sqlite3"
    cli("backup", backup)
    lost = [_deposit(coop_id, amount) for amount in (1_000, 2_000, 3_000)]
    assert lost == ["JU-2026-000006", "JU-2026-000007", "JU-2026-000008"]

    fd = _hold_app_lock(db_path)
    try:
        refused = cli("restore", backup, "--yes", ok=False)
    finally:
        os.close(fd)
    assert refused.exit_code == 1 and "Aplikasi masih memakai basis data" in refused.output
    assert _entries(db_path) == 8

    declined = cli("restore", backup, input="n\n", ok=False)
    assert declined.exit_code == 1 and "Dibatalkan" in declined.output and _entries(db_path) == 8

    res = cli("restore", backup, "--yes")
    assert ("3 transaksi yang tercatat sesudah cadangan ini akan HILANG, nomor bukti JU-2026-000006 sampai "
            "JU-2026-000008, jumlah Rp 6.000") in res.output
    assert "setelah pemulihan: OK, 5 jurnal" in res.output
    assert not os.path.exists(db_path + ".restoring")
    assert any(p.startswith(os.path.basename(db_path) + ".before-restore-") for p in os.listdir(os.path.dirname(db_path)))
    assert _entries(db_path) == 5

    db.session.remove()
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "system.restore"))
    summary = json.loads(row.summary)
    assert row.cooperative_id == coop_id and row.object_id == "cadangan.sqlite3"
    assert (summary["entries_lost"], summary["last_voucher_lost"], summary["amount_lost"]) == (3, "JU-2026-000008", 6_000)
    assert summary["head_before"]["chain_seq"] == 8 and summary["head_after"]["chain_seq"] == 5
    assert summary["vouchers_skipped"] == {"2026": [6, 8]}

    assert _deposit(coop_id, 4_000) == "JU-2026-000009"
    out = cli("ledger", "verify").output
    assert "dipulihkan dari cadangan" in out and "(urutan 8)" in out and "(urutan 5)" in out
    assert "3 jurnal hilang" in out and f"Koperasi {coop_id}: OK, 6 jurnal" in out

    # a second restore of the same backup still continues after the highest number ever issued (9)
    cli("restore", backup, "--yes")
    assert _deposit(coop_id, 5_000) == "JU-2026-000010"
    assert cli("ledger", "verify").exit_code == 0


def test_restore_removes_a_stale_wal_and_refuses_a_broken_backup(cli, db_path, tmp_path):
    """A live database whose -wal/-shm still hold commits (an unclean stop) is moved aside WITH them, so the
    restored file never meets a stale WAL ("database disk image is malformed"); a backup that is not a
    database is refused and the live database is untouched."""
    coop_id = _coop()
    _deposit(coop_id, 10_000)
    backup = tmp_path / "cadangan.sqlite3"
    cli("backup", backup)
    _deposit(coop_id, 20_000)
    assert os.path.exists(db_path + "-wal")

    junk = tmp_path / "bukan.sqlite3"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    res = cli("restore", junk, "--yes", ok=False)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert _entries(db_path) == 2

    cli("restore", backup, "--yes")
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM journal_entries").fetchone()[0] == 1
    finally:
        conn.close()
    aside = [p for p in os.listdir(os.path.dirname(db_path)) if ".before-restore-" in p]
    assert any(p.endswith("-wal") for p in aside) or _entries(db_path) == 1


def test_restore_with_an_unreadable_live_database_needs_the_paper_voucher_number(cli, db_path, tmp_path):
    """When the live database cannot be read the highest voucher is unknown: restore refuses unless the operator
    gives the last paper receipt number (--voucher-floor 1:2026:7), and numbering then continues after it."""
    coop_id = _coop()
    _deposit(coop_id, 10_000)
    backup = tmp_path / "cadangan.sqlite3"
    cli("backup", backup)
    db.session.remove()
    db.engine.dispose()
    with open(db_path, "r+b") as f:  # the header of a database a power cut destroyed
        f.write(b"\xff" * 100)
    for ext in ("-wal", "-shm"):
        if os.path.exists(db_path + ext):
            os.unlink(db_path + ext)
    res = cli("restore", backup, "--yes", ok=False)
    assert res.exit_code == 1 and "--voucher-floor" in res.output
    bad = cli("restore", backup, "--yes", "--voucher-floor", "tujuh", ok=False)
    assert bad.exit_code == 2
    cli("restore", backup, "--yes", "--voucher-floor", f"{coop_id}:2026:7")
    assert _deposit(coop_id, 1_000) == "JU-2026-000008"
    assert cli("ledger", "verify").exit_code == 0
