"""The object types the people app writes in the audit log."""

PERSON = "people.person"
FAMILY_UNIT = "people.familyunit"
