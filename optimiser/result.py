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
    "travel_min_per_contact_hour",
    "miles_per_contact_hour",
    "cost_per_contact_hour",
    "weekly_cost_gbp",
    "pay_headroom_per_hour",
    "affordable_pay_gbp_per_hour",
    "budget_for_target_pay_gbp",
    "continuity_breaks",
    "solver_status",
    "optimality_gap",
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
        unless named ``carer_hours``; travel in minutes per contact hour [min/h]; money in
        pounds [GBP].
    assignments
        One row per package: package_id, provider_id (empty if unmet), zone_id, area_code,
        lat, lon, priority, status, days_waiting, weekly_hours [h], carer_hours [h],
        travel_min_per_week [min], travel_km_per_week [km], unmet (bool), reason (str, empty
        when placed), rural (bool), continuity_break (bool).
    by_provider
        One row per provider: provider_id, name, capacity_hours [carer-h], placed_carer_hours
        [h], travel_hours [h], utilisation (0-1), contact_hours [h], packages,
        travel_min_per_contact_hour [min/h], miles_per_contact_hour [mi/h].
    by_zone
        One row per zone: zone_id, name, kind, demand_hours, placed_hours, unmet_hours,
        providers_used, travel_min_per_contact_hour.
    costing
        Line items of the cost per contact hour: item, gbp_per_contact_hour, arithmetic.
    headroom
        The pay-rise arithmetic, one line per step: step, value, arithmetic.
    rounds
        Per-round table when full carer rounds were computed (else empty).
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
