"""Cost per carer-hour of contact, room for pay rises and the budget for a target wage (pure).

One basis throughout: per carer-hour of contact delivered (what providers' returns use). A
double-handed hour is two carer-hours: both care workers are paid for it and both travel, so
travel [min], miles and cost are all per carer-hour, and a week costs the cost per carer-hour
times the carer-hours delivered.

The model follows the Homecare Association's minimum price (docs/sources.md, "Pay and prices"): per
carer-hour of contact, the care worker is paid for the contact hour and (if travel is paid) for
the travel minutes per carer-hour; employer on-costs (NI, pension, holiday) are a rate on that
pay; mileage is miles per carer-hour at a rate per mile; training and running the business
are amounts per carer-hour; the surplus is a rate on everything before it. Every function
returns its arithmetic as text, so finance teams can check each step.

Defaults live in :class:`optimiser.data.domain.CostModel` and come from docs/sources.md:
``pay_gbp_per_hour = 12.71`` (National Living Wage 21+ from April 2026); ``on_cost_rate = 0.30``
(derived from the UKHCA 2020/21 breakdown: NI, pension and other on-costs 3.11 on paid time
10.42); ``mileage_gbp_per_mile = 0.45`` (HMRC approved rate); ``margin_rate = 0.03`` (UKHCA
2020/21: surplus 0.60 on costs of 20.09). ``training_gbp_per_hour = 0.50`` and
``overheads_gbp_per_hour = 6.20`` are assumptions in the domain defaults (the 2020/21 breakdown
has 5.20 for running the business); configs should carry local values with their source.

Room for pay rises (docs/sources.md, "Room for pay rises"): with wage w, travel t [min per
carer-hour of contact], on-cost rate o, miles m [per carer-hour of contact] and mileage rate r,
paid hours per carer-hour are ``1 + t/60`` and labour is ``w (1 + t/60)(1 + o)``. Cutting travel
from t0 to t1 and miles from m0 to m1 at the same fee, the affordable wage is
``w' = [w (1 + t0/60)(1 + o) + (m0 - m1) r] / [(1 + t1/60)(1 + o)]``. The fee is unchanged, so
the surplus (a rate on costs) and the fixed amounts are unchanged too: only labour and mileage
trade against each other. When travel is unpaid, paid hours are 1 in both.

Two figures, and which is which. The *cost build-up* (:func:`cost_per_carer_hour`) is what a
carer-hour of contact costs to deliver at a wage and on-costs: a should-cost, the finance team's own
check of a fair price. *Spend at contracted prices* (:func:`contracted_spend`) is what the
council pays: each placed carer-hour at its provider's contracted rate, with the zone's rate
uplift. One rural-uplift idea: the uplift is a price, set per zone in the zone table
(``rate_uplift_pct``, the same number the assignment's cost uses); it is never added to the
cost build-up, whose rural costs are already the travel and mileage a rural carer-hour
takes. Pay per hour worked (:func:`effective_pay`) counts travel time as working time, as the
minimum wage does: with unpaid travel the wage is spread over contact plus travel.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from optimiser.data.domain import CostModel

#: Weeks per year used to turn weekly budgets into annual ones (365.25 / 7).
WEEKS_PER_YEAR = 52.18
#: National Living Wage 21+ from April 2026 (docs/sources.md): the legal minimum per hour worked.
NATIONAL_LIVING_WAGE_GBP_PER_HOUR = 12.71
#: Real Living Wage outside London, from the Oct 2025 announcement (docs/sources.md).
REAL_LIVING_WAGE_GBP_PER_HOUR = 13.45


@dataclass(frozen=True)
class CostLine:
    """One line of a cost build-up: item, amount [GBP per carer-hour of contact], arithmetic."""

    item: str
    gbp_per_carer_hour: float
    arithmetic: str


@dataclass(frozen=True)
class CostBreakdown:
    """Cost per carer-hour of contact, line by line. ``total_gbp_per_carer_hour`` sums ``items``.

    ``travel_min_per_carer_hour`` [min] and ``miles_per_carer_hour`` [mi] are the inputs, per
    carer-hour of contact delivered.
    """

    items: tuple[CostLine, ...]
    total_gbp_per_carer_hour: float
    travel_min_per_carer_hour: float
    miles_per_carer_hour: float

    def lines(self) -> list[str]:
        """The arithmetic as aligned text lines, ending with the total."""
        out = [
            f"{line.item:<42} GBP {line.gbp_per_carer_hour:7.2f}   {line.arithmetic}"
            for line in self.items
        ]
        out.append(
            f"{'total per carer-hour of contact':<42} GBP {self.total_gbp_per_carer_hour:7.2f}"
        )
        return out

    def to_frame(self) -> pd.DataFrame:
        """Columns item, gbp_per_carer_hour, arithmetic; the last row is the total."""
        rows = [(x.item, x.gbp_per_carer_hour, x.arithmetic) for x in self.items]
        rows.append(
            ("total", self.total_gbp_per_carer_hour, " + ".join(x.item for x in self.items))
        )
        return pd.DataFrame(rows, columns=["item", "gbp_per_carer_hour", "arithmetic"])


def _paid_hours(costs: CostModel, travel_min_per_carer_hour: float) -> float:
    return 1.0 + travel_min_per_carer_hour / 60.0 if costs.travel_paid else 1.0


def _check_nonneg(name: str, value: float) -> None:
    if not value >= 0:
        raise ValueError(f"costing: '{name}' must be a number >= 0, got {value}")


def cost_per_carer_hour(
    costs: CostModel,
    travel_min_per_carer_hour: float,
    miles_per_carer_hour: float,
) -> CostBreakdown:
    """Build the cost of one carer-hour of contact [GBP] line by line (module docstring).

    ``travel_min_per_carer_hour`` [min] and ``miles_per_carer_hour`` [mi] count every carer's
    travel over every carer's contact time (a double-handed hour is two carer-hours).

    No rural uplift here: a rural area's extra cost is its own travel and mileage per
    carer-hour; the rural uplift is a contracted price (see :func:`contracted_spend`).
    """
    t, m = travel_min_per_carer_hour, miles_per_carer_hour
    _check_nonneg("travel_min_per_carer_hour", t)
    _check_nonneg("miles_per_carer_hour", m)
    w, o, r = costs.pay_gbp_per_hour, costs.on_cost_rate, costs.mileage_gbp_per_mile
    contact = w
    travel = w * t / 60.0 if costs.travel_paid else 0.0
    on_costs = (contact + travel) * o
    mileage = m * r
    items = [
        CostLine("care worker pay, contact", contact, f"{w:.2f} x 1 carer-h"),
        CostLine(
            "care worker pay, travel",
            travel,
            f"{w:.2f} x {t:.2f} min / 60" if costs.travel_paid else "travel time unpaid",
        ),
        CostLine(
            "employer on-costs (NI, pension, holiday)",
            on_costs,
            f"({contact:.2f} + {travel:.2f}) x {o:.1%}",
        ),
        CostLine("mileage", mileage, f"{m:.2f} mi x {r:.2f}/mi"),
        CostLine("training", costs.training_gbp_per_hour, "per carer-hour"),
        CostLine(
            "overheads (running the business)", costs.overheads_gbp_per_hour, "per carer-hour"
        ),
    ]
    subtotal = sum(x.gbp_per_carer_hour for x in items)
    items.append(
        CostLine(
            "surplus (margin)",
            subtotal * costs.margin_rate,
            f"{subtotal:.2f} x {costs.margin_rate:.1%}",
        )
    )
    total = sum(x.gbp_per_carer_hour for x in items)
    return CostBreakdown(tuple(items), total, t, m)


@dataclass(frozen=True)
class Step:
    """One step of an argument: name, value, arithmetic text."""

    step: str
    value: float
    arithmetic: str


def _steps_lines(steps: tuple[Step, ...]) -> list[str]:
    return [f"{s.step:<40} {s.value:14,.4f}   {s.arithmetic}" for s in steps]


def _steps_frame(steps: tuple[Step, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        [(s.step, s.value, s.arithmetic) for s in steps], columns=["step", "value", "arithmetic"]
    )


@dataclass(frozen=True)
class PayHeadroom:
    """The care-worker pay a scenario's travel savings could fund at the same fee budget.

    ``pay_gbp_per_hour`` is today's wage, ``affordable_pay_gbp_per_hour`` the wage the same
    budget pays after the saving, ``rise_gbp_per_hour`` and ``rise_pct`` the difference.
    """

    pay_gbp_per_hour: float
    affordable_pay_gbp_per_hour: float
    rise_gbp_per_hour: float
    rise_pct: float
    steps: tuple[Step, ...]

    def lines(self) -> list[str]:
        """The arithmetic as text lines."""
        return _steps_lines(self.steps)

    def to_frame(self) -> pd.DataFrame:
        """Columns step, value, arithmetic."""
        return _steps_frame(self.steps)


def pay_headroom(
    costs: CostModel,
    baseline_travel_min_per_carer_hour: float,
    baseline_miles_per_carer_hour: float,
    scenario_travel_min_per_carer_hour: float,
    scenario_miles_per_carer_hour: float,
) -> PayHeadroom:
    """Affordable wage w' when travel and mileage fall from baseline to scenario (module doc).

    Travel [min] and miles are per carer-hour of contact, the wage per hour paid.

    A scenario with more travel than its baseline gives a negative rise: the same budget would
    pay less.
    """
    t0, m0 = baseline_travel_min_per_carer_hour, baseline_miles_per_carer_hour
    t1, m1 = scenario_travel_min_per_carer_hour, scenario_miles_per_carer_hour
    for name, value in (("baseline travel", t0), ("baseline miles", m0)):
        _check_nonneg(name, value)
    for name, value in (("scenario travel", t1), ("scenario miles", m1)):
        _check_nonneg(name, value)
    w, o, r = costs.pay_gbp_per_hour, costs.on_cost_rate, costs.mileage_gbp_per_mile
    h0, h1 = _paid_hours(costs, t0), _paid_hours(costs, t1)
    paid = "paid" if costs.travel_paid else "unpaid: paid hours = 1"
    labour0 = w * h0 * (1 + o)
    saved_mileage = (m0 - m1) * r
    budget = labour0 + saved_mileage
    w1 = budget / (h1 * (1 + o))
    rise = w1 - w
    steps = (
        Step("paid hours per carer-hour, baseline", h0, f"1 + {t0:.2f}/60 (travel {paid})"),
        Step("paid hours per carer-hour, scenario", h1, f"1 + {t1:.2f}/60 (travel {paid})"),
        Step(
            "labour cost, baseline [GBP per carer-h]",
            labour0,
            f"{w:.2f} x {h0:.4f} x (1 + {o:.2f})",
        ),
        Step(
            "mileage saved [GBP per carer-h]", saved_mileage, f"({m0:.2f} - {m1:.2f}) mi x {r:.2f}"
        ),
        Step("budget for labour [GBP per carer-h]", budget, f"{labour0:.4f} + {saved_mileage:.4f}"),
        Step("affordable wage [GBP/h]", w1, f"{budget:.4f} / ({h1:.4f} x (1 + {o:.2f}))"),
        Step("pay rise [GBP/h]", rise, f"{w1:.4f} - {w:.2f}"),
        Step("pay rise [%]", 100 * rise / w, f"100 x {rise:.4f} / {w:.2f}"),
    )
    return PayHeadroom(w, w1, rise, 100 * rise / w, steps)


@dataclass(frozen=True)
class WageBudget:
    """The weekly and annual budget to pay a target wage, against today's wage.

    Money in GBP; costs per carer-hour of contact; ``extra_*`` is target minus current.
    """

    target_pay_gbp_per_hour: float
    cost_gbp_per_carer_hour_now: float
    cost_gbp_per_carer_hour_target: float
    weekly_budget_now_gbp: float
    weekly_budget_target_gbp: float
    extra_weekly_gbp: float
    extra_annual_gbp: float
    steps: tuple[Step, ...]

    def lines(self) -> list[str]:
        """The arithmetic as text lines."""
        return _steps_lines(self.steps)

    def to_frame(self) -> pd.DataFrame:
        """Columns step, value, arithmetic."""
        return _steps_frame(self.steps)


def budget_for_target_wage(
    costs: CostModel,
    travel_min_per_carer_hour: float,
    miles_per_carer_hour: float,
    carer_hours_per_week: float,
    *,
    target_pay_gbp_per_hour: float = REAL_LIVING_WAGE_GBP_PER_HOUR,
) -> WageBudget:
    """Budget needed to pay ``target_pay_gbp_per_hour`` (default the Real Living Wage, 13.45).

    Both costs use the full line-by-line build-up (on-costs and surplus follow the wage), per
    carer-hour of contact; ``carer_hours_per_week`` are the carer-hours of contact delivered
    [carer-h/week, double-handed counted twice].
    """
    _check_nonneg("carer_hours_per_week", carer_hours_per_week)
    if not target_pay_gbp_per_hour > 0:
        raise ValueError(
            f"costing: 'target_pay_gbp_per_hour' must be > 0, got {target_pay_gbp_per_hour}"
        )
    now = cost_per_carer_hour(costs, travel_min_per_carer_hour, miles_per_carer_hour)
    target = cost_per_carer_hour(
        replace(costs, pay_gbp_per_hour=target_pay_gbp_per_hour),
        travel_min_per_carer_hour,
        miles_per_carer_hour,
    )
    c0, c1, h = (
        now.total_gbp_per_carer_hour,
        target.total_gbp_per_carer_hour,
        carer_hours_per_week,
    )
    extra_w = (c1 - c0) * h
    steps = (
        Step(
            "cost per carer-hour now [GBP]",
            c0,
            f"wage {costs.pay_gbp_per_hour:.2f}, full build-up",
        ),
        Step(
            "cost per carer-hour at target [GBP]",
            c1,
            f"wage {target_pay_gbp_per_hour:.2f}, full build-up",
        ),
        Step("weekly budget now [GBP]", c0 * h, f"{c0:.4f} x {h:,.1f} carer-h"),
        Step("weekly budget at target [GBP]", c1 * h, f"{c1:.4f} x {h:,.1f} carer-h"),
        Step("extra per week [GBP]", extra_w, f"({c1:.4f} - {c0:.4f}) x {h:,.1f} carer-h"),
        Step(
            "extra per year [GBP]", extra_w * WEEKS_PER_YEAR, f"{extra_w:,.2f} x {WEEKS_PER_YEAR}"
        ),
    )
    return WageBudget(
        target_pay_gbp_per_hour=target_pay_gbp_per_hour,
        cost_gbp_per_carer_hour_now=c0,
        cost_gbp_per_carer_hour_target=c1,
        weekly_budget_now_gbp=c0 * h,
        weekly_budget_target_gbp=c1 * h,
        extra_weekly_gbp=extra_w,
        extra_annual_gbp=extra_w * WEEKS_PER_YEAR,
        steps=steps,
    )


# ---------------------------------------------------------------------------------------------
# Pay per hour worked against the National Living Wage
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectivePay:
    """What a care worker earns per hour worked, travel included, against the legal minimum.

    ``pay_gbp_per_hour`` is the wage per paid hour; ``hours_worked_per_carer_hour`` is
    ``1 + travel/60`` (contact plus travel); ``paid_hours_per_carer_hour`` the same when
    travel is paid, else 1; ``gbp_per_hour_worked`` = wage x paid hours / hours worked;
    ``below_minimum`` is true when that is under ``minimum_gbp_per_hour``.
    """

    pay_gbp_per_hour: float
    travel_paid: bool
    hours_worked_per_carer_hour: float
    paid_hours_per_carer_hour: float
    gbp_per_hour_worked: float
    minimum_gbp_per_hour: float
    below_minimum: bool
    steps: tuple[Step, ...]

    def lines(self) -> list[str]:
        """The arithmetic as text lines."""
        return _steps_lines(self.steps)

    def to_frame(self) -> pd.DataFrame:
        """Columns step, value, arithmetic."""
        return _steps_frame(self.steps)


def effective_pay(
    costs: CostModel,
    travel_min_per_carer_hour: float,
    *,
    minimum_gbp_per_hour: float = NATIONAL_LIVING_WAGE_GBP_PER_HOUR,
) -> EffectivePay:
    """Pay per hour worked [GBP]: the wage spread over contact and travel time.

    Travel between visits is working time for the minimum wage, so with unpaid travel a wage
    of w over t travel minutes per contact hour pays ``w / (1 + t/60)`` per hour worked
    (12.71 with 11.45 min gives 10.67, below the National Living Wage of 12.71).
    """
    t = travel_min_per_carer_hour
    _check_nonneg("travel_min_per_carer_hour", t)
    w = costs.pay_gbp_per_hour
    worked = 1.0 + t / 60.0
    paid = _paid_hours(costs, t)
    per_hour = w * paid / worked
    how = "travel paid" if costs.travel_paid else "travel unpaid: only the contact hour is paid"
    steps = (
        Step("hours worked per contact hour", worked, f"1 + {t:.2f}/60 (contact + travel)"),
        Step("hours paid per contact hour", paid, how),
        Step("pay per contact hour [GBP]", w * paid, f"{w:.2f} x {paid:.4f}"),
        Step("pay per hour worked [GBP]", per_hour, f"{w * paid:.4f} / {worked:.4f}"),
        Step(
            "National Living Wage [GBP/h]",
            minimum_gbp_per_hour,
            "21+, from April 2026 (docs/sources.md)",
        ),
        Step(
            "above (+) or below (-) it [GBP/h]",
            per_hour - minimum_gbp_per_hour,
            f"{per_hour:.4f} - {minimum_gbp_per_hour:.2f}",
        ),
    )
    return EffectivePay(
        pay_gbp_per_hour=w,
        travel_paid=costs.travel_paid,
        hours_worked_per_carer_hour=worked,
        paid_hours_per_carer_hour=paid,
        gbp_per_hour_worked=per_hour,
        minimum_gbp_per_hour=minimum_gbp_per_hour,
        below_minimum=per_hour < minimum_gbp_per_hour - 1e-9,
        steps=steps,
    )


# ---------------------------------------------------------------------------------------------
# Spend at contracted prices: providers' rates with the zones' rate uplift
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractedSpend:
    """What the council pays a week at the providers' contracted rates [GBP].

    ``weekly_gbp`` = sum of carer-hours x provider rate x (1 + zone uplift / 100) over placed
    packages (a double-handed hour is two carer-hours, each paid, as in the assignment's
    cost); ``uplift_weekly_gbp`` is the part the zones' uplift adds; ``per_carer_hour_gbp`` the
    weekly spend over the placed carer-hours of contact (the basis of every other figure);
    ``steps`` the arithmetic.
    """

    weekly_gbp: float
    uplift_weekly_gbp: float
    carer_hours: float
    per_carer_hour_gbp: float
    steps: tuple[Step, ...]

    def to_frame(self) -> pd.DataFrame:
        """Columns step, value, arithmetic."""
        return _steps_frame(self.steps)


def contracted_spend(
    carer_hours: np.ndarray,
    rate_gbp_per_hour: np.ndarray,
    uplift_pct: np.ndarray,
) -> ContractedSpend:
    """Weekly spend at contracted prices; one entry per placed package: its carer-hours of
    contact [carer-h/week, double-handed counted twice], its provider's rate [GBP per
    carer-hour] and its zone's ``rate_uplift_pct`` [%] (the one rural uplift: set per zone in
    the zone table)."""
    carer = np.asarray(carer_hours, dtype=float)
    rate = np.asarray(rate_gbp_per_hour, dtype=float)
    uplift = np.asarray(uplift_pct, dtype=float)
    at_rates = float((carer * rate).sum())
    total = float((carer * rate * (1.0 + uplift / 100.0)).sum())
    hours = float(carer.sum())
    mean_rate = at_rates / hours if hours > 0 else 0.0
    per_hour = total / hours if hours > 0 else 0.0
    steps = (
        Step("placed carer-hours [carer-h/week]", hours, "double-handed hours counted twice"),
        Step("mean contracted rate [GBP/carer-h]", mean_rate, f"{at_rates:,.2f} / {hours:,.2f}"),
        Step("spend at the rates [GBP/week]", at_rates, "sum of carer-hours x provider rate"),
        Step(
            "zones' rate uplift [GBP/week]",
            total - at_rates,
            "sum of carer-hours x rate x the zone's rate_uplift_pct / 100",
        ),
        Step(
            "spend at contracted prices [GBP/week]",
            total,
            f"{at_rates:,.2f} + {total - at_rates:,.2f}",
        ),
        Step(
            "per carer-hour of contact placed [GBP]",
            per_hour,
            f"{total:,.2f} / {hours:,.2f} carer-h",
        ),
    )
    return ContractedSpend(total, total - at_rates, hours, per_hour, steps)


# ---------------------------------------------------------------------------------------------
# A scenario's costs: its baseline beside it, headroom and target wage
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioCosts:
    """Everything a scenario costs, against its baseline (today's brokerage).

    ``scenario`` and ``baseline`` are the cost build-ups per carer-hour of contact [GBP] at
    each one's travel and mileage; ``headroom`` is the pay the travel
    saving funds; ``target`` the budget to pay the target wage for the scenario's placed
    carer-hours. The inputs are kept beside them: travel [min per carer-hour of contact] and
    miles [per carer-hour of contact] of scenario and baseline, the carer-hours of contact each
    places [carer-h/week, double-handed counted twice].
    """

    scenario: CostBreakdown
    baseline: CostBreakdown
    headroom: PayHeadroom
    target: WageBudget
    travel_min_per_carer_hour: float
    miles_per_carer_hour: float
    baseline_travel_min_per_carer_hour: float
    baseline_miles_per_carer_hour: float
    placed_carer_hours: float
    baseline_placed_carer_hours: float

    @property
    def weekly_cost_gbp(self) -> float:
        """The scenario's week [GBP]: cost per carer-hour x carer-hours of contact delivered."""
        return self.scenario.total_gbp_per_carer_hour * self.placed_carer_hours

    @property
    def baseline_weekly_cost_gbp(self) -> float:
        """The baseline's week [GBP]: its cost per carer-hour x the carer-hours it delivers."""
        return self.baseline.total_gbp_per_carer_hour * self.baseline_placed_carer_hours


def scenario_costs(
    costs: CostModel,
    *,
    travel_min_per_carer_hour: float,
    miles_per_carer_hour: float,
    baseline_travel_min_per_carer_hour: float,
    baseline_miles_per_carer_hour: float,
    carer_hours: np.ndarray,
    placed: np.ndarray,
    baseline_placed: np.ndarray,
) -> ScenarioCosts:
    """Cost a scenario and its baseline in one step.

    Arrays have one entry per package: ``carer_hours`` [carer-h/week of contact, double-handed
    counted twice], ``placed`` and ``baseline_placed`` (placed by the scenario, by the
    baseline).
    """
    t1, m1 = travel_min_per_carer_hour, miles_per_carer_hour
    t0, m0 = baseline_travel_min_per_carer_hour, baseline_miles_per_carer_hour
    hours = np.asarray(carer_hours, dtype=float)
    placed_h = float(hours[np.asarray(placed, dtype=bool)].sum())
    base_h = float(hours[np.asarray(baseline_placed, dtype=bool)].sum())
    return ScenarioCosts(
        scenario=cost_per_carer_hour(costs, t1, m1),
        baseline=cost_per_carer_hour(costs, t0, m0),
        headroom=pay_headroom(costs, t0, m0, t1, m1),
        target=budget_for_target_wage(costs, t1, m1, placed_h),
        travel_min_per_carer_hour=t1,
        miles_per_carer_hour=m1,
        baseline_travel_min_per_carer_hour=t0,
        baseline_miles_per_carer_hour=m0,
        placed_carer_hours=placed_h,
        baseline_placed_carer_hours=base_h,
    )
