"""The training demo step on a small registry: programmes, past cohorts with certificates and follow-ups,
and one open cohort with places left that Sri Wahyuni has not joined."""
from __future__ import annotations

import random

import sqlalchemy as sa

from coop.db import atomic, db
from coop.training.models import Certificate, Cohort, Enrolment, FollowUp, Program
from tests.fixtures_ledger import fill_cash_box


def test_demo_step(coop, users, make_pmi, today):
    """Does the training demo step create 3 programs, 2 open cohorts with places left that Sri Wahyuni is not
    in, a completed enrolment with a certificate for her, at least 10 certificates, done follow-ups with a
    business started, and leave nobody enrolled in a past cohort?"""
    from coop.dates import add_months
    from coop.demo import DemoContext
    from coop.training import demo

    purna = [make_pmi(coop).id for _ in range(14)]
    keluarga = [make_pmi(coop, status="keluarga").id for _ in range(6)]
    ctx = DemoContext(cooperative=coop, users={"petugas": users["officer"], "bendahara": users["treasurer"],
                                               "manajer": users["manager"]},
                      rng=random.Random(1), today=today, echo=lambda *_: None,
                      data={"purna_ids": purna, "keluarga_ids": keluarga, "sri_wahyuni_id": purna[0]})
    # allowances are paid in cash: in the full demo the membership step has filled the box before this one
    atomic(fill_cash_box, coop.id, 50_000_000, add_months(today, -36))
    demo.load(ctx)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Program).where(Program.cooperative_id == coop.id)) == 3
    cohorts = list(db.session.scalars(sa.select(Cohort).where(Cohort.cooperative_id == coop.id)))
    open_ = [c for c in cohorts if c.is_open]
    assert len(open_) == 2 and all(c.enrolled_count < c.capacity and c.ends_on >= today for c in open_)
    assert db.session.scalar(sa.select(Enrolment.id).where(Enrolment.cohort_id.in_([c.id for c in open_]),
                                                           Enrolment.resident_id == purna[0])) is None
    sri_done = db.session.scalar(sa.select(Enrolment).where(Enrolment.resident_id == purna[0],
                                                            Enrolment.status == "completed"))
    assert sri_done is not None and sri_done.certificate is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)
                             .where(Certificate.cooperative_id == coop.id)) >= 10
    done = list(db.session.scalars(sa.select(FollowUp).where(FollowUp.cooperative_id == coop.id,
                                                             FollowUp.status == "done")))
    assert done and any(f.is_business_started for f in done)
    # Past cohorts are closed out: nobody is left "enrolled" in them.
    assert not [e for c in cohorts if not c.is_open for e in db.session.scalars(
        sa.select(Enrolment).where(Enrolment.cohort_id == c.id, Enrolment.status == "enrolled"))]
