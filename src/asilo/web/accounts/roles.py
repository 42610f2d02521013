"""Moved to :mod:`asilo.web.core.roles` (the rights vocabulary sits beside the one rights
check, below every app). Import from there; this name stays while other branches move over."""

from asilo.web.core.roles import (
    READ_ONLY_ROLES,
    ROLE_CAPABILITIES,
    Capability,
    Role,
    capabilities_of,
    has_capability,
)

__all__ = [
    "READ_ONLY_ROLES",
    "ROLE_CAPABILITIES",
    "Capability",
    "Role",
    "capabilities_of",
    "has_capability",
]
