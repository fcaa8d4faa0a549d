"""Packages placed in their small area and zone from where they live, with every disagreement.

The location is the address; a small-area code or zone id typed beside it is often stale (a
boundary review, a copied row). So each package's small area is derived from its location
(``geodata.areas.area_of_points``, with a tolerance for homes on a boundary) and its zone from
the zone table; a given ``area_code`` or ``zone_id`` that disagrees is overruled and reported.
A home outside every small area is outside every zone: it is served under the spot rule (any
provider within the travel limit, as ``ZonePolicy.rule_for(None)`` says) and reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from geodata.areas import area_of_points
from optimiser.data.domain import Package


@dataclass(frozen=True)
class Placement:
    """Packages with ``area_code`` and ``zone_id`` from their locations, and the warnings
    (one sentence per kind of disagreement, naming every package concerned)."""

    packages: tuple[Package, ...]
    warnings: tuple[str, ...]


def place_packages(
    packages: Sequence[Package],
    areas: gpd.GeoDataFrame,
    zone_table: pd.DataFrame,
    *,
    source: str = "packages",
) -> Placement:
    """Place every package in its small area and zone from its lat/lon (see the module)."""
    codes = area_of_points([p.lat for p in packages], [p.lon for p in packages], areas)
    zone_of = dict(
        zip(zone_table["area_code"].astype(str), zone_table["zone_id"].astype(str), strict=True)
    )
    outside: list[str] = []
    stale_area: list[str] = []
    stale_zone: list[str] = []
    placed: list[Package] = []
    for pk, code in zip(packages, codes, strict=True):
        code = None if code is None else str(code)
        zone = zone_of.get(code) if code is not None else None
        where = f"{pk.package_id} ({pk.lat:.5f}, {pk.lon:.5f})"
        if code is None or zone is None:
            outside.append(where if code is None else f"{where} in area {code}")
        if pk.area_code is not None and pk.area_code != code:
            stale_area.append(f"{pk.package_id} given {pk.area_code!r}, lies in {code!r}")
        if pk.zone_id is not None and pk.zone_id != zone:
            stale_zone.append(f"{pk.package_id} given {pk.zone_id!r}, lies in {zone!r}")
        same = pk.area_code == code and pk.zone_id == zone
        placed.append(pk if same else dataclasses.replace(pk, area_code=code, zone_id=zone))
    warnings: list[str] = []
    if outside:
        warnings.append(
            f"{source}: {len(outside)} package(s) lie outside every zone (no small area or "
            f"zone contains the home), so they are served under the spot rule (any provider "
            f"within the travel limit): {'; '.join(outside)}"
        )
    if stale_area:
        warnings.append(
            f"{source}: {len(stale_area)} package(s) have an area_code that disagrees with "
            f"their location; the location is used: {'; '.join(stale_area)}"
        )
    if stale_zone:
        warnings.append(
            f"{source}: {len(stale_zone)} package(s) have a zone_id that disagrees with their "
            f"location; the location is used: {'; '.join(stale_zone)}"
        )
    return Placement(tuple(placed), tuple(warnings))
