"""Tests of the VRPTW reader: DIMACS rounding reproduces every best-known cost (real files)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.instances.solomon import (
    instance_paths,
    read_best_known,
    read_vrptw,
    route_distance_tenths,
    to_tenths,
)
from optimiser.models.rounds import RoundsResult, RoundsSettings, Route, Stop
from optimiser.models.validate_rounds import validate_rounds


@pytest.fixture(scope="module")
def solomon_dir(shared_path: Callable[[str, str], Path]) -> Path:
    """The 56 Solomon instances; skip if absent (fail in CI)."""
    return shared_path("vrptw/solomon", "Solomon VRPTW instances")


def test_c101_shape_and_units(solomon_dir):
    """C101: 100 calls, 25 vehicles of capacity 200, times in tenths (service 90 -> 900)."""
    inst = read_vrptw(solomon_dir / "C101.vrp")
    assert len(inst.visits) == 100 and len(inst.vehicles) == 25
    assert inst.vehicles[0].capacity == 200
    assert inst.visits[0].duration == 900
    assert to_tenths(1236) == 12360 == inst.vehicles[0].shift_end
    assert inst.arc_cost == "distance"


def test_every_best_known_cost_is_reproduced(solomon_dir):
    """Truncated distances over each .sol's routes equal its stated cost for all 56 instances."""
    paths = instance_paths(solomon_dir)
    assert len(paths) == 56
    for path in paths:
        inst = read_vrptw(path)
        bk = read_best_known(path.with_suffix(".sol"))
        routes = [[c - 1 for c in r] for r in bk.routes]
        assert route_distance_tenths(inst, routes) == round(bk.cost * 10), path.stem


def test_best_known_routes_pass_the_validator(solomon_dir):
    """C101's best-known routes, timed at earliest starts, break no rule of the rounds model."""
    inst = read_vrptw(solomon_dir / "C101.vrp")
    bk = read_best_known(solomon_dir / "C101.sol")
    tt = inst.travel_time
    routes = []
    for k, r in enumerate(bk.routes):
        t, loc, stops, travel = 0, 0, [], 0
        for c in r:
            v = inst.visits[c - 1]
            arrival = t + int(tt[loc, v.location])
            start = max(arrival, v.window_start)
            stops.append(Stop(c - 1, arrival, start, start - arrival, int(tt[loc, v.location]), 0))
            travel += int(tt[loc, v.location])
            t, loc = start + v.duration, v.location
        travel += int(tt[loc, 0])
        stops = [
            Stop(s.visit, s.arrival, s.start, s.wait, s.travel_time, s.travel_time) for s in stops
        ]
        routes.append(Route(k, tuple(stops), 0, t + int(tt[loc, 0]), travel, travel, 0, 0))
    res = RoundsResult(tuple(routes), (), 0, "solved", RoundsSettings(), "none", 0.0)
    assert validate_rounds(inst, res) == []
