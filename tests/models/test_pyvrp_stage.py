"""Tests of the rounds engine's PyVRP stage: PyVRP's routes seed OR-Tools on the one path."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.bench_rounds import DEFAULT_DIR
from benchmarks.instances.solomon import instance_paths, read_vrptw
from optimiser.models.rounds import (
    BreakSpec,
    RoundsInstance,
    RoundsSettings,
    SyncGroup,
    Vehicle,
    Visit,
    solve_rounds,
)
from optimiser.models.rounds.pyvrp_stage import pyvrp_start
from optimiser.models.validate_rounds import validate_rounds

# Deterministic budgets: PyVRP iterations and OR-Tools solutions (the time limit only a cap).
DET = RoundsSettings(time_limit_s=5.0, solution_limit=100, pyvrp_iterations=300)


def _line(positions: list[int]) -> np.ndarray:
    p = np.asarray(positions)
    return np.abs(p[:, None] - p[None, :])


def _reverse_windows(vehicle: Vehicle) -> RoundsInstance:
    """Three calls on a line whose windows force the far one first: 0 -> 30 -> 20 -> 10 -> 0."""
    tt = _line([0, 10, 20, 30])
    visits = (
        Visit(location=1, window_start=80, window_end=100, duration=5),
        Visit(location=2, window_start=50, window_end=70, duration=5),
        Visit(location=3, window_start=30, window_end=40, duration=5),
    )
    return RoundsInstance(visits, (vehicle,), tt, tt * 100)


def _solomon(name: str, n_visits: int) -> RoundsInstance:
    """The first ``n_visits`` customers of a Solomon instance (skipped without the data)."""
    paths = []
    if DEFAULT_DIR.is_dir():
        paths = [p for p in instance_paths(DEFAULT_DIR) if p.stem == name]
    if not paths:
        pytest.skip(f"Solomon {name} not found under {DEFAULT_DIR}")
    inst = read_vrptw(paths[0])
    return RoundsInstance(
        inst.visits[:n_visits],
        inst.vehicles,
        inst.travel_time,
        inst.distance,
        arc_cost=inst.arc_cost,
        name=f"{name}-{n_visits}",
    )


def test_default_start_without_pairs_is_pyvrp():
    """With no synchronised pair the engine's default start is PyVRP's, and it is optimal."""
    inst = _reverse_windows(Vehicle(0, 0, 0, 200))
    res = solve_rounds(inst, DET)
    assert validate_rounds(inst, res) == []
    assert res.warm_start == "pyvrp"
    assert res.routes[0].visits == (2, 1, 0)
    assert res.objective == 60
    assert any("iterations=300" in n for n in res.notes)


def test_real_solomon_instance_is_served_and_valid():
    """R101's first 25 customers: PyVRP's start, OR-Tools' polish, nothing missed, valid."""
    inst = _solomon("R101", 25)
    res = solve_rounds(inst, DET)
    assert res.warm_start == "pyvrp"
    assert res.missed == ()
    assert validate_rounds(inst, res) == []


def test_skills_are_priced_out_of_pyvrp_routes():
    """A call needing a skill only one worker has goes to that worker in PyVRP's routes."""
    tt = _line([0, 10, 20])
    visits = (
        Visit(location=1, window_start=0, window_end=400, duration=10, required_skills={"peg"}),
        Visit(location=2, window_start=0, window_end=400, duration=10),
    )
    vehicles = (Vehicle(0, 0, 0, 480), Vehicle(0, 0, 0, 480, skills={"peg"}))
    inst = RoundsInstance(visits, vehicles, tt, tt)
    stage = pyvrp_start(inst, [0, 1], DET, 5.0)
    assert stage.routes is not None and 0 in stage.routes[1]
    res = solve_rounds(inst, DET)
    assert validate_rounds(inst, res) == []
    assert {s.visit: r.vehicle for r in res.routes for s in r.stops}[0] == 1


def test_breaks_are_restored_by_or_tools():
    """A break PyVRP cannot see (its shift is shortened instead) is placed by OR-Tools."""
    tt = _line([0, 10, 20])
    visits = (
        Visit(location=1, window_start=60, window_end=130, duration=60),
        Visit(location=2, window_start=150, window_end=250, duration=60),
    )
    vehicle = Vehicle(0, 0, 0, 480, max_shift=300, breaks=(BreakSpec(120, 150, 30),))
    inst = RoundsInstance(visits, (vehicle,), tt, tt)
    res = solve_rounds(inst, DET)
    assert res.warm_start == "pyvrp"
    assert res.missed == ()
    assert validate_rounds(inst, res) == []
    (route,) = res.routes
    assert len(route.breaks) == 1 and 120 <= route.breaks[0][0] <= 150


def test_a_start_that_leaves_no_room_for_a_break_is_cut_and_noted():
    """Two workers: PyVRP puts back-to-back calls over the break's range on one round; OR-Tools
    rejects that round, keeps the other, inserts the calls itself and says so."""
    tt = _line([0, 1, 2, 3, 50])
    visits = (
        Visit(location=1, window_start=100, window_end=100, duration=30),
        Visit(location=2, window_start=131, window_end=131, duration=30),
        Visit(location=3, window_start=162, window_end=162, duration=30),
        Visit(location=4, window_start=300, window_end=300, duration=10),
    )
    brk = (BreakSpec(110, 190, 20),)
    vehicles = (Vehicle(0, 0, 0, 480, breaks=brk), Vehicle(0, 0, 0, 480, breaks=brk))
    inst = RoundsInstance(visits, vehicles, tt, tt)
    res = solve_rounds(inst, DET)
    assert validate_rounds(inst, res) == []
    assert any("rejected the pyvrp start" in n for n in res.notes)
    assert res.missed == ()


def test_pairs_are_pinned_for_pyvrp_and_served_in_sync():
    """A double-handed call: PyVRP gets its two visits pinned to the constructive start's time,
    serves them on two workers at once, and OR-Tools keeps the pair in sync."""
    tt = _line([0, 10, 20])
    visits = (
        Visit(location=1, window_start=30, window_end=60, duration=20),
        Visit(location=1, window_start=30, window_end=60, duration=20),
        Visit(location=2, window_start=0, window_end=300, duration=20),
    )
    vehicles = (Vehicle(0, 0, 0, 480), Vehicle(0, 0, 0, 480))
    inst = RoundsInstance(visits, vehicles, tt, tt, syncs=(SyncGroup(0, 1),))
    res = solve_rounds(inst, DET)
    assert res.warm_start in ("pyvrp", "greedy")
    assert any("pyvrp start: cost" in n for n in res.notes)
    assert any("greedy start: cost" in n for n in res.notes)
    assert res.missed == ()
    assert validate_rounds(inst, res) == []
    start = {s.visit: (r.vehicle, s.start) for r in res.routes for s in r.stops}
    assert start[0][0] != start[1][0] and start[0][1] == start[1][1]
    greedy = solve_rounds(inst, RoundsSettings(**{**DET.__dict__, "warm_start": "greedy"}))
    assert greedy.warm_start == "greedy" and validate_rounds(inst, greedy) == []


def test_soft_windows_take_the_constructive_start_by_default():
    """PyVRP cannot price tardiness: "auto" starts soft-window days by the greedy start."""
    tt = _line([0, 100])
    visit = Visit(1, 0, 50, 10, soft_end=True, tardiness_weight=2)
    inst = RoundsInstance((visit,), (Vehicle(0, 0, 0, 480),), tt, tt)
    res = solve_rounds(inst, DET)
    assert res.warm_start == "greedy"
    assert validate_rounds(inst, res) == [] and res.tardiness == 100


def test_same_seed_and_budget_give_the_same_routes():
    """Same seed, same PyVRP iteration budget and OR-Tools solution limit: the same rounds."""
    inst = _solomon("RC101", 30)
    a, b = solve_rounds(inst, DET), solve_rounds(inst, DET)
    assert [r.visits for r in a.routes] == [r.visits for r in b.routes]
    assert a.objective == b.objective
    s_a = pyvrp_start(inst, list(range(len(inst.visits))), DET, 20.0)
    s_b = pyvrp_start(inst, list(range(len(inst.visits))), DET, 20.0)
    assert s_a.routes == s_b.routes and not s_a.cap_fired


def test_bad_pyvrp_settings_are_rejected():
    """Out-of-range PyVRP budgets and an unknown start are settings errors naming the field."""
    with pytest.raises(ValueError, match="pyvrp_share"):
        RoundsSettings(pyvrp_share=1.0)
    with pytest.raises(ValueError, match="pyvrp_iterations"):
        RoundsSettings(pyvrp_iterations=-1)
    with pytest.raises(ValueError, match="warm_start"):
        RoundsSettings(warm_start="best")  # type: ignore[arg-type]
