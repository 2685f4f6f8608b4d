"""``flask demo`` is all or nothing: the whole load is one unit of work, so a step that fails half-way
leaves no trace of the demo cooperative (no cooperative, user, resident, member, loan, journal entry,
audit row ...) and the next run builds the complete demo instead of answering "sudah ada".

Runs the real command through Flask's CLI runner on ``committed_app`` (real commits on a fresh database),
so a partial commit would really stay behind.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.db import db, unit_of_work

DEMO_PASSWORD = "demo-rahasia-1"


class DemoStepFailed(RuntimeError):
    pass


def _row_counts() -> dict[str, int]:
    db.session.remove()
    with db.engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in db.metadata.sorted_tables}


@pytest.mark.slow
def test_a_failing_demo_step_leaves_nothing_and_the_next_run_succeeds(committed_app, monkeypatch):
    """The loans step does all its work (members, savings history and loans are already written by then)
    and then raises: the command fails with the "semuanya dibatalkan" notice, every table holds exactly
    the rows it held before (the empty database's reference data only), and a second `flask demo` then
    creates the demo cooperative with its loans, members and ledger."""
    import coop.loans.demo as loans_demo
    from coop.auth.models import Cooperative
    from coop.ledger.models import JournalEntry
    from coop.loans.models import Loan
    from coop.membership.models import Member

    committed_app.config["DEMO_PASSWORD"] = DEMO_PASSWORD
    runner = committed_app.test_cli_runner()
    real_load = loans_demo.load
    reached = []

    def failing_load(ctx):
        real_load(ctx)
        # the failure comes after real work inside this run: members and loans exist in its transaction
        reached.append((db.session.scalar(sa.select(sa.func.count(Member.id))),
                        db.session.scalar(sa.select(sa.func.count(Loan.id)))))
        raise DemoStepFailed("disk penuh")

    with committed_app.app_context():
        before = _row_counts()
        monkeypatch.setattr(loans_demo, "load", failing_load)
        failed = runner.invoke(args=["demo", "--as-of", "2026-11-27"])
        assert isinstance(failed.exception, DemoStepFailed), failed.output
        assert failed.exit_code != 0
        assert "Demo gagal dimuat: semuanya dibatalkan, tidak ada yang tersimpan." in failed.output
        assert "Koperasi demo dibuat" not in failed.output
        assert reached and reached[0][0] == 150 and reached[0][1] > 0, reached

        after_failure = _row_counts()
        assert after_failure == before
        assert after_failure["cooperatives"] == 0 and after_failure["journal_entries"] == 0

        monkeypatch.setattr(loans_demo, "load", real_load)
        second = runner.invoke(args=["demo", "--as-of", "2026-11-27"], catch_exceptions=False)
        assert second.exit_code == 0, second.output
        assert "Koperasi demo dibuat: Koperasi Desmigratif Demo" in second.output
        coop = db.session.scalar(sa.select(Cooperative).where(Cooperative.name == "Koperasi Desmigratif Demo"))
        assert coop is not None
        assert db.session.scalar(sa.select(sa.func.count(Member.id)).where(Member.cooperative_id == coop.id)) == 150
        assert db.session.scalar(sa.select(sa.func.count(Loan.id)).where(Loan.cooperative_id == coop.id)) > 0
        assert db.session.scalar(sa.select(sa.func.count(JournalEntry.id))
                                 .where(JournalEntry.cooperative_id == coop.id)) > 0


def test_attempt_undoes_only_the_refused_part(app):
    """Inside the demo's unit of work, a part run with ``attempt`` that raises is rolled back to its
    SAVEPOINT alone: the cooperative created before it stays, the one the refused part created is gone,
    and the unit of work still commits."""
    from coop.auth.models import Cooperative
    from coop.db import attempt
    from coop.errors import Conflict
    from coop.onboarding import found_cooperative

    def refused():
        found_cooperative(name="Koperasi Gagal", village_code="3504042001")
        raise Conflict("ditolak")

    with unit_of_work():
        found_cooperative(name="Koperasi Tetap", village_code="3504042001")
        with pytest.raises(Conflict):
            attempt(refused)
        assert attempt(lambda: 7) == 7
    names = set(db.session.scalars(sa.select(Cooperative.name)))
    assert "Koperasi Tetap" in names
    assert "Koperasi Gagal" not in names


@pytest.mark.slow
@pytest.mark.parametrize("day", ["2027-01-31", "2028-02-29", "2026-12-31"])
def test_demo_loads_on_any_business_date(committed_app, day):
    """Does `flask demo` (no --as-of) load on an awkward business date (a 31st, a leap day, New Year's Eve),
    with books that end on that date, balance and verify?"""
    from datetime import date

    from coop import clock
    from coop.ledger.models import JournalEntry
    from coop.ledger.verify import verify

    committed_app.config["DEMO_PASSWORD"] = DEMO_PASSWORD
    with committed_app.app_context(), clock.frozen(date.fromisoformat(day)):
        result = committed_app.test_cli_runner().invoke(args=["demo"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        last = db.session.scalar(sa.select(sa.func.max(JournalEntry.value_date)))
        assert last == date.fromisoformat(day)
        from coop.auth.models import Cooperative

        coop_id = db.session.scalar(sa.select(Cooperative.id))
        report = verify(coop_id)
        assert report["ok"], report["problems"][:3]


def test_demo_makes_a_coordinator_of_the_demo_regency(committed_app, monkeypatch):
    """`flask demo` (its areas' steps left out: only the cooperative and its logins) creates `koordinator`, a
    coordinator without a cooperative whose region is the demo village's regency 3504 (Tulungagung), lists
    it with the other demo logins, and it logs in with the demo password and sees the demo cooperative's
    totals; a second run creates nothing."""
    from datetime import date

    import coop.demo as demo
    from coop.auth.models import User
    from coop.programme.services import region_indicators

    committed_app.config["DEMO_PASSWORD"] = DEMO_PASSWORD
    monkeypatch.setattr(demo, "STEPS", [])
    with committed_app.app_context():
        res = committed_app.test_cli_runner().invoke(args=["demo", "--as-of", "2026-11-27"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        assert "  koordinator coordinator Hendra Wijaya (Koordinator Disnaker Kab. Tulungagung)" in res.output
        user = db.session.scalar(sa.select(User).where(User.username == "koordinator"))
        assert (user.role, user.region, user.cooperative_id) == ("coordinator", "3504", None)
        assert user.check_password(DEMO_PASSWORD)
        web = committed_app.test_client()
        resp = web.post("/login", data={"username": "koordinator", "password": DEMO_PASSWORD})
        assert resp.status_code == 302
        assert "Kabupaten Tulungagung" in web.get("/programme/").get_data(as_text=True)
        data = region_indicators(user, None, None, None, as_of=date(2026, 11, 27))
        assert (data["region"], data["region_name"], data["cooperatives"]) == ("3504", "Kabupaten Tulungagung", 1)
        again = committed_app.test_cli_runner().invoke(args=["demo"], catch_exceptions=False)
        assert again.exit_code == 0 and "Koperasi demo sudah ada" in again.output
        assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == "coordinator")) == 1
