"""Reading a council's own tables for an area: every file checked, every problem listed at once.

Packages, providers, small areas and zones are read with the checked table readers; a problem
in one file does not hide those in the others (one ``InputError`` lists them all, each with its
file, row and field). Zones may be a zone-to-area table (.csv/.xlsx) or polygons
(.geojson/.gpkg, with or without ``area_codes``); either way the result is the zone table, with
lead providers checked against the providers. Packages are then placed in their small areas
from their locations (``placement``), and the links between the tables checked
(``tables.reference_problems``). Each input is a file path (a config) or an ``UploadedFile``
(the web app): uploads are read from memory where they are, never written to disk.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

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
class UploadedFile:
    """One uploaded file held in memory: its name (for messages and its format) and bytes."""

    name: str
    data: bytes

    def buffer(self) -> io.BytesIO:
        """A fresh in-memory buffer over the bytes, named like the file (readers pick the
        format from the name)."""
        buffer = io.BytesIO(self.data)
        buffer.name = self.name  # type: ignore[attr-defined]
        return buffer


#: An own-data input: a file on disk (a config's path) or an upload in memory.
Source = Path | UploadedFile


@dataclass(frozen=True)
class OwnTables:
    """A council's own tables, read and checked: records, small areas and the zone table."""

    packages: tuple[Package, ...]
    providers: tuple[Provider, ...]
    areas: gpd.GeoDataFrame
    zone_table: pd.DataFrame
    warnings: tuple[str, ...]


def source_name(source: Source) -> str:
    """The name messages give an input: the file's name."""
    return source.name


def _opened(source: Source) -> Path | BinaryIO:
    """What a reader reads: the path itself, or a fresh buffer over an upload's bytes."""
    return source.buffer() if isinstance(source, UploadedFile) else source


def _collect(problems: list[Problem], read: Callable[[], _T]) -> _T | None:
    """Run one reader; its problems join the list instead of stopping the others."""
    try:
        return read()
    except InputError as err:
        problems.extend(err.problems or [Problem("input", None, None, str(err))])
        return None


def _empty_upload(source: Source | None, problems: list[Problem]) -> bool:
    """An upload with no bytes is one problem ("the file is empty"), not a parser's error."""
    if isinstance(source, UploadedFile) and not source.data:
        problems.append(Problem(source.name, None, None, "the file is empty"))
        return True
    return False


def read_record_files(
    packages: Source | None,
    providers: Source | None,
    postcode_lookup: Source | None,
    problems: list[Problem],
) -> tuple[tuple[Package, ...] | None, tuple[Provider, ...] | None]:
    """The packages and providers inputs, read and checked (None where not given or broken;
    their problems join ``problems``)."""
    lookup = None
    if postcode_lookup is not None and not _empty_upload(postcode_lookup, problems):
        lookup_src = postcode_lookup
        lookup = _collect(
            problems,
            lambda: tables.read_postcode_lookup(
                _opened(lookup_src), source_name=source_name(lookup_src)
            ),
        )
    out_pk = out_pv = None
    if packages is not None and not _empty_upload(packages, problems):
        pk_src = packages
        out_pk = _collect(
            problems,
            lambda: tables.read_packages(
                _opened(pk_src), source_name=source_name(pk_src), postcode_lookup=lookup
            ),
        )
    if providers is not None and not _empty_upload(providers, problems):
        pv_src = providers
        out_pv = _collect(
            problems,
            lambda: tables.read_providers(
                _opened(pv_src), source_name=source_name(pv_src), postcode_lookup=lookup
            ),
        )
    return out_pk, out_pv


def read_records(
    cfg: cfgmod.ScenarioConfig, problems: list[Problem]
) -> tuple[tuple[Package, ...] | None, tuple[Provider, ...] | None]:
    """The packages and providers files the config names (None where not named or broken)."""
    return read_record_files(cfg.packages, cfg.providers, cfg.postcode_lookup, problems)


def read_zone_file(
    path: Source,
    areas: gpd.GeoDataFrame,
    provider_ids: Sequence[str] | None,
    *,
    areas_source: str = "the areas file",
) -> pd.DataFrame:
    """The zone table of a zones file: a zone-to-area table, or polygons turned into one,
    checked against the areas (every unknown code and every area in no zone at once, naming
    both files) and its lead providers against ``provider_ids``."""
    name = source_name(path)
    if Path(name).suffix.lower() in (".geojson", ".json", ".gpkg"):
        zones = tables.read_zones(
            _opened(path),
            source_name=name,
            area_geometries=dict(zip(areas["area_code"], areas.geometry, strict=True)),
            provider_ids=provider_ids,
        )
        table = zone_table_from_polygons(zones, areas, source=name)
    else:
        # the zone-to-area table, as tables.read_zone_table reads it (a buffer too)
        table = tables.zones_to_frame(
            tables.read_zones(_opened(path), source_name=name, provider_ids=provider_ids)
        )
    check_zone_table(table, areas, source=name, areas_source=areas_source)
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


def read_own_inputs(
    *,
    packages: Source,
    providers: Source,
    zones: Source,
    areas: Source,
    area_code_field: str,
    postcode_lookup: Source | None = None,
    problems: Sequence[Problem] = (),
) -> OwnTables:
    """Every own-data input, files or uploads, checked, with every problem at once.

    ``problems`` found by the caller beforehand (a network path that is not there) join the
    list, so one ``InputError`` names everything to fix; nothing is returned half-read.
    """
    found: list[Problem] = list(problems)
    pk, pv = read_record_files(packages, providers, postcode_lookup, found)
    small = None
    if not _empty_upload(areas, found):
        areas_src = areas
        small = _collect(
            found,
            lambda: read_areas(
                _opened(areas_src), code_field=area_code_field, source_name=source_name(areas_src)
            ),
        )
    zone_table = None
    if small is not None and not _empty_upload(zones, found):
        ids = [p.provider_id for p in pv] if pv is not None else None
        small_areas, zones_src = small, zones
        zone_table = _collect(
            found,
            lambda: read_zone_file(zones_src, small_areas, ids, areas_source=source_name(areas)),
        )
    if found:
        raise InputError(found)
    assert pk is not None and pv is not None
    assert small is not None and zone_table is not None
    names = (source_name(packages), source_name(providers), source_name(zones))
    placed, warnings = placed_and_checked(pk, pv, small, zone_table, sources=names)
    return OwnTables(placed, pv, small, zone_table, warnings)


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
    assert cfg.packages and cfg.providers and cfg.zones and cfg.areas and cfg.area_code_field
    return read_own_inputs(
        packages=cfg.packages,
        providers=cfg.providers,
        zones=cfg.zones,
        areas=cfg.areas,
        area_code_field=cfg.area_code_field,
        postcode_lookup=cfg.postcode_lookup,
    )
