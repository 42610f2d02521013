"""Who may read the audit trail: holders of ``audit.view``; every refusal is itself audited."""

from __future__ import annotations

from typing import Any

from asilo.web.audit.services import audit_refusal
from asilo.web.core.roles import Capability, has_capability


def may_read_audit(actor: Any, *, where: str) -> bool:
    """True when ``actor`` may read the trail; otherwise records the refusal and says False."""
    if has_capability(actor, Capability.AUDIT_VIEW):
        return True
    audit_refusal(
        actor=actor, object_type="audit.auditentry", note=f"audit.view refused at {where}"
    )
    return False
