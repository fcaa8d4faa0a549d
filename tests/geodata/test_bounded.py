"""Tests for geodata.bounded: nearest homes and home blocks by searches with a cut-off equal a
full scipy Dijkstra, the cut-off is honoured, and memory per batch stays within its bound."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

import geodata.bounded as bounded
from geodata.bounded import HomeBlocks, nearest_home
from geodata.network import load_network
from geodata.settings import TravelSettings
from geodata.snapping import SnappedPoints, snap_points
from geodata.travel import NetworkArrays, travel_matrix

TRAVEL = TravelSettings()


@pytest.fixture(scope="module")
def rutland(rutland_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    """The Rutland drive network, parsed once per test session (shared GraphML cache)."""
    return load_network(rutland_pbf, cache_dir=tmp_path_factory.getbasetemp() / "network-cache")


@pytest.fixture(scope="module")
def arrays(rutland: nx.MultiDiGraph) -> NetworkArrays:
    """Rutland as csgraph arrays."""
    return NetworkArrays.from_graph(rutland)


@pytest.fixture(scope="module")
def homes(rutland: nx.MultiDiGraph) -> SnappedPoints:
    """250 homes around random road nodes (seeded), some sharing a node: interesting because
    rural homes have far neighbours (the cut-off hides them) and shared nodes give zero legs."""
    rng = np.random.default_rng(5)
    pick = rng.choice(np.array(list(rutland.nodes)), 250)
    pick[1] = pick[0]  # two homes on one node
    lat = np.array([rutland.nodes[n]["y"] for n in pick]) + rng.normal(0, 0.001, 250)
    lon = np.array([rutland.nodes[n]["x"] for n in pick]) + rng.normal(0, 0.0015, 250)
    return snap_points(rutland, [f"h{i}" for i in range(250)], lat, lon)


@pytest.fixture(scope="module")
def kerb(homes: SnappedPoints) -> np.ndarray:
    """Kerb-to-door minutes per home, varied (1-4 min) so the destination term matters."""
    return 1.0 + (np.arange(len(homes)) % 4).astype(float)


def _full_door(
    arrays: NetworkArrays, homes: SnappedPoints, kerb: np.ndarray, i: int
) -> tuple[np.ndarray, np.ndarray]:
    """Door-to-door minutes and km from home ``i`` to every home by one unbounded scipy
    Dijkstra on the time-then-length weights (the oracle)."""
    pos = arrays.positions(homes.node)
    total = dijkstra(arrays.time_length, directed=True, indices=[pos[i]])[0, pos]
    units_t = np.floor(total / 2**24)
    sec = units_t * 1e-4
    metres = (total - units_t * 2**24) * 0.1
    access = homes.access_m[i] + homes.access_m
    minutes = (sec + access / (TRAVEL.access_speed_kph / 3.6)) / 60 + kerb
    return minutes, (metres + access) / 1000


# cut-offs: tiny (nearly every home searched again unbounded), the product's, none binding
@pytest.mark.parametrize("cutoff_min", [0.5, 20.0, 600.0])
def test_nearest_home_equals_full_dijkstra(arrays, homes, kerb, cutoff_min) -> None:
    """Each home's nearest other home [min] and [km] equals the minimum over a full Dijkstra
    from it, whatever the cut-off: homes the cut-off could hide are searched again."""
    near_min, near_km = nearest_home(
        arrays, homes, settings=TRAVEL, kerb_min=kerb, cutoff_min=cutoff_min
    )
    for i in range(0, len(homes), 7):  # a sample of homes, the full oracle for each
        minutes, km = _full_door(arrays, homes, kerb, i)
        minutes[i] = km[i] = np.inf
        assert near_min[i] == pytest.approx(np.nanmin(minutes), abs=1e-6)
        assert near_km[i] == pytest.approx(np.nanmin(km), abs=1e-6)


def test_nearest_home_equals_the_dense_matrix_row_minima(arrays, homes, kerb) -> None:
    """The bounded nearest homes equal the dense matrix's row minima off the diagonal (what
    the travel estimate used before), to float32 rounding."""
    dense = travel_matrix(arrays, homes, None, settings=TRAVEL, dest_kerb_min=kerb)
    near_min, near_km = nearest_home(arrays, homes, settings=TRAVEL, kerb_min=kerb)
    for got, matrix in ((near_min, dense.minutes), (near_km, dense.km)):
        m = matrix.astype(float)
        np.fill_diagonal(m, np.inf)
        np.testing.assert_allclose(got, np.nanmin(m, axis=1), rtol=1e-5, atol=1e-4)


def test_blocks_are_exact_within_the_cutoff_and_nan_beyond(arrays, homes, kerb) -> None:
    """A home block equals the full Dijkstra on every pair within the cut-off and is NaN on
    every pair beyond it (the cut-off is honoured, never silently stretched)."""
    cutoff_min = 8.0
    blocks = HomeBlocks(arrays, homes, kerb, TRAVEL, cutoff_min)
    idx = np.arange(0, len(homes), 5)
    minutes, km = blocks(idx)
    assert np.all(np.diag(minutes) == 0) and np.all(np.diag(km) == 0)
    pos = arrays.positions(homes.node)
    net_s = dijkstra(arrays.time_s, directed=True, indices=pos[idx])[:, pos[idx]]
    beyond = net_s > cutoff_min * 60 + 1e-3
    within = net_s < cutoff_min * 60 - 1e-3
    np.fill_diagonal(beyond, False)
    assert beyond.any() and within.any()  # both cases occur on this sample
    assert np.isnan(minutes[beyond]).all() and np.isnan(km[beyond]).all()
    for r, i in enumerate(idx.tolist()):
        full_min, full_km = _full_door(arrays, homes, kerb, i)
        ok = within[r] & (idx != i)
        np.testing.assert_allclose(minutes[r, ok], full_min[idx][ok], atol=1e-6)
        np.testing.assert_allclose(km[r, ok], full_km[idx][ok], atol=1e-6)


def test_memory_per_batch_stays_within_chunk_mib(arrays, homes, kerb, monkeypatch) -> None:
    """With a small ``chunk_mib`` the searches run in many batches, each holding at most that
    much (sources x (nodes + 2 x homes) cells of 32 bytes), and the answer does not change."""
    small = dataclasses.replace(TRAVEL, chunk_mib=0.25)
    cells: list[int] = []
    real = bounded._shortest

    def spy(arrays_, src, dst, **kw):
        cells.append(len(src))
        return real(arrays_, src, dst, **kw)

    monkeypatch.setattr(bounded, "_shortest", spy)
    got = nearest_home(arrays, homes, settings=small, kerb_min=kerb)
    monkeypatch.setattr(bounded, "_shortest", real)
    want = nearest_home(arrays, homes, settings=TRAVEL, kerb_min=kerb)
    per_source = (len(arrays.node_ids) + 2 * len(homes)) * 32
    assert len(cells) > 3
    assert max(cells) * per_source <= 0.25 * 2**20
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
