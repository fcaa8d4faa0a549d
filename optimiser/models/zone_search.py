"""Zone design heuristic for county sizes: seeded growth, then local search that keeps contiguity.

The same model as ``optimiser.models.zone_design`` (read its docstring), solved approximately:

1. *Seeded growth*: K seed units (one per pinned label first, then demand-weighted k-means++
   on road travel, from the seed) grow by turns, the zone with the least demand taking its
   nearest free neighbour, so every zone is contiguous from the start.
2. *Leads*: given the zones, the lead providers and the split of each unit's demand between
   them are an exact small MIP (HiGHS): every unit served by its zone's leads, capacities
   shared, at most ``max_leads`` per zone, least lead travel.
3. *Local search*: moves of one unit (or one keep-together block) to a neighbouring zone and
   swaps of two boundary units, each kept only if both zones stay contiguous and non-empty
   and labels stay apart; a move is taken when it lowers spread + lead travel (leads fixed)
   + penalties for a zone below the minimum volume or above the capacity its leads give it.
   Steps 2 and 3 alternate until nothing changes, then random perturbations of the boundary
   followed by descent (iterated local search) use the rest of the budget.

The budget is a count of move evaluations (``DesignSettings.search_moves``), so a run repeats
exactly with the seed; ``time_limit_s`` is only a safety cap. The lower bound is the LP
relaxation of the design without contiguity or lead choice (a transport LP for the lead term
and a p-median LP with the minimum volume for the spread term; for more than
``LP_BOUND_MAX_UNITS`` units the spread bound is the cheaper "every non-centre unit pays at
least its nearest neighbour").
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from optimiser.errors import InfeasibleError
from optimiser.models.design_records import (
    DesignInstance,
    DesignRules,
    DesignSettings,
    ZoneDesign,
)
from optimiser.models.design_terms import check_rules_feasible, finish_design

#: The p-median LP bound is used up to this many units (above it, the nearest-neighbour bound).
LP_BOUND_MAX_UNITS = 300
#: Providers considered as leads of a zone: the nearest this many offices (by demand-weighted
#: travel to the zone) in the lead MIP.
LEAD_CANDIDATES = 8
#: Penalty per carer-minute below the minimum volume or above the leads' capacity [min].
PENALTY_PER_MIN = 200.0
#: Rounds of "leads, then local search" before the perturbation phase.
MAX_ROUNDS = 6


class _Search:
    """State of the local search: blocks, zones, leads, budgets, and the cost of each zone."""

    def __init__(self, inst: DesignInstance, rules: DesignRules, settings: DesignSettings):
        self.inst, self.rules = inst, rules
        self.rng = np.random.default_rng(settings.seed)
        self.t = inst.unit_travel_int() / 10.0
        self.t_office = inst.office_travel_int() / 10.0
        self.d = inst.demand_min.astype(np.float64)
        self.capacity = rules.usable_capacity_min(inst.capacity_min).astype(np.float64)
        self.volume = rules.min_volume_h * 60.0
        self.k = rules.n_zones
        self.moves_left = settings.search_moves
        self.deadline = time.perf_counter() + settings.time_limit_s
        self._blocks()
        self.zone_of_block = np.full(self.n_blocks, -1, dtype=np.int64)
        self.leads: list[tuple[int, ...]] = [() for _ in range(self.k)]
        self.budget = np.full(self.k, np.inf)

    # --- blocks: units that move together ------------------------------------------------
    def _blocks(self) -> None:
        n = self.inst.n_units
        parent = list(range(n))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for group in self.rules.groups(self.inst.unit_ids):
            for u in group[1:]:
                parent[find(u)] = find(group[0])
        roots = sorted({find(u) for u in range(n)})
        index = {r: b for b, r in enumerate(roots)}
        self.block_of = np.array([index[find(u)] for u in range(n)], dtype=np.int64)
        self.n_blocks = len(roots)
        self.units = [np.flatnonzero(self.block_of == b) for b in range(self.n_blocks)]
        self.block_d = np.array([self.d[m].sum() for m in self.units])
        labels: dict[int, str] = {}
        for u, label in self.rules.pinned.items():
            if u in self.inst.unit_ids:
                labels[int(self.block_of[self.inst.unit_ids.index(u)])] = str(label)
        self.label = labels
        nb: list[set[int]] = [set() for _ in range(self.n_blocks)]
        for u, v in self.inst.arcs.tolist():
            a, b = int(self.block_of[u]), int(self.block_of[v])
            if a != b:
                nb[a].add(b)
                nb[b].add(a)
        self.block_nb = [sorted(s) for s in nb]

    # --- seeded growth -------------------------------------------------------------------
    def grow(self) -> None:
        """K seeds (pinned labels first, then k-means++), grown by turns into contiguous zones."""
        rep = np.array([m[0] for m in self.units])
        seeds: list[int] = []
        for b, _label in sorted(self.label.items(), key=lambda kv: kv[1]):
            if _label not in {self.label.get(s) for s in seeds}:
                seeds.append(b)
        # one seed in every separate piece of the neighbour graph
        piece = self._pieces()
        for p in range(piece.max() + 1):
            if not any(piece[s] == p for s in seeds):
                members = np.flatnonzero(piece == p)
                seeds.append(int(members[np.argmax(self.block_d[members])]))
        while len(seeds) < self.k:
            dist = self.t[np.ix_(rep, rep[seeds])].min(axis=1)
            weight = self.block_d * dist**2
            weight[seeds] = 0
            if weight.sum() <= 0:
                weight = np.ones(self.n_blocks)
                weight[seeds] = 0
            seeds.append(int(self.rng.choice(self.n_blocks, p=weight / weight.sum())))
        seeds = seeds[: self.k]
        zone_label = [self.label.get(s) for s in seeds]
        self.zone_of_block[:] = -1
        for z, s in enumerate(seeds):
            self.zone_of_block[s] = z
        load = np.array([self.block_d[s] for s in seeds])
        seed_unit = rep[seeds]
        free = self.n_blocks - self.k
        while free > 0:
            grew = False
            for z in np.argsort(load, kind="stable"):
                cand = {
                    c
                    for b in np.flatnonzero(self.zone_of_block == z)
                    for c in self.block_nb[b]
                    if self.zone_of_block[c] < 0
                    and (self.label.get(c) is None or self.label.get(c) == zone_label[z])
                }
                if not cand:
                    continue
                c = min(cand, key=lambda c: (self.t[rep[c], seed_unit[z]], c))
                self.zone_of_block[c] = z
                if self.label.get(c) is not None:
                    zone_label[z] = self.label[c]
                load[z] += self.block_d[c]
                free -= 1
                grew = True
                break
            if not grew:
                raise InfeasibleError(
                    "zone design: some units cannot join any zone (pinned labels cut them off "
                    "from every zone they may join)"
                )

    def _pieces(self) -> np.ndarray:
        piece = np.full(self.n_blocks, -1, dtype=np.int64)
        p = 0
        for s in range(self.n_blocks):
            if piece[s] >= 0:
                continue
            stack, piece[s] = [s], p
            while stack:
                b = stack.pop()
                for c in self.block_nb[b]:
                    if piece[c] < 0:
                        piece[c] = p
                        stack.append(c)
            p += 1
        return piece

    # --- zones and their cost ------------------------------------------------------------
    def unit_zone(self) -> np.ndarray:
        return self.zone_of_block[self.block_of]

    def members(self, z: int) -> np.ndarray:
        return np.flatnonzero(self.zone_of_block == z)

    def zone_cost(self, z: int, blocks: np.ndarray) -> float:
        """Spread (to the best centre) + lead travel (leads fixed) + penalties of one zone."""
        if len(blocks) == 0:
            return np.inf
        units = np.concatenate([self.units[b] for b in blocks])
        d = self.d[units]
        spread = float((d @ self.t[np.ix_(units, units)]).min())
        cost = self.rules.spread_weight * spread
        if self.leads[z]:
            lead_t = self.t_office[np.array(self.leads[z])][:, units].min(axis=0)
            cost += self.rules.lead_weight * float(d @ lead_t)
        total = d.sum()
        cost += PENALTY_PER_MIN * max(0.0, self.volume - total)
        cost += PENALTY_PER_MIN * max(0.0, total - self.budget[z])
        return cost

    def connected(self, blocks: np.ndarray) -> bool:
        """True if ``blocks`` form one piece through block neighbours."""
        if len(blocks) == 0:
            return False
        inside = set(blocks.tolist())
        stack = [int(blocks[0])]
        seen = {stack[0]}
        while stack:
            b = stack.pop()
            for c in self.block_nb[b]:
                if c in inside and c not in seen:
                    seen.add(c)
                    stack.append(c)
        return len(seen) == len(inside)

    def _drops_below_volume(self, z: int, rest: np.ndarray) -> bool:
        """True if a zone at or above the minimum volume would fall below it."""
        before = self.block_d[self.members(z)].sum()
        return bool(before >= self.volume and self.block_d[rest].sum() < self.volume)

    def _label_ok(self, block: int, blocks: np.ndarray) -> bool:
        label = self.label.get(block)
        if label is None:
            return True
        return all(self.label.get(int(c), label) == label for c in blocks)

    def _spent(self) -> bool:
        return self.moves_left <= 0 or time.perf_counter() > self.deadline

    # --- local search --------------------------------------------------------------------
    def descend(self) -> bool:
        """Moves, then swaps, while one improves; True if anything changed."""
        changed = False
        costs = {z: self.zone_cost(z, self.members(z)) for z in range(self.k)}
        while not self._spent():
            improved = self._move_pass(costs) or self._swap_pass(costs)
            changed |= improved
            if not improved:
                break
        return changed

    def _move_pass(self, costs: dict[int, float]) -> bool:
        improved = False
        for b in self.rng.permutation(self.n_blocks).tolist():
            if self._spent():
                break
            a = int(self.zone_of_block[b])
            targets = {int(self.zone_of_block[c]) for c in self.block_nb[b]} - {a}
            if not targets:
                continue
            rest = self.members(a)
            rest = rest[rest != b]
            if not self.connected(rest) or self._drops_below_volume(a, rest):
                continue
            cost_a = self.zone_cost(a, rest)
            best, best_delta = -1, -1e-9
            for z in sorted(targets):
                into = self.members(z)
                if not self._label_ok(b, into):
                    continue
                self.moves_left -= 1
                new_z = self.zone_cost(z, np.append(into, b))
                delta = cost_a + new_z - costs[a] - costs[z]
                if delta < best_delta:
                    best, best_delta, best_cost = z, delta, new_z
            if best >= 0:
                self.zone_of_block[b] = best
                costs[a], costs[best] = cost_a, best_cost
                improved = True
        return improved

    def _swap_pass(self, costs: dict[int, float]) -> bool:
        improved = False
        for b in self.rng.permutation(self.n_blocks).tolist():
            if self._spent():
                break
            a = int(self.zone_of_block[b])
            for c in self.block_nb[b]:
                z = int(self.zone_of_block[c])
                if z == a:
                    continue
                new_a = np.append(self.members(a)[self.members(a) != b], c)
                new_z = np.append(self.members(z)[self.members(z) != c], b)
                if not (self._label_ok(c, new_a) and self._label_ok(b, new_z)):
                    continue
                if not (self.connected(new_a) and self.connected(new_z)):
                    continue
                self.moves_left -= 1
                ca, cz = self.zone_cost(a, new_a), self.zone_cost(z, new_z)
                if ca + cz - costs[a] - costs[z] < -1e-9:
                    self.zone_of_block[b], self.zone_of_block[c] = z, a
                    costs[a], costs[z] = ca, cz
                    improved = True
                    break
        return improved

    def repair_volume(self) -> None:
        """While a zone is below the minimum volume, give it the neighbouring block that costs
        least, from a zone that stays contiguous and at or above the volume."""
        for _ in range(self.n_blocks):
            short = [z for z in range(self.k) if self.block_d[self.members(z)].sum() < self.volume]
            if not short:
                return
            z = short[0]
            into = self.members(z)
            best, best_delta = -1, np.inf
            for c in sorted({c for b in into for c in self.block_nb[b]} - set(into.tolist())):
                a = int(self.zone_of_block[c])
                rest = self.members(a)
                rest = rest[rest != c]
                if not len(rest) or not self.connected(rest) or not self._label_ok(c, into):
                    continue
                if self.block_d[rest].sum() < self.volume:
                    continue
                delta = (
                    self.zone_cost(a, rest)
                    + self.zone_cost(z, np.append(into, c))
                    - self.zone_cost(a, self.members(a))
                    - self.zone_cost(z, into)
                )
                if delta < best_delta:
                    best, best_delta = c, delta
            if best < 0:
                return
            self.zone_of_block[best] = z

    def perturb(self, steps: int) -> None:
        """Random boundary moves that keep contiguity (penalties may rise): a kick for ILS."""
        for _ in range(steps):
            self.moves_left -= 1  # every kick spends budget, so the search always ends
            b = int(self.rng.integers(self.n_blocks))
            a = int(self.zone_of_block[b])
            targets = sorted({int(self.zone_of_block[c]) for c in self.block_nb[b]} - {a})
            rest = self.members(a)
            rest = rest[rest != b]
            if not targets or not self.connected(rest):
                continue
            z = targets[int(self.rng.integers(len(targets)))]
            if self._label_ok(b, self.members(z)):
                self.zone_of_block[b] = z

    def total(self) -> float:
        return sum(self.zone_cost(z, self.members(z)) for z in range(self.k))


def choose_leads(
    inst: DesignInstance, rules: DesignRules, zone_of: np.ndarray
) -> tuple[tuple[tuple[int, ...], ...], np.ndarray, float]:
    """Leads per zone and the flows (N x P) [carer min] for a fixed partition (HiGHS MIP).

    Minimises lead travel with every unit served by its zone's leads, capacities shared and
    1 to ``max_leads`` leads per zone. If capacity is short the unserved minutes go to a
    penalised slack, returned as the third value [carer min] (0 when the rules hold).
    """
    n, p = inst.n_units, inst.n_providers
    k = int(zone_of.max()) + 1
    d = inst.demand_min.astype(np.float64)
    t_office = inst.office_travel_int() / 10.0
    cap = rules.usable_capacity_min(inst.capacity_min).astype(np.float64)
    cands = []
    for z in range(k):
        members = np.flatnonzero(zone_of == z)
        score = t_office[:, members] @ d[members]
        cands.append(np.argsort(score, kind="stable")[: min(LEAD_CANDIDATES, p)].tolist())
    # variables: lead[z, j] (binary), flow[u, j] over u's zone's candidates, slack[u]
    lead_index, flow_index = {}, {}
    cost = []
    for z in range(k):
        for prov in cands[z]:
            lead_index[z, prov] = len(cost)
            cost.append(0.0)
    for u in range(n):
        for prov in cands[zone_of[u]]:
            flow_index[u, prov] = len(cost)
            cost.append(rules.lead_weight * t_office[prov, u] + 1e-6)
    slack0 = len(cost)
    big = PENALTY_PER_MIN * 10
    cost += [big] * n
    nv = len(cost)
    rows, cols, vals, lo, hi = [], [], [], [], []

    def row(entries: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(lo)
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        lo.append(low)
        hi.append(high)

    for u in range(n):  # demand served (or slack)
        entries = [(flow_index[u, prov], 1.0) for prov in cands[zone_of[u]]]
        row([*entries, (slack0 + u, 1.0)], d[u], d[u])
        for prov in cands[zone_of[u]]:  # only by a lead of the zone
            row([(flow_index[u, prov], 1.0), (lead_index[zone_of[u], prov], -d[u])], -np.inf, 0)
    for z in range(k):  # 1..max_leads leads
        row([(lead_index[z, prov], 1.0) for prov in cands[z]], 1, rules.max_leads)
    for prov in range(p):  # capacity
        entries = [(flow_index[u, prov], 1.0) for u in range(n) if (u, prov) in flow_index]
        if entries:
            row(entries, -np.inf, cap[prov])
    a = sp.csr_array((vals, (rows, cols)), shape=(len(lo), nv))
    integrality = np.zeros(nv)
    integrality[list(lead_index.values())] = 1
    upper = np.full(nv, np.inf)
    upper[list(lead_index.values())] = 1
    res = milp(
        np.array(cost),
        constraints=LinearConstraint(a, lo, hi),
        integrality=integrality,
        bounds=Bounds(np.zeros(nv), upper),
        options={"time_limit": 60.0, "presolve": True},
    )
    if res.x is None:
        raise InfeasibleError(f"zone design: the lead providers' MIP found no solution ({res})")
    x = res.x
    leads = tuple(
        tuple(sorted(prov for prov in cands[z] if x[lead_index[z, prov]] > 0.5)) for z in range(k)
    )
    flow = np.zeros((n, p))
    for (u, prov), i in flow_index.items():
        flow[u, prov] = x[i]
    return leads, flow, float(x[slack0:].sum())


def lower_bound(inst: DesignInstance, rules: DesignRules) -> float:
    """A proven lower bound on the objective [min per carer-minute] (see the module docstring)."""
    n, p = inst.n_units, inst.n_providers
    d = inst.demand_min.astype(np.float64)
    total = max(d.sum(), 1.0)
    t_office = inst.office_travel_int() / 10.0
    t = inst.unit_travel_int() / 10.0
    cap = rules.usable_capacity_min(inst.capacity_min).astype(np.float64)
    lead = 0.0
    if rules.lead_weight > 0:
        # transport LP: f[u, k] >= 0, sum_k f = d_u, sum_u f <= cap_k
        c = t_office.T.reshape(-1)  # index u * p + k
        a_eq = sp.kron(sp.eye(n), np.ones((1, p)), format="csr")
        a_ub = sp.kron(np.ones((1, n)), sp.eye(p), format="csr")
        res = linprog(c, A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=d, method="highs")
        lead = float(res.fun) if res.status == 0 else 0.0
    spread = 0.0
    if rules.spread_weight > 0:
        spread = _spread_bound(t, d, rules) if n <= LP_BOUND_MAX_UNITS else _nn_bound(t, d, rules)
    return (rules.lead_weight * lead + rules.spread_weight * spread) / total


def _nn_bound(t: np.ndarray, d: np.ndarray, rules: DesignRules) -> float:
    """Every unit but the K centres pays at least its demand x its nearest other unit."""
    m = t.copy()
    np.fill_diagonal(m, np.inf)
    pay = np.sort(d * m.min(axis=1))
    return float(pay[: max(len(d) - rules.n_zones, 0)].sum())


def _spread_bound(t: np.ndarray, d: np.ndarray, rules: DesignRules) -> float:
    """The p-median LP with the minimum volume: x[u, r] <= y[r], sum_r x = 1, sum_r y = K."""
    n = len(d)
    nx_ = n * n  # x[u, r] at u * n + r, then y[r]
    c = np.concatenate([(d[:, None] * t).reshape(-1), np.zeros(n)])
    eq_assign = sp.hstack([sp.kron(sp.eye(n), np.ones((1, n))), sp.csr_array((n, n))])
    eq_count = sp.hstack([sp.csr_array((1, nx_)), np.ones((1, n))])
    link = sp.hstack([sp.eye(nx_), -sp.kron(np.ones((n, 1)), sp.eye(n))])
    volume = rules.min_volume_h * 60.0
    vol = sp.hstack([-sp.kron(d[None, :], sp.eye(n)), volume * sp.eye(n)])
    res = linprog(
        c,
        A_ub=sp.vstack([link, vol]).tocsr(),
        b_ub=np.zeros(nx_ + n),
        A_eq=sp.vstack([eq_assign, eq_count]).tocsr(),
        b_eq=np.concatenate([np.ones(n), [rules.n_zones]]),
        bounds=(0, 1),
        method="highs",
    )
    return float(res.fun) if res.status == 0 else _nn_bound(t, d, rules)


def solve_heuristic(
    inst: DesignInstance,
    rules: DesignRules,
    settings: DesignSettings,
    *,
    bound: bool = True,
    start: np.ndarray | None = None,
) -> ZoneDesign:
    """The design by seeded growth (or ``start``, a zone index per unit) and local search.

    ``bound`` computes the LP lower bound (skip it for a quick start of the exact method).
    """
    t0 = time.perf_counter()
    check_rules_feasible(inst, rules)
    s = _Search(inst, rules, settings)
    if start is not None:
        s.zone_of_block = np.asarray(start, dtype=np.int64)[[m[0] for m in s.units]]
    else:
        s.grow()
    best_total, best_zones = np.inf, s.zone_of_block.copy()
    for _ in range(MAX_ROUNDS):
        s.repair_volume()
        _set_leads(s)
        changed = s.descend()
        total = s.total()
        if total < best_total - 1e-9:
            best_total, best_zones = total, s.zone_of_block.copy()
        if not changed or s._spent():
            break
    # iterated local search with the rest of the budget
    while not s._spent():
        s.perturb(max(2, s.n_blocks // 20))
        s.repair_volume()
        s.descend()
        total = s.total()
        if total < best_total - 1e-9:
            best_total, best_zones = total, s.zone_of_block.copy()
        else:
            s.zone_of_block = best_zones.copy()
    s.zone_of_block = best_zones
    zone_of = s.unit_zone()
    leads, flow, slack = choose_leads(inst, rules, zone_of)
    centre = np.array(
        [
            (lambda m: m[int(np.argmin(s.d[m] @ s.t[np.ix_(m, m)]))])(np.flatnonzero(zone_of == z))
            for z in range(s.k)
        ],
        dtype=np.int64,
    )
    notes: list[str] = []
    if slack > 0.5:
        notes.append(f"capacity short by {slack / 60:,.1f} carer-h/week for the zones found")
    volume_short = [
        z for z in range(s.k) if s.d[zone_of == z].sum() < rules.min_volume_h * 60.0 - 1e-6
    ]
    if volume_short:
        notes.append(f"zones below the minimum volume: {volume_short}")
    lb = lower_bound(inst, rules) if bound else 0.0
    return finish_design(
        inst,
        rules,
        settings,
        zone_of=zone_of,
        centre=centre,
        leads=leads,
        flow=flow,
        bound_min=lb,
        gap=None,
        status="FEASIBLE" if not notes else "RULES BROKEN",
        method="heuristic (seeded growth + local search)",
        wall_s=time.perf_counter() - t0,
        notes=tuple(notes),
    )


def _set_leads(s: _Search) -> None:
    """Leads from the exact lead MIP; each zone's capacity budget from the flows it gets plus
    its share of its leads' spare capacity."""
    zone_of = s.unit_zone()
    leads, flow, _ = choose_leads(s.inst, s.rules, zone_of)
    s.leads = list(leads)
    used = flow.sum(axis=0)
    spare = np.maximum(s.capacity - used, 0.0)
    n_led = np.zeros(s.inst.n_providers)
    for ls in leads:
        for k in ls:
            n_led[k] += 1
    for z in range(s.k):
        served = flow[zone_of == z].sum()
        s.budget[z] = served + sum(spare[k] / max(n_led[k], 1) for k in leads[z])


def score_partition(
    inst: DesignInstance, rules: DesignRules, settings: DesignSettings, zone_of: np.ndarray
) -> ZoneDesign:
    """A given partition (zone index per unit, e.g. a peer's or today's zones) as a design:
    its leads by the lead MIP, each zone's centre its best unit, the same objective.

    Rules it breaks are listed in ``notes`` (status "GIVEN"); nothing is moved.
    """
    t0 = time.perf_counter()
    labels = np.unique(np.asarray(zone_of), return_inverse=True)[1].astype(np.int64)
    rules = dataclasses.replace(rules, n_zones=int(labels.max()) + 1)
    leads, flow, slack = choose_leads(inst, rules, labels)
    t = inst.unit_travel_int() / 10.0
    d = inst.demand_min.astype(np.float64)
    centre = np.array(
        [
            (lambda m: m[int(np.argmin(d[m] @ t[np.ix_(m, m)]))])(np.flatnonzero(labels == z))
            for z in range(rules.n_zones)
        ],
        dtype=np.int64,
    )
    notes = (f"capacity short by {slack / 60:,.1f} carer-h/week",) if slack > 0.5 else ()
    return finish_design(
        inst,
        rules,
        settings,
        zone_of=labels,
        centre=centre,
        leads=leads,
        flow=flow,
        bound_min=0.0,
        gap=None,
        status="GIVEN",
        method="given partition",
        wall_s=time.perf_counter() - t0,
        notes=notes,
    )
