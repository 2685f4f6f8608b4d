"""The OpenAPI document (issue 2 item 11) describes every API route well enough for schemathesis: unique
operation ids, path ids bounded to int64, every referenced schema defined, errors as the envelope; ids
no database can hold are a 404 (routing), integers no column can hold are a 422 (never an overflow 500)."""
from __future__ import annotations

import copy
import json

import pytest
from marshmallow import Schema, fields
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from coop.blueprints.api import INT64_MAX

HUGE = 2**64 + 7


@pytest.fixture
def spec(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    return resp.get_json()


def _operations(spec):
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_documented_api_route_is_in_the_document(app, spec):
    """Each /api/v1 route decorated with @doc appears with each of its methods (HEAD/OPTIONS aside)."""
    from coop.blueprints.api.openapi import _PATH_ARG

    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.endpoint.startswith("api.") or not getattr(view, "_apidoc", None):
            continue
        path = _PATH_ARG.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        assert path in spec["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in spec["paths"][path], f"{method} {path}"


def test_operation_ids_unique_and_responses_documented(spec):
    """Is every operationId in the OpenAPI document unique, and does every operation have a summary and at
    least one documented 2xx response?"""
    ids = [op["operationId"] for _, _, op in _operations(spec)]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for path, method, op in _operations(spec):
        assert op.get("summary"), f"{method} {path} has no summary"
        assert any(code.startswith("2") for code in op["responses"]), f"{method} {path}"


def test_path_ids_are_bounded_integers(spec):
    """Integer path parameters say minimum 1 and maximum int64, so generated ids are ones a BIGINT holds."""
    seen = 0
    for path, method, op in _operations(spec):
        for p in op["parameters"]:
            if p["in"] == "path" and p["schema"].get("type") == "integer":
                assert p["schema"]["minimum"] == 1 and p["schema"]["maximum"] == INT64_MAX, (method, path)
                seen += 1
    assert seen > 0


def test_every_reference_resolves(spec):
    """Every $ref points at a defined component (a dangling ref breaks schemathesis and client generators)."""
    text = json.dumps(spec)
    refs = set()
    idx = 0
    while (idx := text.find('"$ref": "', idx)) != -1:
        idx += len('"$ref": "')
        refs.add(text[idx:text.index('"', idx)])
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        _, _, kind, name = ref.split("/")
        assert name in spec["components"][kind], ref


def test_error_responses_use_the_envelope_schema(spec):
    """Does every documented 4xx and 5xx response of the OpenAPI document refer to the one Error envelope
    schema?"""
    for path, method, op in _operations(spec):
        for code, resp in op["responses"].items():
            if code[0] in "45":
                schema = resp["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_docs_page_renders_the_document(client, spec):
    """Does /api/v1/docs render a page that names /api/v1/auth/tokens and links openapi.json?"""
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/auth/tokens" in html and "openapi.json" in html


def test_ids_too_large_for_a_bigint_are_404_everywhere(app, users, login, api):
    """Every route with an integer argument answers an id beyond int64 with 404 (the JSON envelope under
    /api), never a 500 from the database driver's overflow."""
    client = login(users["admin"])
    token_client = api(users["admin"])
    checked = 0
    for rule in app.url_map.iter_rules():
        ints = [a for a, conv in rule._converters.items() if type(conv).__name__ == "Int64Converter"]
        if not ints or rule.arguments - set(ints):
            continue
        url = rule.rule
        for arg in ints:
            url = url.replace(f"<int:{arg}>", str(HUGE))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if url.startswith("/api/v1"):
                resp = getattr(token_client, method.lower())(url[len("/api/v1"):])
                assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found", (method, url)
            else:
                resp = client.open(url, method=method)
                assert resp.status_code == 404, (method, url)
            checked += 1
    assert checked > 0


def test_integers_beyond_int64_in_a_body_are_422(app):
    """Does the API's argument parser (what ``@api.arguments`` runs) refuse any integer no column can store,
    naming the field, even when the schema's own field has no bound (nested too)?"""
    from coop.blueprints.api import api
    from coop.errors import ValidationError

    class Inner(Schema):
        member_id = fields.Integer()

    class Body(Schema):
        count = fields.Integer()
        items = fields.List(fields.Nested(Inner))

    def load(schema, body):
        with app.test_request_context(json=body):
            return api.ARGUMENTS_PARSER.parse(schema, location="json")

    assert load(Body, {"count": INT64_MAX, "items": [{"member_id": 1}]}) == {
        "count": INT64_MAX, "items": [{"member_id": 1}]}
    with pytest.raises(ValidationError) as exc:
        load(Body, {"count": HUGE})
    assert exc.value.fields == {"count": ["Angka terlalu besar."]}
    with pytest.raises(ValidationError) as exc:
        load(Body, {"items": [{"member_id": 1}, {"member_id": -HUGE}]})
    assert exc.value.fields == {"items.1.member_id": ["Angka terlalu besar."]}


def test_money_maximum_bounds_input_only(spec):
    """Money's documented maximum (MAX_MONEY per amount) binds what a client sends; totals and balances in
    response-only schemas are sums and are left unbounded (schemathesis found totals above it)."""
    from coop.blueprints.api.openapi import _refs
    from coop.web.fields import MAX_MONEY

    schemas = spec["components"]["schemas"]
    inputs = set()
    for _, _, op in _operations(spec):
        inputs |= _refs(op.get("requestBody")) | _refs(op.get("parameters"))
    bounded = {name for name, s in schemas.items()
               if any(p.get("maximum") == MAX_MONEY for p in s.get("properties", {}).values())}
    assert bounded, "no input schema documents the money maximum"
    for name in bounded:
        assert name in inputs or any(name in _refs(schemas[i]) for i in inputs), name
    if "TrialBalance" in schemas:
        assert "maximum" not in schemas["TrialBalance"]["properties"]["total_debit"]


def test_document_is_valid_openapi_by_the_reference_validator(spec):
    """Does the served document pass openapi-spec-validator (the JSON Schema of its OpenAPI version plus
    the semantic checks: resolvable $refs, declared path parameters, unique operation ids), and would the
    validator notice a broken one (a path parameter the path does not declare)?"""
    assert spec["openapi"].startswith("3.")
    validate(spec)
    broken = copy.deepcopy(spec)
    path, method, op = next((p, m, o) for p, m, o in _operations(broken)
                            if any(q["in"] == "path" for q in o["parameters"]))
    broken["paths"][path.split("{")[0] + "list"] = {method: op}
    with pytest.raises(OpenAPIValidationError):
        validate(broken)
