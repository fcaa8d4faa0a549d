"""Solver-independent checker of planned rounds: lists every rule a result breaks.

It reads only the instance records and the result's routes (no OR-Tools), recomputes times from
the matrices and checks windows, shifts, shift length, breaks, skills, capacity, synchronised
visits and that every visit is either served once or reported missed with a known reason. Tests
run it on every solution as the oracle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only: the checker never imports the solver module at run time
    from optimiser.models.rounds import RoundsInstance, RoundsResult, Route

__all__ = ["validate_rounds"]


def validate_rounds(instance: RoundsInstance, result: RoundsResult) -> list[str]:
    """Every violation of ``instance``'s rules by ``result``, as readable lines (empty = valid)."""
    out: list[str] = []
    out += _check_coverage(instance, result)
    for route in result.routes:
        out += _check_route(instance, route)
    out += _check_syncs(instance, result)
    return out


def _check_coverage(inst: RoundsInstance, result: RoundsResult) -> list[str]:
    """Each visit is served exactly once or missed with a known reason, never both."""
    out: list[str] = []
    served: dict[int, int] = {}
    vehicles_seen: set[int] = set()
    for route in result.routes:
        if not 0 <= route.vehicle < len(inst.vehicles):
            out.append(f"route of unknown vehicle {route.vehicle}")
        if route.vehicle in vehicles_seen:
            out.append(f"vehicle {route.vehicle} has two routes")
        vehicles_seen.add(route.vehicle)
        for s in route.stops:
            if not 0 <= s.visit < len(inst.visits):
                out.append(f"vehicle {route.vehicle} serves unknown visit {s.visit}")
            elif s.visit in served:
                out.append(f"visit {s.visit} is served twice")
            served[s.visit] = route.vehicle
    missed = {}
    for m in result.missed:
        if m.visit in missed:
            out.append(f"visit {m.visit} is reported missed twice")
        missed[m.visit] = m.reason
        if not isinstance(m.reason, str) or not m.reason:
            out.append(f"visit {m.visit} missed without a reason")
        if m.visit in served:
            out.append(f"visit {m.visit} is both served and reported missed")
    for i in range(len(inst.visits)):
        if i not in served and i not in missed:
            out.append(f"visit {i} is neither served nor reported missed (silently dropped)")
    return out


def _check_route(inst: RoundsInstance, route: Route) -> list[str]:
    """Times, windows, shift, shift length, breaks, skills and capacity of one route."""
    out: list[str] = []
    k = route.vehicle
    if not 0 <= k < len(inst.vehicles):
        return out
    veh = inst.vehicles[k]
    tt, dd = inst.travel_time, inst.distance
    tag = f"vehicle {k}"
    breaks = sorted(route.breaks)
    # breaks: each taken break matches a required one; an untaken one must be avoidable
    # (its latest start is at or after the round's end, or it fits before the round starts)
    taken = list(breaks)
    for spec in sorted(veh.breaks, key=lambda b: b.earliest_start):
        match = next(
            (
                b
                for b in taken
                if spec.earliest_start <= b[0] <= spec.latest_start and b[1] == spec.duration
            ),
            None,
        )
        if match is not None:
            taken.remove(match)
            continue
        avoidable = (
            spec.latest_start >= route.end_time
            or spec.earliest_start + spec.duration <= route.start_time
        )
        if not avoidable:
            out.append(
                f"{tag}: required break [{spec.earliest_start}, {spec.latest_start}] "
                f"({spec.duration}) not taken during the round"
            )
    for b_start, b_dur in taken:
        out.append(f"{tag}: break at {b_start} ({b_dur}) matches no required break")
    # the round as a sequence of gaps between leaving one place and starting at the next
    if route.start_time < veh.shift_start:
        out.append(f"{tag}: leaves at {route.start_time} before shift start {veh.shift_start}")
    if route.end_time > veh.shift_end:
        out.append(f"{tag}: returns at {route.end_time} after shift end {veh.shift_end}")
    if veh.max_shift is not None and route.end_time - route.start_time > veh.max_shift:
        out.append(f"{tag}: round lasts {route.end_time - route.start_time} > max {veh.max_shift}")
    allowed = None
    prev_loc, prev_depart = veh.start_location, route.start_time
    load = travel = dist = 0
    busy: list[tuple[int, int]] = []
    points = [(s.visit, s.start) for s in route.stops] + [(None, route.end_time)]
    for visit, start in points:
        loc = veh.end_location if visit is None else inst.visits[visit].location
        t_arc = int(tt[prev_loc, loc])
        travel += t_arc
        dist += int(dd[prev_loc, loc])
        in_gap = [b for b in breaks if prev_depart <= b[0] < start]
        need = t_arc + sum(d for _, d in in_gap)
        if start - prev_depart < need:
            what = "the end" if visit is None else f"visit {visit}"
            out.append(
                f"{tag}: starts {what} at {start}, but leaving at {prev_depart} it needs "
                f"{need} (travel {t_arc} + breaks) to get there"
            )
        for b_start, b_dur in in_gap:
            if b_start + b_dur > start:
                out.append(f"{tag}: break at {b_start} overlaps the next stop at {start}")
        if visit is None:
            break
        v = inst.visits[visit]
        if start < v.window_start:
            out.append(f"{tag}: visit {visit} starts at {start} before its window {v.window_start}")
        if not v.soft_end and start > v.window_end:
            out.append(f"{tag}: visit {visit} starts at {start} after its window {v.window_end}")
        allowed = inst.allowed_vehicles(visit)
        if k not in allowed:
            out.append(f"{tag}: not qualified or allowed for visit {visit}")
        load += v.demand
        busy.append((start, start + v.duration))
        prev_loc, prev_depart = v.location, start + v.duration
    for b_start, b_dur in breaks:
        if b_start < route.start_time or b_start + b_dur > route.end_time:
            out.append(f"{tag}: break at {b_start} outside the round")
        for s0, s1 in busy:
            if b_start < s1 and s0 < b_start + b_dur:
                out.append(f"{tag}: break at {b_start} overlaps a visit [{s0}, {s1})")
    if veh.capacity is not None and load > veh.capacity:
        out.append(f"{tag}: load {load} exceeds capacity {veh.capacity}")
    if travel != route.travel_time:
        out.append(f"{tag}: reports travel {route.travel_time}, matrix gives {travel}")
    if dist != route.distance:
        out.append(f"{tag}: reports distance {route.distance}, matrix gives {dist}")
    return out


def _check_syncs(inst: RoundsInstance, result: RoundsResult) -> list[str]:
    """Synchronised visits: both or neither, different vehicles, gap inside [min, max]."""
    out: list[str] = []
    where: dict[int, tuple[int, int]] = {}
    for route in result.routes:
        for s in route.stops:
            where[s.visit] = (route.vehicle, s.start)
    for g in inst.syncs:
        a, b = where.get(g.first), where.get(g.second)
        if (a is None) != (b is None):
            out.append(f"sync {g.first}/{g.second}: only one of the two visits is served")
            continue
        if a is None or b is None:
            continue
        if a[0] == b[0]:
            out.append(f"sync {g.first}/{g.second}: both visits on vehicle {a[0]}")
        gap = b[1] - a[1]
        if not g.min_gap <= gap <= g.max_gap:
            out.append(
                f"sync {g.first}/{g.second}: second starts {gap} after first, "
                f"allowed [{g.min_gap}, {g.max_gap}]"
            )
    return out
