"""The registry's demo step: a realistic, deterministic village."""
from __future__ import annotations

import random
from collections import Counter

import sqlalchemy as sa

from coop.db import db
from coop.demo import DemoContext
from coop.registry import demo, rules
from coop.registry.models import Household, MigrationRecord, Resident


def _load(coop, today):
    ctx = DemoContext(cooperative=coop, users={}, rng=random.Random(20261127), today=today, echo=lambda *_: None)
    demo.load(ctx)
    return ctx


def test_demo_village(coop, today):
    """At least 300 KKs, 1,000 residents with valid NIKs/KKs, 150 records over the seven countries, purna/aktif/
    calon and families; Sri Wahyuni is a woman, PMI purna back from Hong Kong."""
    ctx = _load(coop, today)
    residents = db.session.scalars(sa.select(Resident).where(Resident.cooperative_id == coop.id)).all()
    assert len(residents) >= 1000
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) >= 300
    for r in residents:
        assert rules.check_nik(r.nik, sex=r.sex, birth_date=r.birth_date).ok
        assert rules.check_kk(r.household.kk_number).ok
    records = db.session.scalars(sa.select(MigrationRecord)).all()
    assert len(records) >= 150
    assert {m.country for m in records} == {"HK", "TW", "MY", "SA", "KR", "JP", "SG"}
    statuses = Counter(r.pmi_status for r in residents)
    assert min(statuses["purna"], statuses["aktif"], statuses["calon"], statuses["keluarga"]) >= 10, statuses
    sri = db.session.get(Resident, ctx.data["sri_wahyuni_id"])
    assert (sri.full_name, sri.sex, sri.pmi_status, sri.migration_records[0].country) == ("Sri Wahyuni", "F", "purna", "HK")
    assert set(ctx.data["purna_ids"]) == {r.id for r in residents if r.pmi_status == "purna"}
    assert set(ctx.data["keluarga_ids"]) == {r.id for r in residents if r.pmi_status == "keluarga"}
    assert all(rules.age_on(db.session.get(Resident, i).birth_date, today) >= 18 for i in ctx.data["resident_ids"])


def test_demo_is_deterministic(make_coop, today):
    """Does the demo registry loaded into two cooperatives produce the same NIKs and the same number of purna
    residents?"""
    a = _load(make_coop("A"), today)
    b = _load(make_coop("B", village_code="3504042001"), today)
    names = [sorted(db.session.scalars(sa.select(Resident.nik).where(Resident.cooperative_id == c.id)).all())
             for c in (a.cooperative, b.cooperative)]
    assert names[0] == names[1]
    assert len(a.data["purna_ids"]) == len(b.data["purna_ids"])
