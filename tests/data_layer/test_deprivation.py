"""IoD 2019 deciles of 2011 LSOAs joined to 2021 areas by the share of area each covers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimiser.data.deprivation import IOD_DECILE_COLUMNS, join_iod, read_iod
from optimiser.errors import InputError


def _iod() -> pd.DataFrame:
    """Two 2011 areas: S1 deprived (IMD 2, health 3, barriers 1), S2 not (9, 7, 5)."""
    return pd.DataFrame(
        {
            "source_code": ["S1", "S2"],
            "imd_decile": [2, 9],
            "health_decile": [3, 7],
            "barriers_decile": [1, 5],
        }
    )


def test_split_area_takes_the_larger_parents_imd_decile_and_mean_domain_deciles() -> None:
    """T1 is 70% S1, 30% S2: its IMD decile is S1's (2, share 0.7); its health decile is the
    area-weighted mean 0.7 x 3 + 0.3 x 7 = 4.2 and barriers 0.7 x 1 + 0.3 x 5 = 2.2.
    T2 lies wholly in S2."""
    weights = pd.DataFrame(
        {
            "target_code": ["T1", "T1", "T2"],
            "source_code": ["S1", "S2", "S2"],
            "share": [0.7, 0.3, 1.0],
        }
    )
    out = join_iod(weights, _iod())
    assert out.loc["T1", "imd_decile"] == 2 and out.loc["T1", "imd_decile_share"] == 0.7
    assert out.loc["T1", "health_decile"] == pytest.approx(4.2)
    assert out.loc["T1", "barriers_decile"] == pytest.approx(2.2)
    assert out.loc["T2", "imd_decile"] == 9 and out.loc["T2", "imd_decile_share"] == 1.0


def test_area_with_no_iod_row_has_no_imd_decile() -> None:
    """A 2021 area covered only by a 2011 code missing from the IoD file gets no decile."""
    weights = pd.DataFrame({"target_code": ["T9"], "source_code": ["S404"], "share": [1.0]})
    assert pd.isna(join_iod(weights, _iod()).loc["T9", "imd_decile"])


def test_read_iod_names_missing_columns(tmp_path: Path) -> None:
    """A deprivation file without the decile columns is refused, each column named."""
    path = tmp_path / "iod.csv"
    pd.DataFrame({"lsoa11_code": ["S1"]}).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_iod(path)
    assert {p.field for p in err.value.problems} == set(IOD_DECILE_COLUMNS.values())


def test_read_iod_reads_the_shipped_rutland_file(demo_data: Path) -> None:
    """The shipped Rutland file: 23 LSOAs of 2011, IMD deciles 5-10 (data/SOURCES.md)."""
    iod = read_iod(demo_data / "stats" / "iod2019_lsoa2011_rutland.csv")
    assert len(iod) == 23 and list(iod.columns) == ["source_code", *IOD_DECILE_COLUMNS]
    assert np.isin(iod["imd_decile"], range(5, 11)).all()
