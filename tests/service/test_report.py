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
    table = pd.DataFrame({"item": ["pay"], "gbp_per_contact_hour": [12.71]})
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
