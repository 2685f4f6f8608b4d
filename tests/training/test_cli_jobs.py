"""The follow-up job and the training CLI."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from coop import clock
from coop.db import atomic, db
from coop.training import services
from coop.training.models import FollowUp


def _completed(coop, make_cohort, make_pmi, completed_on):
    cohort = make_cohort(coop, sessions=1, starts_on=completed_on)
    e = atomic(services.enrol, coop.id, cohort.id, make_pmi(coop).id, applied_on=completed_on)
    atomic(services.mark_attendance, coop.id, cohort.id, completed_on, [e.id])
    atomic(services.complete_enrolment, coop.id, e.id, completed_on=completed_on)
    return e


def test_job_creates_3_and_6_month_tasks_once(coop, make_cohort, make_pmi):
    """Completed 30 Nov 2026: 3-month task due 28 Feb 2027 (month end), 6-month task 30 May 2027.
    Running before, on and after the due dates creates each task exactly once."""
    from coop.training.jobs import create_followups

    with clock.frozen(date(2026, 11, 30)):  # enrolled and completed on that day (no date after today)
        e = _completed(coop, make_cohort, make_pmi, date(2026, 11, 30))

    def tasks():
        return [(f.months, f.due_on) for f in db.session.scalars(
            sa.select(FollowUp).where(FollowUp.enrolment_id == e.id).order_by(FollowUp.months))]

    assert atomic(create_followups, coop.id, date(2027, 2, 27)) == "0 tugas pendampingan dibuat"
    assert tasks() == []
    assert atomic(create_followups, coop.id, date(2027, 2, 28)) == "1 tugas pendampingan dibuat"
    assert atomic(create_followups, coop.id, date(2027, 3, 15)) == "0 tugas pendampingan dibuat"
    assert tasks() == [(3, date(2027, 2, 28))]
    atomic(create_followups, coop.id, date(2027, 6, 1))
    assert tasks() == [(3, date(2027, 2, 28)), (6, date(2027, 5, 30))]


def test_job_is_registered():
    """Is the daily job training.followups registered once the job modules are loaded?"""
    from coop.jobs import JOBS, _load_job_modules

    _load_job_modules()
    assert any(j.id == "training.followups" and j.frequency == "daily" for j in JOBS)


def test_cli_followups_and_report(coop, make_cohort, make_pmi, runner, tmp_path):
    """Does `training followups` on 2026-11-27 create 2 follow-up tasks for a cohort completed on 5 Jan 2026,
    and does `training report` write an XLSX whose first sheet Peserta has one participant row and whose
    Status PMI sheet starts "PMI purna", 1, 1?"""
    _completed(coop, make_cohort, make_pmi, date(2026, 1, 5))
    res = runner.invoke(args=["training", "followups", "--as-of", "2026-11-27", "--cooperative-id", str(coop.id)])
    assert res.exit_code == 0, res.output
    assert "2 tugas pendampingan dibuat" in res.output
    out = tmp_path / "pelatihan.xlsx"
    res = runner.invoke(args=["training", "report", str(out), "--cooperative-id", str(coop.id)])
    assert res.exit_code == 0, res.output
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames[0] == "Peserta" and wb["Peserta"].max_row == 2
    assert [c.value for c in wb["Status PMI"][2]][:3] == ["PMI purna", 1, 1]
