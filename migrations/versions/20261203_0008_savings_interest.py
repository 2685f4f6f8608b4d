"""savings interest per account and month (closing interest, backdated adjustments, PPh per member)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "savings_interest",
        sa.Column("id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("month_end", sa.Date(), nullable=False),
        sa.Column("gross", sa.BigInteger(), nullable=False),
        sa.Column("tax", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("cooperative_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('monthly', 'closing', 'adjustment')", name=op.f("ck_savings_interest_kind")),
        sa.ForeignKeyConstraint(["account_id"], ["savings_accounts.id"],
                                name=op.f("fk_savings_interest_account_id_savings_accounts")),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"],
                                name=op.f("fk_savings_interest_cooperative_id_cooperatives")),
        sa.ForeignKeyConstraint(["entry_id"], ["journal_entries.id"],
                                name=op.f("fk_savings_interest_entry_id_journal_entries")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_savings_interest_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_interest")),
    )
    with op.batch_alter_table("savings_interest", schema=None) as batch_op:
        batch_op.create_index("ix_savings_interest_account_month", ["account_id", "month_end"], unique=False)
        batch_op.create_index(batch_op.f("ix_savings_interest_cooperative_id"), ["cooperative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_savings_interest_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_savings_interest_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_table("savings_interest")
