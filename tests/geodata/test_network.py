"""Tests for geodata.network and geodata.settings: loading, speeds, caching, bad files."""

from __future__ import annotations

import bz2
import shutil
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import osmnx as ox
import pytest
from shapely.geometry import box

from geodata import network
from geodata.errors import InputError
from geodata.network import (
    OSM_ATTRIBUTION,
    graph_from_pbf,
    graph_from_xml,
    load_network,
    network_lines,
    network_summary,
    parse_maxspeed_kph,
)
from geodata.settings import (
    MPH_TO_KPH,
    NetworkSettings,
    TravelSettings,
    load_settings,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
# Node ids of the hand-made fixture tests/data/tiny_speeds.osm (see the comments in the file).
HUB, NORTH, SOUTH, EAST, WEST, ONE_WAY_END, SOUTH_WEST, FOOTWAY_END, PRIVATE_END = range(1, 10)


@pytest.fixture(scope="module")
def tiny(test_data: Path) -> nx.MultiDiGraph:
    """The hand-made hub-and-spokes network; each spoke exercises one speed or filter rule."""
    return load_network(test_data / "tiny_speeds.osm")


@pytest.fixture(scope="module")
def rutland(rutland_pbf: Path, tmp_path_factory: pytest.TempPathFactory) -> nx.MultiDiGraph:
    """The Rutland drive network, parsed once per test session (shared GraphML cache)."""
    return load_network(rutland_pbf, cache_dir=tmp_path_factory.getbasetemp() / "network-cache")


def _edge(G: nx.MultiDiGraph, u: int, v: int) -> dict:
    """The attributes of the (single) edge u -> v."""
    return G.edges[u, v, 0]


# ---------------------------------------------------------------------------- speeds


@pytest.mark.parametrize(
    ("raw", "kph"),
    [
        ("30 mph", 30 * MPH_TO_KPH),  # UK style, mph
        ("50", 50.0),  # OSM default unit is km/h
        ("20mph", 20 * MPH_TO_KPH),  # no space
        ("national", 60 * MPH_TO_KPH),  # national limit, single carriageway
        ("GB:nsl_single", 60 * MPH_TO_KPH),
        ("GB:nsl_dual", 70 * MPH_TO_KPH),
        ("30 mph;40 mph", 35 * MPH_TO_KPH),  # several values: their mean
        ("signals", None),  # no number
        ("none", None),
        ("", None),
    ],
)
def test_parse_maxspeed(raw: str, kph: float | None) -> None:
    """OSM maxspeed strings become km/h, with mph and UK national-limit words understood."""
    got = parse_maxspeed_kph(raw)
    if kph is None:
        assert got is None
    else:
        assert got == pytest.approx(kph)


def test_tiny_speed_rules(tiny: nx.MultiDiGraph) -> None:
    """Each spoke's speed follows its rule: share of the tag, urban default, rural default."""
    cases = {
        NORTH: (30 * MPH_TO_KPH * 0.70, "maxspeed"),  # primary tagged 30 mph: urban share 0.70
        SOUTH: (28.0, "urban"),  # residential, lit=yes -> urban residential default
        EAST: (60 * MPH_TO_KPH * 0.60, "maxspeed"),  # lane tagged national: rural share 0.60
        WEST: (56.0, "rural"),  # untagged tertiary, unknown context -> rural default
        SOUTH_WEST: (82.0, "rural"),  # trunk with maxspeed:type GB:nsl_dual -> rural default
    }
    for node, (kph, origin) in cases.items():
        for u, v in ((HUB, node), (node, HUB)):
            data = _edge(tiny, u, v)
            assert data["speed_kph"] == pytest.approx(kph), (u, v)
            assert data["speed_source"] == origin, (u, v)
            assert data["travel_time"] == pytest.approx(
                data["length"] / (kph / 3.6) + data["delay_s"]
            )


def test_class_cap_still_binds_a_tagged_lane() -> None:
    """A lane tagged 70 mph would be driven at 0.6 x 113 = 68 km/h; the lane cap holds it at 64."""
    data = {"highway": "unclassified", "maxspeed": "70 mph"}
    assert network.edge_speed_kph(data, NetworkSettings()) == (64.0, "maxspeed")


def test_junction_delays_follow_the_road_hierarchy(tiny: nx.MultiDiGraph) -> None:
    """At the hub (six streets; the trunk is the best road) a spoke of lower class pays the
    give-way delay arriving and the turn-off delay leaving; the trunk pays neither, and every
    spoke pays half of the hub's through-junction delay each way (its far end is a dead end)."""
    delays = NetworkSettings().junction_delay_s
    half = delays["through"] / 2
    assert _edge(tiny, NORTH, HUB)["delay_s"] == pytest.approx(half + delays["from_minor"])
    assert _edge(tiny, HUB, NORTH)["delay_s"] == pytest.approx(half + delays["to_minor"])
    assert _edge(tiny, SOUTH_WEST, HUB)["delay_s"] == pytest.approx(half)
    assert _edge(tiny, HUB, SOUTH_WEST)["delay_s"] == pytest.approx(half)


def _straight_road(**signal_tags: str) -> nx.MultiDiGraph:
    """A 2 km two-way tertiary road A-B-C, the middle node B carrying ``signal_tags``."""
    G = nx.MultiDiGraph(crs="epsg:4326")
    for node, lat in ((1, 52.650), (2, 52.659), (3, 52.668)):
        G.add_node(node, x=-0.7, y=lat)
    G.nodes[2].update(signal_tags)
    for u, v in ((1, 2), (2, 3)):
        for a, b in ((u, v), (v, u)):
            G.add_edge(a, b, highway="tertiary", length=1000.0, maxspeed="60 mph")
    return G


def test_tagged_node_delay_is_paid_once_per_pass() -> None:
    """A traffic signal mid-road adds its delay once to a trip through it (half on the edge
    in, half on the edge out), and nothing to a road without one."""
    settings = NetworkSettings()
    plain = network.add_uk_edge_speeds(_straight_road(), settings)
    signals = network.add_uk_edge_speeds(_straight_road(highway="traffic_signals"), settings)

    def trip_s(G: nx.MultiDiGraph) -> float:
        return G.edges[1, 2, 0]["travel_time"] + G.edges[2, 3, 0]["travel_time"]

    assert trip_s(signals) - trip_s(plain) == pytest.approx(
        settings.node_delay_s["traffic_signals"]
    )
    assert plain.edges[1, 2, 0]["delay_s"] == 0.0


def test_simplified_edge_adds_up_its_segments() -> None:
    """Simplifying the timed road keeps total time and length and the driving speed."""
    settings = NetworkSettings()
    G = network.add_uk_edge_speeds(_straight_road(highway="traffic_signals"), settings)
    S = network._simplify_timed(G.copy())
    (edge,) = [d for u, v, d in S.edges(data=True) if (u, v) == (1, 3)]
    assert edge["length"] == pytest.approx(2000.0)
    assert edge["travel_time"] == pytest.approx(
        G.edges[1, 2, 0]["travel_time"] + G.edges[2, 3, 0]["travel_time"]
    )
    assert edge["speed_kph"] == pytest.approx(60 * MPH_TO_KPH * 0.70)
    assert edge["speed_source"] == "maxspeed"


def test_merged_edge_speed_does_not_depend_on_list_order() -> None:
    """OSMnx merges differing tags of a simplified edge into lists in no fixed order: the
    speed must be the same whatever the order (it was the first class once, and the demo's
    figures then changed with Python's hash seed)."""
    settings = NetworkSettings()
    one = {"highway": ["residential", "unclassified"], "maxspeed": ["60 mph", "50 mph"]}
    other = {"highway": ["unclassified", "residential"], "maxspeed": ["50 mph", "60 mph"]}
    assert network.edge_speed_kph(one, settings) == network.edge_speed_kph(other, settings)
    untagged = {"highway": ["residential", "unclassified"]}
    reverse = {"highway": ["unclassified", "residential"]}
    assert network.edge_speed_kph(untagged, settings) == network.edge_speed_kph(reverse, settings)


def test_tiny_keeps_only_drivable_strongly_connected(tiny: nx.MultiDiGraph) -> None:
    """Footways, private roads, a one-way dead end and an island are all left out."""
    assert set(tiny.nodes) == {HUB, NORTH, SOUTH, EAST, WEST, SOUTH_WEST}
    assert nx.is_strongly_connected(tiny)
    assert tiny.graph["attribution"] == OSM_ATTRIBUTION


def test_tiny_lengths_are_great_circle(tiny: nx.MultiDiGraph) -> None:
    """Spokes are about 1 km long (0.009 degrees of latitude), as the fixture was drawn."""
    assert _edge(tiny, HUB, NORTH)["length"] == pytest.approx(1000.76, abs=0.05)
    assert _edge(tiny, HUB, EAST)["length"] == pytest.approx(1000.0, abs=2.0)


def test_custom_speeds_change_the_graph(test_data: Path) -> None:
    """Settings reach the graph: a faster rural tertiary default gives a faster edge."""
    settings = NetworkSettings.from_dict({"rural_speeds_kph": {"tertiary": 50.0}})
    G = graph_from_xml(test_data / "tiny_speeds.osm", settings=settings)
    assert _edge(G, HUB, WEST)["speed_kph"] == pytest.approx(50.0)
    assert (
        G.graph["homecare_digest"]
        != load_network(test_data / "tiny_speeds.osm").graph["homecare_digest"]
    )


def test_urban_default_when_unknown_context_is_urban(test_data: Path) -> None:
    """With unknown_context='urban' the untagged tertiary gets the urban default."""
    G = graph_from_xml(
        test_data / "tiny_speeds.osm", settings=NetworkSettings(unknown_context="urban")
    )
    assert _edge(G, HUB, WEST)["speed_kph"] == pytest.approx(34.0)


# ---------------------------------------------------------------------------- formats, cache


def test_bz2_xml_gives_the_same_graph(test_data: Path, tmp_path: Path) -> None:
    """A bzip2-compressed copy of the XML loads to the same nodes, edges and times."""
    packed = tmp_path / "tiny_speeds.osm.bz2"
    packed.write_bytes(bz2.compress((test_data / "tiny_speeds.osm").read_bytes()))
    a = load_network(test_data / "tiny_speeds.osm")
    b = load_network(packed)
    assert set(a.edges) == set(b.edges)
    for e in a.edges:
        assert a.edges[e]["travel_time"] == pytest.approx(b.edges[e]["travel_time"])


def test_cache_writes_graphml_once_and_reloads_it(test_data: Path, tmp_path: Path) -> None:
    """The first load writes one GraphML file; the second reads it back unchanged."""
    src = tmp_path / "tiny.osm"
    shutil.copy(test_data / "tiny_speeds.osm", src)
    first = load_network(src, cache_dir=tmp_path / "cache")
    files = list((tmp_path / "cache").iterdir())
    assert len(files) == 1 and files[0].suffix == ".graphml"
    second = load_network(src, cache_dir=tmp_path / "cache")
    assert set(first.edges) == set(second.edges)
    for e in first.edges:
        for attr in ("length", "speed_kph", "travel_time", "speed_source", "highway"):
            assert first.edges[e][attr] == pytest.approx(second.edges[e][attr]), attr
    assert second.graph["homecare_digest"] == first.graph["homecare_digest"]
    # a GraphML path is itself a valid source
    assert set(load_network(files[0]).edges) == set(first.edges)


def test_broken_cache_entry_is_rebuilt(test_data: Path, tmp_path: Path) -> None:
    """A damaged cached GraphML file is rebuilt from the source, not reported as bad input."""
    src = test_data / "tiny_speeds.osm"
    first = load_network(src, cache_dir=tmp_path)
    (cached,) = tmp_path.iterdir()
    cached.write_text("<graphml>broken")
    again = load_network(src, cache_dir=tmp_path)
    assert set(again.edges) == set(first.edges)
    assert network.read_graph(cached).number_of_edges() == first.number_of_edges()


def test_cache_key_follows_file_content(test_data: Path, tmp_path: Path) -> None:
    """Editing the OSM file (same name) builds a new cache entry, never a stale graph."""
    src = tmp_path / "tiny.osm"
    shutil.copy(test_data / "tiny_speeds.osm", src)
    load_network(src, cache_dir=tmp_path / "cache")
    src.write_text(src.read_text().replace('v="30 mph"', 'v="20 mph"'))
    G = load_network(src, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == 2
    assert _edge(G, HUB, NORTH)["speed_kph"] == pytest.approx(20 * MPH_TO_KPH * 0.70)


def test_place_download_path_is_finished_and_cached(
    test_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A place name goes through OSMnx's download (stubbed offline here) and the same finishing
    and cache as files: speeds, largest strongly connected component, one GraphML file."""
    raw = ox.graph_from_xml(test_data / "tiny_speeds.osm", simplify=False, retain_all=True)
    calls = []

    def fake_download(query: str, **kwargs: object) -> nx.MultiDiGraph:
        calls.append((query, kwargs))
        return raw.copy()

    monkeypatch.setattr(ox, "graph_from_place", fake_download)
    G = load_network("Nowhere, England", cache_dir=tmp_path)
    assert calls == [("Nowhere, England", {"network_type": "drive", "simplify": False})]
    assert nx.is_strongly_connected(G)
    assert all("travel_time" in d for _, _, d in G.edges(data=True))
    load_network("Nowhere, England", cache_dir=tmp_path)
    assert len(calls) == 1  # second call served from the cache


def test_polygon_download_failure_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed download (e.g. offline) raises DownloadError naming what was asked for."""

    def offline(*args: object, **kwargs: object) -> nx.MultiDiGraph:
        raise ConnectionError("no network")

    monkeypatch.setattr(ox, "graph_from_polygon", offline)
    with pytest.raises(network.DownloadError, match="polygon"):
        load_network(box(-0.8, 52.5, -0.4, 52.8))


# ---------------------------------------------------------------------------- bad files


def test_empty_file_is_named(tmp_path: Path) -> None:
    """An empty .osm.pbf is an InputError that names the file."""
    path = tmp_path / "empty.osm.pbf"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.osm\.pbf.*empty"):
        load_network(path)


def test_wrong_format_is_named(tmp_path: Path) -> None:
    """A .csv is refused by name, listing the formats that are accepted."""
    path = tmp_path / "roads.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"roads\.csv.*unsupported"):
        load_network(path)


def test_garbage_pbf_is_named(tmp_path: Path) -> None:
    """Text saved as .osm.pbf cannot be read: InputError naming the file."""
    path = tmp_path / "fake.osm.pbf"
    path.write_text("not a protobuf\n" * 10)
    with pytest.raises(InputError, match=r"fake\.osm\.pbf"):
        graph_from_pbf(path)


def test_not_xml_is_named(test_data: Path) -> None:
    """Text saved as .osm is an InputError naming the file."""
    with pytest.raises(InputError, match=r"not_osm\.osm"):
        load_network(test_data / "not_osm.osm")


def test_file_without_roads_is_named(test_data: Path) -> None:
    """A file with footways only says no drivable roads were found."""
    with pytest.raises(InputError, match=r"no_roads\.osm.*no drivable roads"):
        load_network(test_data / "no_roads.osm")


def test_missing_file_is_named(tmp_path: Path) -> None:
    """A path that does not exist is an InputError, not a place-name download."""
    with pytest.raises(InputError, match="not found"):
        load_network(tmp_path / "nowhere.osm.pbf")


def test_xml_reader_refuses_pbf(rutland_pbf: Path) -> None:
    """graph_from_xml insists on XML, so a mix-up of readers is caught early."""
    with pytest.raises(InputError, match="XML"):
        graph_from_xml(rutland_pbf)


# ---------------------------------------------------------------------------- real data


def test_rutland_network(rutland: nx.MultiDiGraph, rutland_pbf: Path) -> None:
    """Rutland loads as one strongly connected drive network with times on every edge, inside
    the extract's header bbox (with a small margin for roads crossing the boundary)."""
    summary = network_summary(rutland)
    assert 2_000 <= summary["nodes"] <= 8_000
    assert summary["edges"] > summary["nodes"]
    assert 400 <= summary["road_km"] <= 1_500
    min_lon, min_lat, max_lon, max_lat = summary["bbox"]
    assert -0.9 < min_lon < max_lon < -0.35 and 52.45 < min_lat < max_lat < 52.8
    assert summary["attribution"] == OSM_ATTRIBUTION
    assert nx.is_strongly_connected(rutland)
    for _, _, data in rutland.edges(data=True):
        assert data["travel_time"] > 0 and data["length"] > 0
        assert 5 <= data["speed_kph"] <= 113
    assert rutland.graph["homecare_source"] == str(rutland_pbf)


def test_rutland_uses_uk_maxspeed_tags(rutland: nx.MultiDiGraph) -> None:
    """Tagged mph limits are read as mph: the A1 dual carriageway (70 mph) is driven at the
    rural trunk share of it, 0.85 x 70 mph (a km/h reading would give 0.85 x 70 km/h)."""
    a1 = [d for _, _, d in rutland.edges(data=True) if d.get("ref") == "A1" and d.get("maxspeed")]
    assert a1
    assert max(d["speed_kph"] for d in a1) == pytest.approx(70 * MPH_TO_KPH * 0.85)


def test_network_lines_for_the_base_map(rutland: nx.MultiDiGraph) -> None:
    """network_lines gives one drawable path per street with class and speed columns."""
    lines = network_lines(rutland)
    assert list(lines.columns) == ["path", "highway", "speed_kph"]
    assert rutland.number_of_edges() / 2.2 < len(lines) <= rutland.number_of_edges()
    first = lines.iloc[0]["path"]
    assert len(first) >= 2 and all(len(p) == 2 for p in first)
    assert lines["speed_kph"].notna().all()


def test_other_extract_loads(shared_path: Callable[[str, str], Path]) -> None:
    """Any extract works, e.g. the tiny urban Leeds one."""
    path = shared_path("osm/its-example-leeds.osm.pbf", "Leeds example extract")
    G = graph_from_pbf(path)
    assert G.number_of_nodes() > 10
    assert nx.is_strongly_connected(G)


# ---------------------------------------------------------------------------- settings


def test_settings_toml_matches_defaults() -> None:
    """configs/network.toml states exactly the dataclass defaults."""
    net, travel = load_settings(REPO_ROOT / "configs" / "network.toml")
    assert net == NetworkSettings()
    assert travel == TravelSettings()


def test_settings_name_unknown_keys() -> None:
    """Unknown keys are named, all at once, in one InputError."""
    with pytest.raises(InputError) as info:
        NetworkSettings.from_dict({"speed": 1, "colour": "red"})
    fields = sorted(p.field for p in info.value.problems)
    assert fields == ["colour", "speed"]
    with pytest.raises(InputError, match="kerb_minutes"):
        TravelSettings.from_dict({"kerb_minutes": 3})


def test_settings_reject_bad_values() -> None:
    """Negative speeds and limits are refused with the field named."""
    with pytest.raises(InputError, match=r"urban_speeds_kph\.primary"):
        NetworkSettings.from_dict({"urban_speeds_kph": {"primary": -5}})
    with pytest.raises(InputError, match="max_access_m"):
        TravelSettings(max_access_m=0)
    with pytest.raises(InputError, match="network_type"):
        NetworkSettings(network_type="walk")


def test_settings_are_frozen_and_hashable() -> None:
    """Settings are immutable values: equal settings hash equal, tables cannot be edited."""
    a, b = NetworkSettings(), NetworkSettings()
    assert a == b and hash(a) == hash(b)
    with pytest.raises(TypeError):
        a.urban_speeds_kph["primary"] = 1.0  # type: ignore[index]
    assert TravelSettings().kerb_min(["morning", "lunch"]) == [3.0, 2.0]
    with pytest.raises(InputError, match="brunch"):
        TravelSettings().kerb_min(["brunch"])


def test_osmnx_keeps_the_speed_tags() -> None:
    """The one global OSMnx setting keeps the tags the UK speed rules read."""
    for tag in network.SPEED_TAGS:
        assert tag in ox.settings.useful_tags_way
