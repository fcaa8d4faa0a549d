"""Carer rounds as a routing model with time windows, skills, breaks and synchronised visits.

The public face of the rounds package: the records of a problem (:mod:`.records`), the solve
(:func:`solve_rounds`) and its result (:mod:`.result`). Inside, one module per job: the
pre-checks (:mod:`.prechecks`), the routing model, the only importer of OR-Tools routing
(:mod:`.model`), the constructive start (:mod:`.constructive`) and the PyVRP stage, the only
importer of PyVRP (:mod:`.pyvrp_stage`).
"""

from optimiser.models.rounds.records import (
    BreakSpec,
    RoundsInstance,
    RoundsSettings,
    SyncGroup,
    Vehicle,
    Visit,
)
from optimiser.models.rounds.result import (
    MISSED_REASONS,
    MissedVisit,
    RoundsResult,
    Route,
    Stop,
)
from optimiser.models.rounds.solve import solve_rounds

__all__ = [
    "MISSED_REASONS",
    "BreakSpec",
    "MissedVisit",
    "RoundsInstance",
    "RoundsResult",
    "RoundsSettings",
    "Route",
    "Stop",
    "SyncGroup",
    "Vehicle",
    "Visit",
    "solve_rounds",
]
