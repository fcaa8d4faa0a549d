"""Small-area boundaries (LSOAs, wards) and zone polygons built as unions of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from geodata.errors import InputError, Problem

WGS84 = "EPSG:4326"
#: British National Grid: a metric CRS for areas and lengths in England [m].
BNG = "EPSG:27700"

#: Overlaps or gaps smaller than this are boundary noise of generalised polygons [m²].
DEFAULT_TOLERANCE_M2 = 1_000.0


def read_areas(
    path: str | Path, *, code_field: str, name_field: str | None = None
) -> gpd.GeoDataFrame:
    """Read small-area polygons (e.g. ONS LSOA or ward GeoJSON) into a GeoDataFrame.

    Returns columns ``area_code``, ``area_name`` and ``geometry`` (EPSG:4326), one row per area,
    sorted by code. Raises ``InputError`` naming the file and field if a field is missing, a code
    is empty or repeated, or a geometry is empty.
    """
    path = Path(path)
    gdf = gpd.read_file(path)
    source = path.name
    problems: list[Problem] = []
    for fld in (code_field, name_field):
        if fld is not None and fld not in gdf.columns:
            problems.append(Problem(source, None, fld, "column not found"))
    if problems:
        raise InputError(problems)
    out = gpd.GeoDataFrame(
        {
            "area_code": gdf[code_field].astype(str).str.strip(),
            "area_name": (
                gdf[name_field].astype(str) if name_field else gdf[code_field].astype(str)
            ),
        },
        geometry=gdf.geometry.values,
        crs=gdf.crs if gdf.crs is not None else WGS84,
    ).to_crs(WGS84)
    for i, (code, geom) in enumerate(zip(out["area_code"], out.geometry, strict=True), start=1):
        if not code or code == "nan":
            problems.append(Problem(source, i, code_field, "empty area code"))
        if geom is None or geom.is_empty:
            problems.append(Problem(source, i, "geometry", f"area {code!r} has no geometry"))
    dup = out["area_code"][out["area_code"].duplicated()].unique()
    for code in dup:
        problems.append(Problem(source, None, code_field, f"area code {code!r} appears twice"))
    if problems:
        raise InputError(problems)
    out["geometry"] = shapely.make_valid(out.geometry.values)
    return out.sort_values("area_code").reset_index(drop=True)


def _zone_members(
    zone_to_area: Mapping[str, Sequence[str]] | pd.DataFrame,
) -> dict[str, list[str]]:
    if isinstance(zone_to_area, pd.DataFrame):
        members: dict[str, list[str]] = {}
        for zone_id, code in zip(zone_to_area["zone_id"], zone_to_area["area_code"], strict=True):
            members.setdefault(str(zone_id), []).append(str(code))
        return members
    return {str(z): [str(c) for c in codes] for z, codes in zone_to_area.items()}


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygon parts of a (possibly mixed) geometry."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if parts else Polygon()


def zone_polygons(
    zone_to_area: Mapping[str, Sequence[str]] | pd.DataFrame, areas: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Dissolve areas into zone polygons: one row per zone (``zone_id``, ``n_areas``, geometry).

    ``zone_to_area`` maps zone id to area codes, or is a table with ``zone_id`` and ``area_code``
    columns (one row per area). Geometry is the union of the member areas, made valid with
    ``shapely.make_valid`` (EPSG:4326). Raises ``InputError`` for codes not found in ``areas``.
    """
    members = _zone_members(zone_to_area)
    by_code = dict(zip(areas["area_code"], areas.geometry, strict=True))
    problems = [
        Problem("zone table", None, "area_code", f"zone {z!r}: unknown area code {c!r}")
        for z, codes in members.items()
        for c in codes
        if c not in by_code
    ]
    if problems:
        raise InputError(problems)
    rows = []
    for zone_id, codes in members.items():
        geom = shapely.make_valid(shapely.union_all([by_code[c] for c in codes]))
        rows.append({"zone_id": zone_id, "n_areas": len(codes), "geometry": _polygonal(geom)})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=areas.crs or WGS84)


def check_partition(
    zone_to_area: Mapping[str, Sequence[str]] | pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    tolerance_m2: float = DEFAULT_TOLERANCE_M2,
) -> list[Problem]:
    """Check that zones partition the areas: every area in exactly one zone, no overlap, no gap.

    Returns every problem found (empty list if the zones are a partition): areas in no zone or in
    several, unknown codes, pairs of zone polygons overlapping by more than ``tolerance_m2``, and
    parts of the union of all areas left uncovered by more than ``tolerance_m2`` [m²].
    """
    members = _zone_members(zone_to_area)
    known = set(areas["area_code"])
    problems: list[Problem] = []
    seen: dict[str, list[str]] = {}
    for zone_id, codes in members.items():
        for code in codes:
            seen.setdefault(code, []).append(zone_id)
            if code not in known:
                problems.append(
                    Problem(
                        "zone table", None, "area_code", f"zone {zone_id!r}: unknown area {code!r}"
                    )
                )
    for code in sorted(known):
        zones = seen.get(code, [])
        if not zones:
            problems.append(
                Problem("zone table", None, "area_code", f"area {code!r} is in no zone")
            )
        elif len(zones) > 1:
            problems.append(
                Problem("zone table", None, "area_code", f"area {code!r} is in zones {zones}")
            )
    if problems:
        return problems
    polys = zone_polygons(members, areas).to_crs(BNG)
    geoms = polys.geometry.values
    ids = list(polys["zone_id"])
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            overlap = shapely.intersection(geoms[i], geoms[j]).area
            if overlap > tolerance_m2:
                problems.append(
                    Problem(
                        "zone polygons",
                        None,
                        "geometry",
                        f"zones {ids[i]!r} and {ids[j]!r} overlap by {overlap:,.0f} m²",
                    )
                )
    whole = shapely.union_all(areas.to_crs(BNG).geometry.values)
    gap = shapely.difference(whole, shapely.union_all(geoms)).area
    if gap > tolerance_m2:
        problems.append(
            Problem("zone polygons", None, "geometry", f"zones leave {gap:,.0f} m² uncovered")
        )
    return problems


def area_of_point(
    lats: Sequence[float] | np.ndarray, lons: Sequence[float] | np.ndarray, areas: gpd.GeoDataFrame
) -> np.ndarray:
    """Area code of each point (EPSG:4326 lat/lon), or ``None`` where no area contains it.

    Vectorised with an STRtree; a point on a shared boundary takes the first area found.
    """
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    points = shapely.points(lons, lats)
    geoms = areas.to_crs(WGS84).geometry.values
    tree = shapely.STRtree(geoms)
    pt_idx, area_idx = tree.query(points, predicate="intersects")
    codes = np.array(areas["area_code"], dtype=object)
    out = np.full(len(points), None, dtype=object)
    # Keep the first hit per point (reverse assignment so the lowest area index wins).
    out[pt_idx[::-1]] = codes[area_idx[::-1]]
    return out


def areal_weights(
    source: gpd.GeoDataFrame, target: gpd.GeoDataFrame, *, min_share: float = 0.01
) -> pd.DataFrame:
    """Share of each target area covered by each source area (e.g. LSOA 2011 -> LSOA 2021).

    Returns columns ``target_code``, ``source_code`` and ``share`` (of the target's area, summing
    to 1 per target after dropping slivers below ``min_share``). Both frames need ``area_code``.
    """
    src = source[["area_code", "geometry"]].to_crs(BNG).rename(columns={"area_code": "source_code"})
    tgt = target[["area_code", "geometry"]].to_crs(BNG).rename(columns={"area_code": "target_code"})
    inter = gpd.overlay(tgt, src, how="intersection", keep_geom_type=True)
    inter["part_m2"] = inter.geometry.area
    total = inter.groupby("target_code")["part_m2"].transform("sum")
    inter["share"] = inter["part_m2"] / total
    inter = inter[inter["share"] >= min_share].copy()
    inter["share"] = inter["share"] / inter.groupby("target_code")["share"].transform("sum")
    out = pd.DataFrame(inter[["target_code", "source_code", "share"]])
    return out.sort_values(["target_code", "source_code"]).reset_index(drop=True)


def area_adjacency(areas: gpd.GeoDataFrame, *, buffer_m: float = 5.0) -> np.ndarray:
    """Pairs of areas that touch (queen contiguity: a shared edge or corner), as row indices.

    Each polygon is grown by ``buffer_m`` [m] in British National Grid first, so boundaries
    that generalisation left a hair apart (or overlapping) still count as shared. Returns an
    (E, 2) integer array with ``i < j``, one row per touching pair.
    """
    if len(areas) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    grown = areas.to_crs(BNG).geometry.buffer(buffer_m).reset_index(drop=True)
    tree = shapely.STRtree(grown.values)
    left, right = tree.query(grown.values, predicate="intersects")
    keep = left < right
    return np.column_stack([left[keep], right[keep]]).astype(np.int64)
