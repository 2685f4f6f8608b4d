"""``coop.db.adopt``: an object built from a Core row is the session's persistent object, as if the ORM's
loader had read it (identity map, no pending history, columns left out load on first use, relationships
keep their lazy loaders, changes flush), without a ``Session.add`` cascade or attach events."""
from __future__ import annotations

import sqlalchemy as sa

from coop.auth.models import Cooperative, User
from coop.db import adopt, db


def _values(obj, model) -> dict:
    return {col.key: getattr(obj, col.key) for col in model.__table__.c}


def _statements(engine):
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_a, **_k):
        seen.append(statement)
    sa.event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: sa.event.remove(engine, "before_cursor_execute", record)


def test_an_adopted_object_is_persistent_in_the_identity_map_and_read_without_sql(app, coop):
    """Is the adopted cooperative persistent, in this session, unmodified, the one ``session.get`` and a
    second ``adopt`` return, all without a statement?"""
    values = _values(coop, Cooperative)
    db.session.expunge_all()
    seen, stop = _statements(db.engine)
    try:
        obj = adopt(Cooperative, values)
        state = sa.inspect(obj)
        assert state.persistent and obj in db.session and not state.modified
        assert db.session.get(Cooperative, values["id"]) is obj
        assert adopt(Cooperative, values) is obj
        assert obj.name == values["name"]
    finally:
        stop()
    assert seen == []


def test_a_column_left_out_loads_on_first_use_and_a_relationship_keeps_its_lazy_loader(app, coop, make_user):
    """Does a column missing from the row load from the database when first read (not answer None), and does a
    relationship not given load lazily (the user's cooperative)?"""
    user = make_user(coop, role="treasurer")
    values = _values(user, User)
    db.session.expunge_all()
    name = values.pop("full_name")
    cooperative_id = values["cooperative_id"]
    obj = adopt(User, values)
    assert "full_name" in sa.inspect(obj).expired_attributes
    assert obj.full_name == name
    assert obj.cooperative.id == cooperative_id


def test_a_change_to_an_adopted_object_flushes_as_an_update(app, coop):
    """Is an assignment to an adopted object tracked (history) and written by the next flush?"""
    values = _values(coop, Cooperative)
    db.session.expunge_all()
    obj = adopt(Cooperative, values)
    obj.name = "Koperasi Diubah"
    assert obj in db.session.dirty
    db.session.flush()
    db.session.expunge_all()
    assert db.session.get(Cooperative, values["id"]).name == "Koperasi Diubah"


def test_nothing_in_the_app_listens_for_attach_events_that_adopt_does_not_fire(app):
    """adopt puts objects in the identity map as the loader does, without Session.add's attach events: does
    no listener of the session exist that would then miss them?"""
    dispatch = db.session().dispatch
    assert not dispatch.before_attach and not dispatch.after_attach and not dispatch.detached_to_persistent
