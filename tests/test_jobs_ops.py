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
