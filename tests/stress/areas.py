"""The hand-made area of the stress tests, and the hard-zoned scenario they run."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import box

from geodata.settings import TravelSettings
from optimiser import service
from optimiser.data.domain import ZonePolicy, ZoneRule
from optimiser.demo.synthetic import CENTRE_LAT, CENTRE_LON, simple_package, simple_provider
from optimiser.service.scenarios import demo_scenario


def hand_area() -> service.AreaData:
    """Two zones, each with one lead: A (20 carer-h) serves two 7 h packages in zone Z1, B
    (20 carer-h) one 7 h package in Z2; every office and home a few minutes apart.

    Interesting because when A exits, zone Z1 has no lead left: under hard zones both of its
    packages (14 h) go unmet, while under spot B has room for exactly one more (7 h unmet).
    """
    providers = (
        simple_provider("A", capacity_hours=20.0),
        simple_provider("B", capacity_hours=20.0),
    )
    packages = (
        dataclasses.replace(simple_package("p1", current_provider="A"), area_code="A1"),
        dataclasses.replace(simple_package("p2", current_provider="A"), area_code="A1"),
        dataclasses.replace(simple_package("p3", current_provider="B"), area_code="A2"),
    )
    zone_table = pd.DataFrame(
        {
            "zone_id": ["Z1", "Z2"],
            "name": ["Zone one", "Zone two"],
            "kind": ["neighbourhood", "rural"],
            "area_code": ["A1", "A2"],
            "lead_providers": ["A", "B"],
            "rate_uplift_pct": [0.0, 10.0],
        }
    )
    lat, lon = CENTRE_LAT, CENTRE_LON
    areas = gpd.GeoDataFrame(
        {
            "area_code": ["A1", "A2"],
            "area_name": ["Area one", "Area two"],
            "residents": [1000, 1000],
            "pop_65plus": [100, 300],
        },
        geometry=[
            box(lon - 0.1, lat - 0.1, lon, lat + 0.1),
            box(lon, lat - 0.1, lon + 0.1, lat + 0.1),
        ],
        crs="EPSG:4326",
    )
    home = np.full((3, 3), 2.0)
    np.fill_diagonal(home, 0.0)
    return service.AreaData(
        name="hand-made",
        graph=nx.MultiDiGraph(),
        packages=packages,
        providers=providers,
        zone_table=zone_table,
        areas=areas,
        office_min=np.full((2, 3), 5.0),
        office_km=np.full((2, 3), 3.0),
        home_min=home,
        home_km=home / 2.0,
        travel_settings=TravelSettings(),
        synthetic=True,
    )


def hard_zoned_scenario():
    """The demo's zoned scenario with hard zones (no non-lead fallback) and a tiny budget."""
    sc = demo_scenario("zoned", interactive=True)
    return dataclasses.replace(sc, zone_policy=ZonePolicy(rule=ZoneRule.ZONED))
