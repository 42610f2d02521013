"""Who is told when an encounter's decision is settled, without encounters importing them.

An app above encounters (appointments: a registered family checked in at the port, whose
registration closes as processed) registers a listener in its ``AppConfig.ready``. The
decision services (:mod:`asilo.web.encounters.services.decisions`) call
:func:`decision_settled` inside their transaction, once the officer has confirmed or
overridden the decision, so a listener's writes commit or roll back with the decision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asilo.web.encounters.models import Encounter

#: ``listener(actor=..., encounter=...)``
Listener = Callable[..., Any]

_listeners: list[Listener] = []


def on_decision_settled(listener: Listener) -> None:
    """Register ``listener`` (once; a second registration of the same one is ignored)."""
    if listener not in _listeners:
        _listeners.append(listener)


def decision_settled(*, actor: Any, encounter: Encounter) -> None:
    for listener in list(_listeners):
        listener(actor=actor, encounter=encounter)
