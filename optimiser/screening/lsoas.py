"""The national LSOA table the screening draws from: centroid, Census 65+, deprivation, spacing.

One row per English LSOA 2021 (index ``lsoa_code``): ``council_code``, ``lat``, ``lon``
(ONS population-weighted centroid, ``geo/uk/lsoa_latlong.csv``), ``residents`` and
``pop_65plus`` (Census 2021), ``health_decile``, ``barriers_decile`` and ``imd_decile`` (English
Indices of Deprivation 2019), ``spacing_km`` [km] (mean straight-line distance to the three
nearest other LSOA centroids of England and Wales: LSOAs hold about 1,500 residents each, so
the spacing measures settlement density, the rurality the travel proxy uses).

The IoD is published for the LSOAs of 2011. An LSOA whose 2021 code is a 2011 code (most are)
takes that row; a new 2021 LSOA (a split or merge) takes the row of the nearest 2011 LSOA
centroid with an IoD row: a nearest-centroid join, since 2011 boundaries for England are not
in the data (the demo joins by area share on Rutland's own boundaries).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pyproj import Transformer
from scipy.spatial import cKDTree

from optimiser.data.deprivation import IOD_DECILE_COLUMNS
from optimiser.errors import InputError, Problem
from optimiser.screening.councils import CENSUS_FILE, council_of_lsoas

__all__ = ["CENTROIDS_FILE", "IOD_FILE", "LSOA_COLUMNS", "read_lsoas", "spacing_km"]

CENTROIDS_FILE = "geo/uk/lsoa_latlong.csv"
IOD_FILE = "stats/iod2019_lsoa2011_england.csv.gz"
AGE_65_PLUS = "Aged 65 years and over"
#: Columns of the table :func:`read_lsoas` returns, in order.
LSOA_COLUMNS = (
    "council_code",
    "lat",
    "lon",
    "residents",
    "pop_65plus",
    "health_decile",
    "barriers_decile",
    "imd_decile",
    "spacing_km",
)
_TO_BNG = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def _xy_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    x, y = _TO_BNG.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.column_stack([x, y]) / 1000.0


def spacing_km(lat: np.ndarray, lon: np.ndarray, *, neighbours: int = 3) -> np.ndarray:
    """Mean distance [km] from each point to its ``neighbours`` nearest other points."""
    xy = _xy_km(lat, lon)
    k = min(neighbours + 1, len(xy))
    if k < 2:
        return np.full(len(xy), np.nan)
    dist, _ = cKDTree(xy).query(xy, k=k)
    return dist[:, 1:].mean(axis=1)


def _missing(path: Path, rel: str) -> None:
    if not path.is_file():
        raise InputError([Problem(rel, None, None, f"file not found in {path.parent}")])


def read_lsoas(data_dir: str | Path) -> pd.DataFrame:
    """Read and join the national LSOA table (see the module docstring)."""
    data_dir = Path(data_dir)
    for rel in (CENSUS_FILE, CENTROIDS_FILE, IOD_FILE):
        _missing(data_dir / rel, rel)
    census = pd.read_csv(data_dir / CENSUS_FILE)
    names = census.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["lsoa21_name"]
    residents = census.groupby("lsoa21_code")["usual_residents"].sum()
    old = census[census["age_group"] == AGE_65_PLUS].set_index("lsoa21_code")["usual_residents"]
    centroids = pd.read_csv(data_dir / CENTROIDS_FILE).drop_duplicates("LSOACD")
    centroids = centroids.set_index("LSOACD")[["latitude", "longitude"]]
    ew = names.index[names.index.isin(centroids.index)]
    lost = names.index.difference(ew)
    if len(lost):
        raise InputError(
            [Problem(CENTROIDS_FILE, None, "LSOACD", f"no centroid for {c}") for c in lost[:20]]
        )
    table = pd.DataFrame(
        {
            "lat": centroids.loc[ew, "latitude"].to_numpy(),
            "lon": centroids.loc[ew, "longitude"].to_numpy(),
            "residents": residents.reindex(ew).fillna(0).astype(int).to_numpy(),
            "pop_65plus": old.reindex(ew).fillna(0).astype(int).to_numpy(),
        },
        index=pd.Index(ew, name="lsoa_code"),
    )
    # Spacing over England and Wales, so that a border council's edge is not made rural.
    table["spacing_km"] = spacing_km(table["lat"].to_numpy(), table["lon"].to_numpy())
    table = table[table.index.str.startswith("E")].copy()
    table["council_code"] = council_of_lsoas(data_dir, names.reindex(table.index))
    iod = pd.read_csv(data_dir / IOD_FILE, usecols=["lsoa11_code", *IOD_DECILE_COLUMNS.values()])
    iod = iod.rename(columns={v: k for k, v in IOD_DECILE_COLUMNS.items()}).set_index("lsoa11_code")
    direct = table.index.isin(iod.index)
    for col in IOD_DECILE_COLUMNS:
        table[col] = np.nan
    table.loc[direct, list(IOD_DECILE_COLUMNS)] = iod.loc[table.index[direct]].to_numpy()
    # New 2021 LSOAs: the nearest 2011 centroid that has an IoD row.
    with_iod = centroids.index.intersection(iod.index)
    tree = cKDTree(
        _xy_km(centroids.loc[with_iod, "latitude"], centroids.loc[with_iod, "longitude"])
    )
    new = ~direct
    if new.any():
        _, nearest = tree.query(_xy_km(table.loc[new, "lat"], table.loc[new, "lon"]))
        table.loc[new, list(IOD_DECILE_COLUMNS)] = iod.loc[with_iod[nearest]].to_numpy()
    table["imd_decile"] = table["imd_decile"].astype(int)
    return table[list(LSOA_COLUMNS)].sort_index()
