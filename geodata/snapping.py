"""Snapping lon/lat points to the nearest node of the nearest road edge, access distance kept."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer

from geodata.errors import InputError, Problem


def utm_epsg(lon: float, lat: float) -> int:
    """The EPSG code of the WGS 84 UTM zone holding (lon, lat) (metres, good within a zone)."""
    zone = min(max(math.floor((lon + 180.0) / 6.0) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True, eq=False)
class SnapIndex:
    """A spatial index of a graph's edges in metres; build once per graph, reuse for every call.

    ``node_ids``/``node_xy``: graph nodes and their projected coordinates [m];
    ``edge_u``/``edge_v``: positions (into ``node_ids``) of each indexed edge's ends, one row
    per street (two-way streets once); ``tree``: shapely STRtree of the projected edges.
    """

    epsg: int
    node_ids: np.ndarray
    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    tree: shapely.STRtree = field(repr=False)
    transformer: Transformer = field(repr=False)

    @classmethod
    def from_graph(cls, G: nx.MultiDiGraph) -> SnapIndex:
        """Project the graph's nodes and edge geometries to UTM and index the edges."""
        if G.number_of_edges() == 0:
            raise InputError("the road network has no edges to snap to", source="network")
        node_ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
        pos = {n: i for i, n in enumerate(node_ids.tolist())}
        lon = np.array([G.nodes[n]["x"] for n in node_ids.tolist()], dtype=float)
        lat = np.array([G.nodes[n]["y"] for n in node_ids.tolist()], dtype=float)
        epsg = utm_epsg(float(np.median(lon)), float(np.median(lat)))
        transformer = Transformer.from_crs(4326, epsg, always_xy=True)
        node_xy = np.column_stack(transformer.transform(lon, lat))

        seen: set[tuple[int, int]] = set()
        us: list[int] = []
        vs: list[int] = []
        coords: list[tuple[float, float]] = []
        parts: list[int] = []
        for u, v, data in G.edges(data=True):
            pair = (u, v) if u <= v else (v, u)
            if pair in seen:
                continue
            seen.add(pair)
            geometry = data.get("geometry")
            if geometry is not None:
                line = list(geometry.coords)
            else:
                line = [(G.nodes[u]["x"], G.nodes[u]["y"]), (G.nodes[v]["x"], G.nodes[v]["y"])]
            coords.extend(line)
            parts.extend([len(us)] * len(line))
            us.append(pos[u])
            vs.append(pos[v])
        lonlat = np.asarray(coords, dtype=float)
        xy = np.column_stack(transformer.transform(lonlat[:, 0], lonlat[:, 1]))
        lines = shapely.linestrings(xy, indices=np.asarray(parts))
        return cls(
            epsg=epsg,
            node_ids=node_ids,
            node_xy=node_xy,
            edge_u=np.asarray(us, dtype=np.int64),
            edge_v=np.asarray(vs, dtype=np.int64),
            tree=shapely.STRtree(lines),
            transformer=transformer,
        )


@dataclass(frozen=True, eq=False)
class SnappedPoints:
    """Points snapped to a road network.

    ``ids``: the points' own ids, in input order; ``node``: graph node id of each point's
    snapped node [int64]; ``access_m``: straight-line distance from the point to that node [m];
    ``road_m``: straight-line distance from the point to the nearest road edge [m].
    """

    ids: tuple[Any, ...]
    node: np.ndarray
    access_m: np.ndarray
    road_m: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: Sequence[int] | np.ndarray) -> SnappedPoints:
        """The subset of points at positions ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        return SnappedPoints(
            ids=tuple(self.ids[i] for i in rows.tolist()),
            node=self.node[rows],
            access_m=self.access_m[rows],
            road_m=self.road_m[rows],
        )


def _coordinate_problems(
    ids: Sequence[Any], lats: np.ndarray, lons: np.ndarray, source: str
) -> list[Problem]:
    """One problem per missing, non-finite or out-of-range latitude or longitude."""
    problems = []
    for i, (pid, lat, lon) in enumerate(zip(ids, lats.tolist(), lons.tolist(), strict=True)):
        for name, value, limit in (("lat", lat, 90.0), ("lon", lon, 180.0)):
            if not math.isfinite(value):
                problems.append(Problem(source, i + 1, name, f"point {pid!r}: {name} is {value}"))
            elif abs(value) > limit:
                problems.append(
                    Problem(
                        source,
                        i + 1,
                        name,
                        f"point {pid!r}: {name} {value} is outside [-{limit:g}, {limit:g}]",
                    )
                )
    return problems


def _as_floats(values: Any) -> np.ndarray:
    """Coordinates as a float array; non-numbers become NaN (reported per point later)."""
    out = np.empty(len(values), dtype=float)
    for i, value in enumerate(values):
        try:
            out[i] = float(value) if value is not None else math.nan
        except (TypeError, ValueError):
            out[i] = math.nan
    return out


def snap_points(
    G: nx.MultiDiGraph,
    ids: Sequence[Any],
    lats: Sequence[float] | np.ndarray,
    lons: Sequence[float] | np.ndarray,
    *,
    max_access_m: float = 2000.0,
    source: str = "points",
    index: SnapIndex | None = None,
) -> SnappedPoints:
    """Snap each point to the nearer end node of its nearest road edge.

    Raises InputError listing every point whose coordinates are missing, not numbers or out of
    range, and every point farther than ``max_access_m`` [m] from any road (by id and 1-based
    row of ``source``). Pass a prebuilt ``index`` (``SnapIndex.from_graph(G)``) to snap many
    batches against one graph quickly.
    """
    ids = tuple(ids)
    lat = _as_floats(lats)
    lon = _as_floats(lons)
    if not (len(ids) == len(lat) == len(lon)):
        raise InputError(
            f"ids, lats and lons differ in length ({len(ids)}, {len(lat)}, {len(lon)})",
            source=source,
        )
    problems = _coordinate_problems(ids, lat, lon, source)
    bad = {p.row - 1 for p in problems if p.row is not None}
    ok = np.array([i not in bad for i in range(len(ids))], dtype=bool)
    node = np.zeros(len(ids), dtype=np.int64)
    access_m = np.full(len(ids), np.nan)
    road_m = np.full(len(ids), np.nan)
    if ok.any():
        index = index or SnapIndex.from_graph(G)
        rows = np.flatnonzero(ok)
        node[rows], access_m[rows], road_m[rows] = _snap_valid(index, lon[rows], lat[rows])
        for i in rows[~(road_m[rows] <= max_access_m)].tolist():
            problems.append(
                Problem(
                    source,
                    i + 1,
                    "lat/lon",
                    f"point {ids[i]!r} is {road_m[i]:,.0f} m from the nearest road "
                    f"(limit {max_access_m:,.0f} m)",
                )
            )
    if problems:
        problems.sort(key=lambda p: (p.row or 0, p.field or ""))
        raise InputError(problems)
    return SnappedPoints(ids, node, access_m, road_m)


def _snap_valid(
    index: SnapIndex, lon: np.ndarray, lat: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Snapped node ids, access distances [m] and road distances [m] of valid points."""
    x, y = index.transformer.transform(lon, lat)
    xy = np.column_stack([x, y])
    (rows, edges), road_m = index.tree.query_nearest(
        shapely.points(xy), return_distance=True, all_matches=False
    )
    order = np.argsort(rows, kind="stable")
    edges, road_m = edges[order], np.asarray(road_m, dtype=float)[order]
    road_m = np.where(np.isfinite(road_m), road_m, np.inf)
    u, v = index.edge_u[edges], index.edge_v[edges]
    du = np.hypot(*(xy - index.node_xy[u]).T)
    dv = np.hypot(*(xy - index.node_xy[v]).T)
    nearest = np.where(du <= dv, u, v)
    return index.node_ids[nearest], np.minimum(du, dv), road_m
