"""A member's savings accounts by one index (issue 17): ``ix_savings_accounts_member (cooperative_id, member_id)``

The cash desk's member page reads a member's accounts with ``cooperative_id = ? AND member_id = ?``. SQLite keeps
no statistics unless ANALYZE runs, and without them it chose an index on ``cooperative_id`` alone (single-column
and the arrears index both start with it) over the one on ``member_id``: the page walked every account of the
cooperative, 80,000 at 20,000 members (6.4 + 3.0 ms of the page's SQL; the page 20.7 ms against 9.6 at 200
members, ratio 2.15). An index with both columns is the better match whatever the statistics. PostgreSQL, which
has statistics, used the member's index already; the new one serves it as well.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05
"""
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_savings_accounts_member", "savings_accounts", ["cooperative_id", "member_id"])


def downgrade() -> None:
    op.drop_index("ix_savings_accounts_member", table_name="savings_accounts")
