"""cash_counts: the note-and-coin sheet, a witness and several counts a day (issue 15, item 8)

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cash_counts", schema=None) as batch_op:
        batch_op.drop_constraint("uq_cash_counts_cooperative_id_counted_on", type_="unique")
        batch_op.add_column(sa.Column("denominations", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("witness", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_cash_counts_cooperative_id_idempotency_key"),
                                          ["cooperative_id", "idempotency_key"])
        batch_op.create_index("ix_cash_counts_cooperative_id_counted_on", ["cooperative_id", "counted_on"],
                              unique=False)


def downgrade():
    # a day with two counts cannot go back to one count a day: keep the first of each day
    op.execute("DELETE FROM cash_counts WHERE id NOT IN (SELECT MIN(id) FROM cash_counts "
               "GROUP BY cooperative_id, counted_on)")
    with op.batch_alter_table("cash_counts", schema=None) as batch_op:
        batch_op.drop_index("ix_cash_counts_cooperative_id_counted_on")
        batch_op.drop_constraint(batch_op.f("uq_cash_counts_cooperative_id_idempotency_key"), type_="unique")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("witness")
        batch_op.drop_column("denominations")
        batch_op.create_unique_constraint("uq_cash_counts_cooperative_id_counted_on", ["cooperative_id", "counted_on"])
