"""Drivable road networks from OSM files, OSMnx downloads or the disk cache, with travel times."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
import xml.sax
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import osmium
import osmnx as ox
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geodata.errors import HomecareError, InputError
from geodata.settings import MPH_TO_KPH, NetworkSettings

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"

# Bump when the way a graph is built changes, so stale cached GraphML files are not reused.
BUILD_VERSION = "4"  # 4: limit shares, junction and node delays, speeds per OSM segment

# Way tags the speed rules read, on top of OSMnx's defaults. Set once, here (STYLE habit 9).
SPEED_TAGS = (
    "junction",
    "lit",
    "maxspeed:type",
    "source:maxspeed",
    "zone:maxspeed",
    "zone:traffic",
)
ox.settings.useful_tags_way = sorted(set(ox.settings.useful_tags_way) | set(SPEED_TAGS))

PBF_SUFFIXES = (".osm.pbf", ".pbf")
XML_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".xml")
GRAPHML_SUFFIXES = (".graphml",)

# OSMnx's "drive" and "drive_service" way filters (osmnx/_overpass.py, OSMnx 2.1), as unanchored
# regular expressions like Overpass's `!~`, so that files give the graph a download would give.
_EXCLUDED_HIGHWAY = {
    "drive": re.compile(
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|"
        "footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|service|"
        "services|steps|track"
    ),
    "drive_service": re.compile(
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|"
        "footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|services|"
        "steps|track"
    ),
}
_EXCLUDED_SERVICE = {
    "drive": re.compile("alley|driveway|emergency_access|parking|parking_aisle|private"),
    "drive_service": re.compile("emergency_access|parking|parking_aisle|private"),
}
_NODE_TAGS = tuple(ox.settings.useful_tags_node)


class DownloadError(HomecareError):
    """A network could not be downloaded (e.g. the machine is offline)."""


# ---------------------------------------------------------------------------- speeds


def parse_maxspeed_kph(value: str) -> float | None:
    """One OSM ``maxspeed`` value in km/h: ``'30 mph'`` -> 48.28, ``'50'`` -> 50.0,
    ``'national'``/``'GB:nsl_single'`` -> 60 mph, ``'GB:nsl_dual'``/``'GB:motorway'`` -> 70 mph;
    ``None`` for values that carry no number (``'signals'``, ``'none'``, ``'walk'``)."""
    text = str(value).strip().lower()
    if not text:
        return None
    if "nsl_dual" in text or text in ("gb:motorway", "uk:motorway"):
        return 70 * MPH_TO_KPH
    if "national" in text or "nsl_single" in text or text in ("gb:nsl", "uk:nsl"):
        return 60 * MPH_TO_KPH
    if "nsl_restricted" in text:
        return 30 * MPH_TO_KPH
    values = []
    for part in re.split(r"[;|]", text):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*", part)
        if match:
            number = float(match.group(1))
            values.append(number * MPH_TO_KPH if match.group(2) == "mph" else number)
    if not values or min(values) <= 0:
        return None
    return sum(values) / len(values)


def _as_list(value: Any) -> list[Any]:
    """An edge attribute as a list (simplification turns differing values into lists)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def edge_context(data: dict[str, Any]) -> str | None:
    """'urban' or 'rural' where the edge's OSM tags say so, else None.

    Urban: ``lit=yes`` (in the UK a road with street lighting is a 30 mph restricted road) or a
    maxspeed type/source/zone naming an urban or 20/30 zone. Rural: national-limit tags.
    """
    words = []
    for tag in ("maxspeed", "maxspeed:type", "source:maxspeed", "zone:maxspeed", "zone:traffic"):
        words += [str(v).lower() for v in _as_list(data.get(tag))]
    if any("urban" in w or "restricted" in w or "zone" in w for w in words):
        return "urban"
    if any("nsl" in w or "national" in w or "rural" in w for w in words):
        return "rural"
    if any(str(v).lower() in ("yes", "24/7", "automatic") for v in _as_list(data.get("lit"))):
        return "urban"
    return None


def limit_context(limit_kph: float, data: dict[str, Any], settings: NetworkSettings) -> str:
    """The setting of an edge with a tagged limit: 'urban' at 30 mph or less, 'rural' at
    50 mph or more, and in between (40 mph) what the tags say, else ``unknown_context``."""
    if limit_kph <= 30 * MPH_TO_KPH + 0.5:
        return "urban"
    if limit_kph >= 50 * MPH_TO_KPH - 0.5:
        return "rural"
    return edge_context(data) or settings.unknown_context


def is_roundabout(data: dict[str, Any]) -> bool:
    """True if the edge is part of a roundabout (``junction=roundabout`` or ``circular``)."""
    return any(str(v) in ("roundabout", "circular") for v in _as_list(data.get("junction")))


def edge_speed_kph(data: dict[str, Any], settings: NetworkSettings) -> tuple[float, str]:
    """The free-flow speed [km/h] of one edge and where it came from ('maxspeed', 'urban' or
    'rural').

    Tagged: the limit times the class's share of it in the edge's setting; untagged: the
    class's default speed in its context. An edge may carry several road classes or limits
    (OSMnx merges differing tags into a list whose order varies from run to run); every rule
    here is order-free, so the same extract always gives the same speeds: the mean of the
    tagged limits times the mean of the classes' shares, else the mean of the classes'
    defaults, capped at the highest cap of the classes when each has one, and at the
    roundabout cap on a roundabout.
    """
    highways = sorted({str(h) for h in _as_list(data.get("highway"))}) or ["road"]
    tagged = [parse_maxspeed_kph(v) for v in _as_list(data.get("maxspeed"))]
    tagged_kph = sorted(v for v in tagged if v is not None)
    if tagged_kph:
        limit = sum(tagged_kph) / len(tagged_kph)
        context = limit_context(limit, data, settings)
        shares = [settings.limit_share(h, context) for h in highways]
        speed, origin = limit * sum(shares) / len(shares), "maxspeed"
    else:
        context = edge_context(data) or settings.unknown_context
        defaults = [settings.default_speed_kph(h, context) for h in highways]
        speed, origin = sum(defaults) / len(defaults), context
    caps = [settings.class_cap_kph.get(h) for h in highways]
    if all(c is not None for c in caps):
        speed = min(speed, max(c for c in caps if c is not None))
    if is_roundabout(data):
        speed = min(speed, settings.roundabout_cap_kph)
    return float(speed), origin


# Road hierarchy for junction delays: a lower rank is a more important road; links rank with
# their road; every minor class (unclassified, residential, service...) shares the last rank.
_CLASS_RANK = {"motorway": 0, "trunk": 1, "primary": 2, "secondary": 3, "tertiary": 4}
_MINOR_RANK = 5


def road_rank(data: dict[str, Any]) -> int:
    """The edge's place in the road hierarchy: the best of its classes (order-free)."""
    ranks = [
        _CLASS_RANK.get(str(h).removesuffix("_link"), _MINOR_RANK)
        for h in _as_list(data.get("highway"))
    ]
    return min(ranks, default=_MINOR_RANK)


def _node_kinds(value: Any) -> list[str]:
    """The ``highway`` values of a node (a list after simplification, else one value)."""
    return sorted({str(v) for v in _as_list(value)})


def node_delays_s(
    G: nx.MultiDiGraph, settings: NetworkSettings, counts: dict[Any, int]
) -> dict[Any, float]:
    """The delay [s] of passing each node: its tagged kinds' delays, plus the ``through``
    junction delay where three or more streets meet (``counts``: streets per node)."""
    through = settings.junction_s("through")
    out = {}
    for node, data in G.nodes(data=True):
        delay = sum(settings.node_delay_s.get(k, 0.0) for k in _node_kinds(data.get("highway")))
        out[node] = delay + (through if counts.get(node, 0) >= 3 else 0.0)
    return out


def add_edge_delays(G: nx.MultiDiGraph, settings: NetworkSettings) -> nx.MultiDiGraph:
    """Set ``delay_s`` [s] on every edge: node and junction delays folded into edges.

    Half of each node's passing delay goes on the edges into it and half on the edges out of
    it, so a path pays the whole delay at every node it passes through. At a junction, an edge
    arriving from a road of lower rank than the best road there carries ``from_minor`` (give
    way, pull out), one leaving onto a lower rank ``to_minor`` (slow and turn), and one arriving
    at a roundabout from outside it ``roundabout_entry`` instead of ``from_minor``.
    """
    counts = ox.stats.count_streets_per_node(G)
    passing = node_delays_s(G, settings, counts)
    best: dict[Any, int] = {}
    on_roundabout: set[Any] = set()
    for u, v, data in G.edges(data=True):
        rank = road_rank(data)
        for node in (u, v):
            best[node] = min(best.get(node, _MINOR_RANK), rank)
            if is_roundabout(data):
                on_roundabout.add(node)
    for u, v, data in G.edges(data=True):
        rank, delay = road_rank(data), 0.5 * (passing[u] + passing[v])
        if counts.get(v, 0) >= 3:
            if v in on_roundabout and not is_roundabout(data):
                delay += settings.junction_s("roundabout_entry")
            elif rank > best[v]:
                delay += settings.junction_s("from_minor")
        if counts.get(u, 0) >= 3 and rank > best[u]:
            delay += settings.junction_s("to_minor")
        data["delay_s"] = float(delay)
    return G


def add_uk_edge_speeds(G: nx.MultiDiGraph, settings: NetworkSettings) -> nx.MultiDiGraph:
    """Set ``speed_kph`` [km/h], ``speed_source``, ``delay_s`` [s] and ``travel_time`` [s] =
    length / speed + delay on every edge.

    Works like OSMnx's ``add_edge_speeds(hwy_speeds=...)`` plus ``add_edge_travel_times`` but
    with UK urban/rural defaults and shares of the limit, national-limit tags understood
    (OSMnx would read ``national`` as no value) and junction and node delays added.
    """
    G = add_edge_delays(G, settings)
    for _, _, data in G.edges(data=True):
        speed, origin = edge_speed_kph(data, settings)
        data["speed_kph"] = speed
        data["speed_source"] = origin
        data["travel_time"] = float(data["length"]) / (speed / 3.6) + data["delay_s"]
    return G


def _simplify_timed(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Simplify a graph timed per OSM segment: lengths, times and delays add up along each
    merged path; the merged edge's ``speed_kph`` is its driving speed (length over time less
    delays) and ``speed_source`` the sorted '+'-joined sources (no list, no set order)."""
    G = ox.simplification.simplify_graph(
        G, edge_attr_aggs={"length": sum, "travel_time": sum, "delay_s": sum}
    )
    for _, _, data in G.edges(data=True):
        driving_s = data["travel_time"] - data["delay_s"]
        speeds = [float(v) for v in _as_list(data["speed_kph"])]
        data["speed_kph"] = 3.6 * data["length"] / driving_s if driving_s > 0 else min(speeds)
        data["speed_source"] = "+".join(sorted({str(v) for v in _as_list(data["speed_source"])}))
    return G


# ---------------------------------------------------------------------------- OSM files


def _suffix_kind(path: Path) -> str | None:
    """'pbf', 'xml' or 'graphml' from a file name, or None."""
    name = path.name.lower()
    for kind, suffixes in (
        ("pbf", PBF_SUFFIXES),
        ("xml", XML_SUFFIXES),
        ("graphml", GRAPHML_SUFFIXES),
    ):
        if name.endswith(suffixes):
            return kind
    return None


def _check_file(path: Path) -> str:
    """The kind of an input network file; InputError naming the file if it cannot be used."""
    kind = _suffix_kind(path)
    if kind is None:
        raise InputError(
            f"unsupported network file type (expected one of "
            f"{', '.join(PBF_SUFFIXES + XML_SUFFIXES + GRAPHML_SUFFIXES)})",
            source=str(path),
        )
    if not path.is_file():
        raise InputError("network file not found", source=str(path))
    if path.stat().st_size == 0:
        raise InputError("network file is empty", source=str(path))
    return kind


def _is_drivable(tags: dict[str, str], network_type: str) -> bool:
    """True if a way passes OSMnx's drive filter for ``network_type``."""
    highway = tags.get("highway")
    if highway is None or _EXCLUDED_HIGHWAY[network_type].search(highway):
        return False
    if "yes" in tags.get("area", "") or "private" in tags.get("access", ""):
        return False
    if "no" in tags.get("motor_vehicle", "") or "no" in tags.get("motorcar", ""):
        return False
    service = tags.get("service")
    return not (service is not None and _EXCLUDED_SERVICE[network_type].search(service))


def write_drivable_xml(src: Path, dst: Path, *, network_type: str = "drive") -> int:
    """Copy the drivable ways of an OSM file (PBF or XML) and their nodes to OSM XML ``dst``.

    One pass with pyosmium (libosmium's C++ readers): node locations are kept in libosmium's
    sparse index and handed over with each way, and only tagged nodes and highway ways reach
    Python, so memory stays small on county extracts. Returns the number of ways written.
    References to nodes missing from the extract are dropped. Raises InputError naming ``src``
    when it cannot be read.
    """
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    coords: dict[int, tuple[float, float]] = {}
    node_tags: dict[int, dict[str, str]] = {}
    try:
        processor = (
            osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway", *_NODE_TAGS))
        )
        for obj in processor:
            if obj.is_node():
                tags = {t.k: t.v for t in obj.tags if t.k in _NODE_TAGS}
                if tags:
                    node_tags[obj.id] = tags
                continue
            tags = {t.k: t.v for t in obj.tags}
            if not _is_drivable(tags, network_type):
                continue
            refs = []
            for ref in obj.nodes:
                if ref.location.valid():
                    coords[ref.ref] = (ref.location.lon, ref.location.lat)
                    refs.append(ref.ref)
            if len(refs) >= 2:
                ways.append((obj.id, refs, tags))
        with osmium.SimpleWriter(str(dst), overwrite=True) as writer:
            for node_id in sorted(coords):
                writer.add_node(
                    osmium.osm.mutable.Node(
                        id=node_id, location=coords[node_id], tags=node_tags.get(node_id, {})
                    )
                )
            for way_id, refs, tags in ways:
                writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
    except RuntimeError as exc:  # libosmium's errors for unreadable or malformed files
        raise InputError(f"cannot read OSM data: {exc}", source=str(src)) from None
    return len(ways)


def _finish(
    G: nx.MultiDiGraph, settings: NetworkSettings, *, source: str, digest: str
) -> nx.MultiDiGraph:
    """Time every OSM segment (speeds and delays), simplify, keep the largest strongly
    connected component, stamp.

    Timing the unsimplified graph gives each stretch of road its own tags (no averaging over
    a merged edge) and sees the signals and crossings that simplification would drop; a graph
    that arrives simplified (a download made so) is timed per merged edge instead.
    """
    if len(G) == 0:
        raise InputError("no drivable roads found", source=source)
    G = add_uk_edge_speeds(G, settings)
    if not G.graph.get("simplified"):
        G = _simplify_timed(G)
    G = ox.truncate.largest_component(G, strongly=True)
    if G.number_of_edges() == 0:
        raise InputError("no drivable roads with a two-way connection found", source=source)
    G.graph.update(
        homecare_source=source,
        homecare_digest=digest,
        homecare_settings=json.dumps(
            {
                "network_type": settings.network_type,
                "digest": settings.digest(),
                "build_version": BUILD_VERSION,
            }
        ),
        homecare_built_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        attribution=OSM_ATTRIBUTION,
    )
    return G


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in 1 MiB blocks."""
    sha = hashlib.sha256()
    with Path(path).open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _cache_key(kind: str, content: str, settings: NetworkSettings) -> str:
    """A content hash for one network build: input content + settings + build version."""
    text = f"{kind}|{content}|{settings.digest()}|{BUILD_VERSION}"
    return hashlib.sha256(text.encode()).hexdigest()


def _graph_from_drivable_xml(
    xml_path: Path, settings: NetworkSettings, *, source: str, digest: str
) -> nx.MultiDiGraph:
    """Parse an XML file that holds drivable ways only with OSMnx and finish the graph."""
    try:
        G = ox.graph_from_xml(xml_path, simplify=False, retain_all=False)
    except (xml.sax.SAXException, ValueError, KeyError) as exc:
        raise InputError(f"cannot build a network from this file: {exc}", source=source) from None
    return _finish(G, settings, source=source, digest=digest)


def _graph_from_osm_file(path: Path, settings: NetworkSettings) -> nx.MultiDiGraph:
    """Any OSM file (PBF or XML): drivable ways to temporary XML, then OSMnx."""
    digest = _cache_key("file", file_sha256(path), settings)
    with tempfile.TemporaryDirectory(prefix="homecare-osm-") as tmp:
        xml_path = Path(tmp) / "drivable.osm"
        if write_drivable_xml(path, xml_path, network_type=settings.network_type) == 0:
            raise InputError("no drivable roads found", source=str(path))
        return _graph_from_drivable_xml(xml_path, settings, source=str(path), digest=digest)


def graph_from_pbf(path: Path | str, *, settings: NetworkSettings | None = None) -> nx.MultiDiGraph:
    """A drivable network from an ``.osm.pbf`` extract (pyosmium to OSM XML, then OSMnx)."""
    path = Path(path)
    if _check_file(path) != "pbf":
        raise InputError("expected an .osm.pbf file", source=str(path))
    return _graph_from_osm_file(path, settings or NetworkSettings())


def graph_from_xml(path: Path | str, *, settings: NetworkSettings | None = None) -> nx.MultiDiGraph:
    """A drivable network from an OSM XML file (``.osm``, ``.osm.bz2``); non-drivable ways in the
    file are dropped with OSMnx's drive filter before OSMnx builds the graph."""
    path = Path(path)
    if _check_file(path) != "xml":
        raise InputError("expected an OSM XML file (.osm, .osm.bz2)", source=str(path))
    return _graph_from_osm_file(path, settings or NetworkSettings())


def _download(fetch: Any, what: str, settings: NetworkSettings, digest: str) -> nx.MultiDiGraph:
    """Run an OSMnx download and finish the graph; DownloadError if it fails."""
    try:
        G = fetch()
    except (ValueError, TypeError) as exc:
        raise InputError(f"OSMnx could not find {what}: {exc}", source=what) from None
    except Exception as exc:  # requests' connection errors and OSMnx's response errors
        raise DownloadError(f"could not download the road network for {what}: {exc}") from exc
    return _finish(G, settings, source=what, digest=digest)


def graph_from_place(
    query: str | dict[str, str], *, settings: NetworkSettings | None = None
) -> nx.MultiDiGraph:
    """A drivable network for a place name (e.g. ``'Rutland, England'``) via OSMnx (online)."""
    settings = settings or NetworkSettings()
    digest = _cache_key("place", json.dumps(query, sort_keys=True), settings)
    return _download(
        lambda: ox.graph_from_place(query, network_type=settings.network_type, simplify=False),
        f"place {query!r}",
        settings,
        digest,
    )


def graph_from_polygon(
    polygon: BaseGeometry, *, settings: NetworkSettings | None = None
) -> nx.MultiDiGraph:
    """A drivable network inside a lon/lat (EPSG:4326) polygon via OSMnx (online)."""
    settings = settings or NetworkSettings()
    digest = _cache_key("polygon", polygon.wkb_hex, settings)
    return _download(
        lambda: ox.graph_from_polygon(polygon, network_type=settings.network_type, simplify=False),
        "polygon",
        settings,
        digest,
    )


# ---------------------------------------------------------------------------- cache + loading


def save_graph(G: nx.MultiDiGraph, path: Path) -> None:
    """Write a graph as GraphML atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    ox.save_graphml(G, tmp)
    os.replace(tmp, path)


def read_graph(path: Path) -> nx.MultiDiGraph:
    """Read a GraphML file written by :func:`save_graph` (or by OSMnx)."""
    path = Path(path)
    try:
        G = ox.load_graphml(
            path,
            edge_dtypes={"speed_source": str, "delay_s": float},
            graph_dtypes={"homecare_digest": str},
        )
    except Exception as exc:  # XML errors, missing attributes
        raise InputError(f"cannot read GraphML: {exc}", source=str(path)) from None
    for _, _, data in G.edges(data=True):
        if "travel_time" not in data or "length" not in data:
            raise InputError("GraphML edges lack travel_time/length", source=str(path))
    if "homecare_digest" not in G.graph:
        G.graph["homecare_digest"] = file_sha256(path)
    return G


def _looks_like_path(source: str) -> bool:
    """True if a string names a file rather than a place."""
    return _suffix_kind(Path(source)) is not None or os.sep in source or Path(source).exists()


def load_network(
    source: Path | str | BaseGeometry,
    *,
    settings: NetworkSettings | None = None,
    cache_dir: Path | None = None,
) -> nx.MultiDiGraph:
    """The drivable network for ``source``, with ``length`` [m], ``speed_kph`` and
    ``travel_time`` [s] on every edge, node ``x``/``y`` in lon/lat (EPSG:4326), largest strongly
    connected component only.

    ``source``: an OSM file (``.osm.pbf``, ``.osm``, ``.osm.bz2``), a GraphML file, a place name,
    or a shapely polygon (the last two download through OSMnx and need the internet). With
    ``cache_dir``, the built graph is kept there as GraphML keyed by the content hash of the
    input and the settings, so each network is parsed once, and every run (the first too)
    uses the graph as read from the cache.
    """
    settings = settings or NetworkSettings()
    if isinstance(source, str) and not _looks_like_path(source):
        key = _cache_key("place", json.dumps(source, sort_keys=True), settings)
        build = lambda: graph_from_place(source, settings=settings)  # noqa: E731
    elif isinstance(source, BaseGeometry):
        key = _cache_key("polygon", source.wkb_hex, settings)
        build = lambda: graph_from_polygon(source, settings=settings)  # noqa: E731
    else:
        path = Path(source)
        kind = _check_file(path)
        if kind == "graphml":
            return read_graph(path)
        key = _cache_key("file", file_sha256(path), settings)
        build = lambda: _graph_from_osm_file(path, settings)  # noqa: E731
    if cache_dir is None:
        return build()
    cached = Path(cache_dir) / f"network-{key[:24]}.graphml"
    if cached.is_file():
        try:
            return read_graph(cached)
        except InputError:  # an unreadable cache entry is rebuilt, not an input error
            cached.unlink(missing_ok=True)
    save_graph(build(), cached)
    # Read back what was written, so the first run sees exactly the graph later runs load
    # from the cache (same node and edge order, same attribute types): identical figures.
    return read_graph(cached)


# ---------------------------------------------------------------------------- summaries


def network_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """Nodes, directed edges, km of road (each two-way street once) and lon/lat bbox."""
    xs = [d["x"] for _, d in G.nodes(data=True)]
    ys = [d["y"] for _, d in G.nodes(data=True)]
    seen: set[tuple[int, int]] = set()
    road_m = 0.0
    for u, v, data in G.edges(data=True):
        pair = (u, v) if u <= v else (v, u)
        if pair in seen:
            continue
        seen.add(pair)
        road_m += float(data.get("length", 0.0))
    return {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "road_km": round(road_m / 1000.0, 1),
        "bbox": (min(xs), min(ys), max(xs), max(ys)) if xs else None,
        "source": G.graph.get("homecare_source"),
        "attribution": OSM_ATTRIBUTION,
    }


def network_lines(G: nx.MultiDiGraph) -> pd.DataFrame:
    """One row per street (each two-way street once) for a pydeck PathLayer base map:
    ``path`` (list of [lon, lat]), ``highway`` (first class if several), ``speed_kph``."""
    rows = []
    seen: set[tuple[int, int]] = set()
    for u, v, data in G.edges(data=True):
        pair = (u, v) if u <= v else (v, u)
        if pair in seen:
            continue
        seen.add(pair)
        geometry = data.get("geometry")
        if geometry is not None:
            path = [[round(x, 6), round(y, 6)] for x, y in geometry.coords]
        else:
            path = [
                [round(G.nodes[u]["x"], 6), round(G.nodes[u]["y"], 6)],
                [round(G.nodes[v]["x"], 6), round(G.nodes[v]["y"], 6)],
            ]
        highway = _as_list(data.get("highway"))
        rows.append(
            {
                "path": path,
                "highway": min(str(h) for h in highway) if highway else "road",
                "speed_kph": float(data.get("speed_kph", math.nan)),
            }
        )
    return pd.DataFrame(rows, columns=["path", "highway", "speed_kph"])
