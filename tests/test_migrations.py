"""Migrations (issue 2, Done when): one head; ``upgrade head`` gives exactly the models' schema; every
revision downgrades and upgrades again; the append-only triggers refuse UPDATE and DELETE.

Each test works on its own fresh database (SQLite file, or a new database on the PostgreSQL test
cluster when ``COOP_TEST_DATABASE_URL`` is set), like ``committed_app``.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from coop import create_app
from coop.db import db
from tests.conftest import _drop_database, _fresh_database_url

APPEND_ONLY = ("journal_entries", "postings", "audit_log")


@pytest.fixture
def bare_app(tmp_path_factory):
    """An app on a fresh EMPTY database (nothing migrated yet)."""
    url = _fresh_database_url(tmp_path_factory, "mig")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SECRET_KEY": "test",
                      "WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    _drop_database(url)


def _script(app) -> ScriptDirectory:
    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())


def _schema_diff(app) -> list:
    """Alembic autogenerate's diff between the live database and the models (what `flask db check` runs)."""
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, db.metadata)


def _tables() -> set[str]:
    db.engine.dispose()  # a fresh inspector connection (PostgreSQL caches nothing, SQLite file reopened)
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version", "sqlite_sequence"}


#: The newest revision (what ``upgrade()`` reaches).
HEAD = "0029"


def _current(app) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_exactly_one_head(bare_app):
    """Two engineers adding revisions in parallel must not leave two heads (upgrade head would fail)."""
    heads = _script(bare_app).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; chain the later one on the other"


def test_revision_files_are_date_prefixed_and_chain_from_0001(bare_app):
    """Every revision file is named YYYYMMDD_<rev>_<slug>.py and the chain is linear from 0001 to head."""
    import re
    from pathlib import Path

    script = _script(bare_app)
    revs = list(script.walk_revisions())  # head first
    assert revs[-1].revision == "0001" and revs[-1].down_revision is None
    for rev in revs:
        name = Path(rev.path).name
        assert re.fullmatch(rf"\d{{8}}_{re.escape(rev.revision)}_\w+\.py", name), name
        assert not isinstance(rev.down_revision, tuple | list), f"merge revision {rev.revision}: keep it linear"


def test_upgrade_head_gives_exactly_the_models_schema(bare_app):
    """After `flask db upgrade` the database has every table, column, type, index and constraint of the
    models and nothing else: autogenerate finds no difference (`flask db check` is clean)."""
    upgrade()
    assert _current(bare_app) == _script(bare_app).get_current_head()
    assert _tables() == set(db.metadata.tables)
    diff = _schema_diff(bare_app)
    assert diff == [], f"models and migrations differ; run `make migrations`: {diff[:10]}"


def test_every_revision_downgrades_and_upgrades_again(bare_app):
    """Walking up one revision at a time, each revision's downgrade undoes it and its upgrade can be
    applied again; from head everything downgrades to an empty database and back to the full schema."""
    script = _script(bare_app)
    chain = [r.revision for r in reversed(list(script.walk_revisions()))]  # base -> head
    for rev in chain:
        upgrade(revision=rev)
        assert _current(bare_app) == rev
        before = _tables()
        downgrade(revision=script.get_revision(rev).down_revision or "base")
        upgrade(revision=rev)
        assert _current(bare_app) == rev
        assert _tables() == before, f"revision {rev}: downgrade+upgrade changed the tables"
    downgrade(revision="base")
    assert _current(bare_app) is None
    assert _tables() == set(), "downgrade to base left tables behind"
    upgrade()
    assert _schema_diff(bare_app) == []


def _seed_append_only_rows():
    """One cooperative, one journal entry (two postings) and the audit rows its services write."""
    from coop.auth.services import create_cooperative
    from coop.db import atomic
    from coop.ledger import chart
    from coop.ledger.services import Line, account_by_code, create_chart, post_entry

    def _do():
        c = create_cooperative(name="Koperasi Migrasi", village_code="3504042001")
        create_chart(c.id)
        kas = account_by_code(c.id, chart.KAS)
        bank = account_by_code(c.id, chart.BANK)
        post_entry(c.id, [Line.dr(kas.id, 150_000), Line.cr(bank.id, 150_000)], actor=None,
                   memo="setor kas dari bank", value_date=date(2026, 11, 27), source="test.migrations")
        return c.id

    return atomic(_do)


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_append_only_tables_refuse_raw_update_and_delete(bare_app, table):
    """The database itself (trigger from revision 0002) refuses UPDATE and DELETE on journal entries,
    postings and the audit log, even from raw SQL that bypasses the application; INSERT still works
    and the rows are unchanged afterwards."""
    upgrade()
    _seed_append_only_rows()
    with db.engine.connect() as conn:
        rows_before = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).all()
    assert rows_before, f"seed wrote nothing into {table}"
    first_id = rows_before[0].id
    for sql in (f"UPDATE {table} SET id = id WHERE id = :id", f"DELETE FROM {table} WHERE id = :id",
                f"DELETE FROM {table}"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(sql), {"id": first_id})
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {table} CASCADE"))
    with db.engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).all() == rows_before


def test_downgrade_removes_the_append_only_triggers(bare_app):
    """Revision 0002's downgrade really drops its triggers (and 0002 can be re-applied): a DELETE that the
    trigger refuses at 0002 succeeds at 0001."""
    upgrade(revision="0002")
    # Only the foundation's tables are guaranteed at 0002; an audit row needs no other area.
    from coop.audit.models import AuditLog  # noqa: F401  (the table exists)

    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_log (at, action, object_type, summary) "
                             "VALUES (CURRENT_TIMESTAMP, 'test.insert', 'test', '{}')"))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_log"))
    downgrade(revision="0001")
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("DELETE FROM audit_log")).rowcount == 1


def test_0009_gives_existing_cooperatives_the_income_tax_accounts(bare_app):
    """A cooperative whose chart was seeded before revision 0009 gets 2402 Utang PPh Badan and 5301 Beban
    Pajak Penghasilan once the database is upgraded (new cooperatives get them from the chart template)."""
    from coop.auth.services import create_cooperative
    from coop.db import atomic
    from coop.ledger.services import create_chart

    upgrade(revision="0007")

    def _old_chart():
        c = create_cooperative(name="Koperasi Lama", village_code="3504042001")
        create_chart(c.id)
        db.session.execute(sa.text("DELETE FROM accounts WHERE code IN ('2402', '5301')"))
        return c.id

    cid = atomic(_old_chart)
    upgrade()
    rows = db.session.execute(sa.text("SELECT code, type, normal_side, balance FROM accounts WHERE cooperative_id = :c"
                                      " AND code IN ('2402', '5301') ORDER BY code"), {"c": cid}).all()
    assert [tuple(r) for r in rows] == [("2402", "liability", "C", 0), ("5301", "expense", "D", 0)]


def _row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in sorted(_tables())}


def _triggers() -> set[tuple[str, str]]:
    """(table, trigger) of every trigger the schema has (not PostgreSQL's internal foreign-key ones)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            sql = "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal"
        else:
            sql = "SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'"
        return {(t, n) for t, n in conn.exec_driver_sql(sql)}


def _broken_references() -> list:
    with db.engine.connect() as conn:
        if conn.dialect.name != "sqlite":  # PostgreSQL validated every foreign key it created
            return []
        return conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()


def test_0025_and_0026_keep_a_populated_database_its_rows_keys_and_triggers(bare_app):
    """A cooperative with members, savings and postings, taken down to 0024 and up to head again (0025's
    columns and triggers, 0026's key changes: SQLite rebuilds the tables with every trigger dropped and
    created again): every table keeps its rows, no reference breaks, the triggers are those of a fresh head,
    and they still work on the rebuilt tables: the arrears list equals the live computation before and after
    the refresh, a posting and a change of joined_on mark the account stale, the journal refuses an UPDATE."""
    from coop.auth.services import create_cooperative
    from coop.db import atomic
    from coop.ledger import chart
    from coop.ledger.services import Line, account_by_code, create_chart, post_entry
    from coop.membership.models import Member
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import arrears
    from coop.savings import services as savings
    from coop.savings.models import SavingsAccount

    upgrade()
    fresh_triggers = _triggers()

    def _seed():
        c = create_cooperative(name="Koperasi Berisi", village_code="3504042001")
        create_chart(c.id)
        savings.seed_defaults(c.id)
        wajib = []
        for i, paid in enumerate((0, 30_000, 200_000)):
            r = create_resident(c.id, {"nik": f"350404450590{i + 10:04d}", "kk_number": f"350404010715{i + 10:04d}",
                                       "full_name": f"Anggota {i}", "sex": "F", "birth_place": "Tulungagung",
                                       "birth_date": date(1990, 5, 5), "village_code": "3504042001",
                                       "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
            m = register_member(c.id, r.id, date(2025, 1, 2), actor=None)
            pokok = savings.account_for(c.id, m.id, "pokok")
            savings.deposit(c.id, pokok.id, pokok.product.amount, actor=None, value_date=date(2025, 1, 2))
            acc = savings.account_for(c.id, m.id, "wajib")
            if paid:
                savings.deposit(c.id, acc.id, paid, actor=None, value_date=date(2025, 2, 3))
            wajib.append((m.id, acc.id, acc.ledger_account_id))
        return c.id, wajib

    cid, wajib = atomic(_seed)
    db.session.remove()
    counts = _row_counts()
    on = date(2025, 6, 10)
    before = arrears._arrears_rows(cid, on)
    assert len(before) == 2  # 0 and 30.000 paid are in arrears on 10 June, 200.000 is not
    db.session.remove()

    downgrade(revision="0024")
    assert _row_counts() == counts and _broken_references() == []
    upgrade()
    assert _current(bare_app) == HEAD
    assert _row_counts() == counts and _broken_references() == []
    assert _triggers() == fresh_triggers
    assert _schema_diff(bare_app) == []

    assert arrears.arrears_rows(cid, on) == arrears._arrears_rows(cid, on) == before  # every row stale: read live
    assert atomic(arrears.refresh_arrears, cid) == 3
    assert arrears.arrears_rows(cid, on) == before

    def _marks():
        return dict(db.session.execute(sa.select(SavingsAccount.id, SavingsAccount.arrears_stale)
                                       .where(SavingsAccount.id.in_([a for _, a, _ in wajib]))).all())
    assert set(_marks().values()) == {0}
    kas = account_by_code(cid, chart.KAS).id
    atomic(post_entry, cid, [Line.dr(kas, 20_000), Line.cr(wajib[1][2], 20_000)], actor=None,
           value_date=date(2025, 2, 4), source="ledger.journal", memo="koreksi")

    def _rejoin():
        db.session.execute(sa.update(Member).where(Member.id == wajib[2][0]).values(joined_on=date(2024, 1, 2)))
    atomic(_rejoin)
    marks = _marks()
    assert (marks[wajib[0][1]], marks[wajib[1][1]] > 0, marks[wajib[2][1]] > 0) == (0, True, True)
    assert arrears.arrears_rows(cid, on) == arrears._arrears_rows(cid, on) != before
    db.session.remove()
    with pytest.raises(sa.exc.DBAPIError), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE journal_entries SET memo = 'x' WHERE cooperative_id = :c"), {"c": cid})


def test_0026_refuses_a_reference_into_another_cooperative_and_leaves_0025_as_it_was(bare_app):
    """A member moved into another cooperative by hand (its savings accounts still in the first one) breaks
    0026's composite keys: the upgrade stops with that reason (SQLite: the broken references it found;
    PostgreSQL: the foreign key it could not create), the database stays at 0025 with every row and trigger,
    and once the row is put back the upgrade goes through."""
    from coop.auth.services import create_cooperative
    from coop.db import atomic
    from coop.ledger.services import create_chart
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import services as savings

    upgrade(revision="0025")

    def _seed():
        c, other = (create_cooperative(name=n, village_code="3504042001") for n in ("Koperasi A", "Koperasi B"))
        create_chart(c.id)
        savings.seed_defaults(c.id)
        r = create_resident(c.id, {"nik": "3504044505900020", "kk_number": "3504040107150020",
                                   "full_name": "Sri Pindah", "sex": "F", "birth_place": "Tulungagung",
                                   "birth_date": date(1990, 5, 5), "village_code": "3504042001",
                                   "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
        return c.id, other.id, register_member(c.id, r.id, date(2025, 1, 2), actor=None).id

    cid, other, member_id = atomic(_seed)
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE members SET cooperative_id = :o WHERE id = :m"), {"o": other, "m": member_id})
    counts, triggers = _row_counts(), _triggers()
    from alembic import command

    with pytest.raises(Exception) as refused:  # alembic's own command: Flask-Migrate would log it and exit 1
        command.upgrade(bare_app.extensions["migrate"].migrate.get_config(), "head")
    reason = str(refused.value).lower()
    assert ("broken references" in reason) if db.engine.dialect.name == "sqlite" else ("foreign key" in reason)
    db.session.remove()
    db.engine.dispose()
    assert _current(bare_app) == "0025"
    assert _row_counts() == counts and _triggers() == triggers and _broken_references() == []
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE members SET cooperative_id = :c WHERE id = :m"), {"c": cid, "m": member_id})
    upgrade()
    assert _current(bare_app) == HEAD


def test_0027_keeps_refreshed_rows_fresh_unlists_the_closed_and_not_current_and_marks_them_on_downgrade(bare_app):
    """Three wajib accounts refreshed under 0026 (the stored month, mark 0); then, with no trigger on them yet,
    the first member resigns and the second account is closed. The upgrade to 0027 copies each member's number
    to ``arrears_seq``, clears the month of the two that are no longer listed and leaves every mark at 0: the
    stored list is the live one (the third member only) without a refresh. The downgrade marks those two stale
    (0025's page reads a stored month whatever the status, and 0026 has no trigger on it) and leaves the third
    fresh; the upgrade again and a refresh give the live list."""
    from coop.auth.services import create_cooperative
    from coop.db import atomic
    from coop.ledger import chart
    from coop.ledger.services import Line, account_by_code, create_chart, post_entry
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import arrears
    from coop.savings import services as savings
    from coop.savings.models import SavingsAccount

    upgrade(revision="0026")
    joined = date(2025, 1, 2)

    def _seed():
        c = create_cooperative(name="Koperasi Berisi", village_code="3504042001")
        create_chart(c.id)
        savings.seed_defaults(c.id)
        kas = account_by_code(c.id, chart.KAS).id
        out = []
        for i, paid in enumerate((10_000, 30_000, 50_000)):
            r = create_resident(c.id, {"nik": f"350404450590{i + 30:04d}", "kk_number": f"350404010715{i + 30:04d}",
                                       "full_name": f"Anggota {i}", "sex": "F", "birth_place": "Tulungagung",
                                       "birth_date": date(1990, 5, 5), "village_code": "3504042001",
                                       "relationship": "kepala_keluarga", "status": "hidup"}, actor=None)
            m = register_member(c.id, r.id, joined, actor=None)
            acc = savings.account_for(c.id, m.id, "wajib")
            acc.product.amount = 20_000
            post_entry(c.id, [Line.dr(kas, paid), Line.cr(acc.ledger_account_id, paid)], actor=None,
                       value_date=date(2025, 1, 3), source="ledger.journal", memo="saldo awal")
            out.append((m.id, m.member_seq, acc.id, arrears.arrears_state(joined, paid, arrears.segments([], 20_000))))
        return c.id, out

    cid, rows = atomic(_seed)
    db.session.remove()
    with db.engine.begin() as conn:  # what 0026's refresh wrote, then the changes it has no trigger for
        for _member_id, _seq, acc_id, (first, due) in rows:
            conn.execute(sa.text("UPDATE savings_accounts SET arrears_from = :f, arrears_due = :d, arrears_stale = 0 "
                                 "WHERE id = :a"), {"f": first, "d": due, "a": acc_id})
        conn.execute(sa.text("UPDATE members SET status = 'resigned' WHERE id = :m"), {"m": rows[0][0]})
        conn.execute(sa.text("UPDATE savings_accounts SET status = 'closed' WHERE id = :a"), {"a": rows[1][2]})
    ids = [acc_id for _, _, acc_id, _ in rows]

    def _state() -> list[tuple]:
        db.session.remove()
        got = dict((r[0], tuple(r[1:])) for r in db.session.execute(sa.text(
            "SELECT id, arrears_from, arrears_due, arrears_stale, arrears_seq FROM savings_accounts "
            "WHERE id IN (:a, :b, :c)"), dict(zip("abc", ids, strict=True))))
        return [got[i] for i in ids]

    upgrade()
    assert _current(bare_app) == HEAD and _schema_diff(bare_app) == []
    third_from = rows[2][3][0]
    state = _state()
    assert [s[2:] for s in state] == [(0, rows[0][1]), (0, rows[1][1]), (0, rows[2][1])]
    assert [s[0] is None for s in state] == [True, True, False] and state[2][1] == rows[2][3][1]
    on = date(2025, 6, 10)
    live = arrears._arrears_rows(cid, on)
    assert [r[5] for r in live] == [ids[2]] and live[0][2] == third_from
    assert arrears.arrears_rows(cid, on) == live
    db.session.remove()

    downgrade(revision="0026")
    db.session.remove()
    marks = dict(db.session.execute(sa.text("SELECT id, arrears_stale FROM savings_accounts WHERE id IN (:a, :b, :c)"),
                                    dict(zip("abc", ids, strict=True))).all())
    assert (marks[ids[0]] > 0, marks[ids[1]] > 0, marks[ids[2]]) == (True, True, 0)
    db.session.remove()
    upgrade()
    assert arrears.arrears_rows(cid, on) == live
    assert atomic(arrears.refresh_arrears, cid) == 2
    assert arrears.arrears_rows(cid, on) == live
    assert db.session.scalar(sa.select(sa.func.count()).where(
        SavingsAccount.id.in_(ids), SavingsAccount.arrears_stale == 0)) == 3
