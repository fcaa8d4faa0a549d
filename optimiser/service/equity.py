"""The small-area facts the equity and market views need, and those views read back from folders.

An area's facts: its zone and rurality (from the zones in use), its IoD 2019 IMD decile and its
residents aged 65+ (Census 2021). The demo area carries both (``optimiser.demo.inputs``). A
council's own area file is read for codes and polygons only, so its decile and census columns
stay empty and the equity view has no rates per 1,000 aged 65+ unless the areas table brings
``imd_decile`` and ``pop_65plus`` columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from optimiser import report
from optimiser.data.domain import Zone, ZoneKind
from optimiser.equity import AREA_COLUMNS
from optimiser.errors import InputError
from optimiser.result import ScenarioResult
from optimiser.service.areas import AreaData
from optimiser.service.comparison import folder_labels

#: Small-area measures a map can be coloured by: label (with basis and denominator) ->
#: (view, column) of ``ScenarioResult.equity`` (area rows) or ``.market`` (area rows).
MAP_MEASURES: dict[str, tuple[str, str]] = {
    "Unmet people per 1,000 residents aged 65+ (Census 2021)": (
        "equity",
        "unmet_people_per_1000_aged_65plus",
    ),
    "Unmet contact hours a week [h]": ("equity", "unmet_contact_hours_per_week"),
    "Unmet share of the area's demand [% of contact hours]": (
        "equity",
        "unmet_pct_of_group_demand_hours",
    ),
    "Travel [min per carer-hour of contact delivered]": (
        "equity",
        "travel_min_per_carer_hour",
    ),
    "Providers serving the area [with placed hours]": ("market", "providers_serving"),
    "Concentration (HHI 0-10,000, on shares of placed carer-hours)": (
        "market",
        "hhi_0_to_10000_on_placed_carer_hour_shares",
    ),
}

#: The view files of a result folder, by view name.
VIEW_FILES = {"equity": "equity.csv", "market": "market.csv"}


def area_facts(area: AreaData, zones: Sequence[Zone]) -> pd.DataFrame:
    """One row per small area: ``area_code``, ``area_name``, ``zone_id``, ``rural`` (its zone
    is rural), ``imd_decile`` and ``pop_65plus`` (NA where the area data has none)."""
    areas = area.areas
    zone_of = {code: z for z in zones for code in z.area_codes}
    codes = [str(c) for c in areas["area_code"]]
    facts = pd.DataFrame(
        {
            "area_code": codes,
            "area_name": (
                areas["area_name"].astype(str).to_list() if "area_name" in areas else codes
            ),
            "zone_id": [zone_of[c].zone_id if c in zone_of else "" for c in codes],
            "rural": [c in zone_of and zone_of[c].kind is ZoneKind.RURAL for c in codes],
        }
    )
    for col in ("imd_decile", "pop_65plus"):
        values = areas[col].to_list() if col in areas.columns else [pd.NA] * len(codes)
        facts[col] = pd.array(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="Int64")
    return facts[["area_code", "area_name", "zone_id", *AREA_COLUMNS[1:]]]


def read_views(result_dir: Path) -> dict[str, pd.DataFrame]:
    """The equity and market tables of a result folder (a folder written before these views
    existed, or by a run without them, has none: the missing or empty ones are left out)."""
    out: dict[str, pd.DataFrame] = {}
    for view, name in VIEW_FILES.items():
        path = Path(result_dir) / name
        if path.is_file() and path.read_text(encoding="utf-8").strip():
            out[view] = pd.read_csv(path, dtype={"group_key": str, "unit_code": str})
    return out


def compare_view_folders(dirs: Sequence[Path]) -> dict[str, pd.DataFrame]:
    """The equity and market breakdowns of result folders side by side (``homecare compare``):
    ``{"equity": ..., "market": ...}``, each as ``report.compare_equity`` /
    ``report.compare_market`` build them; a view no folder holds is left out."""
    if len(dirs) < 2:
        raise InputError("compare needs at least two result folders", source="compare")
    views = {label: read_views(Path(d)) for label, d in zip(folder_labels(dirs), dirs, strict=True)}
    out: dict[str, pd.DataFrame] = {}
    equity = {n: v["equity"] for n, v in views.items() if "equity" in v}
    if equity:
        out["equity"] = report.compare_equity(equity)
    market = {n: v["market"] for n, v in views.items() if "market" in v}
    if market:
        out["market"] = report.compare_market(market)
    return out


def area_values(result: ScenarioResult, measure: str) -> pd.Series:
    """One value per small area (index ``area_code``) of a ``MAP_MEASURES`` label; NaN where
    the area has none (no people placed, no census figure)."""
    if measure not in MAP_MEASURES:
        raise InputError(f"unknown map measure {measure!r}", source="map")
    view, column = MAP_MEASURES[measure]
    table = result.equity if view == "equity" else result.market
    if table.empty or column not in table.columns:
        return pd.Series(dtype=float, name=measure)
    if view == "equity":
        rows = table[table["breakdown"] == "area"]
        codes = rows["group_key"]
    else:
        rows = table[table["level"] == "area"]
        codes = rows["unit_code"]
    values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float)
    return pd.Series(values, index=pd.Index(codes.astype(str), name="area_code"), name=measure)
