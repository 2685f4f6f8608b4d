"""Group commit checkpoints the WAL once per WAL_CHECKPOINT_BYTES of new frames, not after every commit
(issue 17: the WAL file kept its largest size, so once past the threshold every commit ran a checkpoint)."""
from __future__ import annotations

import os

import sqlalchemy as sa

from coop import db_sqlite
from coop.db import on_cursor


def test_checkpoints_follow_the_frames_written_not_the_file_size(tmp_path, monkeypatch):
    """Does group commit checkpoint once per 32 KiB of new WAL frames rather than after every commit? 300
    commits of one 1 KB row each write at least one 4 KiB page (>= 1.2 MB of frames): about one checkpoint
    per 8 commits (~40), not one per commit (298 before the WAL was truncated at restart)."""
    monkeypatch.setattr(db_sqlite, "WAL_CHECKPOINT_BYTES", 32 * 1024)
    path = tmp_path / "wal.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"factory": db_sqlite.WriterLockedConnection})
    db_sqlite.install_sqlite_recipe(engine, 5000, "group", in_unit_of_work=lambda: True, on_cursor=on_cursor)
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
        wal = os.path.getsize(f"{path}-wal") if os.path.exists(f"{path}-wal") else 0
    finally:
        engine.dispose()
    assert 10 <= len(checkpoints) <= 75, len(checkpoints)
    assert wal < 4 * 32 * 1024
