"""One unit basis: travel, mileage, cost and pay headroom all per carer-hour of contact.

A hand-made case where the basis matters: one single-handed and one double-handed call.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.costing import pay_headroom, scenario_costs
from optimiser.data.domain import CostModel, Scenario
from optimiser.demo.synthetic import simple_package, simple_provider
from optimiser.models.instance import build_instance
from optimiser.models.travel_estimate import KM_PER_MILE, estimate_travel, travel_table
from optimiser.models.travel_formula import TravelEstimateParams

#: Round figures so every step can be done by hand: no margin, no training uplift, travel paid.
COSTS = CostModel(
    pay_gbp_per_hour=12.0,
    on_cost_rate=0.25,
    travel_paid=True,
    mileage_gbp_per_mile=0.45,
    training_gbp_per_hour=0.5,
    overheads_gbp_per_hour=6.0,
    margin_rate=0.0,
)


def _case():
    """Package "one": one 1 h single-handed call a week; "two": one 1 h double-handed call.

    Legs (office weight 1, no floor, so a leg is the office-to-home entry), per carer:
    provider A (the scenario) 12 min / 3 mi to "one", 6 min / 1.5 mi to "two"; provider B
    (the baseline) 18 min / 4.5 mi and 12 min / 3 mi.
    """
    pkgs = [
        simple_package("one", calls=1, duration_min=60, carers=1),
        simple_package("two", calls=1, duration_min=60, carers=2),
    ]
    providers = [simple_provider("A", capacity_hours=50), simple_provider("B", capacity_hours=50)]
    office_min = np.array([[12.0, 6.0], [18.0, 12.0]])
    office_km = np.array([[3.0, 1.5], [4.5, 3.0]]) * KM_PER_MILE
    params = TravelEstimateParams(office_weight=1.0, min_leg_min=0.0, min_leg_km=0.0)
    inst = build_instance(
        pkgs, providers, {}, Scenario("s"), office_min, office_km, travel_params=params
    )
    return pkgs, inst


def test_travel_is_per_carer_hour_with_both_carers_counted():
    """Scenario (both at A): travel 12 + 2 x 6 = 24 min, miles 3 + 2 x 1.5 = 6, over
    1 + 2 = 3 carer-hours of contact: 8.0 min and 2.0 mi per carer-hour. The old mixed basis
    (both carers' travel over 2 contact hours) said 12.0 min and 3.0 mi. The rounds' path
    (per-package travel handed to ``travel_table``) aggregates the same way."""
    _, inst = _case()
    total = estimate_travel(inst, np.array([0, 0])).total
    assert total["contact_hours"] == pytest.approx(2.0)
    assert total["carer_hours"] == pytest.approx(3.0)
    assert total["travel_min"] == pytest.approx(24.0)
    assert total["travel_min_per_carer_hour"] == pytest.approx(8.0)
    assert total["miles_per_carer_hour"] == pytest.approx(2.0, abs=1e-4)
    assert total["travel_min"] / total["contact_hours"] == pytest.approx(12.0)  # the old basis
    rounds = travel_table(
        inst, np.array([0, 0]), np.array([12.0, 12.0]), np.array([3.0, 3.0]) * KM_PER_MILE,
        method="rounds",
    )  # fmt: skip
    assert rounds.total["travel_min_per_carer_hour"] == pytest.approx(8.0)
    assert rounds.total["miles_per_carer_hour"] == pytest.approx(2.0)


def test_cost_weekly_cost_and_pay_headroom_by_hand():
    """Costs per carer-hour, worked by hand (w 12, on-costs 25%, 45p a mile, training 0.50,
    overheads 6.00, no margin):

    scenario, t1 = 8 min, m1 = 2 mi: 12 + 12 x 8/60 = 1.60 travel pay, on-costs
    (12 + 1.60) x 0.25 = 3.40, mileage 2 x 0.45 = 0.90, + 0.50 + 6.00 = 24.40 per carer-hour;
    the week is 24.40 x 3 carer-hours = 73.20 (both carers are paid for the double-handed hour).
    Baseline (both at B): travel 18 + 2 x 12 = 42 min, miles 4.5 + 2 x 3 = 10.5, so t0 = 14 min
    and m0 = 3.5 mi per carer-hour; 12 + 2.80 + 3.70 + 1.575 + 0.50 + 6.00 = 26.575.
    Headroom: w' = [12 x (1 + 14/60) x 1.25 + (3.5 - 2) x 0.45] / [(1 + 8/60) x 1.25]
    = (18.50 + 0.675) / 1.41667 = 13.5353, a rise of 1.5353 per hour paid.
    The old mixed basis (t0 21, m0 5.25, t1 12, m1 3 per contact hour) gave w' = 21.2625 / 1.5
    = 14.175, a rise of 2.175: 64p an hour too much.
    """
    pkgs, inst = _case()
    scen, base = estimate_travel(inst, np.array([0, 0])), estimate_travel(inst, np.array([1, 1]))
    assert base.total["travel_min_per_carer_hour"] == pytest.approx(14.0)
    assert base.total["miles_per_carer_hour"] == pytest.approx(3.5, abs=1e-4)
    out = scenario_costs(
        COSTS,
        travel_min_per_carer_hour=float(scen.total["travel_min_per_carer_hour"]),
        miles_per_carer_hour=float(scen.total["miles_per_carer_hour"]),
        baseline_travel_min_per_carer_hour=float(base.total["travel_min_per_carer_hour"]),
        baseline_miles_per_carer_hour=float(base.total["miles_per_carer_hour"]),
        carer_hours=np.array([p.carer_hours for p in pkgs]),
        placed=np.array([True, True]),
        baseline_placed=np.array([True, True]),
    )
    assert out.scenario.total_gbp_per_carer_hour == pytest.approx(24.40, abs=1e-3)
    assert out.baseline.total_gbp_per_carer_hour == pytest.approx(26.575, abs=1e-3)
    assert out.placed_carer_hours == pytest.approx(3.0)
    assert out.weekly_cost_gbp == pytest.approx(73.20, abs=1e-2)
    assert out.baseline_weekly_cost_gbp == pytest.approx(79.725, abs=1e-2)
    assert out.headroom.affordable_pay_gbp_per_hour == pytest.approx(13.5353, abs=1e-4)
    assert out.headroom.rise_gbp_per_hour == pytest.approx(1.5353, abs=1e-4)
    assert out.target.weekly_budget_now_gbp == pytest.approx(73.20, abs=1e-2)
    mixed = pay_headroom(COSTS, 21.0, 5.25, 12.0, 3.0)
    assert mixed.rise_gbp_per_hour == pytest.approx(2.175)
    assert mixed.rise_gbp_per_hour - out.headroom.rise_gbp_per_hour > 0.6
