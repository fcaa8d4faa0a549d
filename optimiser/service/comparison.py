"""Scenarios side by side, each beside its own baseline measured the same way (tables, xlsx)."""

from __future__ import annotations

import io
import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from optimiser.data.tables.writers import safe_frame
from optimiser.report import BASELINE_NAME, COMPARE_KEYS
from optimiser.result import ScenarioResult

#: Rows above the figures: how each column's travel was measured and what it is compared with.
TRAVEL_ROW = "travel measured by"
BASELINE_ROW = "compared with"


def unique_name(name: str, taken: Collection[str]) -> str:
    """``name`` itself when it is free, else ``name (2)``, ``name (3)``... (the first free)."""
    name = str(name).strip() or "scenario"
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def folder_labels(dirs: Sequence[Path]) -> list[str]:
    """A distinct label per result folder: its name, or ``parent/name`` where two folders share
    a name (then ``name (2)``... if that still clashes), so no folder hides another."""
    names = [Path(d).name or str(d) for d in dirs]
    labels: list[str] = []
    for d, name in zip(dirs, names, strict=True):
        label = name
        if names.count(name) > 1:
            parent = Path(d).resolve().parent.name
            label = f"{parent}/{name}" if parent else name
        labels.append(unique_name(label, labels))
    return labels


def _get(summary: Mapping[str, Any], key: str) -> Any:
    value: Any = summary
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _figures(summary: Mapping[str, Any]) -> dict[str, Any]:
    column = {k: _get(summary, k) for k, _ in COMPARE_KEYS}
    gap = column["optimality_gap"]
    if isinstance(gap, int | float):  # a fraction in summary.json, a percentage here
        column["optimality_gap"] = 100.0 * gap
    return column


def compare_with_baselines(
    results: Mapping[str, ScenarioResult | Mapping[str, Any]],
) -> pd.DataFrame:
    """Headline figures side by side, every scenario after its own baseline.

    A scenario's baseline (today's greedy brokerage on the spot market) has its travel measured
    the way the scenario's is (estimate or full carer rounds), so a rounds scenario is never
    read against an estimate. Equal baselines share one column; the rows ``travel measured by``
    and ``compared with`` say which baseline each column is read against.
    """
    columns: dict[str, dict[str, Any]] = {}
    baseline_of: dict[str, str] = {}  # a baseline's content -> its column
    for name, result in results.items():
        summary = result.summary if isinstance(result, ScenarioResult) else result
        method = str(summary.get("travel_method") or "estimate")
        base = summary.get("baseline")
        compared = "-"
        if isinstance(base, Mapping):
            content = json.dumps({"method": method, **dict(base)}, sort_keys=True, default=str)
            if content not in baseline_of:
                label = unique_name(
                    f"baseline: {base.get('name', BASELINE_NAME)} ({method})", columns
                )
                baseline_of[content] = label
                columns[label] = {TRAVEL_ROW: method, BASELINE_ROW: "-", **_figures(base)}
            compared = baseline_of[content]
        columns[unique_name(name, columns)] = {
            TRAVEL_ROW: method,
            BASELINE_ROW: compared,
            **_figures(summary),
        }
    table = pd.DataFrame({n: pd.Series(c, dtype=object) for n, c in columns.items()})
    table.index = [TRAVEL_ROW, BASELINE_ROW, *(label for _, label in COMPARE_KEYS)]
    return table


def comparison_workbook(table: pd.DataFrame, *, notes: Sequence[str] = ()) -> bytes:
    """The comparison as an Excel workbook (a "comparison" sheet, figures as numbers, and a
    "notes" sheet); text a spreadsheet would run as a formula is neutralised."""
    buffer = io.BytesIO()
    shown = table.copy()
    shown.index.name = "figure"
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        safe_frame(shown).to_excel(xl, sheet_name="comparison", index=True)
        lines = [
            "Each scenario is compared with the baseline named in its 'compared with' row: "
            "today's greedy brokerage on the spot market, travel measured the same way.",
            *notes,
        ]
        safe_frame(pd.DataFrame({"note": lines})).to_excel(xl, sheet_name="notes", index=False)
    return buffer.getvalue()
