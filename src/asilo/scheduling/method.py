"""The published allocation method: a versioned YAML file, validated with pydantic."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from asilo.scheduling.model import SelectedBy

DEFAULT_METHOD_FILE = "fair-2023.1.yaml"


class MethodError(ValueError):
    """A method file cannot be read or breaks the method schema."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(_Frozen):
    """One priority tier: a number (lower goes first) and its name."""

    tier: int = Field(ge=0)
    name: str = Field(min_length=1)


class PlacesPerCycle(_Frozen):
    """The ratio of longest-waiting to lottery places, as a repeating cycle of places."""

    longest_waiting: int = Field(ge=0, le=100)
    lottery: int = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _at_least_one_place(self) -> PlacesPerCycle:
        if self.longest_waiting + self.lottery == 0:
            raise ValueError("a cycle needs at least one place (longest_waiting + lottery > 0)")
        return self


class LotteryRule(_Frozen):
    """How lottery numbers are computed and ordered (only one rule is implemented)."""

    hash: Literal["sha256"]
    message: Literal["{seed}:{registration_id}"]
    order: tuple[Literal["lottery_number"], Literal["registration_id"]]


class Method(_Frozen):
    """A named, versioned allocation method."""

    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    version: str = Field(min_length=1, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
    description: str = ""
    tiers: tuple[Tier, ...] = Field(min_length=1)
    places_per_cycle: PlacesPerCycle
    horizon_days: int = Field(ge=1, le=3660)
    longest_waiting_order: tuple[Literal["registered_on"], Literal["registration_id"]]
    lottery: LotteryRule
    ports_without_preference: Literal["capacity_file_order"]

    @model_validator(mode="after")
    def _tiers_ascending(self) -> Method:
        numbers = [t.tier for t in self.tiers]
        if numbers != sorted(set(numbers)):
            raise ValueError("tiers must be listed once each, in ascending order of their number")
        return self

    def tier_numbers(self) -> tuple[int, ...]:
        """The tier numbers, in priority order."""
        return tuple(t.tier for t in self.tiers)

    def cycle(self) -> tuple[SelectedBy, ...]:
        """One cycle of places in a tier: the longest-waiting places first, then the lottery's."""
        return (SelectedBy.LONGEST_WAITING,) * self.places_per_cycle.longest_waiting + (
            SelectedBy.LOTTERY,
        ) * self.places_per_cycle.lottery

    @property
    def label(self) -> str:
        """``name-version``, as the method's file is named."""
        return f"{self.name}-{self.version}"


def _read_default_method_text() -> tuple[str, str]:
    resource = resources.files("asilo.scheduling") / "methods" / DEFAULT_METHOD_FILE
    return str(resource), resource.read_text(encoding="utf-8")


def _describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"field {where}: {item['msg']}")
    return "; ".join(parts)


def parse_method(text: str, source: str) -> Method:
    """Validate the YAML text of a method; ``source`` names it in error messages."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MethodError(f"{source}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise MethodError(f"{source}: a method file must be a YAML mapping")
    try:
        return Method.model_validate(data)
    except ValidationError as exc:
        raise MethodError(f"{source}: {_describe(exc)}") from exc


def load_method(path: Path | None = None) -> Method:
    """Load a method file, or the published default method (fair-2023.1) when ``path`` is None."""
    if path is None:
        source, text = _read_default_method_text()
        return parse_method(text, source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MethodError(f"{path}: cannot read the method file: {exc}") from exc
    return parse_method(text, str(path))
