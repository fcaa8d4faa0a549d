"""The result of one scenario run: tables, headline figures and the record of how it was made."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Headline keys every summary carries, in display order.
SUMMARY_KEYS: tuple[str, ...] = (
    "scenario",
    "area",
    "synthetic",
    "packages",
    "demand_hours",
    "placed_hours",
    "unmet_hours",
    "unmet_hours_hospital_discharge",
    "unmet_packages",
    "demand_carer_hours",
    "placed_carer_hours",
    "travel_min_per_carer_hour",
    "miles_per_carer_hour",
    "cost_gbp_per_carer_hour",
    "weekly_cost_gbp",
    "pay_headroom_per_hour",
    "affordable_pay_gbp_per_hour",
    "budget_for_target_pay_gbp",
    "continuity_breaks",
    "current_clients_without_care",
    "waiting_not_placed",
    "hospital_discharge_not_placed",
    "keep_current_clients",
    "keep_current_clients_fallback",
    "solver_status",
    "optimality_gap",
    "unmet_stage_gap_pct",
    "stage_gaps_pct",
    "wall_cap_hit",
    "fell_back_to_greedy",
    "travel_method",
)


@dataclass(frozen=True)
class ScenarioResult:
    """Everything one run produces; the CLI writes it to a folder, the UI renders it.

    Attributes
    ----------
    summary
        Headline figures (keys in ``SUMMARY_KEYS`` plus ``baseline`` and ``stages``, see
        ``summary.json``, and ``warnings`` when loading or the run overruled something: one
        sentence each, naming the packages or providers). Hours are weekly contact hours [h]
        (the hours people receive)
        unless named ``carer_hours`` [carer-h/week of contact, a double-handed hour counted
        twice]. Every rate is per carer-hour of contact delivered, the basis of providers'
        returns: ``travel_min_per_carer_hour`` [min] and ``miles_per_carer_hour`` [mi] count
        both carers' travel on a double-handed call, ``cost_gbp_per_carer_hour`` [GBP] is the
        build-up of one carer-hour, ``weekly_cost_gbp`` = ``cost_gbp_per_carer_hour`` x
        ``placed_carer_hours``, and ``pay_headroom_per_hour`` [GBP per carer-hour paid] is the
        wage rise those per-carer-hour savings fund. Money in pounds [GBP].
        Who is left without care, in three disjoint groups that add up to ``unmet_packages``
        and ``unmet_hours`` (``optimiser.left_without_care``): ``current_clients_without_care``
        (active packages that lose their care), ``waiting_not_placed`` (the community waiting
        list) and ``hospital_discharge_not_placed``, each a mapping ``{"people": int,
        "hours": float}`` [weekly contact h]; the baseline carries the same three.
        ``keep_current_clients`` is the rule as applied ("hard", "priority", "off") and
        ``keep_current_clients_fallback`` says why a hard rule fell back to the priority form
        and how many current clients lose care (empty when the rule held).
        Solver proof: ``optimality_gap`` is the final stage's gap (a fraction);
        ``unmet_stage_gap_pct`` the gap of the unmet stage (weighted unmet hours and
        continuity breaks, the stage that decides the headline) and ``stage_gaps_pct`` every
        stage's gap by name, both in percent, ``None`` when no bound is known (never 100%).
        ``wall_cap_hit`` is true when the wall-clock safety cap, not the deterministic budget,
        ended a stage (the figures may then depend on machine load); ``fell_back_to_greedy``
        when greedy brokerage's answer was kept because the optimised one was worse.
    assignments
        One row per package: package_id, provider_id (empty if unmet), zone_id, area_code,
        lat, lon, priority, status, days_waiting, weekly_hours [h], carer_hours [h],
        travel_min_per_week [min], travel_km_per_week [km], unmet (bool), reason (str, empty
        when placed), rural (bool), continuity_break (bool).
    by_provider
        One row per provider: provider_id, name, capacity_hours [carer-h], placed_carer_hours
        [carer-h], travel_hours [h], utilisation (0-1), packages, contact_hours [h],
        travel_min_per_carer_hour [min per carer-hour of contact], miles_per_carer_hour [mi per
        carer-hour of contact].
    by_zone
        One row per zone: zone_id, name, kind, lead_providers, people, demand_hours,
        placed_hours, unmet_hours [contact h/week], providers_used, travel_min_per_carer_hour
        [min per carer-hour of contact].
    costing
        Line items of the cost per carer-hour of contact: item, gbp_per_carer_hour,
        arithmetic.
    headroom
        The pay-rise arithmetic, one line per step: step, value, arithmetic.
    rounds
        Per-round table when full carer rounds were computed (else empty).
    equity
        Who goes without (``optimiser.equity.equity_table``), one row per (breakdown, group):
        breakdown (all, rurality, imd_decile, need, hospital_discharge, area), group_key,
        group (label), people, waiting_people_before_option, demand_contact_hours_per_week
        [contact h/week], unmet_people, unmet_contact_hours_per_week [contact h/week],
        unmet_pct_of_group_demand_hours [%], unmet_days_waited_mean and _max [days already
        waited by the group's unmet people], carer_hours_delivered_per_week [carer h/week,
        double-handed twice], travel_min_per_carer_hour [min per carer-hour of
        contact delivered]; when the areas have Census 2021 figures, also
        pop_65plus_census2021 [residents aged 65+ of the group's small areas] and
        people_, unmet_people_ and unmet_contact_hours_per_1000_aged_65plus [per 1,000
        residents aged 65+], for area-based groups only (NaN for need and discharge rows).
    market
        Market shape (``optimiser.market.market_tables``), one row per zone and per small area
        (level): unit_code, unit, zone_id, rural, people, placed_carer_hours_per_week [carer
        h/week], providers_serving, largest_provider, largest_share_pct_of_placed_carer_hours
        [%], hhi_0_to_10000_on_placed_carer_hour_shares (HHI on shares in %), single_provider,
        single_provider_rural; zones only: lead_providers, lead_capacity_carer_hours_per_week,
        demand_carer_hours_incl_travel_per_week, headroom_carer_hours_per_week [carer h/week
        incl. travel: leads' capacity minus demand], providers_above_risk_share (";"-joined,
        above the scenario's ``report.market_share_risk_pct``).
    market_shares
        Each provider's share of each zone and small area: level, unit_code, provider_id,
        placed_carer_hours_per_week [carer h/week], share_pct_of_unit_placed_carer_hours [%],
        above_risk_share (zones only).
    meta
        Provenance: versions, seed, time limit, workers, input digests, parameters.
    """

    summary: Mapping[str, Any]
    assignments: pd.DataFrame
    by_provider: pd.DataFrame
    by_zone: pd.DataFrame
    costing: pd.DataFrame
    headroom: pd.DataFrame
    rounds: pd.DataFrame = field(default_factory=pd.DataFrame)
    meta: Mapping[str, Any] = field(default_factory=dict)
    equity: pd.DataFrame = field(default_factory=pd.DataFrame)
    market: pd.DataFrame = field(default_factory=pd.DataFrame)
    market_shares: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def unmet(self) -> pd.DataFrame:
        """The unmet-need list: packages left without a provider, with their reason."""
        return self.assignments[self.assignments["unmet"]].reset_index(drop=True)

    def summary_text(self) -> str:
        """The same human-readable summary in the CLI and the UI."""
        return format_summary(self.summary)

    def summary_json(self) -> str:
        """``summary.json`` content (stable key order, plain JSON types)."""
        return json.dumps(_jsonable(dict(self.summary)), indent=2)


def _fmt(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {_fmt(v)}" for k, v in value.items()) or "-"
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_summary(summary: Mapping[str, Any]) -> str:
    """Render headline figures, then the baseline's, as aligned text lines."""
    lines = [f"Scenario {summary.get('scenario', '?')} on {summary.get('area', '?')}"]
    for key in SUMMARY_KEYS[2:]:
        if key in summary:
            lines.append(f"  {key:<34} {_fmt(summary[key])}")
    baseline = summary.get("baseline")
    if isinstance(baseline, Mapping):
        lines.append(f"  baseline ({baseline.get('name', 'greedy brokerage')}):")
        for key, value in baseline.items():
            if key != "name":
                lines.append(f"    {key:<32} {_fmt(value)}")
    warnings = summary.get("warnings") or []
    if warnings:
        lines.append(f"  warnings ({len(warnings)}):")
        lines += [f"    - {w}" for w in warnings]
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    """Convert numpy scalars and nested containers to plain JSON types."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
