"""API schemas made from the types that already declare the data, so that each shape is declared
once: a selector's result dataclass, or a validated input, is the answer's shape.

``schema_model("CapacityOut", Schema, dataclass_fields(CapacityRow))`` is a schema with the
dataclass's fields, names, types and order, named as the OpenAPI document names it; a schema
class subclasses it (for its docstring, resolvers and configuration).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel, Field, create_model

#: One field for :func:`pydantic.create_model`: its annotation and its ``Field``.
FieldSpec = tuple[Any, Any]
ModelT = TypeVar("ModelT", bound=BaseModel)


def schema_model(name: str, base: type[ModelT], fields: Mapping[str, FieldSpec]) -> type[ModelT]:
    """A model named ``name`` (its name in the OpenAPI document) with these fields. A schema
    class subclasses it (with its docstring and configuration)."""
    definitions: dict[str, Any] = dict(fields)
    return create_model(name, __base__=base, **definitions)


def dataclass_fields(
    cls: type[Any], *, describe: Mapping[str, str] | None = None
) -> dict[str, FieldSpec]:
    """The fields of a dataclass (a selector's result, a validated input), as they are (its
    types are the answer's), in order; ``describe`` documents some of them in the OpenAPI
    document."""
    hints = get_type_hints(cls)
    out: dict[str, FieldSpec] = {}
    for field in dataclasses.fields(cls):
        description = (describe or {}).get(field.name)
        out[field.name] = (hints[field.name], Field(description=description))
    return out
