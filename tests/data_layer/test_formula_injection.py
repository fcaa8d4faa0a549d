"""Spreadsheet formula injection: every export writes formula-like text as inert text.

Ids and names starting with ``= + - @``, tab or carriage return would run as formulas when a
CSV or workbook is opened in a spreadsheet. Each writer puts a single quote before them
(``writers.safe_text``), leaves numbers alone, and the readers take the quote off again.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import box

from optimiser import report
from optimiser.data.tables import (
    read_packages,
    read_providers,
    read_zones,
    safe_frame,
    safe_text,
    write_packages,
    write_providers,
    write_zones,
)
from optimiser.result import ScenarioResult
from optimiser.service.brokerage import matches_download

GOOD = Path(__file__).resolve().parents[1] / "data" / "good"
EVIL = '=HYPERLINK("http://x.example","click")'
FORMATS = ["csv", "xlsx", "geojson", "gpkg"]
#: The small areas of the good zones (as in test_tables): a zone table reads back with them.
AREAS = {
    "A1": box(-0.75, 52.65, -0.70, 52.675),
    "A2": box(-0.75, 52.675, -0.70, 52.70),
    "A3": box(-0.70, 52.65, -0.65, 52.675),
    "A4": box(-0.70, 52.675, -0.65, 52.70),
}


def _formula_like(text: str) -> bool:
    """True for text a spreadsheet would run (what safe_text must never let through)."""
    return text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and safe_text(text) != text)


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _xlsx_cells(data: bytes) -> list[object]:
    """Every cell of every sheet; a formula cell is returned as the string 'FORMULA'."""
    wb = load_workbook(io.BytesIO(data))
    out: list[object] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            out += ["FORMULA" if c.data_type == "f" else c.value for c in row]
    return out


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tP1", "'\tP1"),
        ("\rP1", "'\rP1"),
        ("P-1", "P-1"),  # a dash inside an id is harmless
        ("-5", "-5"),  # text that is a plain number is not a formula
        ("-0.72", "-0.72"),
        ("+1.5e3", "+1.5e3"),
        (-5.0, -5.0),  # a number stays a number
        (None, None),
    ],
)
def test_safe_text_quotes_only_formula_like_text(value: object, expected: object) -> None:
    """Formula-like text gains a leading quote; ordinary text, numbers and blanks do not."""
    assert safe_text(value) == expected


def test_safe_frame_keeps_numeric_columns_as_numbers() -> None:
    """A negative number column stays numeric; a text column is neutralised."""
    frame = pd.DataFrame({"id": ["=x", "ok"], "delta": [-1.5, 2.0]})
    safe = safe_frame(frame)
    assert safe["id"].tolist() == ["'=x", "ok"]
    assert safe["delta"].dtype == float and safe["delta"].tolist() == [-1.5, 2.0]
    assert frame["id"].tolist() == ["=x", "ok"]  # the input is not changed


@pytest.mark.parametrize("fmt", FORMATS)
def test_table_writers_neutralise_and_read_back_exactly(tmp_path: Path, fmt: str) -> None:
    """Packages, providers and zones with formula-like ids: written inert, read back equal."""
    packages = read_packages(GOOD / "packages.csv")
    packages = (replace(packages[0], package_id=EVIL), *packages[1:])
    providers = read_providers(GOOD / "providers.csv")
    providers = (replace(providers[0], name="@SUM(1+1)"), *providers[1:])
    zones = read_zones(GOOD / "zones.geojson")
    zones = (replace(zones[0], name="+cmd"), *zones[1:])
    p = write_packages(packages, tmp_path / f"p.{fmt}")
    r = write_providers(providers, tmp_path / f"r.{fmt}")
    z = write_zones(zones, tmp_path / f"z.{fmt}")
    for path in (p, r, z):
        if fmt == "csv":
            cells = _csv_cells(path.read_text())
        elif fmt == "xlsx":
            cells = _xlsx_cells(path.read_bytes())
        else:
            frame = pd.DataFrame(gpd.read_file(path).drop(columns="geometry"))
            cells = [v for col in frame.columns for v in frame[col].tolist()]
        assert not [c for c in cells if isinstance(c, str) and _formula_like(c)], path.name
        assert "'" + EVIL in cells or "'@SUM(1+1)" in cells or "'+cmd" in cells
    assert read_packages(p) == packages
    assert read_providers(r) == providers
    assert [x.name for x in read_zones(z, area_geometries=AREAS)] == [x.name for x in zones]


def _evil_result() -> ScenarioResult:
    assignments = pd.DataFrame(
        {
            "package_id": [EVIL, "P2"],
            "provider_id": ["@R1", ""],
            "lat": [52.6, 52.7],
            "lon": [-0.7, -0.6],
            "weekly_hours": [10.0, 2.0],
            "unmet": [False, True],
            "reason": ["", "-no capacity"],
        }
    )
    summary = {"scenario": "=cmd", "demand_hours": 12.0, "placed_hours": 10.0}
    summary |= {"unmet_hours": 2.0, "pay_headroom_per_hour": -0.5}
    providers = pd.DataFrame({"provider_id": ["@R1"], "name": ["=evil"], "delta": [-3.0]})
    table = pd.DataFrame({"item": ["pay"], "gbp_per_carer_hour": [12.71]})
    unmet = assignments[assignments["unmet"]]
    return ScenarioResult(summary, assignments, unmet, providers, table, table)


def test_result_folder_csvs_workbook_and_geopackage_are_inert(tmp_path: Path) -> None:
    """Every CSV, the finance workbook and the GeoPackage of a result hold no live formula;
    negative numbers are still numbers."""
    out = report.write_result(_evil_result(), tmp_path / "r")
    for csv_file in out.glob("*.csv"):
        cells = _csv_cells(csv_file.read_text())
        assert not [c for c in cells if _formula_like(c)], csv_file.name
    assert "'" + EVIL in _csv_cells((out / "assignments.csv").read_text())
    cells = _xlsx_cells((out / "finance.xlsx").read_bytes())
    assert "FORMULA" not in cells
    assert not [c for c in cells if isinstance(c, str) and _formula_like(c)]
    assert "'=cmd" in cells and "'=evil" in cells and -0.5 in cells and -3.0 in cells
    gpkg = gpd.read_file(out / "assignments.gpkg")
    assert gpkg["package_id"].tolist()[0] == "'" + EVIL
    assert gpkg["provider_id"].tolist()[0] == "'@R1"


def test_brokerage_download_is_inert() -> None:
    """The brokerage matches download quotes formula-like ids and names."""
    matches = pd.DataFrame(
        {"package_id": [EVIL], "provider_id": ["R1"], "provider_name": ["@Care"]}
    )
    cells = _csv_cells(matches_download(matches))
    assert "'" + EVIL in cells and "'@Care" in cells
    assert not [c for c in cells if _formula_like(c)]
