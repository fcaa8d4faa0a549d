"""Records as table frames in the schema's layout, and atomic writers for every format."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from optimiser.data.domain import Package, Provider, Zone
from optimiser.data.tables.cells import FORMULA_STARTS
from optimiser.data.tables.raw import CSV, GEO, GEOJSON, GPKG, XLSX, format_of
from optimiser.data.tables.schema import (
    PACKAGES,
    PROVIDERS,
    ZONE_AREAS,
    ZONE_GEO,
    Kind,
    TableSchema,
)
from optimiser.data.visits_syntax import format_visits
from optimiser.errors import InputError, Problem

_DTYPES = {Kind.NUMBER: "float64", Kind.INTEGER: "int64", Kind.BOOLEAN: "bool"}
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


# ------------------------------------------------------------ spreadsheet formula injection


def safe_text(value: object) -> object:
    """A text cell a spreadsheet will not run: ``'`` before text starting ``= + - @``, tab or
    carriage return (OWASP's advice on CSV injection). Numbers, and text that is a plain number
    (``-5``, ``+1.5e3``), are returned unchanged; readers take the quote off again."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`safe_text` applied to every text cell and index label.

    Every export goes through it: result CSVs, the finance workbook, GeoPackage attributes,
    downloads and the table writers. Numeric columns are left as they are.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(safe_text)
    if out.index.dtype == object:
        out.index = out.index.map(safe_text)
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write an export table as CSV (no index), formula-like text neutralised."""
    safe_frame(frame).to_csv(path, index=False)
    return Path(path)


def csv_text(frame: pd.DataFrame) -> str:
    """An export table as CSV text (no index) for a download, formula-like text neutralised."""
    return safe_frame(frame).to_csv(index=False)


def _typed(frame: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Numbers as float64, whole numbers as int64, booleans as bool (by the schema's kinds)."""
    for col in schema.columns:
        if col.name in frame.columns and col.kind in _DTYPES:
            frame[col.name] = frame[col.name].astype(_DTYPES[col.kind])
    return frame


def packages_to_frame(packages: Iterable[Package]) -> pd.DataFrame:
    """One row per package in the table layout (``PACKAGE_COLUMNS``); blanks as ``""``."""
    rows = [
        {
            "package_id": p.package_id,
            "lat": float(p.lat),
            "lon": float(p.lon),
            "weekly_hours": float(p.weekly_hours),
            "visits": format_visits(p.visits),
            "needs": ";".join(sorted(p.needs)),
            "status": p.status.value,
            "days_waiting": int(p.days_waiting),
            "priority": p.priority.value,
            "current_provider": p.current_provider or "",
            "zone_id": p.zone_id or "",
            "area_code": p.area_code or "",
            "placement": p.placement,
        }
        for p in packages
    ]
    return _typed(pd.DataFrame(rows, columns=list(PACKAGES.written)), PACKAGES)


def providers_to_frame(providers: Iterable[Provider]) -> pd.DataFrame:
    """One row per provider in the table layout (``PROVIDER_COLUMNS``)."""
    rows = [
        {
            "provider_id": p.provider_id,
            "name": p.name,
            "lat": float(p.lat),
            "lon": float(p.lon),
            "capacity_hours": float(p.capacity_hours),
            "care_workers": int(p.care_workers),
            "price_gbp_per_hour": float(p.price_gbp_per_hour),
            "pay_gbp_per_hour": float(p.pay_gbp_per_hour),
            "travel_paid": bool(p.travel_paid),
            "mileage_gbp_per_mile": float(p.mileage_gbp_per_mile),
            "skills": ";".join(sorted(p.skills)),
        }
        for p in providers
    ]
    return _typed(pd.DataFrame(rows, columns=list(PROVIDERS.written)), PROVIDERS)


def zones_to_frame(zones: Iterable[Zone]) -> pd.DataFrame:
    """The zone-to-area table: one row per (zone, area), every column filled on every row."""
    rows = [
        {
            "zone_id": z.zone_id,
            "name": z.name,
            "kind": z.kind.value,
            "area_code": area,
            "lead_providers": ";".join(z.lead_providers),
            "rate_uplift_pct": float(z.rate_uplift_pct),
        }
        for z in zones
        for area in z.area_codes
    ]
    return _typed(pd.DataFrame(rows, columns=list(ZONE_AREAS.written)), ZONE_AREAS)


def zones_to_geoframe(zones: Iterable[Zone]) -> gpd.GeoDataFrame:
    """One feature per zone (``ZONE_GEO_COLUMNS`` plus geometry, EPSG:4326)."""
    zones = list(zones)
    frame = pd.DataFrame(
        [
            {
                "zone_id": z.zone_id,
                "name": z.name,
                "kind": z.kind.value,
                "lead_providers": ";".join(z.lead_providers),
                "rate_uplift_pct": float(z.rate_uplift_pct),
                "area_codes": ";".join(z.area_codes),
            }
            for z in zones
        ],
        columns=list(ZONE_GEO.written),
    )
    frame = _typed(frame, ZONE_GEO)
    return gpd.GeoDataFrame(frame, geometry=[z.geometry for z in zones], crs=4326)


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as exact text: floats by shortest round-trip repr, booleans as true/false."""

    def cell(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return repr(v)
        return str(v)

    return pd.DataFrame(
        {c: [cell(v) for v in frame[c].tolist()] for c in frame.columns}, columns=frame.columns
    )


def _write_xlsx(frame: pd.DataFrame, path: Path, sheet: str) -> None:
    """One sheet, streamed (openpyxl write-only); text cells are always text, never formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append([str(c) for c in frame.columns])
    for values in zip(*(frame[c].tolist() for c in frame.columns), strict=True):
        row = []
        for v in values:
            if isinstance(v, str):
                cell = WriteOnlyCell(ws, value=v)
                cell.data_type = "s"  # never a formula: no spreadsheet injection, exact round trip
                row.append(cell)
            else:
                row.append(v)
        ws.append(row)
    wb.save(path)


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Write through a temporary file in the same folder, then replace ``path`` in one step."""
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _write_frame(
    frame: pd.DataFrame, path: Path, table: str, geometry: Sequence[BaseGeometry] | None
) -> Path:
    fmt = format_of(path, path.name)

    def write(tmp: Path) -> None:
        if fmt == CSV:
            safe_frame(text_frame(frame)).to_csv(tmp, index=False, lineterminator="\n")
        elif fmt == XLSX:
            _write_xlsx(safe_frame(frame), tmp, table)
        else:
            if geometry is None:
                raise ValueError(f"{table} have no geometry to write as {fmt}")
            gdf = gpd.GeoDataFrame(safe_frame(frame), geometry=list(geometry), crs=4326)
            driver = "GeoJSON" if fmt == GEOJSON else "GPKG"
            kwargs = {"layer": table} if fmt == GPKG else {}
            gdf.to_file(tmp, driver=driver, engine="pyogrio", **kwargs)

    return atomic_write(path, write)


def write_packages(packages: Iterable[Package], path: str | os.PathLike[str]) -> Path:
    """Write packages as .csv, .xlsx, .geojson or .gpkg (by suffix; points replace lat/lon)."""
    packages = list(packages)
    frame = packages_to_frame(packages)
    path = Path(path)
    if format_of(path, path.name) in GEO:
        points = [Point(p.lon, p.lat) for p in packages]
        return _write_frame(frame.drop(columns=["lat", "lon"]), path, "packages", points)
    return _write_frame(frame, path, "packages", None)


def write_providers(providers: Iterable[Provider], path: str | os.PathLike[str]) -> Path:
    """Write providers as .csv, .xlsx, .geojson or .gpkg (by suffix; points replace lat/lon)."""
    providers = list(providers)
    frame = providers_to_frame(providers)
    path = Path(path)
    if format_of(path, path.name) in GEO:
        points = [Point(p.lon, p.lat) for p in providers]
        return _write_frame(frame.drop(columns=["lat", "lon"]), path, "providers", points)
    return _write_frame(frame, path, "providers", None)


def write_zones(zones: Iterable[Zone], path: str | os.PathLike[str]) -> Path:
    """Write zones: a zone-to-area table (.csv/.xlsx) or polygons (.geojson/.gpkg).

    Raises ``InputError`` for what the format cannot hold: a zone without areas in a table, a
    zone without geometry in a geometry file.
    """
    zones = list(zones)
    path = Path(path)
    fmt = format_of(path, path.name)
    if fmt in GEO:
        missing = [z.zone_id for z in zones if z.geometry is None]
        if missing:
            raise InputError(
                Problem(
                    path.name,
                    None,
                    "geometry",
                    f"zones without geometry cannot be written: {', '.join(missing)}",
                )
            )
        gdf = zones_to_geoframe(zones)
        return _write_frame(
            pd.DataFrame(gdf.drop(columns="geometry")), path, "zones", list(gdf.geometry)
        )
    empty = [z.zone_id for z in zones if not z.area_codes]
    if empty:
        raise InputError(
            Problem(
                path.name,
                None,
                "area_code",
                "zones without area codes cannot be written as a zone-to-area table: "
                + ", ".join(empty),
            )
        )
    return _write_frame(zones_to_frame(zones), path, "zones", None)
