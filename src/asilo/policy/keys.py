"""Typed keys for the catalogue's policies: the path of a document and the model of its values.

Rules read the catalogue only through these keys (``ctx.at(TITLE42_ORDER).value`` is a
:class:`~asilo.policy.schema.Title42Order` or ``None``), as OpenFisca reads parameters by path,
so no rule needs a ``cast``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from asilo.policy.catalogue import InForce
from asilo.policy.schema import (
    AsylumCooperativeAgreement,
    AsylumLimitation,
    CbpOne,
    ChnvParole,
    CustodyStandard,
    Demographics,
    EntryProclamation,
    MexicoAcceptance,
    MppProgramme,
    MppResumption,
    MppWindDown,
    RefugeeSuspension,
    Strict,
    TamaulipasPractice,
    Title8ReturnsToMexico,
    Title42Exceptions,
    Title42Order,
    TransferAgreement,
    TransitBar,
    Tvpra,
    UnaccompaniedChildrenUnderTitle42,
)

M = TypeVar("M", bound=Strict)


@dataclass(frozen=True)
class Key(Generic[M]):
    """A catalogue document's path and the model its values have."""

    name: str
    model: type[M]


class Typed(NamedTuple, Generic[M]):
    """A document's value in force at a moment, typed (``value`` is ``None``: not in force)."""

    entry: InForce
    value: M | None


def typed(key: Key[M], entry: InForce) -> Typed[M]:
    """The entry with its value checked against the key's model."""
    value = entry.value
    if value is None:
        return Typed(entry, None)
    if isinstance(value, key.model):
        return Typed(entry, value)
    raise TypeError(f"{key.name}: a {type(value).__name__}, not a {key.model.__name__}")


DEMOGRAPHICS = Key("cbp/demographics", Demographics)
CUSTODY_STANDARD = Key("cbp/custody_standard", CustodyStandard)
TITLE42_ORDER = Key("title42/order", Title42Order)
TITLE42_CHILDREN = Key("title42/unaccompanied_children", UnaccompaniedChildrenUnderTitle42)
MEXICO_ACCEPTANCE = Key("title42/mexico_acceptance", MexicoAcceptance)
TAMAULIPAS = Key("title42/tamaulipas_young_children", TamaulipasPractice)
TITLE42_EXCEPTIONS = Key("title42/exceptions", Title42Exceptions)
PROCLAMATION_10888 = Key("entry/proclamation_10888", EntryProclamation)
MPP_ENROLMENT = Key("mpp/enrolment", MppProgramme)
MPP_WIND_DOWN = Key("mpp/wind_down", MppWindDown)
MPP_RESUMPTION = Key("mpp/resumption", MppResumption)
ACA_GUATEMALA = Key("aca/guatemala", AsylumCooperativeAgreement)
ACA_HONDURAS = Key("aca/honduras", TransferAgreement)
TVPRA = Key("tvpra/unaccompanied_children", Tvpra)
TRANSIT_BAR = Key("asylum/third_country_transit_bar", TransitBar)
LAWFUL_PATHWAYS = Key("asylum/lawful_pathways", AsylumLimitation)
SECURING_THE_BORDER = Key("asylum/securing_the_border", AsylumLimitation)
CBP_ONE = Key("cbp_one/appointments", CbpOne)
CHNV_PAROLE = Key("parole/chnv", ChnvParole)
TITLE8_RETURNS = Key("title8/mexico_returns", Title8ReturnsToMexico)
REFUGEE_SUSPENSION = Key("refugees/admissions_suspension", RefugeeSuspension)

KEYS: tuple[Key[Any], ...] = (
    DEMOGRAPHICS,
    CUSTODY_STANDARD,
    TITLE42_ORDER,
    TITLE42_CHILDREN,
    MEXICO_ACCEPTANCE,
    TAMAULIPAS,
    TITLE42_EXCEPTIONS,
    PROCLAMATION_10888,
    MPP_ENROLMENT,
    MPP_WIND_DOWN,
    MPP_RESUMPTION,
    ACA_GUATEMALA,
    ACA_HONDURAS,
    TVPRA,
    TRANSIT_BAR,
    LAWFUL_PATHWAYS,
    SECURING_THE_BORDER,
    CBP_ONE,
    CHNV_PAROLE,
    TITLE8_RETURNS,
    REFUGEE_SUSPENSION,
)
