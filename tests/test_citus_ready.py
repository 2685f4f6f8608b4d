"""Citus readiness of the ledger (ARCHITECTURE.md section 9, docs/operations.md "Moving a national deployment
to Citus"): every tenant table's primary key and unique keys include ``cooperative_id``, and so does every
foreign key between tenant tables, so that each cooperative's rows live on one shard and joins stay local.

Migration 0023 made it so for ``accounts``, ``journal_entries`` and ``postings`` (which got the column), for
every foreign key pointing at them, and for the primary keys of the tables referencing them that nothing
references in turn; migration 0026 for the rest of the tables that reference the ledger (``members``, ``loans``,
``savings_accounts`` ..., their keys to other tenant tables, and every key pointing at them). The test pins the
EXACT exceptions of the tables that reference the ledger, now none, so none is added unnoticed
(docs/operations.md lists what the other tenant tables still lack).

Which schema is checked (the decision of migration 0023, :func:`coop.db.colocated_keys`): on PostgreSQL, the
database Citus would distribute, read back by reflection from the migrated test database; on SQLite, the
models' metadata. SQLite cannot autoincrement a composite primary key, so there the migrated tables keep ``id
INTEGER PRIMARY KEY`` (the rowid) with the unique key ``(cooperative_id, id)`` that the composite foreign
keys need, while the metadata (and PostgreSQL) have the primary key ``(id, cooperative_id)``; the ORM's
identity is ``id`` on both (``__mapper_args__``), so ``session.get(Model, id)`` is unchanged.
:func:`test_the_migrated_primary_keys_are_the_models_and_on_sqlite_the_rowid_with_its_unique_key` checks that
the two shapes are exactly these (Alembic's model == migration comparison does not look at primary keys).
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

import coop.models  # noqa: F401  (every model in the metadata)
from coop.db import Base, atomic, db
from coop.errors import ValidationError
from coop.ledger.models import Account, JournalEntry, Posting
from coop.membership import services
from coop.membership.models import Member
from coop.savings.models import SavingsAccount

LEDGER = ("accounts", "journal_entries", "postings")
#: Service-level tables (not distributed: Citus reference tables or the coordinator's local tables).
#: ``users`` too: coordinators and service admins have no cooperative (``users.cooperative_id`` is NULL for
#: them, issue 20), so users cannot be distributed by it; they become a reference table (few rows, copied to
#: every node), and Citus allows foreign keys from distributed tables to a reference table, so the
#: ``actor_id`` / ``created_by_id`` ... keys stay as they are.
NOT_TENANT = {"cooperatives", "villages", "users", "api_tokens", "login_attempts", "login_throttles"}

#: What stands between the ledger tables (and the tables referencing them) and Citus, table by table:
#: ``pk`` = primary key without cooperative_id, ``no cooperative_id`` = the column is missing,
#: ``unique (cols)``, ``fk col -> table`` = a key or foreign key without cooperative_id.
LEDGER_EXCEPTIONS: dict[str, list[str]] = {}


def tenant_tables(metadata: sa.MetaData) -> set[str]:
    """Every table of a cooperative's data: all but the service-level ones (a ledger table without the
    column, like ``postings``, is still a tenant table)."""
    return set(metadata.tables) - NOT_TENANT


def citus_problems(table: sa.Table, tenant: set[str]) -> list[str]:
    """What keeps ``table`` from being distributed by cooperative_id with colocated keys."""
    has = "cooperative_id" in table.c
    out = [] if has else ["no cooperative_id"]
    if "cooperative_id" not in table.primary_key.columns:
        out.append("pk")
    uniques = [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)] + \
        [i for i in table.indexes if i.unique]
    out += sorted(f"unique ({', '.join(u.columns.keys())})" for u in uniques if "cooperative_id" not in u.columns)
    out += sorted(f"fk {', '.join(fk.columns.keys())} -> {fk.referred_table.name}"
                  for fk in table.foreign_key_constraints
                  if fk.referred_table.name in tenant and "cooperative_id" not in fk.columns)
    return out


def ledger_scope(metadata: sa.MetaData) -> set[str]:
    """The ledger tables and every table with a foreign key to one of them."""
    scope = set(LEDGER)
    for table in metadata.tables.values():
        if any(fk.referred_table.name in LEDGER for fk in table.foreign_key_constraints):
            scope.add(table.name)
    return scope


def _postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture
def schema(app) -> sa.MetaData:
    """The schema Citus would see: on PostgreSQL the migrated database, reflected; else the models."""
    if not _postgresql():
        return Base.metadata
    reflected = sa.MetaData()
    with db.engine.connect() as conn:
        reflected.reflect(conn)
    reflected.remove(reflected.tables["alembic_version"])
    return reflected


def test_the_ledger_tables_exceptions_to_citus_readiness_are_exactly_the_documented_ones(schema):
    """Are the ledger tables and the tables referencing them kept from Citus by exactly the listed keys (none
    for accounts, journal entries and postings; none added since, none fixed without updating the list and
    docs/operations.md)?"""
    tenant = tenant_tables(schema)
    assert set(LEDGER) <= tenant and "postings" in tenant_tables(Base.metadata)
    found = {name: problems for name in sorted(ledger_scope(schema))
             if (problems := citus_problems(schema.tables[name], tenant))}
    assert found == LEDGER_EXCEPTIONS
    assert not set(LEDGER) & set(found)


def test_the_migrated_primary_keys_are_the_models_and_on_sqlite_the_rowid_with_its_unique_key(app):
    """Is every migrated table's primary key the models' (PostgreSQL), or on SQLite, for the tables whose
    model key is ``(id, cooperative_id)``, ``id`` alone (the rowid) with the unique ``(cooperative_id, id)``
    wherever the model has it; and is the ORM identity of the ledger tables ``id`` alone?"""
    inspector = sa.inspect(db.engine)
    composite = []
    for table in Base.metadata.sorted_tables:
        model = list(table.primary_key.columns.keys())
        migrated = inspector.get_pk_constraint(table.name)["constrained_columns"]
        if model == ["id", "cooperative_id"]:
            composite.append(table.name)
            if not _postgresql():
                assert migrated == ["id"], table.name
                uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table.name)}
                model_uniques = {tuple(c.columns.keys()) for c in table.constraints
                                 if isinstance(c, sa.UniqueConstraint)}
                key = ("cooperative_id", "id")
                assert (key in uniques) == (key in model_uniques), table.name
                continue
        assert migrated == model, table.name
    assert set(LEDGER) <= set(composite)
    identities = [[c.name for c in m.__mapper__.primary_key] for m in (Account, JournalEntry, Posting)]
    assert identities == [["id"]] * 3


def test_the_check_finds_a_key_without_the_distribution_column_and_passes_a_colocated_one():
    """Does the check pass a table keyed (cooperative_id, id) with a composite foreign key, and name a plain
    id key, a unique key and a foreign key that leave cooperative_id out?"""
    md = sa.MetaData()
    sa.Table("cooperatives", md, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table("parent", md, sa.Column("cooperative_id", sa.Integer, primary_key=True),
             sa.Column("id", sa.Integer, primary_key=True))
    good = sa.Table("good", md, sa.Column("cooperative_id", sa.Integer, primary_key=True),
                    sa.Column("id", sa.Integer, primary_key=True), sa.Column("parent_id", sa.Integer),
                    sa.ForeignKeyConstraint(["cooperative_id", "parent_id"], ["parent.cooperative_id", "parent.id"]),
                    sa.UniqueConstraint("cooperative_id", "parent_id"))
    bad = sa.Table("bad", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("cooperative_id", sa.Integer),
                   sa.Column("code", sa.String), sa.Column("parent_id", sa.Integer, sa.ForeignKey("parent.id")),
                   sa.UniqueConstraint("code"))
    tenant = {"parent", "good", "bad"}
    assert citus_problems(good, tenant) == []
    assert citus_problems(bad, tenant) == ["pk", "unique (code)", "fk parent_id -> parent"]


def test_a_row_cannot_point_at_another_cooperatives_member_or_resident(make_coop, make_member):
    """Do the composite foreign keys of migration 0026 refuse a savings account moved to a member of another
    cooperative, and a member pointed at another cooperative's resident (the single-column keys let both through),
    while the same change inside the cooperative passes?"""
    coop, other = make_coop(), make_coop()
    mine, mine_too, theirs = make_member(coop), make_member(coop), make_member(other)
    acc_id = db.session.scalars(sa.select(SavingsAccount.id).where(SavingsAccount.member_id == mine.id)).first()
    moves = [(sa.update(SavingsAccount).where(SavingsAccount.id == acc_id), {"member_id": theirs.id}),
             (sa.update(Member).where(Member.id == mine.id), {"resident_id": theirs.resident_id})]
    for stmt, values in moves:
        with pytest.raises(sa.exc.IntegrityError):
            with db.session.begin_nested():
                db.session.execute(stmt.values(**values))
    with db.session.begin_nested():  # within the cooperative the key is satisfied
        db.session.execute(moves[0][0].values(member_id=mine_too.id))
    db.session.rollback()


def test_a_login_is_one_members_globally_though_the_key_is_per_cooperative(make_coop, make_member, make_user):
    """Is ``members (user_id, cooperative_id)`` still "one member per login": the database refuses a second member
    of the cooperative for the same login, and link_user refuses a login of another cooperative (the app's half
    of the global rule, docs/operations.md)?"""

    coop, other = make_coop(), make_coop()
    first, second, abroad = make_member(coop), make_member(coop), make_member(other)
    login = make_user(coop, "member")
    atomic(services.link_user, coop.id, first.id, login, actor=None)
    with pytest.raises(ValidationError):
        atomic(services.link_user, other.id, abroad.id, login, actor=None)
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            db.session.execute(sa.update(Member).where(Member.id == second.id).values(user_id=login.id))
    db.session.rollback()
    assert db.session.scalars(sa.select(Member.id).where(Member.user_id == login.id)).all() == [first.id]
