"""The result record of an assignment method (CP-SAT or the greedy baseline) and its stages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.data.domain import SolverSettings
from optimiser.models.validate import ObjectiveValues


@dataclass(frozen=True)
class StageRecord:
    """One lexicographic stage: what it minimised and how far the solver got.

    ``objective`` is the value found (integer units of the stage, see
    :class:`~optimiser.models.validate.ObjectiveValues`), ``best_bound`` the proven lower bound,
    ``gap`` their relative difference (0 = proven optimal), ``time_limit_s`` the stage's
    budget and ``wall_s`` the time it took [s]. ``status`` is CP-SAT's status name (``UNKNOWN``:
    nothing new found in time, the previous solution is kept; ``OPTIMAL (bound)``: the LP bound
    proves the kept solution optimal). ``solution_from`` names where the stage's solution came
    from (``cp-sat``, ``lp rounding``, ``greedy brokerage``, ``given hint``).
    """

    name: str
    status: str
    objective: int
    best_bound: float
    gap: float
    wall_s: float
    time_limit_s: float
    solution_from: str = "cp-sat"


def relative_gap(objective: float, bound: float) -> float:
    """|objective - bound| / max(|objective|, 1): 0 when the stage is proven optimal."""
    return abs(objective - bound) / max(abs(objective), 1.0)


@dataclass(frozen=True, eq=False)
class AssignmentSolution:
    """Provider index per package (-1 = unmet), how it was found, and its objective values.

    ``optimality_gap`` is the relative gap of the final lexicographic stage (``None`` for a
    heuristic); ``stages`` keeps every stage's status, objective and bound; ``settings`` the
    time limit, workers and seed it ran with; ``wall_s`` the total time [s], model building
    included; ``values`` the objective terms recomputed by the solver-independent checker.
    """

    provider_of: np.ndarray
    method: str
    status: str
    optimality_gap: float | None
    stages: tuple[StageRecord, ...]
    settings: SolverSettings | None
    wall_s: float
    values: ObjectiveValues

    def summary(self) -> str:
        """A few text lines: method, status, gap, unmet hours, travel, cost, each stage."""
        v = self.values
        gap = "n/a" if self.optimality_gap is None else f"{100 * self.optimality_gap:.3f}%"
        lines = [
            f"{self.method}: {self.status}, gap {gap}, {self.wall_s:.2f} s",
            f"  placed {v.placed_hours:,.1f} h, unmet {v.unmet_hours:,.1f} h of "
            f"{v.demand_min / 60:,.1f} h; continuity breaks {v.continuity_breaks}; "
            f"travel {v.travel_min / 60:,.1f} carer-h; cost GBP {v.cost_pence / 100:,.2f} /week",
        ]
        for s in self.stages:
            lines.append(
                f"  stage {s.name:<10} {s.status:<9} objective {s.objective:,} bound "
                f"{s.best_bound:,.0f} gap {100 * s.gap:.3f}% in {s.wall_s:.2f}/"
                f"{s.time_limit_s:.2f} s ({s.solution_from})"
            )
        if self.settings is not None:
            s = self.settings
            lines.append(
                f"  settings: time_limit_s={s.time_limit_s} workers={s.workers} seed={s.seed} "
                f"max_deterministic_time={s.max_deterministic_time}"
            )
        return "\n".join(lines)
