"""community parenting: the facilitator role and the parenting tables

The users table's CHECK constraint lists the roles; SQLite cannot alter a CHECK, so the table is
recreated with batch_alter_table (PostgreSQL gets a plain DROP/ADD CONSTRAINT).

Revision ID: 0007
Revises: 0002
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_ROLES = ("admin", "treasurer", "manager", "officer", "auditor", "member")
NEW_ROLES = OLD_ROLES + ("facilitator",)


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


def upgrade():
    _recreate_roles_check(NEW_ROLES)


def downgrade():
    _recreate_roles_check(OLD_ROLES)
