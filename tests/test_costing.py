"""Tests for the costing arithmetic: cost build-up, pay headroom, target-wage budget, pay per
hour worked and spend at contracted prices."""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.costing import (
    REAL_LIVING_WAGE_GBP_PER_HOUR,
    WEEKS_PER_YEAR,
    budget_for_target_wage,
    contracted_spend,
    cost_per_carer_hour,
    effective_pay,
    pay_headroom,
    scenario_costs,
)
from optimiser.data.domain import CostModel

#: The UKHCA minimum price 2020/21 (docs/sources.md): contact 8.72, travel 1.70, NI and pension
#: 1.14 + other on-costs 1.97 = 3.11, mileage 1.36, running the business 5.20, surplus 0.60,
#: total 20.69. Travel 11.7 min per (carer-)hour of contact; on-costs 3.11 on paid time 10.42;
#: mileage 1.36 at 45p is 3.022 miles; surplus 0.60 on 20.09.
UKHCA_2020 = CostModel(
    pay_gbp_per_hour=8.72,
    on_cost_rate=3.11 / 10.42,
    mileage_gbp_per_mile=0.45,
    training_gbp_per_hour=0.0,
    overheads_gbp_per_hour=5.20,
    margin_rate=0.60 / 20.09,
)


def test_reproduces_the_ukhca_2020_21_breakdown():
    """The line-by-line build-up gives the published lines and total of 20.69."""
    b = cost_per_carer_hour(UKHCA_2020, 11.7, 1.36 / 0.45)
    amounts = [round(x.gbp_per_carer_hour, 2) for x in b.items]
    assert amounts == [8.72, 1.70, 3.11, 1.36, 0.00, 5.20, 0.60]
    assert b.total_gbp_per_carer_hour == pytest.approx(20.69, abs=0.005)
    assert "8.72 x 11.70 min / 60" in b.lines()[1]
    frame = b.to_frame()
    assert list(frame.columns) == ["item", "gbp_per_carer_hour", "arithmetic"]
    assert frame["item"].iloc[-1] == "total"


def test_unpaid_travel_drops_the_travel_line():
    """Unpaid travel drops the travel line and says so."""
    urban = cost_per_carer_hour(CostModel(travel_paid=False), 12.0, 3.0)
    assert urban.items[1].gbp_per_carer_hour == 0.0
    assert urban.items[1].arithmetic == "travel time unpaid"


def test_unpaid_travel_at_the_living_wage_pays_below_it_per_hour_worked():
    """The issue's figure: 12.71 with 11.45 min of unpaid travel per contact hour is
    12.71 / (1 + 11.45/60) = 10.673 per hour worked, below the National Living Wage; paid
    travel at the same wage is exactly the wage and not below."""
    unpaid = effective_pay(CostModel(pay_gbp_per_hour=12.71, travel_paid=False), 11.45)
    assert unpaid.gbp_per_hour_worked == pytest.approx(12.71 / (1 + 11.45 / 60))
    assert round(unpaid.gbp_per_hour_worked, 2) == 10.67
    assert unpaid.below_minimum
    assert unpaid.to_frame()["step"].iloc[-1] == "above (+) or below (-) it [GBP/h]"
    paid = effective_pay(CostModel(pay_gbp_per_hour=12.71, travel_paid=True), 11.45)
    assert paid.gbp_per_hour_worked == pytest.approx(12.71) and not paid.below_minimum
    # 15.20 with unpaid travel of 11.45 min: 15.20 / 1.19083 = 12.764, just above the minimum
    assert not effective_pay(
        CostModel(pay_gbp_per_hour=15.20, travel_paid=False), 11.45
    ).below_minimum


def test_contracted_spend_prices_carer_hours_at_rates_with_the_zone_uplift():
    """Two placed packages: 10 carer-hours (5 contact hours, double-handed) at 25.00 in a
    10%-uplift zone, and 4 carer-hours (4 contact) at 20.00 with none. Spend at the rates is
    250 + 80 = 330; the uplift adds 25; per carer-hour of contact 355 / 14 = 25.36."""
    spend = contracted_spend(np.array([10.0, 4.0]), np.array([25.0, 20.0]), np.array([10.0, 0.0]))
    assert spend.weekly_gbp == pytest.approx(355.0)
    assert spend.uplift_weekly_gbp == pytest.approx(25.0)
    assert spend.per_carer_hour_gbp == pytest.approx(355.0 / 14.0)
    frame = spend.to_frame().set_index("step")
    assert frame.loc["mean contracted rate [GBP/carer-h]", "value"] == pytest.approx(330 / 14)


def test_the_cost_build_up_has_no_rural_uplift_line():
    """One rural-uplift idea: the uplift is a contracted price per zone, never a line of the
    cost build-up (and the cost model has no rural setting left)."""
    items = [x.item for x in cost_per_carer_hour(CostModel(), 12.0, 3.0).items]
    assert not any("rural" in item for item in items)
    assert not hasattr(CostModel(), "rural_uplift_pct")


def test_domain_worked_example_of_pay_headroom():
    """docs/sources.md: w=12.71, t0=11.7, t1=8.0, o=0.30 gives w' about 13.40 (+5.4%)."""
    h = pay_headroom(CostModel(pay_gbp_per_hour=12.71, on_cost_rate=0.30), 11.7, 3.0, 8.0, 3.0)
    # w' = 12.71 x (1 + 11.7/60) / (1 + 8/60) = 12.71 x 1.195 / 1.13333 = 13.4016
    assert h.affordable_pay_gbp_per_hour == pytest.approx(13.4016, abs=1e-4)
    assert h.rise_pct == pytest.approx(5.44, abs=0.01)
    assert h.affordable_pay_gbp_per_hour < REAL_LIVING_WAGE_GBP_PER_HOUR
    assert any("19.7450 / (1.1333 x (1 + 0.30))" in line for line in h.lines())
    assert list(h.to_frame().columns) == ["step", "value", "arithmetic"]


def test_each_mile_saved_adds_about_31p():
    """docs/sources.md: a mile saved per contact hour at 45p adds about 31p/h at t1 = 8 min."""
    base = pay_headroom(CostModel(), 8.0, 3.0, 8.0, 3.0)
    saved = pay_headroom(CostModel(), 8.0, 3.0, 8.0, 2.0)
    assert base.rise_gbp_per_hour == pytest.approx(0.0)
    # 0.45 / ((1 + 8/60) x 1.3) = 0.3054
    assert saved.rise_gbp_per_hour == pytest.approx(0.3054, abs=1e-4)


def test_unpaid_travel_saving_frees_no_pay():
    """When travel is unpaid, less travel time funds nothing (paid hours stay 1)."""
    h = pay_headroom(CostModel(travel_paid=False), 11.7, 3.0, 8.0, 3.0)
    assert h.rise_gbp_per_hour == pytest.approx(0.0)


def test_more_travel_gives_a_negative_rise():
    """A scenario with more travel than its baseline can only afford a lower wage."""
    assert pay_headroom(CostModel(), 8.0, 2.0, 12.0, 3.0).rise_gbp_per_hour < 0


def test_budget_for_the_real_living_wage():
    """The extra budget is the cost difference per carer-hour times carer-hours delivered."""
    costs = CostModel(pay_gbp_per_hour=12.71, on_cost_rate=0.30, margin_rate=0.03)
    b = budget_for_target_wage(costs, 12.0, 3.0, 3000.0)
    # Only pay-driven lines change: (13.45 - 12.71) x (1 + 12/60) x 1.30 x 1.03 per hour.
    per_hour = (13.45 - 12.71) * 1.2 * 1.3 * 1.03
    assert b.cost_gbp_per_carer_hour_target - b.cost_gbp_per_carer_hour_now == pytest.approx(
        per_hour
    )
    assert b.extra_weekly_gbp == pytest.approx(per_hour * 3000)
    assert b.extra_annual_gbp == pytest.approx(per_hour * 3000 * WEEKS_PER_YEAR)
    assert b.target_pay_gbp_per_hour == 13.45
    assert len(b.lines()) == 6


def test_bad_figures_are_rejected():
    """Negative travel, miles or hours, or a non-positive target wage, name the figure."""
    with pytest.raises(ValueError, match="travel_min_per_carer_hour"):
        cost_per_carer_hour(CostModel(), -1.0, 2.0)
    with pytest.raises(ValueError, match="scenario miles"):
        pay_headroom(CostModel(), 10.0, 2.0, 8.0, -1.0)
    with pytest.raises(ValueError, match="target_pay_gbp_per_hour"):
        budget_for_target_wage(CostModel(), 10.0, 2.0, 100.0, target_pay_gbp_per_hour=0.0)


def test_scenario_costs_cost_scenario_and_baseline_in_one_step():
    """One call gives both cost build-ups, the headroom and the target-wage budget, consistent
    with the single functions at the same figures."""
    costs = CostModel()
    out = scenario_costs(
        costs,
        travel_min_per_carer_hour=10.0,
        miles_per_carer_hour=3.0,
        baseline_travel_min_per_carer_hour=14.0,
        baseline_miles_per_carer_hour=5.0,
        carer_hours=np.array([6.0, 4.0, 5.0]),
        placed=np.array([True, True, False]),
        baseline_placed=np.array([True, False, True]),
    )
    assert out.placed_carer_hours == 10.0
    assert out.baseline_placed_carer_hours == 11.0
    assert out.weekly_cost_gbp == pytest.approx(out.scenario.total_gbp_per_carer_hour * 10.0)
    assert out.baseline_weekly_cost_gbp == pytest.approx(
        out.baseline.total_gbp_per_carer_hour * 11.0
    )
    assert out.scenario.total_gbp_per_carer_hour == pytest.approx(
        cost_per_carer_hour(costs, 10.0, 3.0).total_gbp_per_carer_hour
    )
    assert out.baseline.total_gbp_per_carer_hour > out.scenario.total_gbp_per_carer_hour
    assert out.headroom == pay_headroom(costs, 14.0, 5.0, 10.0, 3.0)
    assert out.target.weekly_budget_now_gbp == pytest.approx(
        cost_per_carer_hour(costs, 10.0, 3.0).total_gbp_per_carer_hour * 10.0
    )
