"""Reading the providers table: one checked ``Provider`` per row."""

from __future__ import annotations

import pandas as pd

from optimiser.data.domain import Provider
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
from optimiser.data.tables.schema import PROVIDERS


def _provider(r: Row) -> Provider:
    v = r.values
    lat, lon = v["location"]
    return Provider(
        provider_id=v["provider_id"],
        name=v["name"] or v["provider_id"],
        lat=lat,
        lon=lon,
        capacity_hours=v["capacity_hours"],
        care_workers=v["care_workers"],
        price_gbp_per_hour=v["price_gbp_per_hour"],
        pay_gbp_per_hour=v["pay_gbp_per_hour"],
        travel_paid=v["travel_paid"],
        mileage_gbp_per_mile=v["mileage_gbp_per_mile"],
        skills=v["skills"],
    )


def _providers(raw: RawTable, source: str, lookup: Lookup | None) -> tuple[Provider, ...]:
    chk = Checker(source, raw.where)
    out = checked_records(raw, PROVIDERS, chk, _provider, postcode_lookup=lookup)
    chk.raise_if_any()
    return tuple(p for _, p in out)


def read_providers(
    path_or_buffer: PathOrBuffer,
    *,
    source_name: str | None = None,
    postcode_lookup: PostcodeLookup | None = None,
) -> tuple[Provider, ...]:
    """Read and check a providers table (.csv, .xlsx, .geojson, .gpkg)."""
    source = source_of(path_or_buffer, source_name, "providers")
    fmt = format_of(path_or_buffer, source)
    raw = read_raw(path_or_buffer, fmt, source, "providers")
    return _providers(raw, source, lookup_of(postcode_lookup))


def providers_from_frame(
    frame: pd.DataFrame,
    *,
    source_name: str = "providers",
    postcode_lookup: PostcodeLookup | None = None,
) -> tuple[Provider, ...]:
    """Check a providers DataFrame (a GeoDataFrame's point geometry gives lat/lon)."""
    return _providers(raw_from_frame(frame), source_name, lookup_of(postcode_lookup))
