"""Issue 11, finding 11: "two OpenAPI schema names collide so ``docs/openapi.json`` documents
the wrong error shape for registrations"; the issue asks for unique schema names in the
document (not only the error schemas'). django-ninja keeps one definition per name and the
last one registered wins without a word, so two schemas of the same name leave one operation
documented with the other's shape. This test records every definition ninja registers while it
builds the document and fails on a name registered with two different shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ninja.openapi import schema as ninja_schema

from asilo.web.api import api


def _record(monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Every shape registered under each name from now on (ninja keeps only the last)."""
    shapes: dict[str, set[str]] = {}
    register = ninja_schema.OpenAPISchema.add_schema_definitions

    def recording(self: Any, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            shapes.setdefault(name, set()).add(json.dumps(definition, sort_keys=True))
        register(self, definitions)

    monkeypatch.setattr(ninja_schema.OpenAPISchema, "add_schema_definitions", recording)
    return shapes


def _collisions(shapes: dict[str, set[str]]) -> dict[str, list[list[str]]]:
    """Names registered with more than one shape → each shape's property names."""
    return {
        name: sorted(sorted(json.loads(s).get("properties", {})) for s in found)
        for name, found in shapes.items()
        if len(found) > 1
    }


def test_the_check_sees_a_collision(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself can fail: two shapes registered under one name are reported."""
    shapes = _record(monkeypatch)
    document = ninja_schema.OpenAPISchema.__new__(ninja_schema.OpenAPISchema)
    document.schemas = {}
    document.add_schema_definitions({"Same": {"properties": {"a": {}}}})
    document.add_schema_definitions({"Same": {"properties": {"b": {}}}})
    assert document.schemas["Same"] == {"properties": {"b": {}}}  # the last one wins, silently
    assert _collisions(shapes) == {"Same": [["a"], ["b"]]}


def test_no_two_schemas_share_a_name_in_the_openapi_document(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shapes = _record(monkeypatch)
    api.get_openapi_schema()
    assert len(shapes) > 20
    assert _collisions(shapes) == {}
