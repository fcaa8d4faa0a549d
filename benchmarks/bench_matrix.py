"""Benchmark: travel-time matrices (scipy csgraph) against per-pair networkx Dijkstra.

For each point count, random homes are placed near random road nodes of the network (seeded),
snapped, and the M x M matrix is timed two ways: the network part alone (``node_matrix``,
node to node, as networkx computes it) and the full door-to-door ``travel_matrix`` (access
legs, kerb minutes and km along the fastest path too). networkx's
``shortest_path_length(weight="travel_time")`` is timed on a sample of pairs and extrapolated
per pair to all M x M pairs; the speed-up is that estimate over the full ``travel_matrix``
time (the conservative choice). The two must agree to 0.1 s on the sample.

Run from the repo root:  python benchmarks/bench_matrix.py [--network PATH] [--points N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import networkx as nx
import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from geodata.network import OSM_ATTRIBUTION, load_network, network_summary  # noqa: E402
from geodata.settings import TravelSettings  # noqa: E402
from geodata.snapping import SnapIndex, SnappedPoints, snap_points  # noqa: E402
from geodata.travel import NetworkArrays, node_matrix, travel_matrix  # noqa: E402
from optimiser.data import locations  # noqa: E402

AGREE_S = 0.1


def default_network() -> Path:
    """The demo's Rutland road network ($HOMECARE_DATA_DIR, else the shipped data/)."""
    return locations.data_file(locations.DEMO_NETWORK, what="demo road network")


def random_homes(
    G: nx.MultiDiGraph, n: int, rng: np.random.Generator, index: SnapIndex
) -> SnappedPoints:
    """``n`` points near random road nodes (about 100 m of jitter), snapped to the network."""
    nodes = np.array(list(G.nodes))
    pick = rng.choice(nodes, n)
    lat = np.array([G.nodes[v]["y"] for v in pick]) + rng.normal(0.0, 0.0009, n)
    lon = np.array([G.nodes[v]["x"] for v in pick]) + rng.normal(0.0, 0.0015, n)
    return snap_points(G, [f"home{i}" for i in range(n)], lat, lon, index=index)


def peak_rss_mib() -> float:
    """The process's peak resident memory so far [MiB] (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_one(
    G: nx.MultiDiGraph,
    arrays: NetworkArrays,
    index: SnapIndex,
    n: int,
    *,
    sample: int,
    seed: int,
    travel: TravelSettings,
) -> dict[str, float]:
    """Time one point count; return the figures for the table and the RESULT line."""
    rng = np.random.default_rng(seed + n)
    homes = random_homes(G, n, rng, index)
    unique_nodes = len(np.unique(homes.node))

    start = time.perf_counter()
    seconds = node_matrix(arrays, homes.node, homes.node, chunk_mib=travel.chunk_mib)
    network_s = time.perf_counter() - start

    start = time.perf_counter()
    matrix = travel_matrix(arrays, homes, settings=travel)
    matrix_s = time.perf_counter() - start

    tracemalloc.start()
    travel_matrix(arrays, homes, settings=travel)
    traced_peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    pairs = rng.integers(0, n, size=(sample, 2))
    start = time.perf_counter()
    reference = [
        nx.shortest_path_length(G, int(homes.node[i]), int(homes.node[j]), weight="travel_time")
        for i, j in pairs.tolist()
    ]
    nx_s = time.perf_counter() - start
    nx_per_pair_s = nx_s / sample
    nx_all_s = nx_per_pair_s * n * n
    ours = seconds[pairs[:, 0], pairs[:, 1]]
    max_abs_diff_s = float(np.max(np.abs(ours - np.asarray(reference))))
    # the door-to-door matrix against the exact network time + access legs + kerb allowance
    off = pairs[pairs[:, 0] != pairs[:, 1]]
    i, j = off[:, 0], off[:, 1]
    access_s = (homes.access_m[i] + homes.access_m[j]) / (travel.access_speed_kph / 3.6)
    expected_min = (seconds[i, j] + access_s) / 60 + travel.kerb_to_door_default_min
    door_diff_s = float(np.max(np.abs(matrix.minutes[i, j] - expected_min)) * 60)
    return {
        "points": n,
        "unique_nodes": unique_nodes,
        "network_s": network_s,
        "matrix_s": matrix_s,
        "nx_per_pair_ms": nx_per_pair_s * 1000,
        "nx_all_s": nx_all_s,
        "speedup": nx_all_s / matrix_s,
        "speedup_network": nx_all_s / network_s,
        "max_abs_diff_s": max_abs_diff_s,
        "door_diff_s": door_diff_s,
        "traced_peak_mib": traced_peak_mib,
        "peak_mib": peak_rss_mib(),
        "unreachable": len(matrix.unreachable),
        "mean_min": float(np.nanmean(matrix.minutes)),
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run each point count, print a table and the RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", type=Path, default=None, help="OSM extract or GraphML")
    parser.add_argument(
        "--points", type=int, action="append", help="point count (repeatable; default 500, 2000)"
    )
    parser.add_argument("--sample", type=int, default=200, help="networkx pairs to time")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "homecare-bench-cache",
        help="GraphML cache for the parsed network",
    )
    args = parser.parse_args(argv)
    path = args.network or default_network()
    counts = args.points or [500, 2000]
    if not path.is_file():
        print(f"network file not found: {path} (set HOMECARE_DATA_DIR or pass --network)")
        return 2

    start = time.perf_counter()
    G = load_network(path, cache_dir=args.cache_dir)
    load_s = time.perf_counter() - start
    summary = network_summary(G)
    start = time.perf_counter()
    arrays = NetworkArrays.from_graph(G)
    index = SnapIndex.from_graph(G)
    prep_s = time.perf_counter() - start
    travel = TravelSettings()
    print(f"network: {path}")
    print(
        f"  {summary['nodes']:,} nodes, {summary['edges']:,} edges, {summary['road_km']:,} km "
        f"of road; load {load_s:.1f} s (cache: {args.cache_dir}); arrays + snap index "
        f"{prep_s:.2f} s; {OSM_ATTRIBUTION}"
    )
    print(
        f"  engine: scipy.sparse.csgraph.dijkstra, batches <= {travel.chunk_mib:g} MiB; "
        f"networkx sample {args.sample} pairs; seed {args.seed}; cpus {os.cpu_count()}"
    )

    rows = [
        bench_one(G, arrays, index, n, sample=args.sample, seed=args.seed, travel=travel)
        for n in counts
    ]
    header = (
        f"{'points':>7} {'uniq':>6} {'network_s':>10} {'matrix_s':>9} {'nx_ms/pair':>11} "
        f"{'nx_all_s':>10} {'speedup':>9} {'max_diff_s':>11} {'traced_mib':>11} {'rss_mib':>8}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['points']:>7} {r['unique_nodes']:>6} {r['network_s']:>10.3f} "
            f"{r['matrix_s']:>9.3f} {r['nx_per_pair_ms']:>11.2f} {r['nx_all_s']:>10.1f} "
            f"{r['speedup']:>8.0f}x {r['max_abs_diff_s']:>11.2e} {r['traced_peak_mib']:>11.1f} "
            f"{r['peak_mib']:>8.0f}"
        )
    print(
        "  network_s = node-to-node seconds only; matrix_s = full door-to-door minutes + km; "
        "speedup = nx_all_s / matrix_s (network-only speed-up: "
        + ", ".join(f"{r['points']}: {r['speedup_network']:.0f}x" for r in rows)
        + ")"
    )
    print(
        "  door-to-door matrix vs exact network + access + kerb on the sample, max diff [s]: "
        + ", ".join(f"{r['points']}: {r['door_diff_s']:.4f}" for r in rows)
    )
    agree = all(r["max_abs_diff_s"] <= AGREE_S and r["door_diff_s"] <= AGREE_S for r in rows)
    print(f"  agreement with networkx on the sample (<= {AGREE_S} s): {'yes' if agree else 'NO'}")
    last = rows[-1]
    print(
        f"RESULT points={last['points']} matrix_s={last['matrix_s']:.3f} "
        f"speedup_vs_networkx={last['speedup']:.0f} max_abs_diff_s={last['max_abs_diff_s']:.2e} "
        f"peak_mib={last['peak_mib']:.0f}"
    )
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
