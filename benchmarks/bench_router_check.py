"""Project network times and distances against an independent router and car profile.

The independent side shares nothing with the project's network code: pyroutelib3 (its own
graph, access, one-way and turn-restriction rules, read from the OSM file converted to XML with
pyosmium) chooses each route by OSRM's car class speeds, and the route is then timed with OSRM's
car profile (Project-OSRM/osrm-backend, profiles/car.lua and profiles/lib): class speeds where
no limit is tagged, 0.8 x the tagged limit where one is (``speed_reduction``), 2 s per traffic
signal, 2 s per stop sign, 1 s per give-way sign, and the sigmoid turn penalty (at most 7.5 s,
``turn_bias`` 1.075, left-hand traffic) at every node where more than two roads meet. The turn
angle is taken between the adjacent segments (OSRM looks a little further along each road).

The project side is the product's path: the network the service loads (same settings, same
cache) and the fastest paths the travel matrices use, network only (no access leg, no
kerb-to-door allowance). Pairs are random graph nodes; both routers start and end at the same
OSM node.

    python benchmarks/bench_router_check.py [--pairs N] [--seed S] [--network PATH]

Needs the ``bench`` extra (pyroutelib3). Last line:
RESULT pairs=<n> median_time_ratio=<project/independent> median_distance_ratio=<same>
"""

from __future__ import annotations

import argparse
import itertools
import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import pyroutelib3

from geodata.settings import TravelSettings
from geodata.snapping import SnappedPoints
from geodata.travel import NetworkArrays, travel_matrix
from optimiser import service

MPH_TO_KPH = 1.609344
# OSRM car profile (profiles/car.lua, ``speeds.highway``) [km/h] for ways without a limit.
OSRM_SPEEDS_KPH = {
    "motorway": 90,
    "motorway_link": 45,
    "trunk": 85,
    "trunk_link": 40,
    "primary": 65,
    "primary_link": 30,
    "secondary": 55,
    "secondary_link": 25,
    "tertiary": 40,
    "tertiary_link": 20,
    "unclassified": 25,
    "residential": 25,
    "living_street": 10,
    "service": 15,
}
OSRM_SPEED_REDUCTION = 0.8  # car.lua: tagged maxspeed x 0.8
OSRM_TURN_PENALTY_S = 7.5
OSRM_TURN_BIAS = 1 / 1.075  # car.lua's 1.075, inverted for left-hand traffic (GB)
OSRM_NODE_DELAY_S = {"traffic_signals": 2.0, "stop": 2.0, "give_way": 1.0}  # lib/obstacles.lua
# OSRM's maxspeed table for GB codes (car.lua maxspeed_table) [km/h]
OSRM_GB_LIMITS_KPH = {
    "gb:nsl_single": 60 * 1.609,
    "gb:nsl_dual": 70 * 1.609,
    "gb:motorway": 70 * 1.609,
    "uk:nsl_single": 60 * 1.609,
    "uk:nsl_dual": 70 * 1.609,
    "uk:motorway": 70 * 1.609,
    "national": 60 * 1.609,
}
_CAR_WAYS = set(OSRM_SPEEDS_KPH)
_EQUIVALENT = {"motorway_link": "motorway", "trunk_link": "trunk", "primary_link": "primary"}
_EQUIVALENT |= {"secondary_link": "secondary", "tertiary_link": "tertiary"}


def _osrm_limit_kph(value: str | None) -> float | None:
    """A maxspeed tag as OSRM reads it [km/h] (number, ``mph``, or a GB code), else None."""
    if not value:
        return None
    text = value.strip().lower()
    if text in OSRM_GB_LIMITS_KPH:
        return OSRM_GB_LIMITS_KPH[text]
    number = "".join(ch for ch in text.split(";")[0] if ch.isdigit() or ch == ".")
    if not number:
        return None
    kph = float(number)
    return kph * MPH_TO_KPH if "mph" in text else kph


@dataclass
class OsmRoads:
    """Per directed segment (a, b): OSRM speed [km/h]; per node: position, delay, road count."""

    speed_kph: dict[tuple[int, int], float]
    position: dict[int, tuple[float, float]]
    node_delay_s: dict[int, float]
    neighbours: dict[int, set[int]]


def read_osm(pbf: Path, xml_out: Path) -> OsmRoads:
    """Write car ways, their nodes and turn restrictions to OSM XML; collect the timing data."""
    speed: dict[tuple[int, int], float] = {}
    position: dict[int, tuple[float, float]] = {}
    neighbours: dict[int, set[int]] = {}
    delay: dict[int, float] = {}
    ways = []
    processor = osmium.FileProcessor(str(pbf)).with_locations()
    for obj in processor:
        if obj.is_node():
            kind = obj.tags.get("highway")
            if kind in OSRM_NODE_DELAY_S:
                delay[obj.id] = OSRM_NODE_DELAY_S[kind]
        elif obj.is_way():
            highway = obj.tags.get("highway")
            if highway not in _CAR_WAYS:
                continue
            refs = [n.ref for n in obj.nodes if n.location.valid()]
            for n in obj.nodes:
                if n.location.valid():
                    position[n.ref] = (n.location.lat, n.location.lon)
            limit = _osrm_limit_kph(obj.tags.get("maxspeed"))
            kph = limit * OSRM_SPEED_REDUCTION if limit else OSRM_SPEEDS_KPH[highway]
            for a, b in itertools.pairwise(refs):
                speed[(a, b)] = speed[(b, a)] = kph
                neighbours.setdefault(a, set()).add(b)
                neighbours.setdefault(b, set()).add(a)
            ways.append((obj.id, refs, dict(obj.tags)))
    relations = []
    for rel in osmium.FileProcessor(str(pbf), osmium.osm.RELATION):
        if rel.tags.get("type") == "restriction":
            members = [(m.type, m.ref, m.role) for m in rel.members]
            relations.append((rel.id, members, dict(rel.tags)))
    with osmium.SimpleWriter(str(xml_out), overwrite=True) as writer:
        for node_id in sorted(position):
            lat, lon = position[node_id]
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat)))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
        for rel_id, members, tags in relations:
            writer.add_relation(osmium.osm.mutable.Relation(id=rel_id, members=members, tags=tags))
    return OsmRoads(speed, position, delay, neighbours)


def _haversine_m(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Great-circle distance [m] between (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*p, *q))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def _bearing(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Initial bearing [degrees] from p to q."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*p, *q))
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.degrees(math.atan2(y, x))


def _turn_penalty_s(angle: float) -> float:
    """OSRM's sigmoid turn penalty [s]; ``angle`` > 0 turns right (across traffic in GB)."""
    b = OSRM_TURN_BIAS
    z = 13 / b * angle / 180 - 6.5 * b if angle >= 0 else 13 * b * -angle / 180 - 6.5 / b
    return OSRM_TURN_PENALTY_S / (1 + math.exp(-z))


def route_time_length(route: list[int], roads: OsmRoads) -> tuple[float, float]:
    """OSRM-profile seconds and metres along a node route."""
    seconds = metres = 0.0
    for a, b in itertools.pairwise(route):
        length = _haversine_m(roads.position[a], roads.position[b])
        metres += length
        seconds += length / (roads.speed_kph[(a, b)] / 3.6)
    for prev, node, nxt in zip(route[:-2], route[1:-1], route[2:], strict=True):
        seconds += roads.node_delay_s.get(node, 0.0)
        if len(roads.neighbours.get(node, ())) > 2:
            into = _bearing(roads.position[prev], roads.position[node])
            out = _bearing(roads.position[node], roads.position[nxt])
            angle = (out - into + 180.0) % 360.0 - 180.0
            seconds += _turn_penalty_s(angle)
    return seconds, metres


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--network", default=None, help="OSM extract [the demo's]")
    args = parser.parse_args()
    pbf = Path(args.network) if args.network else service.default_network_path()

    start = time.perf_counter()
    G = service.load_network_for(pbf)
    arrays = NetworkArrays.from_graph(G)
    print(f"project network: {G.number_of_nodes()} nodes, {time.perf_counter() - start:.1f} s")

    with tempfile.TemporaryDirectory(prefix="router-check-") as tmp:
        xml = Path(tmp) / "roads.osm"
        roads = read_osm(pbf, xml)
        # pyroutelib3 chooses routes by cost = length / weight: OSRM class speeds scaled to <= 1
        # keep its A* distance heuristic admissible, so routes are fastest by class speed.
        weights = {k: v / 130.0 for k, v in OSRM_SPEEDS_KPH.items()}
        weights |= {k: OSRM_SPEEDS_KPH[v] / 130.0 for k, v in _EQUIVALENT.items()}
        transport = {
            "name": "motorcar",
            "weights": weights,
            "access": ["access", "vehicle", "motor_vehicle", "motorcar"],
        }
        router = pyroutelib3.Router(transport, str(xml), localfileType="xml")
    print(f"independent graph: {len(router.rnodes)} nodes, {time.perf_counter() - start:.1f} s")

    rng = np.random.default_rng(args.seed)
    candidates = np.array([n for n in arrays.node_ids.tolist() if n in router.rnodes])
    picks = rng.choice(candidates, size=(args.pairs, 2), replace=True)
    picks = picks[picks[:, 0] != picks[:, 1]]
    zeros = np.zeros(len(picks))
    ends = [SnappedPoints(tuple(range(len(picks))), picks[:, k], zeros, zeros) for k in (0, 1)]
    matrix = travel_matrix(arrays, ends[0], ends[1], settings=TravelSettings(), dest_kerb_min=zeros)
    project_min = np.diag(matrix.minutes).astype(float)
    project_km = np.diag(matrix.km).astype(float)

    time_ratios, dist_ratios, failed = [], [], 0
    for i, (a, b) in enumerate(picks.tolist()):
        status, route = router.doRoute(a, b)
        if status != "success" or not np.isfinite(project_min[i]):
            failed += 1
            continue
        seconds, metres = route_time_length(route, roads)
        time_ratios.append(project_min[i] * 60.0 / seconds)
        dist_ratios.append(project_km[i] * 1000.0 / metres)
    print(f"routed {len(time_ratios)} pairs ({failed} without a route on one side)")
    q = np.percentile(time_ratios, [10, 25, 50, 75, 90])
    print("time ratio project/independent, p10 p25 p50 p75 p90: " + " ".join(f"{x:.3f}" for x in q))
    q = np.percentile(dist_ratios, [10, 25, 50, 75, 90])
    print("distance ratio, p10 p25 p50 p75 p90: " + " ".join(f"{x:.3f}" for x in q))
    print(f"total {time.perf_counter() - start:.0f} s")
    print(
        f"RESULT pairs={len(time_ratios)} "
        f"median_time_ratio={statistics.median(time_ratios):.3f} "
        f"median_distance_ratio={statistics.median(dist_ratios):.3f}"
    )


if __name__ == "__main__":
    main()
