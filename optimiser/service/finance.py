"""Finance: each costing option for a result, its arithmetic, spend at contracted prices, pay."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser import costing
from optimiser.costing import NATIONAL_LIVING_WAGE_GBP_PER_HOUR
from optimiser.data.domain import CostModel, Provider
from optimiser.result import ScenarioResult

__all__ = [
    "NATIONAL_LIVING_WAGE_GBP_PER_HOUR",
    "OptionArithmetic",
    "contracted_spend",
    "cost_options",
    "option_arithmetic",
    "provider_pay",
]


def _travel(result: ScenarioResult) -> tuple[float, float, float, float]:
    """Travel [min] and miles per carer-hour of contact of the result and of its baseline."""
    s, base = result.summary, result.summary["baseline"]
    return (
        float(s["travel_min_per_carer_hour"]),
        float(s["miles_per_carer_hour"]),
        float(base["travel_min_per_carer_hour"]),
        float(base["miles_per_carer_hour"]),
    )


def cost_options(result: ScenarioResult, options: Mapping[str, CostModel]) -> pd.DataFrame:
    """Each option's cost build-up per carer-hour of contact [GBP], weekly and annual budget,
    pay headroom, and its pay per hour worked against the National Living Wage.

    Every option is costed at the result's travel and mileage per carer-hour of contact (the
    cost build-up, no rural uplift: that is a contracted price); the budget is the cost per
    carer-hour times the placed carer-hours (double-handed counted twice); headroom is against
    the result's baseline; pay per hour worked counts travel as working time
    (``costing.effective_pay``).
    """
    t1, m1, t0, m0 = _travel(result)
    placed = float(result.summary["placed_carer_hours"])
    rows = []
    for name, costs in options.items():
        cost_h = costing.cost_per_carer_hour(costs, t1, m1).total_gbp_per_carer_hour
        h = costing.pay_headroom(costs, t0, m0, t1, m1)
        pay = costing.effective_pay(costs, t1)
        rows.append(
            {
                "option": name,
                "pay_gbp_per_hour": costs.pay_gbp_per_hour,
                "travel_paid": costs.travel_paid,
                "pay_per_hour_worked_gbp": round(pay.gbp_per_hour_worked, 2),
                "below_national_living_wage": pay.below_minimum,
                "cost_gbp_per_carer_hour": round(cost_h, 2),
                "weekly_budget_gbp": round(cost_h * placed, 2),
                "annual_budget_gbp": round(cost_h * placed * costing.WEEKS_PER_YEAR, 0),
                "pay_headroom_per_hour": round(h.rise_gbp_per_hour, 3),
                "affordable_pay_gbp_per_hour": round(h.affordable_pay_gbp_per_hour, 3),
            }
        )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class OptionArithmetic:
    """One option's arithmetic as tables (columns item/step, value, arithmetic): ``build_up``
    (cost per carer-hour of contact, line by line), ``headroom`` (room for a pay rise against the
    baseline) and ``pay`` (pay per hour worked against the National Living Wage)."""

    build_up: pd.DataFrame
    headroom: pd.DataFrame
    pay: pd.DataFrame
    below_minimum: bool


def option_arithmetic(result: ScenarioResult, costs: CostModel) -> OptionArithmetic:
    """The arithmetic behind one option's figures, at the result's travel and mileage."""
    t1, m1, t0, m0 = _travel(result)
    pay = costing.effective_pay(costs, t1)
    return OptionArithmetic(
        build_up=costing.cost_per_carer_hour(costs, t1, m1).to_frame(),
        headroom=costing.pay_headroom(costs, t0, m0, t1, m1).to_frame(),
        pay=pay.to_frame(),
        below_minimum=pay.below_minimum,
    )


def contracted_spend(
    result: ScenarioResult, providers: Sequence[Provider], zone_table: pd.DataFrame
) -> costing.ContractedSpend:
    """Weekly spend at contracted prices: each placed package's carer-hours at its provider's
    rate, with its zone's ``rate_uplift_pct`` from ``zone_table`` (the one rural uplift)."""
    a = result.assignments
    placed = a[~a["unmet"].astype(bool)]
    rate = {p.provider_id: p.price_gbp_per_hour for p in providers}
    uplift = (
        zone_table.drop_duplicates("zone_id")
        .set_index("zone_id")["rate_uplift_pct"]
        .astype(float)
        .to_dict()
        if "rate_uplift_pct" in zone_table.columns
        else {}
    )
    return costing.contracted_spend(
        placed["carer_hours"].to_numpy(dtype=float),
        np.array([rate[str(p)] for p in placed["provider_id"]], dtype=float),
        np.array([uplift.get(str(z), 0.0) or 0.0 for z in placed["zone_id"]], dtype=float),
    )


def provider_pay(result: ScenarioResult, providers: Sequence[Provider]) -> pd.DataFrame:
    """Each provider's own pay terms at its travel in this result: provider_id, name,
    pay_gbp_per_hour, travel_paid, travel_min_per_carer_hour, pay_per_hour_worked_gbp and
    below_national_living_wage (providers with no placed hours have no travel: NaN)."""
    travel = result.by_provider.set_index("provider_id")["travel_min_per_carer_hour"]
    rows = []
    for p in providers:
        t = float(travel.get(p.provider_id, np.nan))
        known = np.isfinite(t)
        pay = costing.effective_pay(
            CostModel(pay_gbp_per_hour=p.pay_gbp_per_hour, travel_paid=p.travel_paid),
            t if known else 0.0,
        )
        rows.append(
            {
                "provider_id": p.provider_id,
                "name": p.name,
                "pay_gbp_per_hour": p.pay_gbp_per_hour,
                "travel_paid": p.travel_paid,
                "travel_min_per_carer_hour": round(t, 2) if known else np.nan,
                "pay_per_hour_worked_gbp": round(pay.gbp_per_hour_worked, 2) if known else np.nan,
                "below_national_living_wage": bool(known and pay.below_minimum),
            }
        )
    return pd.DataFrame(rows)
