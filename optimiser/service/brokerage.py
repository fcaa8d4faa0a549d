"""Brokerage: which providers take a batch of new packages, and why (uploads included)."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from geodata.areas import area_of_points
from geodata.snapping import SnappedPoints
from geodata.travel import travel_matrix
from optimiser.brokerage import (
    NO_ROOM,
    OFF_ROAD,
    OUTSIDE_AREA,
    BrokerageBatch,
    broker_batch,
    capacity_after_choices,
    not_located,
)
from optimiser.data import tables
from optimiser.data.domain import Package, Scenario
from optimiser.errors import InputError
from optimiser.models.travel_formula import per_visit_travel
from optimiser.result import ScenarioResult
from optimiser.service.areas import AreaData, kerb_per_home, snap
from optimiser.service.zone_table import zones_from_table

__all__ = [
    "NOT_LOCATED",
    "NO_ROOM",
    "broker_packages",
    "capacity_after",
    "matches_download",
    "read_packages_upload",
    "used_carer_hours",
]

#: Statuses of packages whose homes could not be placed on the area's roads (never matched).
NOT_LOCATED = (OUTSIDE_AREA, OFF_ROAD)


def read_packages_upload(data: bytes | io.BytesIO, name: str) -> tuple[Package, ...]:
    """New packages from an uploaded CSV or Excel file, validated (``InputError`` otherwise)."""
    raw = data.getvalue() if isinstance(data, io.BytesIO) else bytes(data)
    buffer = io.BytesIO(raw)
    buffer.name = name  # type: ignore[attr-defined]
    return tables.read_packages(buffer, source_name=name)


def matches_download(matches: pd.DataFrame) -> str:
    """The brokerage matches as CSV text for download, formula-like text neutralised."""
    return tables.csv_text(matches)


def broker_packages(
    area: AreaData,
    scenario: Scenario,
    new_packages: Sequence[Package],
    *,
    result: ScenarioResult | None = None,
    zone_table: pd.DataFrame | None = None,
) -> BrokerageBatch:
    """Match a batch of new packages to providers in brokerage order, within spare capacity.

    Spare capacity is what the current assignment (``result``, else today's packages with
    their current providers) leaves, travel included; each new package needs its carer-hours
    plus its carers' travel legs by the assignment's per-visit travel estimate (office leg
    door to door on the roads, nearest-neighbour leg to the nearest other home needing care).
    A home outside the area, or too far from any road, gets its own row and message; the
    rest of the batch is matched.
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
    located = tuple(
        dataclasses.replace(p, area_code=(c or None), zone_id=zone_of.get(c or "", p.zone_id))
        for p, c in zip(new_packages, codes, strict=True)
    )
    left_out: dict[str, dict] = {
        p.package_id: not_located(
            p,
            OUTSIDE_AREA,
            f"the home ({p.lat:.4f}, {p.lon:.4f}) is outside {area.name}: no small area of "
            "the area contains it, so no provider here is matched; check the address or refer "
            "it to the council that covers it",
        )
        for p, c in zip(located, codes, strict=True)
        if not c
    }
    inside = [p for p in located if p.package_id not in left_out]
    limit = area.travel_settings.max_access_m
    off_road = _off_road(area, inside, limit)
    for p in inside:
        if p.package_id in off_road:
            left_out[p.package_id] = not_located(p, OFF_ROAD, off_road[p.package_id])
    pk = tuple(p for p in inside if p.package_id not in left_out)

    if pk:
        office_min, travel_min = _travel(area, pk, limit)
    else:  # nothing left to match: an empty batch still lists every provider's spare hours
        office_min = travel_min = np.zeros((len(area.providers), 0))
    batch = broker_batch(
        pk,
        area.providers,
        {z.zone_id: z for z in zones_from_table(zone_table, area.areas)},
        scenario,
        office_min=office_min,
        travel_carer_min=travel_min,
        used_carer_hours=used_carer_hours(area, result),
    )
    rows = {str(r["package_id"]): r for r in batch.decisions.to_dict("records")}
    rows.update(left_out)
    decisions = pd.DataFrame(
        [rows[p.package_id] for p in new_packages], columns=list(batch.decisions.columns)
    )
    decisions["turn"] = decisions["turn"].astype("Int64")  # blank for homes not located
    return dataclasses.replace(batch, decisions=decisions)


def capacity_after(batch: BrokerageBatch, choices: Mapping[str, str]) -> pd.DataFrame:
    """Every provider's spare capacity after the broker's choices (see
    ``optimiser.brokerage.capacity_after_choices``)."""
    return capacity_after_choices(choices, batch.options, batch.spare)


def _off_road(area: AreaData, packages: Sequence[Package], limit_m: float) -> dict[str, str]:
    """Package id -> message, for homes inside the area but farther than the access limit
    from any road (the snapper names each; they are left out, the rest are matched)."""
    if not packages:
        return {}
    try:
        snap(
            area.graph,
            packages,
            source="uploaded packages",
            index=area.snap_index,
            max_access_m=limit_m,
        )
    except InputError as err:
        out = {}
        for problem in err.problems:
            if problem.row is not None and 1 <= problem.row <= len(packages):
                pk = packages[problem.row - 1]
                out[pk.package_id] = (
                    f"the home is inside the area but {problem.message.split(' is ', 1)[-1]}; "
                    "check its latitude and longitude"
                )
        if not out:
            raise
        return out
    return {}


def _travel(
    area: AreaData, packages: Sequence[Package], limit_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Office-to-home travel [min] (P x N) and the carers' weekly travel legs [min/week]
    (P x N) by the assignment's per-visit estimate, for new packages on the area's roads."""
    settings = area.travel_settings
    new = snap(
        area.graph,
        packages,
        source="uploaded packages",
        index=area.snap_index,
        max_access_m=limit_m,
    )
    offices = snap(
        area.graph, area.providers, source="providers", index=area.snap_index, max_access_m=limit_m
    )
    kerb = kerb_per_home(packages, settings)
    office = travel_matrix(area.network_arrays, offices, new, settings=settings, dest_kerb_min=kerb)
    # The nearest other home needing care: today's homes and the batch's other homes.
    homes = snap(
        area.graph,
        area.packages,
        source="packages",
        index=area.snap_index,
        max_access_m=float("inf"),
    )
    every_kerb = np.concatenate([kerb_per_home(area.packages, settings), kerb])
    to_all = travel_matrix(
        area.network_arrays,
        new,
        _joined(homes, new),
        settings=settings,
        dest_kerb_min=every_kerb,
    )
    minutes, km = np.array(to_all.minutes, dtype=float), np.array(to_all.km, dtype=float)
    n_old = len(area.packages)
    for i in range(len(packages)):  # a home is not its own nearest neighbour
        minutes[i, n_old + i] = np.nan
        km[i, n_old + i] = np.nan
    near_min = _row_min(minutes)
    near_km = _row_min(km)
    leg_min, _ = per_visit_travel(
        office.minutes,
        office.km,
        near_min[None, :],
        near_km[None, :],
        params=area.estimate_params,
    )
    carer_visits = np.array([sum(v.carers for v in p.visits) for p in packages], dtype=float)
    return np.asarray(office.minutes, dtype=float), leg_min * carer_visits[None, :]


def _joined(first: SnappedPoints, second: SnappedPoints) -> SnappedPoints:
    """Two snapped point sets as one (ids, nodes and distances in order)."""
    return dataclasses.replace(
        first,
        ids=(*first.ids, *second.ids),
        node=np.concatenate([first.node, second.node]),
        access_m=np.concatenate([first.access_m, second.access_m]),
        road_m=np.concatenate([first.road_m, second.road_m]),
    )


def _row_min(matrix: np.ndarray) -> np.ndarray:
    """Row-wise minimum ignoring NaN and infinities (NaN for a row with none)."""
    m = np.where(np.isfinite(matrix), matrix, np.inf)
    out = m.min(axis=1) if m.shape[1] else np.full(m.shape[0], np.inf)
    return np.where(np.isfinite(out), out, np.nan)


def used_carer_hours(area: AreaData, result: ScenarioResult | None) -> dict[str, float]:
    """Carer-hours each provider already delivers [carer-h/week]: the result's placed
    carer-hours plus its travel; without a result, today's packages' carer-hours alone."""
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
