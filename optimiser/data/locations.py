"""Where data files are looked up: $HOMECARE_DATA_DIR, the shipped data/, ../shared/data.

Every data file is named by its path relative to a data folder (``osm/rutland-roads.osm.pbf``)
and searched for in this order:

1. ``$HOMECARE_DATA_DIR`` when the variable is set;
2. ``data/`` in the project: the Rutland demo area, shipped with the project (``data/SOURCES.md``);
3. ``../shared/data`` beside the project, only when ``HOMECARE_DATA_DIR`` is not set.

So the demo runs on a fresh clone, a data folder of one's own replaces any file it holds, and
the national files (Census for England and Wales, IoD for England, LSOA centroids, council codes
and boundaries) and the benchmark instances, which are not shipped, come from
``$HOMECARE_DATA_DIR`` or ``../shared/data``. A file found nowhere raises
:class:`DataNotFoundError` naming the file, the folders searched and the variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from optimiser.errors import InputError

__all__ = [
    "DEMO_NETWORK",
    "ENV_VAR",
    "DataNotFoundError",
    "data_file",
    "folder_holding",
    "national_data_dir",
    "search_dirs",
    "shipped_data_dir",
]

#: The environment variable naming a data folder of one's own.
ENV_VAR = "HOMECARE_DATA_DIR"
#: The demo area's road network (reduced from Geofabrik's Rutland extract).
DEMO_NETWORK = "osm/rutland-roads.osm.pbf"

_ROOT = Path(__file__).resolve().parents[2]


class DataNotFoundError(InputError):
    """A data file is in none of the data folders."""


def shipped_data_dir() -> Path:
    """The demo data shipped with the project: ``<project root>/data``."""
    return _ROOT / "data"


def national_data_dir() -> Path:
    """The national and benchmark data folder: ``$HOMECARE_DATA_DIR``, else ``../shared/data``."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else _ROOT.parent / "shared" / "data"


def search_dirs() -> tuple[Path, ...]:
    """The data folders in lookup order (see the module docstring)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return (Path(env).expanduser(), shipped_data_dir())
    return (shipped_data_dir(), national_data_dir())


def _not_found(rels: Iterable[str | Path], what: str) -> DataNotFoundError:
    names = ", ".join(Path(r).as_posix() for r in rels)
    env = os.environ.get(ENV_VAR)
    where = " or ".join(str(d) for d in search_dirs())
    hint = (
        f"{ENV_VAR} is set to {env}"
        if env
        else f"{ENV_VAR} is not set; set it to a data folder holding the file, or put the "
        f"national and benchmark data in {national_data_dir()}"
    )
    return DataNotFoundError(f"{what} not found in {where} ({hint})", source=names)


def data_file(rel: str | Path, *, what: str = "data file") -> Path:
    """The first of the data folders holding ``rel``; :class:`DataNotFoundError` if none does."""
    for folder in search_dirs():
        if (folder / rel).is_file():
            return folder / rel
    raise _not_found([rel], what)


def folder_holding(rels: Iterable[str | Path], *, what: str = "data files") -> Path:
    """The first data folder holding every file of ``rels`` (files read together, such as the
    demo's boundaries, census and OSM layers, come from one folder)."""
    rels = list(rels)
    for folder in search_dirs():
        if all((folder / rel).is_file() for rel in rels):
            return folder
    raise _not_found(rels, what)
