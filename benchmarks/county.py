"""A synthetic county-size test area: k x k copies of the Rutland demo joined into one county.

Each tile is a copy of the demo area (road graph, small areas, people, providers, zones)
shifted by the demo graph's bounding box, east by column and north by row, so that the tiles
sit side by side without overlapping. Ids are prefixed per tile (``t<row>_<col>:``; graph nodes
get ``tile * 2**40`` added, as they must stay integers), and the whole area is named
``Rutland x <k*k> (synthetic)`` and marked synthetic in every output.

Where two tiles meet the road networks are joined by connector roads: the shared edge is cut
into ``connectors_per_side`` equal strips and, in each strip that both tiles have nodes in, the
outermost node of one tile is joined to the outermost node of the other by a two-way
``unclassified`` road whose length is the great-circle distance between them times
``connector_detour`` and whose travel time is that length at ``connector_speed_kph`` (a rural
speed: an assumption, 48 kph = 30 mph, below the 60 mph limit of a single-carriageway rural
road). The copies themselves are strongly connected, so the county is too (checked).

3 x 3 is about an average English council (27,000 h/week, 24,000 nodes), 6 x 6 about
Lancashire (107,000 h/week, 96,000 nodes). Nothing here is written to disk: the demo's road
network cache is read, the county lives in memory only.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely import affinity

from optimiser.data import config as cfgmod
from optimiser.data import tables
from optimiser.data.domain import Package, Provider
from optimiser.service.areas import AreaData, build_area, default_network_path
from optimiser.service.progress import Progress, no_progress

#: Added to a graph node id per tile index (OSM ids stay below 2**40).
NODE_OFFSET = 2**40
#: Earth radius [m] for great-circle connector lengths.
_EARTH_M = 6_371_008.8


def tile_prefix(row: int, col: int) -> str:
    """The id prefix of tile (row, col), e.g. ``t2_3:``."""
    return f"t{row}_{col}:"


def county_name(k: int) -> str:
    """The county's name, synthetic in the name itself."""
    return f"Rutland x {k * k} (synthetic)"


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance [m] between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(math.sqrt(a))


def _shift_graph(G: nx.MultiDiGraph, tile: int, dlon: float, dlat: float) -> nx.MultiDiGraph:
    """A copy of ``G`` with node ids offset by ``tile * NODE_OFFSET`` and moved by (dlon, dlat)."""
    off = tile * NODE_OFFSET
    H = nx.MultiDiGraph()
    H.add_nodes_from(
        (n + off, {**d, "x": d["x"] + dlon, "y": d["y"] + dlat}) for n, d in G.nodes(data=True)
    )
    edges = []
    for u, v, key, d in G.edges(keys=True, data=True):
        d = dict(d)
        if d.get("geometry") is not None:
            d["geometry"] = affinity.translate(d["geometry"], xoff=dlon, yoff=dlat)
        edges.append((u + off, v + off, key, d))
    H.add_edges_from(edges)
    return H


def _connectors(
    xy: dict[int, np.ndarray],
    ids: dict[int, np.ndarray],
    a: int,
    b: int,
    *,
    axis: int,
    strips: int,
    lo: float,
    hi: float,
) -> list[tuple[int, int]]:
    """Node pairs joining tile ``a`` to tile ``b`` across their shared edge.

    ``axis`` 0: ``b`` lies east of ``a`` (the edge is a meridian, strips run along latitude);
    1: ``b`` lies north of ``a``. In each strip the node of ``a`` farthest towards ``b`` meets
    the node of ``b`` farthest towards ``a``.
    """
    along = 1 - axis
    pairs = []
    edges = np.linspace(lo, hi, strips + 1)
    for s0, s1 in itertools.pairwise(edges):
        in_a = (xy[a][:, along] >= s0) & (xy[a][:, along] < s1)
        in_b = (xy[b][:, along] >= s0) & (xy[b][:, along] < s1)
        if not (in_a.any() and in_b.any()):
            continue
        ia = np.flatnonzero(in_a)[np.argmax(xy[a][in_a, axis])]
        ib = np.flatnonzero(in_b)[np.argmin(xy[b][in_b, axis])]
        pairs.append((int(ids[a][ia]), int(ids[b][ib])))
    return pairs


def tile_graph(
    G: nx.MultiDiGraph,
    k: int,
    *,
    connectors_per_side: int = 8,
    connector_speed_kph: float = 48.0,
    connector_detour: float = 1.3,
) -> nx.MultiDiGraph:
    """k x k shifted copies of road graph ``G`` joined by connector roads (module docstring)."""
    if k < 1:
        raise ValueError(f"tile_graph: k must be >= 1, got {k}")
    xs = np.array([d["x"] for _, d in G.nodes(data=True)])
    ys = np.array([d["y"] for _, d in G.nodes(data=True)])
    width, height = float(xs.max() - xs.min()), float(ys.max() - ys.min())
    county = nx.MultiDiGraph()
    xy: dict[int, np.ndarray] = {}
    ids: dict[int, np.ndarray] = {}
    for row in range(k):
        for col in range(k):
            t = row * k + col
            H = _shift_graph(G, t, col * width, row * height)
            county.update(H)
            ids[t] = np.fromiter(H.nodes, dtype=np.int64)
            xy[t] = np.array([[H.nodes[n]["x"], H.nodes[n]["y"]] for n in ids[t].tolist()])
    speed_ms = connector_speed_kph / 3.6
    n_conn = 0
    for row in range(k):
        for col in range(k):
            t = row * k + col
            sides = []
            if col + 1 < k:  # east neighbour: strips along latitude within this row
                y0 = float(ys.min()) + row * height
                sides.append((t + 1, 0, y0, y0 + height))
            if row + 1 < k:  # north neighbour: strips along longitude within this column
                x0 = float(xs.min()) + col * width
                sides.append((t + k, 1, x0, x0 + width))
            for other, axis, lo, hi in sides:
                for u, v in _connectors(
                    xy, ids, t, other, axis=axis, strips=connectors_per_side, lo=lo, hi=hi
                ):
                    nu, nv = county.nodes[u], county.nodes[v]
                    length = connector_detour * _haversine_m(nu["y"], nu["x"], nv["y"], nv["x"])
                    data = {
                        "highway": "unclassified",
                        "name": "county connector (synthetic)",
                        "length": length,
                        "speed_kph": connector_speed_kph,
                        "speed_source": "county connector (assumption)",
                        "travel_time": length / speed_ms,
                        "oneway": False,
                        "synthetic": True,
                    }
                    county.add_edge(u, v, **data)
                    county.add_edge(v, u, **data)
                    n_conn += 1
    if k > 1 and not nx.is_strongly_connected(county):
        raise ValueError("tile_graph: the joined county is not strongly connected")
    base = str(G.graph.get("homecare_digest", ""))
    source = Path(str(G.graph.get("homecare_source", "demo"))).name
    settings = f"{k}|{connectors_per_side}|{connector_speed_kph}|{connector_detour}"
    county.graph.update(
        {
            **G.graph,
            "homecare_source": f"{county_name(k)} tiled from {source}",
            "homecare_digest": hashlib.sha256(f"county|{base}|{settings}".encode()).hexdigest(),
            "synthetic": True,
            "county_tiles": k,
            "county_connectors": n_conn,
        }
    )
    return county


def _shift_package(pk: Package, prefix: str, dlon: float, dlat: float) -> Package:
    """A package copied into a tile: ids prefixed, home moved."""
    return replace(
        pk,
        package_id=prefix + pk.package_id,
        lat=pk.lat + dlat,
        lon=pk.lon + dlon,
        current_provider=None if pk.current_provider is None else prefix + pk.current_provider,
        zone_id=None if pk.zone_id is None else prefix + pk.zone_id,
        area_code=None if pk.area_code is None else prefix + pk.area_code,
    )


def _shift_provider(pv: Provider, prefix: str, dlon: float, dlat: float) -> Provider:
    """A provider copied into a tile: id and name prefixed, office moved."""
    return replace(
        pv,
        provider_id=prefix + pv.provider_id,
        name=prefix + pv.name,
        lat=pv.lat + dlat,
        lon=pv.lon + dlon,
    )


def _shift_zone_table(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """A zone table copied into a tile: zone ids, names, area codes and leads prefixed."""
    out = table.copy()
    out["zone_id"] = prefix + out["zone_id"].astype(str)
    out["name"] = prefix + out["name"].astype(str)
    out["area_code"] = prefix + out["area_code"].astype(str)
    out["lead_providers"] = [
        ";".join(prefix + p for p in str(v).split(";") if p) if isinstance(v, str) else v
        for v in out["lead_providers"]
    ]
    return out


def _shift_areas(areas: gpd.GeoDataFrame, prefix: str, dlon: float, dlat: float) -> pd.DataFrame:
    """Small areas copied into a tile: codes, names and zone ids prefixed, polygons moved."""
    out = areas.copy()
    out["area_code"] = prefix + out["area_code"].astype(str)
    if "area_name" in out:
        out["area_name"] = prefix + out["area_name"].astype(str)
    if "zone_id" in out:
        out["zone_id"] = prefix + out["zone_id"].astype(str)
    out["synthetic"] = True
    out["geometry"] = out.geometry.translate(xoff=dlon, yoff=dlat)
    return out


def build_county_area(
    k: int,
    *,
    seed: int = 7,
    connectors_per_side: int = 8,
    connector_speed_kph: float = 48.0,
    dense_max_homes: int | None = None,
    progress: Progress = no_progress,
) -> AreaData:
    """The synthetic k x k county as the service's area record (travel computed by
    :func:`optimiser.service.areas.build_area`, bounded above ``dense_max_homes`` homes)."""
    from optimiser.demo.area import generate_demo
    from optimiser.demo.params import DEFAULT_CONFIG, DemandParams

    progress(0.05, f"generating demo demand (seed {seed})")
    demo = generate_demo(None, DemandParams.from_toml(DEFAULT_CONFIG), seed=seed)
    net_settings, travel_settings = cfgmod.network_settings(cfgmod.NETWORK_SETTINGS_FILE)
    from geodata.network import load_network

    G = load_network(default_network_path(), settings=net_settings, cache_dir=cfgmod.cache_dir())
    progress(0.15, f"tiling the road network {k} x {k}")
    county = tile_graph(
        G, k, connectors_per_side=connectors_per_side, connector_speed_kph=connector_speed_kph
    )
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    packages: list[Package] = []
    providers: list[Provider] = []
    zone_tables, area_frames = [], []
    base_table = demo.zone_table[list(tables.ZONE_AREA_COLUMNS)]
    for row in range(k):
        for col in range(k):
            prefix, dlon, dlat = tile_prefix(row, col), col * width, row * height
            packages += [_shift_package(p, prefix, dlon, dlat) for p in demo.packages]
            providers += [_shift_provider(p, prefix, dlon, dlat) for p in demo.providers]
            zone_tables.append(_shift_zone_table(base_table, prefix))
            area_frames.append(_shift_areas(demo.areas, prefix, dlon, dlat))
    areas = gpd.GeoDataFrame(pd.concat(area_frames, ignore_index=True), crs=demo.areas.crs)
    extra = {} if dense_max_homes is None else {"dense_max_homes": dense_max_homes}
    area = build_area(
        name=county_name(k),
        graph=county,
        packages=packages,
        providers=providers,
        zone_table=pd.concat(zone_tables, ignore_index=True),
        areas=areas,
        travel_settings=travel_settings,
        cache_dir=None,  # the county is never written to disk
        synthetic=True,
        seed=seed,
        config_files={"network settings": cfgmod.NETWORK_SETTINGS_FILE},
        progress=progress,
        **extra,
    )
    progress(1.0, "county ready")
    return area
