"""remittances received for members' families, savings goals on sukarela accounts, KUR referrals

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _tenant(table: str):
    return (sa.Column("cooperative_id", ID, nullable=False),
            sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"],
                                    name=op.f(f"fk_{table}_cooperative_id_cooperatives")))


def _fk(table: str, col: str, target: str):
    return sa.ForeignKeyConstraint([col], [f"{target}.id"], name=op.f(f"fk_{table}_{col}_{target}"))


def _index(table: str, *cols: str):
    with op.batch_alter_table(table) as b:
        for col in cols:
            b.create_index(op.f(f"ix_{table}_{col}"), [col], unique=False)


def upgrade():
    op.create_table(
        "savings_goals",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("savings_account_id", ID, nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("target_amount", sa.BigInteger(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("savings_goals"),
        sa.CheckConstraint("purpose IN ('business_capital', 'school', 'housing', 'other')",
                           name=op.f("ck_savings_goals_purpose_known")),
        sa.CheckConstraint("target_amount > 0", name=op.f("ck_savings_goals_target_positive")),
        _fk("savings_goals", "member_id", "members"),
        _fk("savings_goals", "savings_account_id", "savings_accounts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_goals")),
    )
    _index("savings_goals", "cooperative_id", "member_id", "savings_account_id")

    op.create_table(
        "remittances",
        sa.Column("id", ID, nullable=False),
        sa.Column("savings_account_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("sender_resident_id", ID, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("foreign_amount", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("goal_id", ID, nullable=True),
        sa.Column("entry_id", ID, nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("remittances"),
        sa.CheckConstraint("channel IN ('bank', 'pos', 'ewallet', 'agent', 'cash')",
                           name=op.f("ck_remittances_channel_known")),
        sa.CheckConstraint("length(country) = 2", name=op.f("ck_remittances_country_alpha2")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_remittances_currency_alpha3")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_remittances_amount_positive")),
        sa.CheckConstraint("fee >= 0", name=op.f("ck_remittances_fee_not_negative")),
        sa.CheckConstraint("foreign_amount > 0", name=op.f("ck_remittances_foreign_amount_positive")),
        _fk("remittances", "savings_account_id", "savings_accounts"),
        _fk("remittances", "member_id", "members"),
        _fk("remittances", "sender_resident_id", "residents"),
        _fk("remittances", "goal_id", "savings_goals"),
        _fk("remittances", "entry_id", "journal_entries"),
        _fk("remittances", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remittances")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_remittances_entry_id")),
    )
    _index("remittances", "cooperative_id", "savings_account_id", "member_id", "sender_resident_id",
           "received_on", "goal_id")

    op.create_table(
        "kur_referrals",
        sa.Column("id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("amount_requested", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("disbursed_on", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("kur_referrals"),
        sa.CheckConstraint("status IN ('referred', 'approved', 'rejected', 'disbursed')",
                           name=op.f("ck_kur_referrals_status_known")),
        sa.CheckConstraint("amount_requested > 0", name=op.f("ck_kur_referrals_amount_positive")),
        _fk("kur_referrals", "member_id", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kur_referrals")),
    )
    _index("kur_referrals", "cooperative_id", "member_id")


def downgrade():
    for table in ("kur_referrals", "remittances", "savings_goals"):
        op.drop_table(table)
