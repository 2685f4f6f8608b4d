"""job_runs indexed by (cooperative, job, as_of) for the scheduler's last-run read (issue 20)

``coop.jobs.last_runs`` reads every cooperative's last run of every job in one GROUP BY before the daily loop;
with only ``cooperative_id`` indexed that read scans the table, whose size grows with cooperatives x jobs x days
kept (``job_runs_keep_days``, default 400: about 3.2 million rows at 1,000 cooperatives). The composite index makes
it, and one cooperative's lookup, an index-only scan; it replaces the single-column index, whose work (the foreign
key's lookups) its leading column does.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_job_runs_cooperative_id_job_id_as_of", "job_runs", ["cooperative_id", "job_id", "as_of"])
    op.drop_index("ix_job_runs_cooperative_id", table_name="job_runs")


def downgrade():
    op.create_index("ix_job_runs_cooperative_id", "job_runs", ["cooperative_id"])
    op.drop_index("ix_job_runs_cooperative_id_job_id_as_of", table_name="job_runs")
