"""Zone design by zone columns: every feasible zone enumerated, priced, the few that matter solved.

The same model as ``optimiser.models.zone_design`` (read its docstring), written over *zone
columns* instead of unit-to-centre assignments, which makes the relaxation's zones and their
lead sets whole:

1. *Enumerate*: every connected set of units whose demand is at least the minimum volume and
   at most what ``max_leads`` providers can carry (the largest usable capacities), that keeps
   keep-together groups whole and holds at most one pinned label. Each column's centre is its
   best unit (least demand-weighted travel to it): the centre changes only the spread term, so
   an optimal design always uses each zone's best centre. A column is paired with each lead
   set (one or up to ``max_leads`` providers) whose capacity carries its demand.
2. *Price*: the master LP chooses K (zone, lead set) pairs covering every unit once; a unit's
   demand is split in shares among the providers leading the pairs that cover it, and no
   provider serves more than its capacity (a provider leading several zones shares it). It
   is solved by column generation: a restricted master over a few pairs, then every pair
   priced by its reduced cost under the master's duals (numpy, all at once), the cheapest
   added, until none is negative. Its value is a lower bound on every design.
3. *Solve*: the restricted master as a MIP gives a design, whose objective U is a true upper
   bound (it keeps every rule). A pair whose reduced cost exceeds U minus the LP bound is in
   no design better than U (the reduced-cost argument; it needs U to be a design's objective,
   never an estimate), so the final MIP over the remaining pairs is exact: its optimum is the
   optimum of the whole model.

The budget is HiGHS's node count in each of the two MIPs (deterministic); pricing rounds are
capped by ``MAX_PRICING_ROUNDS`` (the bound then subtracts K x the least reduced cost).
Sizes: Rutland's 26 LSOAs have 1.92 million such zones at K = 4 (36 lead sets each); the
enumeration refuses more than ``MAX_COLUMNS`` and the filter more than ``MAX_KEPT`` pairs.
"""

from __future__ import annotations

import itertools
import logging
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
#: Most (zone, lead set) pairs in the final MIP; above it the design is not proven.
MAX_KEPT = 300_000
#: Objective of the artificial columns that make the first restricted master feasible.
ARTIFICIAL_COST = 1e6


_log = logging.getLogger(__name__)


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
    """The master over zone-and-leads columns (column j of ``Columns`` led by lead set l):
    y[j, l] (one variable per chosen pair) and serve[u, k], the share of unit u's demand
    served by provider k, which only a lead of u's zone may serve."""

    def __init__(self, inst: DesignInstance, rules: DesignRules, cols: Columns) -> None:
        self.inst, self.rules, self.cols = inst, rules, cols
        n, p = inst.n_units, inst.n_providers
        self.n, self.p = n, p
        self.demand = inst.demand_min.astype(np.float64)
        self.capacity = rules.usable_capacity_min(inst.capacity_min).astype(np.float64)
        sizes = range(1, rules.max_leads + 1)
        self.sets = [c for m in sizes for c in itertools.combinations(range(p), m)]
        self.set_capacity = np.array([self.capacity[list(c)].sum() for c in self.sets])
        total = max(self.demand.sum(), 1.0)
        t_office = inst.office_travel_int() / TRAVEL_SCALE  # (P, N)
        self.serve_cost = (rules.lead_weight * self.demand[:, None] * t_office.T / total).ravel()
        dem, cap = float(self.demand.sum()), float(self.capacity.sum())
        self.needed = [k for k in range(p) if cap - float(self.capacity[k]) < dem - 1e-6]
        # rows: partition (n), count (1), link (n*p), served (n), capacity (p), needed
        self.r_part, self.r_count, self.r_link = 0, n, n + 1
        self.r_served = self.r_link + n * p
        self.r_cap = self.r_served + n
        self.r_need = self.r_cap + p
        self.n_rows = self.r_need + len(self.needed)
        k_zones, m = [float(rules.n_zones)], len(self.needed)
        self.lo = np.concatenate(
            [np.ones(n), k_zones, np.full(n * p, -np.inf), np.ones(n), np.full(p, -np.inf),
             np.ones(m)]
        )  # fmt: skip
        self.hi = np.concatenate(
            [np.ones(n), k_zones, np.zeros(n * p), np.ones(n), self.capacity, np.full(m, np.inf)]
        )
        u, k = np.meshgrid(np.arange(n), np.arange(p), indexing="ij")
        rows = np.concatenate([self.r_link + u * p + k, self.r_served + u, self.r_cap + k])
        cols_ = np.tile((u * p + k).ravel(), 3)
        vals = np.concatenate([np.ones(n * p), np.ones(n * p), np.repeat(self.demand, p)])
        self.fixed = sp.csc_array((vals, (rows.ravel(), cols_)), shape=(self.n_rows, n * p))
        j, uu = np.nonzero(cols.members)
        self.incidence = sp.csr_array((np.ones(len(j)), (j, uu)), shape=cols.members.shape)
        self.fits = cols.demand[:, None] <= self.set_capacity[None, :] + 1e-6  # (C, L)

    def column_matrix(self, pairs: np.ndarray) -> sp.csc_array:
        """Coefficients of the chosen (column, lead set) pairs, ``pairs`` = j x L + l."""
        p, nl = self.p, len(self.sets)
        j, lset = pairs // nl, pairs % nl
        rows: list[np.ndarray] = []
        cols_: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        ids = np.arange(len(pairs))
        jj, u = np.nonzero(self.cols.members[j])
        rows += [self.r_part + u]
        cols_ += [jj]
        vals += [np.ones(len(u))]
        rows += [np.full(len(ids), self.r_count)]
        cols_ += [ids]
        vals += [np.ones(len(ids))]
        need = {k: i for i, k in enumerate(self.needed)}
        for size in range(1, self.rules.max_leads + 1):
            for pos in range(size):
                lead = np.array([c[pos] if len(c) == size else -1 for c in self.sets])[lset]
                mine = lead[jj] >= 0
                rows += [self.r_link + u[mine] * p + lead[jj][mine]]
                cols_ += [jj[mine]]
                vals += [-np.ones(int(mine.sum()))]
                for k, i in need.items():
                    hit = np.flatnonzero(lead == k)
                    rows += [np.full(len(hit), self.r_need + i)]
                    cols_ += [hit]
                    vals += [np.ones(len(hit))]
        return sp.csc_array(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols_))),
            shape=(self.n_rows, len(pairs)),
        )

    def reduced_costs(self, duals: np.ndarray) -> np.ndarray:
        """Every (column, lead set) pair's reduced cost (C x L), inf where the set's capacity
        is short of the column's demand."""
        n, p = self.n, self.p
        pi = duals[self.r_part : self.r_part + n]
        link = duals[self.r_link : self.r_link + n * p].reshape(n, p)
        need = np.zeros(p)
        need[self.needed] = duals[self.r_need : self.n_rows]
        base = self.cols.spread - duals[self.r_count] - self.incidence @ pi
        per_set = np.stack([link[:, list(c)].sum(axis=1) for c in self.sets], axis=1)  # (N, L)
        rc = base[:, None] + self.incidence @ per_set
        rc -= np.array([need[list(c)].sum() for c in self.sets])[None, :]
        rc[~self.fits] = np.inf
        return rc

    def matrix(self, pairs: np.ndarray) -> tuple[sp.csc_array, np.ndarray]:
        a = sp.hstack([self.column_matrix(pairs), self.fixed], format="csc")
        j = pairs // len(self.sets)
        return a, np.concatenate([self.cols.spread[j], self.serve_cost])

    def solve_lp(self, pairs: np.ndarray) -> tuple[float, np.ndarray]:
        """The LP over the chosen pairs plus an artificial cover: value and row duals."""
        a, c = self.matrix(pairs)
        art_rows = np.r_[np.arange(self.r_part, self.r_link), np.arange(self.r_served, self.r_cap),
                         np.arange(self.r_need, self.n_rows)]  # fmt: skip
        art = sp.csc_array(
            (np.ones(len(art_rows)), (art_rows, np.arange(len(art_rows)))),
            shape=(self.n_rows, len(art_rows)),
        )
        a = sp.hstack([a, art], format="csr")
        c = np.concatenate([c, np.full(len(art_rows), ARTIFICIAL_COST)])
        upper = np.concatenate(
            [np.full(len(pairs), np.inf), np.ones(self.n * self.p), np.full(len(art_rows), np.inf)]
        )
        eq = self.lo == self.hi
        le = ~eq & np.isfinite(self.hi)
        ge = ~eq & np.isfinite(self.lo)
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
        return float(res.fun), duals

    def solve_mip(
        self, pairs: np.ndarray, node_limit: int, time_limit_s: float, cutoff: float = np.inf
    ) -> Any:
        """The MIP over the chosen pairs (pairs binary, shares continuous); ``cutoff``, a
        design's objective, becomes a row (objective <= cutoff) so that HiGHS prunes every
        node above it from the start, as if it had that design."""
        a, c = self.matrix(pairs)
        integrality = np.zeros(len(c))
        integrality[: len(pairs)] = 1
        lo, hi = self.lo, self.hi
        if np.isfinite(cutoff):
            a = sp.vstack([a, sp.csr_array(c[None, :])], format="csc")
            lo, hi = np.r_[lo, -np.inf], np.r_[hi, cutoff + 1e-6 * max(1.0, abs(cutoff))]
        return milp(
            c,
            constraints=LinearConstraint(a, lo, hi),
            integrality=integrality,
            bounds=Bounds(np.zeros(len(c)), np.ones(len(c))),
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


def _extract(master: _Master, pairs: np.ndarray, x: np.ndarray) -> tuple:
    """Zone index per unit, centre per zone, leads per zone, flows (N x P) [carer min]."""
    n, p, nl = master.n, master.p, len(master.sets)
    chosen = pairs[x[: len(pairs)] > 0.5]
    zone_of = np.full(n, -1, dtype=np.int64)
    for z, j in enumerate(chosen // nl):
        zone_of[master.cols.members[j]] = z
    centre = master.cols.centre[chosen // nl].astype(np.int64)
    leads = tuple(master.sets[int(lset)] for lset in chosen % nl)
    share = x[len(pairs) :].reshape(n, p)
    return zone_of, centre, leads, share * master.demand[:, None]


def _cheapest(rc: np.ndarray, count: int, skip: np.ndarray | None = None) -> np.ndarray:
    """The ``count`` pairs (j x L + l) of least reduced cost, below zero unless skip is None."""
    flat = rc.ravel() if skip is None else np.where(skip, np.inf, rc).ravel()
    count = min(count, len(flat))
    best = np.argpartition(flat, count - 1)[:count] if count < len(flat) else np.arange(len(flat))
    best = best[np.lexsort((best, flat[best]))]  # by reduced cost, ties by index
    return best if skip is None else best[flat[best] < -1e-9]


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
    _log.debug("%d columns, %.1f s", len(cols.spread), time.perf_counter() - start)
    master = _Master(inst, rules, cols)
    pairs = np.zeros(0, dtype=np.int64)
    in_set = np.zeros((len(cols.spread), len(master.sets)), dtype=bool)
    rounds = 0
    while True:
        value, duals = master.solve_lp(pairs)
        rc = master.reduced_costs(duals)
        rounds += 1
        _log.debug("pricing round %d: LP %.5f, %d pairs, least rc %.5f, %.1f s", rounds,
                   value, len(pairs), float(rc.min()), time.perf_counter() - start)  # fmt: skip
        best = _cheapest(rc, COLUMNS_PER_ROUND, in_set)
        if len(best) == 0 or rounds >= MAX_PRICING_ROUNDS:
            break
        pairs = np.concatenate([pairs, best])
        in_set.ravel()[best] = True
    # the artificial cover costs more than any design could: needing it means no design
    worst = rules.lead_weight * float(np.max(inst.office_travel_int(), initial=0)) / TRAVEL_SCALE
    worst += rules.spread_weight * float(np.max(inst.unit_travel_int(), initial=0)) / TRAVEL_SCALE
    if master.artificial * ARTIFICIAL_COST > 2 * worst + 1 and rounds < MAX_PRICING_ROUNDS:
        raise NoDesign("no K zones of feasible units cover the area with their leads")
    if master.artificial > 1e-9:
        return None  # (the bound below holds only without the artificial cover)
    # every design x costs at least value + the sum of its K pairs' reduced costs (the
    # shares' are at their best in the LP), so value + K x the least reduced cost is a bound
    least = min(0.0, float(rc.min()))
    bound = value + rules.n_zones * least
    left = max(1.0, time_limit_s - (time.perf_counter() - start))
    res = master.solve_mip(pairs, node_limit, left)
    if res.x is None:  # the priced pairs hold no design: add the next cheapest ones
        pairs = np.union1d(pairs, _cheapest(rc, RETRY_COLUMNS))
        res = master.solve_mip(pairs, node_limit, left)
    if res.x is None:
        return None
    upper = float(res.fun)
    _log.debug("restricted MIP %.5f (%s), bound %.5f, %.1f s", upper, res.message, bound,
               time.perf_counter() - start)  # fmt: skip
    # a design no worse than the upper bound uses only pairs with rc <= this
    keep = np.flatnonzero(rc.ravel() <= upper - value - (rules.n_zones - 1) * least + 1e-7)
    if len(keep) > MAX_KEPT:
        _log.debug("%d pairs left after the filter, above %d", len(keep), MAX_KEPT)
        keep = np.zeros(0, dtype=np.int64)
    kept = np.union1d(keep, pairs)
    left = max(1.0, time_limit_s - (time.perf_counter() - start))
    _log.debug("final MIP over %d pairs", len(kept))
    final = master.solve_mip(kept, node_limit, left, cutoff=upper) if len(keep) else res
    _log.debug("final MIP %s: %s, %.1f s", getattr(final, "fun", None), final.message,
               time.perf_counter() - start)  # fmt: skip
    nodes = int(getattr(res, "mip_node_count", 0) or 0)
    if final is not res:
        nodes += int(getattr(final, "mip_node_count", 0) or 0)
        if final.x is not None and float(final.fun) <= upper + 1e-9:
            res, pairs = final, kept
    optimal = bool(len(keep)) and final.status == 0 and final.x is not None
    final_bound = float(getattr(final, "mip_dual_bound", np.nan)) if len(keep) else np.nan
    best_bound = max(bound, final_bound) if np.isfinite(final_bound) else bound
    zone_of, centre, leads, flow = _extract(master, pairs, np.asarray(res.x))
    capped = "time limit" in str(getattr(final, "message", "")).lower()
    return ColumnSolution(
        zone_of, centre, leads, flow, min(best_bound, float(res.fun)) if not optimal
        else float(res.fun), bound, upper, optimal, nodes, len(cols.spread), rounds, len(kept),
        capped,
    )  # fmt: skip
