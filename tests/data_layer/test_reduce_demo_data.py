"""The demo-data reduction keeps exactly what the product reads: same graph input, same homes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geodata.buildings import read_buildings, read_places, read_road_edges
from geodata.network import write_drivable_xml
from optimiser.data import reduce_demo_data as reduce

#: The demo's LSOA bbox (lon/lat), as load_demo_inputs passes it to the readers.
DEMO_BBOX = (-0.8218, 52.5247, -0.4284, 52.7598)


def _drivable_xml(src: Path, dst: Path, network_type: str = "drive") -> bytes:
    write_drivable_xml(src, dst, network_type=network_type)
    return dst.read_bytes()


def test_reduced_pbf_gives_the_network_builder_the_same_input(
    test_data: Path, tmp_path: Path
) -> None:
    """On the hand-made network (a footway and a private road among public roads): the reduced
    file drops those two ways and their own nodes, and the drivable XML the network builder
    writes from it is byte-identical to the one it writes from the original."""
    src = test_data / "tiny_speeds.osm"
    dst = tmp_path / "tiny.osm.pbf"
    counts = reduce.reduce_pbf(src, dst)
    assert (counts.ways_read, counts.ways_kept) == (9, 7)
    assert counts.nodes_kept == 9  # 11 nodes less G (footway end) and M (private road end)
    original = _drivable_xml(src, tmp_path / "a.osm")
    assert _drivable_xml(dst, tmp_path / "b.osm") == original


@pytest.fixture(scope="module")
def reduced(
    shared_path: Callable[[str, str], Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The full Rutland extracts (source folder) and a fresh reduction of them."""
    shared_path(reduce.SOURCE_PBF, "Geofabrik Rutland extract")
    source = shared_path(reduce.SOURCE_SHAPEFILES, "Geofabrik Rutland shapefiles").parents[1]
    out = tmp_path_factory.mktemp("demo-data")
    reduce.reduce_demo_data(source, out)
    return source, out


@pytest.mark.parametrize("network_type", ["drive", "drive_service"])
def test_rutland_network_input_is_unchanged(
    reduced: tuple[Path, Path], tmp_path: Path, network_type: str
) -> None:
    """For both network types the settings allow, the drivable XML from the reduced Rutland
    PBF equals the one from Geofabrik's full extract, byte for byte (so the same graph)."""
    source, out = reduced
    full = _drivable_xml(source / reduce.SOURCE_PBF, tmp_path / "a.osm", network_type)
    small = _drivable_xml(out / reduce.ROADS_PBF, tmp_path / "b.osm", network_type)
    assert small == full


def test_rutland_homes_roads_places_are_unchanged(reduced: tuple[Path, Path]) -> None:
    """The readers return equal frames (ids, order, values, exact geometry) from the reduced
    GeoPackage and from Geofabrik's zip, with and without the demo's bbox."""
    source, out = reduced
    zip_path, gpkg = source / reduce.SOURCE_SHAPEFILES, out / reduce.HOMES_GPKG
    for read, kwargs in [
        (read_buildings, {}),
        (read_buildings, {"bbox": DEMO_BBOX}),
        (read_road_edges, {"bbox": DEMO_BBOX}),
        (read_places, {}),
    ]:
        pd.testing.assert_frame_equal(read(gpkg, **kwargs), read(zip_path, **kwargs))


def test_shipped_data_is_what_the_script_makes(reduced: tuple[Path, Path], demo_data: Path) -> None:
    """data/ holds the script's output for the stored extracts: the PBF byte for byte, the
    GeoPackage layer for layer, the ONS and MHCLG files unchanged."""
    _, out = reduced
    assert (demo_data / reduce.ROADS_PBF).read_bytes() == (out / reduce.ROADS_PBF).read_bytes()
    for layer in (reduce.BUILDINGS_LAYER, reduce.ROADS_LAYER, reduce.PLACES_LAYER):
        shipped = gpd.read_file(demo_data / reduce.HOMES_GPKG, layer=layer)
        pd.testing.assert_frame_equal(shipped, gpd.read_file(out / reduce.HOMES_GPKG, layer=layer))
    for rel in reduce.COPIED:
        assert (demo_data / rel).read_bytes() == (out / rel).read_bytes(), rel
