"""asilo's own encounters in CBP's Nationwide Encounters by AOR format: one command publishes.

Each person of each recorded encounter is one CBP encounter. The cells come from what the case
application stored, never from people's identities: the date, the component and place (its
sector or field office, from the policy catalogue's places), the person's demographic and
nationality as the decision recorded them, and the authority the person was processed under (the
override's, when the officer overrode the decision; else the person's own outcome when the
decision split the group; else the decision's). :mod:`asilo.stats.cbp_export` puts them in CBP's
categories and writes CBP's header, so ``asilo stats import`` reads the file back.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from asilo import outputfiles
from asilo.policy.places import find_place
from asilo.stats import cbp_export
from asilo.web.encounters.models import EncounterDecision, EncounterPerson, Override

#: The file name asilo's export is imported under (the statistics page's "asilo" source).
EXPORT_FILE_NAME = "asilo_own_encounters.csv"
REGION = "Southwest Land Border"  # every place in the catalogue is on the southwest border


@dataclass(frozen=True)
class ExportSummary:
    rows: int
    encounters: int
    people_records: int


def _authorities() -> tuple[dict[int, str], dict[int, dict[int, str]], dict[int, str]]:
    """Per encounter: the decision's authority, each member's own, and the override's."""
    decided: dict[int, str] = {}
    members: dict[int, dict[int, str]] = {}
    for encounter_id, authority, result in EncounterDecision.objects.values_list(
        "encounter_id", "authority", "result"
    ).iterator():
        decided[encounter_id] = authority
        per_person = {
            int(m["person"]): str(m["authority"]) for m in (result or {}).get("members") or []
        }
        if per_person:
            members[encounter_id] = per_person
    overridden = dict(Override.objects.values_list("decision__encounter_id", "authority"))
    return decided, members, overridden


def own_encounters(
    *, since: dt.date | None = None, until: dt.date | None = None
) -> Iterator[cbp_export.OwnEncounter]:
    """One record per person of each encounter (dates inclusive), without personal data."""
    decided, members, overridden = _authorities()
    people = EncounterPerson.objects.order_by("encounter_id", "position")
    if since is not None:
        people = people.filter(encounter__encounter_date__gte=since)
    if until is not None:
        people = people.filter(encounter__encounter_date__lte=until)
    rows = people.values_list(
        "encounter_id",
        "position",
        "demographic",
        "nationality",
        "encounter__encounter_date",
        "encounter__component",
        "encounter__place_kind",
        "encounter__place_name",
        named=True,
    )
    for row in rows.iterator():
        encounter = row.encounter_id
        place = find_place(row.encounter__place_kind, row.encounter__place_name)
        if place is None:
            raise cbp_export.ExportError(
                f"encounter {encounter}: place {row.encounter__place_name!r} is not in the "
                "catalogue"
            )
        authority = overridden.get(encounter) or members.get(encounter, {}).get(
            row.position, decided[encounter]
        )
        yield cbp_export.OwnEncounter(
            date=row.encounter__encounter_date,
            component=row.encounter__component,
            aor_name=place.aor,
            aor_abbv=place.aor_abbv,
            region=REGION,
            demographic=row.demographic,
            citizenship=row.nationality,
            authority=authority,
        )


def export_encounters(
    out: Path | IO[str], *, since: dt.date | None = None, until: dt.date | None = None
) -> ExportSummary:
    """Write the case application's encounters as CBP's by-AOR CSV."""
    records = list(own_encounters(since=since, until=until))
    buffer = io.StringIO()
    rows = cbp_export.write_cbp_csv(records, buffer)
    if isinstance(out, Path):
        outputfiles.write_text(out, buffer.getvalue())
    else:
        out.write(buffer.getvalue())
    return ExportSummary(
        rows=rows, encounters=sum(r.count for r in records), people_records=len(records)
    )
