"""outreach: contact consents, the outbox with its status history, message templates

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(table: str, col: str, target: str):
    return sa.ForeignKeyConstraint([col], [f"{target}.id"], name=op.f(f"fk_{table}_{col}_{target}"))


def _index(table: str, *cols: str):
    with op.batch_alter_table(table) as b:
        for col in cols:
            b.create_index(op.f(f"ix_{table}_{col}"), [col], unique=False)


def upgrade():
    op.create_table(
        "contact_consents",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("purposes", sa.String(length=100), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("recorded_by_id", ID, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_via", sa.String(length=20), nullable=True),
        sa.Column("withdrawn_by_id", ID, nullable=True),
        sa.Column("cooperative_id", ID, nullable=False),
        sa.CheckConstraint("channel IN ('whatsapp', 'sms')", name=op.f("ck_contact_consents_channel")),
        _fk("contact_consents", "cooperative_id", "cooperatives"),
        _fk("contact_consents", "resident_id", "residents"),
        _fk("contact_consents", "recorded_by_id", "users"),
        _fk("contact_consents", "withdrawn_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_consents")),
    )
    _index("contact_consents", "cooperative_id")
    op.create_index("ix_contact_consents_resident_channel", "contact_consents", ["resident_id", "channel"])
    op.create_table(
        "outreach_messages",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("consent_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", ID, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cooperative_id", ID, nullable=False),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed', 'manual')", name=op.f("ck_outreach_messages_status")),
        sa.CheckConstraint("channel IN ('whatsapp', 'sms')", name=op.f("ck_outreach_messages_channel")),
        _fk("outreach_messages", "cooperative_id", "cooperatives"),
        _fk("outreach_messages", "resident_id", "residents"),
        _fk("outreach_messages", "member_id", "members"),
        _fk("outreach_messages", "consent_id", "contact_consents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_messages")),
        sa.UniqueConstraint("cooperative_id", "resident_id", "purpose", "due_on", name="uq_outreach_messages_once"),
    )
    _index("outreach_messages", "cooperative_id", "resident_id", "member_id")
    op.create_index("ix_outreach_messages_coop_status", "outreach_messages", ["cooperative_id", "status"])
    op.create_table(
        "outreach_message_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("message_id", ID, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_id", ID, nullable=True),
        sa.Column("cooperative_id", ID, nullable=False),
        _fk("outreach_message_events", "cooperative_id", "cooperatives"),
        _fk("outreach_message_events", "message_id", "outreach_messages"),
        _fk("outreach_message_events", "by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_message_events")),
    )
    _index("outreach_message_events", "cooperative_id", "message_id")
    op.create_table(
        "outreach_templates",
        sa.Column("id", ID, nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cooperative_id", ID, nullable=False),
        _fk("outreach_templates", "cooperative_id", "cooperatives"),
        _fk("outreach_templates", "updated_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_templates")),
        sa.UniqueConstraint("cooperative_id", "purpose", name=op.f("uq_outreach_templates_cooperative_id_purpose")),
    )
    _index("outreach_templates", "cooperative_id")


def downgrade():
    for table in ("outreach_templates", "outreach_message_events", "outreach_messages", "contact_consents"):
        op.drop_table(table)
