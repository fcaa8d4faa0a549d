"""The shipped second example area (examples/leeds) runs end to end through the CLI: own data
on real Leeds streets, every package placed in a made-up small area and zone.

The ITS Leeds OSM extract is not shipped: the test skips without ../shared/data.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "examples" / "leeds" / "leeds.toml"


def test_leeds_example_runs_through_the_cli(
    shared_path: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """`homecare run examples/leeds/leeds.toml --out DIR` exits 0 and writes a result for the
    twelve made-up packages, each placed in one of the two zones, with no warnings (every
    home lies inside a small area and no given code disagrees)."""
    shared_path("osm/its-example-leeds.osm.pbf", "the ITS Leeds OSM extract")
    out = tmp_path / "leeds"
    done = subprocess.run(
        [sys.executable, "-m", "optimiser.cli", "run", str(CONFIG), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["area"] == "Leeds ITS streets (made-up people)"
    assert summary["packages"] == 12 and not summary.get("warnings")
    with (out / "assignments.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["zone_id"] for r in rows} == {"Z-WEST", "Z-EAST"}
    assert all(r["package_id"].startswith("LDS-") for r in rows)
    assert summary["placed_hours"] + summary["unmet_hours"] == pytest.approx(
        summary["demand_hours"]
    )
