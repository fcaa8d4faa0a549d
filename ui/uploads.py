"""Turn an uploaded file into records, or into the problems to show next to the upload.

These functions take the file's name and bytes (not a Streamlit widget), so tests can call the
same path the pages use. Nothing here writes the upload anywhere.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
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
