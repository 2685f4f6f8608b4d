"""``coop.db.connection``: the session's Connection, kept from the transaction's BEGIN to its end, so the hot
path's Core statements skip ``session.connection()``; it must still be the session's connection in every
transaction, and a SAVEPOINT the session opens lazily must still be opened (statements inside it roll back
with it)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.auth.models import Cooperative
from coop.db import atomic, connection, db, read_session

_coops = Cooperative.__table__


def _name(cid: int) -> str:
    return connection().execute(sa.select(_coops.c.name).where(_coops.c.id == cid)).scalar_one()


def _rename(cid: int, name: str) -> None:
    connection().execute(_coops.update().where(_coops.c.id == cid).values(name=name))


def test_it_is_the_session_connection_in_each_transaction(app, coop):
    """Is ``connection()`` the very object ``session.connection()`` returns, in two transactions one after
    the other, and forgotten once each ends?"""
    seen = []

    def work():
        seen.append((connection(), db.session.connection()))
        seen.append((connection(), db.session.connection()))
    atomic(work)
    atomic(work)
    assert all(ours is theirs for ours, theirs in seen)
    assert db.session.info.get("coop_connection") is None  # forgotten when the transaction ended


def test_a_statement_inside_a_rolled_back_savepoint_is_rolled_back(app, coop):
    """Would a statement run through ``connection()`` right after ``begin_nested`` escape the SAVEPOINT
    (the session emits SAVEPOINT only on its next ``connection()``)? It must not."""
    def work():
        _rename(coop.id, "Sebelum")
        try:
            with db.session.begin_nested():
                _rename(coop.id, "Di dalam savepoint")
                assert _name(coop.id) == "Di dalam savepoint"
                raise RuntimeError("dibatalkan")
        except RuntimeError:
            pass
        return _name(coop.id)
    assert atomic(work) == "Sebelum"
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).name == "Sebelum"


def test_a_committed_savepoint_keeps_its_statement(app, coop):
    """A SAVEPOINT released, then more statements in the same transaction: all of them committed."""
    def work():
        with db.session.begin_nested():
            _rename(coop.id, "Disimpan")
        _rename(coop.id, _name(coop.id) + " lagi")
    atomic(work)
    db.session.expire_all()
    assert db.session.get(Cooperative, coop.id).name == "Disimpan lagi"


def test_inside_read_session_it_is_the_session_choice(app, coop):
    """In a read block the session may pick the replica: ``connection()`` never answers with a remembered
    main-database connection there."""
    with read_session():
        assert connection() is db.session.connection()
        assert db.session.info.get("coop_connection") is None


def test_prepared_statements_share_one_cursor_and_a_failed_one_is_not_kept(app, coop):
    """Do a unit of work's Prepared statements run on ONE DBAPI cursor (kept on the pooled connection), and is
    the cursor of a statement the database refused closed and replaced, the next statement still answering?"""
    from coop.db import Prepared

    cid, coop_name = coop.id, coop.name
    name = Prepared(sa.select(_coops.c.name).where(_coops.c.id == sa.bindparam("cid", type_=_coops.c.id.type)))
    broken = Prepared(sa.select(sa.text("no_such_column")).select_from(_coops))
    cursors: list = []  # (the statement's first word and table, the cursor) of each Prepared run

    def note(_conn, cursor, statement, *_a, **_k):
        if "cooperatives" in statement:
            cursors.append(cursor)

    def work():
        conn = connection()
        sa.event.listen(conn, "before_cursor_execute", note)
        try:
            first = name.run(conn, {"cid": cid})
            second = name.run(conn, {"cid": cid})
            assert first == second == [(coop_name,)]
            try:
                with db.session.begin_nested():  # the refused statement rolls back to here, not the whole unit
                    with pytest.raises(sa.exc.DBAPIError):
                        broken.run(connection())
                    raise _Undo
            except _Undo:
                pass
            return name.run(connection(), {"cid": cid})
        finally:
            sa.event.remove(conn, "before_cursor_execute", note)

    assert atomic(work) == [(coop_name,)]
    assert len(cursors) == 4
    assert cursors[0] is cursors[1] is cursors[2]  # each statement on the first's cursor, the refused one too
    assert cursors[3] is not cursors[2]  # the refused statement's cursor was not kept for the next one
    with pytest.raises(Exception, match="(?i)closed"):
        cursors[2].execute("SELECT 1")  # it was closed


class _Undo(Exception):
    pass


def test_the_last_commit_of_a_request_leaves_its_objects_loaded(app, coop):
    """After ``unit_of_work(last=True)`` commits, are the objects it loaded still loaded (reading one takes
    no statement), while a plain ``unit_of_work`` expires them (reading one reads it again)?"""
    from coop.db import unit_of_work

    cid, coop_name = coop.id, coop.name
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_a, **_k):
        statements.append(statement)

    for last, reads in ((True, 0), (False, 1)):
        db.session.expunge_all()
        with unit_of_work(last=last):
            loaded = db.session.get(Cooperative, cid)
        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            statements.clear()
            assert loaded.name == coop_name
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == reads, (last, statements)
