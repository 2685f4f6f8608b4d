"""cooperatives.founded_on: the founding date that bounds every money-moving date

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cooperatives") as batch:
        batch.add_column(sa.Column("founded_on", sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table("cooperatives") as batch:
        batch.drop_column("founded_on")
