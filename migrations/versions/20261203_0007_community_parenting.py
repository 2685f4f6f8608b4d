"""community parenting: the facilitator role and the parenting tables

The users table's CHECK constraint lists the roles; SQLite cannot alter a CHECK, so the table is
recreated with batch_alter_table (PostgreSQL gets a plain DROP/ADD CONSTRAINT).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OLD_ROLES = ("admin", "treasurer", "manager", "officer", "auditor", "member")
NEW_ROLES = OLD_ROLES + ("facilitator",)
# The vocabularies as of this revision (not imported from the app: it may change after this file).
SESSION_KINDS = ("counselling", "money_management", "literacy", "arts", "sport", "internet", "religion",
                 "caregiver_workshop")
SCHOOL_STATUSES = ("enrolled", "not_enrolled", "dropped_out", "preschool")
CONSENT_METHODS = ("written", "thumbprint", "verbal")
CONSENT_RELATIONSHIPS = ("parent", "guardian")
CONTACT_METHODS = ("call", "video_call", "visit")


def _roles_check(roles) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def _recreate_roles_check(roles) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("users", schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
            batch_op.create_check_constraint(batch_op.f("ck_users_role_known"), _roles_check(roles))
        return
    # Batch mode copies users to a new table, drops the old one and renames the copy. With foreign keys
    # enforced, SQLite's implicit DELETE on that DROP trips every row pointing at a user (deferring does
    # not help: the counter is not undone by the rename). PRAGMA foreign_keys is a no-op inside a
    # transaction, so the transaction is ended around it; the references are checked before going on.
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys = OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        with op.batch_alter_table("users", schema=None, recreate="always") as batch_op:
            batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
            batch_op.create_check_constraint(batch_op.f("ck_users_role_known"), _roles_check(roles))
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"users recreated with broken references: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys = ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _in(col, values) -> str:
    return f"{col} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _tenant(table):
    return (sa.Column("cooperative_id", ID, nullable=False),
            sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"],
                                    name=op.f(f"fk_{table}_cooperative_id_cooperatives")))


def _fk(table, col, target):
    return sa.ForeignKeyConstraint([col], [f"{target}.id"], name=op.f(f"fk_{table}_{col}_{target}"))


def _indexes(table, cols):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for col in cols:
            batch_op.create_index(batch_op.f(f"ix_{table}_{col}"), [col], unique=False)


def _create_tables():
    op.create_table(
        "parenting_groups",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("facilitator", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("parenting_groups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_groups")),
        sa.UniqueConstraint("cooperative_id", "name", name=op.f("uq_parenting_groups_cooperative_id_name")),
    )
    _indexes("parenting_groups", ["cooperative_id"])

    op.create_table(
        "parenting_children",
        sa.Column("id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("household_id", ID, nullable=False),
        sa.Column("caregiver_resident_id", ID, nullable=False),
        sa.Column("group_id", ID, nullable=True),
        sa.Column("school_status", sa.String(length=20), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=True),
        sa.Column("consent_given_by_resident_id", ID, nullable=False),
        sa.Column("consent_relationship", sa.String(length=20), nullable=False),
        sa.Column("consent_given_on", sa.Date(), nullable=False),
        sa.Column("consent_method", sa.String(length=20), nullable=False),
        sa.Column("consent_withdrawn_on", sa.Date(), nullable=True),
        sa.Column("consent_withdrawal_reason", sa.Text(), nullable=True),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("parenting_children"),
        sa.CheckConstraint(_in("school_status", SCHOOL_STATUSES), name=op.f("ck_parenting_children_school_status_known")),
        sa.CheckConstraint(_in("consent_method", CONSENT_METHODS),
                           name=op.f("ck_parenting_children_consent_method_known")),
        sa.CheckConstraint(_in("consent_relationship", CONSENT_RELATIONSHIPS),
                           name=op.f("ck_parenting_children_consent_relationship_known")),
        sa.CheckConstraint("consent_withdrawn_on IS NULL OR consent_withdrawn_on >= consent_given_on",
                           name=op.f("ck_parenting_children_withdrawn_after_given")),
        _fk("parenting_children", "resident_id", "residents"),
        _fk("parenting_children", "household_id", "households"),
        _fk("parenting_children", "caregiver_resident_id", "residents"),
        _fk("parenting_children", "group_id", "parenting_groups"),
        _fk("parenting_children", "consent_given_by_resident_id", "residents"),
        _fk("parenting_children", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_children")),
        sa.UniqueConstraint("cooperative_id", "resident_id", name=op.f("uq_parenting_children_cooperative_id_resident_id")),
    )
    _indexes("parenting_children", ["caregiver_resident_id", "cooperative_id", "group_id", "household_id",
                                    "resident_id"])

    op.create_table(
        "parenting_child_parents",
        sa.Column("id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        *_tenant("parenting_child_parents"),
        _fk("parenting_child_parents", "child_id", "parenting_children"),
        _fk("parenting_child_parents", "resident_id", "residents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_child_parents")),
        sa.UniqueConstraint("cooperative_id", "child_id", "resident_id",
                            name=op.f("uq_parenting_child_parents_cooperative_id_child_id_resident_id")),
    )
    _indexes("parenting_child_parents", ["child_id", "cooperative_id", "resident_id"])

    op.create_table(
        "parenting_sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("group_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("facilitator", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("parenting_sessions"),
        sa.CheckConstraint(_in("kind", SESSION_KINDS), name=op.f("ck_parenting_sessions_kind_known")),
        _fk("parenting_sessions", "group_id", "parenting_groups"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_sessions")),
    )
    _indexes("parenting_sessions", ["cooperative_id", "group_id"])
    op.create_index("ix_parenting_sessions_coop_held", "parenting_sessions", ["cooperative_id", "held_on"])

    op.create_table(
        "parenting_attendance",
        sa.Column("id", ID, nullable=False),
        sa.Column("session_id", ID, nullable=False),
        sa.Column("resident_id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=True),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("pre_score", sa.Integer(), nullable=True),
        sa.Column("post_score", sa.Integer(), nullable=True),
        *_tenant("parenting_attendance"),
        sa.CheckConstraint(_in("role", ("child", "caregiver")), name=op.f("ck_parenting_attendance_role_known")),
        sa.CheckConstraint("(role = 'child') = (child_id IS NOT NULL)",
                           name=op.f("ck_parenting_attendance_child_role_has_child")),
        sa.CheckConstraint("pre_score IS NULL OR (pre_score >= 0 AND pre_score <= 100)",
                           name=op.f("ck_parenting_attendance_pre_score_range")),
        sa.CheckConstraint("post_score IS NULL OR (post_score >= 0 AND post_score <= 100)",
                           name=op.f("ck_parenting_attendance_post_score_range")),
        _fk("parenting_attendance", "session_id", "parenting_sessions"),
        _fk("parenting_attendance", "resident_id", "residents"),
        _fk("parenting_attendance", "child_id", "parenting_children"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_attendance")),
        sa.UniqueConstraint("cooperative_id", "session_id", "resident_id",
                            name=op.f("uq_parenting_attendance_cooperative_id_session_id_resident_id")),
    )
    _indexes("parenting_attendance", ["child_id", "cooperative_id", "resident_id", "session_id"])

    op.create_table(
        "parenting_contacts",
        sa.Column("id", ID, nullable=False),
        sa.Column("child_id", ID, nullable=False),
        sa.Column("parent_resident_id", ID, nullable=True),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_tenant("parenting_contacts"),
        sa.CheckConstraint(_in("method", CONTACT_METHODS), name=op.f("ck_parenting_contacts_method_known")),
        _fk("parenting_contacts", "child_id", "parenting_children"),
        _fk("parenting_contacts", "parent_resident_id", "residents"),
        _fk("parenting_contacts", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_contacts")),
    )
    _indexes("parenting_contacts", ["child_id", "cooperative_id", "parent_resident_id"])
    op.create_index("ix_parenting_contacts_child_on", "parenting_contacts",
                    ["cooperative_id", "child_id", "contacted_on"])


TABLES = ("parenting_contacts", "parenting_attendance", "parenting_sessions", "parenting_child_parents",
          "parenting_children", "parenting_groups")


def upgrade():
    _recreate_roles_check(NEW_ROLES)
    _create_tables()


def downgrade():
    for table in TABLES:
        op.drop_table(table)
    _recreate_roles_check(OLD_ROLES)
