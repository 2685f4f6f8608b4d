"""The desk's demo step (25 cases across all stages, three with red flags) and the reminders job."""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import sqlalchemy as sa

from coop.dates import add_months
from coop.db import atomic, db
from coop.desk import rules


def test_demo_step_25_cases_all_stages_three_flagged(coop, users, make_resident, today):
    """On a registry of 40 adults and one 17-year-old: 25 cases, every stage present, exactly three cases
    with red flags (agency_invalid; no_job_order + not_work_visa; under_18), departed cases have an aktif
    record and returned ones a purna record."""
    from coop.demo import DemoContext
    from coop.desk import demo, services
    from coop.desk.models import DeskCase, DeskConsultation
    from coop.registry.models import MigrationRecord

    for i in range(40):
        make_resident(coop, birth_date=date(1990 + i % 15, 1 + i % 12, 1 + i % 27), sex="MF"[i % 2])
    make_resident(coop, birth_date=add_months(today, -17 * 12) - timedelta(days=10))
    ctx = DemoContext(cooperative=coop, users={"petugas": users["officer"]}, rng=random.Random(7), today=today,
                      echo=lambda *_: None)
    demo.load(ctx)
    cases = list(db.session.scalars(sa.select(DeskCase).where(DeskCase.cooperative_id == coop.id)))
    assert len(cases) == 25
    assert set(Counter(c.stage for c in cases)) == set(rules.STAGES)
    flagged = sorted(tuple(services.red_flags(c, today)) for c in cases if services.red_flags(c, today))
    assert flagged == [("agency_invalid",), ("no_job_order", "not_work_visa"), ("under_18",)]
    records = {c.stage: db.session.get(MigrationRecord, c.migration_record_id).status
               for c in cases if c.migration_record_id}
    assert records == {"departed": "aktif", "returned": "purna"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeskConsultation)
                             .where(DeskConsultation.cooperative_id == coop.id)) == 12


def test_reminders_job_lists_passport_expiry_and_stalled_cases(coop, make_case, today):
    """Case A (passport expiring in 100 days) and case B (no stage change for 30 days) are listed; case C,
    opened 29 days ago with a passport valid for 5 years, is not. Running twice gives the same list."""
    from coop.desk.jobs import list_reminders
    from coop.desk.services import set_document

    a = make_case(coop)
    atomic(set_document, coop.id, a.id, code="passport", status="verified", expires_on=today + timedelta(days=100),
           actor=None)
    b = make_case(coop, opened_on=today - timedelta(days=30))
    c = make_case(coop, opened_on=today - timedelta(days=29))
    atomic(set_document, coop.id, c.id, code="passport", status="verified", expires_on=today + timedelta(days=1825),
           actor=None)
    expected = f"1 paspor segera habis (#{a.id}); 1 kasus tanpa kemajuan 30 hari (#{b.id})"
    assert atomic(list_reminders, coop.id, today) == expected
    assert atomic(list_reminders, coop.id, today) == expected
