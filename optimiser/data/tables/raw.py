"""Reading a CSV, Excel, GeoJSON or GeoPackage file (or a DataFrame) into a raw, unchecked table."""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

from optimiser.data.tables.cells import norm_col
from optimiser.errors import InputError, Problem

PathOrBuffer = str | os.PathLike[str] | BinaryIO

CSV, XLSX, GEOJSON, GPKG = "csv", "xlsx", "geojson", "gpkg"
SUFFIXES = {".csv": CSV, ".xlsx": XLSX, ".geojson": GEOJSON, ".json": GEOJSON, ".gpkg": GPKG}
GEO = (GEOJSON, GPKG)


@dataclass
class RawTable:
    """A table as read, before checking: object cells, geometries, where a row is in the file.

    ``where(row)`` is the text a message adds for data row ``row`` (1-based), such as
    ``" (CSV line 4)"``; ``geometry`` holds one shape (or None) per row for geo files.
    """

    frame: pd.DataFrame
    where: Callable[[int], str]
    geometry: list[BaseGeometry | None] | None = None
    crs_note: str | None = None


def where_none(_row: int) -> str:
    """No position to add (DataFrames, and geo files where the row is the feature number)."""
    return ""


def source_of(obj: PathOrBuffer, source_name: str | None, default: str) -> str:
    """The name messages give the file: ``source_name``, else the file or buffer name."""
    if source_name:
        return source_name
    if isinstance(obj, str | os.PathLike):
        return Path(obj).name
    name = getattr(obj, "name", None)
    return Path(name).name if isinstance(name, str) and name else default


def format_of(obj: PathOrBuffer, source: str) -> str:
    """The file format by suffix (``csv``, ``xlsx``, ``geojson``, ``gpkg``); else InputError."""
    is_path = isinstance(obj, str | os.PathLike)
    name = str(obj) if is_path else (getattr(obj, "name", None) or source)
    suffix = Path(str(name)).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            Problem(
                source,
                None,
                None,
                f"unknown file type '{suffix or name}': expected one of "
                f"{', '.join(sorted(SUFFIXES))}",
            )
        )
    return SUFFIXES[suffix]


def read_raw(obj: PathOrBuffer, fmt: str, source: str, table: str) -> RawTable:
    """Read a file into a raw table; a file that cannot be read at all raises at once."""
    if not isinstance(obj, str | os.PathLike) and hasattr(obj, "seek"):
        obj.seek(0)
    try:
        if fmt == CSV:
            return RawTable(_read_csv(obj).astype(object), lambda r: f" (CSV line {r + 1})")
        if fmt == XLSX:
            sheets = pd.read_excel(obj, sheet_name=None, dtype=object, engine="openpyxl")
            if not sheets:
                raise ValueError("the workbook has no sheets")
            names = {norm_col(n): n for n in sheets}
            sheet = names.get(table, next(iter(sheets)))
            _refuse_merged_cells(obj, str(sheet), source)
            frame = sheets[sheet]
            return RawTable(frame.astype(object), lambda r: f" (sheet '{sheet}' row {r + 1})")
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


def _refuse_merged_cells(obj: PathOrBuffer, sheet: str, source: str) -> None:
    """Merged cells read as one value and blanks (an active client's status in the first row
    only, the rest 'waiting' by default), so a sheet with any merged range is refused, naming
    every range."""
    import openpyxl

    if not isinstance(obj, str | os.PathLike) and hasattr(obj, "seek"):
        obj.seek(0)
    book = openpyxl.load_workbook(obj, read_only=False, data_only=True)
    try:
        ranges = sorted(str(r) for r in book[sheet].merged_cells.ranges)
    finally:
        book.close()
    if ranges:
        shown_ranges = ", ".join(ranges[:10]) + (", ..." if len(ranges) > 10 else "")
        raise InputError(
            Problem(
                source,
                None,
                None,
                f"sheet '{sheet}' has merged cells ({shown_ranges}): a merged cell gives its "
                f"value to the first row only and leaves the others blank; unmerge them and "
                f"fill every row",
            )
        )


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


def _read_geo(obj: PathOrBuffer, fmt: str, table: str) -> RawTable:
    import pyogrio

    data: Any = obj if isinstance(obj, str | os.PathLike) else io.BytesIO(obj.read())
    with warnings.catch_warnings():
        # GDAL warns that an in-memory GeoPackage has no .gpkg name; harmless.
        warnings.filterwarnings("ignore", message=".*non conformant file extension")
        layer = None
        if fmt == GPKG:
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
    return RawTable(frame, where_none, geoms, note)


def raw_from_frame(frame: pd.DataFrame) -> RawTable:
    """A DataFrame (or a GeoDataFrame, converted to EPSG:4326) as a raw table."""
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        gdf = frame.to_crs(4326) if frame.crs is not None and frame.crs.to_epsg() != 4326 else frame
        geoms = [None if g is None or g.is_empty else g for g in gdf.geometry]
        return RawTable(
            pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(object), where_none, geoms
        )
    return RawTable(frame.astype(object), where_none)
