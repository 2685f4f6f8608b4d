"""``coop.db.connection``: the session's Connection, kept from the transaction's BEGIN to its end, so the hot
path's Core statements skip ``session.connection()``; it must still be the session's connection in every
transaction, and a SAVEPOINT the session opens lazily must still be opened (statements inside it roll back
with it)."""
from __future__ import annotations

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
