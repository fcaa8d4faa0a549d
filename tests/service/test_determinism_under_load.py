"""The zoned demo gives the same figures with both cores busy: the work budget binds, not time."""

from __future__ import annotations

import dataclasses
import multiprocessing as mp

import pytest

from optimiser import service

#: The figures a commissioner quotes, compared exactly between the two runs.
FIGURES = (
    "placed_hours",
    "unmet_hours",
    "unmet_packages",
    "current_clients_without_care",
    "waiting_not_placed",
    "hospital_discharge_not_placed",
    "continuity_breaks",
    "travel_min_per_carer_hour",
    "weekly_cost_gbp",
    "stage_gaps_pct",
    "wall_cap_hit",
)


def _spin(stop) -> None:  # a busy loop, one per core, until told to stop
    while not stop.is_set():
        pass


@pytest.fixture(scope="module")
def area() -> service.AreaData:
    """The demo area (generated people on Rutland's real roads)."""
    return service.load_demo_area()


def test_zoned_demo_figures_are_identical_with_both_cores_busy(area) -> None:
    """The zoned scenario on a small deterministic budget (one worker, the config's seed,
    the demo's 600 s safety cap): unloaded, then with two busy-loop processes; every figure
    is the same and no stage was ended by the wall clock."""
    zoned = service.demo_scenario("zoned")
    scenario = dataclasses.replace(
        zoned, solver=dataclasses.replace(zoned.solver, max_deterministic_time=1.0)
    )
    quiet = service.run_scenario(area, scenario).summary
    stop = mp.Event()
    busy = [mp.Process(target=_spin, args=(stop,), daemon=True) for _ in range(2)]
    for p in busy:
        p.start()
    try:
        loaded = service.run_scenario(area, scenario).summary
    finally:
        stop.set()
        for p in busy:
            p.join(timeout=10)
    assert not quiet["wall_cap_hit"] and not loaded["wall_cap_hit"]
    assert {k: loaded[k] for k in FIGURES} == {k: quiet[k] for k in FIGURES}
    assert [s["objective"] for s in loaded["stages"]] == [s["objective"] for s in quiet["stages"]]
