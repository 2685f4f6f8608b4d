"""The API's idempotency store (API.md "Idempotency-Key"): the response a money-moving POST gave, kept by
cooperative and key so that a replay returns it instead of moving money twice.

Both functions run inside the caller's unit of work (the request's, opened by the API's ``idempotent``
decorator), on its connection: the stored response commits together with the effects it describes. Plain
rows on the DBAPI cursor (:class:`coop.db.Prepared`): the ORM's entity path, even Core's execute, costs more
Python than the lookup itself (issue 17)."""
from __future__ import annotations

import functools
from datetime import datetime

import sqlalchemy as sa

from coop.auth.models import IdempotentRequest
from coop.db import Prepared, connection

_STORED_COLUMNS = ("cooperative_id", "key", "request_hash", "status", "response_body", "created_at")


@functools.cache
def _lookup() -> Prepared:
    t = IdempotentRequest.__table__
    return Prepared(sa.select(t.c.request_hash, t.c.status, t.c.response_body).where(
        t.c.cooperative_id == sa.bindparam("cid", type_=t.c.cooperative_id.type),
        t.c.key == sa.bindparam("key", type_=t.c.key.type)))


@functools.cache
def _insert() -> Prepared:
    t = IdempotentRequest.__table__
    return Prepared(t.insert().values({c: sa.bindparam(c + "_v", type_=t.c[c].type) for c in _STORED_COLUMNS}))


def stored_response(cooperative_id: int | None, key: str) -> tuple[str, int, str] | None:
    """``(request_hash, status, response_body)`` stored for ``key`` in the cooperative, or ``None``."""
    rows = _lookup().run(connection(), {"cid": cooperative_id, "key": key})
    if not rows:
        return None
    request_hash, status, body = rows[0]
    return request_hash, status, body


def store_response(cooperative_id: int | None, key: str, request_hash: str, status: int, body: str,
                   now: datetime) -> None:
    """One INSERT; a concurrent duplicate of the same key raises ``IntegrityError`` (the caller retries and
    then finds the stored response). The view's pending ORM rows flush at the unit of work's commit."""
    _insert().run(connection(), {
        "cooperative_id_v": cooperative_id, "key_v": key, "request_hash_v": request_hash, "status_v": status,
        "response_body_v": body, "created_at_v": now})
