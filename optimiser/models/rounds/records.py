"""The records of a rounds problem: visits, breaks, vehicles, sync groups, the instance, settings.

Everything is index-based and integer: a :class:`RoundsInstance` holds visits, vehicles (care
workers) and two location x location matrices (travel time and distance) in whatever integer
units the caller chose (minutes and metres for the product; benchmark readers document their own
scale). Each record checks itself on construction; the instance collects every structural
problem and raises one :class:`~optimiser.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from optimiser.data.rounds_options import FIRST_SOLUTION_STRATEGIES, LOCAL_SEARCH_METAHEURISTICS
from optimiser.errors import InputError, Problem

__all__ = [
    "BreakSpec",
    "RoundsInstance",
    "RoundsSettings",
    "SyncGroup",
    "Vehicle",
    "Visit",
]

#: The starts ``RoundsSettings.warm_start`` may name.
WARM_STARTS = ("auto", "pyvrp", "greedy", "none")

#: Stand-in for "no limit" (capacity, shift length) at the solver seam.
UNLIMITED = 10**12


@dataclass(frozen=True)
class Visit:
    """One call to serve (a care visit, or one service of a double-service patient).

    Times are integer time units (minutes in the product) from the same origin as the vehicles'
    shift windows. ``window_start`` is always hard; ``window_end`` is hard unless ``soft_end``,
    in which case starting after it costs ``tardiness_weight`` per time unit late.
    ``allowed_vehicles`` (vehicle indices), when given, further restricts who may serve it.
    ``penalty`` overrides the settings' missed-visit penalty for this visit.
    """

    location: int
    window_start: int
    window_end: int
    duration: int
    required_skills: frozenset[str] = frozenset()
    allowed_vehicles: frozenset[int] | None = None
    soft_end: bool = False
    tardiness_weight: int = 0
    demand: int = 0
    penalty: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ValueError(f"Visit.duration must be >= 0, got {self.duration}")
        if self.window_end < self.window_start:
            raise ValueError(
                f"Visit.window_end ({self.window_end}) is before window_start ({self.window_start})"
            )
        if self.tardiness_weight < 0:
            raise ValueError(f"Visit.tardiness_weight must be >= 0, got {self.tardiness_weight}")


@dataclass(frozen=True)
class BreakSpec:
    """A break a worker must take: ``duration`` long, starting in [earliest_start, latest_start]."""

    earliest_start: int
    latest_start: int
    duration: int

    def __post_init__(self) -> None:
        if self.latest_start < self.earliest_start or self.duration < 0:
            raise ValueError(f"BreakSpec is empty or negative: {self}")


@dataclass(frozen=True)
class Vehicle:
    """A care worker (a vehicle): where the shift starts and ends, when, and what they can do.

    ``max_shift`` limits end minus start of the round (the dimension span); ``capacity`` limits
    the sum of visit demands (None = unlimited); ``fixed_cost`` is charged if the round is used.
    """

    start_location: int
    end_location: int
    shift_start: int
    shift_end: int
    max_shift: int | None = None
    skills: frozenset[str] = frozenset()
    capacity: int | None = None
    fixed_cost: int = 0
    breaks: tuple[BreakSpec, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if self.shift_end < self.shift_start:
            raise ValueError(
                f"Vehicle.shift_end ({self.shift_end}) is before shift_start ({self.shift_start})"
            )
        if self.max_shift is not None and self.max_shift < 0:
            raise ValueError(f"Vehicle.max_shift must be >= 0, got {self.max_shift}")


@dataclass(frozen=True)
class SyncGroup:
    """Visit ``second`` starts between ``min_gap`` and ``max_gap`` after visit ``first`` starts.

    Both are served or both missed, by two different vehicles. A simultaneous double-handed
    call is ``min_gap = max_gap = 0``.
    """

    first: int
    second: int
    min_gap: int = 0
    max_gap: int = 0

    def __post_init__(self) -> None:
        if self.max_gap < self.min_gap:
            raise ValueError(f"SyncGroup.max_gap < min_gap: {self}")
        if self.first == self.second:
            raise ValueError(f"SyncGroup links visit {self.first} to itself")


@dataclass(frozen=True, eq=False)
class RoundsInstance:
    """An immutable, index-based rounds problem with integer units at the solver seam.

    ``travel_time`` and ``distance`` are square integer arrays over locations; visits and
    vehicles refer to locations by row index. ``arc_cost`` chooses which matrix the objective
    charges per arc ("travel_time" for the product, "distance" for the benchmarks).
    ``max_tardiness_weight`` weights the largest tardiness of any visit (the home health care
    objective); the constructive search and OR-Tools' objective both carry it (in OR-Tools as
    the global span of a "late" dimension, :mod:`.model`).
    """

    visits: tuple[Visit, ...]
    vehicles: tuple[Vehicle, ...]
    travel_time: np.ndarray
    distance: np.ndarray
    syncs: tuple[SyncGroup, ...] = ()
    arc_cost: Literal["travel_time", "distance"] = "travel_time"
    max_tardiness_weight: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        tt = np.array(self.travel_time, dtype=np.int64, copy=True)
        dd = np.array(self.distance, dtype=np.int64, copy=True)
        tt.setflags(write=False)
        dd.setflags(write=False)
        object.__setattr__(self, "travel_time", tt)
        object.__setattr__(self, "distance", dd)
        object.__setattr__(self, "visits", tuple(self.visits))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        object.__setattr__(self, "syncs", tuple(self.syncs))
        problems = _instance_problems(self)
        if problems:
            raise InputError(problems, source="rounds instance")

    @property
    def num_locations(self) -> int:
        """Number of rows of the matrices."""
        return int(self.travel_time.shape[0])

    def allowed_vehicles(self, visit: int) -> list[int]:
        """Vehicle indices whose skills cover visit ``visit`` (and that its allowed set admits)."""
        v = self.visits[visit]
        return [
            k
            for k, veh in enumerate(self.vehicles)
            if v.required_skills <= veh.skills
            and (v.allowed_vehicles is None or k in v.allowed_vehicles)
        ]

    def horizon(self) -> int:
        """Latest time anything can happen: the latest shift end (visits must fit in shifts)."""
        ends = [veh.shift_end for veh in self.vehicles]
        return max(ends) if ends else 0


def _instance_problems(inst: RoundsInstance) -> list[Problem]:
    """Every structural problem of an instance (bad shapes, indices out of range)."""
    src = "rounds instance"
    out: list[Problem] = []
    tt, dd = inst.travel_time, inst.distance
    if tt.ndim != 2 or tt.shape[0] != tt.shape[1]:
        out.append(Problem(src, None, "travel_time", f"must be square, got shape {tt.shape}"))
    if dd.shape != tt.shape:
        out.append(Problem(src, None, "distance", f"shape {dd.shape} differs from travel_time"))
    if tt.size and tt.min() < 0:
        out.append(Problem(src, None, "travel_time", "has negative entries"))
    n_loc = tt.shape[0] if tt.ndim == 2 else 0
    for i, v in enumerate(inst.visits):
        if not 0 <= v.location < n_loc:
            out.append(Problem(src, i + 1, "visits.location", f"{v.location} out of range"))
        if v.allowed_vehicles is not None and any(
            not 0 <= k < len(inst.vehicles) for k in v.allowed_vehicles
        ):
            out.append(Problem(src, i + 1, "visits.allowed_vehicles", "index out of range"))
    for k, veh in enumerate(inst.vehicles):
        for fld in ("start_location", "end_location"):
            if not 0 <= getattr(veh, fld) < n_loc:
                out.append(Problem(src, k + 1, f"vehicles.{fld}", "out of range"))
    seen: set[int] = set()
    for g, s in enumerate(inst.syncs):
        for idx in (s.first, s.second):
            if not 0 <= idx < len(inst.visits):
                out.append(Problem(src, g + 1, "syncs", f"visit {idx} out of range"))
            elif idx in seen:
                out.append(Problem(src, g + 1, "syncs", f"visit {idx} is in two sync groups"))
            seen.add(idx)
    return out


@dataclass(frozen=True)
class RoundsSettings:
    """How to solve: search strategy, limits, penalties and the constructive-start switch.

    ``first_solution_strategy`` and ``local_search_metaheuristic`` are OR-Tools enum names.
    PARALLEL_CHEAPEST_INSERTION stays the default: SAVINGS measured better on 8 Solomon
    instances at an equal budget of 500 solutions (mean gap 1.61% against 2.66%;
    ``benchmarks/bench_rounds.py --solution-limit 500``), but its effect on the product's
    provider-days (breaks, double-handed calls, 2 s each) is not yet measured cleanly: on a
    machine at load 12-16 both starts left calls unserved there.
    ``warm_start`` chooses the start OR-Tools improves: "pyvrp" (PyVRP's iterated local search
    on what it can express, :mod:`.pyvrp_stage`, for ``pyvrp_share`` of the time limit or
    ``pyvrp_iterations`` iterations), "greedy" (the constructive search, for ``greedy_share``
    of the time limit or ``greedy_steps`` steps), "none" (OR-Tools' own first solution), or
    "auto" (the default: "pyvrp", except "greedy" where soft window ends carry tardiness, which
    PyVRP cannot price; chosen by measurement, see the README's rounds rows). Where pairs are
    active, "pyvrp" runs the constructive start first, pins each pair to its times there for
    PyVRP, and OR-Tools takes the cheaper of the two starts. Routes handed in to
    :func:`~optimiser.models.rounds.solve_rounds` (``initial_routes``) replace that start.
    ``solution_limit`` stops OR-Tools after that many solutions, ``greedy_steps`` the
    constructive search after that many steps and ``pyvrp_iterations`` PyVRP after that many
    iterations: budgets that load cannot change, so with them set (and time limits that are not
    reached) a solve repeats exactly; the time limit stays a cap, whose firing is noted.
    ``price_max_tardiness`` puts the instance's weighted maximum tardiness into OR-Tools'
    objective (:mod:`.model`); off, only the constructive start and the final choice see it
    (home care at 3000 steps and 300 solutions: E1 19.4% off, -0.8% on; C1 0.3% off, 14.8% on).
    """

    time_limit_s: float = 10.0
    first_solution_strategy: str = "PARALLEL_CHEAPEST_INSERTION"
    local_search_metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    solution_limit: int | None = None
    seed: int = 0
    warm_start: Literal["auto", "pyvrp", "greedy", "none"] = "auto"
    greedy_share: float = 0.2
    missed_visit_penalty: int = 1_000_000
    greedy_steps: int | None = None
    pyvrp_share: float = 0.8
    pyvrp_iterations: int | None = None
    price_max_tardiness: bool = True

    def __post_init__(self) -> None:
        if self.first_solution_strategy not in FIRST_SOLUTION_STRATEGIES:
            raise ValueError(
                f"first_solution_strategy {self.first_solution_strategy!r} unknown; "
                f"choose one of {sorted(FIRST_SOLUTION_STRATEGIES)}"
            )
        if self.local_search_metaheuristic not in LOCAL_SEARCH_METAHEURISTICS:
            raise ValueError(
                f"local_search_metaheuristic {self.local_search_metaheuristic!r} unknown; "
                f"choose one of {sorted(LOCAL_SEARCH_METAHEURISTICS)}"
            )
        if self.time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be > 0, got {self.time_limit_s}")
        if not 0.0 <= self.greedy_share < 1.0:
            raise ValueError(f"greedy_share must be in [0, 1), got {self.greedy_share}")
        if self.greedy_steps is not None and self.greedy_steps < 0:
            raise ValueError(f"greedy_steps must be >= 0, got {self.greedy_steps}")
        if self.warm_start not in WARM_STARTS:
            raise ValueError(f"warm_start must be one of {WARM_STARTS}, got {self.warm_start!r}")
        if not 0.0 <= self.pyvrp_share < 1.0:
            raise ValueError(f"pyvrp_share must be in [0, 1), got {self.pyvrp_share}")
        if self.pyvrp_iterations is not None and self.pyvrp_iterations < 0:
            raise ValueError(f"pyvrp_iterations must be >= 0, got {self.pyvrp_iterations}")
