"""IoD 2019 deprivation deciles of LSOA 2011 joined to LSOA 2021 areas by area share.

The English Indices of Deprivation 2019 are published for the LSOAs of 2011; areas new in 2021
(splits and merges) have no row of their own. They are joined spatially: ``weights`` is the
share of each 2021 area covered by each 2011 area (``geodata.areas.areal_weights``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimiser.errors import InputError, Problem

__all__ = ["IOD_DECILE_COLUMNS", "join_iod", "read_iod"]

#: The IoD 2019 file's decile columns the project uses, by the short name it uses for them.
IOD_DECILE_COLUMNS: dict[str, str] = {
    "imd_decile": "index_of_multiple_deprivation_imd_decile",
    "health_decile": "health_deprivation_and_disability_decile",
    "barriers_decile": "barriers_to_housing_and_services_decile",
}


def read_iod(path: str | Path) -> pd.DataFrame:
    """IoD 2019 deciles per LSOA 2011: ``source_code`` and the keys of ``IOD_DECILE_COLUMNS``
    (1 = most deprived tenth of England, 10 = least). ``InputError`` names missing columns."""
    table = pd.read_csv(path)
    need = ["lsoa11_code", *IOD_DECILE_COLUMNS.values()]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise InputError([Problem(Path(path).name, None, c, "column missing") for c in missing])
    renamed = {"lsoa11_code": "source_code", **{v: k for k, v in IOD_DECILE_COLUMNS.items()}}
    return table.rename(columns=renamed)[["source_code", *IOD_DECILE_COLUMNS]]


def join_iod(weights: pd.DataFrame, iod: pd.DataFrame) -> pd.DataFrame:
    """Deciles per 2021 area (index ``target_code``) from the 2011 areas covering it.

    ``weights``: ``target_code``, ``source_code``, ``share`` (summing to 1 per target);
    ``iod``: as :func:`read_iod` returns it. Returns

    - ``health_decile``, ``barriers_decile``: area-weighted means of the covering areas'
      deciles (fractional; what the demo's need weights and waiting multipliers use);
    - ``imd_decile``: the IMD decile of the 2011 area covering the largest share of the 2021
      area (a whole decile, as the equity view groups by it), with ``imd_decile_share`` that
      share (1.0 for an unchanged LSOA). An area-weighted mean of deciles is no decile.

    A 2021 area whose covering 2011 areas have no IoD row gets NaN.
    """
    joined = weights.merge(iod, on="source_code", how="left")
    means = joined[["target_code", "health_decile", "barriers_decile"]].copy()
    for col in ("health_decile", "barriers_decile"):
        means[col] = joined[col] * joined["share"]
    out = means.groupby("target_code")[["health_decile", "barriers_decile"]].sum()
    largest = joined.sort_values(
        ["target_code", "share", "source_code"], ascending=[True, False, True]
    )
    largest = largest.drop_duplicates("target_code").set_index("target_code")
    out["imd_decile"] = largest["imd_decile"].astype("Int64")
    out["imd_decile_share"] = largest["share"].round(4)
    return out
