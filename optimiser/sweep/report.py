"""A sweep's summary: one table of parameters and headline figures, and charts of them (PNG)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["CHARTS", "summary_table", "write_charts"]

#: Headline figures of the summary table, in display order.
FIGURES: tuple[str, ...] = (
    "unmet_hours",
    "travel_min_per_carer_hour",
    "miles_per_carer_hour",
    "cost_gbp_per_carer_hour",
    "pay_headroom_per_hour",
    "affordable_pay_gbp_per_hour",
    "continuity_breaks",
    "zone_count",
    "solver_status",
)

#: One chart per figure: file stem, column, axis label (units in brackets).
CHARTS: tuple[tuple[str, str, str], ...] = (
    ("pay_headroom", "pay_headroom_per_hour", "pay headroom [GBP per carer-hour paid]"),
    ("unmet_hours", "unmet_hours", "unmet need [h per week]"),
    ("travel", "travel_min_per_carer_hour", "travel [min per carer-hour of contact]"),
)


def summary_table(table: pd.DataFrame, parameters: Sequence[str]) -> pd.DataFrame:
    """Parameters, status and headline figures, one row per task in variant order."""
    if table.empty:
        return table
    cols = [c for c in ("variant", *parameters, "status", *FIGURES, "error") if c in table.columns]
    return table[cols].reset_index(drop=True)


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def write_charts(table: pd.DataFrame, parameters: Sequence[str], folder: str | Path) -> list[Path]:
    """One PNG per chart in ``CHARTS``: the figure against the first numeric parameter that
    varies (else the first that varies), one line per combination of the others; failed
    tasks are left out and counted in the title."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    varying = [p for p in parameters if p in table and table[p].astype(str).nunique() > 1]
    ok = table[table["status"] == "ok"] if "status" in table else table
    if ok.empty:
        return []
    numeric = [p for p in varying if pd.api.types.is_numeric_dtype(ok[p])]
    x_param = (numeric or varying or ["variant"])[0]
    series = [p for p in varying if p != x_param]
    xs = sorted(ok[x_param].unique(), key=lambda v: (isinstance(v, str), v))
    positions = {v: n for n, v in enumerate(xs)}
    paths = []
    for stem, column, label in CHARTS:
        if column not in ok:
            continue
        fig = Figure(figsize=(6.4, 4.0), layout="constrained")
        ax = fig.add_subplot()
        groups = ok.groupby(series, sort=True, dropna=False) if series else [((), ok)]
        for name, group in groups:
            names = name if isinstance(name, tuple) else (name,)
            legend = ", ".join(f"{p}={_label(v)}" for p, v in zip(series, names, strict=True))
            group = group.sort_values(x_param, key=lambda s: s.map(positions))
            ax.plot(
                [positions[v] for v in group[x_param]],
                group[column].astype(float),
                marker="o",
                label=legend or None,
            )
        ax.set_xticks(range(len(xs)), [_label(v) for v in xs])
        ax.set_xlabel(x_param)
        ax.set_ylabel(label)
        lost = len(table) - len(ok)
        ax.set_title(
            f"{column} by {x_param}" + (f" ({lost} failed task(s) left out)" if lost else "")
        )
        if series:
            ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
        path = folder / f"{stem}.png"
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths
