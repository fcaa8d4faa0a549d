"""The PyVRP stage of the rounds engine: a start for OR-Tools from PyVRP's iterated local search.

PyVRP solves what it can express of a rounds instance: time windows (a soft window end relaxed
to the latest start the OR-Tools model allows: PyVRP cannot price tardiness, so the engine's
"auto" start does not call PyVRP for such instances), shift windows and maximum shift length,
optional calls whose prize is the missed-call penalty (capped, so that dropping a call beats an
infeasible plan), skills and allowed workers (one vehicle type per distinct set of callable
visits, each with its own routing profile whose arcs into the visits it may not serve cost
:data:`FORBIDDEN_ARC_COST`), load capacity and the fixed cost per used worker. What it cannot
express is left to OR-Tools, which reads the routes (``ReadAssignmentFromRoutes``), restores the
rest and polishes them:

- breaks: each worker's shift and maximum shift length are shortened by its breaks' total
  duration, so the routes leave room for them (OR-Tools places them; it may still reject a
  route whose calls leave no gap inside a break's allowed range, and the solve then notes it);
- synchronised double-handed calls: PyVRP has no synchronisation, so the engine pins each
  pair's two visits to the start times of its constructive start (``pins``): two visits pinned
  to one time cannot be on one worker's round, so PyVRP's routes serve the pair in sync, and
  OR-Tools frees the times again (see :mod:`.solve`);
- the maximum-tardiness term and soft-window tardiness: OR-Tools' search and the final choice.

The budget is deterministic when ``RoundsSettings.pyvrp_iterations`` is set (``MaxIterations``;
the time share below stays a cap, whose firing is reported); otherwise PyVRP runs for
``pyvrp_share`` of the time limit (``MaxRuntime``), which load can change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyvrp
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

from optimiser.models.rounds.prechecks import latest_start
from optimiser.models.rounds.records import UNLIMITED, RoundsInstance, RoundsSettings

__all__ = ["FORBIDDEN_ARC_COST", "PyvrpStart", "pyvrp_start"]

#: Cap on a visit's prize, well below PyVRP's maximum penalty per unit of violation, so that
#: dropping a call beats an infeasible plan before that cap is reached.
PRIZE_CAP = 10**5
#: PyVRP's maximum penalty per unit of violation.
MAX_PENALTY = 1e7
#: Arc cost into a visit a vehicle type may not serve (above any prize: never worth it).
FORBIDDEN_ARC_COST = 10**8


@dataclass(frozen=True)
class PyvrpStart:
    """PyVRP's routes (positions in ``active`` per vehicle) and how the stage ended.

    ``routes`` is None when PyVRP's best plan is infeasible. ``budget`` says what bounded the
    search: "iterations=N" (deterministic) or "runtime=S" (a share of the time limit);
    ``cap_fired`` is True when the wall-clock cap stopped an iteration budget early.
    """

    routes: list[list[int]] | None
    budget: str
    iterations: int
    cap_fired: bool
    objective: int


def _vehicle_key(inst: RoundsInstance, k: int, callable_mask: bytes) -> tuple:
    """Vehicles with the same key form one PyVRP vehicle type."""
    veh = inst.vehicles[k]
    brk = sum(b.duration for b in veh.breaks)
    return (
        veh.start_location,
        veh.end_location,
        veh.shift_start,
        veh.shift_end - brk,
        None if veh.max_shift is None else max(0, veh.max_shift - brk),
        veh.capacity,
        veh.fixed_cost,
        callable_mask,
    )


def _problem_data(
    inst: RoundsInstance,
    active: list[int],
    settings: RoundsSettings,
    pins: dict[int, tuple[int, int]],
) -> tuple[pyvrp.ProblemData, list[list[int]]]:
    """ProblemData for the active visits and the instance vehicles behind each vehicle type."""
    depot_of: dict[int, int] = {}
    depot_locs: list[int] = []
    for veh in inst.vehicles:
        for loc in (veh.start_location, veh.end_location):
            if loc not in depot_of:
                depot_of[loc] = len(depot_locs)
                depot_locs.append(loc)
    n_dep = len(depot_locs)
    all_locs = np.asarray(depot_locs + [inst.visits[i].location for i in active], dtype=np.int64)
    dur = inst.travel_time[np.ix_(all_locs, all_locs)].astype(np.int64)
    cost_m = inst.travel_time if inst.arc_cost == "travel_time" else inst.distance
    base = cost_m[np.ix_(all_locs, all_locs)].astype(np.int64)
    np.fill_diagonal(dur, 0)
    np.fill_diagonal(base, 0)
    use_load = any(inst.visits[i].demand for i in active)
    clients = []
    for i in active:
        v = inst.visits[i]
        penalty = v.penalty if v.penalty is not None else settings.missed_visit_penalty
        # A soft window end is relaxed to the latest start OR-Tools allows (given as hard, on
        # home care B1, C1, D1, E1, E5, OR-Tools rejected 3 of PyVRP's 5 starts).
        early, late = pins.get(i, (v.window_start, latest_start(inst, v)))
        clients.append(
            pyvrp.Client(
                location=n_dep + len(clients),
                delivery=[v.demand] if use_load else [],
                service_duration=v.duration,
                tw_early=early,
                tw_late=late,
                # Optional, as in the OR-Tools model, so an overfull day still has a plan.
                required=False,
                prize=int(min(penalty, PRIZE_CAP)),
            )
        )
    n_veh = len(inst.vehicles)
    can = np.zeros((n_veh, len(active)), dtype=bool)
    for p, i in enumerate(active):
        can[inst.allowed_vehicles(i), p] = True
    types: dict[tuple, list[int]] = {}
    for k in range(n_veh):
        types.setdefault(_vehicle_key(inst, k, can[k].tobytes()), []).append(k)
    profiles: dict[bytes, int] = {}
    dist_mats: list[np.ndarray] = []
    vtypes: list[pyvrp.VehicleType] = []
    members: list[list[int]] = []
    for key, ks in types.items():
        start, end, s0, s1, span, cap, fixed, mask = key
        if mask not in profiles:
            profiles[mask] = len(dist_mats)
            m = base.copy()
            forbidden = n_dep + np.flatnonzero(~np.frombuffer(mask, dtype=bool))
            m[:, forbidden] = FORBIDDEN_ARC_COST
            np.fill_diagonal(m, 0)
            dist_mats.append(m)
        vtypes.append(
            pyvrp.VehicleType(
                num_available=len(ks),
                capacity=[cap if cap is not None else UNLIMITED] if use_load else [],
                start_depot=depot_of[start],
                end_depot=depot_of[end],
                fixed_cost=int(fixed),
                tw_early=s0,
                tw_late=max(s0, s1),
                shift_duration=span if span is not None else np.iinfo(np.int64).max,
                profile=profiles[mask],
            )
        )
        members.append(ks)
    locations = [pyvrp.Location(0.0, 0.0) for _ in all_locs]
    depots = [pyvrp.Depot(location=d) for d in range(n_dep)]
    data = pyvrp.ProblemData(locations, clients, depots, vtypes, dist_mats, [dur] * len(dist_mats))
    return data, members


def pyvrp_start(
    inst: RoundsInstance,
    active: list[int],
    settings: RoundsSettings,
    time_cap_s: float,
    pins: dict[int, tuple[int, int]] | None = None,
) -> PyvrpStart:
    """PyVRP's best routes for the visits ``active``, as positions in ``active`` per vehicle.

    The budget is ``settings.pyvrp_iterations`` iterations when set (``time_cap_s`` then only a
    safety net), else ``time_cap_s`` of run time. Visits a route holds that its vehicle may not
    serve (a forbidden arc PyVRP still took) are left out of the start. ``pins`` replaces the
    window of the visits it names (the engine pins each synchronised visit to one start time).
    """
    data, members = _problem_data(inst, active, settings, pins or {})
    if settings.pyvrp_iterations is not None:
        stop = MultipleCriteria(
            [MaxIterations(settings.pyvrp_iterations), MaxRuntime(max(0.01, time_cap_s))]
        )
        budget = f"iterations={settings.pyvrp_iterations}"
    else:
        stop = MaxRuntime(max(0.01, time_cap_s))
        budget = f"runtime={time_cap_s:.3g}s"
    params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=MAX_PENALTY))
    res = pyvrp.solve(
        data, stop, seed=settings.seed, collect_stats=False, display=False, params=params
    )
    cap_fired = (
        settings.pyvrp_iterations is not None and res.num_iterations < settings.pyvrp_iterations
    )
    if not res.best.is_feasible():
        return PyvrpStart(None, budget, res.num_iterations, cap_fired, 0)
    routes: list[list[int]] = [[] for _ in inst.vehicles]
    used = [0] * len(members)
    allowed = [set(inst.allowed_vehicles(i)) for i in active]
    for r in res.best.routes():
        t = r.vehicle_type()
        k = members[t][used[t]]
        used[t] += 1
        routes[k] = [a.idx for a in r if a.is_client() and k in allowed[a.idx]]
    return PyvrpStart(routes, budget, res.num_iterations, cap_fired, int(res.cost()))
