"""The registry of scheduled jobs (plain functions from the domain packages).

Each job is ``fn(cooperative_id, as_of) -> str | None`` and must be idempotent per (job, cooperative,
period): :func:`run_due` records a ``job_runs`` row per period key and skips periods already done,
catching up missed periods in order. Jobs select only what is due (``next_action_date`` columns).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from coop import clock
from coop.auth.models import Cooperative
from coop.db import atomic, current_session, db, dialect_name, utcnow
from coop.jobs.models import JobRun


@dataclass(frozen=True)
class Job:
    id: str
    #: dotted path "module:function"; imported lazily.
    target: str
    #: "daily" or "monthly" (monthly jobs run for the month that ENDED before as_of's month starts), or
    #: "always": runs at every trigger with no period record, outside a unit of work (it opens its own: the
    #: outreach sender, which must not hold the database while it waits for a gateway).
    frequency: str
    #: cron trigger for the scheduler process (APScheduler CronTrigger fields).
    cron: dict
    description: str

    @property
    def fn(self) -> Callable[[int, date], str | None]:
        module, name = self.target.split(":")
        return getattr(importlib.import_module(module), name)


#: Every scheduled job, in the order a run does them: one literal list (a new job is added HERE; importing a
#: module registers nothing, so import order never decides job order). The order matters: jasa simpanan is
#: posted before accounts turn dormant, the loans' daily arrears and collectibility before the month's
#: provision (PPAP) that reads them, and the portfolio snapshot after both. ``target`` is imported only
#: when the job runs, so this package stays below the domain packages in the layers of .importlinter.
JOBS: list[Job] = [
    Job(id="savings.interest", target="coop.savings.jobs:interest", frequency="monthly",
        cron={"day": 1, "hour": 1, "minute": 0},
        description="Jasa simpanan bulanan per metode produk, dipotong PPh final (PP 15/2009)"),
    Job(id="savings.maturity", target="coop.savings.jobs:maturities", frequency="daily",
        cron={"hour": 1, "minute": 10},
        description="Simpanan berjangka jatuh tempo: perpanjang atau cairkan ke sukarela"),
    Job(id="savings.dormancy", target="coop.savings.jobs:dormancy", frequency="daily",
        cron={"hour": 1, "minute": 20},
        description="Rekening sukarela tanpa transaksi selama dormancy_months menjadi dormant"),
    Job(id="savings.arrears", target="coop.savings.jobs:arrears", frequency="daily",
        cron={"hour": 1, "minute": 30},
        description="Tunggakan simpanan wajib yang tersimpan: hitung ulang rekening yang berubah"),
    Job(id="loans.daily", target="coop.loans.jobs:run_daily", frequency="daily",
        cron={"hour": 1, "minute": 0}, description="Tunggakan, denda dan kolektibilitas pinjaman"),
    Job(id="loans.provision", target="coop.loans.jobs:run_provision", frequency="monthly",
        cron={"day": 1, "hour": 2, "minute": 0}, description="Penyesuaian PPAP bulanan"),
    Job(id="training.followups", target="coop.training.jobs:create_followups", frequency="daily",
        cron={"hour": 5, "minute": 30},
        description="Buat tugas pendampingan 3 dan 6 bulan setelah pelatihan selesai."),
    Job(id="desk.reminders", target="coop.desk.jobs:list_reminders", frequency="daily",
        cron={"hour": 6, "minute": 0},
        description="Daftar paspor calon PMI yang segera habis dan kasus yang macet 30 hari."),
    Job(id="outreach.reminders", target="coop.outreach.jobs:queue_reminders", frequency="daily",
        cron={"hour": 6, "minute": 10},
        description="Antrekan pengingat (angsuran, simpanan wajib, RAT, paspor) bagi yang memberi persetujuan."),
    Job(id="outreach.send", target="coop.outreach.jobs:send", frequency="always", cron={"minute": "*/10"},
        description="Kirim pesan yang antre lewat kanal COOP_MESSAGING_CHANNEL (di luar jam tenang)."),
    Job(id="reports.portfolio_snapshot", target="coop.reports.jobs:portfolio_snapshot", frequency="monthly",
        cron={"day": 1, "hour": 2, "minute": 30},
        description="Potret portofolio pinjaman, simpanan dan kas akhir bulan (grafik tren PAR)."),
    Job(id="auth.prune", target="coop.auth.jobs:prune", frequency="daily", cron={"hour": 3, "minute": 15},
        description="Hapus percobaan login lama, respons idempoten lama dan token kedaluwarsa."),
    Job(id="jobs.prune", target="coop.ops:prune_job_runs", frequency="daily", cron={"hour": 3, "minute": 25},
        description="Hapus riwayat pekerjaan lebih lama dari job_runs_keep_days (yang terakhir per pekerjaan disimpan)."),
]


def _periods(job: Job, last: date | None, as_of: date) -> Iterator[tuple[str, date]]:
    """Period keys (with their as-of dates) to run, oldest first, up to ``as_of``."""
    if job.frequency == "daily":
        start = (last + timedelta(days=1)) if last else as_of
        d = start
        while d <= as_of:
            yield d.isoformat(), d
            d += timedelta(days=1)
    else:  # monthly: period = a month that has ended; runs on its last day
        first_of_month = as_of.replace(day=1)
        end = first_of_month - timedelta(days=1)  # last completed month
        if last is None:
            months = [end]
        else:
            months = []
            m_end = end
            while m_end > last:
                months.append(m_end)
                m_end = m_end.replace(day=1) - timedelta(days=1)
            months.reverse()
        for m in months:
            yield m.strftime("%Y-%m"), m


def _claim(job_id: str, cooperative_id: int, key: str, as_of: date) -> bool:
    """Claim one (job, cooperative, period) run: ``INSERT ... ON CONFLICT DO NOTHING`` on the unique key.
    True when this transaction owns the run. On PostgreSQL a concurrent claimer waits for the first one's
    transaction and then finds the row (no unique violation, no traceback); on SQLite the unit of work's
    ``BEGIN IMMEDIATE`` already serialises them. If the job fails, its rollback frees the claim."""
    t = JobRun.__table__
    insert = pg_insert if dialect_name(current_session()) == "postgresql" else sqlite_insert
    stmt = (insert(t).values(job_id=job_id, cooperative_id=cooperative_id, period_key=key, as_of=as_of,
                             finished_at=utcnow(), summary="")
            .on_conflict_do_nothing(index_elements=["job_id", "cooperative_id", "period_key"]).returning(t.c.id))
    return db.session.execute(stmt).scalar() is not None


#: ``{(cooperative_id, job_id): as_of of its last run}``, as :func:`last_runs` reads it.
LastRuns = dict[tuple[int, str], date]


def last_runs(cooperative_ids: Iterable[int] | None = None, job_id: str | None = None) -> LastRuns:
    """The last run (``max(as_of)``) of every job per cooperative, in ONE statement (``GROUP BY
    cooperative_id, job_id``): every cooperative, or those of ``cooperative_ids``; every job, or ``job_id``.
    A (cooperative, job) that never ran is absent."""
    q = (sa.select(JobRun.cooperative_id, JobRun.job_id, sa.func.max(JobRun.as_of))
         .group_by(JobRun.cooperative_id, JobRun.job_id))
    if cooperative_ids is not None:
        q = q.where(JobRun.cooperative_id.in_(list(cooperative_ids)))
    if job_id is not None:
        q = q.where(JobRun.job_id == job_id)
    return {(cid, jid): as_of for cid, jid, as_of in db.session.execute(q)}


def last_run(job_id: str, cooperative_id: int) -> date | None:
    """The as-of date of the last run of one job for one cooperative (None: it never ran)."""
    return last_runs([cooperative_id], job_id).get((cooperative_id, job_id))


def pending_periods(job: Job, cooperative_id: int, as_of: date, last: LastRuns | None = None) -> list[tuple[str, date]]:
    """The periods of ``job`` that a run as of ``as_of`` would still do for the cooperative (``last``: the
    last runs already read by :func:`last_runs`; read now when not given)."""
    if last is None:
        last = last_runs([cooperative_id], job.id)
    return list(_periods(job, last.get((cooperative_id, job.id)), as_of))


def month_end_pending(cooperative_id: int, month_end: date, today: date) -> list[str]:
    """Monthly jobs that still have to run for the month ending ``month_end`` (what ``jobs run`` as of
    ``today`` would still do for that month). Closing the month before they ran would lock them out."""
    key = month_end.strftime("%Y-%m")
    last = last_runs([cooperative_id])
    return [job.id for job in JOBS if job.frequency == "monthly"
            and key in {k for k, _ in pending_periods(job, cooperative_id, today, last)}]


def prune_runs(cooperative_id: int, before: date) -> int:
    """Delete the cooperative's ``job_runs`` rows dated (``as_of``) before ``before``, except the latest run
    of each job (a row is deleted only when a later run of the same job exists): :func:`last_runs` still
    finds where every job stopped, so no period runs twice and no catch-up restarts. Returns the count."""
    later = aliased(JobRun)
    has_later = sa.exists().where(later.cooperative_id == JobRun.cooperative_id, later.job_id == JobRun.job_id,
                                  later.as_of > JobRun.as_of)
    return db.session.execute(sa.delete(JobRun).where(
        JobRun.cooperative_id == cooperative_id, JobRun.as_of < before, has_later)).rowcount


def run_due(cooperative_id: int, as_of: date, only: str | None = None, echo=print,
            last: LastRuns | None = None) -> list[str]:
    """Run every due job once for one cooperative, catching up missed periods in order. A period another
    process claimed meanwhile is skipped (said, not done). A failing job raises: the cooperative's later
    jobs wait (their order matters), the caller goes on with the other cooperatives. ``last``: the last
    runs (:func:`last_runs`) the caller read for every cooperative at once; read here (one statement) when
    not given. A stale ``last`` is harmless: a period already done fails its claim and is skipped."""
    if last is None:
        last = last_runs([cooperative_id], only)
    done = []
    for job in JOBS:
        if only and job.id != only:
            continue
        if job.frequency == "always":  # said only when it did something ("nothing to do" stays true)
            summary = job.fn(cooperative_id, as_of)
            if summary:
                done.append(f"{job.id}: {summary}")
                echo(done[-1])
            continue
        for key, period_as_of in pending_periods(job, cooperative_id, as_of, last):
            def _run(job=job, key=key, period_as_of=period_as_of):
                if not _claim(job.id, cooperative_id, key, period_as_of):
                    return None, False
                summary = job.fn(cooperative_id, period_as_of)
                db.session.execute(sa.update(JobRun).where(
                    JobRun.job_id == job.id, JobRun.cooperative_id == cooperative_id, JobRun.period_key == key)
                    .values(finished_at=utcnow(), summary=(summary or "")[:500]))
                return summary, True
            summary, ran = atomic(_run)
            if not ran:
                echo(f"{job.id} {key}: sudah dijalankan proses lain")
                continue
            done.append(f"{job.id} {key}: {summary or 'ok'}")
            echo(done[-1])
    return done


def run_all(as_of_for: Callable[[object], date], only: str | None = None, echo=print,
            echo_err=None) -> tuple[list[str], list[tuple[int, str]]]:
    """:func:`run_due` for every cooperative, each as of ``as_of_for(cooperative)``. One cooperative's
    failure is reported (``echo_err``) and the others go on. Returns (done, [(cooperative_id, error)])."""
    echo_err = echo_err or echo
    done, failed = [], []
    coops = [(c.id, c.name, as_of_for(c), clock.business_date(c)) for c in
             db.session.scalars(sa.select(Cooperative).order_by(Cooperative.id)).all()]
    # every cooperative's last runs in one statement, not one per job and cooperative
    last = last_runs(job_id=only)
    for cid, name, day, today in coops:
        try:
            if day > today:
                # run "as of" a later day (the next day, or with --allow-future): that day is today for the
                # run, so what the jobs post on it passes the future-date bound of post_entry
                with clock.frozen(day):
                    done += run_due(cid, day, only=only, echo=echo, last=last)
            else:
                done += run_due(cid, day, only=only, echo=echo, last=last)
        except Exception as exc:  # noqa: BLE001 - reported, then the next cooperative
            db.session.rollback()
            message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
            failed.append((cid, message))
            echo_err(f"Koperasi {cid} {name}: pekerjaan gagal: {message}")
    return done, failed


def _load_job_modules() -> None:
    """Import every job's function now (the scheduler does this at start), so a target that does not
    exist fails at once rather than at 1 a.m. The order of :data:`JOBS` does not depend on it."""
    for job in JOBS:
        if not callable(job.fn):
            raise TypeError(f"job {job.id}: {job.target} is not callable")


def last_run_anywhere() -> tuple[str, datetime] | None:
    """(job id, finished at) of the latest job run of any job and cooperative, or None (the health check).
    Runs ``SELECT 1`` first; raises SQLAlchemyError when the database does not answer."""
    db.session.execute(sa.text("SELECT 1"))
    row = db.session.execute(sa.select(JobRun.job_id, JobRun.finished_at)
                             .order_by(JobRun.finished_at.desc()).limit(1)).first()
    return (row[0], row[1]) if row else None
