"""Where the market is thin: providers per zone and small area, their shares, HHI and headroom.

Pure: the result's assignments, zones and providers tables and a small-area table in, two
tables out. Shares are of the unit's placed carer-hours of contact a week (a double-handed
hour counts twice); the concentration index is the Herfindahl-Hirschman index on shares in
per cent (0-10,000: 10,000 is one provider, 5,000 two equal ones).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["MARKET_COLUMNS", "SHARE_COLUMNS", "hhi", "market_tables"]

#: One row per zone and per small area (``level``), each column naming its basis.
MARKET_COLUMNS = (
    "level",
    "unit_code",
    "unit",
    "zone_id",
    "rural",
    "people",
    "placed_carer_hours_per_week",
    "providers_serving",
    "largest_provider",
    "largest_share_pct_of_placed_carer_hours",
    "hhi_0_to_10000_on_placed_carer_hour_shares",
    "single_provider",
    "single_provider_rural",
    "lead_providers",
    "lead_capacity_carer_hours_per_week",
    "demand_carer_hours_incl_travel_per_week",
    "headroom_carer_hours_per_week",
    "providers_above_risk_share",
)
#: One row per (unit, provider) with placed hours there.
SHARE_COLUMNS = (
    "level",
    "unit_code",
    "provider_id",
    "placed_carer_hours_per_week",
    "share_pct_of_unit_placed_carer_hours",
    "above_risk_share",
)


def hhi(shares_pct: Sequence[float] | np.ndarray) -> float:
    """Herfindahl-Hirschman index of shares in per cent: sum of squares (0-10,000).

    50/50 gives 5,000; one provider 10,000; NaN when there are no shares.
    """
    s = np.asarray(shares_pct, dtype=float)
    return float(np.sum(s * s)) if len(s) else float("nan")


def _shares(placed: pd.DataFrame, column: str, level: str, risk_pct: float) -> pd.DataFrame:
    hours = placed.groupby([column, "provider_id"])["carer_hours"].sum().rename("hours")
    hours = hours[hours > 0].reset_index()
    total = hours.groupby(column)["hours"].transform("sum")
    out = pd.DataFrame(
        {
            "level": level,
            "unit_code": hours[column].astype(str),
            "provider_id": hours["provider_id"].astype(str),
            "placed_carer_hours_per_week": hours["hours"].round(2),
            "share_pct_of_unit_placed_carer_hours": (100.0 * hours["hours"] / total).round(2),
        }
    )
    # the risk share is a zone-level test (a small area of a few people is often one provider's)
    share = 100.0 * hours["hours"] / total
    out["above_risk_share"] = (share > risk_pct + 1e-9) if level == "zone" else False
    return out.sort_values(
        ["unit_code", "share_pct_of_unit_placed_carer_hours", "provider_id"],
        ascending=[True, False, True],
    )


def market_tables(
    assignments: pd.DataFrame,
    zones: pd.DataFrame,
    providers: pd.DataFrame,
    areas: pd.DataFrame | None = None,
    *,
    risk_share_pct: float,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The market shape of one option: ``(market, shares)`` (``MARKET_COLUMNS``,
    ``SHARE_COLUMNS``).

    ``assignments``: ``ScenarioResult.assignments`` (``provider_id``, ``zone_id``,
    ``area_code``, ``carer_hours``, ``travel_min_per_week``, ``unmet``, ``rural``);
    ``zones``: ``zone_id``, ``name``, ``kind``, ``lead_providers`` (";"-joined);
    ``providers``: ``provider_id``, ``capacity_hours`` [carer-h/week incl. travel];
    ``areas``: ``area_code``, ``rural``, optional ``area_name`` and ``zone_id`` (None: the
    areas the packages name). ``risk_share_pct`` [%]: a provider above this share of a zone's
    placed carer-hours is listed in ``providers_above_risk_share``.

    Per zone, ``headroom_carer_hours_per_week`` = the lead providers' capacity (carer-hours
    including travel; a provider leading two zones counts in both) minus the zone's demand in
    carer-hours including travel: every package's carer-hours, plus the placed packages'
    travel, plus the unmet packages' carer-hours times the zone's travel per carer-hour
    delivered (the whole option's where the zone has none placed). A unit with no placed hours
    has no provider, no HHI (NaN) and is not marked single-provider.
    """
    people = assignments.reset_index(drop=True)
    placed = people[~people["unmet"].astype(bool)]
    if areas is None:
        codes = sorted({str(c) for c in people["area_code"] if str(c)})
        rural = people.groupby(people["area_code"].astype(str))["rural"].any()
        areas = pd.DataFrame({"area_code": codes, "rural": [bool(rural[c]) for c in codes]})
    areas = areas.reset_index(drop=True)
    zone_of_area = (
        dict(zip(areas["area_code"].astype(str), areas["zone_id"].astype(str), strict=True))
        if "zone_id" in areas.columns
        else people.groupby(people["area_code"].astype(str))["zone_id"].first().to_dict()
    )
    zone_shares = _shares(placed, "zone_id", "zone", risk_share_pct)
    area_shares = _shares(placed, "area_code", "area", risk_share_pct)
    capacity = dict(
        zip(providers["provider_id"].astype(str), providers["capacity_hours"], strict=True)
    )
    all_carer_h = float(placed["carer_hours"].sum())
    all_rate = float(placed["travel_min_per_week"].sum()) / all_carer_h if all_carer_h else 0.0

    # each unit's rows looked up once (a filter of the whole table per unit is quadratic)
    empty_share, none = zone_shares.iloc[:0], np.zeros(0, dtype=np.intp)
    rows_of_zone = people.groupby(people["zone_id"].astype(str), sort=False).indices
    share_of_zone = dict(list(zone_shares.groupby("unit_code", sort=False)))
    share_of_area = dict(list(area_shares.groupby("unit_code", sort=False)))
    carer_hours = people["carer_hours"].to_numpy(dtype=float)
    travel_min = people["travel_min_per_week"].to_numpy(dtype=float)
    is_unmet = people["unmet"].to_numpy(dtype=bool)
    rows = []
    for z in zones.itertuples(index=False):
        zid = str(z.zone_id)
        mine = rows_of_zone.get(zid, none)
        done, left = mine[~is_unmet[mine]], mine[is_unmet[mine]]
        carer_h = float(carer_hours[done].sum())
        rate = float(travel_min[done].sum()) / carer_h if carer_h else all_rate
        unmet_h = float(carer_hours[left].sum())
        demand = (
            float(carer_hours[mine].sum())
            + float(travel_min[done].sum()) / 60.0
            + unmet_h * rate / 60.0
        )
        leads = [p for p in str(z.lead_providers or "").split(";") if p and p != "nan"]
        lead_cap = float(sum(capacity.get(p, 0.0) for p in leads))
        share = share_of_zone.get(zid, empty_share)
        rows.append(
            _unit_row(
                "zone",
                zid,
                str(z.name),
                zid,
                str(z.kind) == "rural",
                len(mine),
                share,
                {
                    "lead_providers": ";".join(leads),
                    "lead_capacity_carer_hours_per_week": round(lead_cap, 2),
                    "demand_carer_hours_incl_travel_per_week": round(demand, 2),
                    "headroom_carer_hours_per_week": round(lead_cap - demand, 2),
                    "providers_above_risk_share": ";".join(
                        share.loc[share["above_risk_share"], "provider_id"]
                    ),
                },
            )
        )
    names = (
        dict(zip(areas["area_code"].astype(str), areas["area_name"].astype(str), strict=True))
        if "area_name" in areas.columns
        else {}
    )
    count = people.groupby(people["area_code"].astype(str)).size()
    for a in areas.itertuples(index=False):
        code = str(a.area_code)
        share = share_of_area.get(code, empty_share)
        rows.append(
            _unit_row(
                "area",
                code,
                names.get(code, code),
                str(zone_of_area.get(code, "")),
                bool(a.rural),
                int(count.get(code, 0)),
                share,
                {},
            )
        )
    market = pd.DataFrame(rows, columns=list(MARKET_COLUMNS))
    shares = pd.concat([zone_shares, area_shares], ignore_index=True)
    return market, shares[list(SHARE_COLUMNS)].reset_index(drop=True)


def _unit_row(
    level: str,
    code: str,
    name: str,
    zone_id: str,
    rural: bool,
    people: int,
    share: pd.DataFrame,
    extra: dict[str, object],
) -> dict[str, object]:
    pct = share["share_pct_of_unit_placed_carer_hours"].to_numpy(dtype=float)
    exact = share["placed_carer_hours_per_week"].to_numpy(dtype=float)
    n = len(share)
    shares_exact = 100.0 * exact / exact.sum() if n else pct
    top = str(share["provider_id"].iloc[0]) if n else None
    row: dict[str, object] = {
        "level": level,
        "unit_code": code,
        "unit": name,
        "zone_id": zone_id,
        "rural": rural,
        "people": people,
        "placed_carer_hours_per_week": round(float(exact.sum()), 2),
        "providers_serving": n,
        "largest_provider": "" if top is None else top,
        "largest_share_pct_of_placed_carer_hours": np.nan if top is None else float(pct[0]),
        "hhi_0_to_10000_on_placed_carer_hour_shares": round(hhi(shares_exact), 1),
        "single_provider": n == 1,
        "single_provider_rural": n == 1 and rural,
        "lead_providers": None,
        "lead_capacity_carer_hours_per_week": np.nan,
        "demand_carer_hours_incl_travel_per_week": np.nan,
        "headroom_carer_hours_per_week": np.nan,
        "providers_above_risk_share": None,
    }
    row.update(extra)
    return row
