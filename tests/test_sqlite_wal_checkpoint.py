"""Group commit checkpoints the WAL once per WAL_CHECKPOINT_BYTES of new frames, not after every commit
(issue 17: the WAL file kept its largest size, so once past the threshold every commit ran a checkpoint)."""
from __future__ import annotations

import os

import sqlalchemy as sa

from coop import db_sqlite
from coop.db import on_cursor


def _group_commit_engine(path):
    """An engine on ``path`` with the app's SQLite recipe in group mode, every transaction a writer's."""
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"factory": db_sqlite.WriterLockedConnection})
    db_sqlite.install_sqlite_recipe(engine, 5000, "group", in_unit_of_work=lambda: True, on_cursor=on_cursor)
    return engine


def _wal_size(path) -> int:
    return os.path.getsize(f"{path}-wal") if os.path.exists(f"{path}-wal") else 0


def test_checkpoints_follow_the_frames_written_not_the_file_size(tmp_path, monkeypatch):
    """Does group commit checkpoint once per 32 KiB of new WAL frames rather than after every commit? 300
    commits of one 1 KB row each write at least one 4 KiB page (>= 1.2 MB of frames): about one checkpoint
    per 8 commits (~40), not one per commit (298 before the WAL was truncated at restart)."""
    monkeypatch.setattr(db_sqlite, "WAL_CHECKPOINT_BYTES", 32 * 1024)
    path = tmp_path / "wal.sqlite3"
    engine = _group_commit_engine(path)
    checkpoints = []
    try:
        with engine.connect() as conn:
            conn.connection.dbapi_connection.set_trace_callback(
                lambda sql: checkpoints.append(sql) if "wal_checkpoint" in sql else None)
            conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
            conn.commit()
            for i in range(300):
                conn.exec_driver_sql("INSERT INTO t VALUES (?)", (f"{i:04d}" + "x" * 1020,))
                conn.commit()
            assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 300
            conn.commit()
        wal = _wal_size(path)
    finally:
        engine.dispose()
    assert 10 <= len(checkpoints) <= 75, len(checkpoints)
    assert wal < 4 * 32 * 1024


def test_a_writer_that_began_right_after_a_commit_does_not_make_every_commit_checkpoint(tmp_path, monkeypatch):
    """Under load the next writer begins as soon as the lock is given back. Two connections take turns, each
    beginning its write (and reading its snapshot) the moment the other's commit gives the lock back. 200
    commits of a 3 KB row each (a new leaf page and the table's root: ~8 KiB of frames) at a 128 KiB threshold:
    about one checkpoint per 16 commits (measured 18), and a WAL that restarts. With the checkpoint run after the
    lock was given back, the other's open transaction kept the WAL from restarting every time: it only grew,
    and once past the threshold every commit checkpointed (measured 192, the WAL at 2.4 MiB)."""
    monkeypatch.setattr(db_sqlite, "WAL_CHECKPOINT_BYTES", 128 * 1024)
    path = tmp_path / "turns.sqlite3"
    engine = _group_commit_engine(path)
    checkpoints: list[str] = []
    try:
        with engine.connect() as a, engine.connect() as b:
            a.exec_driver_sql("CREATE TABLE t (x TEXT)")
            a.commit()

            def begins_on_lock_given_back(me, other) -> None:
                dbapi = me.connection.dbapi_connection
                dbapi.set_trace_callback(lambda sql: checkpoints.append(sql) if "wal_checkpoint" in sql else None)
                synced = dbapi._sync_wal

                def other_begins_then_sync():  # runs after this commit gave the writer lock back
                    other.exec_driver_sql("SELECT count(*) FROM t").scalar()  # BEGIN IMMEDIATE, its snapshot
                    other.exec_driver_sql("INSERT INTO t VALUES (?)", ("x" * 3000,))
                    synced()
                dbapi._sync_wal = other_begins_then_sync
            begins_on_lock_given_back(a, b)
            begins_on_lock_given_back(b, a)
            a.exec_driver_sql("INSERT INTO t VALUES (?)", ("x" * 3000,))
            for i in range(200):
                (a if i % 2 == 0 else b).commit()
            for conn in (a, b):
                del conn.connection.dbapi_connection._sync_wal  # no more turns
            a.commit()  # the transaction the 200th commit began
            assert a.exec_driver_sql("SELECT count(*) FROM t").scalar() == 201
            a.commit()
        wal = _wal_size(path)
    finally:
        engine.dispose()
    assert 5 <= len(checkpoints) <= 40, len(checkpoints)
    assert wal < 4 * 128 * 1024, wal
