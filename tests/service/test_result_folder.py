"""Result folders never destroy a user's files: only a folder this tool wrote is replaced."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from optimiser import report, result_folder
from optimiser.errors import OutputError
from optimiser.result import ScenarioResult
from optimiser.service.scenarios import check_demo_out


def _result(name: str, unmet: float) -> ScenarioResult:
    """A two-package result (one placed, one unmet) with ``unmet`` hours unmet."""
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
    summary = {"scenario": name, "demand_hours": 10.0 + unmet, "placed_hours": 10.0}
    summary["unmet_hours"] = unmet
    table = pd.DataFrame({"item": ["pay"], "gbp_per_carer_hour": [12.71]})
    return ScenarioResult(summary, assignments, table, table, table, table)


def test_folder_with_user_notes_is_refused_and_the_notes_survive(tmp_path: Path) -> None:
    """An existing folder that is not a results folder is refused; its notes file is kept."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    with pytest.raises(OutputError, match=r"mine.*not a results folder.*notes\.txt"):
        report.write_result(_result("spot", 3.0), out)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no temp folder left


def test_a_file_given_as_the_folder_is_refused_and_untouched(tmp_path: Path) -> None:
    """--out naming a file: refused, the file keeps its content, nothing is moved aside."""
    target = tmp_path / "report.docx"
    target.write_bytes(b"precious")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        report.write_result(_result("spot", 3.0), target)
    assert target.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.docx"]


def test_our_own_folder_is_replaced_and_marked(tmp_path: Path) -> None:
    """A result folder written earlier is replaced by the new results and keeps the marker."""
    out = report.write_result(_result("spot", 3.0), tmp_path / "spot")
    assert (out / result_folder.MARKER).is_file()
    report.write_result(_result("spot", 5.0), out)
    assert report.read_summary(out)["unmet_hours"] == 5.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spot"]


def test_our_folder_with_a_file_added_by_the_user_is_refused(tmp_path: Path) -> None:
    """A results folder where the user saved a file of their own is not replaced."""
    out = report.write_result(_result("spot", 3.0), tmp_path / "spot")
    (out / "comments.txt").write_text("keep me")
    with pytest.raises(OutputError, match=r"did not write \(comments\.txt\)"):
        report.write_result(_result("spot", 5.0), out)
    assert report.read_summary(out)["unmet_hours"] == 3.0
    assert (out / "comments.txt").read_text() == "keep me"


def test_results_from_before_the_marker_are_replaced(tmp_path: Path) -> None:
    """A folder of only result files without the marker (older versions) is still ours."""
    out = report.write_result(_result("spot", 3.0), tmp_path / "spot")
    (out / result_folder.MARKER).unlink()
    report.write_result(_result("spot", 4.0), out)
    assert report.read_summary(out)["unmet_hours"] == 4.0


def test_an_interrupted_write_leaves_the_old_folder_intact(tmp_path: Path, monkeypatch) -> None:
    """Ctrl-C while the files are written: the previous results stay whole, no temp folder."""
    out = report.write_result(_result("spot", 3.0), tmp_path / "spot")
    before = sorted(p.name for p in out.iterdir())

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "finance_workbook", interrupted)
    with pytest.raises(KeyboardInterrupt):
        report.write_result(_result("spot", 99.0), out)
    assert sorted(p.name for p in out.iterdir()) == before
    assert report.read_summary(out)["unmet_hours"] == 3.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spot"]


def test_demo_out_is_checked_before_any_work(tmp_path: Path) -> None:
    """`homecare demo --out`: a file, or a user's folder at out/spot, is refused up front."""
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        check_demo_out(target)
    (tmp_path / "demo" / "spot").mkdir(parents=True)
    (tmp_path / "demo" / "spot" / "mine.csv").write_text("a,b\n")
    with pytest.raises(OutputError, match="spot"):
        check_demo_out(tmp_path / "demo")
    check_demo_out(tmp_path / "fresh")  # an absent folder is fine
    assert not (tmp_path / "fresh").exists()
