"""Idempotency keys by one index (issue 17): ``ix_idempotent_requests_cooperative_id`` dropped

Every money-moving API request with an ``Idempotency-Key`` reads its stored response by ``cooperative_id = ? AND
key = ?`` (with the token, coop.auth.services.token_and_stored) and writes one row. The unique key
``(cooperative_id, key)`` answers that read, and the daily purge (``cooperative_id = ? AND created_at < ?``) by
its first column; the single-column index on ``cooperative_id`` answered nothing the unique key does not, and
each request paid for keeping it. It also misled the planner: PostgreSQL's generic plan for the token's
prepared statement, made while the table was small, read the key through it and filtered on the key, so each
request read every earlier key of its cooperative until the next ANALYZE (docs/performance.md, twelfth session).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05
"""
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_idempotent_requests_cooperative_id", table_name="idempotent_requests")


def downgrade() -> None:
    op.create_index("ix_idempotent_requests_cooperative_id", "idempotent_requests", ["cooperative_id"])
