"""Indexes of the cash-desk pages (issue 17): journal entries by cooperative and voucher number, and by
cooperative and value date

A kuitansi (the receipt page, its PDF and the receipt API: ``coop.reports.receipts``) finds its entry by the
voucher number: with no index that read scanned every journal entry of the database (156 ms at 1,000,000
entries, ``bench/bench_cashdesk_pages.py``). The day book reads one cooperative's entries of one day
(``coop.savings.cash.day_book_page``): with ``value_date`` alone indexed, SQLite preferred an index on
``cooperative_id`` and read every entry of the cooperative.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04
"""
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_journal_entries_cooperative_id_voucher_number", "journal_entries",
                    ["cooperative_id", "voucher_number"])
    op.create_index("ix_journal_entries_cooperative_id_value_date", "journal_entries", ["cooperative_id", "value_date"])


def downgrade():
    op.drop_index("ix_journal_entries_cooperative_id_value_date", table_name="journal_entries")
    op.drop_index("ix_journal_entries_cooperative_id_voucher_number", table_name="journal_entries")
