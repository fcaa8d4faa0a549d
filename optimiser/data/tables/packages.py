"""Reading the packages table: one checked ``Package`` per row."""

from __future__ import annotations

import pandas as pd

from optimiser.data.domain import Package
from optimiser.data.tables.cells import normalise_id
from optimiser.data.tables.checker import Checker, Lookup, Row, checked_records
from optimiser.data.tables.postcodes import PostcodeLookup, lookup_of
from optimiser.data.tables.raw import (
    PathOrBuffer,
    RawTable,
    format_of,
    raw_from_frame,
    read_raw,
    source_of,
)
from optimiser.data.tables.schema import PACKAGES


def _package(r: Row) -> Package:
    v = r.values
    lat, lon = v["location"]
    return Package(
        package_id=normalise_id(v["package_id"]),
        lat=lat,
        lon=lon,
        weekly_hours=v["weekly_hours"],
        visits=v["visits"],
        needs=v["needs"],
        status=v["status"],
        days_waiting=v["days_waiting"],
        priority=v["priority"],
        current_provider=v["current_provider"],
        zone_id=v["zone_id"],
        area_code=v["area_code"],
        placement=v["placement"],
    )


def _packages(raw: RawTable, source: str, lookup: Lookup | None) -> tuple[Package, ...]:
    chk = Checker(source, raw.where)
    out = checked_records(raw, PACKAGES, chk, _package, postcode_lookup=lookup)
    chk.raise_if_any()
    return tuple(p for _, p in out)


def read_packages(
    path_or_buffer: PathOrBuffer,
    *,
    source_name: str | None = None,
    postcode_lookup: PostcodeLookup | None = None,
) -> tuple[Package, ...]:
    """Read and check a packages table (.csv, .xlsx, .geojson, .gpkg).

    ``postcode_lookup`` maps normalised postcodes (see :func:`normalise_postcode`) to
    (lat, lon) [degrees], or is a postcode table to read (:func:`read_postcode_lookup`); it is
    used for rows whose lat/lon are blank. Raises ``InputError`` listing every problem.
    """
    source = source_of(path_or_buffer, source_name, "packages")
    fmt = format_of(path_or_buffer, source)
    raw = read_raw(path_or_buffer, fmt, source, "packages")
    return _packages(raw, source, lookup_of(postcode_lookup))


def packages_from_frame(
    frame: pd.DataFrame,
    *,
    source_name: str = "packages",
    postcode_lookup: PostcodeLookup | None = None,
) -> tuple[Package, ...]:
    """Check a packages DataFrame (a GeoDataFrame's point geometry gives lat/lon)."""
    return _packages(raw_from_frame(frame), source_name, lookup_of(postcode_lookup))
