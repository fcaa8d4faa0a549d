"""Scenarios side by side: unique names, each scenario beside its own baseline, an xlsx export."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from optimiser.service import comparison


def _summary(unmet: float, method: str, base_unmet: float) -> dict:
    return {
        "unmet_hours": unmet,
        "travel_method": method,
        "optimality_gap": 0.01,
        "baseline": {"name": "greedy", "unmet_hours": base_unmet},
    }


def test_unique_name_suffixes_the_first_free_number() -> None:
    """A free name is kept; a taken one gets (2), then (3)."""
    assert comparison.unique_name("zoned", {"spot"}) == "zoned"
    assert comparison.unique_name("zoned", {"zoned"}) == "zoned (2)"
    assert comparison.unique_name("zoned", {"zoned", "zoned (2)"}) == "zoned (3)"


def test_folder_labels_tell_apart_folders_of_one_name() -> None:
    """Two result folders both called 'zoned' get their parent folder in the label."""
    labels = comparison.folder_labels([Path("a/zoned"), Path("b/zoned"), Path("b/spot")])
    assert labels == ["a/zoned", "b/zoned", "spot"]


def test_a_rounds_scenario_is_read_against_a_rounds_baseline() -> None:
    """An estimate and a rounds scenario each follow their own baseline; equal baselines share
    a column; the 'compared with' row names each one's baseline."""
    table = comparison.compare_with_baselines(
        {
            "spot": _summary(5.0, "estimate", 7.0),
            "zoned": _summary(4.0, "estimate", 7.0),
            "zoned rounds": _summary(4.5, "rounds", 7.5),
        }
    )
    assert list(table.columns) == [
        "baseline: greedy (estimate)",
        "spot",
        "zoned",
        "baseline: greedy (rounds)",
        "zoned rounds",
    ]
    assert table.loc["compared with", "zoned rounds"] == "baseline: greedy (rounds)"
    assert table.loc["compared with", "zoned"] == "baseline: greedy (estimate)"
    assert table.loc["unmet [h/week]", "baseline: greedy (rounds)"] == 7.5
    assert table.loc["optimality gap, final stage [%]", "spot"] == 1.0


def test_comparison_workbook_holds_the_table() -> None:
    """The Excel export has the comparison sheet with every column and a notes sheet."""
    table = comparison.compare_with_baselines({"=cmd": _summary(5.0, "estimate", 7.0)})
    book = pd.read_excel(io.BytesIO(comparison.comparison_workbook(table)), sheet_name=None)
    assert set(book) == {"comparison", "notes"}
    sheet = book["comparison"]
    assert len(sheet.columns) == 3 and not any(str(c).startswith("=") for c in sheet.columns)


def test_counted_progress_says_how_many_tasks_and_time_left() -> None:
    """Per-task fractions become "rounds: 2 of 4 provider-days, about 10 s left" (5 s a task)."""
    from optimiser.service.progress import counted_progress

    seen: list[tuple[float, str]] = []
    ticks = iter([0.0, 5.0, 10.0, 20.0])
    report = counted_progress(
        lambda f, m: seen.append((f, m)),
        what="rounds",
        unit="provider-days",
        start=0.8,
        span=0.2,
        clock=lambda: next(ticks),
    )
    report(0.25, "rounds day 1")
    report(0.5, "rounds day 2")
    report(1.0, "rounds day 4")
    assert seen[0][0] == pytest.approx(0.85)
    assert seen[0][1] == "rounds: 1 of 4 provider-days, about 15 s left"
    assert seen[1][1] == "rounds: 2 of 4 provider-days, about 10 s left"
    assert seen[2][1] == "rounds: 4 of 4 provider-days, finishing"
