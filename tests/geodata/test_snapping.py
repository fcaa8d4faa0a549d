"""Tests for geodata.snapping: nearest node of the nearest edge, access distances, bad points."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from geodata.errors import InputError
from geodata.network import load_network
from geodata.snapping import SnapIndex, snap_points

HUB, NORTH, SOUTH, EAST, WEST = 1, 2, 3, 4, 5
HUB_LAT, HUB_LON = 52.65, -0.70
M_PER_DEG_LAT = 111_195.0  # on OSMnx's 6,371,009 m sphere
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(HUB_LAT))


@pytest.fixture(scope="module")
def tiny(test_data: Path) -> nx.MultiDiGraph:
    """The hand-made hub-and-spokes network with ~1 km spokes (tests/data/tiny_speeds.osm)."""
    return load_network(test_data / "tiny_speeds.osm")


@pytest.fixture(scope="module")
def rutland(rutland_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    """The Rutland drive network, parsed once per test session (shared GraphML cache)."""
    return load_network(rutland_pbf, cache_dir=tmp_path_factory.getbasetemp() / "network-cache")


def test_point_beside_a_spoke_snaps_to_the_nearer_end(tiny: nx.MultiDiGraph) -> None:
    """A point 100 m east of the north spoke, 800 m up it, snaps to the north end node;
    its access distance is the straight line to that node, its road distance 100 m."""
    lat = HUB_LAT + 800 / M_PER_DEG_LAT
    lon = HUB_LON + 100 / M_PER_DEG_LON
    snapped = snap_points(tiny, ["p1"], [lat], [lon])
    assert snapped.node.tolist() == [NORTH]
    assert snapped.road_m[0] == pytest.approx(100.0, rel=0.01)
    assert snapped.access_m[0] == pytest.approx(math.hypot(100.0, 200.76), rel=0.01)


def test_point_on_a_node_has_zero_access(tiny: nx.MultiDiGraph) -> None:
    """A point exactly on the hub snaps to it with (almost) no access distance."""
    snapped = snap_points(tiny, ["hub"], [HUB_LAT], [HUB_LON])
    assert snapped.node.tolist() == [HUB]
    assert snapped.access_m[0] < 0.01


def test_ids_and_order_are_kept(tiny: nx.MultiDiGraph) -> None:
    """Output rows follow input order, whatever the ids are; take() subsets in order."""
    lats = [HUB_LAT + 0.0085, HUB_LAT - 0.0085, HUB_LAT]
    lons = [HUB_LON, HUB_LON, HUB_LON + 0.014]
    snapped = snap_points(tiny, [30, 10, 20], lats, lons)
    assert snapped.ids == (30, 10, 20)
    assert snapped.node.tolist() == [NORTH, SOUTH, EAST]
    sub = snapped.take([2, 0])
    assert sub.ids == (20, 30) and sub.node.tolist() == [EAST, NORTH]


def test_every_bad_point_is_named_at_once(tiny: nx.MultiDiGraph) -> None:
    """NaN, text, out-of-range and far-away points are all reported in one InputError, each
    with its id, row and field; good points among them do not hide the bad ones."""
    ids = ["ok", "nan-lat", "text-lon", "lat-100", "far-away", "none-lon"]
    lats = [HUB_LAT, float("nan"), HUB_LAT, 100.0, HUB_LAT + 0.1, HUB_LAT]
    lons = [HUB_LON, HUB_LON, "east", HUB_LON, HUB_LON, None]
    with pytest.raises(InputError) as info:
        snap_points(tiny, ids, lats, lons, source="homes.csv")
    problems = info.value.problems
    assert [(p.row, p.field) for p in problems] == [
        (2, "lat"),
        (3, "lon"),
        (4, "lat"),
        (5, "lat/lon"),
        (6, "lon"),
    ]
    for p, pid in zip(problems, ids[1:], strict=True):
        assert p.source == "homes.csv"
        assert repr(pid) in p.message
    assert "m from the nearest road" in problems[3].message


def test_snap_limit_is_configurable(tiny: nx.MultiDiGraph) -> None:
    """A point 300 m off the road is fine by default and an error under a 200 m limit."""
    lat, lon = HUB_LAT + 0.004, HUB_LON + 300 / M_PER_DEG_LON
    assert snap_points(tiny, ["a"], [lat], [lon]).road_m[0] == pytest.approx(300, rel=0.02)
    with pytest.raises(InputError, match=r"'a' is 30\d m from the nearest road"):
        snap_points(tiny, ["a"], [lat], [lon], max_access_m=200.0)


def test_mismatched_lengths_are_an_error(tiny: nx.MultiDiGraph) -> None:
    """ids, lats and lons of different lengths are refused."""
    with pytest.raises(InputError, match="differ in length"):
        snap_points(tiny, ["a", "b"], [HUB_LAT], [HUB_LON])


def test_no_points_is_fine(tiny: nx.MultiDiGraph) -> None:
    """An empty batch gives an empty result, not an error."""
    snapped = snap_points(tiny, [], [], [])
    assert len(snapped) == 0 and snapped.node.dtype == np.int64


def test_rutland_many_points_quickly(rutland: nx.MultiDiGraph) -> None:
    """10,000 points scattered around Rutland's road nodes all snap within the limit to nodes
    of the graph, and an index built once serves two batches with the same answer."""
    rng = np.random.default_rng(7)
    nodes = np.array(list(rutland.nodes))
    pick = rng.choice(nodes, 10_000)
    lat = np.array([rutland.nodes[n]["y"] for n in pick]) + rng.normal(0, 0.001, 10_000)
    lon = np.array([rutland.nodes[n]["x"] for n in pick]) + rng.normal(0, 0.0015, 10_000)
    index = SnapIndex.from_graph(rutland)
    snapped = snap_points(rutland, range(10_000), lat, lon, index=index)
    assert set(snapped.node.tolist()) <= set(rutland.nodes)
    assert (snapped.road_m <= 2000).all()
    assert (snapped.road_m <= snapped.access_m + 1e-6).all()
    again = snap_points(rutland, range(100), lat[:100], lon[:100], index=index)
    assert again.node.tolist() == snapped.node[:100].tolist()


def test_rutland_point_at_sea_is_refused(rutland: nx.MultiDiGraph) -> None:
    """A point in the North Sea is named as too far from any road."""
    with pytest.raises(InputError, match=r"'boat' is [\d,]+ m from the nearest road"):
        snap_points(rutland, ["boat"], [53.2], [1.5])
