"""API schemas made from the policy package's models (the encounter document and the decision,
in :mod:`asilo.policy.encounter` and :mod:`asilo.policy.decision`), so that each shape is
declared once (schemas made from a dataclass: :mod:`asilo.web.core.schemas`).

:func:`wire_fields` reads a policy model's fields (names, order, defaults, descriptions and
examples) and gives each its JSON form on the wire: a code (a ``Literal``), a date or a time is a
string and a number keeps no bounds, because the policy engine checks those values and names a
bad one in its own words (an answer 400 with the code ``invalid_encounter``); a tuple is a list;
a nested policy model is the API schema given for it. What the API declares differently from the
engine (a field it requires, a limit it enforces itself, a field of its own) is passed in by name.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Field
from pydantic.fields import FieldInfo

from asilo.web.core.schemas import FieldSpec


def wire_type(annotation: Any, nested: Mapping[type[BaseModel], type[BaseModel]]) -> Any:
    """The JSON form of a policy annotation (see the module's docstring)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = get_args(annotation)
        out: Any = wire_type(args[0], nested)
        for arg in args[1:]:
            out = out | wire_type(arg, nested)
        return out
    if origin is Literal or annotation in (str, dt.date, dt.time):
        return str
    if origin is tuple:
        item, *_ = get_args(annotation)
        return list[wire_type(item, nested)]  # type: ignore[misc]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return nested[annotation]
    if annotation in (int, bool, type(None)):
        return annotation
    raise TypeError(f"no wire form for {annotation!r}")


def _wire_field(info: FieldInfo, annotation: Any) -> FieldSpec:
    docs: dict[str, Any] = {}
    if info.description is not None:
        docs["description"] = info.description
    if info.examples is not None:
        docs["examples"] = info.examples
    if info.is_required():
        return annotation, Field(**docs)
    if info.default == ():
        return annotation, Field(default_factory=list, **docs)
    return annotation, Field(info.default, **docs)


def wire_fields(
    model: type[BaseModel],
    *,
    nested: Mapping[type[BaseModel], type[BaseModel]] | None = None,
    omit: Iterable[str] = (),
    replace: Mapping[str, Callable[[FieldInfo], FieldSpec]] | None = None,
    before: Mapping[str, Mapping[str, FieldSpec]] | None = None,
    first: Iterable[str] = (),
) -> dict[str, FieldSpec]:
    """The fields of ``model`` in their JSON form, in the model's order (``first`` moved to the
    front). ``replace[name](field)`` declares one field differently; ``before[name]`` adds the
    API's own fields before the policy field ``name``; ``omit`` leaves fields out of the
    schema (a field left out still reaches the engine: the schemas pass unknown fields on)."""
    fields = dict(model.model_fields)
    order = [*first, *(name for name in fields if name not in set(first))]
    out: dict[str, FieldSpec] = {}
    for name in order:
        out.update((before or {}).get(name, {}))
        if name in set(omit):
            continue
        info = fields[name]
        if replace and name in replace:
            out[name] = replace[name](info)
        else:
            out[name] = _wire_field(info, wire_type(info.annotation, nested or {}))
    return out
