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
    :class:`~optimiser.models.validate.ObjectiveValues`), ``best_bound`` the proven lower bound
    (``None``: no bound better than the trivial one is known), ``gap`` their relative
    difference (0 = proven optimal, ``None`` = unknown, never shown as 100%),
    ``time_limit_s`` the stage's wall-clock cap and ``wall_s`` the time it took [s].
    ``status`` is CP-SAT's status name (``UNKNOWN``: nothing new found in time, the previous
    solution is kept; ``OPTIMAL (bound)``: a bound proves the kept solution optimal).
    ``solution_from`` names where the stage's solution came from (``cp-sat``, ``lp
    rounding``, ``rins``, ``local search``, ``greedy brokerage``, ``given hint``).
    ``deterministic_time`` is CP-SAT's work in its deterministic units and
    ``deterministic_budget`` what the stage was given (``None``: wall-clock budget only);
    ``wall_cap_hit`` is true when the wall-clock cap, not the deterministic budget or a proof,
    ended the stage, so the figures may depend on machine load. ``bound_from`` names what
    proved ``best_bound`` (``lp``, ``surrogate knapsack``, ``highs mip``, ``unmet-set cuts``,
    ``cp-sat``, ``trivial``; empty when no bound is known).
    """

    name: str
    status: str
    objective: int
    best_bound: float | None
    gap: float | None
    wall_s: float
    time_limit_s: float
    solution_from: str = "cp-sat"
    deterministic_time: float | None = None
    deterministic_budget: float | None = None
    wall_cap_hit: bool = False
    bound_from: str = ""


def relative_gap(objective: float, bound: float | None) -> float | None:
    """|objective - bound| / max(|objective|, 1): 0 when proven optimal, ``None`` if unknown."""
    if bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1.0)


def _pct(gap: float | None) -> str:
    return "unknown" if gap is None else f"{100 * gap:.3f}%"


@dataclass(frozen=True, eq=False)
class AssignmentSolution:
    """Provider index per package (-1 = unmet), how it was found, and its objective values.

    ``optimality_gap`` is the relative gap of the final lexicographic stage (``None`` for a
    heuristic or when unknown); ``stages`` keeps every stage's status, objective and bound;
    ``settings`` the time limit, workers and seed it ran with; ``wall_s`` the total time [s],
    model building included; ``values`` the objective terms recomputed by the
    solver-independent checker. ``keep_current_clients`` is the rule as applied (``"hard"``,
    ``"priority"``, ``"off"``) and ``rule_fallback`` why the hard rule fell back to the
    priority form (empty when it held). ``fell_back_to_greedy`` is true when the optimised
    answer was worse than greedy brokerage on the first stages and greedy's was kept.
    """

    provider_of: np.ndarray
    method: str
    status: str
    optimality_gap: float | None
    stages: tuple[StageRecord, ...]
    settings: SolverSettings | None
    wall_s: float
    values: ObjectiveValues
    keep_current_clients: str = "off"
    rule_fallback: str = ""
    fell_back_to_greedy: bool = False

    @property
    def stage_gaps(self) -> dict[str, float | None]:
        """Relative gap of every stage by name (``None`` = unknown)."""
        return {s.name: s.gap for s in self.stages}

    @property
    def unmet_stage_gap(self) -> float | None:
        """Gap of the ``unmet`` stage (weighted unmet hours and continuity), the headline one:
        0 when no such stage ran because nothing was left to decide."""
        for s in self.stages:
            if s.name == "unmet":
                return s.gap
        return None if self.optimality_gap is None else 0.0

    @property
    def wall_cap_hit(self) -> bool:
        """True when the wall-clock cap ended any stage (figures may vary with load)."""
        return any(s.wall_cap_hit for s in self.stages)

    def summary(self) -> str:
        """A few text lines: method, status, gap, unmet hours, travel, cost, each stage."""
        v = self.values
        gap = "n/a" if not self.stages else _pct(self.optimality_gap)
        lines = [
            f"{self.method}: {self.status}, gap {gap}, {self.wall_s:.2f} s",
            f"  placed {v.placed_hours:,.1f} h, unmet {v.unmet_hours:,.1f} h of "
            f"{v.demand_min / 60:,.1f} h; continuity breaks {v.continuity_breaks}; "
            f"travel {v.travel_min / 60:,.1f} carer-h; cost GBP {v.cost_pence / 100:,.2f} /week",
        ]
        for s in self.stages:
            bound = "unknown" if s.best_bound is None else f"{s.best_bound:,.0f}"
            cap = " WALL CAP HIT" if s.wall_cap_hit else ""
            lines.append(
                f"  stage {s.name:<15} {s.status:<9} objective {s.objective:,} bound "
                f"{bound} gap {_pct(s.gap)} in {s.wall_s:.2f}/"
                f"{s.time_limit_s:.2f} s ({s.solution_from}){cap}"
            )
        if self.rule_fallback:
            lines.append(f"  keep current clients: {self.rule_fallback}")
        if self.fell_back_to_greedy:
            lines.append("  the optimised answer was worse than greedy brokerage: greedy kept")
        if self.settings is not None:
            s = self.settings
            lines.append(
                f"  settings: time_limit_s={s.time_limit_s} workers={s.workers} seed={s.seed} "
                f"max_deterministic_time={s.max_deterministic_time}"
            )
        return "\n".join(lines)
