"""PostgreSQL backup as docs/operations.md documents it (issue 22 item 1), on the throwaway cluster of
scripts/with_postgres.sh: ``pg_dump -Fc`` checked with ``pg_restore --list``, restored into an empty database
that ``ledger verify`` passes with the same entries, and a ``pg_basebackup`` for point-in-time recovery."""
from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from coop.db import atomic, db


@pytest.fixture
def pg_url(committed_app):
    url = sa.engine.make_url(committed_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL only (scripts/with_postgres.sh)")
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    return url


@pytest.fixture
def admin(pg_url):
    """An AUTOCOMMIT engine on the maintenance database (CREATE/DROP DATABASE, replication slots)."""
    engine = sa.create_engine(pg_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def test_pg_dump_checked_restored_and_verified(committed_app, pg_url, admin, tmp_path):
    """The documented nightly line (dump to a temporary name, `pg_restore --list`, rename) leaves a dump that
    restores into an empty database where `ledger verify` passes with the same 3 entries."""
    from coop.onboarding import found_cooperative
    from tests.conftest import make_migrated_app  # noqa: F401 - same app factory as the suite
    from tests.fixtures_ledger import fill_cash_box
    from tests.test_operations import DAY

    with committed_app.app_context():
        cid = atomic(lambda: found_cooperative(name="Koperasi Kabupaten", village_code="3504042001").id)
        for amount in (1_000, 2_000, 3_000):
            atomic(fill_cash_box, cid, amount, DAY)
        db.session.remove()
    tmp, final = tmp_path / "coop.dump.tmp", tmp_path / "coop.dump"
    subprocess.run(["pg_dump", "-Fc", "-d", _libpq(pg_url), "-f", str(tmp)], check=True, capture_output=True)
    listing = subprocess.run(["pg_restore", "--list", str(tmp)], check=True, capture_output=True, text=True).stdout
    assert "TABLE DATA public journal_entries" in listing
    tmp.rename(final)

    restored = pg_url.set(database=pg_url.database + "_r")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{restored.database}"')
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", _libpq(restored), str(final)], check=True, capture_output=True)
        from coop import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": restored.render_as_string(hide_password=False), "TESTING": True,
                          "SECRET_KEY": "test"})
        with app.app_context():
            res = app.test_cli_runner().invoke(args=["ledger", "verify"])
            db.session.remove()
            db.engine.dispose()
        assert res.exit_code == 0, res.output
        assert f"Koperasi {cid}: OK, 3 jurnal" in res.output
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{restored.database}" WITH (FORCE)')


def test_pg_basebackup_for_point_in_time_recovery(pg_url, admin, tmp_path):
    """The documented weekly base backup: reserve the WAL with a physical slot created BEFORE the copy starts
    (`pg_create_physical_replication_slot(name, true)`), `pg_basebackup -Ft -z -X stream -S name`, drop the slot.

    Without the slot CI failed twice on a busy cluster ("requested WAL segment ... has already been removed"):
    `-X fetch` reads WAL at the end, and `-X stream`'s own temporary slot is made after the backup's start
    checkpoint, so a checkpoint in between (other workers writing) recycles the first segment."""
    if not shutil.which("pg_basebackup"):
        pytest.skip("pg_basebackup is not installed")
    target = tmp_path / "base"
    slot = f"coop_base_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_create_physical_replication_slot(:s, true)"), {"s": slot})
        res = subprocess.run(["pg_basebackup", "-d", _libpq(pg_url.set(database=None)), "-D", str(target), "-Ft",
                              "-z", "-X", "stream", "-S", slot], capture_output=True, text=True)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                                 "WHERE slot_name = :s"), {"s": slot})
            left = conn.execute(sa.text("SELECT count(*) FROM pg_replication_slots WHERE slot_name = :s"),
                                {"s": slot}).scalar_one()
    assert res.returncode == 0, res.stderr
    assert (target / "base.tar.gz").stat().st_size > 0
    # -X stream: the WAL written during the copy comes along
    assert (target / "pg_wal.tar.gz").stat().st_size > 0
    assert left == 0, "the slot is dropped, or it would keep WAL forever"
