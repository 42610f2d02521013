"""Family relationships: two different questions, so two vocabularies, named for what they ask.

Border processing and registration both record how family members are related, but they ask
different questions, and the word ``"parent"`` answers them in opposite directions:

- :class:`RelationshipToChildren` (border processing: people, encounters, the policy engine):
  an adult's relationship *to the children of the unit*. ``"parent"`` means "this adult is a
  parent of the children".
- :class:`RelationshipToPrincipal` (registration, appointments): a member's relationship *to
  the person registering* (the principal). ``"parent"`` means "this member is the principal's
  mother or father".

The stored values are contracts (API fields, import columns) and stay as they are; only the
Python names say which question they answer. :func:`to_children` is the one translation from
the second to the first (a registered family arriving for its appointment).
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import models
from django.utils.translation import gettext_lazy as _


class RelationshipToChildren(models.TextChoices):
    """An adult's relationship to the children of the unit (for a child: ``child``)."""

    PARENT = "parent", _("Parent")
    LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    CHILD = "child", _("Child")
    NONE = "none", _("No family relationship")


class RelationshipToPrincipal(models.TextChoices):
    """A member's relationship to the principal (the person who registers the family)."""

    PRINCIPAL = "principal", _("The person registering")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Son or daughter")
    PARENT = "parent", _("Mother or father")
    SIBLING = "sibling", _("Brother or sister")
    GRANDCHILD = "grandchild", _("Grandson or granddaughter")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    WARD = "ward", _("Child in their legal care")
    OTHER = "other", _("No family relationship")


#: Registered relationships whose holder is a parent of the principal's sons and daughters.
_PARENTS_OF_THE_CHILDREN = frozenset(
    {RelationshipToPrincipal.PRINCIPAL, RelationshipToPrincipal.SPOUSE}
)


def to_children(member: str, children: Collection[str]) -> RelationshipToChildren | None:
    """An adult member's relationship to the children travelling, from registration's terms.

    ``member`` is the adult's relationship to the principal; ``children`` are the travelling
    children's relationships to the principal. ``parent`` for the principal and their spouse
    when the principal's sons or daughters travel, ``legal_guardian`` for the principal with
    a child in their legal care, ``other_relative`` for any other relative, and ``None`` when
    no child travels or the adult is no relative."""
    if not children:
        return None
    if RelationshipToPrincipal.CHILD in children and member in _PARENTS_OF_THE_CHILDREN:
        return RelationshipToChildren.PARENT
    if RelationshipToPrincipal.WARD in children and member == RelationshipToPrincipal.PRINCIPAL:
        return RelationshipToChildren.LEGAL_GUARDIAN
    if member != RelationshipToPrincipal.OTHER:
        return RelationshipToChildren.OTHER_RELATIVE
    return None
