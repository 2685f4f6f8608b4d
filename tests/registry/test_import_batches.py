"""A committed resident import writes in short batches (issue 14, finding 5): a deposit goes through while
an import runs, and a batch that fails takes back the batches before it (all or nothing)."""
from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from coop.db import atomic, db
from coop.registry import imports, services
from coop.registry.models import Household, ImportJob, Resident
from tests.registry.importdata import to_csv, village_rows

ROWS = 600


@pytest.mark.slow
def test_a_deposit_completes_while_an_import_is_running(committed_app):
    """An import of 600 rows in batches of about 200 pauses (progress hook) once while validating and once
    after its first batch: does a deposit made at each pause complete before the import finishes?"""
    from coop.auth.services import create_cooperative
    from coop.ledger.services import create_chart
    from coop.membership.services import register_member
    from coop.savings import services as savings

    with committed_app.app_context():
        def _setup():
            c = create_cooperative(name="Koperasi Impor", village_code="3504042001")
            create_chart(c.id)
            savings.seed_defaults(c.id)
            r = services.create_resident(c.id, {
                "nik": "3504044505900001", "kk_number": "3504040107150001", "full_name": "Sri Setor", "sex": "F",
                "birth_place": "Tulungagung", "birth_date": date(1990, 5, 5), "village_code": "3504042001",
                "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
            m = register_member(c.id, r.id, date(2025, 1, 2), actor=None)
            return c.id, savings.account_for(c.id, m.id, "sukarela").id
        coop_id, acc_id = atomic(_setup)
        db.session.remove()

    data = to_csv(village_rows(ROWS, seed=3, serial_base=5000))
    order: list[str] = []
    paused, resume = threading.Event(), threading.Event()
    pauses = {"validating": False, "between_batches": False}
    seen = {"n": 0}
    result = {}

    def progress(n):
        seen["n"] += n
        stage = "validating" if seen["n"] <= ROWS else "between_batches"
        if not pauses[stage]:
            pauses[stage] = True
            order.append(stage)
            paused.set()
            assert resume.wait(60)
            resume.clear()

    def run_import():
        with committed_app.app_context():
            try:
                result["report"] = imports.import_file(coop_id, data, "w.csv", actor=None, dry_run=False,
                                                       as_of=None, progress=progress,
                                                       limits=imports.ImportLimits(batch_rows=200))
                order.append("import finished")
            finally:
                db.session.remove()
                paused.set()

    worker = threading.Thread(target=run_import)
    worker.start()
    with committed_app.app_context():
        for _ in range(2):
            assert paused.wait(60)
            paused.clear()
            atomic(savings.deposit, coop_id, acc_id, 10_000, actor=None, value_date=date(2025, 1, 3))
            order.append("deposit")
            db.session.remove()
            resume.set()
    worker.join(120)
    assert order == ["validating", "deposit", "between_batches", "deposit", "import finished"]
    report = result["report"]
    assert report.committed and report.created == ROWS
    with committed_app.app_context():
        assert savings.get_account(coop_id, acc_id).balance == 20_000
        job = db.session.scalars(sa.select(ImportJob).where(ImportJob.cooperative_id == coop_id)).one()
        assert (job.status, job.to_create, job.batches_done) == ("done", ROWS, 3)
        db.session.remove()


def test_a_failed_batch_takes_back_the_batches_already_committed(coop, today):
    """Someone adds a resident with a NIK of the second batch while the first is committed: is the import
    undone (no resident or household of the file left, updated rows restored) and reported, job 'undone'?"""
    existing = village_rows(2, seed=5, serial_base=9000)
    imports.import_file(coop.id, to_csv(existing), "first.csv", actor=None, dry_run=False, as_of=today)
    before = {r.nik: r.full_name for r in db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == coop.id))}
    households_before = db.session.scalar(sa.select(sa.func.count()).select_from(Household)
                                          .where(Household.cooperative_id == coop.id))
    rows = village_rows(40, seed=4, serial_base=100)
    changed = [dict(r, full_name=r["full_name"] + " Baru") for r in existing]
    late = max(rows, key=lambda r: r["kk_number"])  # batches go by KK: the last KK is in the last batch
    calls = {"n": 0}

    def progress(n):
        calls["n"] += n
        if calls["n"] > 42 and calls["n"] - n <= 42:  # right after the first batch committed
            atomic(services.create_resident, coop.id, {**{k: late.get(k) or None for k in imports.COLUMNS},
                                                       "birth_date": date.fromisoformat(late["birth_date"]),
                                                       "relationship": "lainnya"}, actor=None)

    report = imports.import_file(coop.id, to_csv(rows + changed), "w.csv", actor=None, dry_run=False, as_of=today,
                                 progress=progress, limits=imports.ImportLimits(batch_rows=10))
    assert not report.committed and [(e.row, e.field, e.code) for e in report.errors] == [
        (1, "file", "changed_meanwhile")]
    after = {r.nik: r.full_name for r in db.session.scalars(sa.select(Resident).where(
        Resident.cooperative_id == coop.id))}
    assert after == {**before, late["nik"]: late["full_name"]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)
                             .where(Household.cooperative_id == coop.id)) == households_before + 1
    jobs = db.session.scalars(sa.select(ImportJob.status).where(ImportJob.cooperative_id == coop.id)
                              .order_by(ImportJob.id)).all()
    assert jobs == ["done", "undone"]
