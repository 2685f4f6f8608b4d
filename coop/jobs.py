"""The registry of scheduled jobs (plain functions from the domain packages).

Each job is ``fn(cooperative_id, as_of) -> str | None`` and must be idempotent per (job, cooperative,
period): :func:`run_due` records a ``job_runs`` row per period key and skips periods already done,
catching up missed periods in order. Jobs select only what is due (``next_action_date`` columns).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from coop.db import atomic, db, utcnow
from coop.jobs_models import JobRun


@dataclass(frozen=True)
class Job:
    id: str
    #: dotted path "module:function"; imported lazily.
    target: str
    #: "daily" or "monthly" (monthly jobs run for the month that ENDED before as_of's month starts).
    frequency: str
    #: cron trigger for the scheduler process (APScheduler CronTrigger fields).
    cron: dict
    description: str

    @property
    def fn(self) -> Callable[[int, date], str | None]:
        module, name = self.target.split(":")
        return getattr(importlib.import_module(module), name)


#: Filled in by each area; order matters (interest before dormancy, loans before provisions).
JOBS: list[Job] = []


def register(job: Job) -> Job:
    if any(j.id == job.id for j in JOBS):
        return job
    JOBS.append(job)
    return job


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


def run_due(cooperative_id: int, as_of: date, only: str | None = None, echo=print) -> list[str]:
    """Run every due job once for one cooperative, catching up missed periods in order."""
    _load_job_modules()
    done = []
    for job in JOBS:
        if only and job.id != only:
            continue
        last = db.session.scalar(sa.select(sa.func.max(JobRun.as_of)).where(
            JobRun.job_id == job.id, JobRun.cooperative_id == cooperative_id))
        for key, period_as_of in _periods(job, last, as_of):
            def _run(job=job, key=key, period_as_of=period_as_of):
                exists = db.session.scalar(sa.select(JobRun.id).where(
                    JobRun.job_id == job.id, JobRun.cooperative_id == cooperative_id, JobRun.period_key == key))
                if exists:
                    return None
                summary = job.fn(cooperative_id, period_as_of)
                db.session.add(JobRun(job_id=job.id, cooperative_id=cooperative_id, period_key=key,
                                      as_of=period_as_of, finished_at=utcnow(), summary=(summary or "")[:500]))
                return summary
            summary = atomic(_run)
            done.append(f"{job.id} {key}: {summary or 'ok'}")
            echo(done[-1])
    return done


#: Modules that call :func:`register` at import (kept here so the list is in one place).
JOB_MODULES: list[str] = [
    "coop.ledger.savings.jobs",
    "coop.ledger.loans.jobs",
    "coop.training.jobs",
    "coop.reports.jobs",
    "coop.auth.jobs",
]


def _load_job_modules() -> None:
    for mod in JOB_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
