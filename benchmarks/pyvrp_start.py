"""PyVRP's routes for a rounds instance, handed to ``solve_rounds`` as its initial routes.

Benchmarks only: the product's provider-days always have breaks (and often double-handed
calls), which PyVRP cannot express, so the product never takes this path. Where an instance has
nothing PyVRP cannot express (no synchronisation, no breaks, no soft windows, no skill
restrictions), PyVRP solves it first for ``PYVRP_SHARE`` of the time limit and its routes seed
OR-Tools, which improves them with its own local search for the rest of the time. The result is
always read from the OR-Tools assignment, by the same ``solve_rounds`` the product calls.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pyvrp
from pyvrp.stop import MaxRuntime

from optimiser.models.rounds import RoundsInstance, RoundsResult, RoundsSettings, solve_rounds

__all__ = ["PYVRP_SHARE", "pyvrp_expressible", "pyvrp_routes", "solve_with_pyvrp_start"]

#: Fraction of the time limit given to PyVRP; OR-Tools has the rest.
PYVRP_SHARE = 0.8
#: Cap on a visit's prize, well below PyVRP's maximum penalty per unit of violation, so that
#: dropping a call beats an infeasible plan before that cap is reached.
PYVRP_PRIZE_CAP = 10**5
#: PyVRP's maximum penalty per unit of violation.
PYVRP_MAX_PENALTY = 1e7
#: Stand-in for "no limit" (capacity, shift length).
_UNLIMITED = 10**12


def pyvrp_expressible(inst: RoundsInstance) -> bool:
    """Whether PyVRP can solve this instance as stated (no sync, breaks, soft windows, skills)."""
    if inst.syncs or any(veh.breaks for veh in inst.vehicles):
        return False
    n_veh = len(inst.vehicles)
    return all(
        not v.soft_end and len(inst.allowed_vehicles(i)) == n_veh for i, v in enumerate(inst.visits)
    )


def pyvrp_routes(
    inst: RoundsInstance, time_limit_s: float, settings: RoundsSettings
) -> list[list[int]] | None:
    """PyVRP's best routes as visit indices per vehicle; None if its best plan is infeasible."""
    loc_ids: dict[int, int] = {}
    depots_locs: list[int] = []
    for veh in inst.vehicles:
        for loc in (veh.start_location, veh.end_location):
            if loc not in loc_ids:
                loc_ids[loc] = len(depots_locs)
                depots_locs.append(loc)
    all_locs = depots_locs + [v.location for v in inst.visits]
    idx = np.asarray(all_locs, dtype=np.int64)
    dur = inst.travel_time[np.ix_(idx, idx)].astype(np.int64)
    cost_m = inst.travel_time if inst.arc_cost == "travel_time" else inst.distance
    dist = cost_m[np.ix_(idx, idx)].astype(np.int64)
    locations = [pyvrp.Location(0.0, 0.0) for _ in all_locs]
    depots = [pyvrp.Depot(location=d) for d in range(len(depots_locs))]
    use_load = any(v.demand for v in inst.visits)
    clients = [
        pyvrp.Client(
            location=len(depots_locs) + i,
            delivery=[v.demand] if use_load else [],
            service_duration=v.duration,
            tw_early=v.window_start,
            tw_late=v.window_end,
            # Optional, as in the OR-Tools model, so an overfull day still has feasible plans.
            required=False,
            prize=min(
                v.penalty if v.penalty is not None else settings.missed_visit_penalty,
                PYVRP_PRIZE_CAP,
            ),
        )
        for i, v in enumerate(inst.visits)
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
                capacity=[cap if cap is not None else _UNLIMITED] if use_load else [],
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
    params = pyvrp.SolveParams(penalty=pyvrp.PenaltyParams(max_penalty=PYVRP_MAX_PENALTY))
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


def solve_with_pyvrp_start(inst: RoundsInstance, settings: RoundsSettings) -> RoundsResult:
    """``solve_rounds`` seeded with PyVRP's routes where PyVRP can express the instance.

    The whole run keeps to ``settings.time_limit_s``: PyVRP takes ``PYVRP_SHARE`` of it and
    ``solve_rounds`` the rest. Where PyVRP cannot express the instance, this is the product's
    own path (nothing handed in). The result's ``warm_start`` says "pyvrp" when PyVRP's routes
    seeded the search, "pyvrp_failed" when its best plan was infeasible (OR-Tools then starts
    from scratch for the time left), and otherwise what the product did.
    """
    if not inst.visits or not inst.vehicles or not pyvrp_expressible(inst):
        return solve_rounds(inst, settings)
    t0 = time.monotonic()
    routes = pyvrp_routes(inst, settings.time_limit_s * PYVRP_SHARE, settings)
    left = max(0.1, settings.time_limit_s - (time.monotonic() - t0))
    rest = dataclasses.replace(settings, time_limit_s=left)
    if routes is None:
        res = solve_rounds(inst, rest)
        label = "pyvrp_failed"
    else:
        res = solve_rounds(inst, rest, initial_routes=routes)
        label = res.warm_start.replace("given", "pyvrp")
    return dataclasses.replace(
        res, settings=settings, warm_start=label, wall_s=time.monotonic() - t0
    )
