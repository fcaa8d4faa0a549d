"""Turn an uploaded file into records, or into the problems to show next to the upload.

These functions take the file's name and bytes (not a Streamlit widget), so tests can call the
same path the pages use. Nothing here writes the upload anywhere.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pandas as pd

from optimiser import service
from optimiser.errors import HomecareError, InputError, Problem

T = TypeVar("T")

#: Columns of the problems table shown beside an upload, in display order.
PROBLEM_COLUMNS: tuple[str, ...] = ("row", "field", "message", "source")


@dataclass(frozen=True)
class Upload(Generic[T]):
    """What an upload gave: a value when it was usable, else every problem found in it."""

    name: str
    value: T | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file was read without problems."""
        return self.value is not None and not self.problems


def _read(name: str, data: bytes, reader: Callable[[Any, str], T]) -> Upload[T]:
    if not data:
        return Upload(name, None, (Problem(name, None, None, "the file is empty"),))
    try:
        value = reader(io.BytesIO(data), name)
    except InputError as err:
        problems = tuple(err.problems) or (Problem(name, None, None, str(err)),)
        return Upload(name, None, problems)
    except HomecareError as err:
        return Upload(name, None, (Problem(name, None, None, str(err)),))
    return Upload(name, value)


def read_packages(name: str, data: bytes) -> Upload[tuple[Any, ...]]:
    """Read this week's new packages (CSV or Excel) with the project's validating reader."""
    return _read(name, data, service.read_packages_upload)


def read_zones(name: str, data: bytes, area: service.AreaData) -> Upload[pd.DataFrame]:
    """Read a zone file (GeoJSON, GeoPackage or CSV) into a zone table checked against
    ``area``'s small areas."""
    return _read(name, data, lambda buffer, source: service.read_zones_upload(buffer, source, area))


#: The files an own area needs, by role, with what each holds (in the order asked for).
AREA_FILES: dict[str, str] = {
    "packages": "the packages table (.csv, .xlsx, .geojson, .gpkg)",
    "providers": "the providers table (.csv, .xlsx, .geojson, .gpkg)",
    "zones": "the zones: a zone-to-area table (.csv, .xlsx) or polygons (.geojson, .gpkg)",
    "areas": "the small-area boundaries (.geojson, .gpkg)",
}


def open_uploaded_area(
    *,
    name: str,
    network: str,
    area_code_field: str,
    files: Mapping[str, tuple[str, bytes] | None],
    postcode_lookup: tuple[str, bytes] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> Upload[service.AreaData]:
    """An area from uploads (``files``: role -> (file name, bytes) or None, roles as in
    ``AREA_FILES``) and a road network file on this machine, through the same checked readers
    as a config's own data. The bytes are read in memory and never written anywhere.

    Every problem comes back at once: a file not uploaded, the network path, every row of
    every file; the area is returned only when all of it is good (nothing half-loaded).
    """
    missing = [
        Problem(role, None, None, f"upload {what}")
        for role, what in AREA_FILES.items()
        if files.get(role) is None
    ]
    if not area_code_field.strip():
        missing.append(
            Problem("areas", None, "area code column", "name the column holding the area codes")
        )
    if missing:
        return Upload(name, None, tuple(missing + service.network_file_problems(network)))
    given = {role: service.UploadedFile(*files[role]) for role in AREA_FILES}  # type: ignore[misc]
    lookup = service.UploadedFile(*postcode_lookup) if postcode_lookup is not None else None
    try:
        area = service.load_uploaded_area(
            name=name,
            network=network,
            area_code_field=area_code_field,
            postcode_lookup=lookup,
            progress=progress or (lambda _f, _m: None),
            **given,
        )
    except InputError as err:
        return Upload(name, None, tuple(err.problems) or (Problem(name, None, None, str(err)),))
    except HomecareError as err:
        return Upload(name, None, (Problem(name, None, None, str(err)),))
    return Upload(name, area)


def problems_table(problems: Sequence[Problem]) -> pd.DataFrame:
    """Problems as a table a user can scan: row (1-based, blank for whole-file), field, message."""
    rows = [
        {
            "row": "" if p.row is None else str(p.row),
            "field": p.field or "",
            "message": p.message,
            "source": p.source,
        }
        for p in problems
    ]
    return pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS))
