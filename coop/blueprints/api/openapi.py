"""The OpenAPI 3 document: flask-smorest builds it from the schemas the routes validate and dump with."""
from __future__ import annotations

import copy
import re

from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify, render_template

from coop.auth.schemas import ErrorSchema
from coop.blueprints.api import INT64_MAX, Api, api
from coop.web.fields import MAX_MONEY

_PATH_ARG = re.compile(r"<(?:(\w+):)?(\w+)>")


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") else name


def _int64_path_parameter(_converter) -> dict:
    return {"type": "integer", "format": "int64", "minimum": 1, "maximum": INT64_MAX}


def init_app(app, int_converter) -> Api:
    """Register the ``api`` blueprint through flask-smorest's ``Api``, which builds the OpenAPI document
    from the routes' ``@api.arguments``/``@api.response``/``@api.doc``."""
    ext = Api(app, spec_kwargs={
        "title": "coop API", "version": "1.0.0", "openapi_version": "3.0.3",
        "info": {"description": "Desmigratif village cooperative service, JSON API v1."},
        "marshmallow_plugin": MarshmallowPlugin(schema_name_resolver=_schema_name)})
    ext.register_converter(int_converter, _int64_path_parameter)
    ext.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    if "Error" not in ext.spec.components.schemas:
        ext.spec.components.schema("Error", schema=ErrorSchema)
    ext.register_blueprint(api)
    return ext


def build_spec(app) -> dict:
    """The document flask-smorest built, with an operationId per operation, the bearer scheme on every
    operation but the public ones, and output money unbounded."""
    spec = copy.deepcopy(app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict())
    paths = spec.get("paths", {})
    for ops in paths.values():  # path-level parameters into each operation (the path item holds operations only)
        shared = ops.pop("parameters", [])
        for op in ops.values():
            op["parameters"] = shared + op.get("parameters", [])
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        ops = paths.get(_PATH_ARG.sub(lambda m: "{" + m.group(2) + "}", rule.rule), {})
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            op = ops.get(method.lower())
            if op is None:
                continue
            op["operationId"] = rule.endpoint.replace("api.", "") + (
                "" if len(rule.methods) <= 3 else f"_{method.lower()}")
            if rule.endpoint not in ("api.create_token", "api.openapi_json"):
                op["security"] = [{"bearer": []}]
    spec["tags"] = [{"name": name} for name in sorted(
        {tag for ops in paths.values() for op in ops.values() for tag in op.get("tags", ())})]
    if "PaginationMetadata" not in _refs(paths):  # flask-smorest's page-number pagination: unused here
        spec.get("components", {}).get("schemas", {}).pop("PaginationMetadata", None)
    return _unbound_output_money(spec)


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
@api.doc(summary="This OpenAPI document", tags=["meta"], errors=(), status=200)
def openapi_json():
    return jsonify(build_spec(current_app))


@api.get("/docs")
def openapi_page():
    """A readable rendering of the OpenAPI document (no external scripts)."""
    return render_template("api/docs.html", spec=build_spec(current_app))
