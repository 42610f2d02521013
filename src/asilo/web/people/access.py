"""Deciding rights: the core's one audited ``require`` (re-exported for older imports)."""

from __future__ import annotations

from asilo.web.core.access import require

__all__ = ["require"]
