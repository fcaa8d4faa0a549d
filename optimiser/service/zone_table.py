"""The zone-to-area table: its checks, zone records from it, and edits of it (tables only).

The zone table (one row per small area) is the source of truth; zone records and polygons are
derived from it. Every function returns a new table or records; nothing is edited in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.areas import zone_of_areas
from optimiser.data import tables
from optimiser.data.domain import Zone, ZoneKind
from optimiser.data.tables.cells import did_you_mean
from optimiser.errors import InputError, Problem


def check_zone_table(
    zone_table: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    source: str = "zone table",
    areas_source: str = "the areas",
) -> None:
    """Every area in exactly one zone; zone attributes consistent; known area codes.

    Raises ``InputError`` listing every problem (row and column named); ``source`` and
    ``areas_source`` name the zone table and the areas in messages (their files, when read
    from files).
    """
    missing = [c for c in tables.ZONE_AREA_COLUMNS if c not in zone_table.columns]
    if missing:
        raise InputError(Problem(source, None, ",".join(missing), "column(s) missing"))
    problems = area_problems(zone_table, areas, source=source, areas_source=areas_source)
    for i, row in enumerate(zone_table.itertuples(index=False), start=1):
        if str(row.kind) not in {k.value for k in ZoneKind}:
            problems.append(Problem(source, i, "kind", f"unknown zone kind {row.kind!r}"))
    if problems:
        raise InputError(sorted(problems, key=_problem_order))


def _problem_order(problem: Problem) -> tuple[int, int]:
    return (0 if problem.row is not None else 1, problem.row or 0)


def area_problems(
    zone_table: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    source: str = "zone table",
    areas_source: str = "the areas",
) -> list[Problem]:
    """The area-code problems of a zone table (unknown codes, an area in two zones, areas in
    no zone), every one of them; ``zone_table`` needs ``area_code`` and ``zone_id`` only, so a
    table whose other cells failed to read is still checked."""
    problems: list[Problem] = []
    if "area_code" not in zone_table.columns or "zone_id" not in zone_table.columns:
        return problems
    known = set(areas["area_code"])
    seen: dict[str, str] = {}
    for i, (raw_code, raw_zone) in enumerate(
        zip(zone_table["area_code"], zone_table["zone_id"], strict=True), start=1
    ):
        code, zone_id = str(raw_code), str(raw_zone)
        if code not in known:
            problems.append(
                Problem(
                    source, i, "area_code", f"unknown area code {code!r}: not in {areas_source}"
                )
            )
        if code in seen:
            problems.append(
                Problem(
                    source,
                    i,
                    "area_code",
                    f"area {code!r} is in zones {seen[code]!r} and {zone_id!r} (zones overlap)",
                )
            )
        seen[code] = zone_id
    for code in sorted(known - set(seen)):
        problems.append(
            Problem(source, None, "area_code", f"area {code!r} of {areas_source} is in no zone")
        )
    return problems


def zones_from_table(zone_table: pd.DataFrame, areas: gpd.GeoDataFrame) -> tuple[Zone, ...]:
    """Zone records from the zone-to-area table (validated) and the small areas' polygons."""
    check_zone_table(zone_table, areas)
    return tables.zones_from_table(zone_table, areas)


def zone_table_from_polygons(
    zones: Sequence[Zone], areas: gpd.GeoDataFrame, *, source: str = "zones"
) -> pd.DataFrame:
    """The zone-to-area table of zone polygons: each zone's small areas.

    A zone that lists its ``area_codes`` keeps them (each must be a known area); the areas of
    the others are derived by overlap: each small area not listed goes to the zone polygon that
    covers most of it (a majority of its area, ``geodata.areas.zone_of_areas``). Raises
    ``InputError`` naming every unknown code and every area that no zone covers by a majority.
    """
    known = set(areas["area_code"].astype(str))
    members: dict[str, list[str]] = {z.zone_id: [] for z in zones}
    claimed: dict[str, str] = {}
    problems: list[Problem] = []
    for z in zones:
        for code in z.area_codes:
            if code not in known:
                problems.append(
                    Problem(
                        source,
                        None,
                        "area_codes",
                        f"zone {z.zone_id!r}: unknown area code {code!r}"
                        f"{did_you_mean(code, sorted(known))}",
                    )
                )
            elif code in claimed:
                problems.append(
                    Problem(
                        source,
                        None,
                        "area_codes",
                        f"area {code!r} is listed by zones {claimed[code]!r} and {z.zone_id!r}",
                    )
                )
            else:
                claimed[code] = z.zone_id
                members[z.zone_id].append(code)
    drawn = [z for z in zones if not z.area_codes and z.geometry is not None]
    if drawn:
        polys = gpd.GeoDataFrame(
            {"zone_id": [z.zone_id for z in drawn]},
            geometry=[z.geometry for z in drawn],
            crs="EPSG:4326",
        )
        for code, zone_id in zone_of_areas(polys, areas).items():
            if code in claimed:
                continue
            if zone_id is None:
                problems.append(
                    Problem(
                        source,
                        None,
                        "geometry",
                        f"area {code!r} is in no zone: no zone polygon covers most of it "
                        f"(draw the zones to cover every small area, or list area_codes)",
                    )
                )
            else:
                members[zone_id].append(code)
    if problems:
        raise InputError(problems)
    return tables.zones_to_frame(
        dataclasses.replace(z, area_codes=tuple(members[z.zone_id]))
        for z in zones
        if members[z.zone_id]
    )


def check_demo_zones_file(path: Path) -> None:
    """A file to replace the demo's generated zones must be a zone-to-area table (.csv).

    The demo's zones are tables of its small areas, so only a table will do: any other file is
    an ``InputError`` naming it (it used to be ignored without a word).
    """
    suffix = Path(path).suffix.lower()
    if suffix != ".csv":
        raise InputError(
            Problem(
                str(path),
                None,
                "inputs.zones",
                "in demo mode the zones file must be a zone-to-area table (.csv), "
                f"not {suffix or 'a file without a suffix'}",
            )
        )


def read_demo_zone_table(
    path: Path, areas: gpd.GeoDataFrame, *, provider_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """A zone-to-area table (.csv) to replace the demo's generated zones, checked against the
    demo's small areas (see :func:`check_demo_zones_file`) and, when given, its lead providers
    against ``provider_ids``."""
    check_demo_zones_file(path)
    table = tables.read_zone_table(path, provider_ids=provider_ids)
    check_zone_table(table, areas, source=Path(path).name, areas_source="the demo's areas")
    return table


#: Where zone-edit problems come from (named in their messages).
ZONE_EDIT = "zone edit"
#: Allowed rate uplift of a zone [%] (the readers' range).
UPLIFT_RANGE_PCT = (-50.0, 200.0)
_ATTRIBUTES = ("zone_id", "name", "kind", "lead_providers", "rate_uplift_pct")


def _fail(field: str, message: str) -> InputError:
    return InputError(Problem(ZONE_EDIT, None, field, message))


def _rows_of_zone(table: pd.DataFrame, zone_id: str) -> pd.Index:
    rows = table.index[table["zone_id"].astype(str) == str(zone_id)]
    if len(rows) == 0:
        known = ", ".join(sorted(table["zone_id"].astype(str).unique()))
        raise _fail("zone_id", f"unknown zone {zone_id!r} (zones: {known})")
    return rows


def move_area(zone_table: pd.DataFrame, area_code: str, to_zone: str) -> pd.DataFrame:
    """A new zone table with ``area_code`` moved into zone ``to_zone`` (same attributes)."""
    return move_areas(zone_table, [area_code], to_zone)


def move_areas(zone_table: pd.DataFrame, area_codes: Sequence[str], to_zone: str) -> pd.DataFrame:
    """A new zone table with every area of ``area_codes`` moved into zone ``to_zone`` (taking
    its name, kind, lead providers and uplift). Unknown codes are all named in one error."""
    table = zone_table.reset_index(drop=True)
    codes = [str(c) for c in area_codes]
    if not codes:
        raise _fail("area_code", "pick at least one small area to move")
    present = set(table["area_code"].astype(str))
    unknown = [c for c in codes if c not in present]
    if unknown:
        raise InputError(
            [
                Problem(ZONE_EDIT, None, "area_code", f"area {c!r} is not in the zone table")
                for c in unknown
            ]
        )
    template = table.loc[_rows_of_zone(table, to_zone)[0]]
    new = table.copy()
    rows = new.index[new["area_code"].astype(str).isin(codes)]
    for col in _ATTRIBUTES:
        new.loc[rows, col] = template[col]
    return new


def _checked_zone_id(table: pd.DataFrame, zone_id: str) -> str:
    zone_id = str(zone_id).strip()
    if not zone_id:
        raise _fail("zone_id", "a new zone needs an id (for example Z-NEW)")
    if any(ch in zone_id for ch in ";,\n\t") or len(zone_id) > 40:
        raise _fail(
            "zone_id", f"zone id {zone_id!r} must be at most 40 characters, without ; , or tabs"
        )
    if zone_id in set(table["zone_id"].astype(str)):
        raise _fail("zone_id", f"zone id {zone_id!r} is already used: pick another")
    return zone_id


def _checked_name(name: str) -> str:
    name = str(name).strip()
    if not name:
        raise _fail("name", "a zone needs a name")
    return name


def _checked_kind(kind: str) -> str:
    kinds = [k.value for k in ZoneKind]
    if str(kind) not in kinds:
        raise _fail("kind", f"zone kind must be one of {', '.join(kinds)}, got {kind!r}")
    return str(kind)


def _checked_uplift(pct: float) -> float:
    low, high = UPLIFT_RANGE_PCT
    try:
        value = float(pct)
    except (TypeError, ValueError):
        raise _fail("rate_uplift_pct", f"rate uplift must be a number, got {pct!r}") from None
    if not low <= value <= high:
        raise _fail(
            "rate_uplift_pct", f"rate uplift must be from {low:g} to {high:g} %, got {value:g}"
        )
    return value


def _checked_leads(leads: Sequence[str], known: Collection[str] | None) -> str:
    ids = [str(p).strip() for p in leads if str(p).strip()]
    doubles = sorted({p for p in ids if ids.count(p) > 1})
    if doubles:
        raise _fail("lead_providers", f"lead provider(s) listed twice: {', '.join(doubles)}")
    if known is not None:
        unknown = [p for p in ids if p not in set(known)]
        if unknown:
            raise _fail("lead_providers", f"unknown provider(s): {', '.join(unknown)}")
    return ";".join(ids)


def create_zone(
    zone_table: pd.DataFrame,
    *,
    zone_id: str,
    name: str,
    kind: str,
    area_codes: Sequence[str],
    lead_providers: Sequence[str] = (),
    rate_uplift_pct: float = 0.0,
    known_providers: Collection[str] | None = None,
) -> pd.DataFrame:
    """A new zone table with a new zone made of ``area_codes`` (taken from their zones; a zone
    left with no area is gone). Every value is checked before anything changes."""
    table = zone_table.reset_index(drop=True)
    row = {
        "zone_id": _checked_zone_id(table, zone_id),
        "name": _checked_name(name),
        "kind": _checked_kind(kind),
        "lead_providers": _checked_leads(lead_providers, known_providers),
        "rate_uplift_pct": _checked_uplift(rate_uplift_pct),
    }
    codes = [str(c) for c in area_codes]
    if not codes:
        raise _fail("area_code", "a new zone needs at least one small area")
    present = set(table["area_code"].astype(str))
    unknown = [c for c in codes if c not in present]
    if unknown:
        raise _fail("area_code", f"area(s) not in the zone table: {', '.join(unknown)}")
    new = table.copy()
    rows = new.index[new["area_code"].astype(str).isin(codes)]
    for col, value in row.items():
        new[col] = new[col].astype(object)
        new.loc[rows, col] = value
    return new


def rename_zone(zone_table: pd.DataFrame, zone_id: str, name: str) -> pd.DataFrame:
    """A new zone table with zone ``zone_id`` called ``name`` (its id stays: files refer to it)."""
    table = zone_table.reset_index(drop=True).copy()
    table.loc[_rows_of_zone(table, zone_id), "name"] = _checked_name(name)
    return table


def delete_zone(zone_table: pd.DataFrame, zone_id: str, into_zone: str) -> pd.DataFrame:
    """A new zone table without zone ``zone_id``: its areas join ``into_zone``."""
    table = zone_table.reset_index(drop=True)
    if str(zone_id) == str(into_zone):
        raise _fail("zone_id", "pick another zone to take the deleted zone's areas")
    rows = _rows_of_zone(table, zone_id)
    _rows_of_zone(table, into_zone)
    return move_areas(table, list(table.loc[rows, "area_code"].astype(str)), into_zone)


def set_zone_details(
    zone_table: pd.DataFrame,
    zone_id: str,
    *,
    lead_providers: Sequence[str] | None = None,
    rate_uplift_pct: float | None = None,
    kind: str | None = None,
    known_providers: Collection[str] | None = None,
) -> pd.DataFrame:
    """A new zone table with zone ``zone_id``'s lead providers, rate uplift [%] or kind set
    (``None`` leaves a value as it is)."""
    table = zone_table.reset_index(drop=True).copy()
    rows = _rows_of_zone(table, zone_id)
    if lead_providers is not None:
        table["lead_providers"] = table["lead_providers"].astype(object)
        table.loc[rows, "lead_providers"] = _checked_leads(lead_providers, known_providers)
    if rate_uplift_pct is not None:
        table.loc[rows, "rate_uplift_pct"] = _checked_uplift(rate_uplift_pct)
    if kind is not None:
        table.loc[rows, "kind"] = _checked_kind(kind)
    return table


def zone_table_csv(zone_table: pd.DataFrame) -> bytes:
    """The zone-to-area table as CSV bytes (the source of truth; text cells made safe for
    spreadsheets), one row per small area in zone then area order."""
    columns = list(tables.ZONE_AREA_COLUMNS)
    ordered = zone_table[columns].sort_values(["zone_id", "area_code"], kind="stable")
    return tables.safe_frame(ordered).to_csv(index=False).encode("utf-8")
