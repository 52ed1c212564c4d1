"""The OpenAPI file describes the real app: every documented operation is a route, and generated requests
(hypothesis) get only documented statuses with bodies that validate against the documented schemas."""
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator


@pytest.fixture(scope="module")
def spec(index_dir):
    from search_app import create_app
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    return app.test_client().get("/api/openapi.json").get_json()


def to_json_schema(node):
    """OpenAPI 3.0 schema -> JSON Schema: 'nullable: true' becomes a union with null."""
    if isinstance(node, list):
        return [to_json_schema(x) for x in node]
    if not isinstance(node, dict):
        return node
    node = {k: to_json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def validator_for(spec, ref: str) -> Draft202012Validator:
    root = {"$ref": ref, "components": to_json_schema(copy.deepcopy(spec["components"]))}
    return Draft202012Validator(root)


def test_the_spec_is_openapi_3_and_every_operation_is_a_route(spec, app):
    assert spec["openapi"].startswith("3.0") and spec["info"]["title"]
    routes = app.url_map.bind("localhost")
    for path, ops in spec["paths"].items():
        endpoint, _ = routes.match(path, method="GET")   # raises NotFound when no route serves the path
        assert endpoint != "static", path
        for op in ops.values():
            assert op["responses"] and op["operationId"]
    Draft202012Validator.check_schema(to_json_schema(spec["components"]["schemas"]["SearchResult"]))


queries = st.one_of(st.sampled_from(["schuldhulpverlening", "wmo", "\"beslagvrije voet\"", "woning*", "AND", "(",
                                     "titel:jeugdwet", "gemeente:venlo", "jeugd -pleegzorg", ""]),
                    st.text(max_size=60))
params = st.fixed_dictionaries({}, optional={
    "q": queries,
    "sort": st.sampled_from(["relevantie", "datum", "x", ""]),
    "pagina": st.one_of(st.integers(-5, 2000).map(str), st.sampled_from(["abc", ""])),
    "per_pagina": st.integers(0, 150).map(str),
    "thema": st.lists(st.sampled_from(["wonen", "veiligheid", "onbekend"]), max_size=3),
    "jaar": st.lists(st.sampled_from(["2012", "x"]), max_size=2),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=params)
def test_generated_requests_get_documented_answers(spec, client, params):
    op = spec["paths"]["/api/search"]["get"]
    r = client.get("/api/search", query_string=params)
    assert str(r.status_code) in op["responses"], (params, r.status_code)
    schema_ref = op["responses"][str(r.status_code)]["content"]["application/json"]["schema"]["$ref"]
    errors = sorted(validator_for(spec, schema_ref).iter_errors(r.get_json()), key=str)
    assert not errors, (params, [e.message for e in errors[:3]])


def test_export_rows_and_status_match_their_schemas(spec, client):
    status = client.get("/api/status")
    assert not list(validator_for(spec, "#/components/schemas/Status").iter_errors(status.get_json()))
    rows = [json.loads(line) for line in client.get("/export.jsonl?q=gemeente").get_data(as_text=True).splitlines()]
    v = validator_for(spec, "#/components/schemas/ExportRow")
    assert rows and all(not list(v.iter_errors(row)) for row in rows)


def test_regulation_answers_match_their_schemas(spec, client):
    for path in ("/api/regeling/BWBR0005416", "/api/regeling/BWBR0005416/artikel/228a",
                 "/api/regeling/BWBR0005416?thema=financien&jaar=2025", "/api/regeling/BWBR0005416?jaar_van=x",
                 "/api/regeling/BWBX1"):
        r = client.get(path)
        op = spec["paths"]["/api/regeling/{bwb}/artikel/{artikel}" if "artikel" in path else "/api/regeling/{bwb}"]["get"]
        assert str(r.status_code) in op["responses"], (path, r.status_code)
        ref = op["responses"][str(r.status_code)]["content"]["application/json"]["schema"]["$ref"]
        assert not list(validator_for(spec, ref).iter_errors(r.get_json())), path
