"""Append-only audit log of every write: actor, action, object, change summary, request id, time.

Services call :func:`record` after they change something. The request id comes from a context
variable that the web/CLI boundary sets (domain code never reads ``flask.request``).
"""
from __future__ import annotations

import contextvars
import functools
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from coop.audit.models import AuditLog
from coop.db import BulkInsert, Prepared, connection, db, utcnow

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("coop_request_id", default=None)


def _default(o: Any):
    if isinstance(o, (date, datetime)):
        return o.isoformat()
    if isinstance(o, Decimal):
        return str(o)
    return str(o)


#: ``json.dumps(..., default=_default, ensure_ascii=False, sort_keys=True)`` without building an encoder a call
_json = json.JSONEncoder(default=_default, ensure_ascii=False, sort_keys=True)


def record(actor, action: str, object_type: str, object_id: Any, summary: dict | None = None, *,
           cooperative_id: int | None = None) -> AuditLog:
    """Add an audit row to the current unit of work.

    :param actor: the acting user (or ``None`` for the system: jobs, demo loader).
    :param action: dotted verb, e.g. ``savings.deposit``.
    :param summary: small before/after summary; never a whole NIK (mask it first).
    """
    coop_id = cooperative_id if cooperative_id is not None else getattr(actor, "cooperative_id", None)
    row = AuditLog(
        cooperative_id=coop_id,
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        summary=_json.encode(summary or {}),
        request_id=request_id_var.get(),
        at=utcnow(),
    )
    db.session.add(row)
    return row


def shared_values(actor, action: str, object_type: str, *, cooperative_id: int | None = None) -> dict[str, Any]:
    """The columns every audit row of one write shares (cooperative, actor, action, object type, request id,
    time), by column name: for :func:`record_many`, and for a writer that inserts its audit rows in its own
    statement (the ledger's one-statement write on PostgreSQL, coop.ledger.services._written_in_one)."""
    coop_id = cooperative_id if cooperative_id is not None else getattr(actor, "cooperative_id", None)
    return {"cooperative_id": coop_id, "actor_id": getattr(actor, "id", None), "action": action,
            "object_type": object_type, "request_id": request_id_var.get(), "at": utcnow()}


def summary_text(summary: dict | None) -> str:
    """An audit row's ``summary`` column for ``summary`` (sorted-key JSON, as :func:`record` stores it)."""
    return _json.encode(summary or {})


def record_many(actor, action: str, object_type: str, items: list[tuple[Any, dict | None]], *,
                cooperative_id: int | None = None) -> int:
    """Audit many writes of one kind at once (bulk imports): one row per ``(object_id, summary)``, inserted
    in bulk in the current unit of work (:class:`coop.db.BulkInsert`). Returns the number of rows."""
    if not items:
        return 0
    shared = shared_values(actor, action, object_type, cooperative_id=cooperative_id)
    encode = _json.encode
    conn = connection()
    if len(items) == 1:  # the posting hot path: a statement prepared once (coop.db.Prepared)
        ((oid, summary),) = items
        _insert_one().run(conn, {**{f"{c}_v": v for c, v in shared.items()},
                                 "object_id_v": None if oid is None else str(oid),
                                 "summary_v": encode(summary or {})})
        return 1
    # bulk imports: the values all rows share processed once; COPY on PostgreSQL, an executemany of plain
    # tuples elsewhere (coop.db.BulkInsert, issue 17)
    rows = [{"object_id": None if oid is None else str(oid), "summary": encode(summary or {})}
            for oid, summary in items]
    _bulk_insert().run(conn, rows, shared=shared)
    return len(rows)


#: The columns an audit row is written with, in this order.
AUDIT_COLUMNS = ("cooperative_id", "actor_id", "action", "object_type", "object_id", "summary", "request_id", "at")


@functools.cache
def _bulk_insert() -> BulkInsert:
    return BulkInsert(AuditLog.__table__, AUDIT_COLUMNS)


@functools.cache
def _insert_one() -> Prepared:
    t = AuditLog.__table__
    return Prepared(t.insert().values({c: sa.bindparam(c + "_v", type_=t.c[c].type) for c in AUDIT_COLUMNS}))
