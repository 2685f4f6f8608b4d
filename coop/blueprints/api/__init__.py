"""JSON API v1 (API.md): bearer tokens, marshmallow schemas, the error envelope, cursor pagination,
Idempotency-Key on money-moving POSTs, and an OpenAPI document built from the same schemas."""
from __future__ import annotations

import base64
import functools
import hashlib
import json
from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, g, make_response, request
from marshmallow import Schema
from marshmallow import ValidationError as MMValidationError
from sqlalchemy.exc import IntegrityError

from coop.auth.models import IdempotentRequest, User
from coop.auth.roles import FACILITATOR
from coop.auth.services import token_for_raw
from coop.db import Prepared, db, unit_of_work, utcnow
from coop.errors import Forbidden, IdempotencyConflict, Unauthorized, ValidationError
from coop.paging import keyset_rows
from coop.spreadsheet import ILLEGAL_CHARACTERS_RE

api = Blueprint("api", __name__, url_prefix="/api/v1")

#: Endpoints that need no bearer token.
PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi_json", "api.openapi_page"}


@api.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
        return None
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("Token tidak ada. Kirim header 'Authorization: Bearer <token>'.")
    token = token_for_raw(header[7:].strip(), now=utcnow())
    if token is None:
        raise Unauthorized("Token tidak valid atau kedaluwarsa.", code="invalid_token")
    g.api_token = token
    g.api_user = token.user
    if token.user.role == FACILITATOR and not _facilitator_may_call(request.endpoint):
        raise Forbidden("Peran Anda tidak boleh melakukan ini.")
    if token.user.cooperative_id is None and _module_of(request.endpoint) not in SERVICE_MODULES:
        # a coordinator or service admin has no cooperative: every cooperative endpoint is a 403
        raise Forbidden("Peran Anda tidak boleh melakukan ini.")
    return None


#: API modules a facilitator may call: their own account, and community parenting (nothing else, even
#: endpoints that let any other logged-in role read).
FACILITATOR_MODULES = ("coop.blueprints.api.auth", "coop.blueprints.api.parenting")


#: API modules a user without a cooperative (coordinator, service admin) may call: their own account and
#: programme monitoring.
SERVICE_MODULES = ("coop.blueprints.api.auth", "coop.blueprints.api.programme")


def _module_of(endpoint: str) -> str:
    return getattr(current_app.view_functions.get(endpoint), "__module__", "")


def _facilitator_may_call(endpoint: str) -> bool:
    return _module_of(endpoint) in FACILITATOR_MODULES


def current_api_user() -> User:
    return g.api_user


def roles(*allowed: str):
    """The API user must have one of ``allowed`` roles (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if g.api_user.role not in allowed:
                raise Forbidden("Peran Anda tidak boleh melakukan ini.")
            return view(*args, **kwargs)
        wrapped._apidoc = getattr(view, "_apidoc", {})
        wrapped._coop_roles = allowed
        return wrapped
    return decorator


def doc(*, summary: str, body: type[Schema] | Schema | None = None, query: type[Schema] | None = None,
        response: type[Schema] | Schema | None = None, status: int = 200, tags: list[str] | None = None,
        errors: tuple[int, ...] = (401, 403, 404, 422), content_type: str = "application/json",
        body_content_type: str = "application/json"):
    """Describe an endpoint for the OpenAPI document (schemas are the ones the view really uses).
    ``body_content_type="multipart/form-data"`` documents an upload."""
    def decorator(view):
        view._apidoc = {"summary": summary, "body": body, "query": query, "response": response,
                        "status": status, "tags": tags or [], "errors": errors, "content_type": content_type,
                        "body_content_type": body_content_type}
        return view
    return decorator


def json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError("Badan permintaan harus objek JSON.", code="invalid_json")
    return data


@functools.cache
def schema_instance(schema: type[Schema]) -> Schema:
    """One instance per schema class: building one deep-copies every declared field (a tenth of a small
    request's Python); ``load``/``dump`` keep no state on the instance, so it is shared."""
    return schema()


def load(schema: Schema | type[Schema], data: dict | None = None, *, partial=False) -> dict:
    """Validate input with a marshmallow schema; field errors become a 422 envelope."""
    if isinstance(schema, type):
        schema = schema_instance(schema)
    try:
        result = schema.load(json_body() if data is None else data, partial=partial)
    except MMValidationError as exc:
        fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        raise ValidationError("Data tidak valid.", fields=_flatten(fields)) from None
    too_big = _out_of_int64(result)
    if too_big:
        raise ValidationError("Data tidak valid.", fields={too_big: ["Angka terlalu besar."]})
    if data is None:
        bad = _control_characters(result)
        if bad:
            raise ValidationError("Data tidak valid.", fields={
                path: ["Teks tidak boleh berisi karakter kontrol (mis. NUL)."] for path in bad})
    return result


def _control_characters(value, path: str = "") -> list[str]:
    """Every text field of a JSON body holding a control character (NUL, vertical tab ...): PostgreSQL
    refuses NUL in text and XLSX/PDF exports cannot hold the others, so they are refused at the door."""

    if isinstance(value, str):
        return [path or "_schema"] if ILLEGAL_CHARACTERS_RE.search(value) else []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list | tuple) else ()
    found: list[str] = []
    for key, item in items:
        found += _control_characters(item, f"{path}.{key}" if path else str(key))
    return found


INT64_MAX = 2**63 - 1


def _out_of_int64(value, path: str = "") -> str | None:
    """The first field holding an integer no database column can store (a 422, never an overflow 500)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (path or "_schema") if abs(value) > INT64_MAX else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list | tuple) else ()
    for key, item in items:
        found = _out_of_int64(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None


def load_args(schema: Schema | type[Schema]) -> dict:
    """Validate the query string."""
    return load(schema, request.args.to_dict())


def _flatten(messages: dict) -> dict:
    out = {}
    for k, v in messages.items():
        if isinstance(v, dict):
            for k2, v2 in _flatten(v).items():
                out[f"{k}.{k2}"] = v2
        else:
            out[str(k)] = [str(x) for x in (v if isinstance(v, list) else [v])]
    return out


def _encode_cursor(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode_cursor(raw: str):
    try:
        return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except Exception:
        raise ValidationError("Cursor tidak valid.", fields={"cursor": ["tidak valid"]}) from None


def page_params() -> tuple[int, int | None]:
    """``limit`` (default 50, max 500) and the id after which to continue."""
    raw_limit = request.args.get("limit", "50")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 500:
        raise ValidationError("limit harus 1 sampai 500.", fields={"limit": ["harus 1 sampai 500"]})
    raw_cursor = request.args.get("cursor")
    after = None
    if raw_cursor:
        after = _decode_cursor(raw_cursor)
        if not isinstance(after, int) or isinstance(after, bool):
            raise ValidationError("Cursor tidak valid.", fields={"cursor": ["tidak valid"]})
    return int(raw_limit), after


def cursor_page(stmt, id_column, dump) -> dict:
    """Keyset pagination on an ascending integer id: ``{"items": [...], "next_cursor": ...}``."""
    rows, more = keyset_rows(stmt, id_column, *page_params())
    return {"items": [dump(r) for r in rows],
            "next_cursor": _encode_cursor(rows[-1].id) if more and rows else None}


@functools.cache
def _stored_response() -> Prepared:
    """A plain row on the DBAPI cursor (coop.db.Prepared): the ORM's entity path, even Core's execute, costs
    more Python than the lookup."""
    t = IdempotentRequest.__table__
    return Prepared(sa.select(t.c.request_hash, t.c.status, t.c.response_body).where(
        t.c.cooperative_id == sa.bindparam("cid", type_=t.c.cooperative_id.type),
        t.c.key == sa.bindparam("key", type_=t.c.key.type)))


_STORED_COLUMNS = ("cooperative_id", "key", "request_hash", "status", "response_body", "created_at")


@functools.cache
def _store_response() -> Prepared:
    t = IdempotentRequest.__table__
    return Prepared(t.insert().values({c: sa.bindparam(c + "_v", type_=t.c[c].type) for c in _STORED_COLUMNS}))


def idempotent(view):
    """Honour ``Idempotency-Key``: a replay with the same body returns the stored status and body; the
    same key with another body is ``409 idempotency_conflict``. Effects and the stored response commit
    in one unit of work, so concurrent duplicates produce one effect.

    Put it under ``@roles``. Should it ever sit above, the roles of the view are still checked before a
    stored response is looked up: a caller who may not call the endpoint never sees a stored body nor
    learns (409 vs 403) which keys exist."""
    allowed = getattr(view, "_coop_roles", None)

    @wraps(view)
    def wrapped(*args, **kwargs):
        if allowed is not None and g.api_user.role not in allowed:
            raise Forbidden("Peran Anda tidak boleh melakukan ini.")
        key = request.headers.get("Idempotency-Key")
        if not key:
            return view(*args, **kwargs)
        if len(key) > 128:
            raise ValidationError("Idempotency-Key terlalu panjang (maks. 128).",
                                  fields={"Idempotency-Key": ["maks. 128 karakter"]})
        user = g.api_user
        fingerprint = hashlib.sha256(
            (request.method + " " + request.path + "\n").encode() + request.get_data()).hexdigest()
        for attempt in range(3):
            try:
                with unit_of_work():
                    conn = db.session.connection()
                    stored = _stored_response().run(conn, {"cid": user.cooperative_id, "key": key})
                    if stored:
                        request_hash, status, body = stored[0]
                        if request_hash != fingerprint:
                            raise IdempotencyConflict("Idempotency-Key sudah dipakai untuk permintaan lain.")
                        return Response(body, status=status, mimetype="application/json")
                    resp = make_response(view(*args, **kwargs))
                    if 200 <= resp.status_code < 300:  # one INSERT (a duplicate key raises IntegrityError)
                        _store_response().run(conn, {  # the view's pending ORM rows flush at commit
                            "cooperative_id_v": user.cooperative_id, "key_v": key, "request_hash_v": fingerprint,
                            "status_v": resp.status_code, "response_body_v": resp.get_data(as_text=True),
                            "created_at_v": utcnow()})
                    return resp
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
        raise AssertionError("unreachable")
    wrapped._apidoc = getattr(view, "_apidoc", {})
    return wrapped


# Register the endpoint modules (import for their side effect of adding routes to ``api``).
from coop.blueprints.api import (  # noqa: E402,F401
    auth,
    desk,
    exports,
    ledger,
    loans,
    members,
    openapi,
    outreach,
    parenting,
    programme,
    receipts,
    registry,
    remittances,
    training,
)
