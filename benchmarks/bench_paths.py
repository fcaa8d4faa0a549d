"""Benchmark: shortest-path engines on the synthetic county road graph (k x k demo tiles).

Times what the product's matrices need, on the same graph and the same homes: one-to-all
searches from sampled homes (scipy csgraph Dijkstra, unbounded and with the cut-offs the
product uses; igraph's Dijkstra) and many-to-many pair queries (pandana's contraction
hierarchy, if installed: build time plus per-pair time). Every engine's times are checked
against scipy's unbounded Dijkstra on the sampled pairs. Reports build time, time per query
and the process's peak memory after each engine. Engines not installed are reported as such.

Run from the repo root:  python benchmarks/bench_paths.py [--tiles 3] [--sources 200]
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.county import tile_graph  # noqa: E402
from geodata.network import load_network  # noqa: E402
from geodata.travel import NetworkArrays  # noqa: E402
from optimiser.data import config as cfgmod  # noqa: E402
from optimiser.service.areas import default_network_path  # noqa: E402

AGREE_S = 0.01


def peak_gib() -> float:
    """Peak resident memory of this process so far [GiB] (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def row(name: str, build_s: float, per_query_ms: float, what: str, max_err_s: float) -> None:
    """One engine's line."""
    print(
        f"{name:<28} build {build_s:7.2f} s  per query {per_query_ms:9.3f} ms  ({what})  "
        f"max |err| {max_err_s:.4f} s  peak {peak_gib():.2f} GiB",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    """Build the county graph, time every engine on the same sources and targets."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, default=3)
    ap.add_argument("--sources", type=int, default=200)
    ap.add_argument("--targets", type=int, default=2250, help="homes as targets (3 x 3: 2,250)")
    args = ap.parse_args(argv)
    net_settings, _ = cfgmod.network_settings(cfgmod.NETWORK_SETTINGS_FILE)
    G = load_network(default_network_path(), settings=net_settings, cache_dir=cfgmod.cache_dir())
    G = tile_graph(G, args.tiles)
    arrays = NetworkArrays.from_graph(G)
    n = len(arrays.node_ids)
    print(
        f"graph: {args.tiles} x {args.tiles} tiles (synthetic), {n} nodes, "
        f"{len(arrays.arc_key)} arcs"
    )
    rng = np.random.default_rng(7)
    src = rng.choice(n, args.sources, replace=False)
    dst = rng.choice(n, min(args.targets, n), replace=False)

    t = time.perf_counter()
    full = dijkstra(arrays.time_s, directed=True, indices=src)[:, dst]
    dt = time.perf_counter() - t
    row("scipy dijkstra (full)", 0.0, 1000 * dt / len(src), "one source to all nodes", 0.0)
    for cut_min in (20.0, 90.0):
        t = time.perf_counter()
        part = dijkstra(arrays.time_s, directed=True, indices=src, limit=cut_min * 60)[:, dst]
        dt = time.perf_counter() - t
        ok = np.isfinite(part)
        err = float(np.max(np.abs(part[ok] - full[ok]))) if ok.any() else 0.0
        row(
            f"scipy dijkstra limit {cut_min:.0f} min",
            0.0,
            1000 * dt / len(src),
            "one source, bounded",
            err,
        )

    if importlib.util.find_spec("igraph") is None:
        print("igraph: not installed")
    else:
        import igraph as ig

        t = time.perf_counter()
        u, v = arrays.arc_key // n, arrays.arc_key % n
        g = ig.Graph(n=n, edges=np.column_stack([u, v]).tolist(), directed=True)
        g.es["w"] = arrays.arc_time_s.tolist()
        build = time.perf_counter() - t
        t = time.perf_counter()
        dist = np.array(g.distances(source=src.tolist(), target=dst.tolist(), weights="w"))
        dt = time.perf_counter() - t
        row(
            "igraph distances",
            build,
            1000 * dt / len(src),
            "one source to the targets",
            float(np.nanmax(np.abs(np.where(np.isfinite(full), dist - full, 0.0)))),
        )

    if importlib.util.find_spec("pandana") is None:
        print("pandana: not installed")
    else:
        import pandana
        import pandas as pd

        xs = np.array([G.nodes[i]["x"] for i in arrays.node_ids.tolist()])
        ys = np.array([G.nodes[i]["y"] for i in arrays.node_ids.tolist()])
        t = time.perf_counter()
        net = pandana.Network(
            pd.Series(xs, index=np.arange(n)),
            pd.Series(ys, index=np.arange(n)),
            pd.Series(arrays.arc_key // n),
            pd.Series(arrays.arc_key % n),
            pd.DataFrame({"t": arrays.arc_time_s}),
            twoway=False,
        )
        build = time.perf_counter() - t
        o = np.repeat(src[:20], len(dst))
        d = np.tile(dst, 20)
        t = time.perf_counter()
        got = np.asarray(net.shortest_path_lengths(o.tolist(), d.tolist(), imp_name="t"))
        dt = time.perf_counter() - t
        want = full[:20].ravel()
        ok = np.isfinite(want)
        row(
            "pandana CH (pairs)",
            build,
            1000 * dt / len(o),
            "one pair",
            float(np.max(np.abs(got[ok] - want[ok]))),
        )
        print(f"  pandana per source-to-{len(dst)}-targets: {1000 * dt / 20:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
