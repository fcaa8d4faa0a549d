"""Where the demo's people live: at residential buildings, or along residential roads.

A road piece's weight per metre is its class weight (times a factor away from settlements);
positions are drawn area by area with the caller's generator.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.areas import BNG, WGS84
from geodata.buildings import sample_points_on_lines
from optimiser.demo.inputs import DemoInputs
from optimiser.demo.params import PlacementParams

PLACED_ON_BUILDING = "building"
PLACED_ON_ROAD = "road_edge"


def xy_m(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """British National Grid (x, y) [m] of lat/lon points [degrees], one row per point."""
    pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=WGS84).to_crs(BNG)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def road_weights(roads: pd.DataFrame, params: PlacementParams) -> np.ndarray:
    """Placement weight per metre of each road piece (``fclass``, ``settlement_m`` columns)."""
    w = roads["fclass"].map(params.road_class_weights).fillna(0.0).to_numpy(dtype=float)
    far = roads["settlement_m"].to_numpy(dtype=float) > params.settlement_radius_m
    return np.where(far, w * params.outside_settlement_weight, w)


def place_people(
    inputs: DemoInputs,
    people: np.ndarray,
    placement: np.ndarray,
    params: PlacementParams,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lat, lon, placement method and area code of every person, area by area."""
    lats: list[np.ndarray] = [np.zeros(0)]
    lons: list[np.ndarray] = [np.zeros(0)]
    how: list[np.ndarray] = [np.zeros(0, dtype=object)]
    codes: list[np.ndarray] = [np.zeros(0, dtype=object)]
    homes_by_area = dict(tuple(inputs.homes.groupby("area_code")))
    roads_by_area = dict(tuple(inputs.roads.groupby("area_code")))
    for code, k, method in zip(inputs.areas["area_code"], people, placement, strict=True):
        k = int(k)
        if k == 0:
            continue
        if method == PLACED_ON_BUILDING:
            homes = homes_by_area[code]
            idx = rng.choice(len(homes), size=k, replace=k > len(homes))
            lat, lon = homes.geometry.y.to_numpy()[idx], homes.geometry.x.to_numpy()[idx]
        else:
            lines = roads_by_area[code]
            w = road_weights(lines, params)
            pts = sample_points_on_lines(lines.geometry, k, rng, weights=w).to_crs(WGS84)
            lat, lon = pts.y.to_numpy(), pts.x.to_numpy()
        lats.append(lat)
        lons.append(lon)
        how.append(np.full(k, method, dtype=object))
        codes.append(np.full(k, code, dtype=object))
    return (
        np.concatenate(lats),
        np.concatenate(lons),
        np.concatenate(how),
        np.concatenate(codes),
    )
