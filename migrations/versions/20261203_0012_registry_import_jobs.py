"""registry_import_jobs: a resident import committed in bounded batches (issue 14, finding 5)

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATUSES = ("applying", "done", "undone")  # as of this revision


def upgrade():
    op.create_table(
        "registry_import_jobs",
        sa.Column("id", ID, nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows", ID, nullable=False),
        sa.Column("to_create", ID, nullable=False),
        sa.Column("to_update", ID, nullable=False),
        sa.Column("batches_done", ID, nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cooperative_id", ID, nullable=False),
        sa.CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")",
                           name=op.f("ck_registry_import_jobs_status_known")),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"],
                                name=op.f("fk_registry_import_jobs_cooperative_id_cooperatives")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_import_jobs")),
    )
    with op.batch_alter_table("registry_import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registry_import_jobs_cooperative_id"), ["cooperative_id"], unique=False)


def downgrade():
    with op.batch_alter_table("registry_import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registry_import_jobs_cooperative_id"))
    op.drop_table("registry_import_jobs")
