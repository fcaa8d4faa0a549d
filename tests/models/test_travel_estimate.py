"""Tests for the fast per-visit travel estimate and the travel figures per provider and zone."""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.data.domain import Scenario, Zone, ZoneKind
from optimiser.demo.synthetic import simple_package, simple_provider
from optimiser.models.instance import build_instance
from optimiser.models.travel_estimate import KM_PER_MILE, TravelEstimator, estimate_travel
from optimiser.models.travel_formula import TravelEstimateParams, nearest_other, per_visit_travel


def test_per_visit_formula_blends_office_and_nearest_legs():
    """leg = w * office + (1 - w) * nearest, floored at the minimum leg."""
    params = TravelEstimateParams(office_weight=0.25, min_leg_min=1.0, min_leg_km=0.5)
    leg_min, leg_km = per_visit_travel(
        np.array([20.0, 0.0]), np.array([16.0, 0.0]), np.array([4.0, 0.0]),
        np.array([2.0, 0.0]), params=params,
    )  # fmt: skip
    assert leg_min.tolist() == pytest.approx([8.0, 1.0])  # 0.25*20 + 0.75*4; floor 1
    assert leg_km.tolist() == pytest.approx([5.5, 0.5])


def test_missing_legs_fall_back_to_the_other_leg():
    """A NaN nearest leg uses the office leg and vice versa; both NaN leave the floor."""
    params = TravelEstimateParams(office_weight=0.5, min_leg_min=1.0, min_leg_km=0.5)
    nan = np.nan
    leg_min, _ = per_visit_travel(
        np.array([10.0, nan, nan]), np.array([8.0, nan, nan]), np.array([nan, 6.0, nan]),
        np.array([nan, 4.0, nan]), params=params,
    )  # fmt: skip
    assert leg_min.tolist() == pytest.approx([10.0, 6.0, 1.0])


def test_params_are_checked():
    """An office weight outside [0, 1] names the field."""
    with pytest.raises(ValueError, match="office_weight"):
        TravelEstimateParams(office_weight=1.5)


def test_nearest_other_ignores_diagonal_and_unreachable():
    """The nearest other home skips itself and NaN; a lone row gives NaN."""
    m = np.array([[0.0, 3.0, np.nan], [3.0, 0.0, 7.0], [np.nan, np.nan, 0.0]])
    out = nearest_other(m)
    assert out[:2].tolist() == [3.0, 3.0]
    assert np.isnan(out[2])


def test_figures_per_provider_and_zone():
    """Travel and miles per carer-hour of contact are summed then divided: the double-handed
    package's 14 legs over its 14 carer-hours, not its 7 contact hours."""
    zones = {"Z": Zone("Z", "Z", ZoneKind.NEIGHBOURHOOD, ("a",))}
    pkgs = [
        simple_package("a", calls=7, duration_min=30, zone_id="Z"),  # 3.5 h, 7 legs
        simple_package("b", calls=7, duration_min=60, carers=2),  # 7 h contact, 14 legs
    ]
    providers = [simple_provider("A", capacity_hours=100), simple_provider("B", capacity_hours=1)]
    office = np.array([[6.0, 3.0], [1.0, 1.0]])
    params = TravelEstimateParams(office_weight=1.0, min_leg_min=0, min_leg_km=0)
    inst = build_instance(
        pkgs, providers, zones, Scenario("s"), office, office, travel_params=params
    )
    figures = estimate_travel(inst, np.array([0, 0]))
    row = figures.by_provider.loc["A"]
    assert row["contact_hours"] == pytest.approx(10.5)
    assert row["carer_hours"] == pytest.approx(17.5)
    assert row["travel_min"] == pytest.approx(42 + 42)
    assert row["travel_min_per_carer_hour"] == pytest.approx(84 / 17.5)
    assert row["miles_per_carer_hour"] == pytest.approx(84 / KM_PER_MILE / 17.5)
    assert figures.by_provider.loc["B", "packages"] == 0
    assert np.isnan(figures.by_provider.loc["B", "travel_min_per_carer_hour"])
    assert figures.by_zone.loc["Z", "travel_min"] == pytest.approx(42)
    assert figures.by_zone.loc["", "travel_min"] == pytest.approx(42)
    assert figures.total["travel_min"] == pytest.approx(84)
    assert figures.method == "estimate"


def test_unplaced_packages_carry_no_travel():
    """Only placed packages count; an all-unmet assignment gives zero totals."""
    pkgs = [simple_package("a")]
    inst = build_instance(
        pkgs, [simple_provider("A", capacity_hours=9)], {}, Scenario("s"),
        np.array([[5.0]]), np.array([[4.0]]),
    )  # fmt: skip
    figures = estimate_travel(inst, np.array([-1]))
    assert figures.total["contact_hours"] == 0
    assert figures.total["travel_min"] == 0


def test_estimate_travel_is_a_travel_estimator():
    """The fast estimate fits the TravelEstimator protocol a rounds estimator will implement."""
    estimator: TravelEstimator = estimate_travel
    assert callable(estimator)
