"""migration service desk: cases, documents, stage history, agency checks, letters, consultations; the
registry's migration-record checklist moves to the desk's document codes

``has_permission_doc`` -> ``has_family_permission_doc``, ``has_visa_doc`` -> ``has_work_visa_doc``,
``has_placement_contract_doc`` -> ``has_placement_agreement_doc``, and a new ``has_marital_status_letter_doc``
(false for existing rows). Column renames keep the data.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STAGES = "('consultation', 'registered', 'recommended', 'medical', 'passport', 'visa', 'orientation', 'departed', " \
         "'returned', 'stopped')"
CODES = "('marital_status_letter', 'family_permission', 'competency_certificate', 'health_certificate', " \
        "'passport', 'work_visa', 'placement_agreement', 'work_agreement', 'ktp', 'kk', 'ijazah', 'bpjs')"
RENAMES = (("has_permission_doc", "has_family_permission_doc"), ("has_visa_doc", "has_work_visa_doc"),
           ("has_placement_contract_doc", "has_placement_agreement_doc"))


def _tenant(table: str):
    return (sa.Column("cooperative_id", ID, nullable=False),
            sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"],
                                    name=op.f(f"fk_{table}_cooperative_id_cooperatives")))


def _index(table: str, *cols: str):
    with op.batch_alter_table(table) as b:
        for col in cols:
            b.create_index(op.f(f"ix_{table}_{col}"), [col], unique=False)


def upgrade():
    op.create_table(
        "desk_cases",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("destination_country", sa.String(length=2), nullable=False),
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("job_type", sa.String(length=20), nullable=True),
        sa.Column("scheme", sa.String(length=10), nullable=True),
        sa.Column("agency_name", sa.String(length=200), nullable=True),
        sa.Column("agency_licence_number", sa.String(length=100), nullable=True),
        sa.Column("job_order_ref", sa.String(length=100), nullable=True),
        sa.Column("contract_months", ID, nullable=True),
        sa.Column("contract_start_on", sa.Date(), nullable=True),
        sa.Column("placement_decision_number", sa.String(length=100), nullable=True),
        sa.Column("placement_decision_on", sa.Date(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("stage_on", sa.Date(), nullable=False),
        sa.Column("stopped_reason", sa.String(length=300), nullable=True),
        sa.Column("migration_record_id", ID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("desk_cases"),
        sa.CheckConstraint(f"stage IN {STAGES}", name=op.f("ck_desk_cases_stage_known")),
        sa.CheckConstraint("length(destination_country) = 2", name=op.f("ck_desk_cases_country_alpha2")),
        sa.CheckConstraint("contract_months IS NULL OR contract_months > 0",
                           name=op.f("ck_desk_cases_contract_months_positive")),
        sa.CheckConstraint("stage <> 'stopped' OR stopped_reason IS NOT NULL",
                           name=op.f("ck_desk_cases_stopped_has_reason")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], name=op.f("fk_desk_cases_resident_id_residents")),
        sa.ForeignKeyConstraint(["migration_record_id"], ["migration_records.id"],
                                name=op.f("fk_desk_cases_migration_record_id_migration_records")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_cases")),
    )
    _index("desk_cases", "cooperative_id", "resident_id")

    op.create_table(
        "desk_documents",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("visa_kind", sa.String(length=10), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", ID, nullable=True),
        *_tenant("desk_documents"),
        sa.CheckConstraint(f"code IN {CODES}", name=op.f("ck_desk_documents_code_known")),
        sa.CheckConstraint("status IN ('missing', 'submitted', 'verified')", name=op.f("ck_desk_documents_status_known")),
        sa.CheckConstraint("visa_kind IS NULL OR visa_kind IN ('work', 'visit', 'tourist', 'other')",
                           name=op.f("ck_desk_documents_visa_kind_known")),
        sa.ForeignKeyConstraint(["case_id"], ["desk_cases.id"], name=op.f("fk_desk_documents_case_id_desk_cases")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name=op.f("fk_desk_documents_updated_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_documents")),
        sa.UniqueConstraint("cooperative_id", "case_id", "code", name="uq_desk_documents_case_code"),
    )
    _index("desk_documents", "case_id", "cooperative_id")

    op.create_table(
        "desk_stage_changes",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("by_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("desk_stage_changes"),
        sa.CheckConstraint(f"stage IN {STAGES}", name=op.f("ck_desk_stage_changes_stage_known")),
        sa.ForeignKeyConstraint(["case_id"], ["desk_cases.id"], name=op.f("fk_desk_stage_changes_case_id_desk_cases")),
        sa.ForeignKeyConstraint(["by_id"], ["users.id"], name=op.f("fk_desk_stage_changes_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_stage_changes")),
    )
    _index("desk_stage_changes", "case_id", "cooperative_id")

    op.create_table(
        "desk_agency_checks",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("licence_number", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("officer_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("desk_agency_checks"),
        sa.CheckConstraint("result IN ('valid', 'invalid', 'not_found')", name=op.f("ck_desk_agency_checks_result_known")),
        sa.ForeignKeyConstraint(["case_id"], ["desk_cases.id"], name=op.f("fk_desk_agency_checks_case_id_desk_cases")),
        sa.ForeignKeyConstraint(["officer_id"], ["users.id"], name=op.f("fk_desk_agency_checks_officer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_agency_checks")),
    )
    _index("desk_agency_checks", "case_id", "cooperative_id")

    op.create_table(
        "desk_letter_counters",
        sa.Column("id", ID, nullable=False),
        sa.Column("village_code", sa.String(length=10), nullable=False),
        sa.Column("year", ID, nullable=False),
        sa.Column("last_number", ID, nullable=False),
        *_tenant("desk_letter_counters"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_letter_counters")),
        sa.UniqueConstraint("cooperative_id", "village_code", "year", name="uq_desk_letter_counters_village_year"),
    )
    _index("desk_letter_counters", "cooperative_id")

    op.create_table(
        "desk_letters",
        sa.Column("id", ID, nullable=False),
        sa.Column("case_id", ID, nullable=False),
        sa.Column("village_code", sa.String(length=10), nullable=False),
        sa.Column("year", ID, nullable=False),
        sa.Column("seq", ID, nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("permitter_resident_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("desk_letters"),
        sa.ForeignKeyConstraint(["case_id"], ["desk_cases.id"], name=op.f("fk_desk_letters_case_id_desk_cases")),
        sa.ForeignKeyConstraint(["permitter_resident_id"], ["residents.id"],
                                name=op.f("fk_desk_letters_permitter_resident_id_residents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_letters")),
        sa.UniqueConstraint("cooperative_id", "village_code", "year", "seq", name="uq_desk_letters_number"),
        sa.UniqueConstraint("cooperative_id", "case_id", name="uq_desk_letters_case"),
    )
    _index("desk_letters", "case_id", "cooperative_id")

    op.create_table(
        "desk_consultations",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=True),
        sa.Column("visitor_name", sa.String(length=200), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("officer_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("desk_consultations"),
        sa.CheckConstraint("topic IN ('destination', 'costs', 'rights', 'legal_channels', 'documents', 'other')",
                           name=op.f("ck_desk_consultations_topic_known")),
        sa.CheckConstraint("resident_id IS NOT NULL OR visitor_name IS NOT NULL",
                           name=op.f("ck_desk_consultations_who_known")),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"],
                                name=op.f("fk_desk_consultations_resident_id_residents")),
        sa.ForeignKeyConstraint(["officer_id"], ["users.id"], name=op.f("fk_desk_consultations_officer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_consultations")),
    )
    _index("desk_consultations", "cooperative_id", "resident_id")
    with op.batch_alter_table("desk_consultations") as b:
        b.create_index("ix_desk_consultations_coop_held", ["cooperative_id", "held_on"], unique=False)

    with op.batch_alter_table("migration_records") as b:
        for old, new in RENAMES:
            b.alter_column(old, new_column_name=new, existing_type=sa.Boolean(), existing_nullable=False)
        b.add_column(sa.Column("has_marital_status_letter_doc", sa.Boolean(), nullable=False,
                               server_default=sa.false()))
    with op.batch_alter_table("migration_records") as b:
        b.alter_column("has_marital_status_letter_doc", server_default=None, existing_type=sa.Boolean(),
                       existing_nullable=False)


def downgrade():
    with op.batch_alter_table("migration_records") as b:
        b.drop_column("has_marital_status_letter_doc")
        for old, new in RENAMES:
            b.alter_column(new, new_column_name=old, existing_type=sa.Boolean(), existing_nullable=False)
    for table in ("desk_consultations", "desk_letters", "desk_letter_counters", "desk_agency_checks",
                  "desk_stage_changes", "desk_documents", "desk_cases"):
        op.drop_table(table)
