"""A stress test's outputs: tables per option and per shock (CSV), charts (PNG), one workbook.

The folder is written through ``optimiser.result_folder`` (a temporary sibling, then put in
place; a folder holding anything this tool did not write is never replaced), and every table
goes through ``safe_frame`` (formula-like text neutralised) on its way to CSV and Excel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from optimiser import result_folder
from optimiser.data.tables.writers import safe_frame
from optimiser.stress.measures import MEASURES
from optimiser.stress.run import NO_SHOCK, StressRun

__all__ = [
    "OWN_FILES",
    "check_stress_dir",
    "draw_chart",
    "shock_chart",
    "write_stress",
]

#: What a stress folder holds (besides the marker): result_folder refuses anything else.
OWN_FILES = (
    "results.csv",
    "percentiles.csv",
    "regret.csv",
    "regret_summary.csv",
    "recovery.csv",
    "stress.xlsx",
    "stress.json",
    "options",
    "shocks",
    "charts",
)
#: Draw charts: file stem -> measure.
DRAW_CHARTS = {
    "unmet": "unmet_hours",
    "discharge_unmet": "unmet_hours_hospital_discharge",
    "travel": "travel_min_per_carer_hour",
    "cost": "cost_gbp_per_carer_hour",
    "pay_headroom": "pay_headroom_per_hour",
}


def check_stress_dir(out_dir: Path) -> None:
    """``OutputError`` unless ``out_dir`` may be written (absent, empty, or a stress folder)."""
    result_folder.check_result_dir(Path(out_dir), OWN_FILES)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "none"


def draw_chart(run: StressRun, measure: str) -> Figure:
    """Box plot of ``measure`` over the demand draws, one box per option (the whiskers reach
    P10 and P90, the box P25-P75, the line P50; each draw a dot)."""
    label = MEASURES[measure][0]
    ok = run.table[(run.table["shock"] == NO_SHOCK) & (run.table["status"] == "ok")]
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    data = [
        pd.to_numeric(ok.loc[ok["option"] == o, measure], errors="coerce").dropna().to_numpy(float)
        for o in run.options
    ]
    ax.boxplot(data, whis=(10, 90), showfliers=False)
    for k, values in enumerate(data):
        jitter = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(len(values))
        ax.plot(k + 1 + jitter, values, "o", ms=3, alpha=0.5, color="tab:blue")
    ax.set_xticks(range(1, len(run.options) + 1), list(run.options))
    ax.set_ylabel(label)
    n = max((len(v) for v in data), default=0)
    ax.set_title(f"{label.split(' [')[0]} over {n} demand draws (whiskers P10-P90)")
    ax.grid(alpha=0.3, axis="y")
    return fig


def shock_chart(run: StressRun, column: str = "unmet_hours", label: str | None = None) -> Figure:
    """Grouped bars: ``column`` under each shock (draw 0), one bar per option."""
    rec = run.recovery
    shocks = [s for s in run.shocks if s in set(rec["shock"])] if not rec.empty else []
    fig = Figure(figsize=(max(6.4, 0.7 * len(shocks) + 2), 4.2), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / max(len(run.options), 1)
    for j, option in enumerate(run.options):
        sub = rec[rec["option"] == option].set_index("shock")
        values = [float(sub[column].get(s, np.nan)) if column in sub else np.nan for s in shocks]
        ax.bar(
            np.arange(len(shocks)) + (j - (len(run.options) - 1) / 2) * width,
            values,
            width,
            label=option,
        )
    ax.set_xticks(range(len(shocks)), shocks, rotation=30, ha="right")
    ax.set_ylabel(label or column)
    ax.set_title(f"{label or column} after each shock (the config's own week)")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, axis="y")
    return fig


def _tables(run: StressRun) -> dict[str, pd.DataFrame]:
    return {
        "results": run.table,
        "percentiles": run.percentiles,
        "regret": run.regret,
        "regret_summary": run.regret_summary,
        "recovery": run.recovery,
    }


def _write(run: StressRun, folder: Path) -> None:
    for name, frame in _tables(run).items():
        safe_frame(frame).to_csv(folder / f"{name}.csv", index=False)
    for sub, column, names in (("options", "option", run.options), ("shocks", "shock", run.shocks)):
        (folder / sub).mkdir()
        for name in names:
            part = run.table[run.table[column] == name]
            safe_frame(part).to_csv(folder / sub / f"{_slug(name)}.csv", index=False)
    charts = folder / "charts"
    charts.mkdir()
    for stem, measure in DRAW_CHARTS.items():
        draw_chart(run, measure).savefig(charts / f"draws_{stem}.png", dpi=110)
    if len(run.shocks) > 1:
        shock_chart(run, "unmet_hours", "unmet need [h per week]").savefig(
            charts / "shocks_unmet.png", dpi=110
        )
        shock_chart(run, "packages_changing_provider", "packages changing provider").savefig(
            charts / "shocks_changes.png", dpi=110
        )
    with pd.ExcelWriter(folder / "stress.xlsx") as xl:
        for name, frame in _tables(run).items():
            safe_frame(frame).to_excel(xl, sheet_name=name[:31], index=False)
    meta = {
        "seed": run.seed,
        "draws": int(run.table["draw"].max()) + 1 if not run.table.empty else 0,
        "options": list(run.options),
        "shocks": list(run.shocks),
        "max_deterministic_time": run.settings.max_deterministic_time,
        "solver_workers": 1,
        "tasks": run.tasks,
        "failed_rows": run.failed,
        "wall_s": round(run.wall_s, 1),
        "percentiles": "numpy linear method",
    }
    (folder / "stress.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def write_stress(run: StressRun, out_dir: str | Path) -> Path:
    """Write the stress folder (see ``OWN_FILES``); returns its path."""
    return result_folder.replace_result_dir(Path(out_dir), lambda tmp: _write(run, tmp), OWN_FILES)


def format_table(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    """A plain-text table of ``columns`` (numbers to two decimals) for the terminal."""
    if frame.empty:
        return "(no rows)"
    shown = frame[[c for c in columns if c in frame.columns]]
    return shown.to_string(index=False, float_format=lambda v: f"{v:.2f}")
