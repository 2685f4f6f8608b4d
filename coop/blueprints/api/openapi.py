"""The OpenAPI 3 document, generated from the routes' ``@doc`` metadata and marshmallow schemas."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify, render_template

from coop.auth.schemas import ErrorSchema
from coop.blueprints.api import INT64_MAX, api, doc
from coop.web.fields import MAX_MONEY

_ERROR_TEXT = {401: "Not authenticated", 403: "Role not allowed", 404: "Not found (or another cooperative's)",
               409: "State conflict", 422: "Invalid input (field errors)", 429: "Too many attempts"}
_PATH_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") else name


def build_spec(app) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=lambda s: _schema_name(s))
    spec = APISpec(title="coop API", version="1.0.0", openapi_version="3.0.3", plugins=[plugin],
                   info={"description": "Desmigratif village cooperative service, JSON API v1."})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.static":
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "_apidoc", None)
        if not meta:
            continue
        path = _PATH_ARG.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        params = [{"in": "path", "name": m.group(2), "required": True,
                   "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": INT64_MAX}
                   if m.group(1) == "int" else {"type": "string"}}
                  for m in _PATH_ARG.finditer(rule.rule)]
        operations = {}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            op = {"summary": meta["summary"], "tags": meta["tags"], "parameters": list(params),
                  "operationId": rule.endpoint.replace("api.", "") + ("" if len(rule.methods) <= 3 else f"_{method.lower()}")}
            if meta["query"] is not None:
                op["parameters"].append({"in": "query", "schema": meta["query"]})
            if meta["body"] is not None:
                op["requestBody"] = {"required": True, "content": {
                    meta.get("body_content_type", "application/json"): {"schema": meta["body"]}}}
            ok = {"description": "OK"}
            if meta["response"] is not None:
                ok["content"] = {meta["content_type"]: {"schema": meta["response"]}}
            elif meta["content_type"] != "application/json":
                ok["content"] = {meta["content_type"]: {"schema": {"type": "string"}}}
            op["responses"] = {str(meta["status"]): ok}
            for code in meta["errors"]:
                op["responses"][str(code)] = {"description": _ERROR_TEXT.get(code, "Error"),
                                              "content": {"application/json": {"schema": "Error"}}}
            if rule.endpoint not in ("api.create_token", "api.openapi_json"):
                op["security"] = [{"bearer": []}]
            operations[method.lower()] = op
        spec.path(path=path, operations=operations)
    return _unbound_output_money(spec.to_dict())


def _refs(node) -> set[str]:
    """Names of the component schemas referenced anywhere inside ``node``."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def _unbound_output_money(doc: dict) -> dict:
    """``Money`` documents ``maximum: MAX_MONEY``, a limit on ONE amount a client may send. Totals and
    balances in responses are sums of many amounts and may exceed it: drop that maximum from the schemas
    used only in responses (a schema also used for input keeps it)."""

    schemas = doc.get("components", {}).get("schemas", {})
    inputs: set[str] = set()
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            inputs |= _refs(op.get("requestBody")) | _refs(op.get("parameters"))
    todo = list(inputs)
    while todo:
        for name in _refs(schemas.get(todo.pop(), {})) - inputs:
            inputs.add(name)
            todo.append(name)

    def strip(node):
        if isinstance(node, dict):
            if node.get("type") == "integer" and node.get("maximum") == MAX_MONEY:
                del node["maximum"]
            for value in node.values():
                strip(value)
        elif isinstance(node, list):
            for value in node:
                strip(value)

    for name, schema in schemas.items():
        if name not in inputs:
            strip(schema)
    return doc


@api.get("/openapi.json")
@doc(summary="This OpenAPI document", tags=["meta"], errors=())
def openapi_json():
    return jsonify(build_spec(current_app))


@api.get("/docs")
def openapi_page():
    """A readable rendering of the OpenAPI document (no external scripts)."""
    return render_template("api/docs.html", spec=build_spec(current_app))
