"""Zones as commissioners edit them: the zone-to-area table, its checks, polygons and files.

The zone table (one row per small area) is the source of truth; zone records and polygons are
derived from it. Every function returns a new table or records; nothing is edited in place.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geodata.areas import zone_polygons as _zone_polygons
from optimiser.data import tables
from optimiser.data.domain import Package, Zone, ZoneKind
from optimiser.errors import InputError, Problem

if TYPE_CHECKING:
    from optimiser.service.areas import AreaData


def check_zone_table(zone_table: pd.DataFrame, areas: gpd.GeoDataFrame) -> None:
    """Every area in exactly one zone; zone attributes consistent; known area codes.

    Raises ``InputError`` listing every problem (row and column named).
    """
    problems: list[Problem] = []
    missing = [c for c in tables.ZONE_AREA_COLUMNS if c not in zone_table.columns]
    if missing:
        raise InputError(Problem("zone table", None, ",".join(missing), "column(s) missing"))
    known = set(areas["area_code"])
    seen: dict[str, str] = {}
    for i, row in enumerate(zone_table.itertuples(index=False), start=1):
        code, zone_id = str(row.area_code), str(row.zone_id)
        if code not in known:
            problems.append(Problem("zone table", i, "area_code", f"unknown area code {code!r}"))
        if code in seen:
            problems.append(
                Problem(
                    "zone table",
                    i,
                    "area_code",
                    f"area {code!r} is in zones {seen[code]!r} and {zone_id!r} (zones overlap)",
                )
            )
        seen[code] = zone_id
        if str(row.kind) not in {k.value for k in ZoneKind}:
            problems.append(Problem("zone table", i, "kind", f"unknown zone kind {row.kind!r}"))
    for code in sorted(known - set(seen)):
        problems.append(Problem("zone table", None, "area_code", f"area {code!r} is in no zone"))
    if problems:
        raise InputError(problems)


def zones_from_table(zone_table: pd.DataFrame, areas: gpd.GeoDataFrame) -> tuple[Zone, ...]:
    """Zone records from the zone-to-area table (validated) and the small areas' polygons."""
    check_zone_table(zone_table, areas)
    return tables.zones_from_table(zone_table, areas)


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


def read_demo_zone_table(path: Path, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """A zone-to-area table (.csv) to replace the demo's generated zones, checked against the
    demo's small areas (see :func:`check_demo_zones_file`)."""
    check_demo_zones_file(path)
    table = tables.read_zone_table(path)
    check_zone_table(table, areas)
    return table


def rezoned(
    area: AreaData, zone_table: pd.DataFrame
) -> tuple[tuple[Package, ...], tuple[Zone, ...]]:
    """Packages with zone ids from ``zone_table`` (via their small area), and the zones."""
    zones = (
        zones_from_table(zone_table, area.areas)
        if zone_table is not area.zone_table
        else area.zones
    )
    zone_of = dict(
        zip(zone_table["area_code"].astype(str), zone_table["zone_id"].astype(str), strict=True)
    )
    packages = tuple(
        p
        if zone_of.get(p.area_code or "") == p.zone_id
        else dataclasses.replace(p, zone_id=zone_of.get(p.area_code or ""))
        for p in area.packages
    )
    return packages, zones


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


def zone_polygons(area: AreaData, zone_table: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Zone polygons (EPSG:4326) with their attributes, for maps and downloads."""
    table = area.zone_table if zone_table is None else zone_table
    check_zone_table(table, area.areas)
    polys = _zone_polygons(table, area.areas)
    attrs = table.groupby("zone_id", sort=False).first().reset_index()
    attrs["area_codes"] = table.groupby("zone_id", sort=False)["area_code"].agg(";".join).values
    return gpd.GeoDataFrame(
        attrs.merge(polys[["zone_id", "geometry"]], on="zone_id"),
        geometry="geometry",
        crs="EPSG:4326",
    )


def zones_download(area: AreaData, zone_table: pd.DataFrame, fmt: str = "geojson") -> bytes:
    """Zones as GeoJSON or GeoPackage bytes (for QGIS users)."""
    gdf = zone_polygons(area, zone_table).drop(columns=["area_code"], errors="ignore")
    if fmt == "geojson":
        return gdf.to_json(drop_id=True).encode("utf-8")
    if fmt == "gpkg":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "zones.gpkg"
            gdf.to_file(path, layer="zones", driver="GPKG")
            return path.read_bytes()
    raise InputError(f"unknown zone format {fmt!r} (geojson or gpkg)", source="zones download")


def read_zones_upload(data: bytes | io.BytesIO, name: str, area: AreaData) -> pd.DataFrame:
    """A zone table from an uploaded CSV/Excel (zone-to-area table) or GeoJSON/GeoPackage.

    Zone polygons are turned back into the table by the small areas they contain (each area
    goes to the zone holding its representative point); validated before it is returned.
    """
    raw = data.getvalue() if isinstance(data, io.BytesIO) else bytes(data)
    suffix = Path(name).suffix.lower()
    buffer = io.BytesIO(raw)
    buffer.name = name  # type: ignore[attr-defined]
    if suffix in (".csv", ".xlsx"):
        table = tables.zones_to_frame(tables.read_zones(buffer, source_name=name))
    elif suffix in (".geojson", ".json", ".gpkg"):
        zones = tables.read_zones(buffer, source_name=name)
        table = _table_from_zone_polygons(zones, area, name)
    else:
        raise InputError(Problem(name, None, None, "expected a .csv, .geojson or .gpkg file"))
    check_zone_table(table, area.areas)
    return table.reset_index(drop=True)


def _table_from_zone_polygons(zones: Sequence[Zone], area: AreaData, name: str) -> pd.DataFrame:
    """Each small area goes to the uploaded zone holding its representative point."""
    reps = area.areas.geometry.representative_point()
    members: dict[str, list[str]] = {z.zone_id: [] for z in zones}
    problems: list[Problem] = []
    for code, point in zip(area.areas["area_code"], reps, strict=True):
        owners = [z for z in zones if z.geometry is not None and z.geometry.contains(point)]
        if len(owners) != 1:
            what = "no zone" if not owners else f"zones {[z.zone_id for z in owners]}"
            problems.append(Problem(name, None, "geometry", f"area {code!r} lies in {what}"))
        else:
            members[owners[0].zone_id].append(str(code))
    if problems:
        raise InputError(problems)
    return tables.zones_to_frame(
        dataclasses.replace(z, area_codes=tuple(members[z.zone_id]))
        for z in zones
        if members[z.zone_id]
    )
