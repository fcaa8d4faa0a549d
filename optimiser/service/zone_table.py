"""The zone-to-area table: its checks, zone records from it, and edits of it (tables only).

The zone table (one row per small area) is the source of truth; zone records and polygons are
derived from it. Every function returns a new table or records; nothing is edited in place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
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
    problems: list[Problem] = []
    missing = [c for c in tables.ZONE_AREA_COLUMNS if c not in zone_table.columns]
    if missing:
        raise InputError(Problem(source, None, ",".join(missing), "column(s) missing"))
    known = set(areas["area_code"])
    seen: dict[str, str] = {}
    for i, row in enumerate(zone_table.itertuples(index=False), start=1):
        code, zone_id = str(row.area_code), str(row.zone_id)
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
        if str(row.kind) not in {k.value for k in ZoneKind}:
            problems.append(Problem(source, i, "kind", f"unknown zone kind {row.kind!r}"))
    for code in sorted(known - set(seen)):
        problems.append(
            Problem(source, None, "area_code", f"area {code!r} of {areas_source} is in no zone")
        )
    if problems:
        raise InputError(problems)


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


def move_area(zone_table: pd.DataFrame, area_code: str, to_zone: str) -> pd.DataFrame:
    """A new zone table with ``area_code`` moved into zone ``to_zone`` (same attributes)."""
    table = zone_table.reset_index(drop=True)
    rows = table.index[table["area_code"].astype(str) == str(area_code)]
    if len(rows) != 1:
        raise InputError(
            Problem("zone edit", None, "area_code", f"area {area_code!r} is not in the zone table")
        )
    target = table[table["zone_id"].astype(str) == str(to_zone)]
    if target.empty:
        raise InputError(Problem("zone edit", None, "zone_id", f"unknown zone {to_zone!r}"))
    new = table.copy()
    template = target.iloc[0]
    for col in ("zone_id", "name", "kind", "lead_providers", "rate_uplift_pct"):
        new.loc[rows[0], col] = template[col]
    return new
