"""Home locations from OpenStreetMap: residential building points, road edges and places."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from geodata.errors import InputError, Problem

WGS84 = "EPSG:4326"
#: British National Grid: metric CRS for lengths and footprints in England [m].
BNG = "EPSG:27700"

BUILDINGS_LAYER = "gis_osm_buildings_a_free_1"
ROADS_LAYER = "gis_osm_roads_free_1"
PLACES_LAYER = "gis_osm_places_free_1"

#: OSM ``building=*`` values taken as homes (https://wiki.openstreetmap.org/wiki/Key:building,
#: "Accommodation" group). Untyped outlines (``building=yes``, empty ``type`` in the Geofabrik
#: layer) are kept too, filtered by footprint size, since most untyped outlines are houses.
RESIDENTIAL_TYPES = frozenset(
    {
        "house",
        "residential",
        "terrace",
        "semidetached_house",
        "detached",
        "apartments",
        "flats",
        "large house",
        "bungalow",
        "cottage",
        "farm",
        "dormitory",
        "static_caravan",
        "houseboat",
        "yes",
    }
)

#: Roads along which homes sit (Geofabrik ``fclass``), the fallback where outlines are sparse.
RESIDENTIAL_ROAD_CLASSES = ("residential", "unclassified", "living_street")


def _read_layer(
    shp_zip: str | Path, layer: str, bbox: tuple[float, ...] | None
) -> gpd.GeoDataFrame:
    path = Path(shp_zip)
    if not path.is_file():
        raise InputError([Problem(str(path), None, None, "file not found")])
    layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    if layer not in layers:
        raise InputError([Problem(path.name, None, None, f"layer {layer!r} not in the archive")])
    gdf = gpd.read_file(path, layer=layer, bbox=bbox)
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    return gdf.to_crs(WGS84)


def read_buildings(
    shp_zip: str | Path,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    residential_types: Iterable[str] = RESIDENTIAL_TYPES,
    untyped_min_m2: float = 30.0,
    untyped_max_m2: float = 600.0,
) -> gpd.GeoDataFrame:
    """Read residential buildings from a Geofabrik shapefile zip as home points.

    Keeps outlines whose ``type`` is in ``residential_types``, plus untyped, unnamed outlines
    whose footprint lies in [``untyped_min_m2``, ``untyped_max_m2``] [m²] (sheds and garages are
    small, schools and warehouses large). ``bbox`` is (minx, miny, maxx, maxy) in EPSG:4326.
    Returns columns ``osm_id``, ``building`` (the OSM type, "" if untyped), ``footprint_m2`` and
    point geometry (a representative point inside each outline, EPSG:4326), sorted by ``osm_id``.
    """
    gdf = _read_layer(shp_zip, BUILDINGS_LAYER, bbox)
    kinds = gdf["type"].fillna("").astype(str).str.strip().str.lower()
    names = gdf["name"].fillna("").astype(str).str.strip() if "name" in gdf else kinds.map(str)
    metric = gdf.geometry.to_crs(BNG)
    footprint = metric.area.to_numpy()
    typed = kinds.isin(set(residential_types)).to_numpy()
    untyped = (
        (kinds == "").to_numpy()
        & (names == "").to_numpy()
        & (footprint >= untyped_min_m2)
        & (footprint <= untyped_max_m2)
    )
    keep = typed | untyped
    points = metric[keep].representative_point().to_crs(WGS84)
    out = gpd.GeoDataFrame(
        {
            "osm_id": gdf["osm_id"][keep].astype(str).to_numpy(),
            "building": kinds[keep].to_numpy(),
            "footprint_m2": footprint[keep],
        },
        geometry=points.values,
        crs=WGS84,
    )
    return out.sort_values("osm_id").reset_index(drop=True)


def read_road_edges(
    shp_zip: str | Path,
    *,
    classes: Sequence[str] = RESIDENTIAL_ROAD_CLASSES,
    bbox: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Read road lines of the given Geofabrik ``fclass`` values (default: residential streets).

    Returns columns ``osm_id``, ``fclass``, ``name``, ``length_m`` [m] and line geometry
    (EPSG:4326), sorted by ``osm_id``.
    """
    gdf = _read_layer(shp_zip, ROADS_LAYER, bbox)
    gdf = gdf[gdf["fclass"].isin(list(classes))]
    out = gpd.GeoDataFrame(
        {
            "osm_id": gdf["osm_id"].astype(str).to_numpy(),
            "fclass": gdf["fclass"].astype(str).to_numpy(),
            "name": gdf["name"].fillna("").astype(str).to_numpy(),
            "length_m": gdf.geometry.to_crs(BNG).length.to_numpy(),
        },
        geometry=gdf.geometry.values,
        crs=WGS84,
    )
    return out.sort_values("osm_id").reset_index(drop=True)


def read_places(
    shp_zip: str | Path, *, classes: Sequence[str] = ("town", "village", "hamlet")
) -> gpd.GeoDataFrame:
    """Read settlement points (Geofabrik places layer): ``name``, ``fclass``, ``population``.

    Sorted by class order then name; EPSG:4326 points.
    """
    gdf = _read_layer(shp_zip, PLACES_LAYER, None)
    gdf = gdf[gdf["fclass"].isin(list(classes))].copy()
    order = {c: i for i, c in enumerate(classes)}
    gdf["_order"] = gdf["fclass"].map(order)
    gdf = gdf.sort_values(["_order", "name"])
    out = gpd.GeoDataFrame(
        {
            "name": gdf["name"].astype(str).to_numpy(),
            "fclass": gdf["fclass"].astype(str).to_numpy(),
            "population": gdf["population"].fillna(0).astype(int).to_numpy(),
        },
        geometry=gdf.geometry.values,
        crs=WGS84,
    )
    return out.reset_index(drop=True)


def sample_points_on_lines(
    lines: gpd.GeoSeries | gpd.GeoDataFrame,
    n: int,
    rng: np.random.Generator,
    *,
    weights: Sequence[float] | np.ndarray | None = None,
) -> gpd.GeoSeries:
    """Draw ``n`` points uniformly by length along ``lines`` (optionally weighted per line).

    Lengths and positions are measured in a metric CRS (EPSG:27700 if ``lines`` is geographic);
    a line's chance is its length times its weight. Returns points in the CRS of ``lines``.
    Raises ``ValueError`` if there is nothing to sample from.
    """
    series = lines.geometry if isinstance(lines, gpd.GeoDataFrame) else lines
    crs = series.crs
    metric = series.to_crs(BNG) if crs is not None and crs.is_geographic else series
    geoms = np.asarray(metric.values, dtype=object)
    length = shapely.length(geoms)
    w = np.ones(len(geoms)) if weights is None else np.asarray(weights, dtype=float)
    if len(w) != len(geoms):
        raise ValueError(f"weights has {len(w)} values for {len(geoms)} lines")
    mass = length * w
    if n > 0 and (len(geoms) == 0 or mass.sum() <= 0):
        raise ValueError("no line length to sample points from")
    if n == 0:
        return gpd.GeoSeries([], crs=crs)
    idx = rng.choice(len(geoms), size=n, p=mass / mass.sum())
    along = rng.random(n) * length[idx]
    pts = shapely.line_interpolate_point(geoms[idx], along)
    out = gpd.GeoSeries(pts, crs=metric.crs)
    return out.to_crs(crs) if crs is not None and out.crs != crs else out
