"""Percentiles and regret on tables whose answers are known by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimiser.stress.measures import percentile_table, regret_summary, regret_table


def _draws(values: dict[str, list[float]], measure: str = "unmet_hours") -> pd.DataFrame:
    rows = [
        {"shock": "none", "draw": d, "option": o, "status": "ok", measure: v}
        for o, vs in values.items()
        for d, v in enumerate(vs)
    ]
    return pd.DataFrame(rows)


def test_percentiles_follow_numpys_linear_method() -> None:
    """Eleven draws 0, 10, ..., 100: P10 = 10, P50 = 50, P90 = 90; four draws 1..4: P50 = 2.5,
    P10 = 1.3 and P90 = 3.7 (position (n - 1) q / 100, interpolated)."""
    table = _draws({"spot": [float(v) for v in range(0, 101, 10)], "zoned": [4.0, 1.0, 3.0, 2.0]})
    got = percentile_table(table, measures=["unmet_hours"]).set_index("option")
    assert got.loc["spot", ["p10", "p50", "p90"]].tolist() == pytest.approx([10, 50, 90])
    assert got.loc["zoned", ["p10", "p50", "p90"]].tolist() == pytest.approx([1.3, 2.5, 3.7])
    assert got.loc["zoned", "draws"] == 4 and got.loc["zoned", "mean"] == pytest.approx(2.5)


def test_failed_draws_are_counted_not_used() -> None:
    """A failed row is left out of the percentiles and counted in ``failed``."""
    table = _draws({"spot": [1.0, 2.0, 3.0]})
    table.loc[2, "status"] = "failed"
    got = percentile_table(table, measures=["unmet_hours"]).iloc[0]
    assert got["draws"] == 2 and got["failed"] == 1 and got["p50"] == pytest.approx(1.5)


def test_regret_is_the_distance_from_the_best_option_of_each_draw() -> None:
    """Unmet (lower is better) and headroom (higher is better) on two draws of three options."""
    table = pd.DataFrame(
        {
            "shock": "none",
            "draw": [0, 0, 0, 1, 1, 1],
            "option": ["spot", "zoned", "two_leads"] * 2,
            "status": "ok",
            "unmet_hours": [10.0, 4.0, 6.0, 3.0, 5.0, 3.0],
            "pay_headroom_per_hour": [0.0, 0.5, 0.2, 0.1, 0.1, 0.4],
        }
    )
    measures = ["unmet_hours", "pay_headroom_per_hour"]
    reg = regret_table(table, measures=measures)
    assert reg["regret_unmet_hours"].tolist() == pytest.approx([6, 0, 2, 0, 2, 0])
    assert reg["regret_pay_headroom_per_hour"].tolist() == pytest.approx([0.5, 0, 0.3, 0.3, 0.3, 0])
    assert not np.signbit(reg["regret_unmet_hours"]).any()  # the best is 0, never -0
    summary = regret_summary(reg, measures=measures).set_index(["option", "measure"])
    assert summary.loc[("spot", "unmet_hours"), "mean_regret"] == pytest.approx(3.0)
    assert summary.loc[("spot", "unmet_hours"), "max_regret"] == pytest.approx(6.0)
    assert summary.loc[("two_leads", "unmet_hours"), "times_best"] == 1
    assert summary.loc[("zoned", "pay_headroom_per_hour"), "times_best"] == 1


def test_a_draw_with_a_failed_option_has_no_regret_rows() -> None:
    """The best of a draw where an option failed is unknown: that draw is left out."""
    table = _draws({"spot": [1.0, 2.0], "zoned": [3.0, 1.0]})
    table.loc[(table["option"] == "zoned") & (table["draw"] == 0), "status"] = "failed"
    reg = regret_table(table, measures=["unmet_hours"])
    assert set(reg["draw"]) == {1}
