"""Tests for geodata.travel: known times on a tiny network, agreement with networkx on Rutland,
the triangle inequality, unreachable pairs, batching and the .npz cache."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.errors import InputError
from geodata.network import load_network
from geodata.settings import MPH_TO_KPH, NetworkSettings, TravelSettings
from geodata.snapping import SnappedPoints, snap_points
from geodata.travel import NetworkArrays, node_matrix, travel_matrix

HUB, NORTH, SOUTH, EAST, WEST = 1, 2, 3, 4, 5
# Great-circle length of 0.009 degrees of latitude on OSMnx's 6,371,009 m sphere [m].
SPOKE_M = 0.009 * math.pi / 180 * 6_371_009
# Junction delays at the hub, whose best road is the trunk: a spoke of lower class arriving
# gives way (from_minor), leaving turns off (to_minor), both pay half the through delay.
_JUNCTION_S = NetworkSettings().junction_delay_s
ARRIVE_S = _JUNCTION_S["through"] / 2 + _JUNCTION_S["from_minor"]
LEAVE_S = _JUNCTION_S["through"] / 2 + _JUNCTION_S["to_minor"]
# primary tagged 30 mph, driven at the urban share 0.70 of it; north -> hub arrives
NORTH_S = SPOKE_M / (30 * MPH_TO_KPH * 0.70 / 3.6) + ARRIVE_S
# lit residential: urban default 28 km/h; hub -> south leaves
SOUTH_S = SPOKE_M / (28.0 / 3.6) + LEAVE_S
TRAVEL = TravelSettings()


@pytest.fixture(scope="module")
def tiny(test_data: Path) -> nx.MultiDiGraph:
    """The hand-made hub-and-spokes network with ~1 km spokes (tests/data/tiny_speeds.osm)."""
    return load_network(test_data / "tiny_speeds.osm")


@pytest.fixture(scope="module")
def rutland(rutland_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    """The Rutland drive network, parsed once per test session (shared GraphML cache)."""
    return load_network(rutland_pbf, cache_dir=tmp_path_factory.getbasetemp() / "network-cache")


@pytest.fixture(scope="module")
def rutland_arrays(rutland: nx.MultiDiGraph) -> NetworkArrays:
    """Rutland as csgraph arrays, built once for the module."""
    return NetworkArrays.from_graph(rutland)


@pytest.fixture(scope="module")
def rutland_points(rutland: nx.MultiDiGraph) -> SnappedPoints:
    """300 homes scattered around Rutland's road nodes, snapped (seeded)."""
    rng = np.random.default_rng(11)
    pick = rng.choice(np.array(list(rutland.nodes)), 300)
    lat = np.array([rutland.nodes[n]["y"] for n in pick]) + rng.normal(0, 0.001, 300)
    lon = np.array([rutland.nodes[n]["x"] for n in pick]) + rng.normal(0, 0.0015, 300)
    return snap_points(rutland, [f"h{i}" for i in range(300)], lat, lon)


def _at_nodes(G: nx.MultiDiGraph, nodes: list[int], prefix: str = "n") -> SnappedPoints:
    """Points placed exactly on graph nodes (zero access legs)."""
    return SnappedPoints(
        ids=tuple(f"{prefix}{n}" for n in nodes),
        node=np.array(nodes, dtype=np.int64),
        access_m=np.zeros(len(nodes)),
        road_m=np.zeros(len(nodes)),
    )


# ---------------------------------------------------------------------------- known answers


def test_tiny_network_times_are_known(tiny: nx.MultiDiGraph) -> None:
    """North -> south goes through the hub: 1 km at 0.7 x 30 mph, the hub's junction delays,
    then 1 km at 28 km/h; south -> north pays the same delays the other way round."""
    seconds = node_matrix(tiny, [NORTH, SOUTH], [SOUTH, HUB, NORTH])
    assert seconds[0, 0] == pytest.approx(NORTH_S + SOUTH_S, rel=1e-9)
    assert seconds[0, 1] == pytest.approx(NORTH_S, rel=1e-9)
    assert seconds[1, 2] == pytest.approx(SOUTH_S + NORTH_S, rel=1e-9)
    assert seconds[0, 2] == 0.0


def test_tiny_door_to_door_minutes_and_km(tiny: nx.MultiDiGraph) -> None:
    """minutes = network time + the destination's kerb-to-door minutes (no access legs for
    points on nodes); km is the road distance along the route."""
    origins = _at_nodes(tiny, [NORTH])
    dests = _at_nodes(tiny, [SOUTH, HUB])
    kerb = np.array(TRAVEL.kerb_min(["bed", "lunch"]))
    matrix = travel_matrix(tiny, origins, dests, settings=TRAVEL, dest_kerb_min=kerb)
    assert matrix.minutes.dtype == np.float32 and matrix.km.dtype == np.float32
    assert matrix.minutes[0, 0] == pytest.approx((NORTH_S + SOUTH_S) / 60 + 3.0, rel=1e-5)
    assert matrix.minutes[0, 1] == pytest.approx(NORTH_S / 60 + 2.0, rel=1e-5)
    # lengths are summed in whole decimetres per arc (see geodata.travel): within 0.1 m per arc
    assert matrix.km[0, 0] == pytest.approx(2 * SPOKE_M / 1000, abs=2e-4)
    assert matrix.unreachable == ()
    assert matrix.origin_ids == ("n2",) and matrix.destination_ids == ("n3", "n1")


def test_access_legs_are_added_at_access_speed(tiny: nx.MultiDiGraph) -> None:
    """A home 150 m from its snapped node adds 150 m at 20 km/h (27 s) and 0.15 km."""
    origins = _at_nodes(tiny, [NORTH])
    home = SnappedPoints(("home",), np.array([SOUTH]), np.array([150.0]), np.array([150.0]))
    matrix = travel_matrix(tiny, origins, home, settings=TRAVEL, dest_kerb_min=[0.0])
    assert matrix.minutes[0, 0] == pytest.approx((NORTH_S + SOUTH_S + 27.0) / 60, rel=1e-5)
    assert matrix.km[0, 0] == pytest.approx((2 * SPOKE_M + 150) / 1000, abs=2e-4)


def test_square_matrix_has_zero_diagonal(tiny: nx.MultiDiGraph) -> None:
    """Without destinations the matrix is points x points, zero on the diagonal (no trip),
    and the default kerb allowance applies to every other cell."""
    points = _at_nodes(tiny, [NORTH, SOUTH, EAST])
    matrix = travel_matrix(tiny, points, settings=TRAVEL)
    assert matrix.shape == (3, 3)
    assert np.diag(matrix.minutes).tolist() == [0.0, 0.0, 0.0]
    assert matrix.minutes[0, 1] == pytest.approx(
        (NORTH_S + SOUTH_S) / 60 + TRAVEL.kerb_to_door_default_min, rel=1e-5
    )
    assert matrix.minutes_int()[0, 1] == round((NORTH_S + SOUTH_S) / 60 + 2.0)


# ---------------------------------------------------------------------------- bad inputs


def test_unreachable_pairs_are_reported_not_infinite() -> None:
    """On a graph with a one-way link only, the way back is NaN and listed; solvers asking for
    integer minutes get an InputError naming the pair instead of a huge number."""
    G = nx.MultiDiGraph()
    G.add_node(1, x=0.0, y=52.0)
    G.add_node(2, x=0.01, y=52.0)
    G.add_edge(1, 2, travel_time=60.0, length=1000.0)
    points = _at_nodes(G, [1, 2], prefix="p")
    matrix = travel_matrix(G, points, points.take([1, 0]), settings=TRAVEL, dest_kerb_min=[0, 0])
    assert matrix.minutes[0, 0] == pytest.approx(1.0)
    assert math.isnan(matrix.minutes[1, 1]) and math.isnan(matrix.km[1, 1])
    assert matrix.unreachable == (("p2", "p1"),)
    assert np.isinf(node_matrix(G, [2], [1])).all()
    with pytest.raises(InputError, match="no route from 'p2' to 'p1'"):
        matrix.minutes_int()


def test_bad_kerb_min_are_refused(tiny: nx.MultiDiGraph) -> None:
    """Kerb minutes of the wrong length, negative or NaN are input errors naming the row."""
    points = _at_nodes(tiny, [NORTH, SOUTH])
    with pytest.raises(InputError, match="shape"):
        travel_matrix(tiny, points, settings=TRAVEL, dest_kerb_min=[1.0])
    with pytest.raises(InputError) as info:
        travel_matrix(tiny, points, settings=TRAVEL, dest_kerb_min=[-1.0, float("nan")])
    assert [p.row for p in info.value.problems] == [1, 2]


def test_nodes_outside_the_graph_are_named(tiny: nx.MultiDiGraph) -> None:
    """A node id that is not in the graph (e.g. snapped on another network) is an error."""
    with pytest.raises(InputError, match="node 999 is not in the graph"):
        node_matrix(tiny, [NORTH], [999])


# ---------------------------------------------------------------------------- real data


def test_rutland_matrix_equals_networkx(
    rutland: nx.MultiDiGraph, rutland_arrays: NetworkArrays, rutland_points: SnappedPoints
) -> None:
    """For 25 sampled pairs the matrix's network seconds equal networkx's Dijkstra."""
    seconds = node_matrix(rutland_arrays, rutland_points.node, rutland_points.node)
    rng = np.random.default_rng(3)
    for i, j in rng.integers(0, len(rutland_points), size=(25, 2)).tolist():
        a, b = int(rutland_points.node[i]), int(rutland_points.node[j])
        expected = nx.shortest_path_length(rutland, a, b, weight="travel_time")
        assert seconds[i, j] == pytest.approx(expected, abs=1e-6)


def test_rutland_km_follows_the_fastest_path(
    rutland: nx.MultiDiGraph, rutland_arrays: NetworkArrays, rutland_points: SnappedPoints
) -> None:
    """km is the length of networkx's fastest path (plus the access legs) for sampled pairs."""
    origins, dests = rutland_points.take(range(8)), rutland_points.take(range(8, 16))
    matrix = travel_matrix(rutland_arrays, origins, dests, settings=TRAVEL)
    for i in range(8):
        for j in range(8):
            a, b = int(origins.node[i]), int(dests.node[j])
            path = nx.shortest_path(rutland, a, b, weight="travel_time")
            metres = sum(
                min(rutland[u][v].values(), key=lambda d: d["travel_time"])["length"]
                for u, v in itertools.pairwise(path)
            )
            metres += origins.access_m[i] + dests.access_m[j]
            assert matrix.km[i, j] * 1000 == pytest.approx(metres, rel=1e-4, abs=0.5)


def test_rutland_search_direction_and_batching_agree(
    rutland_arrays: NetworkArrays, rutland_points: SnappedPoints
) -> None:
    """Many-to-few (searched backwards from the targets), few-to-many and one-source batches
    all give the same minutes and km."""
    many, few = rutland_points.take(range(60)), rutland_points.take(range(60, 65))
    full = travel_matrix(rutland_arrays, many, rutland_points, settings=TRAVEL)
    backwards = travel_matrix(rutland_arrays, many, few, settings=TRAVEL)
    tiny_batches = TravelSettings(chunk_mib=0.01)
    batched = travel_matrix(rutland_arrays, many, few, settings=tiny_batches)
    np.testing.assert_allclose(backwards.minutes, full.minutes[:, 60:65], rtol=1e-5)
    np.testing.assert_allclose(backwards.km, full.km[:, 60:65], rtol=1e-4)
    np.testing.assert_allclose(batched.minutes, backwards.minutes, rtol=1e-6)
    np.testing.assert_allclose(batched.km, backwards.km, rtol=1e-5)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=0, max_value=299), min_size=3, max_size=3, unique=True))
def test_rutland_triangle_inequality(
    rutland_arrays: NetworkArrays, rutland_points: SnappedPoints, trio: list[int]
) -> None:
    """Going from a to c directly is never slower than via b, for network seconds and for
    door-to-door minutes (access legs and kerb time only add to the detour)."""
    points = rutland_points.take(trio)
    seconds = node_matrix(rutland_arrays, points.node, points.node)
    assert seconds[0, 2] <= seconds[0, 1] + seconds[1, 2] + 1e-6
    minutes = travel_matrix(rutland_arrays, points, settings=TRAVEL).minutes
    assert minutes[0, 2] <= minutes[0, 1] + minutes[1, 2] + 1e-3


def test_matrix_cache_is_npz_and_reused(
    rutland_arrays: NetworkArrays, rutland_points: SnappedPoints, tmp_path: Path
) -> None:
    """The first call writes one .npz (no pickles); the second returns the same numbers; other
    settings get another file."""
    points = rutland_points.take(range(40))
    first = travel_matrix(rutland_arrays, points, settings=TRAVEL, cache_dir=tmp_path)
    files = list(tmp_path.iterdir())
    assert [f.suffix for f in files] == [".npz"]
    with np.load(files[0], allow_pickle=False) as data:
        assert set(data.files) == {"minutes", "km"}
    second = travel_matrix(rutland_arrays, points, settings=TRAVEL, cache_dir=tmp_path)
    np.testing.assert_array_equal(first.minutes, second.minutes)
    np.testing.assert_array_equal(first.km, second.km)
    assert second.origin_ids == first.origin_ids
    travel_matrix(
        rutland_arrays, points, settings=TravelSettings(access_speed_kph=10), cache_dir=tmp_path
    )
    assert len(list(tmp_path.iterdir())) == 2


def test_bench_matrix_runs_and_ends_with_result(
    rutland_pbf: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """benchmarks/bench_matrix.py runs from the repo root on a small case, agrees with networkx
    and ends with one machine-readable RESULT line."""
    repo = Path(__file__).resolve().parents[2]
    cache = tmp_path_factory.getbasetemp() / "network-cache"
    done = subprocess.run(
        [
            sys.executable,
            "benchmarks/bench_matrix.py",
            "--network",
            str(rutland_pbf),
            "--points",
            "60",
            "--sample",
            "10",
            "--cache-dir",
            str(cache),
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("RESULT points=60 matrix_s=")
    fields = dict(item.split("=") for item in last.split()[1:])
    assert set(fields) == {
        "points",
        "matrix_s",
        "speedup_vs_networkx",
        "max_abs_diff_s",
        "peak_mib",
    }
    assert float(fields["max_abs_diff_s"]) <= 0.1
