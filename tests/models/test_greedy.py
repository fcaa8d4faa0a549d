"""Tests for the greedy brokerage baseline: waiting order, nearest provider with room."""

from __future__ import annotations

import numpy as np

from optimiser.data.domain import AssignmentRules, Priority, Scenario
from optimiser.demo.synthetic import simple_package, simple_provider, synthetic_area
from optimiser.models.greedy import brokerage_order, greedy_assignment
from optimiser.models.instance import build_instance
from optimiser.models.travel_formula import TravelEstimateParams
from optimiser.models.validate import check_assignment

OFFICE_ONLY = TravelEstimateParams(office_weight=1.0, min_leg_min=0.0, min_leg_km=0.0)


def _build(packages, providers, office_min, rules=None):
    office = np.asarray(office_min, dtype=float)
    scenario = Scenario("g", rules=rules or AssignmentRules())
    return build_instance(
        packages, providers, {}, scenario, office, office, travel_params=OFFICE_ONLY
    )


def test_order_is_hospital_first_then_longest_wait():
    """Fixed and active packages go first, then hospital discharges, then longest waits."""
    pkgs = [
        simple_package("new", days_waiting=1),
        simple_package("long", days_waiting=90),
        simple_package("hosp", priority=Priority.HOSPITAL_DISCHARGE, days_waiting=0),
        simple_package("active", current_provider="A"),
    ]
    inst = _build(pkgs, [simple_provider("A", capacity_hours=100)], [[1.0] * 4])
    assert [inst.package_ids[i] for i in brokerage_order(inst)] == [
        "active",
        "hosp",
        "long",
        "new",
    ]


def test_nearest_provider_with_room_counting_travel():
    """A package goes to the nearest provider whose room covers its carer time and travel."""
    # 7 h carer time; travel 7 legs x office minutes. A is nearest but has 7.05 h: 7 h + 7 min
    # of travel does not fit, so B takes it.
    pkgs = [simple_package("p", calls=7, duration_min=60)]
    providers = [simple_provider("A", capacity_hours=7.05), simple_provider("B", capacity_hours=9)]
    inst = _build(pkgs, providers, [[1.0], [2.0]])
    result = greedy_assignment(inst)
    assert result.provider_of.tolist() == [1]
    assert result.values.travel_min == 14
    assert result.status == "HEURISTIC" and result.optimality_gap is None


def test_scarce_capacity_goes_to_the_first_in_line():
    """With room for one package only, the hospital discharge gets it; the other is unmet."""
    pkgs = [
        simple_package("community", days_waiting=200),
        simple_package("hospital", priority=Priority.HOSPITAL_DISCHARGE),
    ]
    inst = _build(pkgs, [simple_provider("A", capacity_hours=8)], [[1.0, 1.0]])
    result = greedy_assignment(inst)
    assert result.provider_of.tolist() == [-1, 0]
    assert result.values.unmet_min == 420


def test_released_active_packages_stay_with_their_provider_first():
    """Brokerage keeps served people where they are even when continuity is released."""
    pkgs = [simple_package("p", current_provider="B")]
    providers = [simple_provider("A", capacity_hours=50), simple_provider("B", capacity_hours=50)]
    inst = _build(pkgs, providers, [[1.0], [5.0]], AssignmentRules(release_continuity=True))
    assert greedy_assignment(inst).provider_of.tolist() == [1]


def test_greedy_is_valid_on_a_synthetic_area(hours_match_records):
    """On a synthetic area the baseline breaks no rule; its hours are what the visits say."""
    area = synthetic_area(200, 6, seed=3)
    inst = build_instance(
        area.packages, area.providers, area.zones, Scenario("s"),
        area.office_min, area.office_km, area.nearest_min, area.nearest_km,
    )  # fmt: skip
    result = greedy_assignment(inst)
    assert check_assignment(inst, result.provider_of) == []
    v = result.values
    hours_match_records(inst, result.provider_of, v)
    assert v.continuity_breaks == 0
