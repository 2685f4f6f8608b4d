"""Tenant factories of the training area: each creates the object in cooperative B (ctx.coop)."""
from __future__ import annotations

from datetime import date, timedelta

from tests.tenancy_objects import factory


def _cohort(ctx):
    if "training_cohort" not in ctx.cache:
        from coop.db import atomic
        from coop.training.services import create_cohort, create_program

        def _do():
            p = create_program(ctx.coop.id, name="Program B", topic="Batik", organiser="Disperindag")
            days = [date(2026, 9, 1) + timedelta(days=i) for i in range(2)]
            c = create_cohort(ctx.coop.id, program_id=p.id, starts_on=days[0], ends_on=days[-1], capacity=3,
                              venue="Balai B", sessions=days, allowance_amount=50_000)
            return p.id, c.id
        ctx.cache["training_program"], ctx.cache["training_cohort"] = atomic(_do)
    return ctx.cache["training_cohort"]


def _enrolment(ctx):
    if "training_enrolment" not in ctx.cache:
        from coop.db import atomic
        from coop.registry.services import add_migration_record, create_resident
        from coop.training.services import enrol

        cohort_id = _cohort(ctx)

        def _do():
            district = ctx.coop.village_code[:6]
            r = create_resident(ctx.coop.id, {
                "nik": f"{district}450590{7001:04d}", "kk_number": f"{district}0107157001", "full_name": "Warga B",
                "sex": "F", "birth_place": "Blitar", "birth_date": date(1990, 5, 5), "village_code": ctx.coop.village_code,
                "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
            add_migration_record(ctx.coop.id, r.id, {"status": "purna", "country": "HK",
                                                     "departure_date": date(2018, 1, 1),
                                                     "return_date": date(2022, 1, 1)}, actor=None)
            e = enrol(ctx.coop.id, cohort_id, r.id, applied_on=ctx.today, actor=None)
            return r.id, e.id
        ctx.cache["training_resident"], ctx.cache["training_enrolment"] = atomic(_do)
    return ctx.cache["training_enrolment"]


@factory("program_id")
def _program(ctx):
    _cohort(ctx)
    return ctx.cache["training_program"]


@factory("cohort_id")
def _cohort_id(ctx):
    return _cohort(ctx)


@factory("enrolment_id")
def _enrolment_id(ctx):
    return _enrolment(ctx)


@factory("followup_id")
def _followup(ctx):
    if "training_followup" not in ctx.cache:
        from coop.db import atomic, db
        from coop.training.models import Enrolment, FollowUp

        eid = _enrolment(ctx)

        def _do():
            e = db.session.get(Enrolment, eid)
            f = FollowUp(cooperative_id=ctx.coop.id, enrolment_id=e.id, months=3, due_on=ctx.today, status="open")
            db.session.add(f)
            db.session.flush()
            return f.id
        ctx.cache["training_followup"] = atomic(_do)
    return ctx.cache["training_followup"]


@factory("business_id")
def _business(ctx):
    if "training_business" not in ctx.cache:
        from coop.db import atomic
        from coop.training.followup import create_business

        _enrolment(ctx)
        ctx.cache["training_business"] = atomic(lambda: create_business(
            ctx.coop.id, resident_id=ctx.cache["training_resident"], name="Usaha B", kind="batik").id)
    return ctx.cache["training_business"]


@factory("certificate_id")
def _certificate(ctx):
    """A second participant of cohort B who attended both sessions and completed (certificate issued)."""
    if "training_certificate" not in ctx.cache:
        from coop.db import atomic
        from coop.registry.services import add_migration_record, create_resident
        from coop.training.services import complete_enrolment, enrol, get_cohort, mark_attendance

        cohort_id = _cohort(ctx)

        def _do():
            district = ctx.coop.village_code[:6]
            r = create_resident(ctx.coop.id, {
                "nik": f"{district}450590{7002:04d}", "kk_number": f"{district}0107157002",
                "full_name": "Lulusan B", "sex": "F", "birth_place": "Blitar", "birth_date": date(1990, 5, 5),
                "village_code": ctx.coop.village_code, "relationship": "kepala_keluarga", "status": "hidup"},
                actor=None)
            add_migration_record(ctx.coop.id, r.id, {"status": "purna", "country": "HK",
                                                     "departure_date": date(2018, 1, 1),
                                                     "return_date": date(2022, 1, 1)}, actor=None)
            e = enrol(ctx.coop.id, cohort_id, r.id, applied_on=ctx.today, actor=None)
            for s in get_cohort(ctx.coop.id, cohort_id).sessions:
                mark_attendance(ctx.coop.id, cohort_id, s.held_on, [e.id], as_of=ctx.today)
            return complete_enrolment(ctx.coop.id, e.id, completed_on=ctx.today).certificate.id
        ctx.cache["training_certificate"] = atomic(_do)
    return ctx.cache["training_certificate"]
