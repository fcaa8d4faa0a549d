"""Reading a council's own tables for an area: every file checked, every problem listed at once.

Packages, providers, small areas and zones are read with the checked table readers; a problem
in one file does not hide those in the others (one ``InputError`` lists them all, each with its
file, row and field). Zones may be a zone-to-area table (.csv/.xlsx) or polygons
(.geojson/.gpkg, with or without ``area_codes``); either way the result is the zone table, with
lead providers checked against the providers. Packages are then placed in their small areas
from their locations (``placement``), and the links between the tables checked
(``tables.reference_problems``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import pandas as pd

from geodata.areas import read_areas
from optimiser.data import config as cfgmod
from optimiser.data import tables
from optimiser.data.domain import Package, Provider
from optimiser.errors import InputError, Problem
from optimiser.service.placement import place_packages
from optimiser.service.zone_table import check_zone_table, zone_table_from_polygons

_T = TypeVar("_T")


@dataclass(frozen=True)
class OwnTables:
    """A council's own tables, read and checked: records, small areas and the zone table."""

    packages: tuple[Package, ...]
    providers: tuple[Provider, ...]
    areas: gpd.GeoDataFrame
    zone_table: pd.DataFrame
    warnings: tuple[str, ...]


def _collect(problems: list[Problem], read: Callable[[], _T]) -> _T | None:
    """Run one reader; its problems join the list instead of stopping the others."""
    try:
        return read()
    except InputError as err:
        problems.extend(err.problems or [Problem("input", None, None, str(err))])
        return None


def read_records(
    cfg: cfgmod.ScenarioConfig, problems: list[Problem]
) -> tuple[tuple[Package, ...] | None, tuple[Provider, ...] | None]:
    """The packages and providers files the config names (None where not named or broken)."""
    lookup = (
        _collect(problems, lambda: tables.read_postcode_lookup(cfg.postcode_lookup))
        if cfg.postcode_lookup is not None
        else None
    )
    packages = providers = None
    if cfg.packages is not None:
        path = cfg.packages
        packages = _collect(problems, lambda: tables.read_packages(path, postcode_lookup=lookup))
    if cfg.providers is not None:
        path_pr = cfg.providers
        providers = _collect(
            problems, lambda: tables.read_providers(path_pr, postcode_lookup=lookup)
        )
    return packages, providers


def read_zone_file(
    path: Path,
    areas: gpd.GeoDataFrame,
    provider_ids: Sequence[str] | None,
    *,
    areas_source: str = "the areas file",
) -> pd.DataFrame:
    """The zone table of a zones file: a zone-to-area table, or polygons turned into one,
    checked against the areas (every unknown code and every area in no zone at once, naming
    both files) and its lead providers against ``provider_ids``."""
    if path.suffix.lower() in (".geojson", ".json", ".gpkg"):
        zones = tables.read_zones(
            path,
            area_geometries=dict(zip(areas["area_code"], areas.geometry, strict=True)),
            provider_ids=provider_ids,
        )
        table = zone_table_from_polygons(zones, areas, source=path.name)
    else:
        table = tables.read_zone_table(path, provider_ids=provider_ids)
    check_zone_table(table, areas, source=path.name, areas_source=areas_source)
    return table


def placed_and_checked(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    areas: gpd.GeoDataFrame,
    zone_table: pd.DataFrame,
    *,
    sources: tuple[str, str, str],
) -> tuple[tuple[Package, ...], tuple[str, ...]]:
    """Packages placed in their small areas and zones, then every link between the tables
    checked (``InputError`` listing every broken one); returns the packages and warnings."""
    placement = place_packages(packages, areas, zone_table, source=sources[0])
    zones = tables.zones_from_table(zone_table, areas)
    problems = tables.reference_problems(
        placement.packages, providers, zones, sources=sources, locations=False
    )
    if problems:
        raise InputError(problems)
    return placement.packages, placement.warnings


def read_own_tables(cfg: cfgmod.ScenarioConfig) -> OwnTables:
    """Every own-data input of a config (``demo = false``), checked, with every problem at once.

    Raises ``InputError`` naming each required key that is missing (``config.OWN_DATA_KEYS``;
    the config loader checks them too, this covers configs built in code), else
    every problem of every file together.
    """
    source = str(cfg.source or "config")
    missing = [
        Problem(source, None, f"inputs.{key}", f"is required when demo = false: {why}")
        for key, why in cfgmod.OWN_DATA_KEYS.items()
        if getattr(cfg, key) is None
    ]
    if missing:
        raise InputError(missing)
    assert cfg.zones and cfg.areas and cfg.area_code_field
    problems: list[Problem] = []
    packages, providers = read_records(cfg, problems)
    areas_path, code_field = cfg.areas, cfg.area_code_field
    areas = _collect(problems, lambda: read_areas(areas_path, code_field=code_field))
    zone_table = None
    if areas is not None:
        ids = [p.provider_id for p in providers] if providers is not None else None
        zones_path = cfg.zones
        zone_table = _collect(
            problems,
            lambda: read_zone_file(zones_path, areas, ids, areas_source=areas_path.name),
        )
    if problems:
        raise InputError(problems)
    assert packages is not None and providers is not None
    assert areas is not None and zone_table is not None
    names = (cfg.packages.name, cfg.providers.name, cfg.zones.name)  # type: ignore[union-attr]
    placed, warnings = placed_and_checked(packages, providers, areas, zone_table, sources=names)
    return OwnTables(placed, providers, areas, zone_table, warnings)
