"""The routing model of a rounds instance: one ``_add_<rule>`` per rule, and search parameters.

This is the only module that imports OR-Tools routing. Visits become nodes (one per active
visit, then one per distinct depot location); the rules are added in a fixed order:

- each arc costs its travel time or distance (the instance's ``arc_cost``), given as data;
- a visit starts inside its window (hard), or after its window start with a linear tardiness
  cost beyond the window end (soft, ``SetCumulVarSoftUpperBound``); rounds stay inside their
  shift windows and maximum shift length (the span of the time dimension);
- fixed-duration breaks (``SetBreakIntervalsOfVehicle``), never during a visit;
- only vehicles whose skills cover the visit (and that its allowed set admits) may serve it;
- optional load capacity (the Solomon benchmark);
- a visit is optional with a penalty (a disjunction), so a call that cannot be fitted becomes a
  missed call rather than an infeasible model;
- synchronised visits (a, b, min_gap, max_gap): b starts min_gap..max_gap after a, on another
  vehicle, both served or both missed. OR-Tools has no native synchronisation: the two visits'
  start-time (cumul) variables are tied by constraints added to the routing solver;
- the weighted maximum tardiness over visits (``RoundsInstance.max_tardiness_weight``, a
  min-max term): a "late" dimension with no transit, whose cumul at a soft visit is at least its
  lateness and never falls along a round, priced by the dimension's global span cost (the
  largest round end; starts are fixed at 0), so the search sees the term (home care E1 through
  ``bench_hhc`` with 3000 constructive steps and 300 OR-Tools solutions, no cap fired: gap
  19.4% without it, -0.8% with it; without it the search stalls at the same cost from 25 s to
  45 s). Its solutions cost more CPU each (E1: about 5 min for the 300, against about 2);
- a fixed cost per used vehicle.

OR-Tools' filters see neither the synchronisation constraints nor the link between lateness
and the "late" dimension: they under-estimate the cost of moves that delay a pair's partner or
raise the maximum, and the solver's propagation then rejects them (counted as failures).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from optimiser.models.rounds.prechecks import latest_start
from optimiser.models.rounds.records import UNLIMITED, RoundsInstance, RoundsSettings, Visit

__all__ = ["Model", "build_model", "search_parameters"]


@dataclass
class Model:
    """The OR-Tools objects of one solve, kept together for the rule functions."""

    inst: RoundsInstance
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    node_location: list[int]
    node_duration: list[int]
    active_visits: list[int]
    time: pywrapcp.RoutingDimension | None = None
    breaks: dict[int, list] = field(default_factory=dict)
    late: pywrapcp.RoutingDimension | None = None


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


def _add_arc_costs(m: Model) -> None:
    # Each arc costs its travel time or distance (as the instance says), given as data.
    matrix = m.inst.travel_time if m.inst.arc_cost == "travel_time" else m.inst.distance
    idx = m.routing.RegisterTransitMatrix(_node_matrix(matrix, m.node_location, None))
    m.routing.SetArcCostEvaluatorOfAllVehicles(idx)


def _add_time_windows_and_shifts(m: Model) -> None:
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
        time_dim.CumulVar(index).SetRange(v.window_start, latest_start(inst, v))
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


def _add_breaks(m: Model) -> None:
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


def _add_skills(m: Model) -> None:
    # Only qualified (and allowed) workers may serve a visit.
    n_veh = len(m.inst.vehicles)
    for node, i in enumerate(m.active_visits):
        allowed = m.inst.allowed_vehicles(i)
        if len(allowed) < n_veh:
            # SetAllowedVehiclesForIndex's Span argument is unusable from Python in 9.15;
            # restricting the vehicle variable's domain (-1 = unperformed) is equivalent.
            m.routing.VehicleVar(m.manager.NodeToIndex(node)).SetValues([-1, *allowed])


def _add_capacity(m: Model) -> None:
    # The sum of demands on a round stays within the vehicle's capacity (benchmarks only).
    inst = m.inst
    if not any(v.demand for v in inst.visits):
        return
    demand = [inst.visits[i].demand for i in m.active_visits]
    demand += [0] * (len(m.node_location) - len(demand))
    idx = m.routing.RegisterUnaryTransitVector(demand)
    caps = [veh.capacity if veh.capacity is not None else UNLIMITED for veh in inst.vehicles]
    m.routing.AddDimensionWithVehicleCapacity(idx, 0, caps, True, "load")


def _penalty(visit: Visit, settings: RoundsSettings) -> int:
    """The cost of missing a visit: its own penalty, else the settings' default."""
    return int(visit.penalty if visit.penalty is not None else settings.missed_visit_penalty)


def _add_optional_visits(m: Model, settings: RoundsSettings, optional_syncs: bool) -> None:
    # Any visit may be missed at a penalty, so an impossible call is reported, not fatal.
    synced = {x for g in m.inst.syncs for x in (g.first, g.second)}
    for node, i in enumerate(m.active_visits):
        v = m.inst.visits[i]
        if i in synced and not optional_syncs:
            continue
        m.routing.AddDisjunction([m.manager.NodeToIndex(node)], _penalty(v, settings))


def _add_synchronisation(m: Model) -> None:
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


def _add_max_tardiness(m: Model) -> None:
    # The largest lateness of any visit, weighted (a min-max term): a "late" dimension with no
    # transit and free slack, whose cumul at a visit is at least that visit's lateness; cumuls
    # never fall along a round, so each round's end holds its round's maximum, and the global
    # span cost (largest end minus smallest start, starts fixed at 0) charges the maximum.
    inst, routing, solver = m.inst, m.routing, m.routing.solver()
    soft = [
        (node, inst.visits[i].window_end)
        for node, i in enumerate(m.active_visits)
        if inst.visits[i].soft_end
    ]
    if not inst.max_tardiness_weight or not soft:
        return
    horizon = inst.horizon()
    routing.AddConstantDimensionWithSlack(0, horizon, horizon, True, "late")
    late = routing.GetDimensionOrDie("late")
    for node, window_end in soft:
        index = m.manager.NodeToIndex(node)
        solver.Add(late.CumulVar(index) >= m.time.CumulVar(index) - window_end)
    late.SetGlobalSpanCostCoefficient(int(inst.max_tardiness_weight))
    m.late = late


def _add_fixed_costs(m: Model) -> None:
    # A used round costs its vehicle's fixed cost (fleet-size minimisation where wanted).
    for k, veh in enumerate(m.inst.vehicles):
        if veh.fixed_cost:
            m.routing.SetFixedCostOfVehicle(int(veh.fixed_cost), k)


def search_parameters(settings: RoundsSettings, time_limit_s: float):
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


def build_model(
    inst: RoundsInstance,
    active: list[int],
    settings: RoundsSettings,
    optional_syncs: bool,
) -> Model:
    """The routing model with every rule added, in the house order."""
    node_location, node_duration, depot_node = _build_nodes(inst, active)
    starts = [depot_node[veh.start_location] for veh in inst.vehicles]
    ends = [depot_node[veh.end_location] for veh in inst.vehicles]
    manager = pywrapcp.RoutingIndexManager(len(node_location), len(inst.vehicles), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    m = Model(inst, manager, routing, node_location, node_duration, active)
    _add_arc_costs(m)
    _add_time_windows_and_shifts(m)
    _add_breaks(m)
    _add_skills(m)
    _add_capacity(m)
    _add_optional_visits(m, settings, optional_syncs)
    _add_synchronisation(m)
    if settings.price_max_tardiness:
        _add_max_tardiness(m)
    _add_fixed_costs(m)
    return m
