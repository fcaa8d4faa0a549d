"""Carer rounds built from an assignment: instance shape, validity, travel attribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimiser.data.domain import (
    CallType,
    Package,
    PackageStatus,
    Priority,
    Provider,
    Visit,
)
from optimiser.data.rounds_options import RoundsOptions
from optimiser.models.carer_rounds import build_provider_day, plan_rounds, rounds_settings
from optimiser.models.rounds import solve_rounds
from optimiser.models.travel_estimate import FIGURE_COLUMNS
from optimiser.models.validate_rounds import validate_rounds

#: Repeatable runs: stop at the first few solutions instead of a wall-clock limit.
OPTIONS = RoundsOptions(time_limit_s=5.0, solution_limit=50)


def _package(pid: str, visits: tuple[Visit, ...], needs: frozenset[str] = frozenset()) -> Package:
    hours = sum(v.duration_min for v in visits) / 60
    return Package(
        pid,
        52.65,
        -0.7,
        hours,
        visits,
        needs=needs,
        status=PackageStatus.WAITING,
        priority=Priority.COMMUNITY,
    )


def _provider(pid: str = "PRV-1", workers: int = 6) -> Provider:
    return Provider(
        pid, pid, 52.65, -0.7, 500.0, workers, 25.0, 12.71, skills=frozenset({"dementia"})
    )


@pytest.fixture()
def small_week() -> tuple[list[Package], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three people on a line 5 minutes apart; one needs a double-handed morning call.

    Interesting because the double-handed call forces two workers to meet, and the travel
    attribution must add up to the rounds' own travel.
    """
    packages = [
        _package("A", (Visit(0, CallType.MORNING, 30), Visit(0, CallType.BED, 30))),
        _package("B", (Visit(0, CallType.MORNING, 45, carers=2),)),
        _package("C", (Visit(0, CallType.MORNING, 30), Visit(1, CallType.LUNCH, 30))),
    ]
    pos = np.array([5.0, 10.0, 15.0])
    home_min = np.abs(pos[:, None] - pos[None, :])
    home_km = home_min / 2.0
    office_min = pos[None, :].copy()
    office_km = office_min / 2.0
    return packages, office_min, office_km, home_min, home_km


def _day(small_week, day: int = 0):
    """The provider-day instance of ``day`` (0 = Monday) for all three people."""
    packages, office_min, office_km, home_min, home_km = small_week
    return build_provider_day(
        0,
        _provider(),
        day,
        [0, 1, 2],
        packages,
        office_min[0],
        office_km[0],
        home_min,
        home_km,
        OPTIONS,
    )


def test_provider_day_has_one_visit_per_carer_and_a_sync_per_double_call(small_week) -> None:
    """Monday holds A's two calls, B's double call as two visits tied by a [0, 0] sync, C's call."""
    pday = _day(small_week)
    assert pday is not None
    inst = pday.instance
    assert len(inst.visits) == 5
    assert len(inst.syncs) == 1
    sync = inst.syncs[0]
    assert (sync.min_gap, sync.max_gap) == (0, 0)
    assert pday.visit_package[sync.first] == pday.visit_package[sync.second] == 1
    assert inst.travel_time[0, 1] == 5  # office to A's home, whole minutes


def test_no_calls_that_day_gives_no_instance(small_week) -> None:
    """A day with no calls for the provider builds nothing (no empty routing model)."""
    assert _day(small_week, 3) is None


def test_rounds_are_valid_and_double_call_is_synchronised(small_week) -> None:
    """The solved Monday passes the independent validator (windows, shifts, sync, coverage)."""
    pday = _day(small_week)
    result = solve_rounds(pday.instance, rounds_settings(OPTIONS))
    assert validate_rounds(pday.instance, result) == []
    assert not result.missed
    starts = {s.visit: s.start for r in result.routes for s in r.stops}
    sync = pday.instance.syncs[0]
    assert starts[sync.first] == starts[sync.second]


def test_plan_rounds_attributes_all_travel_to_packages(small_week) -> None:
    """Per-package travel adds up to the rounds' total travel; figures have the estimate's form."""
    from optimiser.data.domain import Scenario
    from optimiser.models.instance import build_instance

    packages, office_min, office_km, home_min, home_km = small_week
    provider = _provider()
    inst = build_instance(
        packages, [provider], {}, Scenario("t"), office_min, office_km, home_min, home_km
    )
    provider_of = np.zeros(len(packages), dtype=np.int64)
    out = plan_rounds(
        inst,
        provider_of,
        packages,
        [provider],
        office_min,
        office_km,
        home_min,
        home_km,
        OPTIONS,
    )
    assert out.solves == 2  # Monday and Tuesday
    assert list(out.figures.total.index) == list(FIGURE_COLUMNS)
    assert out.figures.method == "rounds"
    assert out.figures.total["travel_min"] == pytest.approx(out.rounds["travel_min"].sum())
    assert out.missed.empty


def test_unreachable_call_is_reported_missed_with_a_reason(small_week) -> None:
    """A home 20 hours from the office cannot be reached in any shift: a missed call, not a drop."""
    packages, office_min, office_km, home_min, home_km = small_week
    far = office_min.copy()
    far[0, 2] = 1200.0
    home = home_min.copy()
    home[:, 2] = 1200.0
    home[2, :] = 1200.0
    home[2, 2] = 0.0
    pday = build_provider_day(
        0, _provider(), 1, [2], packages, far[0], office_km[0], home, home_km, OPTIONS
    )
    result = solve_rounds(pday.instance, rounds_settings(OPTIONS))
    assert [m.visit for m in result.missed] == [0]
    assert validate_rounds(pday.instance, result) == []


def test_figures_carry_per_package_travel_of_their_method(small_week) -> None:
    """Rounds figures hold each package's own weekly travel (what result tables show)."""
    from optimiser.data.domain import Scenario
    from optimiser.models.instance import build_instance

    packages, office_min, office_km, home_min, home_km = small_week
    provider = _provider()
    inst = build_instance(
        packages, [provider], {}, Scenario("t"), office_min, office_km, home_min, home_km
    )
    out = plan_rounds(
        inst,
        np.zeros(3, dtype=np.int64),
        packages,
        [provider],
        office_min,
        office_km,
        home_min,
        home_km,
        OPTIONS,
    )
    figures = out.figures
    assert figures.package_travel_min.shape == (3,)
    assert figures.package_travel_min.sum() == pytest.approx(figures.total["travel_min"])
    assert figures.package_travel_km.sum() == pytest.approx(figures.total["travel_km"])


def _plan(small_week, office_min: np.ndarray, home_min: np.ndarray):
    """plan_rounds of the three people for one provider, with the given travel minutes."""
    from optimiser.data.domain import Scenario
    from optimiser.models.instance import build_instance

    packages, _, office_km, _, home_km = small_week
    provider = _provider()
    inst = build_instance(
        packages, [provider], {}, Scenario("t"), office_min, office_km, home_min, home_km
    )
    return plan_rounds(
        inst,
        np.zeros(3, dtype=np.int64),
        packages,
        [provider],
        office_min,
        office_km,
        home_min,
        home_km,
        OPTIONS,
    )


def test_exactly_the_unreachable_calls_are_missed_with_their_reason(small_week) -> None:
    """C's home 20 hours away: exactly C's two calls (Monday, Tuesday) are missed, with the
    plain-words reason, and every other call is served."""
    from optimiser.models.rounds import MISSED_REASONS

    _, office_min, _, home_min, _ = small_week
    far, home = office_min.copy(), home_min.copy()
    far[0, 2] = 1200.0
    home[:, 2] = home[2, :] = 1200.0
    home[2, 2] = 0.0
    out = _plan(small_week, far, home)
    assert len(out.missed) == 2
    assert set(out.missed["package_id"]) == {"C"}
    assert set(out.missed["reason"]) == {MISSED_REASONS["window_unreachable"]}
    assert out.provider_days["missed_calls"].sum() == 2
    served = out.rounds["calls"].sum()
    assert served == 4  # A twice on Monday, B's double call as two visits, nothing of C


def test_solver_error_on_a_retried_day_keeps_its_message(small_week, monkeypatch) -> None:
    """When every retry fails, the missed calls' reason carries the solver's own message."""
    from optimiser.errors import SolverError
    from optimiser.models import carer_rounds

    calls: list[float] = []

    def failing(instance, settings, **_):
        calls.append(settings.time_limit_s)
        raise SolverError(f"OR-Tools found no solution (status 3) for {instance.name}")

    monkeypatch.setattr(carer_rounds, "solve_rounds", failing)
    _, office_min, _, home_min, _ = small_week
    out = _plan(small_week, office_min, home_min)
    assert calls == [5.0, 10.0, 20.0] * 2  # Monday and Tuesday, each tried at 1x, 2x, 4x
    assert out.statuses == ("no_solution", "no_solution")
    reasons = set(out.missed["reason"])
    assert len(out.missed) == 6  # every call of both days
    assert reasons == {
        f"{carer_rounds.NO_ROUNDS_REASON}: OR-Tools found no solution (status 3) for PRV-1-{d}"
        for d in ("mon", "tue")
    }


def test_home_blocks_give_the_dense_rounds(small_week) -> None:
    """Rounds from on-demand home blocks equal the dense rounds: the blocks are indexed by
    package, one block per provider."""
    from optimiser.data.domain import Scenario
    from optimiser.models.instance import build_instance

    packages, office_min, office_km, home_min, home_km = small_week
    provider = _provider()
    inst = build_instance(
        packages, [provider], {}, Scenario("t"), office_min, office_km, home_min, home_km
    )
    asked: list[list[int]] = []

    def blocks(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        asked.append(idx.tolist())
        return home_min[np.ix_(idx, idx)], home_km[np.ix_(idx, idx)]

    args = (inst, np.zeros(3, dtype=np.int64), packages, [provider], office_min, office_km)
    dense = plan_rounds(*args, home_min, home_km, OPTIONS)
    nan = np.full_like(home_min, np.nan)  # never read when blocks are given
    lazy = plan_rounds(*args, nan, nan, OPTIONS, home_blocks=blocks)
    assert asked == [[0, 1, 2]]  # one block per provider, not per day
    assert lazy.statuses == dense.statuses
    pd.testing.assert_frame_equal(lazy.rounds, dense.rounds)
    assert lazy.figures.total["travel_min"] == pytest.approx(dense.figures.total["travel_min"])


class _RecordingRunner:
    """Runs inline and remembers the order the tasks were handed over in."""

    def __init__(self) -> None:
        from optimiser.parallel import InlineRunner

        self.inner = InlineRunner()
        self.keys: list[str] = []

    def run(self, tasks):
        tasks = list(tasks)
        self.keys = [t.key for t in tasks]
        return self.inner.run(tasks)


def test_provider_days_go_out_largest_first_and_read_back_in_day_order(small_week) -> None:
    """Tuesday has more calls than Monday: it is handed out first; the tables still list the
    days in order, with the same figures as an inline run in day order.

    Interesting because the parallel seam starts tasks in the order given, so the largest
    solves must come first, and reading results back by key must undo the reordering."""
    from optimiser.data.domain import Scenario
    from optimiser.models.instance import build_instance

    _, office_min, office_km, home_min, home_km = small_week
    packages = [
        _package("A", (Visit(0, CallType.MORNING, 30), Visit(1, CallType.MORNING, 30))),
        _package("B", (Visit(1, CallType.LUNCH, 30), Visit(1, CallType.BED, 30))),
        _package("C", (Visit(1, CallType.TEA, 30),)),
    ]
    provider = _provider()
    inst = build_instance(
        packages, [provider], {}, Scenario("t"), office_min, office_km, home_min, home_km
    )
    runner = _RecordingRunner()
    args = (packages, [provider], office_min, office_km, home_min, home_km, OPTIONS)
    out = plan_rounds(inst, np.zeros(3, dtype=np.int64), *args, runner=runner)
    assert runner.keys == ["1", "0"]  # Tuesday (4 calls), then Monday (1 call)
    assert list(out.provider_days["day"]) == sorted(out.provider_days["day"])
    inline = plan_rounds(inst, np.zeros(3, dtype=np.int64), *args)
    pd.testing.assert_frame_equal(out.rounds, inline.rounds)
