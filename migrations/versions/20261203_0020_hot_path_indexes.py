"""Indexes of the cash desk's hot path (issue 17): journal entries by cooperative, source and value date

A savings deposit asks whether a monthly interest run was posted in or after its month
(``coop.savings.accrual.months_run_since``): with only ``value_date`` indexed that read scanned every entry of
the month, so each deposit cost more as the month filled up.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03
"""
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_journal_entries_cooperative_id_source_value_date", "journal_entries",
                    ["cooperative_id", "source", "value_date"])


def downgrade():
    op.drop_index("ix_journal_entries_cooperative_id_source_value_date", table_name="journal_entries")
