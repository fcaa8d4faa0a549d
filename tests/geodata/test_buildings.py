"""Tests for geodata.buildings: home points, road edges, places and sampling along lines."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from geodata.buildings import (
    RESIDENTIAL_TYPES,
    read_buildings,
    read_places,
    read_road_edges,
    sample_points_on_lines,
)
from geodata.errors import InputError


def _two_lines() -> gpd.GeoSeries:
    """A 1 km and a 3 km straight line in British National Grid metres, far apart."""
    return gpd.GeoSeries(
        [
            LineString([(480_000, 300_000), (481_000, 300_000)]),
            LineString([(480_000, 310_000), (483_000, 310_000)]),
        ],
        crs="EPSG:27700",
    )


def test_sample_points_lie_on_the_lines() -> None:
    """Every sampled point sits on one of the lines (to a millimetre)."""
    lines = _two_lines()
    pts = sample_points_on_lines(lines, 200, np.random.default_rng(1))
    pt_arr = np.asarray(pts.values, dtype=object)
    line_arr = np.asarray(lines.values, dtype=object)
    dist = shapely.distance(pt_arr[:, None], line_arr[None, :]).min(axis=1)
    assert dist.max() < 1e-3
    assert pts.crs == lines.crs


def test_sample_points_uniform_by_length() -> None:
    """A line three times longer gets three times the points (within sampling noise)."""
    pts = sample_points_on_lines(_two_lines(), 8_000, np.random.default_rng(2))
    share_long = float((pts.y > 305_000).mean())
    assert share_long == pytest.approx(0.75, abs=0.02)


def test_sample_points_weights_and_crs_round_trip() -> None:
    """Zero weight excludes a line; geographic input is sampled in metres and returned in kind."""
    lines = _two_lines().to_crs("EPSG:4326")
    pts = sample_points_on_lines(lines, 100, np.random.default_rng(3), weights=[1.0, 0.0])
    assert pts.crs.to_epsg() == 4326
    back = pts.to_crs("EPSG:27700")
    assert (back.y < 305_000).all()


def test_sample_points_deterministic_and_edge_cases() -> None:
    """The same seed gives the same points; n = 0 gives none; nothing to sample raises."""
    lines = _two_lines()
    a = sample_points_on_lines(lines, 20, np.random.default_rng(4))
    b = sample_points_on_lines(lines, 20, np.random.default_rng(4))
    assert all(p.equals(q) for p, q in zip(a, b, strict=True))
    assert len(sample_points_on_lines(lines, 0, np.random.default_rng(4))) == 0
    with pytest.raises(ValueError, match="no line length"):
        sample_points_on_lines(lines.iloc[:0], 3, np.random.default_rng(4))


def test_missing_archive_is_an_input_error(tmp_path: Path) -> None:
    """A missing shapefile zip is reported by path, not as a low-level GDAL error."""
    with pytest.raises(InputError, match="file not found"):
        read_buildings(tmp_path / "nowhere.shp.zip")


# ---- The real Rutland layers (shipped GeoPackage, reduced from Geofabrik's shapefiles) --------


@pytest.fixture(scope="module")
def rutland_zip(demo_data: Path) -> Path:
    """Geofabrik's layers for Rutland (home buildings, residential roads, places), as shipped."""
    return demo_data / "osm" / "rutland-homes.gpkg"


def test_read_buildings_keeps_homes_only(rutland_zip: Path) -> None:
    """Industrial, church, garage... outlines are dropped; houses and untyped outlines kept."""
    homes = read_buildings(rutland_zip)
    assert 2_500 < len(homes) < 4_558  # 4,558 outlines in all, many not homes
    assert set(homes.building) <= set(RESIDENTIAL_TYPES) | {""}
    assert {"house", ""} <= set(homes.building)
    assert (homes.geometry.geom_type == "Point").all()
    assert homes.crs.to_epsg() == 4326
    untyped = homes[homes.building == ""]
    assert untyped.footprint_m2.between(30, 600).all()


def test_read_buildings_bbox_limits_the_read(rutland_zip: Path) -> None:
    """A bounding box around Uppingham keeps only homes inside it."""
    bbox = (-0.75, 52.575, -0.70, 52.60)
    homes = read_buildings(rutland_zip, bbox=bbox)
    assert len(homes) > 100
    assert homes.geometry.x.between(bbox[0], bbox[2]).all()


def test_read_road_edges_filters_classes(rutland_zip: Path) -> None:
    """Only residential street classes are read by default, with lengths in metres."""
    roads = read_road_edges(rutland_zip)
    assert set(roads.fclass) <= {"residential", "unclassified", "living_street"}
    assert len(roads) > 1_000
    assert (roads.length_m > 0).all()
    lanes = read_road_edges(rutland_zip, classes=("unclassified",))
    assert set(lanes.fclass) == {"unclassified"} and len(lanes) < len(roads)


def test_read_places_finds_the_two_towns(rutland_zip: Path) -> None:
    """Rutland has two towns (Oakham, Uppingham) and 52 villages in the places layer."""
    places = read_places(rutland_zip)
    towns = places[places.fclass == "town"]
    assert sorted(towns.name) == ["Oakham", "Uppingham"]
    assert (places.fclass == "village").sum() == 52
    assert list(places.fclass[:2]) == ["town", "town"]
