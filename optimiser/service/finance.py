"""Finance options: what each costing option (wage, paid travel) costs for a scenario's result."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from optimiser import costing
from optimiser.data.domain import CostModel
from optimiser.result import ScenarioResult


def cost_options(result: ScenarioResult, options: Mapping[str, CostModel]) -> pd.DataFrame:
    """Cost per carer-hour of contact [GBP], weekly and annual budget and pay headroom of each
    option.

    Every option is costed at the result's travel and mileage per carer-hour of contact, with
    the rural uplift on its rural share of placed carer-hours; the budget is the cost per
    carer-hour times the placed carer-hours (double-handed counted twice); headroom is against
    the result's baseline.
    """
    s = result.summary
    base = s["baseline"]
    t1, m1 = float(s["travel_min_per_carer_hour"]), float(s["miles_per_carer_hour"])
    t0, m0 = float(base["travel_min_per_carer_hour"]), float(base["miles_per_carer_hour"])
    placed = float(s["placed_carer_hours"])
    a = result.assignments
    rural = costing.rural_carer_hour_share(
        a["carer_hours"].to_numpy(), ~a["unmet"].to_numpy(dtype=bool), a["rural"].to_numpy()
    )
    rows = []
    for name, costs in options.items():
        cost_h = costing.blended_cost(costs, t1, m1, rural).total_gbp_per_carer_hour
        h = costing.pay_headroom(costs, t0, m0, t1, m1)
        rows.append(
            {
                "option": name,
                "pay_gbp_per_hour": costs.pay_gbp_per_hour,
                "travel_paid": costs.travel_paid,
                "cost_gbp_per_carer_hour": round(cost_h, 2),
                "weekly_budget_gbp": round(cost_h * placed, 2),
                "annual_budget_gbp": round(cost_h * placed * 52, 0),
                "pay_headroom_per_hour": round(h.rise_gbp_per_hour, 3),
                "affordable_pay_gbp_per_hour": round(h.affordable_pay_gbp_per_hour, 3),
            }
        )
    return pd.DataFrame(rows)
