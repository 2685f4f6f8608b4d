"""One shape for the read-then-post race tests (real commits, both engines): a service runs in its unit of
work; right after one of its reads (a monkeypatched function), another unit of work starts on a thread and
gets 1 s to commit before the service goes on to post. A service that locks what the other one writes BEFORE
that read makes it wait (SQLite: the writer lock held from the unit of work's first statement; PostgreSQL:
the lock); one that does not lets it commit under its stale read."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from coop.db import atomic, db


def run_while(app, monkeypatch, target: Any, name: str, main: Callable[[], Any], meanwhile: Callable[[], Any],
              when: Callable[..., bool] = lambda *a, **k: True,
              refused: type[BaseException] | None = None) -> tuple[Any, list[BaseException]]:
    """``atomic(main)``; the first call of ``target.name`` (where ``when(*args, **kw)``) returns, then
    ``meanwhile`` (its own app context; it commits with ``atomic`` itself) starts on a thread and is joined
    for 1 s; ``main`` goes on. :returns: what ``main`` returned and what ``meanwhile`` raised (what ``main``
    raises is raised, after the thread ended; ``refused``: an error of that type, its unit of work rolled
    back, is returned as what ``main`` returned)."""
    errors: list[BaseException] = []

    def _other():
        with app.app_context():
            try:
                meanwhile()
            except BaseException as exc:  # noqa: BLE001 -- reported to the test
                errors.append(exc)
            finally:
                db.session.remove()

    real, other = getattr(target, name), threading.Thread(target=_other)

    def read_then_others_commit(*args, **kw):
        out = real(*args, **kw)
        if other.ident is None and when(*args, **kw):
            other.start()
            other.join(timeout=1)
        return out

    monkeypatch.setattr(target, name, read_then_others_commit)
    try:
        with app.app_context():
            try:
                result = atomic(main)
            except BaseException as exc:
                if refused is None or not isinstance(exc, refused):
                    raise
                result = exc
            finally:
                db.session.remove()
    finally:  # also when ``main`` raised (its unit of work rolled back): the thread ends before the test goes on
        if other.ident is not None:
            other.join(timeout=60)
        monkeypatch.setattr(target, name, real)
        assert not other.is_alive()
        assert other.ident is not None, "the hook never ran: the test proves nothing"
    return result, errors


def committed(app, fn: Callable[[], Any]) -> Any:
    """``fn()`` in its own unit of work, committed, in an app context of its own (a test's set-up before the
    concurrent part). :returns: what ``fn`` returned."""
    with app.app_context():
        try:
            return atomic(fn)
        finally:
            db.session.remove()


def cooperative_with_member(name: str, nik: str, kk: str, full_name: str):
    """Inside a unit of work: a new cooperative ``name`` (its chart and the default savings products) with one
    member, ``full_name`` (a woman of Tulungagung, head of her household, born on the day her NIK says: digits
    7-12 are DDMMYY, DD + 40 for a woman), who joined on 2 January 2025. :returns: (cooperative, member)."""
    from coop.auth.services import create_cooperative
    from coop.ledger.services import create_chart
    from coop.membership.services import register_member
    from coop.registry.services import create_resident
    from coop.savings import services as savings

    c = create_cooperative(name=name, village_code="3504042001")
    create_chart(c.id)
    savings.seed_defaults(c.id)
    r = create_resident(c.id, {"nik": nik, "kk_number": kk, "full_name": full_name, "sex": "F",
                               "birth_place": "Tulungagung", "birth_date": _born(nik),
                               "village_code": "3504042001", "relationship": "kepala_keluarga",
                               "status": "hidup"}, actor=None)
    return c, register_member(c.id, r.id, date(2025, 1, 2), actor=None)


def _born(nik: str) -> date:
    day, month, year = int(nik[6:8]) - 40, int(nik[8:10]), int(nik[10:12])
    return date(1900 + year, month, day)
