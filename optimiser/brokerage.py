"""Rank providers for each new package, with the reason a broker can read (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from optimiser.data.domain import Package, Provider, Scenario, Zone, ZoneRule

#: Columns of the suggestion table, in order.
SUGGESTION_COLUMNS = (
    "package_id",
    "rank",
    "provider_id",
    "provider_name",
    "travel_min",
    "spare_capacity_hours",
    "needed_carer_hours",
    "skills_ok",
    "zone_ok",
    "within_travel_limit",
    "has_capacity",
    "reason",
)


def rank_providers(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones_by_id: Mapping[str, Zone],
    scenario: Scenario,
    *,
    office_min: np.ndarray,
    used_carer_hours: Mapping[str, float],
    top_k: int = 3,
) -> pd.DataFrame:
    """The ``top_k`` providers for each package, best first.

    Order: providers that may take the package (skills held, allowed in its zone, office within
    the travel limit) before those that may not; then those with room for its carer-hours;
    then a zone's lead providers; then the shortest travel from the office [min].
    ``office_min`` is provider x package door-to-door travel [min] (NaN = no route);
    ``used_carer_hours`` what each provider already delivers per week [carer-h].
    """
    rows = []
    limit = scenario.rules.travel_limit_min
    for i, pk in enumerate(packages):
        zone = zones_by_id.get(pk.zone_id or "")
        zoned = scenario.zone_policy.rule_for(pk.zone_id) is ZoneRule.ZONED
        leads = set(zone.lead_providers) if zone is not None else set()
        options = []
        for k, pv in enumerate(providers):
            travel = float(office_min[k, i])
            missing = sorted(pk.needs - pv.skills)
            lead = pv.provider_id in leads
            zone_ok = (not zoned) or lead or scenario.zone_policy.non_lead_penalty is not None
            reachable = np.isfinite(travel) and travel <= limit
            spare = pv.capacity_hours - float(used_carer_hours.get(pv.provider_id, 0.0))
            fits = spare >= pk.carer_hours
            eligible = not missing and zone_ok and reachable
            reason = _reason(pv, pk, zone, missing, zoned, lead, zone_ok, travel, limit, spare)
            key = (not eligible, not fits, not lead, travel if np.isfinite(travel) else 1e9)
            options.append((key, k, travel, spare, not missing, zone_ok, reachable, fits, reason))
        options.sort(key=lambda o: o[0])
        for rank, (_, k, travel, spare, skills_ok, zone_ok, reachable, fits, reason) in enumerate(
            options[:top_k], start=1
        ):
            rows.append(
                {
                    "package_id": pk.package_id,
                    "rank": rank,
                    "provider_id": providers[k].provider_id,
                    "provider_name": providers[k].name,
                    "travel_min": round(travel, 1) if np.isfinite(travel) else None,
                    "spare_capacity_hours": round(spare, 1),
                    "needed_carer_hours": round(pk.carer_hours, 2),
                    "skills_ok": skills_ok,
                    "zone_ok": zone_ok,
                    "within_travel_limit": bool(reachable),
                    "has_capacity": bool(fits),
                    "reason": reason,
                }
            )
    return pd.DataFrame(rows, columns=list(SUGGESTION_COLUMNS))


def _reason(
    pv: Provider,
    pk: Package,
    zone: Zone | None,
    missing: list[str],
    zoned: bool,
    lead: bool,
    zone_ok: bool,
    travel: float,
    limit: float,
    spare: float,
) -> str:
    """One line a broker reads: why this provider is (or is not) a good match."""
    parts = []
    if missing:
        parts.append(f"lacks skill {', '.join(missing)}")
    if zone is not None:
        if lead:
            parts.append(f"lead provider in {zone.name}")
        elif zoned:
            parts.append(
                f"not a lead in {zone.name}" + (" (fallback at a penalty)" if zone_ok else "")
            )
    if not np.isfinite(travel):
        parts.append("no road route from the office")
    else:
        far = " (beyond the travel limit)" if travel > limit else ""
        parts.append(f"{travel:.0f} min from the office{far}")
    room = "room" if spare >= pk.carer_hours else "NO room"
    parts.append(f"{room}: {spare:.0f} carer-h spare for {pk.carer_hours:.1f} needed")
    return "; ".join(parts)
