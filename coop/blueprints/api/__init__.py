"""JSON API v1 (API.md): bearer tokens, marshmallow schemas, the error envelope, cursor pagination,
Idempotency-Key on money-moving POSTs, and an OpenAPI document built from the same schemas."""
from __future__ import annotations

import base64
import functools
import hashlib
import json
from copy import deepcopy
from functools import wraps

import flask
from flask import Response, current_app, g, make_response, request
from flask_smorest import Api as _SmorestApi
from flask_smorest import Blueprint as _SmorestBlueprint
from flask_smorest.utils import deepupdate
from marshmallow import Schema
from marshmallow import ValidationError as MMValidationError
from sqlalchemy.exc import IntegrityError
from webargs.flaskparser import FlaskParser

from coop.auth.idempotency import store_response, stored_response
from coop.auth.models import User
from coop.auth.roles import FACILITATOR
from coop.auth.schemas import ErrorSchema
from coop.auth.services import token_and_stored, token_for_raw
from coop.db import begin_writing, unit_of_work, utcnow
from coop.errors import Forbidden, IdempotencyConflict, Unauthorized, ValidationError
from coop.paging import keyset_rows
from coop.spreadsheet import ILLEGAL_CHARACTERS_RE

INT64_MAX = 2**63 - 1

ERROR_TEXT = {401: "Not authenticated", 403: "Role not allowed", 404: "Not found (or another cooperative's)",
              409: "State conflict", 413: "Payload too large", 422: "Invalid input (field errors)",
              429: "Too many attempts"}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


class _Parser(FlaskParser):
    """webargs' parser with the house rules of input: a body must be a JSON object (422 ``invalid_json``),
    unknown fields are whatever the schema says (marshmallow's RAISE unless its Meta says otherwise, in the
    query string too), field errors become the 422 envelope with flattened paths, and every loaded value is
    checked for integers no column can hold and (in a JSON body) control characters."""

    DEFAULT_UNKNOWN_BY_LOCATION = dict.fromkeys(FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION)

    def load_json(self, req, schema):
        return json_body()

    def _on_validation_error(self, error, req, schema, location, *, error_status_code, error_headers):
        raise ValidationError("Data tidak valid.", fields=_fields_of(error)) from None

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        result = super().parse(argmap, req, location=location, **kwargs)
        check_loaded(result, body=(location or self.location) == "json")
        return result


class Blueprint(_SmorestBlueprint):
    """flask-smorest's Blueprint: ``@api.arguments(Schema)`` / ``@api.arguments(Schema, location="query")``
    validate what the OpenAPI document shows, ``@api.response(status, Schema)`` dumps what it shows.
    ``@api.doc(summary=..., tags=[...], errors=(...))`` adds the summary and the error envelope responses;
    a route without any of these stays out of the document."""

    ARGUMENTS_PARSER = _Parser()

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, **options):
        if view_func is not None and not getattr(view_func, "_apidoc", None):
            options.pop("parameters", None)
            options.pop("tags", None)
            flask.Blueprint.add_url_rule(self, rule, endpoint, view_func, provide_automatic_options, **options)
            return
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, **options)

    def arguments(self, schema, *, location="json", **kwargs):
        """webargs' ``use_args`` with one shared instance per schema class; the 422 is documented by
        ``doc(errors=...)`` as the envelope (not flask-smorest's own error shape)."""
        parse = super().arguments(schema_instance(schema) if isinstance(schema, type) else schema,
                                  location=location, **kwargs)

        def decorator(func):
            wrapped = parse(func)
            wrapped._apidoc["arguments"].pop("responses", None)
            return wrapped
        return decorator

    def doc(self, *, summary: str, tags: list[str] | None = None,  # type: ignore[override]
            errors: tuple[int, ...] = (401, 403, 404, 422), status: int | None = None,
            content_type: str | None = None, upload: type[Schema] | None = None, **kwargs):
        """Summary, tags and the error responses (the envelope). ``status`` documents a success without a
        JSON body (204, or ``content_type`` for a file: PDF, CSV, XLSX ...); ``upload`` documents a
        ``multipart/form-data`` body the view reads with the bounded reader itself."""
        manual: dict = {"summary": summary, "tags": tags or [], **kwargs,
                        "responses": {str(code): {"description": ERROR_TEXT.get(code, "Error"),
                                                  "content": {"application/json": {"schema": ERROR_REF}}}
                                      for code in errors}}
        if status is not None or content_type is not None:
            ok: dict = {"description": "OK"}
            if content_type is not None:
                ok["content"] = {content_type: {"schema": {"type": "string"}}}
            manual["responses"][str(status or 200)] = ok

        def decorator(func):
            func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
            func._apidoc["manual_doc"] = deepupdate(func._apidoc.get("manual_doc", {}), manual)
            if upload is not None:
                func._apidoc.setdefault("arguments", {}).setdefault("parameters", []).append(
                    {"in": "files", "required": True, "schema": schema_instance(upload)})
            return func
        return decorator


class Api(_SmorestApi):
    """flask-smorest's Api building the document only: the app's own error handlers answer (the envelope
    under /api/v1, pages elsewhere) and coop.blueprints.api.openapi serves the document."""

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        return None


api = Blueprint("api", __name__, url_prefix="/api/v1")


#: Endpoints that need no bearer token.
PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi_json", "api.openapi_page"}


@api.before_request
def _authenticate():
    # every API request: the request is looked up once and the header read from the environ (the header
    # mapping raises and catches an exception for an absent one)
    req = request._get_current_object()
    endpoint = req.endpoint
    if endpoint in PUBLIC_ENDPOINTS or endpoint is None:
        return None
    header = req.environ.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer "):
        raise Unauthorized("Token tidak ada. Kirim header 'Authorization: Bearer <token>'.")
    view = current_app.view_functions.get(endpoint)
    ctx_g = g._get_current_object()
    if getattr(view, "_coop_writes", False):
        begin_writing()  # SQLite: the token is read in the unit of work's transaction (one BEGIN IMMEDIATE)
        # an Idempotency-Key's stored response read with the token (one statement): ``idempotent`` uses it;
        # a key it will refuse (422) is not sent to the database
        key = req.environ.get("HTTP_IDEMPOTENCY_KEY") or None
        if key is not None and _key_problem(key):
            key = None
        token, stored = token_and_stored(header[7:].strip(), now=utcnow(), idempotency_key=key)
        ctx_g.idempotency_read = (key, stored)
    else:
        token = token_for_raw(header[7:].strip(), now=utcnow())
    if token is None:
        raise Unauthorized("Token tidak valid atau kedaluwarsa.", code="invalid_token")
    user = token.user
    ctx_g.api_token = token
    ctx_g.api_user = user
    module = getattr(view, "__module__", "")
    if user.role == FACILITATOR and module not in FACILITATOR_MODULES:
        raise Forbidden("Peran Anda tidak boleh melakukan ini.")
    if user.cooperative_id is None and module not in SERVICE_MODULES:
        # a coordinator or service admin has no cooperative: every cooperative endpoint is a 403
        raise Forbidden("Peran Anda tidak boleh melakukan ini.")
    return None


#: API modules a facilitator may call: their own account, and community parenting (nothing else, even
#: endpoints that let any other logged-in role read).
FACILITATOR_MODULES = ("coop.blueprints.api.auth", "coop.blueprints.api.parenting")


#: API modules a user without a cooperative (coordinator, service admin) may call: their own account and
#: programme monitoring.
SERVICE_MODULES = ("coop.blueprints.api.auth", "coop.blueprints.api.programme")


def current_api_user() -> User:
    # through the context's own ``g`` (an attribute read on the ``g`` proxy first fails on the proxy and then
    # looks the context up: ~0.8 us, asked several times a request)
    return g._get_current_object().api_user


def roles(*allowed: str):
    """The API user must have one of ``allowed`` roles (403 otherwise)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_api_user().role not in allowed:
                raise Forbidden("Peran Anda tidak boleh melakukan ini.")
            return view(*args, **kwargs)
        wrapped._coop_roles = allowed
        return wrapped
    return decorator


def found_first(lookup):
    """Look the view's object up before its arguments are parsed, so an id that does not exist (or is
    another cooperative's) is a 404 before any 422: ``lookup(**view_args)`` raises NotFound. Put it above
    ``@api.arguments``. The object stays referenced on ``g.api_object``, so the service's own lookup of the
    same row is answered by the session's identity map."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            g._get_current_object().api_object = lookup(**kwargs)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def no_content() -> Response:
    """A 204 with an empty body (document it with ``@api.doc(..., status=204)``)."""
    return Response(status=204)


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


def _fields_of(exc: MMValidationError) -> dict:
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return _flatten(messages)


def check_loaded(result, *, body: bool) -> None:
    """422 for an integer no database column can store (never an overflow 500) and, in a JSON body, for
    text holding a control character."""
    too_big = _out_of_int64(result)
    if too_big:
        raise ValidationError("Data tidak valid.", fields={too_big: ["Angka terlalu besar."]})
    if body:
        bad = _control_characters(result)
        if bad:
            raise ValidationError("Data tidak valid.", fields={
                path: ["Teks tidak boleh berisi karakter kontrol (mis. NUL)."] for path in bad})


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


def _key_problem(key: str) -> tuple[str, str] | None:
    """Why an Idempotency-Key is refused (the message, the field's note), or None: longer than 128 characters,
    or holding a control character (PostgreSQL refuses NUL in text: it was a 500)."""
    if len(key) > 128:
        return "Idempotency-Key terlalu panjang (maks. 128).", "maks. 128 karakter"
    if not key.isprintable():
        return "Idempotency-Key tidak boleh berisi karakter kontrol.", "tanpa karakter kontrol"
    return None


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
        ctx_g = g._get_current_object()
        if allowed is not None and ctx_g.api_user.role not in allowed:
            raise Forbidden("Peran Anda tidak boleh melakukan ini.")
        req = request._get_current_object()
        key = req.environ.get("HTTP_IDEMPOTENCY_KEY")  # as request.headers.get, without its KeyError
        if not key:
            return view(*args, **kwargs)
        problem = _key_problem(key)
        if problem:
            raise ValidationError(problem[0], fields={"Idempotency-Key": [problem[1]]})
        user = ctx_g.api_user
        fingerprint = hashlib.sha256(
            (req.method + " " + req.path + "\n").encode() + req.get_data()).hexdigest()
        read_with_token = ctx_g.get("idempotency_read")
        for attempt in range(3):
            try:
                with unit_of_work(last=True):  # the response is built inside: nothing reads after it
                    # the first try uses what authentication read with the token (the same transaction, on
                    # PostgreSQL not the same snapshot: a duplicate committed in between is caught by the
                    # store's IntegrityError as before); a retry after it reads again
                    if attempt == 0 and read_with_token is not None and read_with_token[0] == key:
                        stored = read_with_token[1]
                    else:
                        stored = stored_response(user.cooperative_id, key)
                    if stored:
                        request_hash, status, body = stored
                        if request_hash != fingerprint:
                            raise IdempotencyConflict("Idempotency-Key sudah dipakai untuk permintaan lain.")
                        return Response(body, status=status, mimetype="application/json")
                    resp = make_response(view(*args, **kwargs))
                    if 200 <= resp.status_code < 300:  # one INSERT (a duplicate key raises IntegrityError)
                        store_response(user.cooperative_id, key, fingerprint, resp.status_code,
                                       resp.get_data(as_text=True), utcnow())
                    return resp
            except IntegrityError:
                if attempt == 2:
                    raise
                continue
        raise AssertionError("unreachable")
    wrapped._coop_writes = True  # type: ignore[attr-defined]  # the request writes: see _authenticate
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
