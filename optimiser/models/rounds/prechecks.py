"""Pre-checks of a rounds instance: the visits no solution can serve, each with its reason.

A visit is missed before any search when no worker is qualified (or allowed) for it, when no
qualified worker can reach it inside its window and shift, or when its synchronised partner is
missed, the two windows cannot meet the pair's gap, or fewer than two qualified workers exist.
The reasons are keys of :data:`~optimiser.models.rounds.result.MISSED_REASONS`.
"""

from __future__ import annotations

from optimiser.models.rounds.records import RoundsInstance, SyncGroup, Visit

__all__ = ["latest_start", "precheck_missed"]


def latest_start(inst: RoundsInstance, visit: Visit) -> int:
    """Latest start allowed for a visit: its window end if hard, else the horizon."""
    return inst.horizon() if visit.soft_end else visit.window_end


def _reachable(inst: RoundsInstance, i: int, k: int) -> bool:
    """Whether vehicle k could serve visit i alone on an otherwise empty round."""
    v, veh, tt = inst.visits[i], inst.vehicles[k], inst.travel_time
    out = int(tt[veh.start_location, v.location])
    back = int(tt[v.location, veh.end_location])
    start = max(veh.shift_start + out, v.window_start)
    if start > latest_start(inst, v):
        return False
    if start + v.duration + back > veh.shift_end:
        return False
    return not (veh.max_shift is not None and out + v.duration + back > veh.max_shift)


def _sync_window_ok(inst: RoundsInstance, s: SyncGroup) -> bool:
    """Whether the two windows admit start times whose gap lies in [min_gap, max_gap]."""
    a, b = inst.visits[s.first], inst.visits[s.second]
    lo = b.window_start - latest_start(inst, a)
    hi = latest_start(inst, b) - a.window_start
    return max(lo, s.min_gap) <= min(hi, s.max_gap)


def precheck_missed(inst: RoundsInstance) -> dict[int, str]:
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
