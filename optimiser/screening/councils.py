"""Upper-tier councils of England with adult social care duties, and the council of each LSOA.

The councils are the distinct upper-tier authorities (``UTLACD``) of the English rows of
``geo/uk/la_all_codes.csv`` (153 at the time of writing: 63 unitaries, 36 metropolitan
districts, 33 London boroughs with the City of London, 21 counties; Isles of Scilly included).

The data holds no LSOA-2021-to-council file. The lookup is built from the LSOA names of the
Census 2021 file ``stats/census2021_lsoa2021_age6_ew.csv.gz``: an LSOA's name is its district's
name and a code ("Rutland 001A"), and the district's row of ``la_all_codes.csv`` (current or
former district) names its upper-tier council. Names that ``la_all_codes.csv`` spells with a
suffix ("Bristol, City of", "Herefordshire, County of") are matched without it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from optimiser.errors import InputError, Problem

__all__ = ["CENSUS_FILE", "LA_CODES_FILE", "council_of_lsoas", "read_councils"]

#: Files inside the national data folder (``optimiser.data.locations.national_data_dir``).
LA_CODES_FILE = "geo/uk/la_all_codes.csv"
CENSUS_FILE = "stats/census2021_lsoa2021_age6_ew.csv.gz"
ENGLAND = "E92000001"
_SUFFIX = re.compile(r",\s*(City|County) of$")


def _read_la_codes(data_dir: Path) -> pd.DataFrame:
    path = data_dir / LA_CODES_FILE
    table = pd.read_csv(path)
    need = {"LADNM", "UTLACD", "UTLANM", "RGNNM", "CTRYCD"}
    missing = sorted(need - set(table.columns))
    if missing:
        raise InputError([Problem(LA_CODES_FILE, None, c, "column missing") for c in missing])
    return table[table["CTRYCD"] == ENGLAND]


def read_councils(data_dir: str | Path) -> pd.DataFrame:
    """One row per English upper-tier council: ``council_code``, ``council_name``, ``region``,
    ``districts`` (lower-tier districts, current and former, inside it), sorted by code."""
    table = _read_la_codes(Path(data_dir))
    out = (
        table.groupby("UTLACD", sort=True)
        .agg(
            council_name=("UTLANM", "first"),
            region=("RGNNM", "first"),
            districts=("LADNM", "nunique"),
        )
        .rename_axis("council_code")
        .reset_index()
    )
    return out


def _district_key(name: str) -> str:
    return _SUFFIX.sub("", str(name)).strip().lower()


def council_of_lsoas(data_dir: str | Path, lsoa_names: pd.Series) -> pd.Series:
    """The upper-tier council code of each English LSOA 2021, from its name (module docstring).

    ``lsoa_names`` is indexed by LSOA code. Raises ``InputError`` naming every district name
    that matches no council, or more than one.
    """
    table = _read_la_codes(Path(data_dir))
    keys = table.assign(key=table["LADNM"].map(_district_key))
    councils_of = keys.groupby("key")["UTLACD"].unique()
    ambiguous = [k for k, v in councils_of.items() if len(v) > 1]
    district = lsoa_names.str.replace(r"\s+\w{4}$", "", regex=True).map(_district_key)
    lookup = {k: v[0] for k, v in councils_of.items() if len(v) == 1}
    council = district.map(lookup)
    problems = [
        Problem(
            CENSUS_FILE,
            None,
            "lsoa21_name",
            f"district {name!r} is in no council of {LA_CODES_FILE}",
        )
        for name in sorted(set(district[council.isna()]) - set(ambiguous))
    ] + [
        Problem(LA_CODES_FILE, None, "LADNM", f"district {name!r} is in more than one council")
        for name in sorted(set(district[council.isna()]) & set(ambiguous))
    ]
    if problems:
        raise InputError(problems)
    return council.rename("council_code")
