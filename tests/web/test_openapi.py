"""The OpenAPI description: every /api/v1 route with all its methods is documented, and the document holds
together (version, operations with answers, path parameters, references that resolve)."""

from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def _template(rule: str) -> str:
    """/api/v1/rosters/<int:version_id> -> /api/v1/rosters/{version_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _resolve(spec: dict, ref: str):
    assert ref.startswith("#/"), f"only local references are used: {ref}"
    node = spec
    for part in ref[2:].split("/"):
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_every_api_route_is_documented_with_all_its_methods(app, spec):
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            routes.setdefault(_template(rule.rule), set()).update(m.lower() for m in rule.methods or ())
    missing = [f"{method.upper()} {path}" for path, methods in sorted(routes.items())
               for method in sorted(methods & HTTP_METHODS) if method not in spec["paths"].get(path, {})]
    assert missing == []
    documented = {path for path in spec["paths"] if path.startswith("/api/v1")}
    assert documented == set(routes)  # and nothing is described that does not exist


def test_the_document_holds_together(spec):
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"] and spec["info"]["version"]
    schemes = spec["components"]["securitySchemes"]
    for path, item in spec["paths"].items():
        in_path = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            assert method in HTTP_METHODS, f"{path}: {method}"
            where = f"{method.upper()} {path}"
            assert op["summary"] and op["responses"], where
            assert any(code.startswith("2") for code in op["responses"]), f"{where} has no success answer"
            params = op.get("parameters", [])
            names = [(p["name"], p["in"]) for p in params]
            assert len(names) == len(set(names)), f"{where} repeats a parameter"
            assert {p["name"] for p in params if p["in"] == "path"} == in_path, where
            assert all(p["required"] for p in params if p["in"] == "path"), where
            for requirement in op.get("security", spec["security"]):
                assert set(requirement) <= set(schemes), where
            if "401" in op["responses"]:
                schema = op["responses"]["401"]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, where
    for ref in _refs(spec):
        _resolve(spec, ref)


def test_the_error_answers_of_an_edit_are_described_with_their_details(spec):
    put = spec["paths"]["/api/v1/rosters/{version_id}/shifts/{agent_id}/{day}"]["put"]
    assert {"200", "400", "401", "403", "404", "409", "422"} <= set(put["responses"])
    assert put["security"] == [{"bearer": []}, {"session": [], "csrf": []}]
    conflict = _resolve(spec, put["responses"]["409"]["content"]["application/json"]["schema"]["$ref"])
    assert "lock_version" in conflict["allOf"][1]["properties"]
    violations = _resolve(spec, put["responses"]["422"]["content"]["application/json"]["schema"]["$ref"])
    violation = _resolve(spec, violations["allOf"][1]["properties"]["violations"]["items"]["$ref"])
    assert set(violation["required"]) == {"agent_id", "date", "rule", "hard", "message", "template", "params"}

