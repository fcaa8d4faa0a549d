"""Who goes without: unmet need, waiting and travel of one option broken down by group.

Pure: an assignments table (``ScenarioResult.assignments``) and a small-area table in, one
table out. Groups are rurality, IoD 2019 IMD decile of the small area, each need in the
packages table (plus double-handed care and no specialist need), hospital discharge against
community, each small area, and everyone. Where the small area is the unit (everyone,
rurality, IMD decile, small area), counts are also given per 1,000 residents aged 65+
(Census 2021), and only when every area of the group has a census figure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "AREA_COLUMNS",
    "BREAKDOWNS",
    "EQUITY_COLUMNS",
    "RATE_COLUMNS",
    "equity_table",
    "need_label",
]

#: The small-area table's columns: code, rural (bool: the area's zone is rural), IMD decile
#: (1 = most deprived tenth of England; NA unknown), residents aged 65+ (Census 2021; NA
#: unknown). ``area_name`` is optional.
AREA_COLUMNS = ("area_code", "rural", "imd_decile", "pop_65plus")

#: The breakdowns, in output order. The area-based ones have census rates.
BREAKDOWNS = ("all", "rurality", "imd_decile", "need", "hospital_discharge", "area")
_AREA_BASED = frozenset({"all", "rurality", "imd_decile", "area"})

#: Output columns, each naming its basis and denominator (hours are weekly).
EQUITY_COLUMNS = (
    "breakdown",
    "group_key",
    "group",
    "people",
    "waiting_people_before_option",
    "demand_contact_hours_per_week",
    "unmet_people",
    "unmet_contact_hours_per_week",
    "unmet_pct_of_group_demand_hours",
    "unmet_days_waited_mean",
    "unmet_days_waited_max",
    "carer_hours_delivered_per_week",
    "travel_min_per_carer_hour",
)
#: The census columns (present only when some area has a census 65+ figure).
RATE_COLUMNS = (
    "pop_65plus_census2021",
    "people_per_1000_aged_65plus",
    "unmet_people_per_1000_aged_65plus",
    "unmet_contact_hours_per_1000_aged_65plus",
)

DOUBLE_HANDED = "double_handed"
NO_NEED = "none"
_NEED_LABELS = {
    "dementia": "dementia",
    "end_of_life": "end of life",
    "peg_catheter": "PEG feeding or catheter care",
    "mental_health": "mental health",
    "learning_disability": "learning disability",
    DOUBLE_HANDED: "double-handed (two carers at once)",
    NO_NEED: "no specialist need, single-handed",
}


def need_label(key: str) -> str:
    """A need's label: ``language_polish`` -> "language and cultural: polish"."""
    if key in _NEED_LABELS:
        return _NEED_LABELS[key]
    if key.startswith("language_"):
        return "language and cultural: " + key.removeprefix("language_").replace("_", " ")
    return key.replace("_", " ")


def _needs_of(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    return [t for t in text.split(";") if t]


def _memberships(people: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """One row per (package row, breakdown, group): ``row``, ``breakdown``, ``group_key``."""
    rural_of = dict(zip(areas["area_code"], areas["rural"], strict=True))
    imd_of = dict(zip(areas["area_code"], areas["imd_decile"], strict=True))
    parts: list[tuple[int, str, str]] = []
    for row, rec in enumerate(people.itertuples(index=False)):
        code = str(rec.area_code)
        rural = bool(rural_of.get(code, rec.rural))
        imd = imd_of.get(code)
        parts.append((row, "all", "all"))
        parts.append((row, "rurality", "rural" if rural else "town"))
        parts.append((row, "imd_decile", "unknown" if pd.isna(imd) else str(int(imd))))
        needs = _needs_of(rec.needs)
        if rec.carer_hours > rec.weekly_hours + 1e-9:
            needs.append(DOUBLE_HANDED)
        for need in needs or [NO_NEED]:
            parts.append((row, "need", need))
        discharge = rec.priority == "hospital_discharge"
        parts.append(
            (row, "hospital_discharge", "hospital_discharge" if discharge else "community")
        )
        parts.append((row, "area", code))
    return pd.DataFrame(parts, columns=["row", "breakdown", "group_key"])


def _group_label(breakdown: str, key: str, names: dict[str, str]) -> str:
    if breakdown == "all":
        return "everyone"
    if breakdown == "rurality":
        return "rural zones" if key == "rural" else "town zones"
    if breakdown == "imd_decile":
        if key == "unknown":
            return "IMD decile unknown"
        suffix = {"1": " (most deprived)", "10": " (least deprived)"}.get(key, "")
        return f"IMD decile {key}{suffix}"
    if breakdown == "need":
        return need_label(key)
    if breakdown == "hospital_discharge":
        return "hospital discharge" if key == "hospital_discharge" else "community"
    return f"{names.get(key, key)} ({key})" if names.get(key, key) != key else key


def _area_keys(breakdown: str, areas: pd.DataFrame) -> pd.Series:
    """The group each small area belongs to under an area-based breakdown."""
    if breakdown == "all":
        return pd.Series("all", index=areas.index)
    if breakdown == "rurality":
        return areas["rural"].map(lambda r: "rural" if bool(r) else "town")
    if breakdown == "imd_decile":
        return areas["imd_decile"].map(lambda d: "unknown" if pd.isna(d) else str(int(d)))
    return areas["area_code"].astype(str)


def _sort_key(breakdown: str, key: str) -> tuple[int, float, str]:
    order = BREAKDOWNS.index(breakdown)
    if breakdown == "imd_decile":
        return (order, 99.0 if key == "unknown" else float(key), key)
    if breakdown == "need":
        last = {NO_NEED: 2.0, DOUBLE_HANDED: 1.0}.get(key, 0.0)
        return (order, last, key)
    if breakdown in ("rurality", "hospital_discharge"):
        return (order, 0.0 if key in ("rural", "hospital_discharge") else 1.0, key)
    return (order, 0.0, key)


def equity_table(assignments: pd.DataFrame, areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Unmet need, waiting and travel of one option per group (columns ``EQUITY_COLUMNS``,
    then ``RATE_COLUMNS`` when any area has a census 65+ figure).

    ``assignments``: one row per package with ``area_code``, ``rural``, ``needs`` (";"-joined),
    ``priority``, ``status``, ``days_waiting``, ``weekly_hours`` [contact h/week],
    ``carer_hours`` [carer h/week, double-handed counted twice], ``travel_min_per_week``
    [min] and ``unmet``. ``areas``: ``AREA_COLUMNS`` (and optionally ``area_name``), one row
    per small area; None: no area facts (rurality from the packages' zones, no deciles, no
    rates). A package's rurality is its area's when the area is listed, else its own row's.

    Bases: people are packages; demand and unmet hours are contact hours a week (a
    double-handed hour once); ``unmet_days_waited_*`` are the days already waited by the
    group's people left unmet [days]; ``travel_min_per_carer_hour`` is weekly travel
    [min] over weekly carer-hours of contact delivered (a double-handed hour counts twice, and
    both carers' travel counts), for placed packages only. Rates are per 1,000 residents aged
    65+ of the group's small areas (Census 2021), only for area-based groups (everyone,
    rurality, IMD decile, small area) and only when every area of the group and every
    package's area has a census figure; else NaN. A person with several needs counts in each
    need's row, so need rows do not add up to everyone.
    """
    if areas is None:
        areas = pd.DataFrame(columns=[*AREA_COLUMNS, "area_name"])
    areas = areas.reset_index(drop=True).copy()
    for col in AREA_COLUMNS:
        if col not in areas.columns:
            areas[col] = pd.NA
    areas["area_code"] = areas["area_code"].astype(str)
    people = assignments.reset_index(drop=True)
    names = (
        dict(zip(areas["area_code"], areas["area_name"].astype(str), strict=True))
        if "area_name" in areas.columns
        else {}
    )
    member = _memberships(people, areas)
    unmet = people["unmet"].astype(bool).to_numpy()
    frame = member.join(
        pd.DataFrame(
            {
                "waiting": (people["status"] == "waiting").to_numpy(),
                "demand_h": people["weekly_hours"].astype(float).to_numpy(),
                "unmet": unmet,
                "unmet_h": np.where(unmet, people["weekly_hours"].astype(float), 0.0),
                "days": np.where(unmet, people["days_waiting"].astype(float), np.nan),
                "carer_h": np.where(unmet, 0.0, people["carer_hours"].astype(float)),
                "travel_min": np.where(unmet, 0.0, people["travel_min_per_week"].astype(float)),
            }
        ),
        on="row",
    )
    grouped = frame.groupby(["breakdown", "group_key"], sort=False)
    sums = grouped[["waiting", "demand_h", "unmet", "unmet_h", "carer_h", "travel_min"]].sum()
    sums["people"] = grouped.size()
    sums["days_mean"] = grouped["days"].mean()
    sums["days_max"] = grouped["days"].max()
    # every area of an area-based group, with or without people in it
    for breakdown in ("rurality", "imd_decile", "area"):
        for key in _area_keys(breakdown, areas).unique():
            if (breakdown, key) not in sums.index:
                empty = {c: 0.0 for c in sums.columns} | {"days_mean": np.nan, "days_max": np.nan}
                sums.loc[(breakdown, key), :] = pd.Series(empty)
    rows = []
    for (breakdown, key), s in sums.iterrows():
        carer_h = float(s["carer_h"])
        rows.append(
            {
                "breakdown": breakdown,
                "group_key": key,
                "group": _group_label(str(breakdown), str(key), names),
                "people": int(s["people"]),
                "waiting_people_before_option": int(s["waiting"]),
                "demand_contact_hours_per_week": round(float(s["demand_h"]), 2),
                "unmet_people": int(s["unmet"]),
                "unmet_contact_hours_per_week": round(float(s["unmet_h"]), 2),
                "unmet_pct_of_group_demand_hours": _pct(float(s["unmet_h"]), float(s["demand_h"])),
                "unmet_days_waited_mean": _round(s["days_mean"], 1),
                "unmet_days_waited_max": _round(s["days_max"], 0),
                "carer_hours_delivered_per_week": round(carer_h, 2),
                "travel_min_per_carer_hour": (
                    round(float(s["travel_min"]) / carer_h, 3) if carer_h > 0 else np.nan
                ),
            }
        )
    out = pd.DataFrame(rows, columns=list(EQUITY_COLUMNS))
    if areas["pop_65plus"].notna().any():
        out = _add_rates(out, people, areas)
    order = sorted(
        range(len(out)), key=lambda i: _sort_key(out["breakdown"][i], out["group_key"][i])
    )
    return out.iloc[order].reset_index(drop=True)


def _add_rates(out: pd.DataFrame, people: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Census 65+ of each area-based group and its counts per 1,000 residents aged 65+."""
    pop = pd.to_numeric(areas["pop_65plus"], errors="coerce")
    has_pop = pop.notna()
    with_pop = set(areas.loc[has_pop, "area_code"].astype(str))
    package_codes = people["area_code"].astype(str)
    # packages whose own area has no census figure would sit outside the denominator
    no_pop = ~package_codes.isin(with_pop)
    codes = areas["area_code"].astype(str)
    group_pop: dict[tuple[str, object], float] = {}
    for breakdown in _AREA_BASED:
        keys = _area_keys(breakdown, areas)
        complete = has_pop.groupby(keys, sort=False).all()
        totals = pop.groupby(keys, sort=False).sum()
        if breakdown == "all":
            spoilt = set(keys.unique()) if no_pop.any() else set()
        else:
            key_of_code = dict(zip(codes, keys, strict=True))
            spoilt = {key_of_code[c] for c in package_codes[no_pop] if c in key_of_code}
        for key in keys.unique():
            if complete[key] and key not in spoilt:
                group_pop[(breakdown, key)] = float(totals[key])
    pop_col = np.array(
        [
            group_pop.get((b, k), np.nan)
            for b, k in zip(out["breakdown"], out["group_key"], strict=True)
        ],
        dtype=float,
    )
    out = out.copy()
    out["pop_65plus_census2021"] = pd.array(
        [None if np.isnan(v) else int(v) for v in pop_col], dtype="Int64"
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(pop_col > 0, 1000.0 / pop_col, np.nan)
    out["people_per_1000_aged_65plus"] = np.round(out["people"] * per, 3)
    out["unmet_people_per_1000_aged_65plus"] = np.round(out["unmet_people"] * per, 3)
    out["unmet_contact_hours_per_1000_aged_65plus"] = np.round(
        out["unmet_contact_hours_per_week"] * per, 3
    )
    return out


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 2) if whole > 0 else np.nan


def _round(value: object, nd: int) -> float:
    v = float(value)  # type: ignore[arg-type]
    return round(v, nd) if np.isfinite(v) else np.nan
