"""Readers and writers, checked row by row, for the tables users bring: packages, providers, zones.

Every reader checks every row and raises one :class:`~optimiser.errors.InputError` listing all
problems (file, 1-based data row, column, what was expected); nothing half-loads. Readers accept a
path or a binary buffer with a ``.name`` (a Streamlit ``UploadedFile``), and pick the format from
the file name: ``.csv``, ``.xlsx``, ``.geojson``/``.json`` or ``.gpkg``. Writers pick the format
from the suffix the same way and write atomically (a temporary file in the same folder, then
``os.replace``). Column names are matched case-insensitively, with spaces and hyphens read as
``_``; an unknown column is an error that suggests the closest known name.

Row numbers: ``row 3`` is the 3rd data row (the header does not count). Messages add where that
is in the file: the CSV line (``CSV line 4``: header on line 1) or the Excel sheet row
(``sheet 'packages' row 4``). In GeoJSON/GeoPackage files the row is the feature number.

Packages (one row per package; full reference in ``docs/tables.md``):
    package_id (text, required, unique) | lat, lon (degrees, EPSG:4326) or postcode (looked up in
    a postcode table the caller passes) | weekly_hours (h of contact time, in (0, 168], must equal
    the sum of visit durations within 1%) | visits (weekly pattern, see ``visits_syntax``) |
    needs (``;``-separated) | status (active/waiting, default waiting) | days_waiting (whole days
    >= 0, default 0) | priority (hospital_discharge/community, default community) |
    current_provider (provider id; required when active) | zone_id | area_code | placement.
    In GeoJSON/GeoPackage the point geometry gives lat/lon.
Providers (one row per provider):
    provider_id (required, unique) | name | lat, lon or postcode (or point geometry) |
    capacity_hours (carer-hours a week, >= 0, at most 168 per care worker) | care_workers (>= 0) |
    price_gbp_per_hour | pay_gbp_per_hour (both in (0, 500]) | travel_paid (true/false, default
    true) | mileage_gbp_per_mile (0-5, default 0.45) | skills, zones (``;``-separated).
Zones, zone-to-area table (``.csv``/``.xlsx``, the editable source of truth, one row per area):
    zone_id | name | kind (neighbourhood/rural) | area_code | lead_providers (``;``-separated) |
    rate_uplift_pct (-50..200, default 0). Blank name, lead_providers or rate_uplift_pct cells
    mean "as on the zone's other rows" (kind is needed on its first row); conflicting values are
    errors. Polygons are the union of the areas' geometries when the caller passes
    ``area_geometries``.
Zones, geometry (``.geojson``/``.gpkg``, one feature per zone): zone_id | name | kind |
    lead_providers | rate_uplift_pct | area_codes (``;``-separated) | (Multi)Polygon geometry.
Postcode lookup: postcode | lat | lon (postcodes matched ignoring case and spaces).

Zone geometries are checked for emptiness, validity (shapely ``explain_validity``), plausible
lon/lat coordinates and pairwise overlap (more than ``overlap_tol_m2`` square metres, measured in
the local UTM projection). Cross-table checks live in :func:`validate_references`.
"""

from __future__ import annotations

import difflib
import io
import math
import os
import re
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from optimiser.data.domain import (
    MAX_WEEKLY_HOURS,
    Package,
    PackageStatus,
    Priority,
    Provider,
    Zone,
    ZoneKind,
)
from optimiser.data.visits_syntax import VisitsSyntaxError, format_visits, parse_visits
from optimiser.errors import InputError, Problem

__all__ = [
    "PACKAGE_COLUMNS",
    "POSTCODE_COLUMNS",
    "PROVIDER_COLUMNS",
    "ZONE_AREA_COLUMNS",
    "ZONE_GEO_COLUMNS",
    "normalise_postcode",
    "normalise_token",
    "packages_from_frame",
    "packages_to_frame",
    "postcode_lookup_from_frame",
    "providers_from_frame",
    "providers_to_frame",
    "read_packages",
    "read_postcode_lookup",
    "read_providers",
    "read_zones",
    "reference_problems",
    "validate_references",
    "write_packages",
    "write_providers",
    "write_zones",
    "zone_geometry_problems",
    "zones_from_frame",
    "zones_from_geoframe",
    "zones_to_frame",
    "zones_to_geoframe",
]

PathOrBuffer = str | os.PathLike[str] | BinaryIO
#: A postcode lookup: {normalised postcode: (lat, lon)}, or a postcode table to read.
PostcodeLookup = Mapping[str, tuple[float, float]] | PathOrBuffer

PACKAGE_COLUMNS = (
    "package_id",
    "lat",
    "lon",
    "weekly_hours",
    "visits",
    "needs",
    "status",
    "days_waiting",
    "priority",
    "current_provider",
    "zone_id",
    "area_code",
    "placement",
)
PROVIDER_COLUMNS = (
    "provider_id",
    "name",
    "lat",
    "lon",
    "capacity_hours",
    "care_workers",
    "price_gbp_per_hour",
    "pay_gbp_per_hour",
    "travel_paid",
    "mileage_gbp_per_mile",
    "skills",
    "zones",
)
ZONE_AREA_COLUMNS = ("zone_id", "name", "kind", "area_code", "lead_providers", "rate_uplift_pct")
ZONE_GEO_COLUMNS = ("zone_id", "name", "kind", "lead_providers", "rate_uplift_pct", "area_codes")
POSTCODE_COLUMNS = ("postcode", "lat", "lon")

#: Columns readers accept beyond the written ones (a postcode instead of lat/lon).
_EXTRA_IN = ("postcode",)
_CSV, _XLSX, _GEOJSON, _GPKG = "csv", "xlsx", "geojson", "gpkg"
_SUFFIXES = {".csv": _CSV, ".xlsx": _XLSX, ".geojson": _GEOJSON, ".json": _GEOJSON, ".gpkg": _GPKG}
_GEO = (_GEOJSON, _GPKG)
_MAX_DAYS_WAITING = 3650
_MAX_GBP_PER_HOUR = 500.0
_MAX_GBP_PER_MILE = 5.0
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_E = TypeVar("_E", bound=StrEnum)
_R = TypeVar("_R")

# ----------------------------------------------------------------------------------------------
# Small helpers
# ----------------------------------------------------------------------------------------------


def normalise_token(text: str) -> str:
    """A need, skill or similar tag in canonical form: lower case, words joined by ``_``."""
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def normalise_postcode(text: str) -> str:
    """A postcode as a lookup key: upper case, no spaces (``le15 6ab`` -> ``LE156AB``)."""
    return re.sub(r"\s+", "", text).upper()


def _norm_col(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _closest(name: str, known: Iterable[str]) -> str | None:
    hits = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return hits[0] if hits else None


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    hit = _closest(name, known)
    return f" (did you mean '{hit}'?)" if hit else ""


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _as_text(value: object) -> str:
    """Cell value as text; integral floats (Excel numbers) lose their ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _source_of(obj: PathOrBuffer, source_name: str | None, default: str) -> str:
    if source_name:
        return source_name
    if isinstance(obj, str | os.PathLike):
        return Path(obj).name
    name = getattr(obj, "name", None)
    return Path(name).name if isinstance(name, str) and name else default


def _format_of(obj: PathOrBuffer, source: str) -> str:
    is_path = isinstance(obj, str | os.PathLike)
    name = str(obj) if is_path else (getattr(obj, "name", None) or source)
    suffix = Path(str(name)).suffix.lower()
    if suffix not in _SUFFIXES:
        raise InputError(
            Problem(
                source,
                None,
                None,
                f"unknown file type '{suffix or name}': expected one of "
                f"{', '.join(sorted(_SUFFIXES))}",
            )
        )
    return _SUFFIXES[suffix]


# ----------------------------------------------------------------------------------------------
# Reading raw tables
# ----------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    """A table as read, before checking: object cells, normalised column names, geometries."""

    frame: pd.DataFrame
    where: Callable[[int], str]
    geometry: list[BaseGeometry | None] | None = None
    crs_note: str | None = None


def _where_none(_row: int) -> str:
    return ""


def _read_raw(obj: PathOrBuffer, fmt: str, source: str, table: str) -> _Raw:
    """Read a file into a raw table; a file that cannot be read at all raises at once."""
    if not isinstance(obj, str | os.PathLike) and hasattr(obj, "seek"):
        obj.seek(0)
    try:
        if fmt == _CSV:
            return _Raw(_read_csv(obj).astype(object), lambda r: f" (CSV line {r + 1})")
        if fmt == _XLSX:
            sheets = pd.read_excel(obj, sheet_name=None, dtype=object, engine="openpyxl")
            if not sheets:
                raise ValueError("the workbook has no sheets")
            names = {_norm_col(n): n for n in sheets}
            sheet = names.get(table, next(iter(sheets)))
            frame = sheets[sheet]
            return _Raw(frame.astype(object), lambda r: f" (sheet '{sheet}' row {r + 1})")
        return _read_geo(obj, fmt, table)
    except InputError:
        raise
    except pd.errors.EmptyDataError:
        raise InputError(Problem(source, None, None, "the file is empty")) from None
    except (ValueError, OSError, UnicodeDecodeError, KeyError, pd.errors.ParserError) as exc:
        raise InputError(
            Problem(source, None, None, f"cannot read the file as {fmt.upper()}: {exc}")
        ) from None
    except Exception as exc:  # pyogrio/openpyxl raise their own types for corrupt files
        raise InputError(
            Problem(source, None, None, f"cannot read the file as {fmt.upper()}: {exc}")
        ) from None


def _read_csv(obj: PathOrBuffer) -> pd.DataFrame:
    """All cells as text; UTF-8 (with or without BOM), else Windows-1252 (Excel's 'CSV')."""
    data = Path(obj).read_bytes() if isinstance(obj, str | os.PathLike) else obj.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if not text.strip():
        raise pd.errors.EmptyDataError("no data")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)


def _read_geo(obj: PathOrBuffer, fmt: str, table: str) -> _Raw:
    import pyogrio

    data: Any = obj if isinstance(obj, str | os.PathLike) else io.BytesIO(obj.read())
    with warnings.catch_warnings():
        # GDAL warns that an in-memory GeoPackage has no .gpkg name; harmless.
        warnings.filterwarnings("ignore", message=".*non conformant file extension")
        layer = None
        if fmt == _GPKG:
            layers = [str(row[0]) for row in pyogrio.list_layers(data)]
            if isinstance(data, io.BytesIO):
                data.seek(0)
            layer = table if table in layers else (layers[0] if layers else None)
        gdf = gpd.read_file(data, layer=layer, engine="pyogrio")
    note = None
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        note = f"converted from {gdf.crs.to_string()} to EPSG:4326"
        gdf = gdf.to_crs(4326)
    geoms = [None if g is None or g.is_empty else g for g in gdf.geometry]
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object)
    return _Raw(frame, _where_none, geoms, note)


def _raw_from_frame(frame: pd.DataFrame) -> _Raw:
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        gdf = frame.to_crs(4326) if frame.crs is not None and frame.crs.to_epsg() != 4326 else frame
        geoms = [None if g is None or g.is_empty else g for g in gdf.geometry]
        return _Raw(
            pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object), _where_none, geoms
        )
    return _Raw(frame.astype(object), _where_none)


# ----------------------------------------------------------------------------------------------
# Row checking
# ----------------------------------------------------------------------------------------------


class _Checker:
    """Collects the problems of one table; typed cell parsers record a problem and return None."""

    def __init__(self, source: str, where: Callable[[int], str]) -> None:
        self.source = source
        self.where = where
        self.problems: list[Problem] = []
        #: Columns the table has; a missing column is reported once, not on every row.
        self.present: set[str] = set()

    def missing(self, row: int, fld: str, expected: str) -> None:
        if fld in self.present:
            self.add(row, fld, f"missing value: expected {expected}")

    def add(self, row: int | None, fld: str | None, message: str) -> None:
        suffix = self.where(row) if row is not None else ""
        self.problems.append(Problem(self.source, row, fld, message + suffix))

    def columns(
        self,
        raw: _Raw,
        *,
        known: Sequence[str],
        required: Sequence[str],
    ) -> dict[str, str]:
        """Map normalised name -> original column; report duplicate, unknown and missing ones."""
        mapping: dict[str, str] = {}
        unknown: list[str] = []
        for col in raw.frame.columns:
            name = _norm_col(col)
            if name.startswith("unnamed:") and raw.frame[col].map(_is_missing).all():
                continue  # an empty trailing column left by a spreadsheet
            if name in mapping:
                self.add(None, name, f"column '{col}' appears twice")
            elif name in known:
                mapping[name] = col
            else:
                unknown.append(name)
        for name in unknown:
            self.add(
                None,
                name,
                f"unknown column '{name}'{_did_you_mean(name, known)}; "
                f"known columns: {', '.join(known)}",
            )
        for name in required:
            if name not in mapping:
                hint = _closest(name, unknown)
                extra = f" (is '{hint}' a misspelling of it?)" if hint else ""
                self.add(None, name, f"missing required column '{name}'{extra}")
        self.present = set(mapping)
        return mapping

    def text(self, row: int, fld: str, value: object, *, required: bool) -> str | None:
        if _is_missing(value):
            if required:
                self.missing(row, fld, "text")
            return None
        return _as_text(value)

    def ident(self, row: int, fld: str, value: object, *, required: bool) -> str | None:
        text = self.text(row, fld, value, required=required)
        if text is not None and ";" in text:
            self.add(row, fld, f"expected an id without ';', got {_shown(text)}")
            return None
        return text

    def number(
        self,
        row: int,
        fld: str,
        value: object,
        *,
        what: str,
        lo: float,
        hi: float,
        lo_open: bool = False,
        default: float | None = None,
        required: bool = True,
    ) -> float | None:
        if _is_missing(value):
            if required and default is None:
                self.missing(row, fld, what)
            return default
        try:
            if isinstance(value, bool):
                raise ValueError
            x = float(value.strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.add(row, fld, f"expected {what}, got {_shown(value)}")
            return None
        if not math.isfinite(x) or x > hi or x < lo or (lo_open and x == lo):
            self.add(row, fld, f"expected {what}, got {_shown(value)}")
            return None
        return x

    def integer(
        self, row: int, fld: str, value: object, *, what: str, lo: int, hi: int, default: int | None
    ) -> int | None:
        x = self.number(row, fld, value, what=what, lo=lo, hi=hi, default=default)
        if x is None:
            return None
        if not float(x).is_integer():
            self.add(row, fld, f"expected {what} (a whole number), got {_shown(value)}")
            return None
        return int(x)

    def boolean(self, row: int, fld: str, value: object, *, default: bool) -> bool | None:
        if _is_missing(value):
            return default
        if isinstance(value, bool):
            return value
        text = _as_text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.add(row, fld, f"expected true or false (or yes/no, 1/0), got {_shown(value)}")
        return None

    def choice(
        self, row: int, fld: str, value: object, enum: type[_E], *, default: _E | None
    ) -> _E | None:
        options = [e.value for e in enum]
        if _is_missing(value):
            if default is None:
                self.missing(row, fld, f"one of {', '.join(options)}")
            return default
        text = normalise_token(_as_text(value))
        if text in options:
            return enum(text)
        self.add(
            row,
            fld,
            f"expected one of {', '.join(options)}, got {_shown(value)}"
            f"{_did_you_mean(text, options)}",
        )
        return None

    def tags(self, row: int, fld: str, value: object) -> frozenset[str]:
        if _is_missing(value):
            return frozenset()
        return frozenset(normalise_token(t) for t in _as_text(value).split(";") if t.strip())

    def id_list(self, row: int, fld: str, value: object) -> tuple[str, ...]:
        if _is_missing(value):
            return ()
        items = [t.strip() for t in _as_text(value).split(";") if t.strip()]
        seen: list[str] = []
        for item in items:
            if item in seen:
                self.add(row, fld, f"'{item}' is listed twice")
            else:
                seen.append(item)
        return tuple(seen)

    def unique(self, row: int, fld: str, ident: str, first_rows: dict[str, int]) -> None:
        if ident in first_rows:
            self.add(row, fld, f"duplicate {fld} '{ident}' (first on row {first_rows[ident]})")
        else:
            first_rows[ident] = row

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)


def _cells(raw: _Raw, mapping: Mapping[str, str]) -> Iterable[tuple[int, dict[str, object]]]:
    """(1-based row, {normalised column: cell}) for every row, skipping fully blank rows."""
    columns = {name: raw.frame[orig].tolist() for name, orig in mapping.items()}
    for i in range(len(raw.frame)):
        rec = {name: values[i] for name, values in columns.items()}
        geom_missing = raw.geometry is None or raw.geometry[i] is None
        if all(_is_missing(v) for v in rec.values()) and geom_missing:
            continue
        yield i + 1, rec


def _location(
    chk: _Checker,
    row: int,
    rec: Mapping[str, object],
    raw: _Raw,
    postcode_lookup: Mapping[str, tuple[float, float]] | None,
) -> tuple[float, float] | None:
    """(lat, lon) from the point geometry, the lat/lon cells, or the postcode lookup."""
    if raw.geometry is not None:
        geom = raw.geometry[row - 1]
        if geom is None:
            chk.add(row, "geometry", "missing geometry: expected a point")
            return None
        if not isinstance(geom, Point):
            chk.add(row, "geometry", f"expected a point, got a {geom.geom_type}")
            return None
        return _checked_latlon(chk, row, geom.y, geom.x)
    has_latlon = not (_is_missing(rec.get("lat")) and _is_missing(rec.get("lon")))
    if has_latlon or _is_missing(rec.get("postcode")):
        lat = chk.number(row, "lat", rec.get("lat"), what="a latitude in degrees", lo=-90, hi=90)
        lon = chk.number(row, "lon", rec.get("lon"), what="a longitude in degrees", lo=-180, hi=180)
        return None if lat is None or lon is None else (lat, lon)
    postcode = _as_text(rec["postcode"])
    if postcode_lookup is None:
        chk.add(
            row,
            "postcode",
            "lat/lon are blank and no postcode lookup table (postcode,lat,lon) was given",
        )
        return None
    hit = postcode_lookup.get(normalise_postcode(postcode))
    if hit is None:
        chk.add(
            row,
            "postcode",
            f"postcode {_shown(postcode)} is not in the postcode lookup "
            f"({len(postcode_lookup)} postcodes)",
        )
        return None
    return hit


def _checked_latlon(chk: _Checker, row: int, lat: float, lon: float) -> tuple[float, float] | None:
    if -90 <= lat <= 90 and -180 <= lon <= 180:
        return (float(lat), float(lon))
    chk.add(
        row,
        "geometry",
        f"point ({lon}, {lat}) is not a lon/lat position: expected EPSG:4326 coordinates",
    )
    return None


def _location_columns(chk: _Checker, mapping: Mapping[str, str], raw: _Raw) -> None:
    if raw.geometry is not None:
        return
    if "lat" in mapping or "lon" in mapping:
        for name in ("lat", "lon"):
            if name not in mapping:
                chk.add(None, name, f"missing column '{name}' (lat and lon go together)")
    elif "postcode" not in mapping:
        chk.add(None, "lat", "missing location columns: expected 'lat' and 'lon', or 'postcode'")


def _build(chk: _Checker, row: int, fld: str, cls: Callable[..., _R], **fields: Any) -> _R | None:
    """Construct a record; a check the domain record makes itself becomes a row problem."""
    try:
        return cls(**fields)
    except ValueError as exc:
        chk.add(row, fld, str(exc))
        return None


# ----------------------------------------------------------------------------------------------
# Packages
# ----------------------------------------------------------------------------------------------


def _packages(
    raw: _Raw, source: str, postcode_lookup: Mapping[str, tuple[float, float]] | None
) -> tuple[Package, ...]:
    chk = _Checker(source, raw.where)
    known = [*PACKAGE_COLUMNS, *_EXTRA_IN]
    mapping = chk.columns(raw, known=known, required=("package_id", "weekly_hours", "visits"))
    _location_columns(chk, mapping, raw)
    out: list[Package] = []
    first: dict[str, int] = {}
    for row, rec in _cells(raw, mapping):
        before = len(chk.problems)
        pid = chk.text(row, "package_id", rec.get("package_id"), required="package_id" in mapping)
        if pid is not None:
            chk.unique(row, "package_id", pid, first)
        loc = _location(chk, row, rec, raw, postcode_lookup)
        hours = None
        if "weekly_hours" in mapping:
            hours = chk.number(
                row,
                "weekly_hours",
                rec.get("weekly_hours"),
                what=f"weekly contact hours in (0, {MAX_WEEKLY_HOURS:g}] (hours in a week)",
                lo=0.0,
                hi=MAX_WEEKLY_HOURS,
                lo_open=True,
            )
        visits = None
        if "visits" in mapping:
            value = rec.get("visits")
            if _is_missing(value):
                chk.add(
                    row,
                    "visits",
                    "missing value: expected a weekly pattern such as "
                    "'mon-fri morning 30; sat,sun lunch 45x2'",
                )
            else:
                try:
                    visits = parse_visits(_as_text(value))
                except VisitsSyntaxError as exc:
                    chk.add(row, "visits", str(exc))
        if hours is not None and visits is not None:
            total_h = sum(v.duration_min for v in visits) / 60.0
            if abs(total_h - hours) >= 1e-6 + 0.01 * hours:
                chk.add(
                    row,
                    "weekly_hours",
                    f"weekly_hours is {hours:g} but the visits add up to {total_h:.2f} h of "
                    f"contact time (double-handed calls count once)",
                )
        status = chk.choice(
            row, "status", rec.get("status"), PackageStatus, default=PackageStatus.WAITING
        )
        days = chk.integer(
            row,
            "days_waiting",
            rec.get("days_waiting"),
            what=f"days on the waiting list, 0-{_MAX_DAYS_WAITING}",
            lo=0,
            hi=_MAX_DAYS_WAITING,
            default=0,
        )
        priority = chk.choice(
            row, "priority", rec.get("priority"), Priority, default=Priority.COMMUNITY
        )
        current = chk.ident(row, "current_provider", rec.get("current_provider"), required=False)
        if (
            status is PackageStatus.ACTIVE
            and current is None
            and _is_missing(rec.get("current_provider"))
        ):
            chk.add(
                row,
                "current_provider",
                "missing value: an active package needs its current provider",
            )
        zone_id = chk.ident(row, "zone_id", rec.get("zone_id"), required=False)
        area_code = chk.text(row, "area_code", rec.get("area_code"), required=False)
        placement = chk.text(row, "placement", rec.get("placement"), required=False) or ""
        needs = chk.tags(row, "needs", rec.get("needs"))
        values = (pid, loc, hours, visits, status, days, priority)
        if len(chk.problems) > before or any(v is None for v in values):
            continue  # a problem is already recorded (for the row, or a missing column)
        assert pid is not None and loc is not None and hours is not None and visits is not None
        assert status is not None and days is not None and priority is not None
        pkg = _build(
            chk,
            row,
            "package_id",
            Package,
            package_id=pid,
            lat=loc[0],
            lon=loc[1],
            weekly_hours=hours,
            visits=visits,
            needs=needs,
            status=status,
            days_waiting=days,
            priority=priority,
            current_provider=current,
            zone_id=zone_id,
            area_code=area_code,
            placement=placement,
        )
        if pkg is not None:
            out.append(pkg)
    chk.raise_if_any()
    return tuple(out)


def read_packages(
    path_or_buffer: PathOrBuffer,
    *,
    source_name: str | None = None,
    postcode_lookup: PostcodeLookup | None = None,
) -> tuple[Package, ...]:
    """Read and check a packages table (.csv, .xlsx, .geojson, .gpkg).

    ``postcode_lookup`` maps normalised postcodes (see :func:`normalise_postcode`) to
    (lat, lon) [degrees], or is a postcode table to read (:func:`read_postcode_lookup`); it is
    used for rows whose lat/lon are blank. Raises ``InputError``
    listing every problem.
    """
    source = _source_of(path_or_buffer, source_name, "packages")
    fmt = _format_of(path_or_buffer, source)
    raw = _read_raw(path_or_buffer, fmt, source, "packages")
    return _packages(raw, source, _lookup_of(postcode_lookup))


def packages_from_frame(
    frame: pd.DataFrame,
    *,
    source_name: str = "packages",
    postcode_lookup: PostcodeLookup | None = None,
) -> tuple[Package, ...]:
    """Check a packages DataFrame (a GeoDataFrame's point geometry gives lat/lon)."""
    return _packages(_raw_from_frame(frame), source_name, _lookup_of(postcode_lookup))


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
    return _typed(
        pd.DataFrame(rows, columns=list(PACKAGE_COLUMNS)),
        ("lat", "lon", "weekly_hours"),
        ("days_waiting",),
    )


def _typed(frame: pd.DataFrame, floats: Sequence[str], ints: Sequence[str]) -> pd.DataFrame:
    for col in floats:
        frame[col] = frame[col].astype("float64")
    for col in ints:
        frame[col] = frame[col].astype("int64")
    return frame


# ----------------------------------------------------------------------------------------------
# Providers
# ----------------------------------------------------------------------------------------------


def _providers(
    raw: _Raw, source: str, postcode_lookup: Mapping[str, tuple[float, float]] | None
) -> tuple[Provider, ...]:
    chk = _Checker(source, raw.where)
    known = [*PROVIDER_COLUMNS, *_EXTRA_IN]
    required = (
        "provider_id",
        "capacity_hours",
        "care_workers",
        "price_gbp_per_hour",
        "pay_gbp_per_hour",
    )
    mapping = chk.columns(raw, known=known, required=required)
    _location_columns(chk, mapping, raw)
    out: list[Provider] = []
    first: dict[str, int] = {}
    for row, rec in _cells(raw, mapping):
        before = len(chk.problems)
        pid = chk.ident(row, "provider_id", rec.get("provider_id"), required=True)
        if pid is not None:
            chk.unique(row, "provider_id", pid, first)
        name = chk.text(row, "name", rec.get("name"), required=False)
        loc = _location(chk, row, rec, raw, postcode_lookup)
        workers = chk.integer(
            row,
            "care_workers",
            rec.get("care_workers"),
            what="a number of care workers, 0-100000",
            lo=0,
            hi=100_000,
            default=None,
        )
        capacity = chk.number(
            row,
            "capacity_hours",
            rec.get("capacity_hours"),
            what="weekly carer-hours of capacity, >= 0",
            lo=0.0,
            hi=math.inf,
        )
        if capacity is not None and workers is not None and capacity > MAX_WEEKLY_HOURS * workers:
            chk.add(
                row,
                "capacity_hours",
                f"capacity_hours {capacity:g} is more than {MAX_WEEKLY_HOURS:g} h a week for each "
                f"of the {workers} care workers",
            )
        price = chk.number(
            row,
            "price_gbp_per_hour",
            rec.get("price_gbp_per_hour"),
            what=f"an hourly price in GBP, in (0, {_MAX_GBP_PER_HOUR:g}]",
            lo=0.0,
            hi=_MAX_GBP_PER_HOUR,
            lo_open=True,
        )
        pay = chk.number(
            row,
            "pay_gbp_per_hour",
            rec.get("pay_gbp_per_hour"),
            what=f"an hourly care worker pay in GBP, in (0, {_MAX_GBP_PER_HOUR:g}]",
            lo=0.0,
            hi=_MAX_GBP_PER_HOUR,
            lo_open=True,
        )
        travel_paid = chk.boolean(row, "travel_paid", rec.get("travel_paid"), default=True)
        mileage = chk.number(
            row,
            "mileage_gbp_per_mile",
            rec.get("mileage_gbp_per_mile"),
            what=f"a mileage rate in GBP per mile, 0-{_MAX_GBP_PER_MILE:g}",
            lo=0.0,
            hi=_MAX_GBP_PER_MILE,
            default=0.45,
        )
        skills = chk.tags(row, "skills", rec.get("skills"))
        zones = frozenset(chk.id_list(row, "zones", rec.get("zones")))
        values = (pid, loc, workers, capacity, price, pay, travel_paid, mileage)
        if len(chk.problems) > before or any(v is None for v in values):
            continue  # a problem is already recorded (for the row, or a missing column)
        assert pid is not None and loc is not None and workers is not None
        assert capacity is not None and price is not None and pay is not None
        assert travel_paid is not None and mileage is not None
        prov = _build(
            chk,
            row,
            "provider_id",
            Provider,
            provider_id=pid,
            name=name or pid,
            lat=loc[0],
            lon=loc[1],
            capacity_hours=capacity,
            care_workers=workers,
            price_gbp_per_hour=price,
            pay_gbp_per_hour=pay,
            travel_paid=travel_paid,
            mileage_gbp_per_mile=mileage,
            skills=skills,
            zones=zones,
        )
        if prov is not None:
            out.append(prov)
    chk.raise_if_any()
    return tuple(out)


def read_providers(
    path_or_buffer: PathOrBuffer,
    *,
    source_name: str | None = None,
    postcode_lookup: PostcodeLookup | None = None,
) -> tuple[Provider, ...]:
    """Read and check a providers table (.csv, .xlsx, .geojson, .gpkg)."""
    source = _source_of(path_or_buffer, source_name, "providers")
    fmt = _format_of(path_or_buffer, source)
    raw = _read_raw(path_or_buffer, fmt, source, "providers")
    return _providers(raw, source, _lookup_of(postcode_lookup))


def providers_from_frame(
    frame: pd.DataFrame,
    *,
    source_name: str = "providers",
    postcode_lookup: PostcodeLookup | None = None,
) -> tuple[Provider, ...]:
    """Check a providers DataFrame (a GeoDataFrame's point geometry gives lat/lon)."""
    return _providers(_raw_from_frame(frame), source_name, _lookup_of(postcode_lookup))


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
            "zones": ";".join(sorted(p.zones)),
        }
        for p in providers
    ]
    frame = pd.DataFrame(rows, columns=list(PROVIDER_COLUMNS))
    frame["travel_paid"] = frame["travel_paid"].astype(bool)
    return _typed(
        frame,
        (
            "lat",
            "lon",
            "capacity_hours",
            "price_gbp_per_hour",
            "pay_gbp_per_hour",
            "mileage_gbp_per_mile",
        ),
        ("care_workers",),
    )


# ----------------------------------------------------------------------------------------------
# Zones
# ----------------------------------------------------------------------------------------------


@dataclass
class _ZoneDraft:
    row: int
    name: str | None
    kind: ZoneKind | None
    leads: tuple[str, ...] | None
    uplift: float | None
    areas: list[str]


def _zones_from_areas(
    raw: _Raw,
    source: str,
    area_geometries: Mapping[str, BaseGeometry] | None,
    overlap_tol_m2: float,
) -> tuple[Zone, ...]:
    chk = _Checker(source, raw.where)
    mapping = chk.columns(raw, known=ZONE_AREA_COLUMNS, required=("zone_id", "kind", "area_code"))
    drafts: dict[str, _ZoneDraft] = {}
    area_rows: dict[str, tuple[int, str]] = {}
    for row, rec in _cells(raw, mapping):
        zid = chk.ident(row, "zone_id", rec.get("zone_id"), required=True)
        name = chk.text(row, "name", rec.get("name"), required=False)
        kind_missing = _is_missing(rec.get("kind"))
        kind = (
            None
            if kind_missing
            else chk.choice(row, "kind", rec.get("kind"), ZoneKind, default=None)
        )
        leads = (
            None
            if _is_missing(rec.get("lead_providers"))
            else chk.id_list(row, "lead_providers", rec.get("lead_providers"))
        )
        uplift = None
        if not _is_missing(rec.get("rate_uplift_pct")):
            uplift = chk.number(
                row,
                "rate_uplift_pct",
                rec.get("rate_uplift_pct"),
                what="a rate uplift in percent, -50 to 200",
                lo=-50.0,
                hi=200.0,
            )
        area = chk.text(row, "area_code", rec.get("area_code"), required="area_code" in mapping)
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
            if kind_missing and "kind" in mapping:
                chk.add(
                    row,
                    "kind",
                    f"missing value on the first row of zone '{zid}': expected one of "
                    f"{', '.join(k.value for k in ZoneKind)}",
                )
            drafts[zid] = _ZoneDraft(row, name, kind, leads, uplift, [area] if area else [])
            continue
        for fld, attr, new, old in (
            ("name", "name", name, draft.name),
            ("kind", "kind", kind, draft.kind),
            ("lead_providers", "leads", leads, draft.leads),
            ("rate_uplift_pct", "uplift", uplift, draft.uplift),
        ):
            if old is None and new is not None and fld != "kind":
                setattr(draft, attr, new)  # blank on the first row, given on a later one
            elif new is not None and old is not None and new != old:
                shown_new = ";".join(new) if isinstance(new, tuple) else new
                shown_old = ";".join(old) if isinstance(old, tuple) else old
                chk.add(
                    row,
                    fld,
                    f"zone '{zid}' has {fld} {_shown(str(shown_new))} here but "
                    f"{_shown(str(shown_old))} on its first row (row {draft.row}); leave it blank "
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
                    f"{_did_you_mean(area, area_geometries)}",
                )
        for zid, draft in drafts.items():
            parts = [area_geometries[a] for a in draft.areas if a in area_geometries]
            if parts:
                geoms[zid] = shapely.union_all(parts)
    zones: list[Zone] = []
    rows: list[int] = []
    for zid, d in drafts.items():
        if d.kind is None:
            continue
        zone = _build(
            chk,
            d.row,
            "zone_id",
            Zone,
            zone_id=zid,
            name=d.name or zid,
            kind=d.kind,  # type: ignore[arg-type]
            area_codes=tuple(d.areas),
            geometry=geoms[zid],
            lead_providers=d.leads or (),
            rate_uplift_pct=d.uplift if d.uplift is not None else 0.0,
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


def _zones_from_geo(raw: _Raw, source: str, overlap_tol_m2: float) -> tuple[Zone, ...]:
    chk = _Checker(source, raw.where)
    mapping = chk.columns(raw, known=ZONE_GEO_COLUMNS, required=("zone_id", "kind"))
    zones: list[Zone] = []
    rows: list[int] = []
    first: dict[str, int] = {}
    assert raw.geometry is not None
    for row, rec in _cells(raw, mapping):
        before = len(chk.problems)
        zid = chk.ident(row, "zone_id", rec.get("zone_id"), required=True)
        if zid is not None:
            chk.unique(row, "zone_id", zid, first)
        name = chk.text(row, "name", rec.get("name"), required=False)
        kind = chk.choice(row, "kind", rec.get("kind"), ZoneKind, default=None)
        leads = chk.id_list(row, "lead_providers", rec.get("lead_providers"))
        uplift = chk.number(
            row,
            "rate_uplift_pct",
            rec.get("rate_uplift_pct"),
            what="a rate uplift in percent, -50 to 200",
            lo=-50.0,
            hi=200.0,
            default=0.0,
        )
        areas = chk.id_list(row, "area_codes", rec.get("area_codes"))
        geom = raw.geometry[row - 1]
        if geom is None:
            chk.add(
                row,
                "geometry",
                f"zone '{zid}' has an empty or missing geometry: expected a polygon",
            )
        if len(chk.problems) > before or zid is None or kind is None or uplift is None:
            continue  # a problem is already recorded (for the row, or a missing column)
        zone = _build(
            chk,
            row,
            "zone_id",
            Zone,
            zone_id=zid,
            name=name or zid,
            kind=kind,
            area_codes=areas,
            geometry=geom,
            lead_providers=leads,
            rate_uplift_pct=uplift,
        )
        if zone is not None:
            zones.append(zone)
            rows.append(row)
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
    where: Callable[[int], str] = _where_none,
) -> list[Problem]:
    """Problems with zone polygons: empty, not polygons, invalid, not lon/lat, or overlapping.

    Zones without a geometry are skipped. Overlap is the intersection area of two zones in the
    local UTM projection [m²]; more than ``overlap_tol_m2`` is a problem naming both zones.
    """
    chk = _Checker(source, where)
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
) -> tuple[Zone, ...]:
    """Read and check zones: a zone-to-area table (.csv/.xlsx) or polygons (.geojson/.gpkg).

    For a zone-to-area table, ``area_geometries`` (area code -> EPSG:4326 polygon) gives each
    zone the union of its areas as geometry; without it zones have no geometry.
    """
    source = _source_of(path_or_buffer, source_name, "zones")
    fmt = _format_of(path_or_buffer, source)
    raw = _read_raw(path_or_buffer, fmt, source, "zones")
    if fmt in _GEO:
        return _zones_from_geo(raw, source, overlap_tol_m2)
    return _zones_from_areas(raw, source, area_geometries, overlap_tol_m2)


def zones_from_frame(
    frame: pd.DataFrame,
    *,
    source_name: str = "zones",
    area_geometries: Mapping[str, BaseGeometry] | None = None,
    overlap_tol_m2: float = 1.0,
) -> tuple[Zone, ...]:
    """Check a zone-to-area DataFrame (one row per area, ``ZONE_AREA_COLUMNS``)."""
    return _zones_from_areas(_raw_from_frame(frame), source_name, area_geometries, overlap_tol_m2)


def zones_from_geoframe(
    frame: gpd.GeoDataFrame, *, source_name: str = "zones", overlap_tol_m2: float = 1.0
) -> tuple[Zone, ...]:
    """Check a zones GeoDataFrame (one polygon per zone, ``ZONE_GEO_COLUMNS``)."""
    raw = _raw_from_frame(frame)
    if raw.geometry is None:
        raise InputError(
            Problem(source_name, None, "geometry", "expected a GeoDataFrame with polygons")
        )
    return _zones_from_geo(raw, source_name, overlap_tol_m2)


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
    return _typed(pd.DataFrame(rows, columns=list(ZONE_AREA_COLUMNS)), ("rate_uplift_pct",), ())


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
        columns=list(ZONE_GEO_COLUMNS),
    )
    frame = _typed(frame, ("rate_uplift_pct",), ())
    return gpd.GeoDataFrame(frame, geometry=[z.geometry for z in zones], crs=4326)


# ----------------------------------------------------------------------------------------------
# Postcode lookup
# ----------------------------------------------------------------------------------------------


def _postcodes(raw: _Raw, source: str) -> dict[str, tuple[float, float]]:
    chk = _Checker(source, raw.where)
    mapping = chk.columns(raw, known=POSTCODE_COLUMNS, required=POSTCODE_COLUMNS)
    out: dict[str, tuple[float, float]] = {}
    first: dict[str, int] = {}
    for row, rec in _cells(raw, mapping):
        code = chk.text(row, "postcode", rec.get("postcode"), required=True)
        lat = chk.number(row, "lat", rec.get("lat"), what="a latitude in degrees", lo=-90, hi=90)
        lon = chk.number(row, "lon", rec.get("lon"), what="a longitude in degrees", lo=-180, hi=180)
        if code is None:
            continue
        key = normalise_postcode(code)
        chk.unique(row, "postcode", key, first)
        if lat is not None and lon is not None:
            out[key] = (lat, lon)
    chk.raise_if_any()
    return out


def read_postcode_lookup(
    path_or_buffer: PathOrBuffer, *, source_name: str | None = None
) -> dict[str, tuple[float, float]]:
    """Read a postcode table (postcode, lat, lon) into {normalised postcode: (lat, lon)}."""
    source = _source_of(path_or_buffer, source_name, "postcodes")
    fmt = _format_of(path_or_buffer, source)
    if fmt in _GEO:
        raise InputError(Problem(source, None, None, "expected a .csv or .xlsx postcode table"))
    return _postcodes(_read_raw(path_or_buffer, fmt, source, "postcodes"), source)


def _lookup_of(lookup: PostcodeLookup | None) -> Mapping[str, tuple[float, float]] | None:
    """A lookup mapping as given, or read from the postcode table it names."""
    if lookup is None or isinstance(lookup, Mapping):
        return lookup
    return read_postcode_lookup(lookup)


def postcode_lookup_from_frame(
    frame: pd.DataFrame, *, source_name: str = "postcodes"
) -> dict[str, tuple[float, float]]:
    """Check a postcode DataFrame (postcode, lat, lon) into {normalised postcode: (lat, lon)}."""
    return _postcodes(_raw_from_frame(frame), source_name)


# ----------------------------------------------------------------------------------------------
# Cross-table checks
# ----------------------------------------------------------------------------------------------


def reference_problems(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones: Sequence[Zone],
    *,
    sources: tuple[str, str, str] = ("packages", "providers", "zones"),
) -> list[Problem]:
    """Every broken link between the three tables (row is None: records carry no row numbers).

    Checks: packages' current_provider and zone_id exist; providers' zones exist; zones' lead
    providers exist; each package lies inside some zone (only when zones have geometries).
    """
    src_pk, src_pr, src_z = sources
    provider_ids = [p.provider_id for p in providers]
    zone_ids = [z.zone_id for z in zones]
    pset, zset = set(provider_ids), set(zone_ids)
    problems: list[Problem] = []
    for p in packages:
        if p.current_provider is not None and p.current_provider not in pset:
            problems.append(
                Problem(
                    src_pk,
                    None,
                    "current_provider",
                    f"package '{p.package_id}': current provider '{p.current_provider}' is not in "
                    f"the providers table{_did_you_mean(p.current_provider, provider_ids)}",
                )
            )
        if p.zone_id is not None and p.zone_id not in zset:
            problems.append(
                Problem(
                    src_pk,
                    None,
                    "zone_id",
                    f"package '{p.package_id}': zone '{p.zone_id}' is not in the zones table"
                    f"{_did_you_mean(p.zone_id, zone_ids)}",
                )
            )
    for pr in providers:
        for zid in sorted(pr.zones - zset):
            problems.append(
                Problem(
                    src_pr,
                    None,
                    "zones",
                    f"provider '{pr.provider_id}': zone '{zid}' is not in the zones table"
                    f"{_did_you_mean(zid, zone_ids)}",
                )
            )
    for z in zones:
        for lead in z.lead_providers:
            if lead not in pset:
                problems.append(
                    Problem(
                        src_z,
                        None,
                        "lead_providers",
                        f"zone '{z.zone_id}': lead provider '{lead}' is not in the providers table"
                        f"{_did_you_mean(lead, provider_ids)}",
                    )
                )
    shapes = [z.geometry for z in zones if z.geometry is not None and not z.geometry.is_empty]
    if shapes and packages:
        tree = shapely.STRtree(shapes)
        points = shapely.points([p.lon for p in packages], [p.lat for p in packages])
        inside = tree.query(points, predicate="covered_by")[0]
        hit = set(inside.tolist())
        for i, p in enumerate(packages):
            if i not in hit:
                problems.append(
                    Problem(
                        src_pk,
                        None,
                        "lat",
                        f"package '{p.package_id}' at ({p.lat:.5f}, {p.lon:.5f}) lies outside "
                        f"every zone",
                    )
                )
    return problems


def validate_references(
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones: Sequence[Zone],
    *,
    sources: tuple[str, str, str] = ("packages", "providers", "zones"),
) -> None:
    """Raise one ``InputError`` listing every problem :func:`reference_problems` finds."""
    problems = reference_problems(packages, providers, zones, sources=sources)
    if problems:
        raise InputError(problems)


# ----------------------------------------------------------------------------------------------
# Writers
# ----------------------------------------------------------------------------------------------


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
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
    """One sheet, streamed (openpyxl write-only); text stays text even if it starts with '='."""
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


def _atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
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
    fmt = _format_of(path, path.name)

    def write(tmp: Path) -> None:
        if fmt == _CSV:
            _text_frame(frame).to_csv(tmp, index=False, lineterminator="\n")
        elif fmt == _XLSX:
            _write_xlsx(frame, tmp, table)
        else:
            if geometry is None:
                raise ValueError(f"{table} have no geometry to write as {fmt}")
            gdf = gpd.GeoDataFrame(frame, geometry=list(geometry), crs=4326)
            driver = "GeoJSON" if fmt == _GEOJSON else "GPKG"
            kwargs = {"layer": table} if fmt == _GPKG else {}
            gdf.to_file(tmp, driver=driver, engine="pyogrio", **kwargs)

    return _atomic_write(path, write)


def write_packages(packages: Iterable[Package], path: str | os.PathLike[str]) -> Path:
    """Write packages as .csv, .xlsx, .geojson or .gpkg (by suffix; points replace lat/lon)."""
    packages = list(packages)
    frame = packages_to_frame(packages)
    path = Path(path)
    if _format_of(path, path.name) in _GEO:
        points = [Point(p.lon, p.lat) for p in packages]
        return _write_frame(frame.drop(columns=["lat", "lon"]), path, "packages", points)
    return _write_frame(frame, path, "packages", None)


def write_providers(providers: Iterable[Provider], path: str | os.PathLike[str]) -> Path:
    """Write providers as .csv, .xlsx, .geojson or .gpkg (by suffix; points replace lat/lon)."""
    providers = list(providers)
    frame = providers_to_frame(providers)
    path = Path(path)
    if _format_of(path, path.name) in _GEO:
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
    fmt = _format_of(path, path.name)
    if fmt in _GEO:
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


# --------------------------------------------------------------------------------------------
# The zone-to-area table as the service holds it (moved from the demo generator, so loading a
# user's own area does not depend on it)
# --------------------------------------------------------------------------------------------


def read_zone_table(path: str | Path) -> pd.DataFrame:
    """Read the zone-to-area table (one row per area), the editable source of truth for zones.

    The file is checked with :func:`read_zones` (every problem named by file, row and field).
    Returns columns ``zone_id``, ``name``, ``kind``, ``area_code``, ``lead_providers`` (ids
    joined by ';') and ``rate_uplift_pct``, with the blanks a zone's later rows may leave filled
    from its first row.
    """
    return zones_to_frame(read_zones(Path(path)))


def zones_from_table(table: pd.DataFrame, areas: gpd.GeoDataFrame) -> tuple[Zone, ...]:
    """Build ``Zone`` records (geometry = union of member areas) from a zone table."""
    from geodata.areas import zone_polygons  # kept local: this block moves as one piece

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
