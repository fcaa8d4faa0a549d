"""The demo's inputs read from files: boundaries, census, deprivation, OSM homes and roads, tables.

File reading happens here only (at the edge); ``build_demo`` then works on the loaded records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.areas import BNG, areal_weights, read_areas
from geodata.buildings import (
    RESIDENTIAL_ROAD_CLASSES,
    read_buildings,
    read_places,
    read_road_edges,
)
from optimiser.data import locations
from optimiser.data.deprivation import join_iod, read_iod
from optimiser.data.domain import Provider
from optimiser.data.tables import read_providers, read_zone_table
from optimiser.demo.params import DemandParams
from optimiser.errors import InputError, Problem


def read_provider_table(path: str | Path) -> tuple[tuple[Provider, ...], tuple[str, ...]]:
    """Read the demo providers (``optimiser.data.tables.read_providers``) and office places.

    The office place is the text in brackets at the end of a provider's name
    ("Provider A (Oakham)" -> "Oakham"), or the name itself.
    """
    providers = read_providers(Path(path))
    places = tuple(
        p.name[p.name.rfind("(") + 1 : -1] if p.name.endswith(")") and "(" in p.name else p.name
        for p in providers
    )
    return providers, places


@dataclass(frozen=True)
class DemoInputs:
    """Everything read from files, ready for ``build_demo``.

    ``areas``: one row per LSOA with ``area_code``, ``area_name``, ``pop_65plus``,
    ``residents``, ``health_decile``, ``barriers_decile`` (IoD 2019 joined by area share),
    ``imd_decile`` (of the 2011 LSOA covering most of the area; ``optimiser.data.deprivation``),
    ``mapped_homes`` and geometry (EPSG:4326). ``homes``: residential building points with
    ``area_code``. ``roads``: residential road pieces cut to LSOAs with ``area_code``,
    ``fclass`` and ``settlement_m`` (distance to the nearest town/village/hamlet point [m])
    (EPSG:27700).
    """

    areas: gpd.GeoDataFrame
    homes: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    zone_table: pd.DataFrame
    providers: tuple[Provider, ...]
    provider_places: tuple[str, ...]


def read_census_age(path: str | Path, age_group: str) -> pd.DataFrame:
    """Census 2021 residents per LSOA: columns ``area_code``, ``residents``, ``pop_65plus``."""
    table = pd.read_csv(path)
    need = {"lsoa21_code", "age_group", "usual_residents"}
    if not need <= set(table.columns):
        raise InputError(
            [
                Problem(Path(path).name, None, c, "column missing")
                for c in sorted(need - set(table.columns))
            ]
        )
    total = table.groupby("lsoa21_code")["usual_residents"].sum()
    band = table[table["age_group"] == age_group].set_index("lsoa21_code")["usual_residents"]
    if band.empty:
        raise InputError(
            [Problem(Path(path).name, None, "age_group", f"no rows for {age_group!r}")]
        )
    out = pd.DataFrame({"residents": total, "pop_65plus": band}).fillna(0).astype(int)
    return out.rename_axis("area_code").reset_index()


def load_demo_inputs(data_dir: str | Path | None, params: DemandParams) -> DemoInputs:
    """Read boundaries, census, deprivation, OSM homes and roads, zone and provider tables.

    ``data_dir`` None: the first data folder holding every file (``locations.folder_holding``).
    """
    paths = params.data
    files = (
        paths.lsoa_boundaries,
        paths.lsoa2011_boundaries,
        paths.census_age,
        paths.deprivation,
        paths.osm_shapefiles,
    )
    data_dir = Path(data_dir) if data_dir else locations.folder_holding(files, what="demo data")
    problems = [
        Problem(str(data_dir / rel), None, None, "file not found")
        for rel in files
        if not (data_dir / rel).is_file()
    ]
    if problems:
        raise InputError(problems)
    areas = read_areas(
        data_dir / paths.lsoa_boundaries, code_field="LSOA21CD", name_field="LSOA21NM"
    )
    old = read_areas(
        data_dir / paths.lsoa2011_boundaries, code_field="LSOA11CD", name_field="LSOA11NM"
    )
    census = read_census_age(data_dir / paths.census_age, params.population.census_age_group)
    iod = read_iod(data_dir / paths.deprivation)
    joined = join_iod(areal_weights(old, areas), iod)
    areas = areas.merge(census, on="area_code", how="left")
    areas = areas.merge(joined, left_on="area_code", right_index=True, how="left")
    unmatched = areas["pop_65plus"].isna() | areas["health_decile"].isna()
    if unmatched.any():
        raise InputError(
            [
                Problem(paths.census_age, None, "area_code", f"no census or IoD row for {code}")
                for code in areas.loc[unmatched, "area_code"]
            ]
        )
    areas["pop_65plus"] = areas["pop_65plus"].astype(int)
    areas["residents"] = areas["residents"].astype(int)

    shp = data_dir / paths.osm_shapefiles
    bounds = tuple(areas.total_bounds)
    homes = read_buildings(shp, bbox=bounds)  # type: ignore[arg-type]
    joined_homes = gpd.sjoin(
        homes, areas[["area_code", "geometry"]], how="inner", predicate="within"
    )
    homes = joined_homes.drop(columns="index_right").sort_values("osm_id").reset_index(drop=True)
    counts = homes.groupby("area_code").size()
    areas["mapped_homes"] = areas["area_code"].map(counts).fillna(0).astype(int)

    classes = tuple(params.placement.road_class_weights) or RESIDENTIAL_ROAD_CLASSES
    roads = read_road_edges(shp, classes=classes, bbox=bounds)  # type: ignore[arg-type]
    roads = gpd.overlay(
        roads[["osm_id", "fclass", "geometry"]].to_crs(BNG),
        areas[["area_code", "geometry"]].to_crs(BNG),
        how="intersection",
        keep_geom_type=True,
    )
    places = read_places(shp).to_crs(BNG)[["name", "geometry"]]
    roads = gpd.sjoin_nearest(roads, places, how="left", distance_col="settlement_m")
    roads = roads.drop(columns=["index_right", "name"]).drop_duplicates(
        subset=["area_code", "osm_id", "geometry"]
    )
    roads = roads.sort_values(["area_code", "osm_id"]).reset_index(drop=True)

    zone_table = read_zone_table(params.config_dir / paths.zone_table)
    providers, places = read_provider_table(params.config_dir / paths.providers)
    return DemoInputs(areas, homes, roads, zone_table, providers, places)
