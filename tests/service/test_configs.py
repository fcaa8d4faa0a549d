"""The shipped configs load, and the code's defaults agree with their sourced values."""

from __future__ import annotations

import dataclasses
import tomllib

from optimiser import service
from optimiser.data.domain import CostModel
from optimiser.models.travel_formula import TravelEstimateParams


def test_cost_defaults_equal_the_sourced_costs_config() -> None:
    """CostModel() is the 2026/27 cost config, so code and documented sources cannot drift."""
    data = tomllib.loads((service.CONFIG_DIR / "costs_2026.toml").read_text())
    assert CostModel(**data) == CostModel()


def test_demo_scenarios_load_and_differ_only_where_intended() -> None:
    """Spot keeps continuity and lets anyone serve; zoned restricts to leads and transfers."""
    spot, zoned = service.demo_scenario("spot"), service.demo_scenario("zoned")
    assert spot.zone_policy.rule.value == "spot" and zoned.zone_policy.rule.value == "zoned"
    assert not spot.rules.release_continuity and zoned.rules.release_continuity
    assert spot.costs == zoned.costs and spot.solver == zoned.solver
    fast = service.demo_scenario("zoned", interactive=True)
    assert fast.solver.max_deterministic_time == service.INTERACTIVE_DETERMINISTIC_TIME
    assert fast.solver.workers == 1


def test_travel_estimate_config_is_complete() -> None:
    """The calibrated estimate config names every parameter of the formula."""
    params = service.travel_estimate_params()
    assert {f.name for f in dataclasses.fields(TravelEstimateParams)} == set(
        tomllib.loads((service.CONFIG_DIR / "travel_estimate.toml").read_text())
    )
    assert params.rounds_factor_min > 1.0
