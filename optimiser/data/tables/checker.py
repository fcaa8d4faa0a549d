"""The one row loop: apply a table schema to a raw table, collecting every problem with its place.

:class:`Checker` collects problems (file, 1-based data row, column, message plus where the row
is in the file) and reads typed cells, recording a problem and returning None for a bad one.
:func:`check_rows` checks the columns against the schema, then reads every row column by
column (running each column's row checks right after it) and yields the values;
:func:`checked_records` turns the good rows into domain records. Every reader goes through them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from shapely.geometry import Point

from optimiser.data.tables.cells import (
    as_text,
    closest,
    did_you_mean,
    is_missing,
    norm_col,
    normalise_id,
    normalise_postcode,
    normalise_token,
    shown,
)
from optimiser.data.tables.raw import RawTable
from optimiser.data.tables.schema import Column, Kind, RowView, TableSchema
from optimiser.data.visits_syntax import VisitsSyntaxError, parse_visits
from optimiser.errors import InputError, Problem

#: A postcode lookup as the readers use it: {normalised postcode: (lat, lon)}.
Lookup = Mapping[str, tuple[float, float]]

#: Kinds whose cells repeat across rows (visit patterns, choices, tags, numbers): a cell text
#: read once without a problem is not read again (the 100,000-row files of a county).
_REPEATING = frozenset(
    {Kind.NUMBER, Kind.INTEGER, Kind.BOOLEAN, Kind.CHOICE, Kind.TAGS, Kind.VISITS}
)
_MISS = object()
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}
_R = TypeVar("_R")


class Checker:
    """Collects the problems of one table; typed cell readers record a problem and return None."""

    def __init__(self, source: str, where: Callable[[int], str]) -> None:
        self.source = source
        self.where = where
        self.problems: list[Problem] = []
        #: Columns the table has; a missing column is reported once, not on every row.
        self.present: set[str] = set()
        #: (column, type, cell) -> value of repeating cells read without a problem.
        self._seen: dict[tuple[str, type, object], Any] = {}
        self._latlon: dict[int, tuple[Column, Column]] = {}

    def add(self, row: int | None, fld: str | None, message: str) -> None:
        """Record a problem (``row`` None: about the whole table)."""
        suffix = self.where(row) if row is not None else ""
        self.problems.append(Problem(self.source, row, fld, message + suffix))

    def missing(self, row: int, fld: str, expected: str) -> None:
        """A blank cell where a value is needed (silent when the whole column is missing)."""
        if fld in self.present:
            self.add(row, fld, f"missing value: expected {expected}")

    def raise_if_any(self) -> None:
        """Raise one ``InputError`` listing every problem recorded."""
        if self.problems:
            raise InputError(self.problems)

    # -- the columns ------------------------------------------------------------------------

    def columns(self, raw: RawTable, schema: TableSchema) -> dict[str, str]:
        """Map normalised name -> original column; report duplicate, unknown and missing ones."""
        known = schema.known
        mapping: dict[str, str] = {}
        unknown: list[str] = []
        for col in raw.frame.columns:
            name = norm_col(col)
            blank = _blank(raw.frame[col])
            if name.startswith("unnamed:") and blank.all():
                continue  # an empty trailing column left by a spreadsheet
            if name in mapping:
                self.add(None, name, f"column '{col}' appears twice")
            elif name in known:
                mapping[name] = col
            elif name in schema.retired:
                if not blank.all():
                    rows = [i + 1 for i, b in enumerate(blank.tolist()) if not b]
                    listed = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
                    where = f"row {listed}" if len(rows) == 1 else f"rows {listed}"
                    self.add(
                        None,
                        name,
                        f"column '{name}' is no longer read (filled on {where}): "
                        f"{schema.retired[name]}",
                    )
            else:
                unknown.append(name)
        for name in unknown:
            self.add(
                None,
                name,
                f"unknown column '{name}'{did_you_mean(name, known)}; "
                f"known columns: {', '.join(known)}",
            )
        for name in schema.required:
            if name not in mapping:
                hint = closest(name, unknown)
                extra = f" (is '{hint}' a misspelling of it?)" if hint else ""
                self.add(None, name, f"missing required column '{name}'{extra}")
        self.present = set(mapping)
        if any(c.location for c in schema.columns) and raw.geometry is None:
            self._location_columns(mapping)
        return mapping

    def _location_columns(self, mapping: Mapping[str, str]) -> None:
        if "lat" in mapping or "lon" in mapping:
            for name in ("lat", "lon"):
                if name not in mapping:
                    self.add(None, name, f"missing column '{name}' (lat and lon go together)")
        elif "postcode" not in mapping:
            self.add(
                None, "lat", "missing location columns: expected 'lat' and 'lon', or 'postcode'"
            )

    # -- one cell ---------------------------------------------------------------------------

    def cell(self, row: int, col: Column, value: object) -> Any:
        """Read one cell as the column's kind: the value, its default, or None (a problem).

        Repeating kinds are read once per distinct cell (a problem is recorded on every row).
        """
        if is_missing(value):
            if col.needed:
                self.missing(row, col.name, col.expected)
                return None
            return col.default
        if col.kind not in _REPEATING:
            return self._read(row, col, value)
        key = (col.name, type(value), value)
        try:
            hit = self._seen.get(key, _MISS)
        except TypeError:  # an unhashable cell (never from CSV, Excel or geo files)
            return self._read(row, col, value)
        if hit is not _MISS:
            return hit
        before = len(self.problems)
        result = self._read(row, col, value)
        if len(self.problems) == before:
            self._seen[key] = result
        return result

    def _read(self, row: int, col: Column, value: object) -> Any:
        kind = col.kind
        if kind is Kind.TEXT:
            return as_text(value)
        if kind is Kind.ID:
            return self._ident(row, col.name, as_text(value))
        if kind is Kind.NUMBER:
            return self._number(row, col, value)
        if kind is Kind.INTEGER:
            return self._integer(row, col, value)
        if kind is Kind.BOOLEAN:
            return self._boolean(row, col.name, value)
        if kind is Kind.CHOICE:
            assert col.enum is not None
            return self._choice(row, col.name, value, col.enum)
        if kind is Kind.TAGS:
            return frozenset(normalise_token(t) for t in as_text(value).split(";") if t.strip())
        if kind is Kind.ID_LIST:
            return self._id_list(row, col.name, value)
        if kind is Kind.VISITS:
            try:
                return parse_visits(as_text(value))
            except VisitsSyntaxError as exc:
                self.add(row, col.name, str(exc))
                return None
        raise AssertionError(f"no reader for kind {kind}")

    def _ident(self, row: int, fld: str, text: str) -> str | None:
        if ";" in text:
            self.add(row, fld, f"expected an id without ';', got {shown(text)}")
            return None
        return normalise_id(text)

    def _number(self, row: int, col: Column, value: object) -> float | None:
        try:
            if isinstance(value, bool):
                raise ValueError
            x = float(value.strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.add(row, col.name, f"expected {col.expected}, got {shown(value)}")
            return None
        if not math.isfinite(x) or x > col.hi or x < col.lo or (col.lo_open and x == col.lo):
            self.add(row, col.name, f"expected {col.expected}, got {shown(value)}")
            return None
        return x

    def _integer(self, row: int, col: Column, value: object) -> int | None:
        x = self._number(row, col, value)
        if x is None:
            return None
        if not float(x).is_integer():
            self.add(row, col.name, f"expected {col.expected} (a whole number), got {shown(value)}")
            return None
        return int(x)

    def _boolean(self, row: int, fld: str, value: object) -> bool | None:
        if isinstance(value, bool):
            return value
        text = as_text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.add(row, fld, f"expected true or false (or yes/no, 1/0), got {shown(value)}")
        return None

    def _choice(self, row: int, fld: str, value: object, enum: type[StrEnum]) -> StrEnum | None:
        options = [e.value for e in enum]
        text = normalise_token(as_text(value))
        if text in options:
            return enum(text)
        self.add(
            row,
            fld,
            f"expected one of {', '.join(options)}, got {shown(value)}"
            f"{did_you_mean(text, options)}",
        )
        return None

    def _id_list(self, row: int, fld: str, value: object) -> tuple[str, ...]:
        items = [normalise_id(t) for t in as_text(value).split(";") if normalise_id(t)]
        seen: list[str] = []
        for item in items:
            if item in seen:
                self.add(row, fld, f"'{item}' is listed twice")
            else:
                seen.append(item)
        return tuple(seen)

    def unique(
        self,
        row: int,
        fld: str,
        ident: str,
        first_rows: dict[str, tuple[int, str]],
        written: str | None = None,
    ) -> None:
        """A problem if ``ident`` (the compared form) was already on an earlier row.

        ``written`` is the cell as typed: when two rows' ids differ as typed but compare equal
        (an invisible character, a no-break space, a full-width digit), the message shows both.
        """
        written = ident if written is None else written
        if ident not in first_rows:
            first_rows[ident] = (row, written)
            return
        first_row, first_written = first_rows[ident]
        if written == first_written or normalise_id(written) != normalise_id(first_written):
            self.add(row, fld, f"duplicate {fld} '{ident}' (first on row {first_row})")
            return
        self.add(
            row,
            fld,
            f"duplicate {fld}: {written!a} here and {first_written!a} on row "
            f"{first_row} look the same ('{ident}'); they differ only by invisible or look-alike "
            f"characters (ids are compared without them)",
        )

    # -- a position -------------------------------------------------------------------------

    def location(
        self,
        row: int,
        cells: Mapping[str, object],
        schema: TableSchema,
        geometry: Any,
        has_geometry: bool,
        lookup: Lookup | None,
    ) -> tuple[float, float] | None:
        """(lat, lon) from the point geometry, the lat/lon cells, or the postcode lookup."""
        if has_geometry:
            if geometry is None:
                self.add(row, "geometry", "missing geometry: expected a point")
                return None
            if not isinstance(geometry, Point):
                self.add(row, "geometry", f"expected a point, got a {geometry.geom_type}")
                return None
            return self._checked_latlon(row, geometry.y, geometry.x)
        has_latlon = not (is_missing(cells.get("lat")) and is_missing(cells.get("lon")))
        if has_latlon or is_missing(cells.get("postcode")):
            lat_col, lon_col = self._latlon.get(id(schema)) or self._latlon.setdefault(
                id(schema), (schema.column("lat"), schema.column("lon"))
            )
            lat = self.cell(row, lat_col, cells.get("lat"))
            lon = self.cell(row, lon_col, cells.get("lon"))
            return None if lat is None or lon is None else (lat, lon)
        postcode = as_text(cells["postcode"])
        if lookup is None:
            self.add(
                row,
                "postcode",
                "lat/lon are blank and no postcode lookup table (postcode,lat,lon) was given",
            )
            return None
        hit = lookup.get(normalise_postcode(postcode))
        if hit is None:
            self.add(
                row,
                "postcode",
                f"postcode {shown(postcode)} is not in the postcode lookup "
                f"({len(lookup)} postcodes)",
            )
            return None
        return hit

    def _checked_latlon(self, row: int, lat: float, lon: float) -> tuple[float, float] | None:
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return (float(lat), float(lon))
        self.add(
            row,
            "geometry",
            f"point ({lon}, {lat}) is not a lon/lat position: expected EPSG:4326 coordinates",
        )
        return None


def _blank(column: pd.Series) -> pd.Series:
    """``is_missing`` of every cell of a column (vectorised when every cell is text)."""
    if pd.api.types.infer_dtype(column, skipna=False) == "string":
        return column.str.strip().eq("")
    return column.map(is_missing)


@dataclass(frozen=True)
class Row:
    """One checked row: cells, values by column (plus ``location``), geometry, and ``ok``.

    ``ok``: no problem on the row, and every needed value present.
    """

    row: int
    cells: dict[str, object]
    values: dict[str, Any]
    geometry: Any
    ok: bool


def _cells(raw: RawTable, mapping: Mapping[str, str]) -> Iterator[tuple[int, dict[str, object]]]:
    """(1-based row, {normalised column: cell}) for every row, skipping fully blank rows."""
    names = list(mapping)
    columns = [raw.frame[orig].tolist() for orig in mapping.values()]
    blank = np.ones(len(raw.frame), dtype=bool)  # rows blank in every column, found at once
    for orig in mapping.values():
        blank &= _blank(raw.frame[orig]).to_numpy(dtype=bool)
    if raw.geometry is not None:
        blank &= np.array([g is None for g in raw.geometry], dtype=bool)
    for i in np.flatnonzero(~blank).tolist():
        yield i + 1, dict(zip(names, (values[i] for values in columns), strict=True))


def check_rows(
    raw: RawTable, schema: TableSchema, chk: Checker, *, postcode_lookup: Lookup | None = None
) -> Iterator[Row]:
    """THE row loop: check the columns, then read every row column by column, in layout order.

    Location columns are read once, as ``values["location"]`` (lat, lon). Each column's row
    checks run right after it; unique columns are checked against the rows before.
    """
    mapping = chk.columns(raw, schema)
    firsts: dict[str, dict[str, tuple[int, str]]] = {c.name: {} for c in schema.columns if c.unique}
    needed = [c.name for c in schema.columns if c.needed and not c.location]
    located = any(c.location for c in schema.columns)
    has_geometry = raw.geometry is not None
    # the columns after the first location column (read as one position), in layout order
    plan = [c for c in schema.columns if not c.location]
    first_location = next((i for i, c in enumerate(schema.columns) if c.location), None)
    position = (
        sum(1 for c in schema.columns[:first_location] if not c.location)
        if first_location is not None
        else None
    )
    rows = 0
    for row, cells in _cells(raw, mapping):
        rows += 1
        before = len(chk.problems)
        geometry = raw.geometry[row - 1] if has_geometry else None
        values: dict[str, Any] = {}

        def add(fld: str, message: str, row: int = row) -> None:
            chk.add(row, fld, message)

        view = RowView(row, cells, values, geometry, add)
        for i, col in enumerate(plan):
            if i == position:
                values["location"] = chk.location(
                    row, cells, schema, geometry, has_geometry, postcode_lookup
                )
            value = chk.cell(row, col, cells.get(col.name))
            values[col.name] = value
            if col.unique and value is not None:
                key = col.key(value) if col.key else value
                chk.unique(
                    row, col.name, key, firsts[col.name], as_text(cells.get(col.name, value))
                )
            for check in col.then:
                check(view)
        if position is not None and position >= len(plan):
            values["location"] = chk.location(
                row, cells, schema, geometry, has_geometry, postcode_lookup
            )
        ok = len(chk.problems) == before and all(values[n] is not None for n in needed)
        if located and values["location"] is None:
            ok = False
        yield Row(row, cells, values, geometry, ok)
    if rows == 0:
        what = "features" if has_geometry else "data rows"
        chk.add(None, None, f"no {what}: the file has no {schema.table} to read (only a header?)")


def checked_records(
    raw: RawTable,
    schema: TableSchema,
    chk: Checker,
    make: Callable[[Row], _R],
    *,
    postcode_lookup: Lookup | None = None,
) -> list[tuple[int, _R]]:
    """(row, record) for every good row, made by ``make`` from the checked row."""
    out: list[tuple[int, _R]] = []
    for r in check_rows(raw, schema, chk, postcode_lookup=postcode_lookup):
        if r.ok:
            record = build(chk, r.row, schema.columns[0].name, lambda r=r: make(r))
            if record is not None:
                out.append((r.row, record))
    return out


def build(chk: Checker, row: int, fld: str, make: Callable[[], _R]) -> _R | None:
    """Construct a record; a check the domain record makes itself becomes a problem on ``fld``."""
    try:
        return make()
    except ValueError as exc:
        chk.add(row, fld, str(exc))
        return None
