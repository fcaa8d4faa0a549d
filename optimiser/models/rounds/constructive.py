"""The constructive start: rounds decoded from an order of calls, improved by hill climbing.

Used where synchronised visits exist (OR-Tools' local search moves one node at a time, so it
seldom finds a good place for a pair): calls are appended where they cost least, pairs placed
together on two workers, and late-acceptance hill climbing over the call order keeps the best
decoded rounds. OR-Tools then checks the start and improves it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from optimiser.models.rounds.prechecks import latest_start
from optimiser.models.rounds.records import UNLIMITED, RoundsInstance

__all__ = ["greedy_routes"]


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
            [veh.max_shift if veh.max_shift is not None else UNLIMITED for veh in inst.vehicles],
            dtype=np.int64,
        )
        self.breaks = [sorted(veh.breaks, key=lambda b: b.earliest_start) for veh in inst.vehicles]
        self.allowed = {}
        for i in active:
            mask = np.zeros(n_veh, dtype=bool)
            mask[inst.allowed_vehicles(i)] = True
            self.allowed[i] = mask
        # Latest starts per visit, computed once (the horizon is a max over the vehicles).
        self.latest = {i: latest_start(inst, inst.visits[i]) for i in active}
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
        loc, free, first_dep, brk_e, brk_l, brk_d = st[:6]
        v = self.inst.visits[i]
        travel = self.tt[loc, v.location]
        start = np.maximum(free + travel, v.window_start)
        brk_first = (brk_d > 0) & (start > brk_l)
        start = np.where(
            brk_first, np.maximum(np.maximum(free, brk_e) + brk_d + travel, v.window_start), start
        )
        back = self.tt[v.location, self.end_loc]
        dep = np.where(first_dep >= 0, first_dep, start - self.tt[self.start_loc, v.location])
        ok = self.allowed[i] & (start <= self.latest[i])
        ok &= start + v.duration + back <= self.shift_end
        ok &= start + v.duration + back - dep <= self.max_shift
        late = np.maximum(0, start - v.window_end) if v.soft_end else np.zeros_like(start)
        return start, self.cost_m[loc, v.location], late, ok, brk_first

    def _state(self) -> np.ndarray:
        """Fresh per-vehicle state, one row each: location, free time, first departure, next
        break (earliest start, latest start, duration), breaks taken, calls on the round."""
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
        rows = [self.start_loc, self.shift_start, first_dep, brk_e, brk_l, brk_d]
        return np.vstack([np.asarray(r, dtype=np.int64) for r in rows] + [np.zeros((2, n), int)])

    def _place(self, st, k: int, visit: int, start: int, brk_first: bool) -> None:
        """Append ``visit`` to vehicle k's round at ``start`` and update its state."""
        loc, free, first_dep, brk_e, brk_l, brk_d, taken, length = st
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
        length[k] += 1

    def decode(self, order: list[int]) -> tuple[list[list[int]], float]:
        """Routes (positions in ``active`` per vehicle) and their full cost."""
        routes, cost, _ = self.decode_from(order)
        return routes, cost

    def decode_from(
        self, order: list[int], prev: _Trace | None = None, keep: int = 0
    ) -> tuple[list[list[int]], float, _Trace]:
        """As :meth:`decode`, resuming from ``prev`` (the trace of an order that agrees with
        ``order`` on its first ``keep`` calls) at call ``keep``; also returns this trace.

        The decode is a pure function of the order, so the result equals a full decode's.
        """
        inst, visits = self.inst, self.inst.visits
        if prev is None or keep <= 0:
            keep = 0
            st = self._state()
            routes: list[list[int]] = [[] for _ in inst.vehicles]
            arcs, tard, tmax, missed = 0.0, 0.0, 0, 0.0
        else:
            st = prev.states[keep].copy()
            routes = [r[:n] for r, n in zip(prev.routes, st[7].tolist(), strict=True)]
            arcs, tard, tmax, missed = prev.totals[keep]
        states = prev.states[:keep] if keep else []
        totals = prev.totals[:keep] if keep else []
        w_max = inst.max_tardiness_weight

        def penalty(i: int) -> int:
            p = visits[i].penalty
            return p if p is not None else 1_000_000

        for i in order[keep:]:
            states.append(st.copy())
            totals.append((arcs, tard, tmax, missed))
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
                self._place(st, k, i, int(start[k]), bool(brk[k]))
                continue
            g = self.partner[i]
            a, b = visits[g.first], visits[g.second]
            sa0, arc_a, _, ok_a, brk_a = self._slot(st, g.first)
            sb0, arc_b, _, ok_b, brk_b = self._slot(st, g.second)
            sb = np.maximum(sb0[None, :], sa0[:, None] + g.min_gap)
            sa = np.maximum(sa0[:, None], sb - g.max_gap)
            ok = ok_a[:, None] & ok_b[None, :] & self.not_eye
            ok &= (sa <= self.latest[g.first]) & (sb <= self.latest[g.second])
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
                self._place(st, int(k), visit, int(t), bool(brk))
        used = np.array([bool(r) for r in routes])
        loc = st[0]
        arcs += float(self.cost_m[loc, self.end_loc][used].sum()) + float(self.fixed[used].sum())
        return routes, arcs + tard + w_max * tmax + missed, _Trace(states, totals, routes)


@dataclass(frozen=True)
class _Trace:
    """A decode's state before each call of its order (``states[j]``, ``totals[j]``: arc
    cost, tardiness, maximum tardiness and missed penalties so far) and its final routes, from
    which a decode of an order sharing the first j calls resumes (see ``decode_from``)."""

    states: list[np.ndarray]
    totals: list[tuple]
    routes: list[list[int]]


def greedy_routes(
    inst: RoundsInstance,
    active: list[int],
    time_limit_s: float,
    seed: int,
    max_steps: int | None = None,
) -> list[list[int]]:
    """The decoder's best routes over orders improved by late-acceptance hill climbing.

    Starts from calls sorted by window start; each step swaps two calls or moves one, decodes,
    and accepts if no worse than the cost L steps ago (L = 50). Stops at the time limit, or
    after ``max_steps`` steps if that comes first (a budget load cannot change: with it and a
    time limit that is not reached, the routes depend on the seed alone).
    """
    dec = _Decoder(inst, active)
    rng = np.random.default_rng(seed)
    order = dec.initial_order()
    routes, cost, trace = dec.decode_from(order)
    best_routes, best_cost = routes, cost
    history = [cost] * 50
    n = len(order)
    t_end = time.monotonic() + time_limit_s
    step = 0
    while n > 1 and time.monotonic() < t_end and (max_steps is None or step < max_steps):
        cand = list(order)
        x, y = (int(z) for z in rng.choice(n, size=2, replace=False))
        if rng.random() < 0.5:
            cand[x], cand[y] = cand[y], cand[x]
        else:
            cand.insert(y, cand.pop(x))
        # Calls before min(x, y) keep their place: resume the accepted order's decode there.
        r, c, cand_trace = dec.decode_from(cand, trace, min(x, y))
        slot = step % len(history)
        if c <= history[slot] or c <= cost:
            order, cost, trace = cand, c, cand_trace
            if c < best_cost:
                best_routes, best_cost = r, c
        history[slot] = cost
        step += 1
    return best_routes
