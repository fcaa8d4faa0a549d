"""The national screening's outputs: a table (CSV, Parquet), a choropleth PNG and a GeoPackage.

Every figure is a SCREENING ESTIMATE (synthetic demand and providers, proxy travel): the table
carries a ``label`` column saying so, the map says so in its title, the GeoPackage layer is
named so. Council boundaries: the ONS district boundaries of December 2017 (super-generalised)
dissolved into today's upper-tier councils by ``geo/uk/la_all_codes.csv`` (former districts
included, so the 2019-2023 mergers join their new councils).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure

from optimiser.screening.councils import LA_CODES_FILE

__all__ = ["BOUNDARIES_FILE", "national_table", "read_council_boundaries", "write_outputs"]

BOUNDARIES_FILE = (
    "geo/uk/Local_Authority_Districts_December_2017_Super_Generalised_Clipped_Boundaries_"
    "in_United_Kingdom_WGS84.geojson"
)
LABEL = "screening estimate"
#: Per-wage figures of a task's row (prefixed ``<wage>_``).
WAGE_FIGURES = (
    "pay_gbp_per_hour",
    "affordable_pay_gbp_per_hour",
    "pay_headroom_gbp_per_hour",
    "pay_headroom_pct",
)
ATTRIBUTION = (
    "Contains OS data (c) Crown copyright and database right 2018; ONS, MHCLG (OGL v3.0); "
    "travel proxy fitted on OpenStreetMap (c) OpenStreetMap contributors (ODbL 1.0)"
)


def national_table(rows: pd.DataFrame, wages: Sequence[str]) -> pd.DataFrame:
    """One row per council x option x wage, from the task rows (one per council x option)."""
    if rows.empty:
        return rows
    wage_cols = [f"{w}_{f}" for w in wages for f in WAGE_FIGURES]
    common = [c for c in rows.columns if c not in wage_cols and c not in ("variant",)]
    frames = []
    for w in wages:
        part = rows[common].copy()
        part.insert(part.columns.get_loc("option") + 1, "wage", w)
        for f in WAGE_FIGURES:
            part[f] = rows.get(f"{w}_{f}")
        frames.append(part)
    table = pd.concat(frames, ignore_index=True)
    table["label"] = LABEL
    first = ["label", "council_code", "council_name", "region", "option", "wage", "status"]
    order = [c for c in first if c in table] + [c for c in table if c not in first]
    return table[order].sort_values(["council_code", "option", "wage"]).reset_index(drop=True)


def read_council_boundaries(data_dir: str | Path) -> gpd.GeoDataFrame:
    """Upper-tier council polygons (``council_code``, geometry; EPSG:27700)."""
    data_dir = Path(data_dir)
    districts = gpd.read_file(data_dir / BOUNDARIES_FILE)
    codes = pd.read_csv(data_dir / LA_CODES_FILE, usecols=["LADCD", "UTLACD"])
    districts = districts.merge(codes, left_on="lad17cd", right_on="LADCD", how="inner")
    districts = districts[districts["UTLACD"].str.startswith("E")].to_crs("EPSG:27700")
    councils = districts.dissolve(by="UTLACD", as_index=False)[["UTLACD", "geometry"]]
    return councils.rename(columns={"UTLACD": "council_code"})


def _map_frame(
    table: pd.DataFrame, boundaries: gpd.GeoDataFrame, wages: Sequence[str]
) -> gpd.GeoDataFrame:
    """One row per council: travel saved and pay headroom of every option (and wage)."""
    ok = table[table["status"] == "ok"]
    wide = ok.pivot_table(
        index=["council_code", "council_name"],
        columns=["option", "wage"],
        values=["travel_saved_min_per_carer_hour", "pay_headroom_gbp_per_hour"],
        aggfunc="first",
    )
    travel = wide["travel_saved_min_per_carer_hour"].T.groupby(level="option").first().T
    travel.columns = [f"travel_saved_min_per_carer_hour_{o}" for o in travel.columns]
    head = wide["pay_headroom_gbp_per_hour"]
    head.columns = [f"pay_headroom_gbp_per_hour_{o}_{w}" for o, w in head.columns]
    flat = pd.concat([travel, head], axis=1).reset_index()
    flat.insert(0, "label", LABEL)
    return gpd.GeoDataFrame(
        boundaries.merge(flat, on="council_code", how="inner"), crs=boundaries.crs
    )


def _choropleth(frame: gpd.GeoDataFrame, path: Path, options: Sequence[str], wage: str) -> Path:
    """One row of two maps per option: travel saved, and pay headroom at ``wage``."""
    fig = Figure(figsize=(8.0, 3.9 * len(options) + 0.4), layout="constrained")
    for r, option in enumerate(options):
        panels = (
            (f"travel_saved_min_per_carer_hour_{option}", "travel saved [min per carer-hour]"),
            (
                f"pay_headroom_gbp_per_hour_{option}_{wage}",
                f"pay headroom at {wage.upper()} [GBP/h]",
            ),
        )
        for c, (column, title) in enumerate(panels):
            ax = fig.add_subplot(len(options), 2, 2 * r + c + 1)
            ax.set_axis_off()
            if column in frame:
                frame.plot(
                    column=column,
                    ax=ax,
                    cmap="viridis",
                    legend=True,
                    linewidth=0.1,
                    edgecolor="white",
                    legend_kwds={"shrink": 0.6},
                )
            ax.set_title(
                f"{option}: {title}\nvs today's brokerage (screening estimate)", fontsize=8
            )
    fig.suptitle(
        f"National screening, {len(frame)} councils: SCREENING ESTIMATE "
        "(synthetic demand and providers, proxy travel)",
        fontsize=9,
    )
    fig.text(0.01, 0.003, ATTRIBUTION, fontsize=4.5)
    fig.savefig(path, dpi=72)
    return path


def write_outputs(
    rows: pd.DataFrame,
    wages: Sequence[str],
    out_dir: str | Path,
    *,
    data_dir: str | Path,
) -> dict[str, Path]:
    """Write ``screening.csv``, ``screening.parquet``, ``screening_map.png`` and
    ``screening.gpkg`` (layer ``screening_estimate``) into ``out_dir``; their paths by kind."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = national_table(rows, wages)
    paths = {"csv": out / "screening.csv", "parquet": out / "screening.parquet"}
    table.to_csv(paths["csv"], index=False)
    table.to_parquet(paths["parquet"], index=False)
    if table.empty or not (table["status"] == "ok").any():
        return paths
    frame = _map_frame(table, read_council_boundaries(data_dir), wages)
    paths["gpkg"] = out / "screening.gpkg"
    frame.to_file(paths["gpkg"], layer="screening_estimate", driver="GPKG")
    options = list(dict.fromkeys(table["option"]))
    paths["png"] = _choropleth(frame, out / "screening_map.png", options, wages[0])
    return paths
