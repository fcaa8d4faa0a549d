"""Tests of the benchmarks' PyVRP start: routes handed to solve_rounds, which keeps its own path."""

from __future__ import annotations

import numpy as np

from benchmarks.pyvrp_start import pyvrp_expressible, solve_with_pyvrp_start
from optimiser.models.rounds import BreakSpec, RoundsInstance, RoundsSettings, Vehicle, Visit
from optimiser.models.validate_rounds import validate_rounds


def _reverse_windows(vehicle: Vehicle) -> RoundsInstance:
    """Three calls on a line whose windows force the far one first: 0 -> 30 -> 20 -> 10 -> 0."""
    p = np.asarray([0, 10, 20, 30])
    tt = np.abs(p[:, None] - p[None, :])
    visits = (
        Visit(location=1, window_start=80, window_end=100, duration=5),
        Visit(location=2, window_start=50, window_end=70, duration=5),
        Visit(location=3, window_start=30, window_end=40, duration=5),
    )
    return RoundsInstance(visits, (vehicle,), tt, tt * 100)


def test_pyvrp_start_gives_the_same_optimum():
    """With PyVRP's routes handed in (no sync, breaks or skills here) the optimum comes back."""
    inst = _reverse_windows(Vehicle(0, 0, 0, 200))
    settings = RoundsSettings(time_limit_s=1.0, solution_limit=50)
    res = solve_with_pyvrp_start(inst, settings)
    assert validate_rounds(inst, res) == []
    assert res.warm_start == "pyvrp"
    assert res.settings == settings
    assert res.routes[0].visits == (2, 1, 0)
    assert res.objective == 60


def test_instance_with_breaks_takes_the_product_path():
    """A shift with a break (as every product shift has) is not PyVRP's: nothing handed in."""
    inst = _reverse_windows(Vehicle(0, 0, 0, 200, breaks=(BreakSpec(150, 190, 10),)))
    assert not pyvrp_expressible(inst)
    res = solve_with_pyvrp_start(inst, RoundsSettings(time_limit_s=1.0, solution_limit=50))
    assert res.warm_start == "none"
    assert validate_rounds(inst, res) == []
