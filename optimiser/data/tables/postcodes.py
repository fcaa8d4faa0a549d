"""The postcode lookup table (postcode, lat, lon) that places rows given by postcode."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from optimiser.data.tables.cells import normalise_postcode
from optimiser.data.tables.checker import Checker, Lookup, check_rows
from optimiser.data.tables.raw import (
    GEO,
    PathOrBuffer,
    RawTable,
    format_of,
    raw_from_frame,
    read_raw,
    source_of,
)
from optimiser.data.tables.schema import POSTCODES
from optimiser.errors import InputError, Problem

#: A postcode lookup: {normalised postcode: (lat, lon)}, or a postcode table to read.
PostcodeLookup = Mapping[str, tuple[float, float]] | PathOrBuffer


def _postcodes(raw: RawTable, source: str) -> dict[str, tuple[float, float]]:
    chk = Checker(source, raw.where)
    out: dict[str, tuple[float, float]] = {}
    for r in check_rows(raw, POSTCODES, chk):
        code, lat, lon = r.values["postcode"], r.values["lat"], r.values["lon"]
        if code is not None and lat is not None and lon is not None:
            out[normalise_postcode(code)] = (lat, lon)
    chk.raise_if_any()
    return out


def read_postcode_lookup(
    path_or_buffer: PathOrBuffer, *, source_name: str | None = None
) -> dict[str, tuple[float, float]]:
    """Read a postcode table (postcode, lat, lon) into {normalised postcode: (lat, lon)}."""
    source = source_of(path_or_buffer, source_name, "postcodes")
    fmt = format_of(path_or_buffer, source)
    if fmt in GEO:
        raise InputError(Problem(source, None, None, "expected a .csv or .xlsx postcode table"))
    return _postcodes(read_raw(path_or_buffer, fmt, source, "postcodes"), source)


def postcode_lookup_from_frame(
    frame: pd.DataFrame, *, source_name: str = "postcodes"
) -> dict[str, tuple[float, float]]:
    """Check a postcode DataFrame (postcode, lat, lon) into {normalised postcode: (lat, lon)}."""
    return _postcodes(raw_from_frame(frame), source_name)


def lookup_of(lookup: PostcodeLookup | None) -> Lookup | None:
    """A lookup mapping as given, or read from the postcode table it names."""
    if lookup is None or isinstance(lookup, Mapping):
        return lookup
    return read_postcode_lookup(lookup)
