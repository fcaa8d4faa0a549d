"""Tests of the independent rounds validator: a hand-made valid plan, then one defect at a time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from optimiser.models.rounds import (
    BreakSpec,
    MissedVisit,
    RoundsInstance,
    RoundsResult,
    RoundsSettings,
    Route,
    Stop,
    SyncGroup,
    Vehicle,
    Visit,
)
from optimiser.models.validate_rounds import validate_rounds

TT = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]])


@pytest.fixture
def inst() -> RoundsInstance:
    """Two workers; a double-handed call (visits 0 and 1) at 60, a skilled call, one unservable."""
    visits = (
        Visit(location=1, window_start=60, window_end=60, duration=30),
        Visit(location=1, window_start=60, window_end=60, duration=30),
        Visit(location=2, window_start=100, window_end=140, duration=20, required_skills={"x"}),
        Visit(location=2, window_start=0, window_end=5, duration=10),
    )
    vehicles = (
        Vehicle(0, 0, 0, 300, max_shift=200, skills={"x"}, breaks=(BreakSpec(150, 170, 15),)),
        Vehicle(0, 0, 0, 300, capacity=5),
    )
    return RoundsInstance(visits, vehicles, TT, TT * 2, syncs=(SyncGroup(0, 1),))


@pytest.fixture
def good(inst) -> RoundsResult:
    """A plan that breaks no rule: worker 0 does 0 then 2 then a break; worker 1 does 1."""
    r0 = Route(
        vehicle=0,
        stops=(Stop(0, 60, 60, 0, 10, 20), Stop(2, 100, 100, 0, 10, 20)),
        start_time=50,
        end_time=155,
        travel_time=40,
        distance=80,
        wait=0,
        service_time=50,
        breaks=(),
    )
    r1 = Route(1, (Stop(1, 60, 60, 0, 10, 20),), 50, 100, 20, 40, 0, 30)
    return RoundsResult(
        routes=(r0, r1),
        missed=(MissedVisit(3, "window_unreachable"),),
        objective=0,
        status="solved",
        settings=RoundsSettings(),
        warm_start="none",
        wall_s=0.0,
    )


def _with_route(res: RoundsResult, k: int, **changes) -> RoundsResult:
    routes = list(res.routes)
    routes[k] = replace(routes[k], **changes)
    return replace(res, routes=tuple(routes))


def test_valid_plan_passes(inst, good):
    """The hand-made plan has no violations (the break ends after the round, so it is not due)."""
    assert validate_rounds(inst, good) == []


def test_silently_dropped_visit_is_caught(inst, good):
    """A visit neither served nor reported missed is a violation."""
    out = validate_rounds(inst, replace(good, missed=()))
    assert any("silently dropped" in line for line in out)


def test_visit_served_twice_is_caught(inst, good):
    """The same visit on two rounds is a violation."""
    res = _with_route(good, 1, stops=(*good.routes[1].stops, Stop(1, 100, 100, 0, 0, 0)))
    assert any("served twice" in line for line in validate_rounds(inst, res))


def test_hard_window_is_enforced(inst, good):
    """Starting the skilled call after its hard window end is a violation."""
    stops = (good.routes[0].stops[0], Stop(2, 100, 150, 50, 10, 20))
    res = _with_route(good, 0, stops=stops, end_time=200)
    assert any("after its window" in line for line in validate_rounds(inst, res))


def test_travel_time_between_stops_is_enforced(inst, good):
    """Starting the next call before the worker can get there is a violation."""
    stops = (good.routes[0].stops[0], Stop(2, 95, 95, 0, 10, 20))
    res = _with_route(good, 0, stops=stops)
    out = validate_rounds(inst, res)
    assert any("needs" in line for line in out) and any("before its window" in line for line in out)


def test_sync_on_one_worker_and_gap_are_caught(inst, good):
    """Both halves of a double-handed call on one worker, or at different minutes, are caught."""
    moved = _with_route(good, 1, stops=(Stop(1, 60, 70, 10, 10, 20),), end_time=110)
    assert any("allowed [0, 0]" in line for line in validate_rounds(inst, moved))
    one = replace(good, routes=(good.routes[0],), missed=(*good.missed, MissedVisit(1, "x")))
    assert any("only one of the two" in line for line in validate_rounds(inst, one))


def test_skill_shift_and_capacity_are_enforced(inst, good):
    """Unqualified worker, overlong shift and exceeded capacity are each reported."""
    swapped = replace(
        good,
        routes=(
            replace(good.routes[0], vehicle=1),
            replace(good.routes[1], vehicle=0),
        ),
    )
    out = validate_rounds(inst, swapped)
    assert any("not qualified" in line for line in out)
    long = _with_route(good, 0, start_time=0, end_time=260)
    out = validate_rounds(inst, long)
    assert any("max 200" in line for line in out)
    heavy_inst = replace(inst, visits=tuple(replace(v, demand=6) for v in inst.visits))
    assert any("capacity" in line for line in validate_rounds(heavy_inst, good))


def test_breaks_are_checked(inst, good):
    """A due break not taken, or taken during a visit, is a violation."""
    longer = _with_route(good, 0, end_time=200)
    assert any("not taken" in line for line in validate_rounds(inst, longer))
    overlap = _with_route(good, 0, end_time=200, breaks=((110, 15),))
    out = validate_rounds(inst, overlap)
    assert any("outside [150, 170]" in line for line in out) or any(
        "overlaps" in line for line in out
    )


def test_reported_totals_must_match_matrices(inst, good):
    """A route whose reported travel differs from the matrix sum is flagged."""
    res = _with_route(good, 0, travel_time=39)
    assert any("reports travel 39" in line for line in validate_rounds(inst, res))
