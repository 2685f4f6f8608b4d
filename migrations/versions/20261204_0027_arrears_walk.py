"""The wajib arrears page as an index walk (issue 17): the member number and the listing on the savings account

Revision 0025 stored a wajib account's first uncovered month, but the page still joined every account in arrears
to ``members`` for the member's status (the count and total) and for its number (the order: the 2,000 rows of
one month joined and sorted before the LIMIT). Now:

- ``savings_accounts.arrears_seq`` is the member's ``member_seq`` (written by ``refresh_arrears``; the upgrade
  copies it to the wajib accounts; 0 elsewhere and on a new account, which starts stale);
- ``arrears_from`` is also ``None`` for an account that is not listed (closed, or its member neither applied,
  active nor dormant): the upgrade clears it on such rows, ``refresh_arrears`` writes it so;
- triggers raise ``arrears_stale`` on a change of a member's ``member_seq`` or of its being current (status
  into or out of applied/active/dormant), and of an account's being closed (the account trigger of 0025 gets
  ``status``);
- ``ix_savings_accounts_arrears`` becomes (cooperative, kind, arrears_stale, arrears_from, arrears_seq, id,
  product_id, arrears_due): the page's rows come in the list's order straight from it (LIMIT stops after a
  page) and the count/total are an aggregate of the index alone.

The downgrade marks the wajib accounts of members not current and the closed ones stale (0025 has no trigger on
those and reads ``arrears_from`` as the month whatever the status) and puts 0025's index and trigger back.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_CURRENT = "('applied', 'active', 'dormant')"
_UNLISTED = ("kind = 'wajib' AND (status = 'closed' OR EXISTS (SELECT 1 FROM members m WHERE "
             "m.id = savings_accounts.member_id AND m.cooperative_id = savings_accounts.cooperative_id "
             f"AND m.status NOT IN {_CURRENT}))")
_OLD_INDEX = ["cooperative_id", "kind", "arrears_stale", "arrears_from"]
_NEW_INDEX = [*_OLD_INDEX, "arrears_seq", "id", "product_id", "arrears_due"]

_SQLITE_MEMBER = (
    "CREATE TRIGGER savings_arrears_member AFTER UPDATE OF status, member_seq ON members "
    f"WHEN (OLD.status IN {_CURRENT}) IS NOT (NEW.status IN {_CURRENT}) OR OLD.member_seq IS NOT NEW.member_seq "
    "BEGIN UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE cooperative_id = NEW.cooperative_id "
    "AND member_id = NEW.id AND kind = 'wajib'; END")
_SQLITE_ACCOUNT = (
    "CREATE TRIGGER savings_arrears_account AFTER UPDATE OF product_id, member_id, ledger_account_id, kind{cols} "
    "ON savings_accounts WHEN OLD.product_id IS NOT NEW.product_id OR OLD.member_id IS NOT NEW.member_id "
    "OR OLD.ledger_account_id IS NOT NEW.ledger_account_id OR OLD.kind IS NOT NEW.kind{cond} BEGIN "
    "UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE id = NEW.id; END")
_PG_MEMBER = (
    "CREATE TRIGGER savings_arrears_member AFTER UPDATE OF status, member_seq ON members FOR EACH ROW "
    f"WHEN ((OLD.status IN {_CURRENT}) IS DISTINCT FROM (NEW.status IN {_CURRENT}) "
    "OR OLD.member_seq IS DISTINCT FROM NEW.member_seq) EXECUTE FUNCTION savings_arrears_of_member()")
_PG_ACCOUNT = (
    "CREATE TRIGGER savings_arrears_account "
    "BEFORE UPDATE OF product_id, member_id, ledger_account_id, kind{cols} ON savings_accounts "
    "FOR EACH ROW WHEN (OLD.product_id IS DISTINCT FROM NEW.product_id "
    "OR OLD.member_id IS DISTINCT FROM NEW.member_id "
    "OR OLD.ledger_account_id IS DISTINCT FROM NEW.ledger_account_id "
    "OR OLD.kind IS DISTINCT FROM NEW.kind{cond}) "
    "EXECUTE FUNCTION savings_arrears_of_account()")
_STATUS_COLS = ", status"
_STATUS_COND = {"sqlite": " OR (OLD.status = 'closed') IS NOT (NEW.status = 'closed')",
                "postgresql": " OR (OLD.status = 'closed') IS DISTINCT FROM (NEW.status = 'closed')"}


def _triggers(with_status: bool) -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute("DROP TRIGGER IF EXISTS savings_arrears_account ON savings_accounts")
        op.execute("DROP TRIGGER IF EXISTS savings_arrears_member ON members")
    else:
        op.execute("DROP TRIGGER IF EXISTS savings_arrears_account")
        op.execute("DROP TRIGGER IF EXISTS savings_arrears_member")
    account = _PG_ACCOUNT if pg else _SQLITE_ACCOUNT
    if with_status:
        op.execute(_PG_MEMBER if pg else _SQLITE_MEMBER)
        op.execute(account.format(cols=_STATUS_COLS, cond=_STATUS_COND["postgresql" if pg else "sqlite"]))
    else:
        op.execute(account.format(cols="", cond=""))


def upgrade():
    op.add_column("savings_accounts", sa.Column("arrears_seq", sa.Integer(), server_default="0", nullable=False))
    op.execute("UPDATE savings_accounts SET arrears_seq = (SELECT m.member_seq FROM members m "
               "WHERE m.id = savings_accounts.member_id AND m.cooperative_id = savings_accounts.cooperative_id) "
               "WHERE kind = 'wajib'")
    op.execute(f"UPDATE savings_accounts SET arrears_from = NULL, arrears_due = NULL WHERE {_UNLISTED}")
    op.drop_index("ix_savings_accounts_arrears", table_name="savings_accounts")
    op.create_index("ix_savings_accounts_arrears", "savings_accounts", _NEW_INDEX)
    _triggers(with_status=True)


def downgrade():
    _triggers(with_status=False)
    op.execute(f"UPDATE savings_accounts SET arrears_stale = arrears_stale + 1 WHERE {_UNLISTED}")
    op.drop_index("ix_savings_accounts_arrears", table_name="savings_accounts")
    op.create_index("ix_savings_accounts_arrears", "savings_accounts", _OLD_INDEX)
    op.drop_column("savings_accounts", "arrears_seq")
