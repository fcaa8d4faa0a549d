"""Tests for the CP-SAT lexicographic assignment, against hand-made optima and brute force."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from optimiser.data.domain import (
    AssignmentRules,
    Priority,
    Scenario,
    SolverSettings,
    Zone,
    ZoneKind,
    ZonePolicy,
    ZoneRule,
)
from optimiser.demo.synthetic import simple_package, simple_provider, synthetic_area
from optimiser.errors import InfeasibleError
from optimiser.models.assign import STAGES, solve_assignment
from optimiser.models.greedy import greedy_assignment
from optimiser.models.instance import AssignmentInstance, build_instance
from optimiser.models.travel_formula import TravelEstimateParams
from optimiser.models.validate import check_assignment, objective_values

#: One worker and a seed: deterministic runs (STYLE.md habit 5).
ONE_WORKER = SolverSettings(time_limit_s=10.0, workers=1, seed=0)
#: Travel estimate reduced to the office leg, so weekly travel = office minutes x legs.
OFFICE_ONLY = TravelEstimateParams(office_weight=1.0, min_leg_min=0.0, min_leg_km=0.0)


def _build(packages, providers, office_min, *, scenario=None, zones=None):
    office = np.asarray(office_min, dtype=float)
    return build_instance(
        packages,
        providers,
        zones or {},
        scenario or Scenario("a"),
        office,
        office,
        travel_params=OFFICE_ONLY,
    )


def _current_unmet(inst: AssignmentInstance, provider_of) -> int:
    """Current clients (released active packages) left without care."""
    if inst.keep_current_clients == "off":
        return 0
    return int((inst.active & ~inst.fixed & (np.asarray(provider_of) < 0)).sum())


def _key(values, current_unmet: int = 0) -> tuple[int, ...]:
    return (
        current_unmet,
        values.unmet_weighted,
        values.continuity_breaks,
        values.non_lead_penalty,
        values.travel_min,
        values.cost_pence,
    )


def test_optimiser_beats_brokerage_on_a_knapsack():
    """Greedy places the first big package and wastes room; the optimum places two smaller."""
    # Capacity 10 h, no travel. In waiting order: 6 h, 5 h, 5 h. Greedy: 6 h placed, 10 h
    # unmet. Optimum: the two 5 h packages, 6 h unmet.
    pkgs = [
        simple_package("big", calls=6, duration_min=60, days_waiting=30),
        simple_package("s1", calls=5, duration_min=60, days_waiting=20),
        simple_package("s2", calls=5, duration_min=60, days_waiting=10),
    ]
    inst = _build(pkgs, [simple_provider("A", capacity_hours=10)], [[0.0, 0.0, 0.0]])
    greedy = greedy_assignment(inst)
    result = solve_assignment(inst, ONE_WORKER)
    assert greedy.values.unmet_min == 600
    assert result.provider_of.tolist() == [-1, 0, 0]
    assert result.values.unmet_min == 360
    assert result.status == "OPTIMAL" and result.optimality_gap == 0.0
    assert check_assignment(inst, result.provider_of) == []


def test_hospital_discharge_is_placed_before_a_long_wait():
    """Room for one: hospital discharge (weight 3) beats 100 days waiting (weight 2)."""
    pkgs = [
        simple_package("community", days_waiting=100),
        simple_package("hospital", priority=Priority.HOSPITAL_DISCHARGE),
    ]
    inst = _build(pkgs, [simple_provider("A", capacity_hours=8)], [[0.0, 0.0]])
    result = solve_assignment(inst, ONE_WORKER)
    assert result.provider_of.tolist() == [-1, 0]


def test_travel_then_cost_break_ties():
    """With room everywhere, each package goes to its nearest provider, then the cheaper one."""
    pkgs = [simple_package("near_a"), simple_package("near_b"), simple_package("tie")]
    providers = [
        simple_provider("A", capacity_hours=100, price_gbp_per_hour=24.0),
        simple_provider("B", capacity_hours=100, price_gbp_per_hour=22.0),
    ]
    office = [[1.0, 9.0, 5.0], [9.0, 1.0, 5.0]]
    result = solve_assignment(_build(pkgs, providers, office), ONE_WORKER)
    assert result.provider_of.tolist() == [0, 1, 1]
    assert result.values.travel_min == 7 * (1 + 1 + 5)
    assert [s.name for s in result.stages] == ["unmet", "travel", "cost"]


def test_continuity_beats_travel_but_not_unmet_hours():
    """A released package stays with its far provider unless moving it places another."""
    rules = AssignmentRules(release_continuity=True)
    providers = [simple_provider("A", capacity_hours=12), simple_provider("B", capacity_hours=12)]
    # Only the active package: it stays with far B (continuity before travel).
    stay = _build(
        [simple_package("active", current_provider="B")],
        providers,
        [[1.0], [30.0]],
        scenario=Scenario("c", rules=rules),
    )
    assert solve_assignment(stay, ONE_WORKER).provider_of.tolist() == [1]
    # A waiting package only B can reach: the active one moves to A so both are placed.
    move = _build(
        [simple_package("active", current_provider="B"), simple_package("waiting")],
        providers,
        [[1.0, 60.0], [30.0, 1.0]],
        scenario=Scenario("c", rules=rules),
    )
    result = solve_assignment(move, ONE_WORKER)
    assert result.provider_of.tolist() == [0, 1]
    assert result.values.continuity_breaks == 1


def test_soft_zoning_prefers_the_lead_over_a_nearer_provider():
    """The non-lead penalty comes before travel: the lead serves if it has room."""
    zones = {"Z": Zone("Z", "Z", ZoneKind.NEIGHBOURHOOD, ("a",), lead_providers=("A",))}
    policy = ZonePolicy(rule=ZoneRule.ZONED, non_lead_penalty=1.0)
    pkgs = [simple_package("p1", zone_id="Z"), simple_package("p2", zone_id="Z")]
    providers = [simple_provider("A", capacity_hours=8), simple_provider("B", capacity_hours=50)]
    inst = _build(
        pkgs, providers, [[20.0, 20.0], [1.0, 1.0]],
        scenario=Scenario("z", zone_policy=policy), zones=zones,
    )  # fmt: skip
    result = solve_assignment(inst, ONE_WORKER)
    # A has room for one package (7 h + 2.3 h travel > 8 h? 7 h + 140 min = 9.3 h: no room).
    # So both go to B at the penalty rather than stay unmet.
    assert result.provider_of.tolist() == [1, 1]
    roomy = _build(
        pkgs, [simple_provider("A", capacity_hours=10), providers[1]],
        [[20.0, 20.0], [1.0, 1.0]], scenario=Scenario("z", zone_policy=policy), zones=zones,
    )  # fmt: skip
    result = solve_assignment(roomy, ONE_WORKER)
    assert sorted(result.provider_of.tolist()) == [0, 1]  # A has room for one, B the other
    assert "non_lead" in [s.name for s in result.stages]


def test_result_records_settings_stages_and_summary():
    """Every stage keeps status, objective and bound; settings and the summary are recorded."""
    area = synthetic_area(40, 3, seed=2)
    inst = build_instance(
        area.packages, area.providers, area.zones,
        Scenario("s", rules=AssignmentRules(release_continuity=True)),
        area.office_min, area.office_km, area.nearest_min, area.nearest_km,
    )  # fmt: skip
    quick = SolverSettings(time_limit_s=3.0, workers=1, seed=0)
    result = solve_assignment(inst, quick)
    assert result.settings == quick
    assert [s.name for s in result.stages] == ["current_clients", "unmet", "travel", "cost"]
    for stage in result.stages:  # a bound and gap are known, or reported as unknown (None)
        assert stage.best_bound is None or stage.best_bound <= stage.objective
        assert stage.gap is None or 0.0 <= stage.gap < 1.0
    assert result.optimality_gap == result.stages[-1].gap
    assert "stage unmet" in result.summary()
    assert check_assignment(inst, result.provider_of) == []
    greedy = greedy_assignment(inst)
    assert result.values.unmet_weighted <= greedy.values.unmet_weighted


def test_one_worker_runs_are_reproducible():
    """Same instance, one worker, same seed and deterministic budget: same objective values."""
    area = synthetic_area(30, 3, seed=5)
    inst = build_instance(
        area.packages, area.providers, area.zones,
        Scenario("s", rules=AssignmentRules(release_continuity=True)),
        area.office_min, area.office_km, area.nearest_min, area.nearest_km,
    )  # fmt: skip
    det = SolverSettings(time_limit_s=30.0, workers=1, seed=3, max_deterministic_time=0.5)
    first = solve_assignment(inst, det)
    second = solve_assignment(inst, det)
    assert _key(first.values) == _key(second.values)
    assert first.provider_of.tolist() == second.provider_of.tolist()


def test_unknown_stage_names_are_rejected():
    """Asking for a stage that does not exist is a ValueError naming the choices."""
    inst = _build([simple_package("p")], [simple_provider("A", capacity_hours=9)], [[1.0]])
    with pytest.raises(ValueError, match="unknown stages"):
        solve_assignment(inst, ONE_WORKER, stages=["speed"])
    assert STAGES[:2] == ("current_clients", "unmet")


# --- brute force oracle on tiny instances ---------------------------------------------------


def _brute_force(inst: AssignmentInstance) -> tuple[int, ...]:
    """Lexicographically smallest objective key over every valid assignment."""
    options = [[-1, *sorted(set(inst.pair_prov[inst.pairs_of(i)].tolist()))] for i in
               range(inst.n_packages)]  # fmt: skip
    best = None
    for combo in itertools.product(*options):
        provider_of = np.array(combo, dtype=np.int64)
        if check_assignment(inst, provider_of):
            continue
        key = _key(objective_values(inst, provider_of), _current_unmet(inst, provider_of))
        best = key if best is None or key < best else best
    assert best is not None
    return best


@st.composite
def tiny_instances(draw) -> AssignmentInstance:
    """Up to 5 packages and 3 providers, random sizes, priorities, continuity and zones."""
    n = draw(st.integers(1, 5))
    p = draw(st.integers(1, 3))
    release = draw(st.booleans())
    zoned = draw(st.booleans())
    penalty = draw(st.sampled_from([None, 1.0]))
    zones = {"Z": Zone("Z", "Z", ZoneKind.NEIGHBOURHOOD, ("a",), lead_providers=("P0",))}
    providers = [
        simple_provider(
            f"P{k}",
            capacity_hours=draw(st.integers(0, 16)),
            price_gbp_per_hour=draw(st.sampled_from([20.0, 25.0])),
        )
        for k in range(p)
    ]
    pkgs = []
    for i in range(n):
        current = draw(st.sampled_from([None] + [f"P{k}" for k in range(p)]))
        pkgs.append(
            simple_package(
                f"p{i}",
                calls=draw(st.integers(1, 7)),
                duration_min=draw(st.sampled_from([15, 30, 60])),
                carers=draw(st.sampled_from([1, 1, 2])),
                priority=draw(st.sampled_from(list(Priority))),
                days_waiting=draw(st.integers(0, 100)),
                current_provider=current,
                zone_id=draw(st.sampled_from([None, "Z"])),
            )
        )
    office = np.array(
        [[draw(st.sampled_from([0.0, 2.0, 5.0, 50.0])) for _ in range(n)] for _ in range(p)]
    )
    scenario = Scenario(
        "h",
        rules=AssignmentRules(release_continuity=release),
        zone_policy=ZonePolicy(
            rule=ZoneRule.ZONED if zoned else ZoneRule.SPOT, non_lead_penalty=penalty
        ),
    )
    try:
        return _build(pkgs, providers, office, scenario=scenario, zones=zones)
    except InfeasibleError:
        assume(False)
        raise


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=tiny_instances())
def test_matches_brute_force_and_keeps_every_rule(inst: AssignmentInstance, hours_match_records):
    """On tiny instances CP-SAT finds the lexicographic optimum, valid, hours as the visits say."""
    result = solve_assignment(inst, SolverSettings(time_limit_s=10.0, workers=1, seed=0))
    assert check_assignment(inst, result.provider_of) == []
    v = result.values
    hours_match_records(inst, result.provider_of, v)
    assert all(s.status.startswith("OPTIMAL") for s in result.stages)
    assert _key(v, _current_unmet(inst, result.provider_of)) == _brute_force(inst)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), release=st.booleans())
def test_capacity_and_hours_hold_on_synthetic_areas(seed: int, release: bool, hours_match_records):
    """Synthetic areas: no rule broken, hours as the visits say, never worse than brokerage."""
    area = synthetic_area(25, 3, seed=seed)
    inst = build_instance(
        area.packages, area.providers, area.zones,
        Scenario("s", rules=AssignmentRules(release_continuity=release)),
        area.office_min, area.office_km, area.nearest_min, area.nearest_km,
    )  # fmt: skip
    result = solve_assignment(inst, SolverSettings(time_limit_s=1.0, workers=1, seed=0))
    assert check_assignment(inst, result.provider_of) == []
    v = result.values
    hours_match_records(inst, result.provider_of, v)
    greedy = greedy_assignment(inst)
    # Never worse than brokerage on who is left without care: current clients, then hours.
    assert (
        _key(v, _current_unmet(inst, result.provider_of))[:2]
        <= _key(greedy.values, _current_unmet(inst, greedy.provider_of))[:2]
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=tiny_instances())
def test_warm_start_pieces_keep_earlier_stages(inst: AssignmentInstance):
    """LP bound <= optimum; local search and LP rounding never undo an earlier stage's value."""
    from optimiser.models.assign import _AssignmentModel
    from optimiser.models.lp_warm_start import (
        improve,
        round_relaxation,
        solve_relaxation,
        stage_value,
    )

    model = _AssignmentModel(inst)
    unmet, travel = model.objective("unmet"), model.objective("travel")
    start = greedy_assignment(inst).provider_of
    better = improve(inst, start, unmet, [])
    assert check_assignment(inst, better) == []
    v1 = stage_value(unmet, inst, better)
    assert v1 <= stage_value(unmet, inst, start)
    lp = solve_relaxation(inst, unmet, [], time_limit_s=5.0)
    assert lp is not None and lp.objective <= v1 + 1e-6 * max(1.0, abs(v1))
    assert check_assignment(inst, round_relaxation(inst, lp, unmet)) == []
    moved = improve(inst, better, travel, [(unmet, v1)])
    assert check_assignment(inst, moved) == []
    assert stage_value(unmet, inst, moved) <= v1
    assert stage_value(travel, inst, moved) <= stage_value(travel, inst, better)
    # Priced by the LP's duals, the re-pack still keeps the earlier stage.
    lp2 = solve_relaxation(inst, travel, [(unmet, v1)], time_limit_s=5.0)
    assert lp2 is not None and len(lp2.kept_duals) == 1 and lp2.kept_duals[0] >= 0
    priced = improve(inst, better, travel, [(unmet, v1)], multipliers=lp2.kept_duals)
    assert check_assignment(inst, priced) == []
    assert stage_value(unmet, inst, priced) <= v1
    assert stage_value(travel, inst, priced) <= stage_value(travel, inst, better)


def test_repack_swaps_one_package_for_two():
    """Only the exact re-pack finds it: drop the 6 h package to serve two 5 h ones."""
    from optimiser.models.assign import _AssignmentModel
    from optimiser.models.lp_warm_start import improve, stage_value

    pkgs = [
        simple_package("big", calls=6, duration_min=60),
        simple_package("s1", calls=5, duration_min=60),
        simple_package("s2", calls=5, duration_min=60),
    ]
    inst = _build(pkgs, [simple_provider("A", capacity_hours=10)], [[0.0, 0.0, 0.0]])
    unmet = _AssignmentModel(inst).objective("unmet")
    start = np.array([0, -1, -1])
    assert improve(inst, start, unmet, [], repack=False).tolist() == [0, -1, -1]
    repacked = improve(inst, start, unmet, [])
    assert repacked.tolist() == [-1, 0, 0]
    assert stage_value(unmet, inst, repacked) < stage_value(unmet, inst, start)
    assert check_assignment(inst, repacked) == []


# --- who keeps care, proven gaps, never worse than greedy -----------------------------------


def _zoned_transition(rule: str, *, current_clients: int = 1) -> AssignmentInstance:
    """Zone Z is led by A (room for one 7 h package); B, today's provider, is not a lead.

    Continuity is released and zoning is strict, so current clients can only move to A.
    A waiting person (100 days: weight 2) competes with them for A's one place.
    """
    zones = {"Z": Zone("Z", "Z", ZoneKind.NEIGHBOURHOOD, ("a",), lead_providers=("A",))}
    pkgs = [
        simple_package(f"current{i}", current_provider="B", zone_id="Z")
        for i in range(current_clients)
    ] + [simple_package("waiting", days_waiting=100, zone_id="Z")]
    providers = [simple_provider("A", capacity_hours=8), simple_provider("B", capacity_hours=50)]
    scenario = Scenario(
        "z",
        zone_policy=ZonePolicy(rule=ZoneRule.ZONED),
        rules=AssignmentRules(release_continuity=True, keep_current_clients=rule),
    )
    office = np.zeros((2, len(pkgs)))
    return _build(pkgs, providers, office, scenario=scenario, zones=zones)


def test_keep_current_clients_keeps_a_current_client_in_care_under_zones():
    """Without the rule the waiting person (weight 2) takes the lead's one place and the
    current client loses care; with it (hard or priority) the current client keeps care."""
    off = solve_assignment(_zoned_transition("off"), ONE_WORKER)
    assert off.provider_of.tolist() == [-1, 0]
    assert "current_clients" not in [s.name for s in off.stages]
    for rule in ("hard", "priority"):
        kept = solve_assignment(_zoned_transition(rule), ONE_WORKER)
        assert kept.provider_of.tolist() == [0, -1], rule
        assert kept.stages[0].name == "current_clients" and kept.stages[0].objective == 0
        assert kept.keep_current_clients == rule and kept.rule_fallback == ""


def test_an_infeasible_hard_rule_falls_back_and_says_how_many_lose_care():
    """Two current clients, one place at the lead: hard cannot hold; the solver does not
    abort, keeps one in care (before the waiting person) and reports that one loses care."""
    inst = _zoned_transition("hard", current_clients=2)
    result = solve_assignment(inst, ONE_WORKER)
    assert sorted(result.provider_of.tolist()) == [-1, -1, 0]
    assert result.provider_of[2] == -1  # the waiting person waits: current clients first
    assert "1 current client(s) lose care" in result.rule_fallback
    assert "(proven)" in result.rule_fallback
    assert check_assignment(inst, result.provider_of) == []
    priority = solve_assignment(_zoned_transition("priority", current_clients=2), ONE_WORKER)
    assert priority.provider_of.tolist() == result.provider_of.tolist()
    assert priority.rule_fallback == ""  # the priority form promises no more than it does


def test_every_stage_gap_is_recorded_and_unknown_is_not_100_percent():
    """Each stage's gap is kept by name; the unmet stage's is the headline one. A stage
    without a useful bound reports None (unknown), never the trivial bound's 100%."""
    from ortools.sat.python import cp_model

    from optimiser.models.assign import _stage_bound
    from optimiser.models.solution import relative_gap

    area = synthetic_area(40, 3, seed=2)
    inst = build_instance(
        area.packages, area.providers, area.zones,
        Scenario("s", rules=AssignmentRules(release_continuity=True)),
        area.office_min, area.office_km, area.nearest_min, area.nearest_km,
    )  # fmt: skip
    det = SolverSettings(time_limit_s=600.0, workers=1, seed=0, max_deterministic_time=0.5)
    result = solve_assignment(inst, det)
    assert list(result.stage_gaps) == [s.name for s in result.stages]
    assert result.unmet_stage_gap == result.stage_gaps["unmet"]
    assert all(g is None or 0.0 <= g < 1.0 for g in result.stage_gaps.values())
    assert not result.wall_cap_hit  # the deterministic budget bound, not the 600 s cap
    # No solution from CP-SAT and no LP bound: unknown, not the trivial 0 (a 100% gap).
    unknown = _stage_bound(cp_model.UNKNOWN, cp_model.CpSolver(), None, 500, 0.0)
    assert unknown is None and relative_gap(500, unknown) is None
    assert _stage_bound(cp_model.UNKNOWN, cp_model.CpSolver(), 450.2, 500, 0.0) == 451.0
    assert _stage_bound(cp_model.UNKNOWN, cp_model.CpSolver(), None, 0, 0.0) == 0.0


def test_a_worse_start_never_beats_greedy_on_who_is_left_without_care():
    """Started from 'nobody placed' and asked only to cut travel, the answer would leave
    everyone waiting; greedy brokerage's is kept instead, and the result says so."""
    area = synthetic_area(20, 3, seed=4)
    inst = build_instance(
        area.packages, area.providers, area.zones,
        Scenario("s", rules=AssignmentRules(release_continuity=True)),
        area.office_min, area.office_km, area.nearest_min, area.nearest_km,
    )  # fmt: skip
    nobody = np.full(inst.n_packages, -1, dtype=np.int64)
    result = solve_assignment(inst, ONE_WORKER, hint=nobody, stages=["travel"])
    greedy = greedy_assignment(inst)
    assert result.fell_back_to_greedy
    assert result.provider_of.tolist() == greedy.provider_of.tolist()


def _tight_packing() -> AssignmentInstance:
    """Two providers of 10 h; waiting packages of 7 h (100 days waiting: weight 2), 6, 6, 4
    and 4 h (weight 1), no travel. What makes it interesting: the LP relaxation places the
    7 h package and fills the other 13 h of room with fractions (7 weighted hours unmet),
    but whole packages cannot fill 7 + 3: the optimum places 7, 6 + 4 and leaves 6 + 4 h
    (10 weighted hours) waiting, so the proof must come from integer reasoning."""
    pkgs = [simple_package("long", calls=7, days_waiting=100)] + [
        simple_package(f"p{h}{j}", calls=h) for h, j in ((6, 0), (6, 1), (4, 0), (4, 1))
    ]
    providers = [simple_provider(k, capacity_hours=10) for k in ("A", "B")]
    return _build(pkgs, providers, np.zeros((2, len(pkgs))))


@pytest.mark.parametrize("warm_start", [True, False])  # LP, HiGHS MIP and CP-SAT; CP-SAT alone
def test_the_unmet_stage_reaches_a_known_optimum_above_its_lp_bound(warm_start: bool):
    """From a start with nobody placed, the unmet stage reaches the known optimum (10
    weighted hours unmet: 600,000 milli-weight-minutes) although the LP bound is 30% below
    it, and reports it as proven: bound equal to the value, gap 0, every stage's gap equal to
    its recorded value and bound."""
    from optimiser.models.assign import _AssignmentModel
    from optimiser.models.lp_warm_start import solve_relaxation
    from optimiser.models.solution import relative_gap

    inst = _tight_packing()
    lp = solve_relaxation(inst, _AssignmentModel(inst).objective("unmet"), [], time_limit_s=10)
    assert lp is not None and lp.objective == pytest.approx(7 * 60 * 1000)
    det = SolverSettings(time_limit_s=600.0, workers=1, seed=0, max_deterministic_time=1.0)
    nobody = np.full(inst.n_packages, -1, dtype=np.int64)
    result = solve_assignment(inst, det, hint=nobody, warm_start=warm_start)
    unmet = next(s for s in result.stages if s.name == "unmet")
    assert unmet.objective == 10 * 60 * 1000
    assert unmet.best_bound == unmet.objective and unmet.gap == 0.0
    assert result.unmet_stage_gap == 0.0
    assert result.provider_of[0] >= 0 and (result.provider_of < 0).sum() == 2
    for stage in result.stages:
        assert stage.gap == relative_gap(stage.objective, stage.best_bound)
    assert not result.fell_back_to_greedy and check_assignment(inst, result.provider_of) == []


def test_a_shared_mip_memo_solves_a_stage_once_with_the_same_answer():
    """Two runs of the tight packing with one ``MipMemo``: the second takes the unmet stage's
    MIP from the memo (one entry, one hit) and gives the same assignment, stage values and
    bounds as a run without a memo; a different node limit is a different entry."""
    from optimiser.models.mip_stage import MipMemo

    inst = _tight_packing()
    det = SolverSettings(time_limit_s=600.0, workers=1, seed=0, max_deterministic_time=1.0)
    nobody = np.full(inst.n_packages, -1, dtype=np.int64)
    alone = solve_assignment(inst, det, hint=nobody)
    memo = MipMemo()
    first = solve_assignment(inst, det, hint=nobody, mip_memo=memo)
    assert len(memo) == 1 and memo.hits == 0
    second = solve_assignment(inst, det, hint=nobody, mip_memo=memo)
    assert len(memo) == 1 and memo.hits == 1
    for run in (first, second):
        assert run.provider_of.tolist() == alone.provider_of.tolist()
        assert [(s.name, s.objective, s.best_bound) for s in run.stages] == [
            (s.name, s.objective, s.best_bound) for s in alone.stages
        ]
    other = dataclasses.replace(det, max_deterministic_time=2.0)  # more nodes for the MIP
    solve_assignment(inst, other, hint=nobody, mip_memo=memo)
    assert len(memo) == 2


def test_mip_false_runs_no_highs_mip_and_still_keeps_every_rule(monkeypatch):
    """``mip=False`` (the zone edit's quick solve) calls neither the stage MIP nor the
    unmet-set cuts, which the tight packing otherwise runs, and still returns an assignment
    the checker accepts, never worse than greedy on who is left without care."""
    import optimiser.models.assign as assign

    calls: list[str] = []
    real_mip, real_cuts = assign.solve_stage_mip, assign.unmet_cut_bound

    def mip(*args, **kwargs):
        calls.append("mip")
        return real_mip(*args, **kwargs)

    def cuts(*args, **kwargs):
        calls.append("cuts")
        return real_cuts(*args, **kwargs)

    monkeypatch.setattr(assign, "solve_stage_mip", mip)
    monkeypatch.setattr(assign, "unmet_cut_bound", cuts)
    inst = _tight_packing()
    det = SolverSettings(time_limit_s=600.0, workers=1, seed=0, max_deterministic_time=1.0)
    nobody = np.full(inst.n_packages, -1, dtype=np.int64)
    solve_assignment(inst, det, hint=nobody)
    assert "mip" in calls
    calls.clear()
    result = solve_assignment(inst, det, hint=nobody, mip=False)
    assert calls == []
    assert check_assignment(inst, result.provider_of) == []
    assert not any(s.bound_from in ("highs mip", "unmet-set cuts") for s in result.stages)
    greedy = greedy_assignment(inst).provider_of
    assert objective_values(inst, result.provider_of).unmet_weighted <= (
        objective_values(inst, greedy).unmet_weighted
    )
