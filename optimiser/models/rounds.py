"""Carer rounds as a routing model with time windows, skills, breaks and synchronised visits.

This is the only module that imports OR-Tools routing (and the only user of PyVRP in the core).
Everything is index-based and integer: a :class:`RoundsInstance` holds visits, vehicles (care
workers) and two location x location matrices (travel time and distance) in whatever integer
units the caller chose (minutes and metres for the product; benchmark readers document their own
scale). :func:`solve_rounds` returns a :class:`RoundsResult` with ordered routes, times and every
missed visit with its reason.

Model (one ``_add_<rule>`` function per rule, in the order data, variables, constraints,
objective, solve, extract):

- a visit is optional with a penalty (a disjunction), so a call that cannot be fitted becomes a
  missed call with a reason rather than an infeasible model;
- a visit starts inside its window (hard), or after its window start with a linear tardiness
  cost beyond the window end (soft, ``SetCumulVarSoftUpperBound``);
- only vehicles whose skills cover the visit's required skills (and, if given, that are in its
  allowed set) may serve it;
- vehicles start and end at their own locations inside their shift window, with a maximum shift
  length (the span of the time dimension) and optional fixed-duration breaks
  (``SetBreakIntervalsOfVehicle``);
- synchronised visits (a, b, min_gap, max_gap): b starts between min_gap and max_gap after a, on a
  different vehicle, and both are served or both missed. A double-handed call is [0, 0]. OR-Tools
  has no native synchronisation: the two visits are separate nodes whose start-time (cumul)
  variables are tied by constraints added to the routing solver;
- optional load capacity (used by the Solomon benchmark) and a fixed cost per used vehicle.

Warm start (``settings.warm_start = "auto"``): where an instance has nothing PyVRP cannot
express (no synchronisation, no breaks, no soft windows, no skill restrictions), PyVRP solves it
first for ``warm_start_share`` of the time limit and its routes seed OR-Tools
(``ReadAssignmentFromRoutes``), which then improves them with its own local search for the rest
of the time. Where synchronised visits exist, a constructive decoder (calls appended where they
cost least, pairs placed together) improved by late-acceptance hill climbing over the call order
seeds OR-Tools instead, for ``greedy_share`` of the time. The result is always read from an
OR-Tools assignment, so the product and both benchmarks share this one code path.

Approximations, named: OR-Tools' local search has no cost for the maximum tardiness over visits
(``RoundsInstance.max_tardiness_weight``); the constructive search and the final choice between
the seed and OR-Tools' answer include it. Reported start times are the earliest the assignment
allows, except that each round leaves as late as it can (finalizer), so waiting before the first
call is not counted.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimiser.errors import InputError, Problem, SolverError

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

#: Why a visit can be missed, in the order they are checked.
MISSED_REASONS: dict[str, str] = {
    "no_qualified_worker": "no care worker has the skills (or is allowed) for this call",
    "window_unreachable": "no qualified worker can reach the call inside its window and shift",
    "sync_impossible": "the two visits of a double-handed call cannot meet their timing rule",
    "sync_needs_two_workers": "a double-handed call needs two different qualified workers",
    "partner_missed": "the other visit of this double-handed call is missed",
    "not_fitted": "no room left in any round (time, shift length or capacity)",
}

_BIG = 10**12
_PYVRP_PRIZE_CAP = 10**5
_PYVRP_MAX_PENALTY = 1e7


# --------------------------------------------------------------------------- instance records


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
    objective); the constructive search and the final choice use it, OR-Tools' local search
    does not (it has no max-of-cumuls cost), so there it is an approximation.
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


# --------------------------------------------------------------------------- settings / result


@dataclass(frozen=True)
class RoundsSettings:
    """How to solve: search strategy, limits, penalties and the warm-start switch.

    ``first_solution_strategy`` and ``local_search_metaheuristic`` are OR-Tools enum names.
    ``warm_start`` "auto" uses PyVRP where the instance allows it, "none" never does.
    ``warm_start_share`` is the fraction of the time limit given to PyVRP, ``greedy_share``
    the fraction given to the constructive search for instances with synchronised visits.
    ``solution_limit`` stops OR-Tools after that many solutions (deterministic tests).
    """

    time_limit_s: float = 10.0
    first_solution_strategy: str = "PARALLEL_CHEAPEST_INSERTION"
    local_search_metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    solution_limit: int | None = None
    seed: int = 0
    warm_start: Literal["auto", "none"] = "auto"
    warm_start_share: float = 0.8
    greedy_share: float = 0.2
    missed_visit_penalty: int = 1_000_000

    def __post_init__(self) -> None:
        fss = routing_enums_pb2.FirstSolutionStrategy.DESCRIPTOR.enum_values_by_name
        lsm = routing_enums_pb2.LocalSearchMetaheuristic.DESCRIPTOR.enum_values_by_name
        if self.first_solution_strategy not in fss:
            raise ValueError(
                f"first_solution_strategy {self.first_solution_strategy!r} unknown; "
                f"choose one of {sorted(fss)}"
            )
        if self.local_search_metaheuristic not in lsm:
            raise ValueError(
                f"local_search_metaheuristic {self.local_search_metaheuristic!r} unknown; "
                f"choose one of {sorted(lsm)}"
            )
        if self.time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be > 0, got {self.time_limit_s}")
        if not 0.0 <= self.greedy_share < 1.0:
            raise ValueError(f"greedy_share must be in [0, 1), got {self.greedy_share}")
        if not 0.0 <= self.warm_start_share < 1.0:
            raise ValueError(f"warm_start_share must be in [0, 1), got {self.warm_start_share}")
        if self.warm_start not in ("auto", "none"):
            raise ValueError(f"warm_start must be 'auto' or 'none', got {self.warm_start!r}")


@dataclass(frozen=True)
class Stop:
    """One served visit in a route [time units].

    ``arrival`` is when the worker gets there (leaving the previous stop right after its
    service, plus travel); ``wait`` is idle time before ``start`` not spent on a break.
    ``travel_time`` and ``distance`` are of the arc from the previous stop.
    """

    visit: int
    arrival: int
    start: int
    wait: int
    travel_time: int
    distance: int


@dataclass(frozen=True)
class Route:
    """One used vehicle's round: ordered stops plus totals [time units, distance units].

    ``start_time`` / ``end_time`` are when the worker leaves its start and reaches its end;
    ``breaks`` holds the (start, duration) of breaks taken during the round (a break whose
    allowed start range lies after the round ends, or which fits before it starts, is not
    needed); travel and distance include the way home.
    """

    vehicle: int
    stops: tuple[Stop, ...]
    start_time: int
    end_time: int
    travel_time: int
    distance: int
    wait: int
    service_time: int
    breaks: tuple[tuple[int, int], ...] = ()

    @property
    def visits(self) -> tuple[int, ...]:
        """Visit indices in the order served."""
        return tuple(s.visit for s in self.stops)


@dataclass(frozen=True)
class MissedVisit:
    """A visit nobody serves, with a reason key of :data:`MISSED_REASONS`."""

    visit: int
    reason: str

    @property
    def explanation(self) -> str:
        """The reason in plain words."""
        return MISSED_REASONS.get(self.reason, self.reason)


@dataclass(frozen=True)
class RoundsResult:
    """What :func:`solve_rounds` found, with the parameters it ran with.

    ``objective`` is OR-Tools' cost (arc costs + fixed costs + tardiness + missed penalties);
    ``tardiness`` is the weighted total and ``max_tardiness`` the largest single lateness.
    ``status`` is "solved" or "no_solution". ``warm_start`` records what seeded the search.
    """

    routes: tuple[Route, ...]
    missed: tuple[MissedVisit, ...]
    objective: int
    status: str
    settings: RoundsSettings
    warm_start: str
    wall_time_s: float
    instance_name: str = ""
    tardiness: int = 0
    max_tardiness: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def vehicles_used(self) -> int:
        """Number of non-empty routes."""
        return len(self.routes)

    @property
    def travel_time(self) -> int:
        """Total travel time [time units]."""
        return sum(r.travel_time for r in self.routes)

    @property
    def distance(self) -> int:
        """Total distance [distance units]."""
        return sum(r.distance for r in self.routes)

    @property
    def service_time(self) -> int:
        """Total contact (service) time [time units]."""
        return sum(r.service_time for r in self.routes)

    @property
    def wait(self) -> int:
        """Total waiting time [time units]."""
        return sum(r.wait for r in self.routes)

    @property
    def travel_per_contact_hour(self) -> float:
        """Travel time per hour of contact, with time units taken as minutes [min per hour]."""
        return self.travel_time / (self.service_time / 60.0) if self.service_time else 0.0

    def summary(self) -> str:
        """A short text summary (the same in the CLI and the UI)."""
        lines = [
            f"rounds {self.instance_name or ''}".rstrip() + f": {self.status}",
            f"  vehicles used {self.vehicles_used}, visits served "
            f"{sum(len(r.stops) for r in self.routes)}, missed {len(self.missed)}",
            f"  travel {self.travel_time}, distance {self.distance}, contact "
            f"{self.service_time}, waiting {self.wait}, tardiness {self.tardiness}",
            f"  objective {self.objective}; time limit {self.settings.time_limit_s} s, "
            f"{self.settings.first_solution_strategy} + "
            f"{self.settings.local_search_metaheuristic}, warm start {self.warm_start}, "
            f"seed {self.settings.seed}, wall {self.wall_time_s:.1f} s",
        ]
        reasons: dict[str, int] = {}
        for m in self.missed:
            reasons[m.reason] = reasons.get(m.reason, 0) + 1
        lines += [f"  missed ({k}): {n}" for k, n in sorted(reasons.items())]
        return "\n".join(lines)


# --------------------------------------------------------------------------- pre-checks


def _latest_end(inst: RoundsInstance, visit: Visit) -> int:
    """Latest start allowed for a visit: its window end if hard, else the horizon."""
    return inst.horizon() if visit.soft_end else visit.window_end


def _reachable(inst: RoundsInstance, i: int, k: int) -> bool:
    """Whether vehicle k could serve visit i alone on an otherwise empty round."""
    v, veh, tt = inst.visits[i], inst.vehicles[k], inst.travel_time
    out = int(tt[veh.start_location, v.location])
    back = int(tt[v.location, veh.end_location])
    start = max(veh.shift_start + out, v.window_start)
    if start > _latest_end(inst, v):
        return False
    if start + v.duration + back > veh.shift_end:
        return False
    return not (veh.max_shift is not None and out + v.duration + back > veh.max_shift)


def _sync_window_ok(inst: RoundsInstance, s: SyncGroup) -> bool:
    """Whether the two windows admit start times whose gap lies in [min_gap, max_gap]."""
    a, b = inst.visits[s.first], inst.visits[s.second]
    lo = b.window_start - _latest_end(inst, a)
    hi = _latest_end(inst, b) - a.window_start
    return max(lo, s.min_gap) <= min(hi, s.max_gap)


def _precheck_missed(inst: RoundsInstance) -> dict[int, str]:
    """Visits that no solution can serve, each with the first reason that applies."""
    missed: dict[int, str] = {}
    candidates: dict[int, list[int]] = {}
    for i in range(len(inst.visits)):
        allowed = inst.allowed_vehicles(i)
        if not allowed:
            missed[i] = "no_qualified_worker"
            continue
        reach = [k for k in allowed if _reachable(inst, i, k)]
        if not reach:
            missed[i] = "window_unreachable"
        candidates[i] = reach
    for s in inst.syncs:
        a, b = s.first, s.second
        if a in missed or b in missed:
            for x, y in ((a, b), (b, a)):
                missed.setdefault(x, "partner_missed")
                if missed[x] == "partner_missed" and y not in missed:
                    missed[y] = "partner_missed"
            continue
        if not _sync_window_ok(inst, s):
            missed[a] = missed[b] = "sync_impossible"
        elif len(set(candidates[a]) | set(candidates[b])) < 2:
            missed[a] = missed[b] = "sync_needs_two_workers"
    return missed


# --------------------------------------------------------------------------- the model


@dataclass
class _Model:
    """The OR-Tools objects of one solve, kept together for the rule functions."""

    inst: RoundsInstance
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    node_location: list[int]
    node_duration: list[int]
    active_visits: list[int]
    time: pywrapcp.RoutingDimension | None = None
    breaks: dict[int, list] = field(default_factory=dict)


def _build_nodes(inst: RoundsInstance, active: list[int]) -> tuple[list[int], list[int], dict]:
    """Node layout: one node per active visit, then one per distinct depot location."""
    node_location = [inst.visits[i].location for i in active]
    node_duration = [inst.visits[i].duration for i in active]
    depot_node: dict[int, int] = {}
    for veh in inst.vehicles:
        for loc in (veh.start_location, veh.end_location):
            if loc not in depot_node:
                depot_node[loc] = len(node_location)
                node_location.append(loc)
                node_duration.append(0)
    return node_location, node_duration, depot_node


def _node_matrix(matrix: np.ndarray, node_location: list[int], add: list[int] | None) -> list:
    """A node x node integer matrix (as lists) from a location matrix, plus a per-row term."""
    loc = np.asarray(node_location, dtype=np.int64)
    m = matrix[np.ix_(loc, loc)].astype(np.int64)
    if add is not None:
        m = m + np.asarray(add, dtype=np.int64)[:, None]
    np.fill_diagonal(m, 0)
    return m.tolist()


def _add_arc_costs(m: _Model) -> None:
    # Each arc costs its travel time or distance (as the instance says), given as data.
    matrix = m.inst.travel_time if m.inst.arc_cost == "travel_time" else m.inst.distance
    idx = m.routing.RegisterTransitMatrix(_node_matrix(matrix, m.node_location, None))
    m.routing.SetArcCostEvaluatorOfAllVehicles(idx)


def _add_time_windows_and_shifts(m: _Model) -> None:
    # Time flows along a round: start of next = start + duration + travel (+ waiting).
    # Visits start inside hard windows (or pay tardiness past soft ones); rounds stay inside the
    # worker's shift and no longer than its maximum shift length.
    inst, routing, manager = m.inst, m.routing, m.manager
    horizon = inst.horizon()
    transit = _node_matrix(inst.travel_time, m.node_location, m.node_duration)
    idx = routing.RegisterTransitMatrix(transit)
    routing.AddDimension(idx, horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node, i in enumerate(m.active_visits):
        v = inst.visits[i]
        index = manager.NodeToIndex(node)
        time_dim.CumulVar(index).SetRange(v.window_start, _latest_end(inst, v))
        if v.soft_end and v.tardiness_weight > 0:
            time_dim.SetCumulVarSoftUpperBound(index, v.window_end, v.tardiness_weight)
    for k, veh in enumerate(inst.vehicles):
        time_dim.CumulVar(routing.Start(k)).SetRange(veh.shift_start, veh.shift_end)
        time_dim.CumulVar(routing.End(k)).SetRange(veh.shift_start, veh.shift_end)
        if veh.max_shift is not None:
            time_dim.SetSpanUpperBoundForVehicle(veh.max_shift, k)
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))
    m.time = time_dim


def _add_breaks(m: _Model) -> None:
    # A worker with breaks takes each one, inside its allowed start range, never during a visit.
    inst, routing, solver = m.inst, m.routing, m.routing.solver()
    if not any(veh.breaks for veh in inst.vehicles):
        return
    visit_transit = [0] * routing.Size()
    for index in range(routing.Size()):
        visit_transit[index] = m.node_duration[m.manager.IndexToNode(index)]
    for k, veh in enumerate(inst.vehicles):
        if not veh.breaks:
            continue
        intervals = [
            solver.FixedDurationIntervalVar(
                b.earliest_start, b.latest_start, b.duration, False, f"break_{k}_{j}"
            )
            for j, b in enumerate(veh.breaks)
        ]
        m.time.SetBreakIntervalsOfVehicle(intervals, k, visit_transit)
        m.breaks[k] = intervals


def _add_skills(m: _Model) -> None:
    # Only qualified (and allowed) workers may serve a visit.
    n_veh = len(m.inst.vehicles)
    for node, i in enumerate(m.active_visits):
        allowed = m.inst.allowed_vehicles(i)
        if len(allowed) < n_veh:
            # SetAllowedVehiclesForIndex's Span argument is unusable from Python in 9.15;
            # restricting the vehicle variable's domain (-1 = unperformed) is equivalent.
            m.routing.VehicleVar(m.manager.NodeToIndex(node)).SetValues([-1, *allowed])


def _add_capacity(m: _Model) -> None:
    # The sum of demands on a round stays within the vehicle's capacity (benchmarks only).
    inst = m.inst
    if not any(v.demand for v in inst.visits):
        return
    demand = [inst.visits[i].demand for i in m.active_visits]
    demand += [0] * (len(m.node_location) - len(demand))
    idx = m.routing.RegisterUnaryTransitVector(demand)
    caps = [veh.capacity if veh.capacity is not None else _BIG for veh in inst.vehicles]
    m.routing.AddDimensionWithVehicleCapacity(idx, 0, caps, True, "load")


def _penalty(visit: Visit, settings: RoundsSettings) -> int:
    """The cost of missing a visit: its own penalty, else the settings' default."""
    return int(visit.penalty if visit.penalty is not None else settings.missed_visit_penalty)


def _add_optional_visits(m: _Model, settings: RoundsSettings, optional_syncs: bool) -> None:
    # Any visit may be missed at a penalty, so an impossible call is reported, not fatal.
    synced = {x for g in m.inst.syncs for x in (g.first, g.second)}
    for node, i in enumerate(m.active_visits):
        v = m.inst.visits[i]
        if i in synced and not optional_syncs:
            continue
        m.routing.AddDisjunction([m.manager.NodeToIndex(node)], _penalty(v, settings))


def _add_synchronisation(m: _Model) -> None:
    # Second visit starts min_gap..max_gap after the first, on another vehicle; both or neither.
    routing, solver = m.routing, m.routing.solver()
    node_of = {i: node for node, i in enumerate(m.active_visits)}
    for s in m.inst.syncs:
        if s.first not in node_of or s.second not in node_of:
            continue
        ia = m.manager.NodeToIndex(node_of[s.first])
        ib = m.manager.NodeToIndex(node_of[s.second])
        ca, cb = m.time.CumulVar(ia), m.time.CumulVar(ib)
        solver.Add(routing.ActiveVar(ia) == routing.ActiveVar(ib))
        solver.Add(cb >= ca + s.min_gap)
        solver.Add(cb <= ca + s.max_gap)
        different = solver.IsDifferentVar(routing.VehicleVar(ia), routing.VehicleVar(ib))
        solver.Add(different >= routing.ActiveVar(ia))


def _add_fixed_costs(m: _Model) -> None:
    # A used round costs its vehicle's fixed cost (fleet-size minimisation where wanted).
    for k, veh in enumerate(m.inst.vehicles):
        if veh.fixed_cost:
            m.routing.SetFixedCostOfVehicle(int(veh.fixed_cost), k)


def _search_parameters(settings: RoundsSettings, time_limit_s: float):
    """OR-Tools search parameters from the settings."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    fss = routing_enums_pb2.FirstSolutionStrategy.DESCRIPTOR.enum_values_by_name
    lsm = routing_enums_pb2.LocalSearchMetaheuristic.DESCRIPTOR.enum_values_by_name
    params.first_solution_strategy = fss[settings.first_solution_strategy].number
    params.local_search_metaheuristic = lsm[settings.local_search_metaheuristic].number
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    if settings.solution_limit is not None:
        params.solution_limit = settings.solution_limit
    return params


# --------------------------------------------------------------------------- PyVRP warm start


def _pyvrp_expressible(inst: RoundsInstance, active: list[int]) -> bool:
    """Whether PyVRP can solve this instance as stated (it has no sync, breaks, skills)."""
    if inst.syncs or any(veh.breaks for veh in inst.vehicles):
        return False
    n_veh = len(inst.vehicles)
    for i in active:
        v = inst.visits[i]
        if v.soft_end or len(inst.allowed_vehicles(i)) < n_veh:
            return False
    return True


def _pyvrp_routes(
    inst: RoundsInstance, active: list[int], time_limit_s: float, settings: RoundsSettings
) -> list[list[int]] | None:
    """PyVRP's best routes as lists of positions in ``active``, per vehicle; None if unusable."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    loc_ids: dict[int, int] = {}
    depots_locs: list[int] = []
    for veh in inst.vehicles:
        for loc in (veh.start_location, veh.end_location):
            if loc not in loc_ids:
                loc_ids[loc] = len(depots_locs)
                depots_locs.append(loc)
    all_locs = depots_locs + [inst.visits[i].location for i in active]
    idx = np.asarray(all_locs, dtype=np.int64)
    dur = inst.travel_time[np.ix_(idx, idx)].astype(np.int64)
    cost_m = inst.travel_time if inst.arc_cost == "travel_time" else inst.distance
    dist = cost_m[np.ix_(idx, idx)].astype(np.int64)
    locations = [pyvrp.Location(0.0, 0.0) for _ in all_locs]
    depots = [pyvrp.Depot(location=d) for d in range(len(depots_locs))]
    use_load = any(inst.visits[i].demand for i in active)
    clients = [
        pyvrp.Client(
            location=len(depots_locs) + p,
            delivery=[inst.visits[i].demand] if use_load else [],
            service_duration=inst.visits[i].duration,
            tw_early=inst.visits[i].window_start,
            tw_late=inst.visits[i].window_end,
            # Optional, as in the OR-Tools model, so an overfull day still has feasible plans.
            # The prize is capped well below PyVRP's maximum penalty per unit of violation, so
            # dropping a call beats an infeasible plan before that cap is reached (PyVRP warns
            # when it is).
            required=False,
            prize=min(_penalty(inst.visits[i], settings), _PYVRP_PRIZE_CAP),
        )
        for p, i in enumerate(active)
    ]
    # Vehicles with identical attributes form one PyVRP vehicle type.
    type_key: dict[tuple, list[int]] = {}
    for k, veh in enumerate(inst.vehicles):
        key = (
            veh.start_location,
            veh.end_location,
            veh.shift_start,
            veh.shift_end,
            veh.max_shift,
            veh.capacity,
            veh.fixed_cost,
        )
        type_key.setdefault(key, []).append(k)
    vtypes = []
    members: list[list[int]] = []
    for key, ks in type_key.items():
        start, end, s0, s1, span, cap, fixed = key
        vtypes.append(
            pyvrp.VehicleType(
                num_available=len(ks),
                capacity=[cap if cap is not None else _BIG] if use_load else [],
                start_depot=loc_ids[start],
                end_depot=loc_ids[end],
                fixed_cost=fixed,
                tw_early=s0,
                tw_late=s1,
                shift_duration=span if span is not None else 2**62,
            )
        )
        members.append(list(ks))
    data = pyvrp.ProblemData(locations, clients, depots, vtypes, [dist], [dur])
    params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=_PYVRP_MAX_PENALTY))
    res = pyvrp.solve(
        data, MaxRuntime(time_limit_s), seed=settings.seed, display=False, params=params
    )
    if not res.best.is_feasible():
        return None
    routes: list[list[int]] = [[] for _ in inst.vehicles]
    used = [0] * len(members)
    for r in res.best.routes():
        t = r.vehicle_type()
        k = members[t][used[t]]
        used[t] += 1
        routes[k] = [a.idx for a in r if a.is_client()]
    return routes


# --------------------------------------------------------------------------- greedy start


class _Decoder:
    """Builds rounds from an order of calls by appending each where it costs least.

    A call is a single visit or both visits of a sync group. Each is appended to the end of
    the round(s) where it adds the least arc cost plus tardiness (and growth of the maximum
    tardiness, where the instance weights it); a pair goes to two different workers with the
    second start inside its gap (the first is delayed if the gap would be too long). A worker's
    next break is taken before a call that would otherwise start after the break's latest
    start; the shift-length limit counts from the (latest) departure for the first call.
    OR-Tools checks the result and rejects a start that still breaks a rule.
    """

    def __init__(self, inst: RoundsInstance, active: list[int]) -> None:
        self.inst = inst
        self.pos = {i: p for p, i in enumerate(active)}
        self.cost_m = inst.travel_time if inst.arc_cost == "travel_time" else inst.distance
        self.tt = inst.travel_time
        n_veh = len(inst.vehicles)
        self.start_loc = np.array([veh.start_location for veh in inst.vehicles])
        self.end_loc = np.array([veh.end_location for veh in inst.vehicles])
        self.shift_start = np.array([veh.shift_start for veh in inst.vehicles], dtype=np.int64)
        self.shift_end = np.array([veh.shift_end for veh in inst.vehicles], dtype=np.int64)
        self.fixed = np.array([veh.fixed_cost for veh in inst.vehicles], dtype=np.int64)
        self.max_shift = np.array(
            [veh.max_shift if veh.max_shift is not None else _BIG for veh in inst.vehicles],
            dtype=np.int64,
        )
        self.breaks = [sorted(veh.breaks, key=lambda b: b.earliest_start) for veh in inst.vehicles]
        self.allowed = {}
        for i in active:
            mask = np.zeros(n_veh, dtype=bool)
            mask[inst.allowed_vehicles(i)] = True
            self.allowed[i] = mask
        self.partner = {
            g.first: g for g in inst.syncs if g.first in self.pos and g.second in self.pos
        }
        seconds = {g.second for g in self.partner.values()}
        self.tasks = [i for i in active if i not in seconds]
        self.not_eye = ~np.eye(n_veh, dtype=bool)

    def initial_order(self) -> list[int]:
        """Calls by window start, then window end."""
        v = self.inst.visits
        return sorted(self.tasks, key=lambda i: (v[i].window_start, v[i].window_end))

    def _slot(self, st, i):
        """Per vehicle: (start, arc cost, late cost, feasible, break first) of visit i appended."""
        loc, free, first_dep, brk_e, brk_l, brk_d = st
        v = self.inst.visits[i]
        travel = self.tt[loc, v.location]
        start = np.maximum(free + travel, v.window_start)
        brk_first = (brk_d > 0) & (start > brk_l)
        start = np.where(
            brk_first, np.maximum(np.maximum(free, brk_e) + brk_d + travel, v.window_start), start
        )
        back = self.tt[v.location, self.end_loc]
        dep = np.where(first_dep >= 0, first_dep, start - self.tt[self.start_loc, v.location])
        ok = self.allowed[i] & (start <= _latest_end(self.inst, v))
        ok &= start + v.duration + back <= self.shift_end
        ok &= start + v.duration + back - dep <= self.max_shift
        late = np.maximum(0, start - v.window_end) if v.soft_end else np.zeros_like(start)
        return start, self.cost_m[loc, v.location], late, ok, brk_first

    def _state(self) -> list[np.ndarray]:
        """Fresh per-vehicle state: location, free time, first departure, next break."""
        n = len(self.inst.vehicles)
        brk_e, brk_l, brk_d = (np.zeros(n, dtype=np.int64) for _ in range(3))
        for k, bs in enumerate(self.breaks):
            if bs:
                brk_e[k], brk_l[k], brk_d[k] = (
                    bs[0].earliest_start,
                    bs[0].latest_start,
                    bs[0].duration,
                )
        first_dep = np.full(n, -1, dtype=np.int64)
        return [self.start_loc.copy(), self.shift_start.copy(), first_dep, brk_e, brk_l, brk_d]

    def _place(self, st, taken, k: int, visit: int, start: int, brk_first: bool) -> None:
        """Append ``visit`` to vehicle k's round at ``start`` and update its state."""
        loc, free, first_dep, brk_e, brk_l, brk_d = st
        v = self.inst.visits[visit]
        if first_dep[k] < 0:
            first_dep[k] = start - self.tt[self.start_loc[k], v.location]
        if brk_first:
            taken[k] += 1
            bs = self.breaks[k]
            if taken[k] < len(bs):
                b = bs[taken[k]]
                brk_e[k], brk_l[k], brk_d[k] = b.earliest_start, b.latest_start, b.duration
            else:
                brk_d[k] = 0
        free[k], loc[k] = start + v.duration, v.location

    def decode(self, order: list[int]) -> tuple[list[list[int]], float]:
        """Routes (positions in ``active`` per vehicle) and their full cost."""
        inst, visits = self.inst, self.inst.visits
        st = self._state()
        taken = [0] * len(inst.vehicles)
        routes: list[list[int]] = [[] for _ in inst.vehicles]
        arcs, tard, tmax, missed = 0.0, 0.0, 0, 0.0
        w_max = inst.max_tardiness_weight

        def penalty(i: int) -> int:
            p = visits[i].penalty
            return p if p is not None else 1_000_000

        for i in order:
            if i not in self.partner:
                start, arc, late, ok, brk = self._slot(st, i)
                if not ok.any():
                    missed += penalty(i)
                    continue
                w = visits[i].tardiness_weight
                c = arc + w * late + w_max * np.maximum(0, late - tmax)
                k = int(np.argmin(np.where(ok, c, np.inf)))
                arcs, tard, tmax = arcs + arc[k], tard + w * late[k], max(tmax, int(late[k]))
                routes[k].append(self.pos[i])
                self._place(st, taken, k, i, int(start[k]), bool(brk[k]))
                continue
            g = self.partner[i]
            a, b = visits[g.first], visits[g.second]
            sa0, arc_a, _, ok_a, brk_a = self._slot(st, g.first)
            sb0, arc_b, _, ok_b, brk_b = self._slot(st, g.second)
            sb = np.maximum(sb0[None, :], sa0[:, None] + g.min_gap)
            sa = np.maximum(sa0[:, None], sb - g.max_gap)
            ok = ok_a[:, None] & ok_b[None, :] & self.not_eye
            ok &= (sa <= _latest_end(inst, a)) & (sb <= _latest_end(inst, b))
            if not ok.any():
                missed += penalty(g.first) + penalty(g.second)
                continue
            la = np.maximum(0, sa - a.window_end) if a.soft_end else 0 * sa
            lb = np.maximum(0, sb - b.window_end) if b.soft_end else 0 * sb
            c = arc_a[:, None] + arc_b[None, :] + a.tardiness_weight * la + b.tardiness_weight * lb
            c = c + w_max * np.maximum(0, np.maximum(la, lb) - tmax)
            ka, kb = np.unravel_index(int(np.argmin(np.where(ok, c, np.inf))), c.shape)
            arcs += arc_a[ka] + arc_b[kb]
            tard += a.tardiness_weight * la[ka, kb] + b.tardiness_weight * lb[ka, kb]
            tmax = max(tmax, int(la[ka, kb]), int(lb[ka, kb]))
            for k, visit, t, brk in (
                (ka, g.first, sa[ka, kb], brk_a[ka]),
                (kb, g.second, sb[ka, kb], brk_b[kb]),
            ):
                routes[k].append(self.pos[visit])
                self._place(st, taken, int(k), visit, int(t), bool(brk))
        used = np.array([bool(r) for r in routes])
        loc = st[0]
        arcs += float(self.cost_m[loc, self.end_loc][used].sum()) + float(self.fixed[used].sum())
        return routes, arcs + tard + w_max * tmax + missed


def _greedy_routes(
    inst: RoundsInstance, active: list[int], time_limit_s: float, seed: int
) -> list[list[int]]:
    """The decoder's best routes over orders improved by late-acceptance hill climbing.

    Starts from calls sorted by window start; each step swaps two calls or moves one, decodes,
    and accepts if no worse than the cost L steps ago (L = 50). Stops at the time limit.
    """
    dec = _Decoder(inst, active)
    rng = np.random.default_rng(seed)
    order = dec.initial_order()
    routes, cost = dec.decode(order)
    best_routes, best_cost = routes, cost
    history = [cost] * 50
    n = len(order)
    t_end = time.monotonic() + time_limit_s
    step = 0
    while n > 1 and time.monotonic() < t_end:
        cand = list(order)
        x, y = (int(z) for z in rng.choice(n, size=2, replace=False))
        if rng.random() < 0.5:
            cand[x], cand[y] = cand[y], cand[x]
        else:
            cand.insert(y, cand.pop(x))
        r, c = dec.decode(cand)
        slot = step % len(history)
        if c <= history[slot] or c <= cost:
            order, cost = cand, c
            if c < best_cost:
                best_routes, best_cost = r, c
        history[slot] = cost
        step += 1
    return best_routes


# --------------------------------------------------------------------------- solve / extract


def _build(inst: RoundsInstance, active: list[int], settings: RoundsSettings, optional_syncs: bool):
    """The routing model with every rule added, in the house order."""
    node_location, node_duration, depot_node = _build_nodes(inst, active)
    starts = [depot_node[veh.start_location] for veh in inst.vehicles]
    ends = [depot_node[veh.end_location] for veh in inst.vehicles]
    manager = pywrapcp.RoutingIndexManager(len(node_location), len(inst.vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    m = _Model(inst, manager, routing, node_location, node_duration, active)
    _add_arc_costs(m)
    _add_time_windows_and_shifts(m)
    _add_breaks(m)
    _add_skills(m)
    _add_capacity(m)
    _add_optional_visits(m, settings, optional_syncs)
    _add_synchronisation(m)
    _add_fixed_costs(m)
    return m


def solve_rounds(instance: RoundsInstance, settings: RoundsSettings | None = None) -> RoundsResult:
    """Plan the rounds of ``instance``: who visits which calls, in what order and when.

    Visits that no solution can serve are reported with a reason before the solve; visits the
    solver leaves out are reported as ``not_fitted``. Synchronised visits are first mandatory
    (local search moves one node at a time, so an optional pair that starts unserved would
    never be inserted); if that model has no solution within half the time left, it is solved
    again with the pairs optional. Raises :class:`SolverError` if OR-Tools returns no solution.
    """
    settings = settings or RoundsSettings()
    t0 = time.monotonic()
    inst = instance
    pre_missed = _precheck_missed(inst)
    active = [i for i in range(len(inst.visits)) if i not in pre_missed]
    if not inst.vehicles:
        missed = tuple(
            MissedVisit(i, pre_missed.get(i, "no_qualified_worker"))
            for i in range(len(inst.visits))
        )
        return RoundsResult((), missed, 0, "solved", settings, "none", 0.0, inst.name)

    warm = "none"
    notes: list[str] = []
    initial_routes = None
    if settings.warm_start == "auto" and active and _pyvrp_expressible(inst, active):
        budget = settings.time_limit_s * settings.warm_start_share
        initial_routes = _pyvrp_routes(inst, active, budget, settings)
        warm = "pyvrp" if initial_routes is not None else "pyvrp_failed"
    elif settings.warm_start == "auto" and any(g.first in active for g in inst.syncs):
        budget = settings.time_limit_s * settings.greedy_share
        initial_routes = _greedy_routes(inst, active, budget, settings.seed)
        warm = "greedy"

    node_of = {i: p for p, i in enumerate(active)}
    sync_nodes = {
        node_of[x]
        for g in inst.syncs
        if g.first in node_of and g.second in node_of
        for x in (g.first, g.second)
    }
    if not sync_nodes:
        attempts = [True]
    elif initial_routes is not None and not sync_nodes <= {p for r in initial_routes for p in r}:
        # The start leaves a pair out: keep pairs optional so that start can be used.
        attempts = [True]
    else:
        attempts = [False, True]
    solution = m = None
    for n, optional_syncs in enumerate(attempts):
        m = _build(inst, active, settings, optional_syncs)
        routing, manager = m.routing, m.manager
        initial = None
        if initial_routes is not None:
            routing.CloseModelWithParameters(_search_parameters(settings, 1.0))
            index_routes = [[manager.NodeToIndex(p) for p in r] for r in initial_routes]
            initial = routing.ReadAssignmentFromRoutes(index_routes, True)
            if initial is None and n + 1 < len(attempts):
                notes.append(f"the {warm} start breaks a rule with all pairs served")
                continue
            if initial is None:
                notes.append(f"OR-Tools rejected the {warm} start; solved from scratch")
                warm, initial_routes = f"{warm}_rejected", None
        left = settings.time_limit_s - (time.monotonic() - t0)
        share = 0.5 if n + 1 < len(attempts) and initial is None else 1.0
        params = _search_parameters(settings, max(0.1, left * share))
        if initial is not None:
            solution = routing.SolveFromAssignmentWithParameters(initial, params) or initial
            if inst.max_tardiness_weight and solution is not initial:
                # OR-Tools' search ignores the max-tardiness term: keep the start if better.
                res_a = _extract(m, solution, pre_missed, settings, warm, 0.0, notes)
                res_b = _extract(m, initial, pre_missed, settings, warm, 0.0, notes)
                if _full_cost(inst, res_b) < _full_cost(inst, res_a):
                    solution = initial
                    notes.append("kept the constructive start: lower cost with max tardiness")
        else:
            solution = routing.SolveWithParameters(params)
        if solution is not None:
            if optional_syncs and sync_nodes:
                notes.append("synchronised pairs were optional (some may be missed)")
            break
    if solution is None:
        raise SolverError(
            f"OR-Tools found no solution for rounds instance {inst.name!r} within "
            f"{settings.time_limit_s} s (status {m.routing.status()})"
        )
    return _extract(m, solution, pre_missed, settings, warm, time.monotonic() - t0, notes)


def _full_cost(inst: RoundsInstance, res: RoundsResult) -> tuple[int, int]:
    """(missed visits, arc cost + fixed cost + tardiness + weighted max tardiness) of a result."""
    arcs = res.travel_time if inst.arc_cost == "travel_time" else res.distance
    fixed = sum(inst.vehicles[r.vehicle].fixed_cost for r in res.routes)
    extra = inst.max_tardiness_weight * max(0, res.max_tardiness)
    return len(res.missed), arcs + fixed + res.tardiness + extra


def _extract(
    m: _Model,
    solution,
    pre_missed: dict[int, str],
    settings: RoundsSettings,
    warm: str,
    wall_s: float,
    notes: Sequence[str],
) -> RoundsResult:
    """Read routes, times and missed visits from an OR-Tools assignment."""
    inst, routing, manager, time_dim = m.inst, m.routing, m.manager, m.time
    tt, dd = inst.travel_time, inst.distance
    routes: list[Route] = []
    served: set[int] = set()
    tardiness = max_tardiness = 0
    container = solution.IntervalVarContainer()
    intervals = {
        container.Element(j).Var().Name(): container.Element(j) for j in range(container.Size())
    }
    for k, veh in enumerate(inst.vehicles):
        index = routing.Start(k)
        if routing.IsEnd(solution.Value(routing.NextVar(index))):
            continue
        start_time = solution.Min(time_dim.CumulVar(index))
        breaks: list[tuple[int, int]] = []
        end_time = solution.Min(time_dim.CumulVar(routing.End(k)))
        for iv in m.breaks.get(k, []):
            b = intervals.get(iv.Name())
            # A break wholly before the round starts or after it ends is not needed that day.
            if b is not None and b.PerformedValue():
                b_start, b_dur = b.StartValue(), b.DurationValue()
                if b_start >= start_time and b_start + b_dur <= end_time:
                    breaks.append((b_start, b_dur))
        breaks.sort()
        stops: list[Stop] = []
        prev_loc, prev_depart = veh.start_location, start_time
        travel = dist = wait = service = 0
        index = solution.Value(routing.NextVar(index))
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            i = m.active_visits[node]
            v = inst.visits[i]
            start = solution.Min(time_dim.CumulVar(index))
            t_arc, d_arc = int(tt[prev_loc, v.location]), int(dd[prev_loc, v.location])
            arrival = prev_depart + t_arc
            in_gap = sum(d for s, d in breaks if prev_depart <= s < start)
            w = max(0, start - arrival - in_gap)
            stops.append(Stop(i, arrival, start, w, t_arc, d_arc))
            if v.soft_end:
                tardiness += v.tardiness_weight * max(0, start - v.window_end)
                max_tardiness = max(max_tardiness, start - v.window_end)
            served.add(i)
            travel, dist, wait, service = (
                travel + t_arc,
                dist + d_arc,
                wait + w,
                service + v.duration,
            )
            prev_loc, prev_depart = v.location, start + v.duration
            index = solution.Value(routing.NextVar(index))
        travel += int(tt[prev_loc, veh.end_location])
        dist += int(dd[prev_loc, veh.end_location])
        routes.append(
            Route(k, tuple(stops), start_time, end_time, travel, dist, wait, service, tuple(breaks))
        )
    missed = [MissedVisit(i, r) for i, r in sorted(pre_missed.items())]
    missed += [MissedVisit(i, "not_fitted") for i in m.active_visits if i not in served]
    missed.sort(key=lambda x: x.visit)
    return RoundsResult(
        routes=tuple(routes),
        missed=tuple(missed),
        objective=int(solution.ObjectiveValue()),
        status="solved",
        settings=settings,
        warm_start=warm,
        wall_time_s=wall_s,
        instance_name=inst.name,
        tardiness=tardiness,
        max_tardiness=max_tardiness,
        notes=tuple(notes),
    )
