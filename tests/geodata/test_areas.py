"""Tests for geodata.areas: reading small areas, zone polygons, partition checks, point lookup."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geodata.areas import (
    BNG,
    area_of_points,
    areal_weights,
    check_partition,
    read_areas,
    zone_of_areas,
    zone_polygons,
)
from geodata.errors import InputError

# Four 0.01-degree squares near Oakham in a 2 x 2 grid: A B (south row), C D (north row).
X0, Y0, STEP = -0.74, 52.66, 0.01


def _grid() -> gpd.GeoDataFrame:
    cells = {
        "A": box(X0, Y0, X0 + STEP, Y0 + STEP),
        "B": box(X0 + STEP, Y0, X0 + 2 * STEP, Y0 + STEP),
        "C": box(X0, Y0 + STEP, X0 + STEP, Y0 + 2 * STEP),
        "D": box(X0 + STEP, Y0 + STEP, X0 + 2 * STEP, Y0 + 2 * STEP),
    }
    return gpd.GeoDataFrame(
        {"area_code": list(cells), "area_name": [f"cell {c}" for c in cells]},
        geometry=list(cells.values()),
        crs="EPSG:4326",
    )


def _write_geojson(path: Path, rows: list[tuple[str, str, object]]) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": {"CODE": code, "NAME": name},
            "geometry": shapely.geometry.mapping(geom),
        }
        for code, name, geom in rows
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_read_areas_renames_and_sorts(tmp_path: Path) -> None:
    """Areas come back as area_code/area_name/geometry in EPSG:4326, sorted by code."""
    grid = _grid()
    rows = [
        (c, n, g) for c, n, g in zip(grid.area_code, grid.area_name, grid.geometry, strict=True)
    ]
    path = _write_geojson(tmp_path / "areas.geojson", rows[::-1])
    areas = read_areas(path, code_field="CODE", name_field="NAME")
    assert list(areas.columns) == ["area_code", "area_name", "geometry"]
    assert list(areas.area_code) == ["A", "B", "C", "D"]
    assert areas.crs.to_epsg() == 4326


def test_read_areas_reports_every_problem(tmp_path: Path) -> None:
    """A repeated code and a missing name field are both named, by field, in one error."""
    grid = _grid()
    rows = [("A", "a", grid.geometry[0]), ("A", "b", grid.geometry[1])]
    path = _write_geojson(tmp_path / "dup.geojson", rows)
    with pytest.raises(InputError) as err:
        read_areas(path, code_field="CODE", name_field="NAME")
    assert "'A' appears twice" in str(err.value)
    with pytest.raises(InputError) as err:
        read_areas(path, code_field="CODE", name_field="MISSING")
    assert "MISSING" in str(err.value)


def test_zone_polygons_are_unions_of_areas() -> None:
    """Each zone polygon is the union of its member areas (areas add up, one polygon each)."""
    grid = _grid()
    zones = zone_polygons({"south": ["A", "B"], "north": ["C", "D"]}, grid)
    assert list(zones.zone_id) == ["south", "north"]
    assert list(zones.n_areas) == [2, 2]
    metric = zones.to_crs(BNG)
    cells = grid.to_crs(BNG).set_index("area_code").geometry.area
    assert metric.area.iloc[0] == pytest.approx(cells["A"] + cells["B"], rel=1e-6)
    assert all(g.geom_type == "Polygon" and g.is_valid for g in zones.geometry)


def test_zone_polygons_accept_a_table() -> None:
    """A zone-to-area table (one row per area) gives the same polygons as a mapping."""
    grid = _grid()
    table = pd.DataFrame({"zone_id": ["z1", "z1", "z2", "z2"], "area_code": ["A", "C", "B", "D"]})
    from_table = zone_polygons(table, grid)
    from_map = zone_polygons({"z1": ["A", "C"], "z2": ["B", "D"]}, grid)
    for a, b in zip(from_table.geometry, from_map.geometry, strict=True):
        assert a.equals(b)


def test_zone_polygons_reject_unknown_codes() -> None:
    """A code that is not among the areas is an input error naming the zone and code."""
    with pytest.raises(InputError, match="unknown area code 'Z'"):
        zone_polygons({"z": ["A", "Z"]}, _grid())


def test_check_partition_accepts_a_partition() -> None:
    """Zones that hold every area exactly once, without overlap, pass with no problems."""
    assert check_partition({"w": ["A", "C"], "e": ["B", "D"]}, _grid()) == []


@pytest.mark.parametrize(
    ("zones", "expected"),
    [
        ({"w": ["A", "C"], "e": ["B"]}, "'D' is in no zone"),  # an area left out
        ({"w": ["A", "C", "B"], "e": ["B", "D"]}, "'B' is in zones"),  # an area twice
        ({"w": ["A", "C", "X"], "e": ["B", "D"]}, "unknown area 'X'"),  # a typo
    ],
)
def test_check_partition_names_membership_problems(zones: dict, expected: str) -> None:
    """Areas in no zone, in two zones, or unknown are each reported by code."""
    problems = check_partition(zones, _grid())
    assert any(expected in p.message for p in problems)


def test_check_partition_names_overlapping_polygons() -> None:
    """Areas whose polygons overlap (bad boundaries) make their zones overlap: reported."""
    grid = _grid()
    grid.loc[grid.area_code == "B", "geometry"] = box(X0 + STEP / 2, Y0, X0 + 2 * STEP, Y0 + STEP)
    problems = check_partition({"w": ["A", "C"], "e": ["B", "D"]}, grid)
    assert len(problems) == 1
    assert "'w' and 'e' overlap" in problems[0].message


def test_area_of_point_vectorised() -> None:
    """Points get the code of the area containing them, or None outside every area."""
    lats = [Y0 + 0.005, Y0 + 0.015, Y0 + 0.5]
    lons = [X0 + 0.005, X0 + 0.015, X0]
    assert list(area_of_points(lats, lons, _grid())) == ["A", "D", None]


def test_area_of_points_boundary_and_tolerance() -> None:
    """A point on a shared edge gets one code (the first area); a point 20 m outside the grid
    takes the nearest area within the tolerance, and one 2 km out gets None."""
    grid = _grid()
    m_per_deg_lat = 111_200.0
    lats = [Y0 + 0.005, Y0 - 20 / m_per_deg_lat, Y0 - 2000 / m_per_deg_lat]
    lons = [X0 + STEP, X0 + 0.005, X0 + 0.005]  # first point on the A|B edge
    assert list(area_of_points(lats, lons, grid)) == ["A", "A", None]
    assert list(area_of_points(lats, lons, grid, tolerance_m=0.0)) == ["A", None, None]


def test_zone_of_areas_takes_the_majority_zone() -> None:
    """Hand-drawn zone polygons: an area goes to the zone covering most of it, an area no zone
    covers by a majority goes to None."""
    grid = _grid()
    # west zone covers A, C and 60% of B and D; east zone covers the other 40% of B only.
    zones = gpd.GeoDataFrame(
        {"zone_id": ["west", "east"]},
        geometry=[
            box(X0, Y0, X0 + 1.6 * STEP, Y0 + 2 * STEP),
            box(X0 + 1.6 * STEP, Y0, X0 + 2 * STEP, Y0 + STEP),
        ],
        crs="EPSG:4326",
    )
    assert zone_of_areas(zones, grid) == {"A": "west", "B": "west", "C": "west", "D": "west"}
    half = zones.copy()
    half.loc[0, "geometry"] = box(X0, Y0, X0 + 1.3 * STEP, Y0 + 2 * STEP)
    assert zone_of_areas(half, grid) == {"A": "west", "B": None, "C": "west", "D": None}


def test_areal_weights_split_shares() -> None:
    """A target covering two source areas gets half its weight from each."""
    grid = _grid()
    target = gpd.GeoDataFrame(
        {"area_code": ["T"]}, geometry=[box(X0, Y0, X0 + 2 * STEP, Y0 + STEP)], crs="EPSG:4326"
    )
    w = areal_weights(grid, target)
    assert list(w.source_code) == ["A", "B"]
    assert w.share.sum() == pytest.approx(1.0)
    assert w.share.iloc[0] == pytest.approx(0.5, abs=0.01)


# ---- The real demo zones on Rutland's LSOAs -------------------------------------------------

ZONES_CSV = Path(__file__).resolve().parents[2] / "configs" / "zones_rutland.csv"


@pytest.fixture(scope="module")
def rutland_lsoas(demo_data: Path) -> gpd.GeoDataFrame:
    """Rutland's 26 LSOAs (2021), the building blocks of the demo zones."""
    path = demo_data / "geo" / "rutland" / "rutland_lsoa2021_E06000017.geojson"
    return read_areas(path, code_field="LSOA21CD", name_field="LSOA21NM")


def test_rutland_zone_table_lists_every_lsoa_once(rutland_lsoas: gpd.GeoDataFrame) -> None:
    """The zone table has one row per LSOA: every LSOA in exactly one zone, none unknown."""
    table = pd.read_csv(ZONES_CSV, dtype=str)
    assert table.area_code.is_unique
    assert set(table.area_code) == set(rutland_lsoas.area_code)
    assert len(table) == 26


def test_rutland_zones_partition_the_county(rutland_lsoas: gpd.GeoDataFrame) -> None:
    """The zone polygons cover the county, with no overlaps or gaps (beyond 1,000 m² noise)."""
    table = pd.read_csv(ZONES_CSV, dtype=str)
    assert check_partition(table, rutland_lsoas) == []
    zones = zone_polygons(table, rutland_lsoas).to_crs(BNG)
    county = shapely.union_all(rutland_lsoas.to_crs(BNG).geometry.values)
    covered = shapely.union_all(zones.geometry.values)
    assert county.symmetric_difference(covered).area < 1_000.0
    assert zones.area.sum() == pytest.approx(county.area, rel=1e-4)


def test_rutland_zones_are_contiguous(rutland_lsoas: gpd.GeoDataFrame) -> None:
    """Each demo zone is one piece (councils draw zones as contiguous patches)."""
    zones = zone_polygons(pd.read_csv(ZONES_CSV, dtype=str), rutland_lsoas)
    assert all(g.geom_type == "Polygon" for g in zones.geometry)
