"""Tests of the rounds model: known optima, synchronised visits, breaks, skills, missed calls."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser.errors import InputError
from optimiser.models.rounds import (
    MISSED_REASONS,
    BreakSpec,
    RoundsInstance,
    RoundsSettings,
    SyncGroup,
    Vehicle,
    Visit,
    solve_rounds,
)
from optimiser.models.validate_rounds import validate_rounds

# Small instances converge in well under a second; the solution limit keeps runs bounded.
FAST = RoundsSettings(time_limit_s=2.0, solution_limit=200, warm_start="none")


def _line(positions: list[int]) -> np.ndarray:
    """Travel matrix of points on a line [min]: |a - b|."""
    p = np.asarray(positions)
    return np.abs(p[:, None] - p[None, :])


def _solve_checked(inst: RoundsInstance, s: RoundsSettings = FAST):
    """Solve and assert the independent validator finds nothing wrong."""
    res = solve_rounds(inst, s)
    assert validate_rounds(inst, res) == []
    assert all(m.reason in MISSED_REASONS for m in res.missed)
    return res


@pytest.fixture
def windows_force_reverse() -> RoundsInstance:
    """Three calls on a line whose windows force the far one first: 0 -> 30 -> 20 -> 10 -> 0."""
    tt = _line([0, 10, 20, 30])
    visits = (
        Visit(location=1, window_start=80, window_end=100, duration=5),
        Visit(location=2, window_start=50, window_end=70, duration=5),
        Visit(location=3, window_start=30, window_end=40, duration=5),
    )
    return RoundsInstance(visits, (Vehicle(0, 0, 0, 200),), tt, tt * 100)


def test_known_optimal_route(windows_force_reverse):
    """The only window-feasible order is found, with travel 60 min and arrival times as computed."""
    res = _solve_checked(windows_force_reverse)
    assert res.missed == ()
    (route,) = res.routes
    assert route.visits == (2, 1, 0)
    assert res.travel_time == 60
    starts = [s.start for s in route.stops]
    assert 30 <= starts[0] <= 40 and 50 <= starts[1] <= 70 and 80 <= starts[2] <= 100
    assert route.stops[0].arrival == route.start_time + 30
    assert res.objective == 60  # arc cost = travel time


def test_given_initial_routes_seed_the_search(windows_force_reverse):
    """Routes handed in are read as the start: a plan already optimal comes back unchanged."""
    res = solve_rounds(windows_force_reverse, FAST, initial_routes=[[2, 1, 0]])
    assert validate_rounds(windows_force_reverse, res) == []
    assert res.warm_start == "given"
    assert res.routes[0].visits == (2, 1, 0)
    assert res.objective == 60


def test_given_start_that_breaks_a_window_is_rejected_not_trusted(windows_force_reverse):
    """A handed-in order that misses every window is refused by OR-Tools and solved afresh."""
    res = solve_rounds(windows_force_reverse, FAST, initial_routes=[[0, 1, 2]])
    assert res.warm_start == "given_rejected"
    assert res.routes[0].visits == (2, 1, 0)
    assert validate_rounds(windows_force_reverse, res) == []


def test_given_start_drops_unservable_visits():
    """A visit the pre-checks rule out (no qualified worker) is left out of a given start."""
    tt = _line([0, 10, 20])
    visits = (
        Visit(location=1, window_start=0, window_end=100, duration=5),
        Visit(location=2, window_start=0, window_end=100, duration=5, required_skills={"peg"}),
    )
    inst = RoundsInstance(visits, (Vehicle(0, 0, 0, 200),), tt, tt)
    res = solve_rounds(inst, FAST, initial_routes=[[0, 1]])
    assert validate_rounds(inst, res) == []
    assert [(m.visit, m.reason) for m in res.missed] == [(1, "no_qualified_worker")]
    assert any("cannot be served" in n for n in res.notes)


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ([[0], [1]], "2 routes for 1 vehicles"),  # one route per vehicle
        ([[0, 3]], "3 out of range"),  # a visit index the instance lacks
        ([[0, 1, 0]], "0 is in two places"),  # a visit served twice
    ],
)
def test_bad_initial_routes_are_an_input_error(windows_force_reverse, routes, expected):
    """Initial routes that do not fit the instance raise InputError saying what is wrong."""
    with pytest.raises(InputError, match=expected):
        solve_rounds(windows_force_reverse, FAST, initial_routes=routes)


def test_double_handed_call_is_simultaneous_on_two_workers():
    """A [0, 0] sync pair is served by two different workers starting at the same minute."""
    tt = _line([0, 15, 40])
    visits = (
        Visit(location=1, window_start=60, window_end=120, duration=30, label="A"),
        Visit(location=1, window_start=60, window_end=120, duration=30, label="A, 2nd carer"),
        Visit(location=2, window_start=0, window_end=300, duration=20),
    )
    vehicles = (Vehicle(0, 0, 0, 480), Vehicle(0, 0, 0, 480))
    inst = RoundsInstance(visits, vehicles, tt, tt, syncs=(SyncGroup(0, 1, 0, 0),))
    res = _solve_checked(inst, RoundsSettings(time_limit_s=2.0, solution_limit=200))
    assert res.missed == ()
    where = {s.visit: (r.vehicle, s.start) for r in res.routes for s in r.stops}
    assert where[0][0] != where[1][0]
    assert where[0][1] == where[1][1]


def test_sync_gap_window_is_respected():
    """The second visit starts between 20 and 30 minutes after the first, on another worker."""
    tt = _line([0, 10, 25])
    visits = (
        Visit(location=1, window_start=0, window_end=200, duration=10),
        Visit(location=2, window_start=0, window_end=200, duration=10),
    )
    vehicles = (Vehicle(0, 0, 0, 300), Vehicle(0, 0, 0, 300))
    inst = RoundsInstance(visits, vehicles, tt, tt, syncs=(SyncGroup(0, 1, 20, 30),))
    res = _solve_checked(inst, RoundsSettings(time_limit_s=2.0, solution_limit=200))
    start = {s.visit: s.start for r in res.routes for s in r.stops}
    assert 20 <= start[1] - start[0] <= 30


def test_unmeetable_double_handed_pairs_are_reported_not_dropped():
    """Two pairs both fixed at minute 100 with only two workers: one pair is missed, with reason."""
    tt = _line([0, 10, 20])
    w = {"window_start": 100, "window_end": 100, "duration": 30}
    visits = (Visit(1, **w), Visit(1, **w), Visit(2, **w), Visit(2, **w))
    vehicles = (Vehicle(0, 0, 0, 300), Vehicle(0, 0, 0, 300))
    syncs = (SyncGroup(0, 1), SyncGroup(2, 3))
    inst = RoundsInstance(visits, vehicles, tt, tt, syncs=syncs)
    res = _solve_checked(inst, RoundsSettings(time_limit_s=2.0, solution_limit=100))
    assert sorted(m.visit for m in res.missed) in ([0, 1], [2, 3])
    assert {m.reason for m in res.missed} == {"not_fitted"}


def test_missed_calls_carry_their_reasons():
    """Unreachable windows, missing skills and lone-worker pairs are missed calls with reasons."""
    tt = _line([0, 10, 500])
    visits = (
        Visit(location=2, window_start=0, window_end=100, duration=10),  # too far for the window
        Visit(location=1, window_start=0, window_end=100, duration=10, required_skills={"hoist"}),
        Visit(location=1, window_start=0, window_end=100, duration=10),
        Visit(location=1, window_start=0, window_end=100, duration=10),
        Visit(location=1, window_start=0, window_end=480, duration=10),  # the one servable call
    )
    inst = RoundsInstance(
        visits,
        (Vehicle(0, 0, 0, 480),),
        tt,
        tt,
        syncs=(SyncGroup(2, 3),),
    )
    res = _solve_checked(inst)
    reasons = {m.visit: m.reason for m in res.missed}
    assert reasons == {
        0: "window_unreachable",
        1: "no_qualified_worker",
        2: "sync_needs_two_workers",
        3: "sync_needs_two_workers",
    }
    assert res.routes[0].visits == (4,)


def test_overfull_day_reports_not_fitted():
    """Two 60-minute calls fixed at the same minute for one worker: one is missed, not fitted."""
    tt = _line([0, 5, 6])
    visits = (
        Visit(location=1, window_start=60, window_end=60, duration=60),
        Visit(location=2, window_start=60, window_end=60, duration=60),
    )
    res = _solve_checked(RoundsInstance(visits, (Vehicle(0, 0, 0, 480),), tt, tt))
    assert len(res.missed) == 1 and res.missed[0].reason == "not_fitted"


def test_shift_length_limit_splits_the_work():
    """A 100-minute maximum shift forces two rounds for 150 minutes of calls."""
    tt = _line([0, 5, 5, 5])
    visits = tuple(
        Visit(location=k, window_start=0, window_end=400, duration=50) for k in (1, 2, 3)
    )
    vehicles = (Vehicle(0, 0, 0, 480, max_shift=110),) * 2
    res = _solve_checked(RoundsInstance(visits, vehicles, tt, tt))
    assert res.missed == ()
    assert res.vehicles_used == 2
    assert all(r.end_time - r.start_time <= 110 for r in res.routes)


def test_break_is_taken_between_visits():
    """A 30-minute break due between 120 and 150 falls between visits, not during one."""
    tt = _line([0, 10, 20])
    visits = (
        Visit(location=1, window_start=60, window_end=130, duration=60),
        Visit(location=2, window_start=150, window_end=250, duration=60),
    )
    vehicle = Vehicle(0, 0, 0, 480, breaks=(BreakSpec(120, 150, 30),))
    res = _solve_checked(RoundsInstance(visits, (vehicle,), tt, tt))
    assert res.missed == ()
    (route,) = res.routes
    assert len(route.breaks) == 1
    b_start, b_dur = route.breaks[0]
    assert 120 <= b_start <= 150 and b_dur == 30


def test_skills_route_calls_to_qualified_workers():
    """A call needing a skill goes to the one worker who has it."""
    tt = _line([0, 10, 20])
    visits = (
        Visit(location=1, window_start=0, window_end=400, duration=10, required_skills={"peg"}),
        Visit(location=2, window_start=0, window_end=400, duration=10),
    )
    vehicles = (Vehicle(0, 0, 0, 480), Vehicle(0, 0, 0, 480, skills={"peg"}))
    res = _solve_checked(RoundsInstance(visits, vehicles, tt, tt))
    served_by = {s.visit: r.vehicle for r in res.routes for s in r.stops}
    assert served_by[0] == 1


def test_soft_window_charges_tardiness():
    """Past a soft window end the call is still served, and its lateness is counted."""
    tt = _line([0, 100])
    visits = (
        Visit(
            location=1,
            window_start=0,
            window_end=50,
            duration=10,
            soft_end=True,
            tardiness_weight=2,
        ),
    )
    res = _solve_checked(RoundsInstance(visits, (Vehicle(0, 0, 0, 480),), tt, tt))
    assert res.missed == ()
    assert res.tardiness == 2 * 50 and res.max_tardiness == 50
    assert res.objective == 200 + 100  # travel there and back + weighted lateness


def test_search_prices_the_maximum_tardiness():
    """OR-Tools' own search (no start handed in) minimises total + maximum tardiness: of three
    calls at one place, the order with the least total tardiness (B A C: 50, maximum 50) loses
    to B C A (60, maximum 30) once the maximum is weighted, and the objective carries it; with
    ``price_max_tardiness`` off the search is back to the least total."""
    tt = _line([0, 0])
    calls = tuple(
        Visit(1, 0, end, dur, soft_end=True, tardiness_weight=1, label=name)
        for name, end, dur in (("A", 40, 20), ("B", 0, 30), ("C", 0, 40))
    )
    vehicles = (Vehicle(0, 0, 0, 480),)
    res = _solve_checked(RoundsInstance(calls, vehicles, tt, tt))
    assert [r.visits for r in res.routes] == [(1, 0, 2)]
    assert (res.tardiness, res.max_tardiness, res.objective) == (50, 50, 50)
    inst = RoundsInstance(calls, vehicles, tt, tt, max_tardiness_weight=1)
    res = _solve_checked(inst)
    assert [r.visits for r in res.routes] == [(1, 2, 0)]
    assert (res.tardiness, res.max_tardiness, res.objective) == (60, 30, 90)
    off = RoundsSettings(
        time_limit_s=2.0, solution_limit=200, warm_start="none", price_max_tardiness=False
    )
    assert [r.visits for r in _solve_checked(inst, off).routes] == [(1, 0, 2)]


def test_bad_instance_lists_every_problem():
    """Out-of-range locations and sync indices are all reported in one InputError."""
    tt = _line([0, 10])
    with pytest.raises(InputError) as err:
        RoundsInstance(
            (Visit(location=5, window_start=0, window_end=10, duration=1),),
            (Vehicle(0, 3, 0, 10),),
            tt,
            tt,
            syncs=(SyncGroup(0, 7),),
        )
    assert len(err.value.problems) == 3


def test_unknown_strategy_is_rejected():
    """Settings name OR-Tools enums; a typo is a ValueError naming the field."""
    with pytest.raises(ValueError, match="first_solution_strategy"):
        RoundsSettings(first_solution_strategy="CHEAPEST_EVER")


def test_strategy_names_are_or_tools_enum_names():
    """The names settings accept (listed where the config reader can check them) are exactly
    OR-Tools' enum names, so the list cannot drift from the pinned version."""
    from ortools.constraint_solver import routing_enums_pb2 as enums

    from optimiser.data.rounds_options import (
        FIRST_SOLUTION_STRATEGIES,
        LOCAL_SEARCH_METAHEURISTICS,
    )

    fss = enums.FirstSolutionStrategy.DESCRIPTOR.enum_values_by_name
    lsm = enums.LocalSearchMetaheuristic.DESCRIPTOR.enum_values_by_name
    assert set(FIRST_SOLUTION_STRATEGIES) == set(fss)
    assert set(LOCAL_SEARCH_METAHEURISTICS) == set(lsm)


@st.composite
def _random_instance(draw) -> RoundsInstance:
    """Up to 7 calls on a line with random windows, skills, one optional sync pair and breaks."""
    n_loc = draw(st.integers(2, 6))
    pos = draw(st.lists(st.integers(0, 60), min_size=n_loc, max_size=n_loc))
    visits = []
    for _ in range(draw(st.integers(1, 7))):
        ws = draw(st.integers(0, 300))
        visits.append(
            Visit(
                location=draw(st.integers(1, n_loc - 1)),
                window_start=ws,
                window_end=ws + draw(st.integers(0, 120)),
                duration=draw(st.integers(5, 45)),
                required_skills=draw(st.sampled_from([frozenset(), frozenset({"a"})])),
                soft_end=draw(st.booleans()),
                tardiness_weight=1,
            )
        )
    vehicles = tuple(
        Vehicle(
            0,
            0,
            0,
            draw(st.integers(200, 480)),
            max_shift=draw(st.sampled_from([None, 240])),
            skills=draw(st.sampled_from([frozenset(), frozenset({"a"})])),
            breaks=draw(st.sampled_from([(), (BreakSpec(120, 200, 20),)])),
        )
        for _ in range(draw(st.integers(1, 3)))
    )
    syncs = ()
    if len(visits) >= 2 and draw(st.booleans()):
        syncs = (SyncGroup(0, 1, 0, draw(st.integers(0, 30))),)
    return RoundsInstance(tuple(visits), vehicles, _line(pos), _line(pos), syncs=syncs)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_random_instance())
def test_every_solution_passes_the_validator(inst):
    """On random small instances every returned plan respects every rule, and no call vanishes."""
    res = _solve_checked(inst, RoundsSettings(time_limit_s=1.0, solution_limit=30))
    served = {s.visit for r in res.routes for s in r.stops}
    assert served | {m.visit for m in res.missed} == set(range(len(inst.visits)))


def test_no_workers_or_no_calls_are_handled():
    """Without workers every call is missed (no qualified worker); without calls, no rounds."""
    tt = _line([0, 10])
    calls = (Visit(location=1, window_start=0, window_end=50, duration=10),)
    res = _solve_checked(RoundsInstance(calls, (), tt, tt))
    assert [m.reason for m in res.missed] == ["no_qualified_worker"]
    res = _solve_checked(RoundsInstance((), (Vehicle(0, 0, 0, 100),), tt, tt))
    assert res.routes == () and res.missed == ()


def _pairs_on_a_grid() -> RoundsInstance:
    """Ten calls, three of them double-handed pairs, on a seeded random grid: enough order
    choices that the constructive search's result depends on how long it runs."""
    rng = np.random.default_rng(3)
    xy = rng.integers(0, 40, size=(14, 2))
    tt = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2)
    visits = []
    for i in range(13):
        ws = int(rng.integers(0, 200))
        visits.append(
            Visit(1 + i, ws, ws + 60, 15, soft_end=True, tardiness_weight=1, label=str(i))
        )
    syncs = (SyncGroup(0, 1), SyncGroup(2, 3), SyncGroup(4, 5))
    vehicles = tuple(Vehicle(0, 0, 0, 600) for _ in range(4))
    return RoundsInstance(tuple(visits), vehicles, tt, tt, syncs=syncs, max_tardiness_weight=1)


def test_constructive_step_budget_stops_the_climb():
    """With a budget of 0 steps the constructive start is the first decode, however long the
    time limit: the step budget, not the clock, ends the climb."""
    from optimiser.models.rounds.constructive import _Decoder, greedy_routes

    inst = _pairs_on_a_grid()
    active = list(range(len(inst.visits)))
    dec = _Decoder(inst, active)
    first, _ = dec.decode(dec.initial_order())
    assert greedy_routes(inst, active, 30.0, 0, max_steps=0) == first


def test_resumed_decode_equals_a_full_decode():
    """The climb resumes a decode where a changed order first differs; on random orders and
    cut points (pairs, soft windows, the maximum-tardiness term) the rounds and cost equal a
    decode from scratch."""
    from optimiser.models.rounds.constructive import _Decoder

    inst = _pairs_on_a_grid()
    dec = _Decoder(inst, list(range(len(inst.visits))))
    rng = np.random.default_rng(0)
    order = dec.initial_order()
    _, _, trace = dec.decode_from(order)
    for _ in range(40):
        cand = list(order)
        x, y = (int(z) for z in rng.choice(len(cand), size=2, replace=False))
        cand.insert(y, cand.pop(x))
        routes, cost, cand_trace = dec.decode_from(cand, trace, min(x, y))
        assert (routes, cost) == dec.decode(cand)
        order, trace = cand, cand_trace


def test_search_budgets_make_a_solve_repeat_exactly():
    """With a step budget for the constructive start, an iteration budget for PyVRP and a
    solution limit for OR-Tools, two solves of a day with double-handed calls give the same
    rounds and objective."""
    inst = _pairs_on_a_grid()
    s = RoundsSettings(
        time_limit_s=60.0, solution_limit=100, greedy_steps=300, pyvrp_iterations=200
    )
    a, b = _solve_checked(inst, s), _solve_checked(inst, s)
    assert a.warm_start in ("pyvrp", "greedy")
    assert [r.visits for r in a.routes] == [r.visits for r in b.routes]
    assert a.objective == b.objective


def test_a_cap_that_stops_a_budgeted_stage_is_noted():
    """Budgets too large for a 0.5 s limit: the constructive start's and OR-Tools' wall-clock
    caps stop them first, and the result says so (the solve is then not repeatable)."""
    inst = _pairs_on_a_grid()
    s = RoundsSettings(
        time_limit_s=0.5, solution_limit=10**9, greedy_steps=10**9, warm_start="greedy"
    )
    notes = " ".join(_solve_checked(inst, s).notes)
    assert "constructive start: its wall-clock cap fired" in notes
    assert "OR-Tools search: its wall-clock cap fired" in notes


def test_negative_step_budget_is_rejected():
    """A negative constructive step budget is a settings error naming the field."""
    with pytest.raises(ValueError, match="greedy_steps"):
        RoundsSettings(greedy_steps=-1)
