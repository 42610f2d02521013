"""asilo.policy: the dated, cited policy catalogue and ``decide`` (pure: never imports Django).

>>> from asilo.policy import load_catalogue, parse_encounter, decide
>>> catalogue = load_catalogue()
>>> encounter = parse_encounter({"date": "2021-03-01", "place": {"kind": "between_ports",
...     "name": "El Paso"}, "people": [{"age": 30, "nationality": "HND"}]}, catalogue=catalogue)
>>> decide(encounter, catalogue=catalogue).pathway
'expulsion'
"""

from asilo.policy.batch import BatchOutcome, EncounterBatch, decide_many
from asilo.policy.catalogue import Catalogue, CatalogueError, load_catalogue
from asilo.policy.decision import Decision, MemberOutcome, Option, Reason
from asilo.policy.eligibility import (
    Eligibility,
    LawfulPathwaysAnswer,
    lawful_pathways,
    mpp_wind_down,
)
from asilo.policy.encounter import Encounter, EncounterInputError, parse_encounter
from asilo.policy.engine import decide
from asilo.policy.refugees import CeilingAnswer, CeilingQueryError, refugee_ceiling
from asilo.policy.replay import ReplayChange, ReplayReport, replay
from asilo.policy.scenario import Scenario, load_scenario

__all__ = [
    "BatchOutcome",
    "Catalogue",
    "CatalogueError",
    "CeilingAnswer",
    "CeilingQueryError",
    "Decision",
    "Eligibility",
    "Encounter",
    "EncounterBatch",
    "EncounterInputError",
    "LawfulPathwaysAnswer",
    "MemberOutcome",
    "Option",
    "Reason",
    "ReplayChange",
    "ReplayReport",
    "Scenario",
    "decide",
    "decide_many",
    "lawful_pathways",
    "load_catalogue",
    "load_scenario",
    "mpp_wind_down",
    "parse_encounter",
    "refugee_ceiling",
    "replay",
]
