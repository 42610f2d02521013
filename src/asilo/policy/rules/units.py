"""Who shares an outcome: parents or legal guardians and their children form one family unit;
anyone else is decided alone (CBP's demographic categories, ST-02..ST-05)."""

from __future__ import annotations

from asilo.policy.catalogue import CatalogueState
from asilo.policy.decision import Demographic, Reason
from asilo.policy.encounter import Encounter
from asilo.policy.keys import DEMOGRAPHICS, typed
from asilo.policy.places import Place
from asilo.policy.rules.base import Context, Unit, reads, reason
from asilo.policy.schema import DemographicCategory, Demographics

reads(Demographics, "categories")
reads(DemographicCategory, "code", "cbp_name", "components")

FACTS: dict[Demographic, str] = {
    "single_adult": "ST-02",
    "family_unit": "ST-03",
    "accompanied_minor": "ST-04",
    "unaccompanied_child": "ST-05",
}


def _port_only(state: CatalogueState, code: Demographic) -> bool:
    """Whether CBP counts a category only at ports (OFO), by the catalogue's definitions."""
    categories = typed(DEMOGRAPHICS, state.get(DEMOGRAPHICS.name)).value
    if categories is None:
        return False
    found = next((c for c in categories.categories if c.code == code), None)
    return found is not None and "USBP" not in found.components


def form_units(encounter: Encounter, place: Place, state: CatalogueState) -> list[Unit]:
    """Split a group into units as the law sees them (parents/guardians + children = family)."""
    people = encounter.people
    subject = [i for i, p in enumerate(people) if not p.has_status]
    children = [i for i in subject if people[i].is_child]
    guardians = [i for i, p in enumerate(people) if p.is_guardian]
    if encounter.unaccompanied or not children:
        guardians = []
    others = [i for i in subject if not people[i].is_child and i not in guardians]
    units: list[Unit] = []
    if children and guardians:
        unlawful_guardians = [g for g in guardians if not people[g].has_status]
        accompanied = not unlawful_guardians and (
            place.kind == "port_of_entry" or not _port_only(state, "accompanied_minor")
        )
        if accompanied:
            units.append(Unit("accompanied_minor", tuple(children)))
        else:
            units.append(Unit("family_unit", tuple(sorted(unlawful_guardians + children))))
    else:
        units.extend(Unit("unaccompanied_child", (c,)) for c in children)
    units.extend(Unit("single_adult", (a,)) for a in others)
    return sorted(units, key=lambda u: u.members[0])


def demographic_reason(ctx: Context) -> Reason:
    """Why the unit is in its CBP demographic category."""
    entry = ctx.at(DEMOGRAPHICS)
    code = ctx.unit.demographic
    name: str = code
    if entry.value is not None:
        name = next((c.cbp_name for c in entry.value.categories if c.code == code), code)
    return reason(
        entry.entry, f"demographics.{code}", fact=FACTS[code], demographic=code, cbp_name=name
    )


def split_reason(state: CatalogueState, units: list[Unit]) -> Reason:
    """Why a group that is not one family unit has an outcome per person."""
    parts = "; ".join(f"people {list(u.members)}: {u.demographic}" for u in units)
    return reason(
        state.get(DEMOGRAPHICS.name),
        "demographics.group_split",
        fact="ST-05",
        parts=parts,
        head=units[0].members[0],
    )
