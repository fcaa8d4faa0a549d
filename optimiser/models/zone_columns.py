"""Zone design by zone columns: every feasible zone enumerated, priced, the few that matter solved.

The same model as ``optimiser.models.zone_design`` (read its docstring), written over *zone
columns* instead of unit-to-centre assignments, which makes the relaxation's zones whole:

1. *Enumerate*: every connected set of units whose demand is at least the minimum volume and
   at most what ``max_leads`` providers can carry (the largest usable capacities), that keeps
   keep-together groups whole and holds at most one pinned label. Each column's centre is its
   best unit (least demand-weighted travel to it): the centre changes only the spread term, so
   an optimal design always uses each zone's best centre.
2. *Price*: the master LP chooses K columns covering every unit once, with the lead and serving
   variables of the unit model (indexed by the column's centre). It is solved by column
   generation: a restricted master over a few columns, then every enumerated column priced by
   its reduced cost under the master's duals (numpy, all at once), the most negative ones
   added, until none is negative. Its value is a lower bound on every design.
3. *Solve*: the restricted master as a MIP gives a design, whose objective U is a true upper
   bound (it keeps every rule). A column whose reduced cost exceeds U minus the LP bound is in
   no design better than U (the reduced-cost argument), so the final MIP over the remaining
   columns is exact: its optimum is the optimum of the whole model.

The budget is HiGHS's node count in the two MIPs (deterministic); pricing rounds are capped by
``MAX_PRICING_ROUNDS``. Sizes: Rutland's 26 LSOAs have about 1.9 million such columns; the
enumeration refuses more than ``MAX_COLUMNS`` (the caller then uses the unit model).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from optimiser.models.design_records import TRAVEL_SCALE, DesignInstance, DesignRules

#: Most zone columns enumerated; above it the column method declines (``TooManyColumns``).
MAX_COLUMNS = 4_000_000
#: Most pricing rounds of the column generation.
MAX_PRICING_ROUNDS = 200
#: Columns added per pricing round (the most negative reduced costs).
COLUMNS_PER_ROUND = 300
#: Columns (least reduced cost) added when the priced columns hold no design.
RETRY_COLUMNS = 5_000
#: Objective of the artificial columns that make the first restricted master feasible.
ARTIFICIAL_COST = 1e6


class TooManyColumns(Exception):
    """The area has more feasible zones than ``MAX_COLUMNS``."""


class NoDesign(Exception):
    """The master LP over every feasible zone needs its artificial cover: no design exists."""


@dataclass(frozen=True)
class Columns:
    """Enumerated zones: ``members`` (C x N, bool), ``centre`` (C), ``demand`` (C) [min],
    ``spread`` (C) [objective units: spread_weight x demand x travel / total demand]."""

    members: np.ndarray
    centre: np.ndarray
    demand: np.ndarray
    spread: np.ndarray


def _max_zone_demand(demand: np.ndarray, capacity: np.ndarray, rules: DesignRules) -> float:
    """A zone carries at most its leads' capacity, and leaves the others K-1 minimum volumes."""
    k = rules.n_zones
    by_leads = float(np.sort(capacity)[::-1][: rules.max_leads].sum())
    return min(by_leads, float(demand.sum()) - (k - 1) * rules.min_volume_h * 60.0)


def enumerate_columns(inst: DesignInstance, rules: DesignRules) -> Columns:
    """Every connected unit set within the volume and lead-capacity limits (see step 1)."""
    n = inst.n_units
    demand = inst.demand_min.astype(np.float64)
    capacity = rules.usable_capacity_min(inst.capacity_min).astype(np.float64)
    low = rules.min_volume_h * 60.0 - 1e-6
    high = _max_zone_demand(demand, capacity, rules) + 1e-6
    nb_mask = [0] * n
    for u, v in inst.arcs.tolist():
        nb_mask[u] |= 1 << v
        nb_mask[v] |= 1 << u
    d = demand.tolist()
    masks: list[int] = []

    # ESU enumeration (each connected set once, grown from its lowest unit v): ``ext`` are the
    # units that may join, ``seen`` the set and its neighbourhood (never added later).
    def grow(mask: int, ext: int, seen: int, v: int, dem: float) -> None:
        if dem >= low:
            masks.append(mask)
            if len(masks) > MAX_COLUMNS:
                raise TooManyColumns(f"more than {MAX_COLUMNS:,} feasible zones")
        while ext:
            w = ext.bit_length() - 1
            ext &= ~(1 << w)
            if dem + d[w] > high:
                continue
            new = nb_mask[w] & ~seen & ~((1 << (v + 1)) - 1)
            grow(mask | (1 << w), ext | new, seen | nb_mask[w], v, dem + d[w])

    for v in range(n):
        if d[v] <= high:
            above = ~((1 << (v + 1)) - 1)
            grow(1 << v, nb_mask[v] & above, nb_mask[v] | (1 << v), v, d[v])
    bits = np.array(masks, dtype=np.int64)
    members = ((bits[:, None] >> np.arange(n)) & 1).astype(bool)
    members = members[_keeps_groups(inst, rules, members)]
    t = inst.unit_travel_int() / TRAVEL_SCALE
    w = rules.spread_weight * demand[:, None] * t / max(demand.sum(), 1.0)
    centre = np.empty(len(members), dtype=np.int64)
    spread = np.empty(len(members))
    for s in range(0, len(members), 100_000):
        m = members[s : s + 100_000]
        cost = m.astype(np.float64) @ w
        cost[~m] = np.inf
        centre[s : s + 100_000] = np.argmin(cost, axis=1)
        spread[s : s + 100_000] = cost[np.arange(len(m)), centre[s : s + 100_000]]
    order = np.argsort(centre, kind="stable")  # columns grouped by centre (for the pricing)
    members, centre, spread = members[order], centre[order], spread[order]
    return Columns(members, centre, members.astype(np.float64) @ demand, spread)


def _keeps_groups(inst: DesignInstance, rules: DesignRules, members: np.ndarray) -> np.ndarray:
    """Columns that hold each keep-together group whole or not at all, and one pinned label."""
    ok = np.ones(len(members), dtype=bool)
    for group in rules.groups(inst.unit_ids):
        inside = members[:, group].sum(axis=1)
        ok &= (inside == 0) | (inside == len(group))
    apart = rules.pinned_apart(inst.unit_ids)
    if len(apart) > 1:
        ok &= members[:, apart].sum(axis=1) <= 1
    return ok


class _Master:
    """The master over a set of columns: y (columns), lead[k, r], serve[u, r, k] shares."""

    def __init__(self, inst: DesignInstance, rules: DesignRules) -> None:
        self.inst, self.rules = inst, rules
        n, p = inst.n_units, inst.n_providers
        self.n, self.p = n, p
        self.demand = inst.demand_min.astype(np.float64)
        self.capacity = rules.usable_capacity_min(inst.capacity_min).astype(np.float64)
        total = max(self.demand.sum(), 1.0)
        t_office = inst.office_travel_int() / TRAVEL_SCALE  # (P, N)
        # fixed block: lead (p*n, index k*n + r), serve (n*n*p, index (u*n + r)*p + k)
        self.n_fixed = p * n + n * n * p
        cost = np.zeros(self.n_fixed)
        serve_cost = rules.lead_weight * self.demand[:, None] * t_office.T / total  # (N, P)
        cost[p * n :] = np.repeat(serve_cost[:, None, :], n, axis=1).reshape(-1)
        self.fixed_cost = cost
        self._build_rows()

    def lead(self, k: Any, r: Any) -> Any:
        return k * self.n + r

    def serve(self, u: Any, r: Any, k: Any) -> Any:
        return self.p * self.n + (u * self.n + r) * self.p + k

    def _build_rows(self) -> None:
        """Rows and the fixed block's coefficients; row blocks named for the pricing."""
        n, p = self.n, self.p
        rows: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        lo: list[np.ndarray] = []
        hi: list[np.ndarray] = []
        self.block: dict[str, int] = {}
        r0 = 0

        def block(name: str, count: int, low: float, high: float) -> int:
            nonlocal r0
            self.block[name] = r0
            lo.append(np.full(count, low))
            hi.append(np.full(count, high))
            r0 += count
            return self.block[name]

        def put(r: np.ndarray, c: np.ndarray, v: np.ndarray | float) -> None:
            r, c, v = np.broadcast_arrays(np.asarray(r), np.asarray(c), np.asarray(v, dtype=float))
            rows.append(r.astype(np.int64).ravel())
            cols.append(c.astype(np.int64).ravel())
            vals.append(v.astype(np.float64).ravel())

        u, r, k = np.meshgrid(np.arange(n), np.arange(n), np.arange(p), indexing="ij")
        kk, rr = np.meshgrid(np.arange(p), np.arange(n), indexing="ij")
        # partition (u): sum of columns holding u = 1; count: K columns
        block("partition", n, 1, 1)
        block("count", 1, self.rules.n_zones, self.rules.n_zones)
        # link (u, r): sum_k serve[u, r, k] - (columns centred at r holding u) = 0
        b = block("link", n * n, 0, 0)
        put(b + u * n + r, self.serve(u, r, k), 1.0)
        # serve[u, r, k] <= lead[k, r]
        b = block("serve_lead", n * n * p, -np.inf, 0)
        idx = (u * n + r) * p + k
        put(b + idx, self.serve(u, r, k), 1.0)
        put(b + idx, self.lead(k, r), -1.0)
        # capacity (k): sum demand x serve <= capacity
        b = block("capacity", p, -np.inf, 0)
        self._capacity_row = b
        put(b + k, self.serve(u, r, k), self.demand[u])
        # lead capacity (r, k): served in zone r by k <= capacity_k x lead[k, r]
        b = block("lead_capacity", n * p, -np.inf, 0)
        put(b + r * p + k, self.serve(u, r, k), self.demand[u])
        put(b + rr * p + kk, self.lead(kk, rr), -self.capacity[kk])
        # zone fits leads (r): zone demand - sum_k capacity_k lead[k, r] <= 0
        b = block("fits", n, -np.inf, 0)
        put(b + rr, self.lead(kk, rr), -self.capacity[kk])
        # leads per zone (r): X_r - sum_k lead <= 0; sum_k lead - max_leads X_r <= 0
        b = block("leads_low", n, -np.inf, 0)
        put(b + rr, self.lead(kk, rr), -1.0)
        b = block("leads_high", n, -np.inf, 0)
        put(b + rr, self.lead(kk, rr), 1.0)
        # lead[k, r] <= X_r
        b = block("lead_open", p * n, -np.inf, 0)
        put(b + kk * n + rr, self.lead(kk, rr), 1.0)
        # needed providers (k): sum_r lead[k, r] >= 1
        total, dem = float(self.capacity.sum()), float(self.demand.sum())
        needed = [q for q in range(p) if total - float(self.capacity[q]) < dem - 1e-6]
        b = block("needed", len(needed), 1, np.inf)
        for i, q in enumerate(needed):
            put(np.full(n, b + i), self.lead(q, np.arange(n)), 1.0)
        self.n_rows = r0
        self.lo = np.concatenate(lo)
        self.hi = np.concatenate(hi)
        self.lo[self._capacity_row : self._capacity_row + p] = -np.inf
        self.hi[self._capacity_row : self._capacity_row + p] = self.capacity
        self.fixed = sp.csc_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(r0, self.n_fixed),
        )

    def column_matrix(self, cols: Columns, which: np.ndarray) -> sp.csc_array:
        """The coefficients of the chosen columns (one matrix column each)."""
        n, p = self.n, self.p
        b = self.block
        m = cols.members[which]
        c = cols.centre[which]
        j, u = np.nonzero(m)
        rows = [b["partition"] + u, b["link"] + u * n + c[j]]
        vals = [np.ones(len(u)), -np.ones(len(u))]
        cj = [j, j]
        ids = np.arange(len(which))
        rows += [np.full(len(ids), b["count"]), b["fits"] + c, b["leads_low"] + c]
        vals += [np.ones(len(ids)), cols.demand[which], np.ones(len(ids))]
        cj += [ids, ids, ids]
        rows.append(b["leads_high"] + c)
        vals.append(np.full(len(ids), -float(self.rules.max_leads)))
        cj.append(ids)
        kk = np.tile(np.arange(p), len(ids))
        rows.append(b["lead_open"] + kk * n + np.repeat(c, p))
        vals.append(-np.ones(len(kk)))
        cj.append(np.repeat(ids, p))
        return sp.csc_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cj))),
            shape=(self.n_rows, len(which)),
        )

    def reduced_costs(self, cols: Columns, duals: np.ndarray) -> np.ndarray:
        """Every column's reduced cost under the master's row duals (numpy, all at once)."""
        n, p = self.n, self.p
        b = self.block
        pi = duals[b["partition"] : b["partition"] + n]
        sigma = duals[b["link"] : b["link"] + n * n].reshape(n, n)
        lead_open = duals[b["lead_open"] : b["lead_open"] + p * n].reshape(p, n).sum(axis=0)
        per_centre = (
            duals[b["leads_low"] : b["leads_low"] + n]
            - self.rules.max_leads * duals[b["leads_high"] : b["leads_high"] + n]
            - lead_open
        )
        rc = cols.spread - duals[b["count"]] - per_centre[cols.centre]
        rc -= cols.demand * duals[b["fits"] : b["fits"] + n][cols.centre]
        incidence = self._incidence(cols)
        rc -= incidence @ pi
        # + sum over a column's units of the link dual at (unit, its centre), centre by centre
        starts = np.searchsorted(cols.centre, np.arange(n + 1))
        for r in range(n):
            a, z = starts[r], starts[r + 1]
            if z > a:
                rc[a:z] += incidence[a:z] @ sigma[:, r]
        return rc

    def _incidence(self, cols: Columns) -> sp.csr_array:
        """The columns' units as a sparse matrix (C x N), built once per column set."""
        if getattr(self, "_incidence_of", None) is not cols:
            j, u = np.nonzero(cols.members)
            self._incidence_cache = sp.csr_array(
                (np.ones(len(j)), (j, u)), shape=cols.members.shape
            )
            self._incidence_of = cols
        return self._incidence_cache

    def matrix(self, cols: Columns, which: np.ndarray) -> tuple[sp.csc_array, np.ndarray]:
        """Constraint matrix and objective over the chosen columns, then the fixed block."""
        a = sp.hstack([self.column_matrix(cols, which), self.fixed], format="csc")
        return a, np.concatenate([cols.spread[which], self.fixed_cost])

    def solve_lp(self, cols: Columns, which: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """The LP over the chosen columns (plus artificial cover): value, row duals, x."""
        a, c = self.matrix(cols, which)
        b = self.block
        art_rows = np.r_[b["partition"] + np.arange(self.n), b["count"],
                         np.arange(b["needed"], self.n_rows)]  # fmt: skip
        art = sp.csc_array(
            (np.ones(len(art_rows)), (art_rows, np.arange(len(art_rows)))),
            shape=(self.n_rows, len(art_rows)),
        )
        a = sp.hstack([a, art], format="csr")
        c = np.concatenate([c, np.full(len(art_rows), ARTIFICIAL_COST)])
        eq = self.lo == self.hi
        le = ~eq & np.isfinite(self.hi)
        ge = ~eq & np.isfinite(self.lo)
        # columns unbounded (the partition rows cap them), leads and shares at most 1
        upper = np.concatenate(
            [np.full(len(which), np.inf), np.ones(self.n_fixed), np.full(len(art_rows), np.inf)]
        )
        res = linprog(
            c,
            A_ub=sp.vstack([a[le], -a[ge]]).tocsr(),
            b_ub=np.concatenate([self.hi[le], -self.lo[ge]]),
            A_eq=a[eq],
            b_eq=self.lo[eq],
            bounds=np.c_[np.zeros(len(c)), upper],
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"column master LP: {res.message}")
        self.artificial = float(res.x[-len(art_rows) :].sum())
        duals = np.zeros(self.n_rows)
        duals[eq] = res.eqlin.marginals
        ub = res.ineqlin.marginals
        duals[le] += ub[: le.sum()]
        duals[ge] -= ub[le.sum() :]
        return float(res.fun), duals, res.x

    def solve_mip(self, cols: Columns, which: np.ndarray, node_limit: int, time_limit_s: float):
        """The MIP over the chosen columns (columns and leads integer)."""
        a, c = self.matrix(cols, which)
        nv = len(c)
        integrality = np.zeros(nv)
        integrality[: len(which) + self.p * self.n] = 1
        return milp(
            c,
            constraints=LinearConstraint(a, self.lo, self.hi),
            integrality=integrality,
            bounds=Bounds(np.zeros(nv), np.ones(nv)),
            options={"time_limit": time_limit_s, "node_limit": node_limit, "disp": False},
        )


@dataclass(frozen=True)
class ColumnSolution:
    """What the column method found: the design's parts, its proven bound and its budget."""

    zone_of: np.ndarray
    centre: np.ndarray
    leads: tuple[tuple[int, ...], ...]
    flow_min: np.ndarray
    bound: float
    lp_bound: float
    upper: float
    optimal: bool
    nodes: int
    columns: int
    priced_rounds: int
    kept_columns: int
    capped: bool


def _extract(master: _Master, cols: Columns, which: np.ndarray, x: np.ndarray) -> tuple:
    """Zone index per unit, centre per zone, leads per zone, flows (N x P) [carer min]."""
    n, p = master.n, master.p
    chosen = which[x[: len(which)] > 0.5]
    zone_of = np.full(n, -1, dtype=np.int64)
    for z, j in enumerate(chosen):
        zone_of[cols.members[j]] = z
    centre = cols.centre[chosen].astype(np.int64)
    lead = x[len(which) : len(which) + p * n].reshape(p, n) > 0.5
    leads = tuple(tuple(int(k) for k in np.flatnonzero(lead[:, r])) for r in centre)
    share = x[len(which) + p * n :].reshape(n, n, p).sum(axis=1)
    return zone_of, centre, leads, share * master.demand[:, None]


def solve_columns(
    inst: DesignInstance, rules: DesignRules, node_limit: int, time_limit_s: float
) -> ColumnSolution | None:
    """The design by zone columns (see the module docstring); None when the restricted master
    has no design (the caller then solves the unit model). Raises ``TooManyColumns``, and
    ``NoDesign`` when the rules cannot all hold."""
    start = time.perf_counter()
    cols = enumerate_columns(inst, rules)
    if len(cols.spread) == 0:
        raise NoDesign("no connected set of units has a feasible zone's demand")
    master = _Master(inst, rules)
    which = np.zeros(0, dtype=np.int64)
    in_set = np.zeros(len(cols.spread), dtype=bool)
    rounds = 0
    while True:
        value, duals, _ = master.solve_lp(cols, which)
        rc = master.reduced_costs(cols, duals)
        rounds += 1
        masked = np.where(in_set, np.inf, rc)
        best = np.argsort(masked, kind="stable")[:COLUMNS_PER_ROUND]
        best = best[masked[best] < -1e-9]
        if len(best) == 0 or rounds >= MAX_PRICING_ROUNDS:
            break
        which = np.concatenate([which, best])
        in_set[best] = True
    # the artificial cover costs more than any design could: needing it means no design
    worst = rules.lead_weight * float(np.max(inst.office_travel_int(), initial=0)) / TRAVEL_SCALE
    worst += rules.spread_weight * float(np.max(inst.unit_travel_int(), initial=0)) / TRAVEL_SCALE
    if master.artificial * ARTIFICIAL_COST > 2 * worst + 1 and rounds < MAX_PRICING_ROUNDS:
        raise NoDesign("no K zones of feasible units cover the area with their leads")
    if master.artificial > 1e-9:
        return None  # (the bound below holds only without the artificial cover)
    # every design x costs value + sum of its K columns' reduced costs (the fixed block's are
    # already at their best in the LP), so value + K x the least reduced cost is a bound
    least = min(0.0, float(rc.min()))
    bound = value + rules.n_zones * least
    left = max(1.0, time_limit_s - (time.perf_counter() - start))
    res = master.solve_mip(cols, which, node_limit, left)
    if res.x is None:  # the priced columns hold no design: add the next cheapest ones
        which = np.union1d(which, np.argsort(rc, kind="stable")[:RETRY_COLUMNS])
        res = master.solve_mip(cols, which, node_limit, left)
    if res.x is None:
        return None
    upper = float(res.fun)
    # a design no worse than the upper bound uses only columns with rc <= this
    keep = np.flatnonzero(rc <= upper - value - (rules.n_zones - 1) * least + 1e-7)
    kept = np.union1d(keep, which)
    left = max(1.0, time_limit_s - (time.perf_counter() - start))
    final = master.solve_mip(cols, kept, node_limit, left)
    nodes = int(getattr(res, "mip_node_count", 0) or 0)
    if final.x is not None and float(final.fun) <= upper + 1e-9:
        res, which = final, kept
    nodes += int(getattr(final, "mip_node_count", 0) or 0)
    optimal = final.status == 0 and final.x is not None
    final_bound = float(getattr(final, "mip_dual_bound", np.nan))
    best_bound = max(bound, final_bound) if np.isfinite(final_bound) else bound
    zone_of, centre, leads, flow = _extract(master, cols, which, np.asarray(res.x))
    capped = "time limit" in str(getattr(final, "message", "")).lower()
    return ColumnSolution(
        zone_of, centre, leads, flow, min(best_bound, float(res.fun)) if not optimal
        else float(res.fun), bound, upper, optimal, nodes, len(cols.spread), rounds, len(kept),
        capped,
    )  # fmt: skip
