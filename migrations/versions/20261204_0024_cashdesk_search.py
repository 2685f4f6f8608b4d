"""The cash desk's name search by index (issue 17): member_search_keys, a trigram table kept by triggers

``coop.membership.services.search`` found a name fragment with ``lower(full_name) LIKE '%x%'`` over every member
(15.8 ms at 20,000 members against 3.5 ms at 200, ``bench/bench_cashdesk_pages.py``). Now every three-character
piece of a member's lower-cased name and member number is a row of ``member_search_keys`` keyed (cooperative,
piece, member); a search reads only the members holding the rarest pieces of what was typed, and the old
condition then checks them, so the results are the same. A plain table, not SQLite FTS5 or pg_trgm: the schema
stays the models' (FTS5's virtual and shadow tables are no model), and both databases answer the same way
without an extension to install.

The database keeps the table, whoever writes the names: triggers rebuild a member's rows after an INSERT into
``members``, a change of its ``member_number`` or ``resident_id``, and a change of its resident's
``full_name``; a member's rows go with it (``ON DELETE CASCADE``). The pieces are cut in SQL (SQLite: the
positions from ``json_each`` of a literal list, as triggers take no CTE; PostgreSQL: ``generate_series``).
The upgrade fills the table for the members already there.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

#: the longest text cut into pieces: residents.full_name is String(200), members.member_number String(40)
_LONGEST = 200
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_POSITIONS = "[" + ",".join(str(i) for i in range(1, _LONGEST + 1)) + "]"

# ---- SQLite: the rows of the members matching ``{where}`` (the trigger's NEW row in it): name, then number ----
_SQLITE_INSERT = (
    "INSERT OR IGNORE INTO member_search_keys (cooperative_id, key, member_id) "
    "SELECT m.cooperative_id, substr(lower(r.full_name), p.value, 3), m.id "
    "FROM members m JOIN residents r ON r.id = m.resident_id, json_each('" + _POSITIONS + "') p "
    "WHERE {where} AND p.value <= length(r.full_name) - 2; "
    "INSERT OR IGNORE INTO member_search_keys (cooperative_id, key, member_id) "
    "SELECT m.cooperative_id, substr(lower(m.member_number), p.value, 3), m.id "
    "FROM members m, json_each('" + _POSITIONS + "') p "
    "WHERE {where} AND p.value <= length(m.member_number) - 2"
)

_SQLITE_TRIGGERS = {
    "member_search_keys_member_insert":
        "AFTER INSERT ON members BEGIN " + _SQLITE_INSERT.format(where="m.id = NEW.id") + "; END",
    "member_search_keys_member_update":
        "AFTER UPDATE OF member_number, resident_id ON members "
        "WHEN OLD.member_number IS NOT NEW.member_number OR OLD.resident_id IS NOT NEW.resident_id BEGIN "
        "DELETE FROM member_search_keys WHERE member_id = NEW.id; "
        + _SQLITE_INSERT.format(where="m.id = NEW.id") + "; END",
    "member_search_keys_resident_update":
        "AFTER UPDATE OF full_name ON residents WHEN OLD.full_name IS NOT NEW.full_name BEGIN "
        "DELETE FROM member_search_keys WHERE member_id IN (SELECT id FROM members WHERE resident_id = NEW.id); "
        + _SQLITE_INSERT.format(where="m.resident_id = NEW.id") + "; END",
}

# ---- PostgreSQL: one function rebuilds the rows of the members of a resident or of one member ----
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION member_search_keys_rebuild(p_member_id bigint, p_resident_id bigint) RETURNS void AS $$
BEGIN
    DELETE FROM member_search_keys WHERE member_id IN (
        SELECT id FROM members WHERE id = p_member_id OR resident_id = p_resident_id);
    INSERT INTO member_search_keys (cooperative_id, key, member_id)
    SELECT DISTINCT m.cooperative_id, substr(t.s, p, 3), m.id
    FROM members m JOIN residents r ON r.id = m.resident_id
    CROSS JOIN LATERAL (VALUES (lower(r.full_name)), (lower(m.member_number))) AS t(s)
    CROSS JOIN LATERAL generate_series(1, length(t.s) - 2) AS p
    WHERE m.id = p_member_id OR m.resident_id = p_resident_id
    ON CONFLICT DO NOTHING;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION member_search_keys_of_member() RETURNS trigger AS $$
BEGIN
    PERFORM member_search_keys_rebuild(NEW.id, NULL);
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION member_search_keys_of_resident() RETURNS trigger AS $$
BEGIN
    PERFORM member_search_keys_rebuild(NULL, NEW.id);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
"""

_PG_TRIGGERS = """
CREATE TRIGGER member_search_keys_member_insert AFTER INSERT ON members
    FOR EACH ROW EXECUTE FUNCTION member_search_keys_of_member();
CREATE TRIGGER member_search_keys_member_update AFTER UPDATE OF member_number, resident_id ON members
    FOR EACH ROW WHEN (OLD.member_number IS DISTINCT FROM NEW.member_number
                       OR OLD.resident_id IS DISTINCT FROM NEW.resident_id)
    EXECUTE FUNCTION member_search_keys_of_member();
CREATE TRIGGER member_search_keys_resident_update AFTER UPDATE OF full_name ON residents
    FOR EACH ROW WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name)
    EXECUTE FUNCTION member_search_keys_of_resident();
"""

_PG_BACKFILL = """
INSERT INTO member_search_keys (cooperative_id, key, member_id)
SELECT DISTINCT m.cooperative_id, substr(t.s, p, 3), m.id
FROM members m JOIN residents r ON r.id = m.resident_id
CROSS JOIN LATERAL (VALUES (lower(r.full_name)), (lower(m.member_number))) AS t(s)
CROSS JOIN LATERAL generate_series(1, length(t.s) - 2) AS p
ON CONFLICT DO NOTHING
"""


def upgrade():
    op.create_table(
        "member_search_keys",
        sa.Column("cooperative_id", ID, nullable=False),
        sa.Column("key", sa.String(length=12), nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.ForeignKeyConstraint(["cooperative_id"], ["cooperatives.id"],
                                name=op.f("fk_member_search_keys_cooperative_id_cooperatives")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE",
                                name=op.f("fk_member_search_keys_member_id_members")),
        sa.PrimaryKeyConstraint("cooperative_id", "key", "member_id", name=op.f("pk_member_search_keys")),
    )
    op.create_index(op.f("ix_member_search_keys_member_id"), "member_search_keys", ["member_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGERS)
        op.execute(_PG_BACKFILL)
    else:
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        for statement in _SQLITE_INSERT.format(where="1 = 1").split("; "):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS member_search_keys_resident_update ON residents")
        op.execute("DROP TRIGGER IF EXISTS member_search_keys_member_update ON members")
        op.execute("DROP TRIGGER IF EXISTS member_search_keys_member_insert ON members")
        op.execute("DROP FUNCTION IF EXISTS member_search_keys_of_resident()")
        op.execute("DROP FUNCTION IF EXISTS member_search_keys_of_member()")
        op.execute("DROP FUNCTION IF EXISTS member_search_keys_rebuild(bigint, bigint)")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index(op.f("ix_member_search_keys_member_id"), table_name="member_search_keys")
    op.drop_table("member_search_keys")
