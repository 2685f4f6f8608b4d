"""security hardening: a per-user session version and atomic login-throttle counters

``users.session_version`` is stored in every session cookie and checked on each request: bumping it
(log out, password change, deactivation) ends every copied cookie. ``login_throttles`` holds one
counter per throttling key (user+address, address) incremented atomically (INSERT .. ON CONFLICT).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False, server_default="0"))
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("key", name=op.f("uq_login_throttles_key")),
    )


def downgrade():
    op.drop_table("login_throttles")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")
