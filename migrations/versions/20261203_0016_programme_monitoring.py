"""Programme monitoring: service-level users (coordinator with a region, service_admin) without a
cooperative, and frozen programme snapshots

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# The vocabularies as of this revision (not imported from the app: it may change after this file).
OLD_ROLES = ("admin", "treasurer", "manager", "officer", "auditor", "member", "facilitator")
SERVICE_ROLES = ("coordinator", "service_admin")
NEW_ROLES = OLD_ROLES + SERVICE_ROLES
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _in(col, values) -> str:
    return f"{col} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _alter_users(batch_op, *, up: bool) -> None:
    batch_op.drop_constraint(batch_op.f("ck_users_role_known"), type_="check")
    if up:
        batch_op.add_column(sa.Column("region", sa.String(length=6), nullable=True))
        batch_op.alter_column("cooperative_id", existing_type=ID,
                              nullable=True)
        batch_op.create_check_constraint(batch_op.f("ck_users_role_known"), _in("role", NEW_ROLES))
        batch_op.create_check_constraint(batch_op.f("ck_users_service_roles_without_cooperative"),
                                         f"(cooperative_id IS NULL) = ({_in('role', SERVICE_ROLES)})")
        batch_op.create_check_constraint(batch_op.f("ck_users_region_only_for_coordinator"),
                                         "region IS NULL OR role = 'coordinator'")
    else:
        batch_op.drop_constraint(batch_op.f("ck_users_service_roles_without_cooperative"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_users_region_only_for_coordinator"), type_="check")
        batch_op.drop_column("region")
        batch_op.alter_column("cooperative_id", existing_type=ID,
                              nullable=False)
        batch_op.create_check_constraint(batch_op.f("ck_users_role_known"), _in("role", OLD_ROLES))


def _recreate_users(*, up: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("users", schema=None) as batch_op:
            _alter_users(batch_op, up=up)
        return
    # As in revision 0007: batch mode copies users to a new table and drops the old one; with foreign
    # keys enforced SQLite's implicit DELETE on that DROP trips every row pointing at a user, so the
    # transaction is ended around PRAGMA foreign_keys and the references are checked before going on.
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys = OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        with op.batch_alter_table("users", schema=None, recreate="always") as batch_op:
            _alter_users(batch_op, up=up)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"users recreated with broken references: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    finally:
        bind.exec_driver_sql("PRAGMA foreign_keys = ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade():
    _recreate_users(up=True)
    op.create_table(
        "programme_snapshots",
        sa.Column("id", ID, nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by_id", ID, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.CheckConstraint("length(region) IN (2, 4, 6)", name=op.f("ck_programme_snapshots_region_code_length")),
        sa.ForeignKeyConstraint(["taken_by_id"], ["users.id"], name=op.f("fk_programme_snapshots_taken_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_snapshots")),
        sa.UniqueConstraint("region", "period", name=op.f("uq_programme_snapshots_region_period")),
    )


def downgrade():
    op.drop_table("programme_snapshots")
    op.execute("DELETE FROM users WHERE cooperative_id IS NULL")
    _recreate_users(up=False)
