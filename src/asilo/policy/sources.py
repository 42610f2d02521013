"""How strong the sources are that the catalogue's gating values rest on.

A *gating value* is one dated value of a catalogue document (``values[i]`` of a policy or
parameter file): the rules decide by it, including ``null`` ("not in force"), which is as much a
decision as a value. Every citation records its kind (``primary``, ``secondary`` or ``weak``); a
value *rests on* the strongest kind among its citations, so a value rests only on weak sources
when every one of its citations is weak. ``asilo policies --sources`` prints this report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from asilo.policy.catalogue import Catalogue
from asilo.policy.schema import SOURCE_KINDS, Period


@dataclass(frozen=True)
class GatingValue:
    """One dated value of a catalogue document and the kind of source it rests on."""

    policy: str
    index: int
    start: date
    to: date | None
    in_force: bool
    basis: str
    period: Period

    def as_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "index": self.index,
            "from": self.start.isoformat(),
            "to": None if self.to is None else self.to.isoformat(),
            "in_force": self.in_force,
            "rests_on": self.basis,
            "facts": sorted({c.fact for c in self.period.citations}),
            "citations": [
                {"kind": c.kind, "fact": c.fact, "title": c.title, "url": c.url}
                for c in self.period.citations
            ],
        }


@dataclass(frozen=True)
class SourceReport:
    """Counts of gating values by the kind of source they rest on, per policy and in total."""

    catalogue_version: str
    values: tuple[GatingValue, ...]

    def by_kind(self) -> dict[str, int]:
        counts = dict.fromkeys(SOURCE_KINDS, 0)
        for value in self.values:
            counts[value.basis] += 1
        return counts

    def citations_by_kind(self) -> dict[str, int]:
        counts = dict.fromkeys(SOURCE_KINDS, 0)
        for value in self.values:
            for citation in value.period.citations:
                counts[citation.kind] += 1
        return counts

    def by_policy(self) -> list[dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for value in self.values:
            empty = {"policy": value.policy, "values": 0, **dict.fromkeys(SOURCE_KINDS, 0)}
            row = rows.setdefault(value.policy, empty)
            row["values"] += 1
            row[value.basis] += 1
        return list(rows.values())

    def weak_only(self) -> list[GatingValue]:
        return [value for value in self.values if value.basis == "weak"]

    def as_json(self) -> dict[str, Any]:
        return {
            "catalogue_version": self.catalogue_version,
            "gating_values": len(self.values),
            "by_kind": self.by_kind(),
            "citations_by_kind": self.citations_by_kind(),
            "policies": self.by_policy(),
            "weak_only": [value.as_json() for value in self.weak_only()],
        }


def source_report(catalogue: Catalogue) -> SourceReport:
    """Every gating value of the catalogue with the strongest kind of source it rests on."""
    values = []
    for name in catalogue.names():
        for index, period in enumerate(catalogue.documents[name].values):
            values.append(
                GatingValue(
                    policy=name,
                    index=index,
                    start=period.start,
                    to=period.to,
                    in_force=period.value is not None,
                    basis=period.basis(),
                    period=period,
                )
            )
    return SourceReport(catalogue_version=catalogue.version, values=tuple(values))
