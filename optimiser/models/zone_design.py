"""Zone design: group an area's small areas into K contiguous zones with lead providers.

The model in plain words. The units are the area's small areas (LSOAs or wards), indivisible.
A design puts every unit in exactly one of K zones; each zone is identified by one of its own
units, its *centre*, and has one or two *lead providers*. The rules:

1. every unit is in exactly one zone, and there are exactly K zones (K centres);
2. every zone is contiguous: its units are joined through neighbours (units sharing a
   boundary that the roads also join) without leaving the zone. This is a flow model: the
   centre sends one unit of flow to every other unit of its zone, along neighbour arcs whose
   two ends are both in the zone;
3. every zone has between 1 and ``max_leads`` lead providers;
4. every unit's demand [carer-min/week, double-handed calls twice, travel included] is served
   by its zone's leads (split between them as the model likes), and no provider serves more
   than its capacity less the headroom; a provider may lead several zones, their demand then
   shares its capacity;
5. every zone's demand is at least the minimum viable volume;
6. optional: units of a keep-together group (a town, a ward) share a zone; units pinned to
   one label share a zone and units pinned to different labels do not.

The objective is expected carer travel: ``lead_weight`` x the demand-weighted road travel from
each unit to the office of the lead serving it, plus ``spread_weight`` x the demand-weighted
road travel from each unit to its zone's centre unit (the within-zone spread), both from the
road network. Reported per carer-minute of demand [min]. Zones whose spread is at least
``rural_spread_min`` are flagged rural.

Solved exactly by HiGHS (``scipy.optimize.milp``, single-threaded) within a deterministic
budget of ``node_limit`` branch-and-bound nodes per MIP, so a run repeats whatever the
machine's load; the wall-clock ``time_limit_s`` is only a safety cap, and a design it ends
says so in its notes. Two exact models of the same rules:

* *zone columns* (``optimiser.models.zone_columns``; ``DesignSettings.exact_model =
  "columns"``, used when the area has at most ``MAX_COLUMNS`` feasible zones): every connected set
  of units with a feasible zone demand is enumerated with its best centre and paired with each lead
  set that can carry it, the LP over all pairs is solved by pricing them in numpy, and only the
  pairs whose reduced cost leaves them a chance against a design found on the way go into the final
  MIP. Whole zones with whole lead sets in the relaxation: Rutland K = 4's LP bound is 14.854 (the
  unit model's 14.670, the best design 15.123); whole zones alone gave 14.676, so the unit model's
  gap was its fractional lead sets more than its fractional zones. Rutland (1.92 million zones): K =
  4 to 8 proven optimal, 15.123 / 13.948 / 13.073 / 12.367 / 11.776 (K = 6, 7, 8 as the unit model
  proved; K = 5 below the unit model's 14.109), final MIPs over 8,431 / 18,581 / 5,836 / 5,045 /
  5,285 pairs; K = 5's final MIP is the slow step (its root).
* the *unit model* (``_DesignMip``, below; the default, faster where it proves, and the
  columns' fallback): unit-to-centre assignments, flow
  contiguity, shares of each unit's demand as serving variables, and three valid inequalities
  that tighten the relaxation without cutting off any design: a lead serves a zone at most its
  capacity times its lead variable; a zone's demand fits its leads' capacity; a provider
  without whom the others' capacity is short of the demand leads a zone. Its weakness is the
  relaxation's fractional zones and centres, not contiguity (the flow adds nothing to its
  bound).

The rule precheck also refuses K zones whose K x ``max_leads`` largest capacities are short of
the demand (Rutland K = 3). Exact for council-district sizes (Rutland's 26 LSOAs), with
status, bound and gap. CP-SAT with one worker was tried first and proved nothing on Rutland at
K = 4 in 60 deterministic units; SCIP (through OR-Tools, one thread) on the unit model at
K = 4 had no design and a bound of 14.83 after 150 s on a busy machine, where HiGHS has 14.83
after 60 nodes. ``optimiser.models.zone_search`` is the local-search
heuristic with a lower bound for county sizes. Both are deterministic with a seed; the budget
is in the result.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from optimiser.errors import InfeasibleError, SolverError
from optimiser.models.design_records import (
    TRAVEL_SCALE,
    DesignInstance,
    DesignRules,
    DesignSettings,
    ZoneDesign,
)
from optimiser.models.design_terms import check_rules_feasible, design_terms, finish_design
from optimiser.models.solution import relative_gap
from optimiser.models.zone_columns import NoDesign, TooManyColumns, solve_columns
from optimiser.models.zone_search import solve_heuristic


class _DesignMip:
    """The design as a MIP for HiGHS: data, variables, constraints (one method per rule)."""

    def __init__(self, inst: DesignInstance, rules: DesignRules) -> None:
        # --- data ---
        self.inst, self.rules = inst, rules
        n, p = inst.n_units, inst.n_providers
        self.n, self.p = n, p
        self.demand = inst.demand_min.astype(np.float64)
        self.capacity = rules.usable_capacity_min(inst.capacity_min).astype(np.float64)
        self.t_unit = inst.unit_travel_int() / TRAVEL_SCALE
        self.t_office = inst.office_travel_int() / TRAVEL_SCALE
        self.arcs = [(u, v) for u, v in inst.arcs.tolist()] + [
            (v, u) for u, v in inst.arcs.tolist()
        ]
        self.max_size = _max_zone_units(self.demand, rules)
        # --- variables (column blocks) ---
        # in_zone[u, r]: unit u is in the zone centred at unit r (in_zone[r, r]: r is a centre)
        self.x0 = 0
        # lead[k, r]: provider k leads the zone centred at r
        self.lead0 = self.x0 + n * n
        # serve[u, r, k]: share of unit u's demand (in zone r) served by provider k, in [0, 1]
        # (shares, not minutes: coefficients near 1 let HiGHS's cuts separate better)
        self.f0 = self.lead0 + p * n
        # contiguity[r, a]: flow of zone r along neighbour arc a
        self.g0 = self.f0 + n * n * p
        self.n_vars = self.g0 + n * len(self.arcs)
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        # --- constraints ---
        self._add_one_zone_per_unit()
        self._add_zone_count()
        self._add_contiguity()
        self._add_member_has_neighbour()
        self._add_leads_per_zone()
        self._add_demand_served_by_leads()
        self._add_capacity()
        self._add_lead_capacity()
        self._add_zone_fits_leads()
        self._add_needed_providers()
        self._add_min_volume()
        self._add_keep_together()
        self._add_pinned_apart()

    def x(self, u: int, r: int) -> int:
        return self.x0 + u * self.n + r

    def lead(self, k: int, r: int) -> int:
        return self.lead0 + k * self.n + r

    def f(self, u: int, r: int, k: int) -> int:
        return self.f0 + (u * self.n + r) * self.p + k

    def g(self, r: int, a: int) -> int:
        return self.g0 + r * len(self.arcs) + a

    def _row(self, entries: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(self.lo)
        cols, vals = zip(*entries, strict=True) if entries else ((), ())
        self.rows.append(np.full(len(cols), r))
        self.cols.append(np.array(cols, dtype=np.int64))
        self.vals.append(np.array(vals, dtype=np.float64))
        self.lo.append(low)
        self.hi.append(high)

    # Every unit is in exactly one zone, and only in a zone whose centre is a centre.
    def _add_one_zone_per_unit(self) -> None:
        for u in range(self.n):
            self._row([(self.x(u, r), 1.0) for r in range(self.n)], 1, 1)
            for r in range(self.n):
                if r != u:
                    self._row([(self.x(u, r), 1.0), (self.x(r, r), -1.0)], -np.inf, 0)

    # Exactly K units are centres: K zones.
    def _add_zone_count(self) -> None:
        k = self.rules.n_zones
        self._row([(self.x(r, r), 1.0) for r in range(self.n)], k, k)

    # Every zone is contiguous: its centre sends one unit of flow to each other member, along
    # neighbour arcs with both ends in the zone (flow conservation at every member).
    def _add_contiguity(self) -> None:
        incoming: list[list[int]] = [[] for _ in range(self.n)]
        outgoing: list[list[int]] = [[] for _ in range(self.n)]
        for a, (u, v) in enumerate(self.arcs):
            outgoing[u].append(a)
            incoming[v].append(a)
        cap = float(self.max_size - 1)
        for r in range(self.n):
            for a, (u, v) in enumerate(self.arcs):
                if v == r:
                    self._row([(self.g(r, a), 1.0)], 0, 0)  # nothing flows back to the centre
                    continue
                self._row([(self.g(r, a), 1.0), (self.x(v, r), -cap)], -np.inf, 0)
                self._row([(self.g(r, a), 1.0), (self.x(u, r), -cap)], -np.inf, 0)
            for u in range(self.n):
                if u == r:
                    continue
                entries = [(self.g(r, a), 1.0) for a in incoming[u]]
                entries += [(self.g(r, a), -1.0) for a in outgoing[u]]
                self._row([*entries, (self.x(u, r), -1.0)], 0, 0)

    # (Implied by contiguity, added to tighten the relaxation.) A member other than the centre
    # has a neighbour in its zone.
    def _add_member_has_neighbour(self) -> None:
        neighbours = self.inst.neighbours()
        for r in range(self.n):
            for u in range(self.n):
                if u != r:
                    entries = [(self.x(v, r), -1.0) for v in neighbours[u]]
                    self._row([(self.x(u, r), 1.0), *entries], -np.inf, 0)

    # Every zone has between 1 and max_leads lead providers; only a zone can have leads.
    def _add_leads_per_zone(self) -> None:
        for r in range(self.n):
            leads = [(self.lead(k, r), 1.0) for k in range(self.p)]
            self._row([*leads, (self.x(r, r), -1.0)], 0, np.inf)
            self._row([*leads, (self.x(r, r), -float(self.rules.max_leads))], -np.inf, 0)

    # A unit's demand is served in full, only by leads of its zone.
    def _add_demand_served_by_leads(self) -> None:
        for u in range(self.n):
            for r in range(self.n):
                serve = [(self.f(u, r, k), 1.0) for k in range(self.p)]
                self._row([*serve, (self.x(u, r), -1.0)], 0, 0)
                for k in range(self.p):
                    self._row([(self.f(u, r, k), 1.0), (self.lead(k, r), -1.0)], -np.inf, 0)

    # No provider serves more than its capacity less the headroom (over all zones it leads).
    def _add_capacity(self) -> None:
        for k in range(self.p):
            d = self.demand
            entries = [(self.f(u, r, k), float(d[u])) for u in range(self.n) for r in range(self.n)]
            self._row(entries, -np.inf, float(self.capacity[k]))

    # (Valid inequality, implied for integer leads.) A provider serves a zone only up to its
    # capacity, and only as far as it leads it: served(zone r, k) <= capacity_k x lead[k, r].
    def _add_lead_capacity(self) -> None:
        for r in range(self.n):
            for k in range(self.p):
                entries = [(self.f(u, r, k), float(self.demand[u])) for u in range(self.n)]
                self._row([*entries, (self.lead(k, r), -float(self.capacity[k]))], -np.inf, 0)

    # (Valid inequality.) A zone's demand fits the capacity of its leads.
    def _add_zone_fits_leads(self) -> None:
        for r in range(self.n):
            entries = [(self.x(u, r), float(self.demand[u])) for u in range(self.n)]
            caps = [(self.lead(k, r), -float(self.capacity[k])) for k in range(self.p)]
            self._row([*entries, *caps], -np.inf, 0)

    # (Valid inequality.) A provider without whom the others' capacity is short of the demand
    # leads at least one zone.
    def _add_needed_providers(self) -> None:
        total, demand = float(self.capacity.sum()), float(self.demand.sum())
        for k in range(self.p):
            if total - float(self.capacity[k]) < demand - 1e-6:
                self._row([(self.lead(k, r), 1.0) for r in range(self.n)], 1, np.inf)

    # Every zone's demand is at least the minimum viable volume.
    def _add_min_volume(self) -> None:
        volume = self.rules.min_volume_h * 60.0
        if volume <= 0:
            return
        for r in range(self.n):
            entries = [(self.x(u, r), float(self.demand[u])) for u in range(self.n)]
            self._row([*entries, (self.x(r, r), -volume)], 0, np.inf)

    # Units of a keep-together group (or pinned to one label) share a zone.
    def _add_keep_together(self) -> None:
        for group in self.rules.groups(self.inst.unit_ids):
            first = group[0]
            for u in group[1:]:
                for r in range(self.n):
                    self._row([(self.x(u, r), 1.0), (self.x(first, r), -1.0)], 0, 0)

    # Units pinned to different labels are in different zones.
    def _add_pinned_apart(self) -> None:
        apart = self.rules.pinned_apart(self.inst.unit_ids)
        if len(apart) > 1:
            for r in range(self.n):
                self._row([(self.x(u, r), 1.0) for u in apart], -np.inf, 1)

    # --- objective ---
    def objective(self) -> np.ndarray:
        """lead_weight x served minutes x office travel + spread_weight x demand x centre
        travel, per carer-minute of demand (so the MIP's value is the reported objective)."""
        c = np.zeros(self.n_vars)
        total = max(self.demand.sum(), 1.0)
        wl, ws = self.rules.lead_weight, self.rules.spread_weight
        for u in range(self.n):
            for r in range(self.n):
                c[self.x(u, r)] = ws * self.demand[u] * self.t_unit[u, r] / total
                for k in range(self.p):
                    c[self.f(u, r, k)] = wl * self.demand[u] * self.t_office[k, u] / total
        return c

    # --- solve ---
    def solve(self, settings: DesignSettings) -> Any:
        a = sp.csr_array(
            (np.concatenate(self.vals), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(len(self.lo), self.n_vars),
        )
        integrality = np.zeros(self.n_vars)
        integrality[: self.f0] = 1
        upper = np.full(self.n_vars, np.inf)
        upper[: self.g0] = 1
        return milp(
            self.objective(),
            constraints=LinearConstraint(a, np.array(self.lo), np.array(self.hi)),
            integrality=integrality,
            bounds=Bounds(np.zeros(self.n_vars), upper),
            options={
                "time_limit": settings.time_limit_s,
                "node_limit": settings.node_limit,
                "presolve": True,
                "disp": False,
            },
        )

    # --- extract ---
    def extract(
        self, values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[tuple[int, ...], ...], np.ndarray]:
        """Zone index per unit, centre per zone, leads per zone, flows (N x P) [carer min]."""
        n, p = self.n, self.p
        x = values[self.x0 : self.lead0].reshape(n, n) > 0.5
        centres = [r for r in range(n) if x[r, r]]
        index = {r: z for z, r in enumerate(centres)}
        zone_of = np.array([index[int(np.argmax(x[u]))] for u in range(n)], dtype=np.int64)
        lead = values[self.lead0 : self.f0].reshape(p, n) > 0.5
        leads = tuple(tuple(int(k) for k in np.flatnonzero(lead[:, r])) for r in centres)
        share = values[self.f0 : self.g0].reshape(n, n, p).sum(axis=1)
        flow = share * self.demand[:, None]
        return zone_of, np.array(centres, dtype=np.int64), leads, flow


def _max_zone_units(demand: np.ndarray, rules: DesignRules) -> int:
    """The most units one zone can hold: the other K-1 zones need a unit each and together
    at least (K-1) x the minimum volume, so this zone's units are at most the smallest demands
    summing to the rest."""
    n, k = len(demand), rules.n_zones
    room = demand.sum() - (k - 1) * rules.min_volume_h * 60.0
    fits = int(np.searchsorted(np.cumsum(np.sort(demand)), room + 1e-6, side="right"))
    return max(1, min(n - k + 1, fits))


def _infeasible(rules: DesignRules) -> InfeasibleError:
    return InfeasibleError(
        "zone design: no design satisfies every rule together (contiguity, minimum volume "
        f"{rules.min_volume_h:g} h, capacity with headroom {rules.headroom_pct:g}%, "
        f"{rules.n_zones} zones, keep-together and pinned units): relax one of them"
    )


def _budget_notes(settings: DesignSettings, optimal: bool, capped: bool) -> tuple[str, ...]:
    if optimal:
        return ()
    if capped:
        return (
            f"the {settings.time_limit_s:g} s safety cap ended the exact search before its "
            f"{settings.node_limit} node budget: this design may differ on a less busy machine",
        )
    return (f"the exact search stopped at its budget of {settings.node_limit} nodes",)


def solve_exact(inst: DesignInstance, rules: DesignRules, settings: DesignSettings) -> ZoneDesign:
    """The exact design (see the module docstring), with status, bound and gap: by the unit
    model, or with ``settings.exact_model = "columns"`` by zone columns when the area has at
    most ``zone_columns.MAX_COLUMNS`` feasible zones, else (or when the columns' restricted
    master finds no design) by the unit model.

    Raises ``InfeasibleError`` naming the rule when the rules cannot all hold.
    """
    start = time.perf_counter()
    check_rules_feasible(inst, rules)
    if settings.exact_model != "columns":
        return _solve_units(inst, rules, settings, start)
    try:
        sol = solve_columns(inst, rules, settings.node_limit, settings.time_limit_s)
    except TooManyColumns:
        sol = None
    except NoDesign as err:
        raise _infeasible(rules) from err
    if sol is None:
        return _solve_units(inst, rules, settings, start)
    terms = design_terms(inst, rules, sol.zone_of, sol.centre, sol.flow_min)
    bound = min(sol.bound, terms.objective_min)
    gap = relative_gap(terms.objective_min, bound)
    if sol.optimal:
        gap = min(gap, 1e-4)  # HiGHS's relative gap tolerance
    design = finish_design(
        inst,
        rules,
        settings,
        zone_of=sol.zone_of,
        centre=sol.centre,
        leads=sol.leads,
        flow=sol.flow_min,
        bound_min=bound,
        gap=gap,
        status="OPTIMAL" if sol.optimal else "FEASIBLE",
        method=f"exact (HiGHS MIP on zone columns: {sol.kept_columns:,} of {sol.columns:,})",
        wall_s=time.perf_counter() - start,
        notes=_budget_notes(settings, sol.optimal, sol.capped),
    )
    return dataclasses.replace(design, nodes=sol.nodes)


def _solve_units(
    inst: DesignInstance, rules: DesignRules, settings: DesignSettings, start: float
) -> ZoneDesign:
    """The exact design by the unit model (``_DesignMip``)."""
    model = _DesignMip(inst, rules)
    res = model.solve(settings)
    if res.status == 2:
        raise _infeasible(rules)
    if res.x is None:
        raise SolverError(
            f"zone design: HiGHS found no design within {settings.time_limit_s:g} s "
            f"({res.message}); raise the time limit or use the heuristic"
        )
    zone_of, centre, leads, flow = model.extract(np.asarray(res.x))
    terms = design_terms(inst, rules, zone_of, centre, flow)
    bound = float(getattr(res, "mip_dual_bound", np.nan))
    if not np.isfinite(bound):
        bound = terms.objective_min if res.status == 0 else 0.0
    status = "OPTIMAL" if res.status == 0 else "FEASIBLE"
    gap = relative_gap(terms.objective_min, min(bound, terms.objective_min))
    if status == "OPTIMAL":
        gap = min(gap, 1e-4)  # HiGHS's relative gap tolerance
    message = str(getattr(res, "message", ""))
    capped = "time limit" in message.lower()
    design = finish_design(
        inst,
        rules,
        settings,
        zone_of=zone_of,
        centre=centre,
        leads=leads,
        flow=flow,
        bound_min=min(bound, terms.objective_min),
        gap=gap,
        status=status,
        method="exact (HiGHS MIP, flow contiguity)",
        wall_s=time.perf_counter() - start,
        notes=_budget_notes(settings, status == "OPTIMAL", capped),
    )
    return dataclasses.replace(design, nodes=int(getattr(res, "mip_node_count", 0) or 0))


def design_zones(inst: DesignInstance, rules: DesignRules, settings: DesignSettings) -> ZoneDesign:
    """A design by the method ``settings`` names ("auto": exact up to ``max_exact_units``)."""
    method = settings.method
    if method == "auto":
        method = "exact" if inst.n_units <= settings.max_exact_units else "heuristic"
    if method == "heuristic":
        return solve_heuristic(inst, rules, settings)
    return solve_exact(inst, rules, settings)
