"""Spread and regret of the stress measures over demand draws: P10/P50/P90 and the regret table.

Percentiles are numpy's default ("linear") method: for sorted values ``v[0..n-1]`` the q-th
percentile is at position ``(n - 1) * q / 100``, interpolated linearly between neighbours
(so P50 of 1, 2, 3, 4 is 2.5, and P10 of 0, 10, ..., 100 is 10). Regret of an option in a
draw is how far it is from the best option of that draw on one measure (0 for the best):
``value - min`` where lower is better, ``max - value`` where higher is better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["MEASURES", "percentile_table", "regret_summary", "regret_table"]

#: The measures compared across options: column -> (label with units, "low" or "high" is
#: better). Per contact hour means per carer-hour of contact delivered (a double-handed hour
#: is two), both carers' travel counted.
MEASURES: Mapping[str, tuple[str, str]] = {
    "unmet_hours": ("unmet need [h per week]", "low"),
    "unmet_hours_hospital_discharge": ("unmet hospital-discharge need [h per week]", "low"),
    "travel_min_per_carer_hour": ("travel [min per carer-hour of contact]", "low"),
    "cost_gbp_per_carer_hour": ("cost [GBP per carer-hour of contact]", "low"),
    "pay_headroom_per_hour": ("pay headroom [GBP per carer-hour paid]", "high"),
}
PERCENTILES: tuple[int, ...] = (10, 50, 90)


def percentile_table(
    table: pd.DataFrame,
    *,
    by: Sequence[str] = ("shock", "option"),
    measures: Sequence[str] = tuple(MEASURES),
) -> pd.DataFrame:
    """One row per group of ``by`` and measure: draws counted, P10, P50, P90, mean (failed
    rows left out, their number in ``failed``)."""
    rows = []
    ok = table["status"] == "ok" if "status" in table else pd.Series(True, index=table.index)
    for key, group in table.groupby(list(by), sort=False):
        names = key if isinstance(key, tuple) else (key,)
        good = group[ok.loc[group.index]]
        for m in measures:
            column = good[m] if m in good else pd.Series(dtype=float)
            values = pd.to_numeric(column, errors="coerce").dropna().to_numpy(float)
            row = dict(zip(by, names, strict=True))
            row.update(measure=m, draws=len(values), failed=int(len(group) - len(good)))
            if len(values):
                p = np.percentile(values, PERCENTILES)  # numpy's linear method
                row.update({f"p{q}": float(v) for q, v in zip(PERCENTILES, p, strict=True)})
                row["mean"] = float(values.mean())
            else:
                row.update({f"p{q}": np.nan for q in PERCENTILES}, mean=np.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def regret_table(
    table: pd.DataFrame,
    *,
    within: Sequence[str] = ("shock", "draw"),
    measures: Sequence[str] = tuple(MEASURES),
) -> pd.DataFrame:
    """One row per option in each group of ``within`` (a draw): its value and regret on each
    measure (``regret_<measure>``, 0 for the best option of the group). A group where an
    option failed is left out (its best would be unknown)."""
    frames = []
    for _key, group in table.groupby(list(within), sort=False):
        if "status" in group and (group["status"] != "ok").any():
            continue
        out = group[[*within, "option", *measures]].copy()
        for m in measures:
            values = pd.to_numeric(group[m], errors="coerce")
            best = values.min() if MEASURES.get(m, ("", "low"))[1] == "low" else values.max()
            sign = 1.0 if MEASURES.get(m, ("", "low"))[1] == "low" else -1.0
            out[f"regret_{m}"] = sign * (values - best) + 0.0  # no negative zero
        frames.append(out)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def regret_summary(
    regret: pd.DataFrame, *, measures: Sequence[str] = tuple(MEASURES)
) -> pd.DataFrame:
    """Per shock, option and measure: draws, mean and largest regret, and in how many draws the
    option was the best (regret 0)."""
    if regret.empty:
        return pd.DataFrame()
    rows = []
    for (shock, option), group in regret.groupby(["shock", "option"], sort=False):
        for m in measures:
            r = pd.to_numeric(group[f"regret_{m}"], errors="coerce").dropna()
            rows.append(
                {
                    "shock": shock,
                    "option": option,
                    "measure": m,
                    "draws": len(r),
                    "mean_regret": float(r.mean()) if len(r) else np.nan,
                    "max_regret": float(r.max()) if len(r) else np.nan,
                    "times_best": int((r.abs() < 1e-9).sum()),
                }
            )
    return pd.DataFrame(rows)
