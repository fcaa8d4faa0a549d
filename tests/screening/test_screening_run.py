"""The national screening on real data: councils, one small council end to end, inline = Dask."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from optimiser.parallel import InlineRunner
from optimiser.screening import OPTIONS, ScreenSettings, screen
from optimiser.screening.councils import read_councils

#: The City of London (29 people) and Rutland (250): the two smallest-but-one councils by
#: people, one urban, one rural, so a run takes seconds.
SMALL = ["E09000001", "E06000017"]
TIMING = ("wall_s", "task_key", "variant", "error")


@pytest.fixture(scope="module")
def national(shared_path) -> Path:
    """The national data folder, skipped cleanly when its files are absent."""
    shared_path("geo/uk/la_all_codes.csv", "council codes")
    shared_path("stats/census2021_lsoa2021_age6_ew.csv.gz", "Census 2021 by LSOA")
    shared_path("stats/iod2019_lsoa2011_england.csv.gz", "IoD 2019 for England")
    return shared_path("geo/uk/lsoa_latlong.csv", "LSOA centroids").parents[2]


def _settings(options=("spot", "zoned")) -> ScreenSettings:
    return replace(
        ScreenSettings(budget=0.2), options=tuple(o for o in OPTIONS if o.name in options)
    )


def test_every_upper_tier_council_of_england_is_listed(national: Path) -> None:
    """153 upper-tier councils (adult social care duties), Rutland and the City among them."""
    councils = read_councils(national)
    assert len(councils) == 153
    assert {"E06000017", "E09000001", "E06000053"} <= set(councils["council_code"])


def test_two_small_councils_end_to_end_and_resume(national: Path, tmp_path: Path) -> None:
    """Inline: every task ok, a row per council x option x wage labelled a screening estimate,
    the map and GeoPackage written; a rerun skips every task and gives the same table."""
    out = tmp_path / "screen"
    first = screen(
        InlineRunner(), out, councils=SMALL, settings=_settings(), data_dir=national, quiet=True
    )
    assert first.run.failed == 0 and first.run.total == 4
    table = pd.read_csv(first.paths["csv"])
    assert len(table) == 2 * 2 * 2
    assert set(table["label"]) == {"screening estimate"}
    assert set(table["wage"]) == {"nlw", "rlw"}
    london = table[(table["council_code"] == "E09000001") & (table["wage"] == "rlw")]
    assert set(london["pay_gbp_per_hour"]) == {14.80}
    assert first.paths["png"].stat().st_size > 0 and first.paths["gpkg"].is_file()
    again = screen(
        InlineRunner(), out, councils=SMALL, settings=_settings(), data_dir=national, quiet=True
    )
    assert again.run.computed == 0 and again.run.skipped == 4
    pd.testing.assert_frame_equal(pd.read_csv(again.paths["csv"]), table)


def test_unknown_council_code_is_refused(national: Path, tmp_path: Path) -> None:
    """A code that is no upper-tier council is an input error naming it."""
    from optimiser.errors import InputError

    with pytest.raises(InputError, match="E99999999"):
        screen(InlineRunner(), tmp_path, councils=["E99999999"], data_dir=national, quiet=True)


@pytest.mark.slow
def test_rows_are_identical_inline_and_on_two_dask_workers(national: Path, tmp_path: Path) -> None:
    """The same seeds give the same figures inline and on a real two-worker LocalCluster."""
    from optimiser.parallel import DaskRunner

    settings = _settings(("spot", "zoned", "two_leads"))
    inline = screen(
        InlineRunner(),
        tmp_path / "a",
        councils=SMALL,
        settings=settings,
        data_dir=national,
        quiet=True,
    )
    with DaskRunner(n_workers=2) as runner:
        dask = screen(
            runner, tmp_path / "b", councils=SMALL, settings=settings, data_dir=national, quiet=True
        )

    def figures(t: pd.DataFrame) -> pd.DataFrame:
        cols = [c for c in t.columns if c not in TIMING]
        return t[cols].sort_values(["council_code", "option"]).reset_index(drop=True)

    assert dask.run.failed == 0
    pd.testing.assert_frame_equal(figures(inline.run.table), figures(dask.run.table))


def test_tasks_are_listed_largest_council_first(national: Path) -> None:
    """Longest solves first: tasks go out by the council's residents aged 65+, descending,
    while ``variant`` keeps the councils' table order (Rutland before the City here)."""
    from optimiser.demo.params import default_params
    from optimiser.screening.calibrate import PROXY_CONFIG
    from optimiser.screening.lsoas import read_lsoas
    from optimiser.screening.proxy import read_proxy
    from optimiser.screening.run import plan_screening

    councils = read_councils(national)
    small = councils[councils["council_code"].isin([*SMALL, "E10000016"])].reset_index(drop=True)
    lsoas = read_lsoas(national)
    planned = plan_screening(
        lsoas, small, default_params(), read_proxy(PROXY_CONFIG), _settings(), InlineRunner()
    )
    firsts = [p.params["council_code"] for p in planned[::2]]
    assert firsts == ["E10000016", "E06000017", "E09000001"]  # Kent, Rutland, the City
    by_code = {p.params["council_code"]: p.variant for p in planned[::2]}
    order = list(small["council_code"])
    assert by_code == {code: 2 * order.index(code) for code in order}
