"""Result folders: every file written, atomically; comparisons read them back."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from optimiser import report
from optimiser.errors import InputError
from optimiser.result import ScenarioResult


def _result(name: str, unmet: float) -> ScenarioResult:
    assignments = pd.DataFrame(
        {
            "package_id": ["P1", "P2"],
            "provider_id": ["A", ""],
            "lat": [52.6, 52.7],
            "lon": [-0.7, -0.6],
            "weekly_hours": [10.0, unmet],
            "unmet": [False, True],
            "reason": ["", "no capacity left"],
        }
    )
    summary = {
        "scenario": name,
        "area": "test",
        "demand_hours": 10.0 + unmet,
        "placed_hours": 10.0,
        "unmet_hours": unmet,
        "baseline": {"name": "greedy", "unmet_hours": unmet + 1},
    }
    table = pd.DataFrame({"item": ["pay"], "gbp_per_carer_hour": [12.71]})
    return ScenarioResult(summary, assignments, table, table, table, table)


def test_write_result_writes_every_file_and_summary_round_trips(tmp_path: Path) -> None:
    """All result files exist; summary.json reads back with the headline keys."""
    out = report.write_result(_result("spot", 3.0), tmp_path / "spot")
    for name in report.RESULT_FILES:
        assert (out / name).is_file(), name
    assert report.read_summary(out)["unmet_hours"] == 3.0
    assert json.loads((out / "summary.json").read_text())["baseline"]["unmet_hours"] == 4.0


def test_failed_write_leaves_previous_results_untouched(tmp_path: Path, monkeypatch) -> None:
    """A crash half-way through writing leaves the old folder whole and no temp folder behind."""
    out = report.write_result(_result("spot", 3.0), tmp_path / "spot")

    def boom(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "finance_workbook", boom)
    with pytest.raises(RuntimeError):
        report.write_result(_result("spot", 99.0), out)
    assert report.read_summary(out)["unmet_hours"] == 3.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spot"]


def test_compare_puts_baseline_first_and_read_summary_rejects_other_folders(tmp_path) -> None:
    """The comparison has the baseline column first; a folder without summary.json is named."""
    table = report.compare({"spot": _result("spot", 3.0), "zoned": _result("zoned", 1.0)})
    assert list(table.columns) == ["baseline: greedy", "spot", "zoned"]
    assert table.loc["unmet [h/week]", "zoned"] == 1.0
    assert "unmet" in report.format_comparison(table)
    with pytest.raises(InputError, match="not a result folder"):
        report.read_summary(tmp_path)


def test_format_comparison_never_prints_negative_zero() -> None:
    """A headroom of -0.001 GBP/h (a scenario a hair worse than its baseline) reads 0.00, while
    a real negative such as -0.05 keeps its sign."""
    table = pd.DataFrame({"spot": pd.Series([-0.001, -0.05], index=["a", "b"], dtype=object)})
    shown = report.format_comparison(table).splitlines()
    assert shown[1].split()[-1] == "0.00" and shown[2].split()[-1] == "-0.05"


def test_compare_shows_equity_and_market_side_by_side(tmp_path: Path) -> None:
    """``homecare compare`` reads equity.csv and market.csv back and puts each option's figure
    for the same group (or zone) side by side, labelled with its basis; small-area rows stay
    in the files, and a folder without the views adds no column."""
    from optimiser import service
    from optimiser.equity import equity_table
    from optimiser.market import market_tables

    people = pd.DataFrame(
        {
            "package_id": ["P1", "P2"],
            "provider_id": ["A", ""],
            "zone_id": ["Z1", "Z1"],
            "area_code": ["E1", "E1"],
            "rural": [True, True],
            "needs": ["dementia", ""],
            "priority": ["community", "hospital_discharge"],
            "status": ["active", "waiting"],
            "days_waiting": [0, 4],
            "weekly_hours": [10.0, 3.0],
            "carer_hours": [10.0, 3.0],
            "travel_min_per_week": [70.0, 0.0],
            "unmet": [False, True],
        }
    )
    zones = pd.DataFrame(
        {"zone_id": ["Z1"], "name": ["One"], "kind": ["rural"], "lead_providers": ["A"]}
    )
    providers = pd.DataFrame({"provider_id": ["A"], "capacity_hours": [20.0]})
    dirs = []
    for name, frame in (("spot", people), ("zoned", people.assign(unmet=False))):
        market, shares = market_tables(frame, zones, providers, None, risk_share_pct=50.0)
        base = _result(name, 3.0)
        result = ScenarioResult(
            base.summary,
            base.assignments,
            base.by_provider,
            base.by_zone,
            base.costing,
            base.headroom,
            equity=equity_table(frame),
            market=market,
            market_shares=shares,
        )
        dirs.append(report.write_result(result, tmp_path / name))
    dirs.append(report.write_result(_result("old", 1.0), tmp_path / "old"))
    views = service.compare_view_folders(dirs)
    equity = views["equity"]
    unmet = equity["unmet [contact h/week]"]
    assert list(unmet.columns) == ["spot", "zoned"]
    assert unmet.loc[("all", "everyone"), "spot"] == 3.0
    assert unmet.loc[("all", "everyone"), "zoned"] == 0.0
    assert "area" not in equity.index.get_level_values("breakdown")
    travel = equity["travel [min per carer-hour of contact delivered]"]
    assert travel.loc[("need", "dementia"), "spot"] == 7.0
    market = views["market"]
    assert market[("providers serving [with placed hours]", "spot")].tolist() == [1]
    text = service.format_side_by_side(equity)
    assert "unmet people" in text and "hospital discharge" in text
