"""How sure a run's figures are: quick (the web app's budget) or full, and the unmet-stage gap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optimiser.service.scenarios import INTERACTIVE_DETERMINISTIC_TIME


@dataclass(frozen=True)
class SolveQuality:
    """The solver budget behind a summary and what it proves.

    ``quick`` is true for the web app's short budget (``INTERACTIVE_DETERMINISTIC_TIME``);
    ``budget`` the deterministic budget [CP-SAT work units] (``None``: wall clock only);
    ``workers`` the solver's worker count; ``unmet_gap_pct`` the unmet stage's gap [%]
    (``None``: unknown); ``unmet_tolerance_hours`` [h/week] about how far unmet hours could
    still fall within that gap (gap x unmet hours), ``None`` when unknown; ``wall_cap_hit``
    true when the wall-clock cap ended a stage (figures then depend on machine load).
    """

    quick: bool
    budget: float | None
    workers: int
    unmet_gap_pct: float | None
    unmet_tolerance_hours: float | None
    wall_cap_hit: bool

    def label(self) -> str:
        """One line for the page: "quick estimate: budget 0.1, gap 10.2%" (or "full solve")."""
        kind = "quick estimate" if self.quick else "full solve"
        budget = "wall clock only" if self.budget is None else f"{self.budget:g}"
        gap = "unknown" if self.unmet_gap_pct is None else f"{self.unmet_gap_pct:.1f}%"
        return f"{kind}: budget {budget}, gap {gap}"

    def within_tolerance(self, change_hours: float) -> bool:
        """True when a change in unmet (or placed) hours [h/week] is smaller than what the
        gap leaves open, so it may be solver noise rather than the edit."""
        tol = self.unmet_tolerance_hours
        return tol is not None and abs(change_hours) < tol


def solve_quality(summary: Mapping[str, Any]) -> SolveQuality:
    """The :class:`SolveQuality` of a result summary (``ScenarioResult.summary``)."""
    solver = summary.get("solver") or {}
    budget = solver.get("max_deterministic_time")
    gap = summary.get("unmet_stage_gap_pct")
    unmet = float(summary.get("unmet_hours") or 0.0)
    return SolveQuality(
        quick=budget is not None and float(budget) <= INTERACTIVE_DETERMINISTIC_TIME,
        budget=None if budget is None else float(budget),
        workers=int(solver.get("workers") or 1),
        unmet_gap_pct=None if gap is None else float(gap),
        unmet_tolerance_hours=None if gap is None else float(gap) / 100.0 * unmet,
        wall_cap_hit=bool(summary.get("wall_cap_hit")),
    )
