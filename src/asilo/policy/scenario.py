"""Scenarios: a YAML file of changes to the catalogue (end a policy, set a value, change one).

```yaml
name: title42-ended-2021-01-20
description: What if Title 42 had ended on inauguration day?
written_on: "2026-11-29"
changes:
  - policy: title42/order
    end: {date: "2021-01-20", at: "12:00"}
    citation: {title: ..., url: ..., section: ..., fact: SCN-T42-END}
  - policy: mpp/enrolment
    set: {from: "2023-06-01", to: "2023-12-31", value: {...}}
    citation: {...}
  - policy: title42/tamaulipas_young_children
    update: {from: "2021-01-27", value: {youngest_child_under: 18}}
    citation: {...}
```
Every change carries a citation; its ``kind`` (primary, secondary, weak) is optional and defaults
to ``weak``, a scenario being a hypothesis. The changed catalogue passes the same schema check as
the shipped one.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from asilo.policy.catalogue import (
    Catalogue,
    CatalogueError,
    describe_validation_error,
    parse_documents,
    read_yaml,
)
from asilo.policy.schema import Citation, Period, ScenarioCitation, parse_clock, parse_iso_date


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EndChange(_Strict):
    day: date = Field(alias="date")
    at: time | None = None

    @field_validator("day", mode="before")
    @classmethod
    def _date(cls, value: object) -> date:
        return parse_iso_date(value)

    @field_validator("at", mode="before")
    @classmethod
    def _time(cls, value: object) -> object:
        return None if value is None else parse_clock(value)

    def moment(self) -> datetime:
        return datetime.combine(self.day, self.at or time(0, 0))


class UpdateChange(_Strict):
    start: date | None = Field(default=None, alias="from")
    to: date | None = None
    value: dict[str, Any]

    @field_validator("start", "to", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        return None if value is None else parse_iso_date(value)


class Change(_Strict):
    policy: str
    citation: ScenarioCitation
    end: EndChange | None = None
    set: dict[str, Any] | None = None
    update: UpdateChange | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> Change:
        if sum(op is not None for op in (self.end, self.set, self.update)) != 1:
            raise ValueError("a change has exactly one of 'end', 'set' or 'update'")
        return self


class Scenario(_Strict):
    """A named set of changes to the catalogue."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str
    written_on: date
    changes: list[Change] = Field(min_length=1)

    @field_validator("written_on", mode="before")
    @classmethod
    def _date(cls, value: object) -> date:
        return parse_iso_date(value)

    def apply(self, catalogue: Catalogue) -> Catalogue:
        """The catalogue with this scenario's changes (checked by the same schema)."""
        return _apply(self, catalogue)


_APPLIED: dict[tuple[str, str], Catalogue] = {}


def _raw_periods(catalogue: Catalogue, name: str) -> list[dict[str, Any]]:
    document = catalogue.documents[name]
    periods = []
    for period in document.values:
        raw = _clean(period.model_dump(by_alias=True, mode="json"))
        for clock in ("at", "until"):
            if raw.get(clock):
                raw[clock] = raw[clock][:5]
        periods.append(raw)
    return periods


def _period_bounds(raw: dict[str, Any]) -> tuple[datetime, datetime | None]:
    period = Period.model_validate(raw)
    return period.start_instant(), period.end_instant()


def _provenance(scenario: Scenario, citation: Citation) -> dict[str, Any]:
    return {
        "citations": [citation.model_dump()],
        "published_on": scenario.written_on.isoformat(),
        "last_verified_on": scenario.written_on.isoformat(),
        "note": f"Scenario {scenario.name}: {scenario.description}",
    }


def _cut(
    periods: list[dict[str, Any]], start: datetime, end: datetime | None
) -> list[dict[str, Any]]:
    """Remove [start, end) from the periods, trimming those that straddle it."""
    kept: list[dict[str, Any]] = []
    for raw in periods:
        p_start, p_end = _period_bounds(raw)
        inside_start = p_start >= start and (end is None or p_start < end)
        if inside_start:
            if end is not None and (p_end is None or p_end > end):
                kept.append({**raw, **_start_at(end)})
            continue
        if p_start < start and (p_end is None or p_end > start):
            trimmed = {**raw, **_end_at(start)}
            kept.append(trimmed)
            if end is not None and (p_end is None or p_end > end):
                kept.append({**raw, **_start_at(end)})
            continue
        kept.append(raw)
    return kept


def _end_at(moment: datetime) -> dict[str, Any]:
    if moment.time() == time(0, 0):
        return {"to": (moment.date() - timedelta(days=1)).isoformat(), "until": None}
    return {"to": moment.date().isoformat(), "until": moment.strftime("%H:%M")}


def _start_at(moment: datetime) -> dict[str, Any]:
    at = None if moment.time() == time(0, 0) else moment.strftime("%H:%M")
    return {"from": moment.date().isoformat(), "at": at}


def _clean(raw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if v is not None or k == "value"}


def _apply_change(
    scenario: Scenario, change: Change, periods: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    provenance = _provenance(scenario, change.citation)
    if change.end is not None:
        moment = change.end.moment()
        periods = _cut(periods, moment, None)
        periods.append({**_start_at(moment), "value": None, **provenance})
    elif change.set is not None:
        new = {**change.set, **provenance}
        start, end = _period_bounds(_clean(new))
        periods = [*_cut(periods, start, end), new]
    elif change.update is not None:
        update = change.update
        low = datetime.combine(update.start or date.min, time(0, 0))
        high = (
            None
            if update.to is None
            else datetime.combine(update.to + timedelta(days=1), time(0, 0))
        )
        changed = []
        for raw in periods:
            p_start, p_end = _period_bounds(raw)
            overlaps = (p_end is None or p_end > low) and (high is None or p_start < high)
            if overlaps and raw.get("value") is not None:
                raw = {
                    **raw,
                    "value": {**raw["value"], **update.value},
                    "citations": [change.citation.model_dump(), *raw["citations"]],
                    "note": provenance["note"],
                }
            changed.append(raw)
        periods = changed
    periods = [_clean(p) for p in periods]
    return sorted(periods, key=lambda raw: _period_bounds(raw)[0])


def _apply(scenario: Scenario, catalogue: Catalogue) -> Catalogue:
    key = (catalogue.version, scenario.model_dump_json())
    if key in _APPLIED:
        return _APPLIED[key]
    raw: dict[str, tuple[str, Any]] = {}
    for name, document in catalogue.documents.items():
        data = document.model_dump(by_alias=True, mode="json", exclude={"values"})
        raw[name] = (f"catalogue:{name}", {**data, "values": _raw_periods(catalogue, name)})
    for index, change in enumerate(scenario.changes):
        if change.policy not in raw:
            raise CatalogueError(
                f"scenario {scenario.name}: changes[{index}].policy: no policy called"
                f" {change.policy!r} in the catalogue"
            )
        _source, data = raw[change.policy]
        periods = _apply_change(scenario, change, list(data["values"]))
        raw[change.policy] = (
            f"scenario {scenario.name}: changes[{index}]",
            {**data, "values": periods},
        )
    documents = parse_documents(raw)
    digest = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()[:8]
    applied = Catalogue(
        documents, catalogue.manifest, f"{catalogue.version}+{scenario.name}.{digest}"
    )
    _APPLIED[key] = applied
    return applied


def load_scenario(path: Path) -> Scenario:
    """Read and check a scenario file; errors name the file and the field."""
    data = read_yaml(path)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise CatalogueError(describe_validation_error(str(path), exc)) from exc
