"""Turn scenario results into tables, comparison views and output files (CSV, GPKG, XLSX, JSON)."""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from optimiser.errors import InputError
from optimiser.result import SUMMARY_KEYS, ScenarioResult

#: Files `write_result` writes into a result folder (and `read_summary` expects).
RESULT_FILES = (
    "summary.json",
    "summary.txt",
    "assignments.csv",
    "assignments.gpkg",
    "unmet.csv",
    "providers.csv",
    "zones.csv",
    "costing.csv",
    "headroom.csv",
    "finance.xlsx",
)

#: Summary keys shown in comparisons, with a short label for the table.
COMPARE_KEYS: tuple[tuple[str, str], ...] = (
    ("demand_hours", "demand [h/week]"),
    ("placed_hours", "placed [h/week]"),
    ("unmet_hours", "unmet [h/week]"),
    ("unmet_hours_hospital_discharge", "unmet, hospital discharge [h/week]"),
    ("unmet_packages", "people without care"),
    ("current_clients_without_care.people", "  current clients losing care"),
    ("current_clients_without_care.hours", "  current clients losing care [h/week]"),
    ("waiting_not_placed.people", "  waiting list not placed"),
    ("waiting_not_placed.hours", "  waiting list not placed [h/week]"),
    ("hospital_discharge_not_placed.people", "  hospital discharge not placed"),
    ("travel_minutes_per_contact_hour", "travel [min per contact h]"),
    ("miles_per_contact_hour", "mileage [miles per contact h]"),
    ("cost_per_contact_hour", "cost [GBP per contact h]"),
    ("weekly_cost_gbp", "weekly cost [GBP]"),
    ("pay_headroom_per_hour", "pay headroom [GBP/h]"),
    ("affordable_pay_gbp_per_hour", "affordable pay [GBP/h]"),
    ("continuity_breaks", "continuity breaks"),
    ("solver_status", "solver status"),
    ("unmet_stage_gap_pct", "optimality gap, unmet stage [%]"),
    ("optimality_gap", "optimality gap, final stage [%]"),
)


def _get(summary: Mapping[str, Any], key: str) -> Any:
    """``summary[key]``, where ``a.b`` reads ``summary["a"]["b"]`` (``None`` if absent)."""
    value: Any = summary
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def compare(results: Mapping[str, ScenarioResult | Mapping[str, Any]]) -> pd.DataFrame:
    """Headline figures of several results side by side: one row per figure, one column each.

    Accepts results or plain summaries (as read back from ``summary.json``). The baseline of the
    first result (today's greedy brokerage on the spot market) is added as a first column.
    """
    summaries = {
        name: (r.summary if isinstance(r, ScenarioResult) else r) for name, r in results.items()
    }
    columns: dict[str, dict[str, Any]] = {}
    first = next(iter(summaries.values()), None)
    if first is not None and isinstance(first.get("baseline"), Mapping):
        base = first["baseline"]
        columns[f"baseline: {base.get('name', 'greedy')}"] = {
            k: _get(base, k) for k, _ in COMPARE_KEYS
        }
    for name, summary in summaries.items():
        columns[name] = {k: _get(summary, k) for k, _ in COMPARE_KEYS}
        gap = columns[name]["optimality_gap"]
        if isinstance(gap, int | float):  # a fraction in summary.json, a percentage here
            columns[name]["optimality_gap"] = 100.0 * gap
    # Object dtype keeps counts as integers beside columns with gaps (no float upcast).
    table = pd.DataFrame({n: pd.Series(c, dtype=object) for n, c in columns.items()})
    table.index = [label for _, label in COMPARE_KEYS]
    return table


def format_comparison(table: pd.DataFrame) -> str:
    """Render a comparison table as aligned text for the terminal."""

    def fmt(v: Any) -> str:
        if v is None or (isinstance(v, float) and v != v):
            return "-"
        if isinstance(v, float):
            return f"{v:,.2f}"
        return str(v)

    shown = table.map(fmt)
    return shown.to_string()


def finance_workbook(result: ScenarioResult, options: pd.DataFrame | None = None) -> bytes:
    """An Excel workbook for finance teams: summary, costing arithmetic, headroom, tables."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        summary = {k: v for k, v in result.summary.items() if not isinstance(v, Mapping | list)}
        pd.Series(summary, name="value").to_frame().to_excel(xl, sheet_name="summary")
        baseline = result.summary.get("baseline")
        if isinstance(baseline, Mapping):
            pd.Series(dict(baseline), name="value").to_frame().to_excel(xl, sheet_name="baseline")
        result.costing.to_excel(xl, sheet_name="cost per contact hour", index=False)
        result.headroom.to_excel(xl, sheet_name="pay headroom", index=False)
        if options is not None and not options.empty:
            options.to_excel(xl, sheet_name="options", index=False)
        result.by_provider.to_excel(xl, sheet_name="providers", index=False)
        result.by_zone.to_excel(xl, sheet_name="zones", index=False)
        result.unmet.to_excel(xl, sheet_name="unmet", index=False)
    return buffer.getvalue()


def _assignments_gpkg(assignments: pd.DataFrame, path: Path) -> None:
    import geopandas as gpd

    frame = assignments.copy()
    frame["provider_id"] = frame["provider_id"].fillna("").astype(str)
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )
    gdf.to_file(path, layer="assignments", driver="GPKG")


def write_result(result: ScenarioResult, out_dir: Path) -> Path:
    """Write every output file of a result into ``out_dir``, atomically.

    Files are written into a temporary sibling folder which then replaces ``out_dir``, so a
    failure half-way leaves the previous results (or nothing), never a half-written folder.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        (tmp / "summary.json").write_text(result.summary_json() + "\n", encoding="utf-8")
        (tmp / "summary.txt").write_text(result.summary_text() + "\n", encoding="utf-8")
        (tmp / "meta.json").write_text(
            json.dumps(_plain(result.meta), indent=2) + "\n", encoding="utf-8"
        )
        result.assignments.to_csv(tmp / "assignments.csv", index=False)
        _assignments_gpkg(result.assignments, tmp / "assignments.gpkg")
        result.unmet.to_csv(tmp / "unmet.csv", index=False)
        result.by_provider.to_csv(tmp / "providers.csv", index=False)
        result.by_zone.to_csv(tmp / "zones.csv", index=False)
        result.costing.to_csv(tmp / "costing.csv", index=False)
        result.headroom.to_csv(tmp / "headroom.csv", index=False)
        if not result.rounds.empty:
            result.rounds.to_csv(tmp / "rounds.csv", index=False)
        (tmp / "finance.xlsx").write_bytes(finance_workbook(result))
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def read_summary(result_dir: Path) -> dict[str, Any]:
    """Read ``summary.json`` back from a result folder, with a clear error if it is not one."""
    path = Path(result_dir) / "summary.json"
    if not path.is_file():
        raise InputError(f"{result_dir} is not a result folder: no summary.json", source=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise InputError(f"summary.json is not valid JSON: {err}", source=str(path)) from err
    missing = [k for k in ("demand_hours", "placed_hours", "unmet_hours") if k not in data]
    if missing:
        raise InputError(f"summary.json lacks {missing}", source=str(path))
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


__all__ = [
    "COMPARE_KEYS",
    "RESULT_FILES",
    "SUMMARY_KEYS",
    "compare",
    "finance_workbook",
    "format_comparison",
    "read_summary",
    "write_result",
]
