"""Jobs that race safely and catch up (issue 22 item 3): an atomic claim per (job, cooperative, period) on
SQLite and PostgreSQL, one cooperative's failure does not stop the others, the scheduler catches up on
start, and a month cannot be closed before it ended and its month-end jobs ran (409 naming them)."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from coop import jobs
from coop.db import atomic, db
from coop.jobs.models import JobRun

CALLS: list[tuple[int, date]] = []
FAIL_FOR: set[int] = set()


def slow_job(cooperative_id: int, as_of: date) -> str:
    if cooperative_id in FAIL_FOR:
        raise RuntimeError("kas tidak cocok")
    time.sleep(0.3)  # long enough for a second runner to arrive while the first holds its claim
    CALLS.append((cooperative_id, as_of))
    return "ok"


@pytest.fixture
def slow(committed_app):
    jobs._load_job_modules()
    job = jobs.Job(id="test.slow", target="tests.test_jobs_ops:slow_job", frequency="daily", cron={"hour": 1},
                   description="uji")
    jobs.JOBS.append(job)
    CALLS.clear()
    FAIL_FOR.clear()
    with committed_app.app_context():
        yield job
        db.session.remove()
    jobs.JOBS.remove(job)


def _coop(name):
    from coop.onboarding import found_cooperative

    return atomic(lambda: found_cooperative(name=name, village_code="3504042001").id)


def test_two_concurrent_runs_claim_each_period_once(committed_app, slow, today):
    """Two `jobs run` at the same moment for the same day (threads, each its own connection): the job runs once,
    neither fails (no unique violation on job_runs on PostgreSQL), and the second says another process did it."""
    cid = _coop("Koperasi Balapan")
    outputs: list[list[str]] = [[], []]
    errors = []

    def runner(i):
        with committed_app.app_context():
            try:
                jobs.run_due(cid, today, only="test.slow", echo=outputs[i].append)
            except Exception as exc:  # noqa: BLE001 - the assertion below shows it
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert CALLS == [(cid, today)]
    lines = sorted(outputs[0] + outputs[1])
    assert lines == [f"test.slow {today.isoformat()}: ok", f"test.slow {today.isoformat()}: sudah dijalankan proses lain"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobRun).where(JobRun.job_id == "test.slow")) == 1


def test_second_jobs_run_exits_0_saying_nothing_to_do(committed_app, slow, today):
    """`flask jobs run` twice for the same day: the second exits 0 and prints that there was nothing to do."""
    _coop("Koperasi Cron")
    cli = committed_app.test_cli_runner()
    first = cli.invoke(args=["jobs", "run", "--job", "test.slow"])
    assert first.exit_code == 0 and ": ok" in first.output
    second = cli.invoke(args=["jobs", "run", "--job", "test.slow"])
    assert second.exit_code == 0, second.output
    assert "Tidak ada pekerjaan yang perlu dijalankan." in second.output


def test_one_cooperatives_failure_does_not_stop_the_others(committed_app, slow, today):
    """Three cooperatives, the second's job raises: the first and third still run, the failure is named, and
    the exit status is 1 at the end; the failed period is not marked done (the next run retries it)."""
    ids = [_coop(f"Koperasi {n}") for n in ("Satu", "Dua", "Tiga")]
    FAIL_FOR.add(ids[1])
    res = committed_app.test_cli_runner().invoke(args=["jobs", "run", "--job", "test.slow"])
    assert res.exit_code == 1
    assert f"Koperasi {ids[1]} Koperasi Dua: pekerjaan gagal: RuntimeError: kas tidak cocok" in res.output
    assert "1 koperasi gagal" in res.output
    assert sorted(c for c, _ in CALLS) == [ids[0], ids[2]]
    FAIL_FOR.clear()
    again = committed_app.test_cli_runner().invoke(args=["jobs", "run", "--job", "test.slow"])
    assert again.exit_code == 0 and sorted(c for c, _ in CALLS) == sorted(ids)


def test_scheduler_catches_up_missed_runs_on_start(committed_app, slow, today, monkeypatch):
    """A scheduler started after its 01:00 run time runs the missed periods at once (same catch-up as
    `jobs run`), then registers each job with misfire grace and coalescing."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    cid = _coop("Koperasi Penjadwal")
    atomic(lambda: db.session.add(JobRun(job_id="test.slow", cooperative_id=cid, period_key=(today - timedelta(days=3)).isoformat(),
                                         as_of=today - timedelta(days=3), finished_at=jobs.utcnow(), summary="")))
    added = {}
    monkeypatch.setattr(BlockingScheduler, "start", lambda self: None)
    real_add = BlockingScheduler.add_job
    monkeypatch.setattr(BlockingScheduler, "add_job",
                        lambda self, fn, trigger, **kw: added.__setitem__(kw["id"], kw) or real_add(self, fn, trigger, **kw))
    res = committed_app.test_cli_runner().invoke(args=["scheduler"])
    assert res.exit_code == 0, res.output
    assert CALLS == [(cid, today - timedelta(days=2)), (cid, today - timedelta(days=1)), (cid, today)]
    assert added["test.slow"]["coalesce"] is True and added["test.slow"]["misfire_grace_time"] == 24 * 3600


def test_close_period_refused_until_month_ended_and_its_jobs_ran(app, coop, users, today):
    """Closing the current month is a 409 period_not_ended; closing last month before its month-end jobs ran is
    a 409 month_end_jobs_pending naming them; after `jobs run` recorded them, the close succeeds."""
    from coop.errors import Conflict
    from coop.ledger import periods
    from tests.fixtures_ledger import month_end_jobs_done

    jobs._load_job_modules()
    monthly = [j.id for j in jobs.JOBS if j.frequency == "monthly"]
    assert monthly
    with pytest.raises(Conflict) as exc:
        atomic(periods.close_period, coop.id, actor=users["manager"], year=today.year, month=today.month)
    assert exc.value.code == "period_not_ended"
    last = today.replace(day=1) - timedelta(days=1)
    with pytest.raises(Conflict) as exc:
        atomic(periods.close_period, coop.id, actor=users["manager"], year=last.year, month=last.month)
    assert exc.value.code == "month_end_jobs_pending" and exc.value.status == 409
    for job_id in monthly:
        assert job_id in exc.value.message
    month_end_jobs_done(coop.id, today)
    assert atomic(periods.close_period, coop.id, actor=users["manager"], year=last.year, month=last.month).status == "closed"


# ---------------------------------------------------------------------------------------------------
# National scale (issue 20): the last runs are read once for every cooperative; job history is pruned
# ---------------------------------------------------------------------------------------------------

def _statements(fn) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        fn()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return seen


def _run_all(day):
    done, failed = jobs.run_all(lambda _c: day, echo=lambda *_: None)
    assert failed == []
    return done


def test_an_ordinary_days_run_reads_every_last_run_in_one_statement(app, make_coop, today):
    """The daily run of 1 and then of 3 cooperatives on ordinary days (no month end): each run reads
    job_runs' last runs in ONE statement whatever the number of cooperatives, and a cooperative adds only
    its own work: per daily job a claim and a finishing update on job_runs (9 daily jobs: 18), plus the
    prune's delete = 19 job_runs statements a cooperative (before: 11 more, one max(as_of) per job)."""
    jobs._load_job_modules()
    daily = [j.id for j in jobs.JOBS if j.frequency == "daily"]
    assert len(daily) == 9
    day = today.replace(day=1) - timedelta(days=20)  # the 8th to 11th of last month: no month starts near it
    first = make_coop(name="Koperasi Satu").id
    _run_all(day - timedelta(days=1))  # catch-up of the first run (last month's monthly jobs) out of the way
    one = _statements(lambda: _run_all(day))
    make_coop(name="Koperasi Dua")
    make_coop(name="Koperasi Tiga")
    _run_all(day)  # the new ones catch up (the first has nothing left for that day)
    three = _statements(lambda: _run_all(day + timedelta(days=1)))
    last_reads = [s for s in three if "max(job_runs.as_of)" in s]
    assert len(last_reads) == 1 and len([s for s in one if "max(job_runs.as_of)" in s]) == 1
    on_job_runs = [s for s in three if "job_runs" in s]
    assert len(on_job_runs) == 1 + 3 * 19
    assert len([s for s in one if "job_runs" in s]) == 1 + 19
    # what a cooperative costs is the same for each: 3 cooperatives cost the fixed part + 3 x per cooperative
    per_coop = (len(three) - len(one)) / 2
    assert len(one) - per_coop == FIXED_STATEMENTS[db.engine.dialect.name]
    assert per_coop == PER_COOP_STATEMENTS[db.engine.dialect.name]
    savepoints = [s for s in three if s.startswith(("SAVEPOINT", "RELEASE"))]
    assert len(savepoints) == 3 * 20
    assert jobs.last_run("loans.daily", first) == day + timedelta(days=1)


#: Statements of a daily run that do not grow with the cooperatives (the cooperatives' list and the last
#: runs), and what one cooperative with nothing due costs on an ordinary day (pinned: a new per-cooperative
#: lookup shows up here). 62 = 42 of the jobs' own work (bench/bench_jobs_lastruns.py counts 39 outside
#: tests; it was 50 with the 11 max(as_of) lookups; savings.arrears adds its claim, its finish and its one
#: look-up of stale accounts) + 20 SAVEPOINT/RELEASE pairs' statements that the test's outer transaction
#: adds around the 10 units of work (9 daily jobs and the sender).
FIXED_STATEMENTS = {"sqlite": 2, "postgresql": 2}
PER_COOP_STATEMENTS = {"sqlite": 62, "postgresql": 62}


def _history(cid, job_id, *days_ago, today):
    for n in days_ago:
        day = today - timedelta(days=n)
        db.session.add(JobRun(job_id=job_id, cooperative_id=cid, period_key=day.isoformat(), as_of=day,
                              finished_at=jobs.utcnow(), summary=""))
    db.session.flush()


def _count(cid=None, job_id=None):
    q = sa.select(sa.func.count()).select_from(JobRun)
    if cid is not None:
        q = q.where(JobRun.cooperative_id == cid)
    if job_id is not None:
        q = q.where(JobRun.job_id == job_id)
    return db.session.scalar(q)


def test_pruning_keeps_400_days_and_every_jobs_latest_run(app, make_coop, runner, today):
    """History of savings.maturity 500, 450, 401, 400 and 10 days ago and of loans.provision 500 days ago
    only, in two cooperatives. `jobs prune` (default 400 days) deletes what is dated before today - 400
    and has a later run of its job: 500, 450, 401 of savings.maturity, 3 rows per cooperative = 6; the
    400-day row stays (not older than the limit) and so does loans.provision's only (latest) run. The
    scheduler still finds where each job stopped. A second prune deletes nothing."""
    a, b = make_coop(name="Koperasi A").id, make_coop(name="Koperasi B").id
    for cid in (a, b):
        _history(cid, "savings.maturity", 500, 450, 401, 400, 10, today=today)
        _history(cid, "loans.provision", 500, today=today)
    res = runner.invoke(args=["jobs", "prune"])
    assert res.exit_code == 0, res.output
    assert "6 riwayat pekerjaan dihapus." in res.output
    for cid in (a, b):
        assert _count(cid, "savings.maturity") == 2 and _count(cid, "loans.provision") == 1
        assert jobs.last_run("savings.maturity", cid) == today - timedelta(days=10)
        assert jobs.last_run("loans.provision", cid) == today - timedelta(days=500)
        assert db.session.scalar(sa.select(sa.func.min(JobRun.as_of)).where(
            JobRun.cooperative_id == cid, JobRun.job_id == "savings.maturity")) == today - timedelta(days=400)
    again = runner.invoke(args=["jobs", "prune"])
    assert again.exit_code == 0 and "0 riwayat pekerjaan dihapus." in again.output


def test_the_daily_job_prunes_by_the_cooperatives_own_setting(app, make_coop, today):
    """Cooperative A keeps 30 days (setting job_runs_keep_days), B the default 400; both have
    savings.maturity runs 401, 100, 31, 30 and 1 days ago. The daily job jobs.prune for A deletes 401,
    100 and 31 (older than today - 30, each with a later run): 3; for B only 401: 1. Its own run of today
    is recorded like any job's."""
    from coop import settings

    a, b = make_coop(name="Koperasi A").id, make_coop(name="Koperasi B").id
    atomic(settings.set_value, a, "job_runs_keep_days", 30, effective_on=today - timedelta(days=500))
    for cid in (a, b):
        _history(cid, "savings.maturity", 401, 100, 31, 30, 1, today=today)
    jobs._load_job_modules()
    done_a = atomic(jobs.run_due, a, today, only="jobs.prune", echo=lambda *_: None)
    done_b = atomic(jobs.run_due, b, today, only="jobs.prune", echo=lambda *_: None)
    assert done_a == [f"jobs.prune {today.isoformat()}: 3 riwayat pekerjaan dihapus"]
    assert done_b == [f"jobs.prune {today.isoformat()}: 1 riwayat pekerjaan dihapus"]
    assert _count(a, "savings.maturity") == 2 and _count(b, "savings.maturity") == 4
    assert _count(a, "jobs.prune") == 1


def test_the_retention_setting_refuses_a_nonsense_value(app, coop, today):
    """job_runs_keep_days must be 1 to 3650 days: 0 is a 422-style validation error naming the value."""
    from coop import settings
    from coop.errors import ValidationError

    with pytest.raises(ValidationError) as exc:
        atomic(settings.set_value, coop.id, "job_runs_keep_days", 0, effective_on=today)
    assert exc.value.fields == {"value": ["1 sampai 3650 hari"]}
    assert settings.get(coop.id, "job_runs_keep_days") == 400
