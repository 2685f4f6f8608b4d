"""PostgreSQL refuses an unbalanced journal entry at commit (deferred constraint trigger)

django-hordak's approach: a constraint trigger, DEFERRABLE INITIALLY DEFERRED, runs at COMMIT for every
entry and posting inserted in the transaction and refuses the commit unless the entry has at least two
postings and its debits equal its credits. The application checks this first (coop.ledger.services.
post_entries); the database guarantees it against any other writer (a psql session, a faulty script).
SQLite has no deferred triggers: a no-op there (entries are append-only on both, revision 0002).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION coop_entry_balanced() RETURNS trigger AS $$
        DECLARE
          eid bigint;
          n bigint;
          dr numeric;
          cr numeric;
        BEGIN
          IF TG_TABLE_NAME = 'journal_entries' THEN eid := NEW.id; ELSE eid := NEW.entry_id; END IF;
          SELECT count(*), coalesce(sum(debit), 0), coalesce(sum(credit), 0) INTO n, dr, cr
            FROM postings WHERE entry_id = eid;
          IF n < 2 OR dr <> cr THEN
            RAISE EXCEPTION 'journal entry % is unbalanced: % postings, debit %, credit %', eid, n, dr, cr
              USING ERRCODE = 'check_violation';
          END IF;
          RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """
    )
    for table in ("journal_entries", "postings"):
        op.execute(
            f"CREATE CONSTRAINT TRIGGER trg_{table}_balanced AFTER INSERT ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION coop_entry_balanced()"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("journal_entries", "postings"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_balanced ON {table}")
    op.execute("DROP FUNCTION IF EXISTS coop_entry_balanced()")
