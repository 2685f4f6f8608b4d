"""``coop.db.current_session`` and ``coop.db.session_get``: the hot path's shortcuts past the scoped session's
lookups and ``Session.get``'s option handling. They must give what ``db.session()`` and ``db.session.get``
give: the same session in each app context (a new context its own), the same loaded object, an expired object
read again, an unknown key None."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from coop.auth.models import Cooperative
from coop.db import current_session, db, dialect_name, is_sqlite, session_get
from tests.fixtures_ledger import recorded_statements


def test_it_is_the_session_of_each_app_context(app):
    """In the test's app context, in a request context pushed on top (the same app context: the same session)
    and in a second app context (its own session), ``current_session()`` is what ``db.session()`` gives."""
    assert current_session() is db.session()
    with app.test_request_context("/"):
        assert current_session() is db.session()
    outer = db.session()
    with app.app_context():
        inner = current_session()
        assert inner is db.session() and inner is not outer
    assert current_session() is outer


def test_session_get_answers_a_loaded_object_without_sql_and_reads_an_expired_one_again(app, coop):
    """A loaded cooperative comes back from the identity map with no statement; after ``expire`` it is read
    again (as ``Session.get`` does: the renamed name shows); an id no row has is None."""
    loaded = db.session.get(Cooperative, coop.id)
    with recorded_statements() as seen:
        assert session_get(Cooperative, coop.id) is loaded
    assert seen == []
    db.session.execute(sa.update(Cooperative).where(Cooperative.id == coop.id).values(name="Koperasi Baru"))
    db.session.expire(loaded)
    with recorded_statements() as seen:
        again = session_get(Cooperative, coop.id)
    assert again is loaded and again.name == "Koperasi Baru" and len(seen) == 1
    assert session_get(Cooperative, 999_999_999) is None


def test_the_dialect_is_the_binds_outside_and_inside_a_transaction(app):
    """``dialect_name`` (read from the open transaction's connection when there is one) and ``is_sqlite`` say
    what ``get_bind()`` says, before the session's transaction began and inside it."""
    expected = db.session.get_bind().dialect.name
    db.session.commit()
    assert dialect_name(current_session()) == expected and is_sqlite() == (expected == "sqlite")
    db.session.execute(sa.select(1))
    assert current_session().in_transaction()
    assert dialect_name(current_session()) == expected and is_sqlite() == (expected == "sqlite")


def test_inside_a_transaction_the_dialect_comes_from_its_connection(app, monkeypatch):
    """In an open transaction ``dialect_name`` asks the transaction's Connection, not ``get_bind()`` (the
    shortcut the hot path takes): with ``get_bind`` made to fail it still answers; outside a transaction it
    asks ``get_bind`` again."""
    expected = db.session.get_bind().dialect.name
    db.session.execute(sa.select(1))
    session = current_session()

    def no_bind(*_a, **_k):
        raise AssertionError("get_bind() asked")
    monkeypatch.setattr(session, "get_bind", no_bind)
    assert dialect_name(session) == expected
    session.commit()
    with pytest.raises(AssertionError, match="get_bind"):
        dialect_name(session)
