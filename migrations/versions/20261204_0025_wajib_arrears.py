"""The wajib arrears list by index (issue 17): the first uncovered month stored on the savings account

``coop.savings.services.arrears_page`` read every current member's wajib account and built the dues in Python
(81 ms at 20,000 members against 7 at 200, ``bench/bench_cashdesk_pages.py``). Now a wajib account carries
``arrears_from`` (the first month its balance does not cover: a function of the balance, the member's
``joined_on``, the product's amount and the ``simpanan_wajib_amount`` setting) and ``arrears_due`` (what of that
month is unpaid); the page is a range of ``ix_savings_accounts_arrears`` (``arrears_from`` before this month).

The database says when the stored values may be wrong, whoever writes: triggers raise ``arrears_stale`` (a counter, 0 when right) on a change
of a wajib ledger account's balance (any posting: deposit, withdrawal, payout, reversal, import, SHU), a member's
``joined_on``, a product's ``amount``, an account's product, member, ledger account or kind, and any row of the
``simpanan_wajib_amount`` setting (every wajib account of the cooperative). A stale row is read live and
written again by ``refresh_arrears`` (the next wajib deposit, the daily ``savings.arrears`` job). Every row
starts stale (the server default): the upgrade computes nothing, the first job run does.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_KEY = "'simpanan_wajib_amount'"

# ---- SQLite ----
_SQLITE_TRIGGERS = {
    "savings_arrears_balance":
        "AFTER UPDATE OF balance ON accounts WHEN OLD.balance IS NOT NEW.balance BEGIN "
        "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = NEW.cooperative_id "
        "AND ledger_account_id = NEW.id AND kind = 'wajib'; END",
    "savings_arrears_joined":
        "AFTER UPDATE OF joined_on ON members WHEN OLD.joined_on IS NOT NEW.joined_on BEGIN "
        "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = NEW.cooperative_id "
        "AND member_id = NEW.id AND kind = 'wajib'; END",
    "savings_arrears_product":
        "AFTER UPDATE OF amount ON savings_products WHEN OLD.amount IS NOT NEW.amount BEGIN "
        "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = NEW.cooperative_id "
        "AND product_id = NEW.id AND kind = 'wajib'; END",
    "savings_arrears_account":
        "AFTER UPDATE OF product_id, member_id, ledger_account_id, kind ON savings_accounts "
        "WHEN OLD.product_id IS NOT NEW.product_id OR OLD.member_id IS NOT NEW.member_id "
        "OR OLD.ledger_account_id IS NOT NEW.ledger_account_id OR OLD.kind IS NOT NEW.kind BEGIN "
        "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE id = NEW.id; END",
    "savings_arrears_setting_insert":
        f"AFTER INSERT ON settings WHEN NEW.key = {_KEY} BEGIN "
        "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = NEW.cooperative_id "
        "AND kind = 'wajib'; END",
    "savings_arrears_setting_update":
        f"AFTER UPDATE ON settings WHEN OLD.key = {_KEY} OR NEW.key = {_KEY} BEGIN "
        "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id IN (OLD.cooperative_id, "
        "NEW.cooperative_id) AND kind = 'wajib'; END",
    "savings_arrears_setting_delete":
        f"AFTER DELETE ON settings WHEN OLD.key = {_KEY} BEGIN "
        "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = OLD.cooperative_id "
        "AND kind = 'wajib'; END",
}

# ---- PostgreSQL ----
_PG_FUNCTIONS = {
    "savings_arrears_of_ledger": "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = "
                                 "NEW.cooperative_id AND ledger_account_id = NEW.id AND kind = 'wajib'; RETURN NULL;",
    "savings_arrears_of_member": "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = "
                                 "NEW.cooperative_id AND member_id = NEW.id AND kind = 'wajib'; RETURN NULL;",
    "savings_arrears_of_product": "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = "
                                  "NEW.cooperative_id AND product_id = NEW.id AND kind = 'wajib'; RETURN NULL;",
    "savings_arrears_of_account": "NEW.arrears_stale := OLD.arrears_stale + 1; RETURN NEW;",
    "savings_arrears_of_setting":
        "IF TG_OP <> 'INSERT' AND OLD.key = " + _KEY + " THEN UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 "
        "WHERE cooperative_id = OLD.cooperative_id AND kind = 'wajib'; END IF; "
        "IF TG_OP <> 'DELETE' AND NEW.key = " + _KEY + " THEN UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 "
        "WHERE cooperative_id = NEW.cooperative_id AND kind = 'wajib'; END IF; RETURN NULL;",
}

_PG_TRIGGERS = {
    "savings_arrears_balance": ("accounts", "AFTER UPDATE OF balance ON accounts FOR EACH ROW "
                                "WHEN (OLD.balance IS DISTINCT FROM NEW.balance) "
                                "EXECUTE FUNCTION savings_arrears_of_ledger()"),
    "savings_arrears_joined": ("members", "AFTER UPDATE OF joined_on ON members FOR EACH ROW "
                               "WHEN (OLD.joined_on IS DISTINCT FROM NEW.joined_on) "
                               "EXECUTE FUNCTION savings_arrears_of_member()"),
    "savings_arrears_product": ("savings_products", "AFTER UPDATE OF amount ON savings_products FOR EACH ROW "
                                "WHEN (OLD.amount IS DISTINCT FROM NEW.amount) "
                                "EXECUTE FUNCTION savings_arrears_of_product()"),
    "savings_arrears_account": ("savings_accounts",
                                "BEFORE UPDATE OF product_id, member_id, ledger_account_id, kind ON savings_accounts "
                                "FOR EACH ROW WHEN (OLD.product_id IS DISTINCT FROM NEW.product_id "
                                "OR OLD.member_id IS DISTINCT FROM NEW.member_id "
                                "OR OLD.ledger_account_id IS DISTINCT FROM NEW.ledger_account_id "
                                "OR OLD.kind IS DISTINCT FROM NEW.kind) "
                                "EXECUTE FUNCTION savings_arrears_of_account()"),
    "savings_arrears_setting": ("settings", "AFTER INSERT OR UPDATE OR DELETE ON settings FOR EACH ROW "
                                "EXECUTE FUNCTION savings_arrears_of_setting()"),
}


def upgrade():
    op.add_column("savings_accounts", sa.Column("arrears_from", sa.Date(), nullable=True))
    op.add_column("savings_accounts", sa.Column("arrears_due", sa.BigInteger(), nullable=True))
    op.add_column("savings_accounts", sa.Column("arrears_stale", sa.Integer(), server_default="1",
                                                nullable=False))
    op.create_index("ix_savings_accounts_arrears", "savings_accounts",
                    ["cooperative_id", "kind", "arrears_stale", "arrears_from"])
    if op.get_bind().dialect.name == "postgresql":
        for name, body in _PG_FUNCTIONS.items():
            op.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN {body} END $$ "
                       "LANGUAGE plpgsql")
        for name, (_table, body) in _PG_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, _body) in _PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for name in _PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_savings_accounts_arrears", table_name="savings_accounts")
    for column in ("arrears_stale", "arrears_due", "arrears_from"):
        op.drop_column("savings_accounts", column)
