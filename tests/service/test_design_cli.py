"""`homecare design` writes a zone table that `homecare run` takes, with its comparison."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from optimiser import cli, service
from optimiser.data import config as cfgmod

DEMO = cfgmod.CONFIG_DIR / "demo_zoned.toml"


def test_design_writes_a_zone_table_that_run_accepts(tmp_path: Path) -> None:
    """The CLI designs 7 zones on the demo (exact), writes zones.csv, zones.gpkg and the
    comparison; a config pointing at zones.csv runs, with the 7 designed zones and their leads."""
    out = tmp_path / "design"
    assert cli.main(["-q", "design", str(DEMO), "--zones", "7", "--out", str(out)]) == 0
    for name in ("zones.csv", "zones.gpkg", "comparison.csv", "zone_loads.csv", "design.txt"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "zones.csv")
    assert list(table.columns) == list(pd.read_csv(cfgmod.CONFIG_DIR / "zones_rutland.csv"))
    assert table["zone_id"].nunique() == 7
    comparison = pd.read_csv(out / "comparison.csv", index_col=0)
    assert {"current", "proposed"} <= set(comparison.columns)
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace('"zones_rutland.csv"', f'"{(out / "zones.csv").as_posix()}"')
    text = text.replace(
        '"costs_2026.toml"', f'"{(cfgmod.CONFIG_DIR / "costs_2026.toml").as_posix()}"'
    )
    config = tmp_path / "designed.toml"
    config.write_text(text, encoding="utf-8")
    result = service.run_config(config)
    assert set(result.by_zone["zone_id"]) == set(table["zone_id"])
