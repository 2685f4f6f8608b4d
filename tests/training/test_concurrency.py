"""Capacity holds under concurrent applications (real commits, one thread per applicant)."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import sqlalchemy as sa

from coop.db import atomic, db
from tests.fixtures_registry import kk_for, nik_for


def _setup(n_residents: int):
    from coop.auth.services import create_cooperative
    from coop.ledger.services import create_chart
    from coop.registry.services import add_migration_record, create_resident
    from coop.training.services import create_cohort, create_program

    def _do():
        c = create_cooperative(name="Koperasi Serentak", village_code="3504042001")
        create_chart(c.id)
        p = create_program(c.id, name="Batik", topic="Batik tulis", organiser="Disperindag")
        days = [date(2026, 12, 1) + timedelta(days=i) for i in range(3)]
        cohort = create_cohort(c.id, program_id=p.id, starts_on=days[0], ends_on=days[-1], capacity=5,
                               venue="Balai Desa", sessions=days)
        ids = []
        for i in range(n_residents):
            r = create_resident(c.id, {"nik": nik_for("350404", date(1988, 3, 3), "F", 9000 + i),
                                       "kk_number": kk_for("350404", 9000 + i), "full_name": f"Peserta {i}",
                                       "sex": "F", "birth_place": "Tulungagung", "birth_date": date(1988, 3, 3),
                                       "village_code": "3504042001", "relationship": "kepala_keluarga",
                                       "status": "hidup"}, actor=None)
            add_migration_record(c.id, r.id, {"status": "purna", "country": "TW", "departure_date": date(2017, 1, 1),
                                              "return_date": date(2021, 1, 1)}, actor=None)
            ids.append(r.id)
        return c.id, cohort.id, ids
    return atomic(_do)


def test_twenty_concurrent_applications_to_five_places(committed_app):
    """20 simultaneous applications to capacity 5: exactly 5 enrolled, 15 waitlisted, seq 1..20 without
    gaps; cancelling one enrolled place promotes the first waitlisted (lowest seq)."""
    from coop.training import services
    from coop.training.models import Enrolment

    with committed_app.app_context():
        coop_id, cohort_id, resident_ids = _setup(20)
        db.session.remove()

    barrier = threading.Barrier(len(resident_ids))
    results, errors = {}, []

    def apply(rid):
        try:
            with committed_app.app_context():
                barrier.wait(timeout=30)
                e = atomic(services.enrol, coop_id, cohort_id, rid, applied_on=date(2026, 11, 27), channel="self")
                results[rid] = e.status
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=apply, args=(rid,)) for rid in resident_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(results.values()).count("enrolled") == 5
    assert sorted(results.values()).count("waitlisted") == 15

    with committed_app.app_context():
        rows = list(db.session.scalars(sa.select(Enrolment).where(Enrolment.cohort_id == cohort_id)
                                       .order_by(Enrolment.seq)))
        assert [e.seq for e in rows] == list(range(1, 21))
        assert services.get_cohort(coop_id, cohort_id).enrolled_count == 5
        first_waiting = next(e for e in rows if e.status == "waitlisted")
        enrolled = next(e for e in rows if e.status == "enrolled")
        atomic(services.cancel_enrolment, coop_id, enrolled.id)
        db.session.expire_all()
        assert db.session.get(Enrolment, first_waiting.id).status == "enrolled"
        assert services.get_cohort(coop_id, cohort_id).enrolled_count == 5
        db.session.remove()


def test_concurrent_allowance_payments_pay_once(committed_app):
    """Two cashiers pressing 'pay' for the same participant at once: one payment, one 409, one entry."""
    from coop.errors import Conflict
    from coop.training import services
    from coop.training.models import AllowancePayment, Cohort

    with committed_app.app_context():
        coop_id, cohort_id, resident_ids = _setup(1)

        def _prep():
            from tests.fixtures_ledger import fill_cash_box

            # cash for four allowances in the box: only the already-paid rule may stop the other three
            fill_cash_box(coop_id, 200_000, date(2026, 11, 27))
            db.session.get(Cohort, cohort_id).allowance_amount = 50_000
            return services.enrol(coop_id, cohort_id, resident_ids[0], applied_on=date(2026, 11, 27)).id
        eid = atomic(_prep)
        db.session.remove()

    barrier = threading.Barrier(4)
    outcomes, errors = [], []

    def pay():
        try:
            with committed_app.app_context():
                barrier.wait(timeout=30)
                try:
                    atomic(services.pay_allowance, coop_id, eid, paid_on=date(2026, 11, 27))
                    outcomes.append("paid")
                except Conflict as exc:
                    outcomes.append(exc.code)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=pay) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["already_paid"] * 3 + ["paid"]
    with committed_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AllowancePayment)) == 1
        db.session.remove()
