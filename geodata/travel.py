"""Travel-time and road-distance matrices between snapped points, batched and cached on disk."""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from geodata.errors import InputError, Problem
from geodata.settings import TravelSettings
from geodata.snapping import SnappedPoints

# Bump when the way matrices are computed changes, so stale cached matrices are not reused.
MATRIX_VERSION = "1"
# Working bytes per (source, node) cell in one Dijkstra batch: distances (8) and the time and
# length split of them (2 x 8), plus slack for csgraph's own work arrays.
_BYTES_PER_CELL = 32
# Fastest path and its length in one search: each arc weighs (time in 0.1 ms) * 2**24 + (length
# in dm), integers held exactly in float64 up to 2**53. Dijkstra then minimises time first and
# length among equal times, and a path's total splits exactly back into both. Limits: a path
# under 2**29 tenth-milliseconds (14.9 h) and 2**24 dm (1,677 km); rounding each arc's time to
# 0.1 ms moves a route's time by far less than 0.1 s.
_TIME_UNIT_S = 1e-4
_LENGTH_UNIT_M = 0.1
_LEX_SHIFT = float(2**24)
_MIN_TIME_S = 1e-6  # csgraph must not see zero-weight edges as missing


@dataclass(frozen=True, eq=False)
class NetworkArrays:
    """A graph as arrays for csgraph: one arc per (u, v) pair, the fastest parallel edge.

    ``node_ids``: graph node ids by position; ``time_s``: CSR matrix of arc travel times [s];
    ``arc_key``: sorted ``u * n + v`` of every arc (positions), ``arc_time_s`` and
    ``arc_length_m``: its travel time [s] and length [m];
    ``digest``: content hash of the graph (its ``homecare_digest`` when loaded by
    :func:`geodata.network.load_network`).
    """

    node_ids: np.ndarray
    position: dict[int, int]
    time_s: csr_matrix
    arc_key: np.ndarray
    arc_time_s: np.ndarray
    arc_length_m: np.ndarray
    digest: str

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> NetworkArrays:
        """Build from a graph with ``travel_time`` [s] and ``length`` [m] on every edge."""
        node_ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
        position = {int(n): i for i, n in enumerate(node_ids.tolist())}
        m = G.number_of_edges()
        u = np.empty(m, dtype=np.int64)
        v = np.empty(m, dtype=np.int64)
        t = np.empty(m, dtype=float)
        length = np.empty(m, dtype=float)
        missing = 0
        for i, (a, b, data) in enumerate(G.edges(data=True)):
            u[i], v[i] = position[a], position[b]
            t[i] = data.get("travel_time", math.nan)
            length[i] = data.get("length", math.nan)
            missing += not (math.isfinite(t[i]) and math.isfinite(length[i]))
        if missing:
            raise InputError(
                f"{missing} edge(s) lack a finite travel_time or length; load the graph with "
                "geodata.network.load_network",
                source="network",
            )
        digest = G.graph.get("homecare_digest") or _edge_digest(u, v, t, length, node_ids)
        return cls._from_arcs(node_ids, position, u, v, t, length, str(digest))

    @classmethod
    def _from_arcs(
        cls,
        node_ids: np.ndarray,
        position: dict[int, int],
        u: np.ndarray,
        v: np.ndarray,
        t: np.ndarray,
        length: np.ndarray,
        digest: str,
    ) -> NetworkArrays:
        """Keep the fastest of parallel arcs, drop self-loops, build the CSR matrix."""
        n = len(node_ids)
        keep = u != v
        u, v, t, length = u[keep], v[keep], t[keep], length[keep]
        key = u * n + v
        order = np.lexsort((length, t, key))
        key, t, length = key[order], t[order], length[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key, t, length = key[first], np.maximum(t[first], _MIN_TIME_S), length[first]
        time_s = csr_matrix((t, (key // n, key % n)), shape=(n, n))
        return cls(node_ids, position, time_s, key, t, length, digest)

    @cached_property
    def reversed(self) -> NetworkArrays:
        """The same network with every arc turned round (for searches towards targets)."""
        n = len(self.node_ids)
        u, v = self.arc_key // n, self.arc_key % n
        return NetworkArrays._from_arcs(
            self.node_ids,
            self.position,
            v,
            u,
            self.arc_time_s,
            self.arc_length_m,
            self.digest + ":reversed",
        )

    @cached_property
    def time_length(self) -> csr_matrix:
        """CSR of lexicographic arc weights: (time in 0.1 ms) * 2**24 + (length in dm)."""
        n = len(self.node_ids)
        units_t = np.maximum(np.rint(self.arc_time_s / _TIME_UNIT_S), 1.0)
        units_m = np.rint(self.arc_length_m / _LENGTH_UNIT_M)
        weight = units_t * _LEX_SHIFT + units_m
        return csr_matrix((weight, (self.arc_key // n, self.arc_key % n)), shape=(n, n))

    def positions(self, nodes: Sequence[int] | np.ndarray, source: str = "nodes") -> np.ndarray:
        """Positions of graph node ids; InputError naming any node not in the graph."""
        out = np.empty(len(nodes), dtype=np.int64)
        problems = []
        for i, node in enumerate(np.asarray(nodes).tolist()):
            pos = self.position.get(int(node))
            if pos is None:
                problems.append(Problem(source, i + 1, "node", f"node {node} is not in the graph"))
            else:
                out[i] = pos
        if problems:
            raise InputError(problems)
        return out


def _edge_digest(
    u: np.ndarray, v: np.ndarray, t: np.ndarray, length: np.ndarray, node_ids: np.ndarray
) -> str:
    """A content hash of a graph's arcs (used when a graph carries no homecare_digest)."""
    sha = hashlib.sha256()
    for array in (node_ids, u, v, np.round(t, 6), np.round(length, 3)):
        sha.update(np.ascontiguousarray(array).tobytes())
    return sha.hexdigest()


# ------------------------------------------------------------------------- memory needed

#: Dense float32 M x N arrays alive at the peak of :func:`travel_matrix`: seconds and metres
#: from the search, the access legs, then km and minutes (the last two are kept).
_PEAK_ARRAYS = 5
_GIB = 2**30


def available_memory_bytes() -> int | None:
    """Memory this machine can give now [bytes]: psutil's ``available`` if psutil is installed,
    else free plus reclaimable pages from ``os.sysconf``; None where neither works."""
    try:
        import psutil
    except ImportError:
        psutil = None  # type: ignore[assignment]
    if psutil is not None:
        return int(psutil.virtual_memory().available)
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def matrix_peak_bytes(n_origins: int, n_destinations: int) -> int:
    """Peak memory [bytes] :func:`travel_matrix` needs for dense ``M x N`` float32 arrays."""
    return _PEAK_ARRAYS * 4 * int(n_origins) * int(n_destinations)


def check_matrix_memory(
    n_homes: int,
    n_offices: int,
    *,
    limit_gib: float | None = None,
    available_bytes: int | None = None,
    source: str = "packages",
) -> None:
    """Refuse, before any work, an area whose dense travel matrices do not fit in memory.

    The home-to-home matrix (N x N) dominates; office-to-home (P x N) is added. ``limit_gib``
    caps the memory [GiB] (``TravelSettings.matrix_memory_gib``); without it, 80% of
    ``available_bytes`` (default: :func:`available_memory_bytes`). Raises ``InputError`` saying
    how much is needed, how much there is, and about how many homes would fit.
    """
    need = matrix_peak_bytes(n_homes, n_homes) + matrix_peak_bytes(n_offices, n_homes)
    if limit_gib is not None:
        limit, where = (
            float(limit_gib) * _GIB,
            f"the limit is {limit_gib:g} GiB (matrix_memory_gib)",
        )
    else:
        available = available_memory_bytes() if available_bytes is None else available_bytes
        if available is None:
            return  # nothing to measure against: let the run try
        limit = 0.8 * available
        where = f"this machine has {available / _GIB:.1f} GiB available (80% may be used)"
    if need <= limit:
        return
    # largest N with 20 N^2 + 20 P N <= limit
    per = _PEAK_ARRAYS * 4
    fit = int((-per * n_offices + math.sqrt((per * n_offices) ** 2 + 4 * per * limit)) / (2 * per))
    raise InputError(
        Problem(
            source,
            None,
            None,
            f"{n_homes:,} homes need about {_size(need)} to build the dense "
            f"home-to-home travel matrices ({n_homes:,} x {n_homes:,}, "
            f"{_size(4 * n_homes * n_homes)} per float32 matrix); {where}; "
            f"up to about {fit:,} homes fit. Split the area, or raise matrix_memory_gib in the "
            "network settings on a larger machine.",
        )
    )


def _size(n_bytes: float) -> str:
    """Bytes as ``37.3 GiB`` (or ``1.7 MiB`` below a GiB)."""
    if n_bytes >= _GIB:
        return f"{n_bytes / _GIB:,.1f} GiB"
    return f"{n_bytes / 2**20:,.1f} MiB"


def lex_limit(limit_s: float) -> float:
    """The lexicographic weight that reaches every node within ``limit_s`` [s] (inf: no bound).

    A node is reached exactly when its fastest path, in 0.1 ms units, takes at most
    ``ceil(limit_s / 0.1 ms)`` units; an unreached node's time is therefore above ``limit_s``.
    """
    if not math.isfinite(limit_s):
        return math.inf
    return (math.ceil(limit_s / _TIME_UNIT_S) + 1) * _LEX_SHIFT - 1


def _batch_rows(n_nodes: int, chunk_mib: float) -> int:
    """How many Dijkstra sources fit in ``chunk_mib`` of working memory (at least one)."""
    return max(1, int(chunk_mib * 2**20 // (max(n_nodes, 1) * _BYTES_PER_CELL)))


def _shortest(
    arrays: NetworkArrays,
    src: np.ndarray,
    dst: np.ndarray,
    *,
    with_length: bool,
    chunk_mib: float,
    dtype: type = np.float64,
    limit_s: float = math.inf,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Network seconds (and metres along the fastest path) from positions ``src`` to ``dst``.

    Searches from whichever side has fewer nodes (on the reversed graph from the targets if
    they are fewer), in batches of sources bounded by ``chunk_mib``. Unreachable: inf / nan.
    Seconds alone are exact sums of ``travel_time``; with lengths, one lexicographic search
    gives both (times then rounded to 0.1 ms per arc). ``limit_s`` [s] bounds every search:
    nodes farther than that are left unreached (inf / nan), as if there were no route.
    """
    if len(dst) < len(src):
        sec_t, m_t = _shortest(
            arrays.reversed,
            dst,
            src,
            with_length=with_length,
            chunk_mib=chunk_mib,
            dtype=dtype,
            limit_s=limit_s,
        )
        return sec_t.T.copy(), (m_t.T.copy() if m_t is not None else None)
    seconds = np.empty((len(src), len(dst)), dtype=dtype)
    metres = np.empty((len(src), len(dst)), dtype=dtype) if with_length else None
    step = _batch_rows(len(arrays.node_ids), chunk_mib)
    for start in range(0, len(src), step):
        rows = src[start : start + step]
        block = slice(start, start + len(rows))
        if with_length:
            total = dijkstra(
                arrays.time_length, directed=True, indices=rows, limit=lex_limit(limit_s)
            )[:, dst]
            reached = np.isfinite(total)
            total[~reached] = np.nan  # unreachable: no time, no length
            units_t = np.floor(total / _LEX_SHIFT)
            units_m = total - units_t * _LEX_SHIFT
            units_t[~reached] = np.inf
            seconds[block] = units_t * _TIME_UNIT_S
            metres[block] = units_m * _LENGTH_UNIT_M  # type: ignore[index]
        else:
            seconds[block] = dijkstra(arrays.time_s, directed=True, indices=rows, limit=limit_s)[
                :, dst
            ]
    return seconds, metres


def node_matrix(
    G: nx.MultiDiGraph | NetworkArrays,
    src_nodes: Sequence[int] | np.ndarray,
    dst_nodes: Sequence[int] | np.ndarray,
    *,
    chunk_mib: float = 256.0,
) -> np.ndarray:
    """Fastest network travel time [s, float64] from every node in ``src_nodes`` to every node
    in ``dst_nodes`` (graph node ids), by ``travel_time``; ``inf`` where unreachable."""
    arrays = G if isinstance(G, NetworkArrays) else NetworkArrays.from_graph(G)
    src = arrays.positions(src_nodes, "src_nodes")
    dst = arrays.positions(dst_nodes, "dst_nodes")
    src_u, src_inv = np.unique(src, return_inverse=True)
    dst_u, dst_inv = np.unique(dst, return_inverse=True)
    seconds, _ = _shortest(arrays, src_u, dst_u, with_length=False, chunk_mib=chunk_mib)
    return seconds[np.ix_(src_inv, dst_inv)]


@dataclass(frozen=True, eq=False)
class TravelMatrix:
    """Door-to-door travel between points.

    ``minutes`` [min, float32, M x N]: access legs + network time + destination kerb-to-door,
    NaN where unreachable; ``km`` [km, float32, M x N]: road distance along the fastest path plus
    the straight-line access legs, NaN where unreachable; ``unreachable``: (origin id,
    destination id) of every pair with no route.
    """

    origin_ids: tuple[Any, ...]
    destination_ids: tuple[Any, ...]
    minutes: np.ndarray
    km: np.ndarray
    unreachable: tuple[tuple[Any, Any], ...]

    @property
    def shape(self) -> tuple[int, int]:
        """(origins, destinations)."""
        return (len(self.origin_ids), len(self.destination_ids))

    def _require_reachable(self) -> None:
        """InputError naming unreachable pairs (first 20) if any."""
        if self.unreachable:
            problems = [
                Problem("travel matrix", None, None, f"no route from {o!r} to {d!r}")
                for o, d in self.unreachable[:20]
            ]
            if len(self.unreachable) > 20:
                problems.append(
                    Problem(
                        "travel matrix",
                        None,
                        None,
                        f"... and {len(self.unreachable) - 20} more unreachable pairs",
                    )
                )
            raise InputError(problems)

    def minutes_int(self) -> np.ndarray:
        """Minutes rounded to whole minutes [int32] for the solvers; InputError if any pair is
        unreachable (drop or fix those points first)."""
        self._require_reachable()
        return np.rint(self.minutes).astype(np.int32)

    def metres_int(self) -> np.ndarray:
        """Road distance rounded to whole metres [int32]; InputError if any pair is unreachable."""
        self._require_reachable()
        return np.rint(self.km.astype(np.float64) * 1000.0).astype(np.int32)


def _kerb_min(
    dest_kerb_min: np.ndarray | Sequence[float] | None, n: int, settings: TravelSettings
) -> np.ndarray:
    """Kerb-to-door minutes per destination, checked; the settings' default where not given."""
    if dest_kerb_min is None:
        return np.full(n, settings.kerb_to_door_default_min, dtype=float)
    kerb = np.asarray(dest_kerb_min, dtype=float)
    if kerb.shape != (n,):
        raise InputError(
            f"dest_kerb_min has shape {kerb.shape}, expected ({n},)", source="dest_kerb_min"
        )
    bad = np.flatnonzero(~(np.isfinite(kerb) & (kerb >= 0)))
    if bad.size:
        raise InputError(
            [
                Problem(
                    "dest_kerb_min", int(i) + 1, "kerb_min", f"not a minute count >= 0: {kerb[i]}"
                )
                for i in bad.tolist()
            ]
        )
    return kerb


def _matrix_key(
    arrays: NetworkArrays,
    origins: SnappedPoints,
    destinations: SnappedPoints,
    kerb: np.ndarray,
    settings: TravelSettings,
    square: bool,
) -> str:
    """Content hash of everything a matrix depends on (not the ids, which only label it)."""
    sha = hashlib.sha256()
    sha.update(f"{MATRIX_VERSION}|{arrays.digest}|{settings.access_speed_kph!r}|{square}".encode())
    for array in (origins.node, origins.access_m, destinations.node, destinations.access_m, kerb):
        sha.update(np.ascontiguousarray(array).tobytes())
        sha.update(b"|")
    return sha.hexdigest()


def travel_matrix(
    G: nx.MultiDiGraph | NetworkArrays,
    origins: SnappedPoints,
    destinations: SnappedPoints | None = None,
    *,
    settings: TravelSettings,
    dest_kerb_min: np.ndarray | Sequence[float] | None = None,
    cache_dir: Path | None = None,
) -> TravelMatrix:
    """Door-to-door minutes and km from every origin to every destination.

    minutes = (origin access m + destination access m) / access speed + network time (fastest
    path by ``travel_time``) + the destination's kerb-to-door minutes (``dest_kerb_min`` per
    destination, else ``settings.kerb_to_door_default_min``). Without ``destinations`` the
    matrix is origins x origins with a zero diagonal. Shortest paths run once per unique
    snapped node, in memory-bounded batches (``settings.chunk_mib``). With ``cache_dir`` the
    result is kept as .npz keyed by the network and points' content hash.
    """
    square = destinations is None
    destinations = origins if destinations is None else destinations
    arrays = G if isinstance(G, NetworkArrays) else NetworkArrays.from_graph(G)
    kerb = _kerb_min(dest_kerb_min, len(destinations), settings)

    cached = None
    if cache_dir is not None:
        key = _matrix_key(arrays, origins, destinations, kerb, settings, square)
        cached = Path(cache_dir) / f"matrix-{key[:24]}.npz"
        if cached.is_file():
            with np.load(cached) as data:
                minutes, km = data["minutes"], data["km"]
            return _labelled(origins, destinations, minutes, km)

    src = arrays.positions(origins.node, "origins")
    dst = arrays.positions(destinations.node, "destinations")
    src_u, src_inv = np.unique(src, return_inverse=True)
    dst_u, dst_inv = np.unique(dst, return_inverse=True)
    sec_u, m_u = _shortest(
        arrays, src_u, dst_u, with_length=True, chunk_mib=settings.chunk_mib, dtype=np.float32
    )
    assert m_u is not None
    # In-place steps keep the peak at three M x N float32 arrays.
    access = (
        origins.access_m.astype(np.float32)[:, None]
        + destinations.access_m.astype(np.float32)[None, :]
    )
    km = m_u[np.ix_(src_inv, dst_inv)]
    km += access
    km /= np.float32(1000.0)
    access /= np.float32(settings.access_speed_kph / 3.6)
    minutes = sec_u[np.ix_(src_inv, dst_inv)]
    minutes += access
    del access
    minutes /= np.float32(60.0)
    minutes += kerb.astype(np.float32)[None, :]
    unreachable = ~np.isfinite(minutes)
    minutes[unreachable] = np.nan
    km[unreachable] = np.nan
    if square:
        np.fill_diagonal(minutes, 0.0)
        np.fill_diagonal(km, 0.0)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.stem}.{os.getpid()}.tmp.npz")
        np.savez_compressed(tmp, minutes=minutes, km=km)
        os.replace(tmp, cached)
    return _labelled(origins, destinations, minutes, km)


def _labelled(
    origins: SnappedPoints, destinations: SnappedPoints, minutes: np.ndarray, km: np.ndarray
) -> TravelMatrix:
    """Attach ids and the unreachable pairs to computed (or cached) arrays."""
    rows, cols = np.nonzero(np.isnan(minutes))
    unreachable = tuple(
        (origins.ids[r], destinations.ids[c])
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
    )
    return TravelMatrix(
        origin_ids=tuple(origins.ids),
        destination_ids=tuple(destinations.ids),
        minutes=minutes.astype(np.float32, copy=False),
        km=km.astype(np.float32, copy=False),
        unreachable=unreachable,
    )
