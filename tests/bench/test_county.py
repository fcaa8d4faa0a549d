"""The synthetic county test area: k x k demo tiles joined into one road network, ids unique
and prefixed per tile, synthetic in its name, graph, areas and summary."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from benchmarks.county import NODE_OFFSET, build_county_area, county_name, tile_graph
from optimiser.service.areas import AreaData, load_demo_area


@pytest.fixture(scope="module")
def demo() -> AreaData:
    """The Rutland demo area the county tiles."""
    return load_demo_area()


@pytest.fixture(scope="module")
def county() -> AreaData:
    """The 2 x 2 county, with bounded home travel (dense_max_homes=0) as at county size."""
    return build_county_area(2, dense_max_homes=0)


def test_county_has_k_squared_of_everything(demo, county) -> None:
    """Four tiles: four times the demo's nodes, people, hours, providers, zones and areas, and
    edges = 4 x the demo's + two per connector road."""
    G = county.graph
    assert G.number_of_nodes() == 4 * demo.graph.number_of_nodes()
    connectors = G.graph["county_connectors"]
    assert connectors >= 4  # each of the four shared edges is joined at least once
    assert G.number_of_edges() == 4 * demo.graph.number_of_edges() + 2 * connectors
    assert len(county.packages) == 4 * len(demo.packages)
    assert len(county.providers) == 4 * len(demo.providers)
    assert len(county.zones) == 4 * len(demo.zones)
    assert len(county.areas) == 4 * len(demo.areas)
    assert county.summary()["weekly_hours"] == pytest.approx(4 * demo.summary()["weekly_hours"])


def test_county_roads_are_one_strongly_connected_network(county) -> None:
    """Every node reaches every other: the tiles are joined where they meet, both ways."""
    assert nx.is_strongly_connected(county.graph)
    assert np.isfinite(county.office_min).all()  # so every office reaches every home


def test_ids_are_unique_and_prefixed_per_tile(county) -> None:
    """Package, provider, zone and area ids are unique and start with their tile's prefix;
    current providers and zone leads point inside the same tile."""
    tiles = {"t0_0:", "t0_1:", "t1_0:", "t1_1:"}
    for ids in (
        [p.package_id for p in county.packages],
        [p.provider_id for p in county.providers],
        [z.zone_id for z in county.zones],
        county.areas["area_code"].tolist(),
    ):
        assert len(set(ids)) == len(ids)
        assert {i[:5] for i in ids} == tiles
    for p in county.packages:
        assert p.zone_id.startswith(p.package_id[:5]) and p.area_code.startswith(p.package_id[:5])
        if p.current_provider is not None:
            assert p.current_provider.startswith(p.package_id[:5])
    for z in county.zones:
        assert all(lead.startswith(z.zone_id[:5]) for lead in z.lead_providers)


def test_county_is_labelled_synthetic_everywhere(county) -> None:
    """The name, the area record, its summary, the graph and every small area say synthetic."""
    assert county.name == county_name(2) == "Rutland x 4 (synthetic)"
    assert county.synthetic and county.summary()["synthetic"] is True
    assert county.graph.graph["synthetic"] is True
    assert county.areas["synthetic"].all()
    connector = [d for _, _, d in county.graph.edges(data=True) if d.get("synthetic")]
    assert connector and all("synthetic" in d["name"] for d in connector)


def test_bounded_county_keeps_nearest_homes_and_rounds_blocks(county) -> None:
    """Above the dense threshold the area holds each home's nearest other home (N,) and
    computes home blocks on demand, with zeros on the diagonal."""
    n = len(county.packages)
    assert county.home_min.shape == (n,) and county.home_km.shape == (n,)
    assert county.home_blocks is not None
    minutes, km = county.home_blocks(np.arange(0, n, 50))
    assert np.all(np.diag(km) == 0)
    assert minutes.shape == (len(range(0, n, 50)),) * 2
    assert np.all(np.diag(minutes) == 0)


def test_tile_graph_of_one_tile_is_the_graph(demo) -> None:
    """k = 1 adds no connector and moves nothing: the same nodes, edges and coordinates."""
    G = tile_graph(demo.graph, 1)
    assert G.graph["county_connectors"] == 0
    assert set(G.nodes) == set(demo.graph.nodes)
    assert G.number_of_edges() == demo.graph.number_of_edges()
    n = next(iter(demo.graph.nodes))
    assert G.nodes[n]["x"] == demo.graph.nodes[n]["x"]
    assert max(demo.graph.nodes) < NODE_OFFSET
