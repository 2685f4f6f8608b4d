"""CLI (issue 2 item 12) and the audit log (item 7): ``flask demo`` is idempotent, ``users create``,
``backup`` (SQLite online backup), ``jobs run``/``jobs list``; every write by the foundation's services
leaves an audit row in the same unit of work, and audit rows cannot be changed through the ORM either.

Commands run through Flask's CLI runner on ``committed_app`` (real commits on a fresh database).
"""
from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coop.db import atomic, db, utcnow

DEMO_PASSWORD = "demo-rahasia-1"


def _row_counts() -> dict[str, int]:
    db.session.remove()
    with db.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in db.metadata.sorted_tables}


@pytest.fixture
def cli(committed_app):
    committed_app.config["DEMO_PASSWORD"] = DEMO_PASSWORD
    runner = committed_app.test_cli_runner()

    def _invoke(*args, ok=True):
        result = runner.invoke(args=[str(a) for a in args], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    with committed_app.app_context():
        yield _invoke


def test_demo_creates_the_demo_cooperative_and_is_idempotent(cli):
    """The first `flask demo` creates "Koperasi Desmigratif Demo" with the five staff logins (password
    from COOP_DEMO_PASSWORD, printed); a second run changes no row of any table and says so."""
    from coop.auth.models import Cooperative, User
    from coop.auth.services import authenticate

    first = cli("demo", "--as-of", "2026-11-27")
    assert "Koperasi demo dibuat: Koperasi Desmigratif Demo" in first.output
    assert DEMO_PASSWORD in first.output
    after_first = _row_counts()
    coop = db.session.scalar(sa.select(Cooperative).where(Cooperative.name == "Koperasi Desmigratif Demo"))
    roles = dict(db.session.execute(sa.select(User.username, User.role).where(User.cooperative_id == coop.id)).all())
    assert {k: roles.get(k) for k in ("admin", "bendahara", "manajer", "petugas", "auditor")} == {
        "admin": "admin", "bendahara": "treasurer", "manajer": "manager", "petugas": "officer",
        "auditor": "auditor"}
    res = atomic(authenticate, "bendahara", DEMO_PASSWORD, address="127.0.0.1", now=utcnow())
    assert res.user is not None and res.user.username == "bendahara"

    second = cli("demo", "--as-of", "2026-11-27")
    assert "Koperasi demo sudah ada" in second.output
    after_second = _row_counts()
    after_second["login_attempts"] -= 1  # the authenticate() call above, not the demo
    assert after_second == after_first


def test_users_create_makes_a_user_who_can_log_in(cli):
    """`flask users create` stores a hashed password the login accepts; a taken username or a short
    password is a clean error (exit 1, Indonesian message, no traceback, nothing written)."""
    from coop.auth.models import User
    from coop.auth.services import authenticate, create_cooperative

    coop_id = atomic(lambda: create_cooperative(name="Koperasi CLI", village_code="3504042001").id)
    out = cli("users", "create", "--cooperative-id", coop_id, "--username", "Kasir2", "--full-name",
              "Kasir Dua", "--role", "treasurer", "--password", "rahasia-123").output
    assert "Pengguna kasir2 dibuat" in out
    user = db.session.scalar(sa.select(User).where(User.username == "kasir2"))
    assert user.cooperative_id == coop_id and user.role == "treasurer"
    assert "rahasia-123" not in user.password_hash
    assert atomic(authenticate, "kasir2", "rahasia-123", address="127.0.0.1", now=utcnow()).user is not None

    before = _row_counts()
    taken = cli("users", "create", "--cooperative-id", coop_id, "--username", "kasir2", "--full-name", "X",
                "--role", "officer", "--password", "rahasia-456", ok=False)
    assert taken.exit_code == 1 and "Nama pengguna sudah dipakai." in taken.output
    short = cli("users", "create", "--cooperative-id", coop_id, "--username", "baru", "--full-name", "X",
                "--role", "officer", "--password", "pendek", ok=False)
    assert short.exit_code == 1 and "minimal 10 karakter" in short.output
    bad_role = cli("users", "create", "--cooperative-id", coop_id, "--username", "baru", "--full-name", "X",
                   "--role", "raja", "--password", "rahasia-456", ok=False)
    assert bad_role.exit_code == 2
    for res in (taken, short, bad_role):
        assert "Traceback" not in res.output
    assert _row_counts() == before


def test_backup_makes_a_consistent_readable_copy(cli, committed_app, tmp_path):
    """`flask backup PATH` (SQLite online backup API) writes a copy that passes integrity_check and holds
    the same rows; on PostgreSQL it refuses and points to pg_dump."""
    from coop.auth.services import create_cooperative, create_user

    def _seed():
        c = create_cooperative(name="Koperasi Backup", village_code="3504042001")
        create_user(cooperative_id=c.id, username="cadang", full_name="Cadang", role="auditor",
                    password="rahasia-123")
    atomic(_seed)
    target = tmp_path / "cadangan.sqlite3"
    url = sa.engine.make_url(committed_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite":
        res = cli("backup", target, ok=False)
        assert res.exit_code == 1 and "pg_dump" in res.output
        assert not target.exists()
        return
    res = cli("backup", target)
    assert "Backup tersimpan di" in res.output
    copy = sqlite3.connect(target)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT username FROM users WHERE username = 'cadang'").fetchone() == ("cadang",)
        for table, n in _row_counts().items():
            assert copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] == n, table
    finally:
        copy.close()


#: Calls of the test job: (cooperative_id, as_of).
CALLS: list[tuple[int, date]] = []


def record_call(cooperative_id: int, as_of: date) -> str:
    CALLS.append((cooperative_id, as_of))
    return f"dicatat {as_of.isoformat()}"


@pytest.fixture
def recording_job():
    """Registers a daily job "test.record_call" (target tests.test_cli:record_call,
    01:00) in jobs.JOBS with the call log cleared, and removes it afterwards."""
    from coop import jobs

    jobs._load_job_modules()
    job = jobs.Job(id="test.record_call", target="tests.test_cli:record_call", frequency="daily",
                   cron={"hour": 1}, description="test job")
    jobs.JOBS.append(job)
    CALLS.clear()
    yield job
    jobs.JOBS.remove(job)
    CALLS.clear()


def test_jobs_list_shows_every_registered_job(cli, recording_job):
    """`flask jobs list` prints one line per registered job with its id, frequency and description."""
    from coop.jobs import JOBS

    out = cli("jobs", "list").output
    lines = out.strip().splitlines()
    assert len(lines) == len(JOBS)
    for job in JOBS:
        assert any(line.startswith(job.id) and job.description in line for line in lines), job.id
    assert "test.record_call" in out and "daily" in out


def test_jobs_run_as_of_is_idempotent_and_catches_up(cli, recording_job, today):
    """`flask jobs run --as-of D --job J` runs J once per cooperative for D; running it again for the same
    day does nothing; three days later it catches up the two missed days, oldest first."""
    from coop.auth.services import create_cooperative
    from coop.jobs.models import JobRun

    ids = atomic(lambda: [create_cooperative(name=f"Koperasi Job {i}", village_code="3504042001").id
                          for i in (1, 2)])
    d = today - timedelta(days=3)
    out = cli("jobs", "run", "--as-of", d.isoformat(), "--job", recording_job.id).output
    assert sorted(CALLS) == [(ids[0], d), (ids[1], d)]
    assert f"test.record_call {d.isoformat()}: dicatat {d.isoformat()}" in out
    cli("jobs", "run", "--as-of", d.isoformat(), "--job", recording_job.id)
    assert len(CALLS) == 2
    CALLS.clear()
    cli("jobs", "run", "--as-of", (d + timedelta(days=3)).isoformat(), "--job", recording_job.id)
    days = [as_of for coop_id, as_of in CALLS if coop_id == ids[0]]
    assert days == [d + timedelta(days=1), d + timedelta(days=2), d + timedelta(days=3)]
    runs = db.session.scalar(sa.select(sa.func.count()).select_from(JobRun).where(JobRun.job_id == recording_job.id))
    assert runs == 2 * 4


def test_jobs_run_refuses_a_date_past_tomorrow_unless_allowed(cli, recording_job, today):
    """A server whose clock jumped must not post months of interest: `jobs run --as-of` more than one day
    after the business date exits non-zero and runs nothing; tomorrow is fine; --allow-future overrides."""
    from coop.auth.services import create_cooperative
    from coop.jobs.models import JobRun

    atomic(create_cooperative, name="Koperasi Jam Loncat", village_code="3504042001")
    far = today + timedelta(days=2)
    refused = cli("jobs", "run", "--as-of", far.isoformat(), "--job", recording_job.id, ok=False)
    assert refused.exit_code != 0
    assert "--allow-future" in refused.output and today.isoformat() in refused.output
    assert CALLS == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun)) == 0
    cli("jobs", "run", "--as-of", (today + timedelta(days=1)).isoformat(), "--job", recording_job.id)
    assert [day for _, day in CALLS][-1] == today + timedelta(days=1)
    cli("jobs", "run", "--as-of", far.isoformat(), "--job", recording_job.id, "--allow-future")
    assert [day for _, day in CALLS][-1] == far


def test_jobs_run_without_job_runs_every_registered_job(cli, recording_job):
    """Without --job every registered job runs (on a cooperative with its chart) and exits 0."""
    from coop.auth.services import create_cooperative
    from coop.ledger.services import create_chart

    def _coop():
        c = create_cooperative(name="Koperasi Semua Job", village_code="3504042001")
        create_chart(c.id)
    atomic(_coop)
    cli("jobs", "run", "--as-of", "2026-11-27")
    assert CALLS and CALLS[0][1] == date(2026, 11, 27)


# --- audit log -----------------------------------------------------------------------------------------

#: Bookkeeping tables that are not business writes: the login-attempt log is itself the record of
#: logins (throttling), job_runs is the scheduler's own log, audit_log is the audit.
NOT_AUDITED = {"audit_log", "login_attempts", "job_runs"}


def _foundation_writes(today):
    """(description, unit of work) for every write service of the foundation, in dependency order."""
    from coop import settings
    from coop.auth.models import User
    from coop.auth.services import create_cooperative, create_user, issue_token
    from coop.ledger import chart
    from coop.ledger.services import Line, account_by_code, add_account, create_chart, post_entry

    state = {}

    def new_coop():
        c = create_cooperative(name="Koperasi Audit", village_code="3504042001")
        create_chart(c.id)
        state["coop_id"] = c.id

    def new_user():
        state["admin_id"] = create_user(cooperative_id=state["coop_id"], username="audit_admin",
                                        full_name="Admin Audit", role="admin", password="rahasia-123").id

    def admin():
        return db.session.get(User, state["admin_id"])

    def token():
        issue_token(admin(), now=utcnow())

    def setting():
        settings.set_value(state["coop_id"], "dormancy_months", 6, effective_on=today, actor=admin())

    def account():
        add_account(state["coop_id"], actor=admin(), code="1103", name="Kas Kecil", type="asset")

    def entry():
        c = state["coop_id"]
        post_entry(c, [Line.dr(account_by_code(c, chart.KAS).id, 75_000),
                       Line.cr(account_by_code(c, chart.BANK).id, 75_000)],
                   actor=admin(), memo="audit test", value_date=today, source="test.audit")

    return [("cooperative.create (+ chart)", new_coop, "cooperative.create"),
            ("user.create", new_user, "user.create"),
            ("auth.token_issue", token, "auth.token_issue"),
            ("setting.set", setting, "setting.set"),
            ("ledger.account_add", account, "ledger.account_add"),
            ("ledger post", entry, "ledger.post.test.audit")]


def test_every_foundation_write_is_audited(committed_app, today):
    """Each foundation service that changes a business table adds, in the same unit of work, an audit row
    naming the action, the object, the actor, the cooperative and the time."""
    from coop.audit.models import AuditLog

    with committed_app.app_context():
        for label, fn, action in _foundation_writes(today):
            before = _row_counts()
            atomic(fn)
            after = _row_counts()
            changed = {t for t in after if after[t] != before[t] and t not in NOT_AUDITED}
            assert changed, f"{label} wrote nothing?"
            new_audit = after["audit_log"] - before["audit_log"]
            assert new_audit >= 1, f"{label} changed {sorted(changed)} without an audit row"
            row = db.session.scalar(sa.select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
            assert row.action == action, label
            assert row.cooperative_id is not None and row.object_type and row.at is not None


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(committed_app):
    """The ORM cannot rewrite history either: the database rejects the UPDATE and DELETE, the unit of work
    rolls back, and the row is unchanged."""
    from coop.audit import record
    from coop.audit.models import AuditLog
    from coop.auth.services import create_cooperative

    with committed_app.app_context():
        coop_id = atomic(lambda: create_cooperative(name="Koperasi Tetap", village_code="3504042001").id)

        def _record():
            row = record(None, "test.original", "test", 1, {"a": 1}, cooperative_id=coop_id)
            db.session.flush()
            return row.id
        row_id = atomic(_record)

        def _edit():
            db.session.get(AuditLog, row_id).action = "test.forged"

        def _delete():
            db.session.delete(db.session.get(AuditLog, row_id))

        for fn in (_edit, _delete):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                atomic(fn)
        db.session.remove()
        assert db.session.get(AuditLog, row_id).action == "test.original"


def test_cooperatives_create_and_list(cli):
    """`flask cooperatives create` makes a tenant with its chart of accounts (audited), ready for
    `users create`; a bad village code is a clean error; `cooperatives list` shows it with its id."""
    from coop.audit.models import AuditLog
    from coop.auth.models import Cooperative
    from coop.ledger import chart
    from coop.ledger.services import account_by_code

    out = cli("cooperatives", "create", "--name", "Koperasi Sumber Rejeki", "--village-code", "3504042001",
              "--legal-number", "AHU-0000001").output
    coop = db.session.scalar(sa.select(Cooperative).where(Cooperative.name == "Koperasi Sumber Rejeki"))
    assert f"(id {coop.id})" in out
    assert account_by_code(coop.id, chart.KAS).balance == 0
    assert db.session.scalar(sa.select(AuditLog.action).where(AuditLog.cooperative_id == coop.id)) == \
        "cooperative.create"
    assert f"{coop.id:>4}  3504042001  Koperasi Sumber Rejeki" in cli("cooperatives", "list").output
    before = _row_counts()
    bad = cli("cooperatives", "create", "--name", "X", "--village-code", "35", ok=False)
    assert bad.exit_code == 1 and "Kode desa harus 10 digit." in bad.output
    assert _row_counts() == before
