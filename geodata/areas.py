"""Small-area boundaries (LSOAs, wards) and zone polygons built as unions of them."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

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
    path: str | Path | BinaryIO,
    *,
    code_field: str,
    name_field: str | None = None,
    source_name: str | None = None,
) -> gpd.GeoDataFrame:
    """Read small-area polygons (e.g. ONS LSOA or ward GeoJSON) into a GeoDataFrame.

    ``path`` is a file or an in-memory buffer (an upload, read where it is: nothing is written);
    ``source_name`` names it in messages (default: the file name).

    Returns columns ``area_code``, ``area_name`` and ``geometry`` (EPSG:4326), one row per area,
    sorted by code. Raises ``InputError`` naming the file (and field) if the file cannot be read
    or holds no features, a field is missing, a code is empty or repeated, or a geometry is empty.
    """
    if isinstance(path, str | Path):
        path = Path(path)
        source = source_name or path.name
    else:
        source = source_name or str(getattr(path, "name", "areas"))
        path.seek(0)
    try:
        with warnings.catch_warnings():
            # GDAL warns that an in-memory GeoPackage has no .gpkg name; harmless.
            warnings.filterwarnings("ignore", message=".*non conformant file extension")
            gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own types for cut-off or corrupt files
        raise InputError(
            Problem(source, None, None, f"cannot read the file (cut off or not a map file?): {exc}")
        ) from None
    if gdf.empty:
        raise InputError(Problem(source, None, None, "the file holds no areas (no features)"))
    problems: list[Problem] = []
    for fld in (code_field, name_field):
        if fld is not None and fld not in gdf.columns:
            columns = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
            problems.append(Problem(source, None, fld, f"column not found (columns: {columns})"))
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


#: Points this close to an area but outside every one take the nearest area [m]: generalised
#: boundaries (ONS "BGC", generalised to 20 m) move edges by tens of metres, so a home on a
#: boundary street can fall just outside. Assumption: 50 m, a little over twice the
#: generalisation, still far below the size of a small area.
DEFAULT_POINT_TOLERANCE_M = 50.0


def area_of_points(
    lats: Sequence[float] | np.ndarray,
    lons: Sequence[float] | np.ndarray,
    areas: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DEFAULT_POINT_TOLERANCE_M,
) -> np.ndarray:
    """Area code of each point (EPSG:4326 lat/lon), or ``None`` where no area is near it.

    A point inside or on the edge of areas takes the first of them in the frame's order (so a
    point on a shared boundary gets one code, always the same); a point outside every area but
    within ``tolerance_m`` [m] of one takes the nearest (distance in the local UTM projection).
    Vectorised with an STRtree.
    """
    lats = np.asarray(lats, dtype=float)
    lons = np.asarray(lons, dtype=float)
    out = np.full(len(lats), None, dtype=object)
    if len(lats) == 0 or len(areas) == 0:
        return out
    codes = np.array(areas["area_code"], dtype=object)
    points = shapely.points(lons, lats)
    geoms = areas.to_crs(WGS84).geometry.values
    tree = shapely.STRtree(geoms)
    pt_idx, area_idx = tree.query(points, predicate="intersects")
    # Keep the first hit per point (reverse assignment so the lowest area index wins).
    out[pt_idx[::-1]] = codes[area_idx[::-1]]
    missing = np.flatnonzero(pd.isna(out))
    if len(missing) and tolerance_m > 0:
        utm = areas.to_crs(WGS84).estimate_utm_crs()
        metric = areas.to_crs(utm).geometry.values
        far = gpd.GeoSeries(points[missing], crs=WGS84).to_crs(utm).values
        near_pt, near_area = shapely.STRtree(metric).query_nearest(
            far, max_distance=tolerance_m, all_matches=False
        )
        out[missing[near_pt]] = codes[near_area]
    return out


def zone_of_areas(
    zones: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, min_share: float = 0.5
) -> dict[str, str | None]:
    """The zone each small area belongs to by overlap: the zone covering most of its area.

    ``zones`` has ``zone_id`` and polygon geometry; ``areas`` has ``area_code``. An area goes
    to the zone that covers the largest share of it when that share exceeds ``min_share``
    (default a majority); else to ``None`` (no zone covers most of it). Areas are measured in
    the local UTM projection [m²].
    """
    out: dict[str, str | None] = {str(c): None for c in areas["area_code"]}
    if len(zones) == 0 or len(areas) == 0:
        return out
    utm = areas.to_crs(WGS84).estimate_utm_crs()
    a = areas[["area_code", "geometry"]].to_crs(utm)
    z = zones[["zone_id", "geometry"]].to_crs(utm)
    whole = dict(zip(a["area_code"].astype(str), a.geometry.area, strict=True))
    left, right = shapely.STRtree(z.geometry.values).query(a.geometry.values, "intersects")
    best: dict[str, tuple[float, str]] = {}
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        code = str(a["area_code"].iloc[i])
        share = shapely.intersection(a.geometry.values[i], z.geometry.values[j]).area
        share = share / whole[code] if whole[code] > 0 else 0.0
        if share > best.get(code, (0.0, ""))[0]:
            best[code] = (share, str(z["zone_id"].iloc[j]))
    for code, (share, zone_id) in best.items():
        if share > min_share:
            out[code] = zone_id
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
