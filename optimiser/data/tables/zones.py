"""Reading zones: the zone-to-area table or zone polygons, with their geometry checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geodata.areas import zone_polygons
from optimiser.data.domain import Zone, ZoneKind
from optimiser.data.tables.cells import did_you_mean, is_missing, shown
from optimiser.data.tables.checker import Checker, Row, build, check_rows, checked_records
from optimiser.data.tables.raw import (
    GEO,
    PathOrBuffer,
    RawTable,
    format_of,
    raw_from_frame,
    read_raw,
    source_of,
    where_none,
)
from optimiser.data.tables.references import unknown_lead
from optimiser.data.tables.schema import ZONE_AREAS, ZONE_GEO
from optimiser.data.tables.writers import zones_to_frame
from optimiser.errors import InputError, Problem


@dataclass
class _ZoneDraft:
    """A zone gathered from its rows of the zone-to-area table (None: not given yet)."""

    row: int
    name: str | None
    kind: ZoneKind | None
    leads: tuple[str, ...] | None
    uplift: float | None
    areas: list[str]
    leads_row: int | None = None


def _lead_problems(
    chk: Checker,
    zone_id: str,
    leads: Sequence[str],
    row: int | None,
    provider_ids: Sequence[str] | None,
) -> None:
    """A problem on ``row`` for each lead provider that is not in ``provider_ids`` (if given)."""
    if provider_ids is None:
        return
    for lead in leads:
        why = unknown_lead(zone_id, lead, provider_ids)
        if why is not None:
            chk.add(row, "lead_providers", why)


def _zones_from_areas(
    raw: RawTable,
    source: str,
    area_geometries: Mapping[str, BaseGeometry] | None,
    overlap_tol_m2: float,
    provider_ids: Sequence[str] | None = None,
) -> tuple[Zone, ...]:
    chk = Checker(source, raw.where)
    drafts: dict[str, _ZoneDraft] = {}
    area_rows: dict[str, tuple[int, str]] = {}
    for r in check_rows(raw, ZONE_AREAS, chk):
        row, v = r.row, r.values
        zid, name, kind, area = v["zone_id"], v["name"], v["kind"], v["area_code"]
        leads, uplift = v["lead_providers"], v["rate_uplift_pct"]
        if zid is None:
            continue
        if area is not None:
            if area in area_rows:
                prev_row, prev_zone = area_rows[area]
                if prev_zone == zid:
                    msg = (
                        f"area '{area}' is listed twice for zone '{zid}' (first on row {prev_row})"
                    )
                else:
                    msg = (
                        f"area '{area}' of zone '{zid}' is already in zone '{prev_zone}' "
                        f"(row {prev_row}): zones must not overlap"
                    )
                chk.add(row, "area_code", msg)
            else:
                area_rows[area] = (row, zid)
        draft = drafts.get(zid)
        if draft is None:
            if is_missing(r.cells.get("kind")) and "kind" in chk.present:
                chk.add(
                    row,
                    "kind",
                    f"missing value on the first row of zone '{zid}': expected one of "
                    f"{', '.join(k.value for k in ZoneKind)}",
                )
            drafts[zid] = _ZoneDraft(
                row, name, kind, leads, uplift, [area] if area else [], row if leads else None
            )
            continue
        for fld, attr, new, old in (
            ("name", "name", name, draft.name),
            ("kind", "kind", kind, draft.kind),
            ("lead_providers", "leads", leads, draft.leads),
            ("rate_uplift_pct", "uplift", uplift, draft.uplift),
        ):
            if old is None and new is not None and fld != "kind":
                setattr(draft, attr, new)  # blank on the first row, given on a later one
                if fld == "lead_providers":
                    draft.leads_row = row
            elif new is not None and old is not None and new != old:
                shown_new = ";".join(new) if isinstance(new, tuple) else new
                shown_old = ";".join(old) if isinstance(old, tuple) else old
                chk.add(
                    row,
                    fld,
                    f"zone '{zid}' has {fld} {shown(str(shown_new))} here but "
                    f"{shown(str(shown_old))} on its first row (row {draft.row}); leave it blank "
                    f"or repeat the same value",
                )
        if area and area not in draft.areas:
            draft.areas.append(area)
    geoms: dict[str, BaseGeometry | None] = {zid: None for zid in drafts}
    if area_geometries is not None:
        for area, (row, _zid) in area_rows.items():
            if area not in area_geometries:
                chk.add(
                    row,
                    "area_code",
                    f"area '{area}' is not among the {len(area_geometries)} area boundaries given"
                    f"{did_you_mean(area, area_geometries)}",
                )
        for zid, draft in drafts.items():
            parts = [area_geometries[a] for a in draft.areas if a in area_geometries]
            if parts:
                geoms[zid] = shapely.union_all(parts)
    zones: list[Zone] = []
    rows: list[int] = []
    for zid, d in drafts.items():
        _lead_problems(chk, zid, d.leads or (), d.leads_row, provider_ids)
        if d.kind is None:
            continue
        zone = build(
            chk,
            d.row,
            "zone_id",
            lambda zid=zid, d=d: Zone(
                zone_id=zid,
                name=d.name or zid,
                kind=d.kind,  # type: ignore[arg-type]
                area_codes=tuple(d.areas),
                geometry=geoms[zid],
                lead_providers=d.leads or (),
                rate_uplift_pct=d.uplift if d.uplift is not None else 0.0,
            ),
        )
        if zone is not None:
            zones.append(zone)
            rows.append(d.row)
    chk.problems.extend(
        zone_geometry_problems(
            zones, source=source, rows=rows, overlap_tol_m2=overlap_tol_m2, where=raw.where
        )
    )
    chk.raise_if_any()
    return tuple(zones)


def _zone(r: Row) -> Zone:
    v = r.values
    return Zone(
        zone_id=v["zone_id"],
        name=v["name"] or v["zone_id"],
        kind=v["kind"],
        area_codes=v["area_codes"],
        geometry=r.geometry,
        lead_providers=v["lead_providers"],
        rate_uplift_pct=v["rate_uplift_pct"],
    )


def _zones_from_geo(
    raw: RawTable,
    source: str,
    overlap_tol_m2: float,
    provider_ids: Sequence[str] | None = None,
) -> tuple[Zone, ...]:
    chk = Checker(source, raw.where)
    assert raw.geometry is not None
    found = checked_records(raw, ZONE_GEO, chk, _zone)
    zones = [z for _, z in found]
    rows: list[int | None] = [row for row, _ in found]
    for row, z in found:
        _lead_problems(chk, z.zone_id, z.lead_providers, row, provider_ids)
    chk.problems.extend(
        zone_geometry_problems(
            zones, source=source, rows=rows, overlap_tol_m2=overlap_tol_m2, where=raw.where
        )
    )
    chk.raise_if_any()
    return tuple(zones)


def zone_geometry_problems(
    zones: Sequence[Zone],
    *,
    source: str = "zones",
    rows: Sequence[int | None] | None = None,
    overlap_tol_m2: float = 1.0,
    where: Callable[[int], str] = where_none,
) -> list[Problem]:
    """Problems with zone polygons: empty, not polygons, invalid, not lon/lat, or overlapping.

    Zones without a geometry are skipped. Overlap is the intersection area of two zones in the
    local UTM projection [m²]; more than ``overlap_tol_m2`` is a problem naming both zones.
    """
    chk = Checker(source, where)
    row_of = list(rows) if rows is not None else [None] * len(zones)
    good: list[int] = []
    for i, z in enumerate(zones):
        g, row = z.geometry, row_of[i]
        if g is None:
            continue
        if g.is_empty:
            chk.add(row, "geometry", f"zone '{z.zone_id}' has an empty geometry")
            continue
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            chk.add(row, "geometry", f"zone '{z.zone_id}' is a {g.geom_type}: expected a polygon")
            continue
        minx, miny, maxx, maxy = g.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            chk.add(
                row,
                "geometry",
                f"zone '{z.zone_id}' has coordinates outside lon/lat range (bounds "
                f"{minx:.1f}, {miny:.1f}, {maxx:.1f}, {maxy:.1f}): expected EPSG:4326",
            )
            continue
        if not g.is_valid:
            chk.add(
                row, "geometry", f"zone '{z.zone_id}' has an invalid polygon: {explain_validity(g)}"
            )
            continue
        good.append(i)
    if len(good) > 1:
        series = gpd.GeoSeries([zones[i].geometry for i in good], crs=4326)
        metric = series.to_crs(series.estimate_utm_crs())
        tree = shapely.STRtree(metric.values)
        left, right = tree.query(metric.values, predicate="intersects")
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            if a >= b:
                continue
            area = metric.iloc[a].intersection(metric.iloc[b]).area
            if area > overlap_tol_m2:
                za, zb = zones[good[a]], zones[good[b]]
                chk.add(
                    row_of[good[b]],
                    "geometry",
                    f"zones '{za.zone_id}' and '{zb.zone_id}' overlap by {area:,.0f} m²: "
                    f"a place must belong to one zone at most",
                )
    return chk.problems


def read_zones(
    path_or_buffer: PathOrBuffer,
    *,
    source_name: str | None = None,
    area_geometries: Mapping[str, BaseGeometry] | None = None,
    overlap_tol_m2: float = 1.0,
    provider_ids: Sequence[str] | None = None,
) -> tuple[Zone, ...]:
    """Read and check zones: a zone-to-area table (.csv/.xlsx) or polygons (.geojson/.gpkg).

    For a zone-to-area table, ``area_geometries`` (area code -> EPSG:4326 polygon) gives each
    zone the union of its areas as geometry; without it zones have no geometry. With
    ``provider_ids``, every lead provider must be one of them (a problem on the row that names
    it otherwise, with the closest id, or a note that ids are separated by ';').
    """
    source = source_of(path_or_buffer, source_name, "zones")
    fmt = format_of(path_or_buffer, source)
    raw = read_raw(path_or_buffer, fmt, source, "zones")
    if fmt in GEO:
        return _zones_from_geo(raw, source, overlap_tol_m2, provider_ids)
    return _zones_from_areas(raw, source, area_geometries, overlap_tol_m2, provider_ids)


def zones_from_frame(
    frame: pd.DataFrame,
    *,
    source_name: str = "zones",
    area_geometries: Mapping[str, BaseGeometry] | None = None,
    overlap_tol_m2: float = 1.0,
    provider_ids: Sequence[str] | None = None,
) -> tuple[Zone, ...]:
    """Check a zone-to-area DataFrame (one row per area, ``ZONE_AREA_COLUMNS``)."""
    return _zones_from_areas(
        raw_from_frame(frame), source_name, area_geometries, overlap_tol_m2, provider_ids
    )


def zones_from_geoframe(
    frame: gpd.GeoDataFrame, *, source_name: str = "zones", overlap_tol_m2: float = 1.0
) -> tuple[Zone, ...]:
    """Check a zones GeoDataFrame (one polygon per zone, ``ZONE_GEO_COLUMNS``)."""
    raw = raw_from_frame(frame)
    if raw.geometry is None:
        raise InputError(
            Problem(source_name, None, "geometry", "expected a GeoDataFrame with polygons")
        )
    return _zones_from_geo(raw, source_name, overlap_tol_m2)


def read_zone_table(path: str | Path, *, provider_ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Read the zone-to-area table (one row per area), the editable source of truth for zones.

    The file is checked with :func:`read_zones` (every problem named by file, row and field;
    lead providers against ``provider_ids`` when given).
    Returns columns ``zone_id``, ``name``, ``kind``, ``area_code``, ``lead_providers`` (ids
    joined by ';') and ``rate_uplift_pct``, with the blanks a zone's later rows may leave filled
    from its first row.
    """
    return zones_to_frame(read_zones(Path(path), provider_ids=provider_ids))


def zones_from_table(table: pd.DataFrame, areas: gpd.GeoDataFrame) -> tuple[Zone, ...]:
    """Build ``Zone`` records (geometry = union of member areas) from a zone table."""
    polys = zone_polygons(table, areas).set_index("zone_id").geometry
    zones = []
    for zone_id, group in table.groupby("zone_id", sort=False):
        first = group.iloc[0]
        leads = tuple(p for p in str(first["lead_providers"]).split(";") if p)
        zones.append(
            Zone(
                zone_id=str(zone_id),
                name=str(first["name"]),
                kind=ZoneKind(first["kind"]),
                area_codes=tuple(group["area_code"]),
                geometry=polys[zone_id],
                lead_providers=leads,
                rate_uplift_pct=float(first["rate_uplift_pct"]),
            )
        )
    return tuple(zones)
