"""Zones of an area: packages re-zoned, zone polygons, and zone files (downloads, uploads).

The zone table (one row per small area) is the source of truth; zone records and polygons are
derived from it. Every function returns a new table or records; nothing is edited in place.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.areas import zone_polygons as _zone_polygons
from optimiser.data import tables
from optimiser.data.domain import Package, Zone
from optimiser.errors import InputError, Problem
from optimiser.service.areas import AreaData
from optimiser.service.zone_table import (
    area_problems,
    check_zone_table,
    zone_table_from_polygons,
    zones_from_table,
)


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
    polygons = zone_polygons(area, zone_table).drop(columns=["area_code"], errors="ignore")
    gdf = gpd.GeoDataFrame(tables.safe_frame(polygons), geometry="geometry", crs=polygons.crs)
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

    Zone polygons are turned back into the table by their ``area_codes``, else by overlap
    (each small area goes to the zone covering most of it); lead providers are checked against
    the area's providers; validated before it is returned.
    """
    raw = data.getvalue() if isinstance(data, io.BytesIO) else bytes(data)
    suffix = Path(name).suffix.lower()
    buffer = io.BytesIO(raw)
    buffer.name = name  # type: ignore[attr-defined]
    provider_ids = [p.provider_id for p in area.providers]
    if suffix in (".csv", ".xlsx"):
        try:
            zones = tables.read_zones(buffer, source_name=name, provider_ids=provider_ids)
            table = tables.zones_to_frame(zones)
        except InputError as err:
            # The reader stops at bad cells (a kind, an uplift): check the area codes of the
            # raw rows too, so every problem of the file is reported in one go.
            raise InputError([*err.problems, *_raw_area_problems(raw, name, area)]) from None
    elif suffix in (".geojson", ".json", ".gpkg"):
        zones = tables.read_zones(buffer, source_name=name, provider_ids=provider_ids)
        table = zone_table_from_polygons(zones, area.areas, source=name)
    else:
        raise InputError(Problem(name, None, None, "expected a .csv, .geojson or .gpkg file"))
    check_zone_table(table, area.areas, source=name, areas_source="the area's small areas")
    return table.reset_index(drop=True)


def _raw_area_problems(raw: bytes, name: str, area: AreaData) -> list[Problem]:
    """Area-code problems of a zone table's raw rows (cells read as text, nothing checked)."""
    try:
        if Path(name).suffix.lower() == ".xlsx":
            frame = pd.read_excel(io.BytesIO(raw), dtype=str)
        else:
            frame = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError):
        return []
    frame.columns = [str(c).strip() for c in frame.columns]
    return area_problems(frame, area.areas, source=name, areas_source="the area's small areas")
