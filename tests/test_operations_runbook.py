"""The runbook in docs/operations.md section 3 is what this test runs (issue 22 item 6): every ``flask --app
coop`` command of the SQLite runbook, in order, with the folders replaced by temporary ones; ``rsync``/``df``
through the shell when present; ``sudo systemctl`` lines are the only ones skipped (no services here)."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from coop import create_app
from coop.db import atomic, db

DOC = Path(__file__).resolve().parents[1] / "docs" / "operations.md"


def runbook_commands() -> list[str]:
    """The bash lines of section 3 up to the PostgreSQL part, comments stripped."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## 3. The operator's runbook"):text.index("**PostgreSQL** (a district server)")]
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", section, flags=re.S):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line:
                lines.append(line)
    return lines


def test_runbook_names_every_step():
    """The runbook has the daily backup, the copy off the device, the restore drill, power cut, full disk and
    restore steps, each as a command."""
    cmds = runbook_commands()
    text = " | ".join(cmds)
    for needle in ("flask --app coop backup /var/backups/coop --keep 14", "rsync -a", "flask --app coop restore",
                   "flask --app coop ledger verify", "flask --app coop jobs run", "df -h"):
        assert needle in text, needle
    cron = DOC.read_text(encoding="utf-8")
    assert "flask --app coop backup /var/backups/coop --keep 14" in cron.split("```cron")[2]


def test_runbook_commands_run_as_written(committed_app, tmp_path):
    """Each command of the SQLite runbook runs and exits 0 against a real database with deposits: backup with
    --keep, copy off the device, the weekly drill into a scratch database, power cut checks, full disk, and the
    restore (answering "y"), after which `ledger verify` passes."""
    url = sa.engine.make_url(committed_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        pytest.skip("the village runbook is SQLite; PostgreSQL's commands run in test_operations_pg.py")
    backups, usb = tmp_path / "backups", tmp_path / "usb"
    backups.mkdir()
    usb.mkdir()
    with committed_app.app_context():
        from coop.onboarding import found_cooperative
        from tests.fixtures_ledger import fill_cash_box
        from tests.test_operations import DAY

        cid = atomic(lambda: found_cooperative(name="Koperasi Runbook", village_code="3504042001").id)
        for amount in (10_000, 20_000):
            atomic(fill_cash_box, cid, amount, DAY)
        db.session.remove()
    apps = {"": committed_app}
    ran = []
    for line in runbook_commands():
        line = (line.replace("/var/backups/coop", str(backups)).replace("/media/usb/coop-backups", str(usb))
                .replace("/tmp/drill.sqlite3", str(tmp_path / "drill.sqlite3")).replace("/srv/coop", str(tmp_path)))
        if "coop-LATEST.sqlite3" in line:
            latest = sorted(backups.glob("coop-*.sqlite3"))[-1]
            line = line.replace(str(backups / "coop-LATEST.sqlite3"), str(latest))
        words = shlex.split(line)
        if words[0] == "sudo":
            continue
        env = ""
        if words[0].startswith("COOP_DATABASE_URL="):
            env = words.pop(0).split("=", 1)[1]
        if words[:3] == ["flask", "--app", "coop"]:
            if env not in apps:
                apps[env] = create_app({"SQLALCHEMY_DATABASE_URI": env, "TESTING": True, "SECRET_KEY": "test"})
            app = apps[env]
            with app.app_context():
                res = app.test_cli_runner().invoke(args=words[3:], input="y\n", catch_exceptions=False)
                db.session.remove()
                db.engine.dispose()
            assert res.exit_code == 0, f"{line}\n{res.output}"
            ran.append(words[3])
        elif shutil.which(words[0]):
            subprocess.run(words, check=True, capture_output=True)
            ran.append(words[0])
        elif words[0] == "rsync":  # not installed here: the same copy
            shutil.copytree(words[-2], words[-1], dirs_exist_ok=True)
            ran.append("rsync(copytree)")
    assert ran.count("backup") == 2 and ran.count("restore") == 2 and ran.count("ledger") == 4
    copied = sorted(p.name for p in usb.iterdir())  # the USB copy holds the day's backup (taken before the full-disk one)
    assert len(copied) == 1 and copied[0] == sorted(p.name for p in backups.iterdir())[0]
    assert os.path.exists(tmp_path / "drill.sqlite3")
