"""Zone design: known optima, the rules always hold (checker as oracle), clear infeasibility."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser.errors import InfeasibleError
from optimiser.models import zone_columns
from optimiser.models.design_records import DesignInstance, DesignRules, DesignSettings
from optimiser.models.validate_design import check_design, design_objective
from optimiser.models.zone_design import solve_exact
from optimiser.models.zone_search import lower_bound, solve_heuristic


def _instance(
    xy: np.ndarray, demand_min, arcs, offices: np.ndarray, capacity_min
) -> DesignInstance:
    """Units at points ``xy`` [km], travel 1 min per km (straight line), offices at ``offices``."""
    unit = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    office = np.linalg.norm(offices[:, None] - xy[None], axis=2)
    n, p = len(xy), len(offices)
    return DesignInstance(
        unit_ids=tuple(f"U{i}" for i in range(n)),
        demand_min=np.asarray(demand_min),
        unit_min=unit,
        provider_ids=tuple(f"P{k}" for k in range(p)),
        office_min=office,
        capacity_min=np.asarray(capacity_min),
        arcs=np.asarray(arcs).reshape(-1, 2),
    )


def _line(demand=(600,) * 6, capacity=(3600, 3600)) -> DesignInstance:
    """Six units in a line 1 km apart (0..5), one office at each end: the two halves are
    obviously best (each end's office serves its half, spread to the middle unit)."""
    xy = np.array([[float(i), 0.0] for i in range(6)])
    offices = np.array([[0.0, 0.0], [5.0, 0.0]])
    return _instance(xy, demand, [(i, i + 1) for i in range(5)], offices, capacity)


EXACT = DesignSettings(method="exact", time_limit_s=60.0, exact_model="columns")
UNITS = DesignSettings(method="exact", time_limit_s=60.0)


def test_line_of_six_splits_in_halves_with_the_near_office_leading():
    """K = 2 on the line: zones {0,1,2} and {3,4,5}, each led by the office at its end; the
    objective is the hand-computed one (lead 1 min, spread 2/3 min per carer-minute)."""
    inst = _line()
    rules = DesignRules(n_zones=2, max_leads=1, headroom_pct=0, min_volume_h=0)
    design = solve_exact(inst, rules, EXACT)
    assert check_design(inst, rules, design) == []
    zones = {tuple(np.flatnonzero(design.zone_of == z)) for z in range(2)}
    assert zones == {(0, 1, 2), (3, 4, 5)}
    leads = {tuple(np.flatnonzero(design.zone_of == z)): design.leads[z] for z in range(2)}
    assert leads[(0, 1, 2)] == (0,) and leads[(3, 4, 5)] == (1,)
    # lead: (0+1+2)*600 * 2 / 3600 = 1.0; spread: (1+0+1)*600 * 2 / 3600 = 2/3
    assert design.objective_min == pytest.approx(1.0 + 2.0 / 3.0, abs=1e-6)
    assert design.status == "OPTIMAL" and design.gap <= 1e-4
    assert design_objective(inst, rules, design) == pytest.approx(design.objective_min)


def test_capacity_moves_the_boundary():
    """The left office can serve only two units' demand: the left zone shrinks to {0, 1}."""
    inst = _line(capacity=(1200, 6000))
    rules = DesignRules(n_zones=2, max_leads=1, headroom_pct=0, min_volume_h=0)
    design = solve_exact(inst, rules, EXACT)
    assert check_design(inst, rules, design) == []
    assert design.zone_of[0] == design.zone_of[1] != design.zone_of[2]


def test_heuristic_finds_the_line_optimum_and_its_bound_is_below():
    """The heuristic reaches the exact optimum on the line; its lower bound does not exceed it."""
    inst = _line()
    rules = DesignRules(n_zones=2, max_leads=1, headroom_pct=0, min_volume_h=0)
    design = solve_heuristic(inst, rules, DesignSettings(method="heuristic", search_moves=2000))
    assert check_design(inst, rules, design) == []
    assert design.objective_min == pytest.approx(1.0 + 2.0 / 3.0, abs=1e-6)
    assert lower_bound(inst, rules) <= design.objective_min + 1e-9


def test_keep_together_and_pinned_units_are_honoured():
    """Keeping U2 with U3 and pinning U0 and U5 to different zones changes the halves."""
    inst = _line()
    rules = DesignRules(
        n_zones=2,
        max_leads=1,
        headroom_pct=0,
        min_volume_h=0,
        together=(("U2", "U3"),),
        pinned={"U0": "west", "U5": "east"},
    )
    design = solve_exact(inst, rules, EXACT)
    assert check_design(inst, rules, design) == []
    assert design.zone_of[2] == design.zone_of[3]
    assert design.zone_of[0] != design.zone_of[5]


@pytest.mark.parametrize(
    ("rules", "named"),
    [
        # 3 zones of at least 25 h each need 75 h; the line has 60 h
        (DesignRules(n_zones=3, min_volume_h=25, headroom_pct=0), "minimum volume"),
        # 60 h of demand, 2 x 20 h of capacity
        (DesignRules(n_zones=2, min_volume_h=0, headroom_pct=66.7), "capacity"),
        (DesignRules(n_zones=7, min_volume_h=0, headroom_pct=0), "zones"),
    ],
)
def test_infeasible_rules_are_named(rules, named):
    """Rules no design can meet raise InfeasibleError whose message names the rule."""
    with pytest.raises(InfeasibleError, match=named):
        solve_exact(_line(), rules, EXACT)


def test_separate_pieces_need_as_many_zones():
    """Two pieces with no neighbour between them cannot form one zone: contiguity is named."""
    inst = _instance(
        np.array([[0.0, 0], [1, 0], [5, 0], [6, 0]]),
        [600] * 4,
        [(0, 1), (2, 3)],
        np.array([[0.0, 0]]),
        [6000],
    )
    with pytest.raises(InfeasibleError, match="contiguity"):
        solve_exact(inst, DesignRules(n_zones=1, min_volume_h=0, headroom_pct=0), EXACT)


@st.composite
def grids(draw):
    """Small random grids (rows x cols, rook neighbours, a few arcs removed), random demand,
    two or three offices with capacity enough for the demand: interesting because removed arcs
    and uneven demand make contiguity and capacity bind."""
    rows, cols = draw(st.integers(2, 3)), draw(st.integers(2, 4))
    n = rows * cols
    xy = np.array([[float(c), float(r)] for r in range(rows) for c in range(cols)])
    arcs = [(i, i + 1) for i in range(n) if (i + 1) % cols]
    arcs += [(i, i + cols) for i in range(n - cols)]
    drop = draw(st.sets(st.integers(0, len(arcs) - 1), max_size=2))
    arcs = [a for j, a in enumerate(arcs) if j not in drop]
    demand = draw(st.lists(st.integers(60, 900), min_size=n, max_size=n))
    p = draw(st.integers(2, 3))
    offices = np.array(
        [[draw(st.floats(0, cols - 1)), draw(st.floats(0, rows - 1))] for _ in range(p)]
    )
    share = sum(demand) / p
    capacity = [int(share * 1.3) + 1] * p
    k = draw(st.integers(1, 3))
    return _instance(xy, demand, arcs, offices, capacity), k


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids())
def test_every_design_is_contiguous_and_within_capacity(case):
    """On random small grids, the exact and the heuristic designs pass the independent checker
    (contiguity, capacity, leads, volume), or the rules are reported infeasible; the heuristic
    is never better than the exact optimum."""
    inst, k = case
    rules = DesignRules(n_zones=k, min_volume_h=1, headroom_pct=0)
    try:
        exact = solve_exact(inst, rules, EXACT)
    except InfeasibleError:
        return
    assert check_design(inst, rules, exact) == []
    heur = solve_heuristic(inst, rules, DesignSettings(method="heuristic", search_moves=500))
    if not heur.notes:
        assert check_design(inst, rules, heur) == []
        assert heur.objective_min >= exact.objective_min - 1e-6
    assert exact.bound_min <= exact.objective_min + 1e-9


def test_heuristic_repeats_with_its_seed():
    """Same seed, same budget: the same design (the budget counts moves, not seconds)."""
    inst = _line()
    rules = DesignRules(n_zones=3, min_volume_h=0, headroom_pct=0)
    s = DesignSettings(method="heuristic", search_moves=1000, seed=3)
    a, b = solve_heuristic(inst, rules, s), solve_heuristic(inst, rules, s)
    assert np.array_equal(a.zone_of, b.zone_of) and a.objective_min == b.objective_min


def test_the_exact_budget_is_nodes_and_is_recorded():
    """The exact method's budget is HiGHS nodes (deterministic), shown in the summary beside
    the safety cap; a node limit below one is refused; the line's optimum needs no more than
    the default budget, so no note about a budget or a cap is added."""
    with pytest.raises(ValueError, match="node_limit"):
        DesignSettings(node_limit=0)
    rules = DesignRules(n_zones=2, max_leads=1, headroom_pct=0, min_volume_h=0)
    design = solve_exact(_line(), rules, DesignSettings(method="exact", node_limit=50))
    assert "node_limit=50" in design.summary()
    assert design.status == "OPTIMAL" and design.notes == ()


def test_too_few_lead_slots_for_the_demand_is_named():
    """One zone with at most two leads uses two of three providers, whose capacity is short of
    the demand though all three together suffice: the capacity rule says so before solving."""
    xy = np.array([[float(i), 0.0] for i in range(6)])
    inst = _instance(
        xy, [600] * 6, [(i, i + 1) for i in range(5)], np.array([[0.0, 0], [2, 0], [5, 0]]),
        [1500] * 3,
    )  # fmt: skip
    rules = DesignRules(n_zones=1, max_leads=2, headroom_pct=0, min_volume_h=0)
    with pytest.raises(InfeasibleError, match="at most 2 of the 3 providers"):
        solve_exact(inst, rules, EXACT)


def _brute_force_optimum(inst: DesignInstance, rules: DesignRules) -> float:
    """The optimum by enumeration (shares no code with the MIP): every labelling of the units
    into K contiguous zones of at least the minimum volume, every choice of 1..max_leads leads
    per zone, the serving split by a transport LP, each zone's best centre; inf if none."""
    import itertools

    from scipy.optimize import linprog

    n, p, k = inst.n_units, inst.n_providers, rules.n_zones
    d = inst.demand_min.astype(float)
    t = inst.unit_travel_int() / 10.0
    to = inst.office_travel_int() / 10.0
    cap = rules.usable_capacity_min(inst.capacity_min).astype(float)
    adj = {u: set() for u in range(n)}
    for u, v in inst.arcs.tolist():
        adj[u].add(v)
        adj[v].add(u)

    def connected(members):
        seen, stack = {members[0]}, [members[0]]
        while stack:
            for v in adj[stack.pop()] & set(members) - seen:
                seen.add(v)
                stack.append(v)
        return len(seen) == len(members)

    lead_sets = [
        c for m in range(1, rules.max_leads + 1) for c in itertools.combinations(range(p), m)
    ]
    best = np.inf
    for labels in itertools.product(range(k), repeat=n):
        if (
            labels[0] != 0
            or len(set(labels)) < k
            or any(labels[i] > max(labels[:i]) + 1 for i in range(1, n))
        ):
            continue  # each partition once (labels in order of first appearance)
        zones = [[u for u in range(n) if labels[u] == z] for z in range(k)]
        if not all(connected(m) for m in zones):
            continue
        if any(d[m].sum() < rules.min_volume_h * 60 - 1e-9 for m in zones):
            continue
        spread = sum(min((d[m] * t[m, c]).sum() for c in m) for m in zones)
        for choice in itertools.product(lead_sets, repeat=k):
            pairs = [(u, q) for z, m in enumerate(zones) for u in m for q in choice[z]]
            cost = [to[q, u] for u, q in pairs]
            a_eq = np.zeros((n, len(pairs)))
            a_ub = np.zeros((p, len(pairs)))
            for j, (u, q) in enumerate(pairs):
                a_eq[u, j] = 1.0
                a_ub[q, j] = 1.0
            res = linprog(cost, A_ub=a_ub, b_ub=cap, A_eq=a_eq, b_eq=d, method="highs")
            if res.status == 0:
                best = min(best, rules.lead_weight * res.fun + rules.spread_weight * spread)
    return best / max(d.sum(), 1.0)


@st.composite
def tiny_grids(draw):
    """Grids of 4 to 6 units (a few arcs removed), two or three offices with capacity that
    sometimes binds: small enough to enumerate every design."""
    rows, cols = draw(st.sampled_from([(2, 2), (2, 3), (1, 5), (3, 2)]))
    n = rows * cols
    xy = np.array([[float(c), float(r)] for r in range(rows) for c in range(cols)])
    arcs = [(i, i + 1) for i in range(n) if (i + 1) % cols]
    arcs += [(i, i + cols) for i in range(n - cols)]
    drop = draw(st.sets(st.integers(0, len(arcs) - 1), max_size=1))
    arcs = [a for j, a in enumerate(arcs) if j not in drop]
    demand = draw(st.lists(st.integers(60, 900), min_size=n, max_size=n))
    p = draw(st.integers(2, 3))
    offices = np.array(
        [[draw(st.floats(0, cols - 1)), draw(st.floats(0, rows - 1))] for _ in range(p)]
    )
    share = draw(st.floats(0.5, 1.2))
    capacity = [int(sum(demand) * share) + 1] * p
    k = draw(st.integers(1, 2))
    max_leads = draw(st.integers(1, 2))
    return _instance(xy, demand, arcs, offices, capacity), k, max_leads


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_grids(), st.sampled_from(["columns", "units"]))
def test_the_exact_optimum_equals_enumeration(case, model):
    """On tiny grids the MIP's proven optimum equals the optimum found by enumerating every
    design (partitions, leads, serving split by LP), and it is infeasible exactly when no
    design exists, for both exact models: zone columns (with the reduced-cost filter) and the
    unit model (shares, valid inequalities, prechecks) cut off nothing."""
    inst, k, max_leads = case
    rules = DesignRules(n_zones=k, max_leads=max_leads, min_volume_h=1, headroom_pct=0)
    brute = _brute_force_optimum(inst, rules)
    limit = zone_columns.MAX_COLUMNS if model == "columns" else 0
    with mock.patch.object(zone_columns, "MAX_COLUMNS", limit):
        try:
            exact = solve_exact(inst, rules, EXACT)
        except InfeasibleError:
            assert not np.isfinite(brute)
            return
    assert exact.status == "OPTIMAL"
    assert ("zone columns" in exact.method) == (model == "columns")
    assert exact.objective_min == pytest.approx(brute, rel=2e-4, abs=1e-6)


def test_too_many_zone_columns_falls_back_to_the_unit_model():
    """An area with more feasible zones than the column limit is solved by the unit model, to
    the same optimum (the line's halves)."""
    rules = DesignRules(n_zones=2, max_leads=1, headroom_pct=0, min_volume_h=0)
    by_columns = solve_exact(_line(), rules, EXACT)
    with mock.patch.object(zone_columns, "MAX_COLUMNS", 3):
        by_units = solve_exact(_line(), rules, EXACT)
    assert "zone columns" in by_columns.method and "flow contiguity" in by_units.method
    assert by_units.objective_min == pytest.approx(by_columns.objective_min, abs=1e-6)
    assert by_columns.status == by_units.status == "OPTIMAL"


def test_zone_columns_are_the_connected_sets_within_the_volume_limits():
    """The line of six with 1 zone-lead of 1,800 carer-min: the columns are the runs of one to
    three neighbouring units (six, five and four of them), each centred at its best unit."""
    inst = _line(capacity=(1800, 1800))
    rules = DesignRules(n_zones=2, max_leads=1, headroom_pct=0, min_volume_h=0)
    cols = zone_columns.enumerate_columns(inst, rules)
    runs = {tuple(np.flatnonzero(m)) for m in cols.members}
    assert runs == {tuple(range(a, a + s)) for s in (1, 2, 3) for a in range(7 - s)}
    for m, c in zip(cols.members, cols.centre, strict=True):
        units = np.flatnonzero(m)
        assert c == units[(len(units) - 1) // 2]  # the middle unit (of two, the lower)


def test_the_unit_model_is_the_default_and_columns_are_asked_for():
    """Default settings solve by the unit model; ``exact_model="columns"`` by zone columns;
    both prove the same optimum on the line, and an unknown model is refused by name."""
    rules = DesignRules(n_zones=2, max_leads=1, headroom_pct=0, min_volume_h=0)
    by_units = solve_exact(_line(), rules, UNITS)
    by_columns = solve_exact(_line(), rules, EXACT)
    assert "flow contiguity" in by_units.method and "zone columns" in by_columns.method
    assert by_units.objective_min == pytest.approx(by_columns.objective_min, abs=1e-6)
    with pytest.raises(ValueError, match="exact_model"):
        DesignSettings(exact_model="zones")
