"""``flask registry import FILE [--dry-run]`` and ``flask registry template``."""
from __future__ import annotations

import sqlalchemy as sa

from coop.db import db
from coop.registry.models import Resident
from tests.registry.importdata import to_csv, to_xlsx, village_rows


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Resident))


def test_import_dry_run_then_for_real(runner, coop, users, tmp_path):
    """Does `registry import --dry-run` report 25 created and store nothing, the real import with a username
    store 25 and audit registry.import under that user, and an unknown username exit 1?"""
    path = tmp_path / "warga.csv"
    path.write_bytes(to_csv(village_rows(25)))
    result = runner.invoke(args=["registry", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dibuat 25" in result.output and "uji coba" in result.output and _count() == 0
    result = runner.invoke(args=["registry", "import", str(path), "--cooperative-id", str(coop.id),
                                 "--username", users["officer"].username])
    assert result.exit_code == 0, result.output
    assert "dibuat 25" in result.output and _count() == 25
    from coop.audit.models import AuditLog
    row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "registry.import"))
    assert row.actor_id == users["officer"].id
    assert runner.invoke(args=["registry", "import", str(path), "--username", "nobody"]).exit_code == 1


def test_import_with_errors_fails_and_names_rows(runner, coop, tmp_path):
    """Does an XLSX import with birth date 1990-13-01 on the third row exit 1 naming "baris 4: birth_date" and
    store nothing?"""
    rows = village_rows(10)
    rows[2]["birth_date"] = "1990-13-01"
    path = tmp_path / "warga.xlsx"
    path.write_bytes(to_xlsx(rows))
    result = runner.invoke(args=["registry", "import", str(path)])
    assert result.exit_code == 1
    assert "baris 4: birth_date" in result.output and _count() == 0


def test_template(runner, app, tmp_path):
    """Does `registry template` write an XLSX file (starting "PK")?"""
    result = runner.invoke(args=["registry", "template", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"
