"""Citus-ready ledger keys: postings.cooperative_id, keys colocated by cooperative_id (issue 20, item 5)

Citus distributes a tenant table by ``cooperative_id`` and requires every primary and unique key to include
it, and every foreign key between distributed tables to include it (docs/operations.md "Moving a national
deployment to Citus"). For the ledger tables and every foreign key pointing at them:

- ``postings.cooperative_id`` (NOT NULL, the entry's; filled here for older rows, written by ``post_entries``);
- PostgreSQL: the primary keys of ``accounts``, ``journal_entries``, ``postings`` and of the tables in
  :data:`PRIMARY` that nothing references become ``(id, cooperative_id)`` (``id`` first: lookups by id alone
  stay index searches; ``id`` keeps its sequence);
- ``accounts`` and ``journal_entries`` get the unique key ``(cooperative_id, id)`` that composite foreign keys
  point at; it leads with ``cooperative_id`` and replaces that column's single index;
- every foreign key to ``accounts`` or ``journal_entries`` becomes ``(cooperative_id, x_id) -> (cooperative_id,
  id)`` (same names), so a row can only point at its own cooperative's account or entry;
- the unique keys ``journal_entries (reverses_id)``, ``postings (entry_id, line_no)``, ``remittances
  (entry_id)`` take ``cooperative_id`` as their last column (they still serve lookups by their first).

SQLite cannot autoincrement a composite primary key: there ``id INTEGER PRIMARY KEY`` stays (the rowid) and
the unique ``(cooperative_id, id)`` keys carry the composite foreign keys. Changing a key there rebuilds the
table (batch mode), with foreign keys off around the rebuilds and every key checked before their commit (as
revisions 0007 and 0016 do: with keys on, dropping the old copy of a referenced table deletes through its
children); a rebuild drops the table's triggers, so the append-only triggers of revision 0002 are created
again. On PostgreSQL the triggers (append-only, and the deferred balance trigger of 0013) stay as they are; the
append-only trigger is disabled only around the one UPDATE that fills ``postings.cooperative_id``.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
#: tables other tenant tables point at: unique (cooperative_id, id), no single cooperative_id index
KEYED = ("accounts", "journal_entries")
#: tables whose primary key becomes (id, cooperative_id) on PostgreSQL: the ledger's, and the tables that
#: reference it and that no foreign key points at (so their key changes alone)
PRIMARY = ("accounts", "journal_entries", "postings", "cash_counts", "ledger_approvals", "loan_provisions",
           "year_ends", "loan_allocations", "loan_recoveries", "remittances", "savings_interest",
           "shu_member_shares", "training_allowance_payments")
#: every foreign key to accounts or journal_entries: (table, column, referred table)
FKS = (
    ("accounts", "parent_id", "accounts"),
    ("journal_entries", "reverses_id", "journal_entries"),
    ("postings", "entry_id", "journal_entries"),
    ("postings", "account_id", "accounts"),
    ("cash_counts", "entry_id", "journal_entries"),
    ("ledger_approvals", "result_entry_id", "journal_entries"),
    ("loan_provisions", "entry_id", "journal_entries"),
    ("members", "settlement_entry_id", "journal_entries"),
    ("shu_distributions", "entry_id", "journal_entries"),
    ("shu_distributions", "coverage_entry_id", "journal_entries"),
    ("training_allowance_payments", "entry_id", "journal_entries"),
    ("year_ends", "closing_entry_id", "journal_entries"),
    ("year_ends", "tax_entry_id", "journal_entries"),
    ("year_ends", "carry_entry_id", "journal_entries"),
    ("loans", "disbursement_entry_id", "journal_entries"),
    ("loans", "ledger_account_id", "accounts"),
    ("savings_accounts", "ledger_account_id", "accounts"),
    ("shu_member_shares", "paid_entry_id", "journal_entries"),
    ("loan_recoveries", "entry_id", "journal_entries"),
    ("loan_repayments", "entry_id", "journal_entries"),
    ("loan_repayments", "reversal_entry_id", "journal_entries"),
    ("savings_interest", "entry_id", "journal_entries"),
    ("loan_allocations", "entry_id", "journal_entries"),
    ("remittances", "entry_id", "journal_entries"),
)
#: unique keys that take cooperative_id as their last column: table -> columns before it
UNIQUES = {"journal_entries": ("reverses_id",), "postings": ("entry_id", "line_no"),
           "remittances": ("entry_id",)}
APPEND_ONLY = ("journal_entries", "postings")


def _uq(table: str, columns) -> str:
    return f"uq_{table}_{'_'.join(columns)}"


def _fk(table: str, column: str, target: str) -> str:
    return f"fk_{table}_{column}_{target}"


def _tables() -> list[str]:
    seen: list[str] = []
    for table, _, _ in FKS:
        if table not in seen:
            seen.append(table)
    return seen


def _sqlite_append_only(table: str) -> None:
    """Revision 0002's SQLite triggers (a table rebuild drops them)."""
    for action in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{action.lower()}")
        op.execute(f"CREATE TRIGGER trg_{table}_no_{action.lower()} BEFORE {action} ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END")


def _fill_posting_cooperatives(sqlite: bool) -> None:
    """postings.cooperative_id from each posting's entry (the one UPDATE the append-only trigger lets
    through)."""
    op.add_column("postings", sa.Column("cooperative_id", ID, nullable=True))
    fill = ("UPDATE postings SET cooperative_id = (SELECT e.cooperative_id FROM journal_entries e "
            "WHERE e.id = postings.entry_id)")
    if sqlite:
        op.execute("DROP TRIGGER trg_postings_no_update")
        op.execute(fill)
        _sqlite_append_only("postings")
    else:
        op.execute("ALTER TABLE postings DISABLE TRIGGER trg_postings_append_only")
        op.execute("UPDATE postings p SET cooperative_id = e.cooperative_id FROM journal_entries e "
                   "WHERE e.id = p.entry_id")
        op.execute("ALTER TABLE postings ENABLE TRIGGER trg_postings_append_only")


def _upgrade_table(batch, table: str) -> None:
    """One table's changes, on a batch (SQLite: one rebuild) or directly (PostgreSQL: ``op``)."""
    if table == "postings":
        batch.alter_column("cooperative_id", existing_type=ID, nullable=False)
        batch.create_foreign_key("fk_postings_cooperative_id_cooperatives", "cooperatives", ["cooperative_id"],
                                 ["id"])
    if table in UNIQUES:
        batch.drop_constraint(_uq(table, UNIQUES[table]), type_="unique")
        batch.create_unique_constraint(_uq(table, (*UNIQUES[table], "cooperative_id")),
                                       [*UNIQUES[table], "cooperative_id"])
    if table in KEYED:
        batch.create_unique_constraint(_uq(table, ("cooperative_id", "id")), ["cooperative_id", "id"])
        batch.drop_index(f"ix_{table}_cooperative_id")
    for t, column, target in FKS:
        if t == table:
            batch.create_foreign_key(_fk(t, column, target), target, ["cooperative_id", column],
                                     ["cooperative_id", "id"])


def _sqlite_rebuilds(rebuild) -> None:
    """``rebuild(batch, table)`` for every table with a foreign key to change, foreign keys off (a PRAGMA
    outside a transaction), every key checked before the COMMIT; then the append-only triggers again."""
    bind = op.get_bind()
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys = OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        for table in _tables():
            with op.batch_alter_table(table, recreate="always") as batch:
                rebuild(batch, table)
        for table in APPEND_ONLY:
            _sqlite_append_only(table)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"keys rebuilt with broken references (table, rowid, parent, fk): {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys = ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_upgrade(batch, table: str) -> None:
    _drop_fks(batch, table)
    _upgrade_table(batch, table)


def _sqlite_downgrade(batch, table: str) -> None:
    _drop_fks(batch, table)
    _downgrade_table(batch, table)
    _restore_fks(batch, table)
    if table == "postings":
        batch.drop_column("cooperative_id")


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    _fill_posting_cooperatives(sqlite)
    if sqlite:
        _sqlite_rebuilds(_sqlite_upgrade)
        return
    # PostgreSQL: the foreign keys go first (they hang on the primary keys being replaced)
    for table, column, target in FKS:
        op.drop_constraint(_fk(table, column, target), table, type_="foreignkey")
    for table in PRIMARY:
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, ["id", "cooperative_id"])
    for table in (*KEYED, *(t for t in _tables() if t not in KEYED)):
        _upgrade_table(_Direct(table), table)


class _Direct:
    """``op`` with the table name bound: the batch operations :func:`_upgrade_table` uses, on PostgreSQL."""

    def __init__(self, table: str) -> None:
        self.table = table

    def alter_column(self, column, **kw):
        op.alter_column(self.table, column, **kw)

    def create_foreign_key(self, name, target, columns, target_columns):
        op.create_foreign_key(name, self.table, target, columns, target_columns)

    def drop_constraint(self, name, type_):
        op.drop_constraint(name, self.table, type_=type_)

    def create_unique_constraint(self, name, columns):
        op.create_unique_constraint(name, self.table, columns)

    def drop_index(self, name):
        op.drop_index(name, table_name=self.table)

    def create_index(self, name, columns):
        op.create_index(name, self.table, columns)


def _drop_fks(batch, table: str) -> None:
    for t, column, target in FKS:
        if t == table:
            batch.drop_constraint(_fk(t, column, target), type_="foreignkey")


def _downgrade_table(batch, table: str) -> None:
    if table in KEYED:
        batch.create_index(f"ix_{table}_cooperative_id", ["cooperative_id"])
        batch.drop_constraint(_uq(table, ("cooperative_id", "id")), type_="unique")
    if table in UNIQUES:
        batch.drop_constraint(_uq(table, (*UNIQUES[table], "cooperative_id")), type_="unique")
        batch.create_unique_constraint(_uq(table, UNIQUES[table]), list(UNIQUES[table]))
    if table == "postings":
        batch.drop_constraint("fk_postings_cooperative_id_cooperatives", type_="foreignkey")


def _restore_fks(batch, table: str) -> None:
    for t, column, target in FKS:
        if t == table:
            batch.create_foreign_key(_fk(t, column, target), target, [column], ["id"])


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_rebuilds(_sqlite_downgrade)
        return
    for table in _tables():  # the composite foreign keys first: they hang on the keys dropped next
        _drop_fks(_Direct(table), table)
    for table in _tables():
        _downgrade_table(_Direct(table), table)
    for table in PRIMARY:
        op.drop_constraint(f"pk_{table}", table, type_="primary")
        op.create_primary_key(f"pk_{table}", table, ["id"])
    for table in _tables():
        _restore_fks(_Direct(table), table)
    op.drop_column("postings", "cooperative_id")
