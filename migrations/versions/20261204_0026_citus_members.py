"""Citus-ready keys for the tables that reference the ledger: members, loans, savings accounts ... (issue 20, item 5)

Revision 0023 made ``accounts``, ``journal_entries`` and ``postings`` ready for Citus (keys colocated by
``cooperative_id``, docs/operations.md "Moving a national deployment to Citus"). This one does the same for every
table that references them, so that ``tests/test_citus_ready.py``'s list of exceptions is empty:

- PostgreSQL: the primary keys of :data:`PRIMARY` (the ledger-referencing tables that other tables reference)
  become ``(id, cooperative_id)`` (``id`` first; ``id`` keeps its sequence);
- :data:`KEYED` (those, and the tables they point at: ``residents``, ``loan_products``, ``loan_instalments`` ...)
  get the unique key ``(cooperative_id, id)`` that composite foreign keys point at (their plain
  ``cooperative_id`` index stays: dropping it is not needed for Citus);
- every foreign key in :data:`FKS` becomes ``(cooperative_id, x_id) -> (cooperative_id, id)`` (same name, same
  ``ON DELETE``): the ledger-referencing tables' keys to other tenant tables, and every key pointing at a table of
  :data:`PRIMARY` (on PostgreSQL a single-column key needs a unique ``id``, which the new primary key is not);
- the unique keys of :data:`UNIQUES` take ``cooperative_id`` as their last column. None of them is weakened:
  ``savings_accounts (ledger_account_id)``, ``shu_member_shares (distribution_id, member_id)`` and
  ``training_allowance_payments (enrolment_id)`` name a row that belongs to one cooperative (the composite
  foreign keys say it is the row's own), so adding the column changes nothing; ``members (user_id)`` becomes
  unique per cooperative, and stays unique globally because a user belongs to one cooperative
  (``users.cooperative_id``) and ``membership.services.link_user`` refuses a user of another cooperative.

Every table already has ``cooperative_id`` (NOT NULL): no column is added, no row is written. SQLite keeps
``id INTEGER PRIMARY KEY`` (the rowid) with the unique and composite foreign keys (as in 0023); changing a key
there rebuilds the table (batch mode) with foreign keys off, every key checked before the COMMIT, and every
trigger of the database dropped before the rebuilds and created again after them (a rebuild drops the table's
own triggers, and a trigger naming a table being rebuilt would break its rename).

Cost on a large PostgreSQL database: not measured. The primary and unique keys are index builds and every
foreign key is validated again (a scan of the referencing table): run ``flask db upgrade`` in a maintenance
window.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04
"""
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

#: tables whose primary key becomes (id, cooperative_id) on PostgreSQL
PRIMARY = ("members", "loans", "loan_repayments", "savings_accounts", "shu_distributions")
#: tables that get the unique key (cooperative_id, id) the composite foreign keys point at
KEYED = (*PRIMARY, "residents", "loan_products", "loan_instalments", "savings_products", "savings_goals",
         "training_businesses", "training_enrolments")
#: (table, column, referred table, ON DELETE)
FKS = (
    ("members", "resident_id", "residents", None),
    ("loans", "member_id", "members", None),
    ("loans", "guarantor_member_id", "members", None),
    ("loans", "product_id", "loan_products", None),
    ("loans", "business_id", "training_businesses", None),
    ("loan_instalments", "loan_id", "loans", None),
    ("loan_repayments", "loan_id", "loans", None),
    ("loan_repayments", "replaces_id", "loan_repayments", None),
    ("loan_allocations", "repayment_id", "loan_repayments", None),
    ("loan_allocations", "instalment_id", "loan_instalments", None),
    ("loan_penalties", "loan_id", "loans", None),
    ("loan_class_changes", "loan_id", "loans", None),
    ("loan_recoveries", "loan_id", "loans", None),
    ("savings_accounts", "member_id", "members", None),
    ("savings_accounts", "product_id", "savings_products", None),
    ("savings_interest", "account_id", "savings_accounts", None),
    ("savings_interest", "member_id", "members", None),
    ("savings_goals", "member_id", "members", None),
    ("savings_goals", "savings_account_id", "savings_accounts", None),
    ("remittances", "savings_account_id", "savings_accounts", None),
    ("remittances", "member_id", "members", None),
    ("remittances", "sender_resident_id", "residents", None),
    ("remittances", "goal_id", "savings_goals", None),
    ("kur_referrals", "member_id", "members", None),
    ("outreach_messages", "member_id", "members", None),
    ("member_search_keys", "member_id", "members", "CASCADE"),
    ("shu_member_shares", "distribution_id", "shu_distributions", None),
    ("shu_member_shares", "member_id", "members", None),
    ("training_allowance_payments", "enrolment_id", "training_enrolments", None),
)
#: unique keys that take cooperative_id as their last column: table -> columns before it
UNIQUES = {"members": ("user_id",), "savings_accounts": ("ledger_account_id",),
           "shu_member_shares": ("distribution_id", "member_id"), "training_allowance_payments": ("enrolment_id",)}


def _uq(table: str, columns) -> str:
    return f"uq_{table}_{'_'.join(columns)}"


def _fk(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def _tables() -> list[str]:
    """Every table with a key to change: the keyed ones first (the composite keys point at them)."""
    seen: list[str] = list(KEYED)
    for table in (*(t for t, _, _, _ in FKS), *UNIQUES):
        if table not in seen:
            seen.append(table)
    return seen


class _Direct:
    """``op`` with the table name bound: the batch operations used here, on PostgreSQL."""

    def __init__(self, table: str) -> None:
        self.table = table

    def create_foreign_key(self, name, target, columns, target_columns, ondelete=None):
        op.create_foreign_key(name, self.table, target, columns, target_columns, ondelete=ondelete)

    def drop_constraint(self, name, type_):
        op.drop_constraint(name, self.table, type_=type_)

    def create_unique_constraint(self, name, columns):
        op.create_unique_constraint(name, self.table, columns)


def _drop_fks(batch, table: str) -> None:
    for t, column, target, _ in FKS:
        if t == table:
            batch.drop_constraint(_fk(t, column, target), type_="foreignkey")


def _create_fks(batch, table: str, composite: bool) -> None:
    for t, column, target, ondelete in FKS:
        if t == table:
            if composite:
                batch.create_foreign_key(_fk(t, column, target), target, ["cooperative_id", column],
                                         ["cooperative_id", "id"], ondelete=ondelete)
            else:
                batch.create_foreign_key(_fk(t, column, target), target, [column], ["id"], ondelete=ondelete)


def _upgrade_keys(batch, table: str) -> None:
    if table in KEYED:
        batch.create_unique_constraint(_uq(table, ("cooperative_id", "id")), ["cooperative_id", "id"])
    if table in UNIQUES:
        batch.drop_constraint(_uq(table, UNIQUES[table]), type_="unique")
        batch.create_unique_constraint(_uq(table, (*UNIQUES[table], "cooperative_id")),
                                       [*UNIQUES[table], "cooperative_id"])


def _downgrade_keys(batch, table: str) -> None:
    if table in UNIQUES:
        batch.drop_constraint(_uq(table, (*UNIQUES[table], "cooperative_id")), type_="unique")
        batch.create_unique_constraint(_uq(table, UNIQUES[table]), list(UNIQUES[table]))
    if table in KEYED:
        batch.drop_constraint(_uq(table, ("cooperative_id", "id")), type_="unique")


def _sqlite_upgrade(batch, table: str) -> None:
    _drop_fks(batch, table)
    _upgrade_keys(batch, table)
    _create_fks(batch, table, composite=True)


def _sqlite_downgrade(batch, table: str) -> None:
    _drop_fks(batch, table)
    _downgrade_keys(batch, table)
    _create_fks(batch, table, composite=False)


def _sqlite_rebuilds(rebuild) -> None:
    """``rebuild(batch, table)`` for every table of :func:`_tables`, foreign keys off (a PRAGMA outside a
    transaction), every trigger dropped around the rebuilds and created again, every key checked before the
    COMMIT."""
    bind = op.get_bind()
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys = OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        triggers = bind.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                        "ORDER BY name").fetchall()
        for name, _ in triggers:
            bind.exec_driver_sql(f"DROP TRIGGER {name}")
        for table in _tables():
            with op.batch_alter_table(table, recreate="always") as batch:
                rebuild(batch, table)
        for _, sql in triggers:
            bind.exec_driver_sql(sql)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"keys rebuilt with broken references (table, rowid, parent, fk): {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        # undo the rebuilds (and the dropped triggers) here: the BEGIN below inside the failed transaction
        # would raise "cannot start a transaction within a transaction" in place of the reason
        if bind.connection.driver_connection.in_transaction:
            bind.exec_driver_sql("ROLLBACK")
        raise
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys = ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuilds(_sqlite_upgrade)
        return
    # PostgreSQL: the foreign keys go first (some hang on the primary keys being replaced)
    for table in _tables():
        _drop_fks(_Direct(table), table)
    for table in PRIMARY:
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, ["id", "cooperative_id"])
    for table in _tables():
        _upgrade_keys(_Direct(table), table)
    for table in _tables():
        _create_fks(_Direct(table), table, composite=True)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rebuilds(_sqlite_downgrade)
        return
    for table in _tables():  # the composite foreign keys first: they hang on the keys dropped next
        _drop_fks(_Direct(table), table)
    for table in _tables():
        _downgrade_keys(_Direct(table), table)
    for table in PRIMARY:
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, ["id"])
    for table in _tables():
        _create_fks(_Direct(table), table, composite=False)
