"""Brokerage: which providers could take newly referred packages, and why (uploads included)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geodata.areas import area_of_points
from geodata.travel import travel_matrix
from optimiser.brokerage import rank_providers
from optimiser.data import tables
from optimiser.data.domain import Package, Scenario
from optimiser.errors import InputError
from optimiser.result import ScenarioResult
from optimiser.service.areas import AreaData, kerb_per_home, snap
from optimiser.service.zone_table import zones_from_table


def read_packages_upload(data: bytes | io.BytesIO, name: str) -> tuple[Package, ...]:
    """New packages from an uploaded CSV or Excel file, validated (``InputError`` otherwise)."""
    raw = data.getvalue() if isinstance(data, io.BytesIO) else bytes(data)
    buffer = io.BytesIO(raw)
    buffer.name = name  # type: ignore[attr-defined]
    return tables.read_packages(buffer, source_name=name)


def matches_download(matches: pd.DataFrame) -> str:
    """The brokerage matches as CSV text for download, formula-like text neutralised."""
    return tables.csv_text(matches)


def suggest_providers(
    area: AreaData,
    scenario: Scenario,
    new_packages: Sequence[Package],
    *,
    result: ScenarioResult | None = None,
    zone_table: pd.DataFrame | None = None,
    top_k: int = 3,
) -> pd.DataFrame:
    """Ranked providers for each new package, with the reason (capacity, travel, skill, zone).

    Spare capacity is what the current assignment (``result``, else today's packages with
    their current providers) leaves; travel is door to door from the office on the roads.
    """
    if not new_packages:
        raise InputError("no packages to match", source="brokerage")
    zone_table = area.zone_table if zone_table is None else zone_table
    zone_of = dict(
        zip(zone_table["area_code"].astype(str), zone_table["zone_id"].astype(str), strict=True)
    )
    codes = area_of_points(
        np.array([p.lat for p in new_packages]), np.array([p.lon for p in new_packages]), area.areas
    )
    pk = tuple(
        dataclasses.replace(p, area_code=(c or None), zone_id=zone_of.get(c or "", p.zone_id))
        for p, c in zip(new_packages, codes, strict=True)
    )
    limit = area.travel_settings.max_access_m
    new = snap(
        area.graph, pk, source="uploaded packages", index=area.snap_index, max_access_m=limit
    )
    offices = snap(
        area.graph, area.providers, source="providers", index=area.snap_index, max_access_m=limit
    )
    kerb = kerb_per_home(pk, area.travel_settings)
    office = travel_matrix(
        area.network_arrays, offices, new, settings=area.travel_settings, dest_kerb_min=kerb
    )
    used = _used_carer_hours(area, result)
    zones = {z.zone_id: z for z in zones_from_table(zone_table, area.areas)}
    return rank_providers(
        pk,
        area.providers,
        zones,
        scenario,
        office_min=office.minutes,
        used_carer_hours=used,
        top_k=top_k,
    )


def _used_carer_hours(area: AreaData, result: ScenarioResult | None) -> dict[str, float]:
    """Carer-hours (incl. travel) each provider already delivers."""
    if result is not None:
        table = result.by_provider
        return {
            str(r.provider_id): float(r.placed_carer_hours) + float(r.travel_hours)
            for r in table.itertuples(index=False)
        }
    used: dict[str, float] = {p.provider_id: 0.0 for p in area.providers}
    for pk in area.packages:
        if pk.current_provider in used:
            used[pk.current_provider] += pk.carer_hours
    return used
