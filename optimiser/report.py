"""Turn scenario results into tables, comparison views and output files (CSV, GPKG, XLSX, JSON)."""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimiser import result_folder
from optimiser.costing import ScenarioCosts
from optimiser.data.domain import Package, Priority, Provider, Scenario, Zone
from optimiser.data.tables.writers import safe_frame, write_csv
from optimiser.equity import equity_table
from optimiser.errors import InputError
from optimiser.left_without_care import care_split
from optimiser.market import market_tables
from optimiser.models.design_records import DesignInstance, ZoneDesign
from optimiser.models.instance import AssignmentInstance
from optimiser.models.solution import AssignmentSolution
from optimiser.models.travel_estimate import TravelFigures
from optimiser.result import SUMMARY_KEYS, ScenarioResult
from optimiser.result_folder import replace_result_dir

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
    "equity.csv",
    "market.csv",
    "market_shares.csv",
    "finance.xlsx",
    "meta.json",
)
#: Every name a result folder may hold: the files above and those written only sometimes.
OWN_FILES = (*RESULT_FILES, "rounds.csv")

#: Today's commissioning as the reference every result is measured against.
BASELINE_NAME = "greedy brokerage, spot market"

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
    ("placed_carer_hours", "placed [carer-h/week, double-handed twice]"),
    ("travel_min_per_carer_hour", "travel [min per carer-hour of contact]"),
    ("miles_per_carer_hour", "mileage [miles per carer-hour of contact]"),
    ("cost_gbp_per_carer_hour", "cost [GBP per carer-hour of contact]"),
    ("weekly_cost_gbp", "weekly cost [GBP]"),
    ("pay_headroom_per_hour", "pay headroom [GBP per carer-hour paid]"),
    ("affordable_pay_gbp_per_hour", "affordable pay [GBP per carer-hour paid]"),
    ("continuity_breaks", "continuity breaks"),
    ("solver_status", "solver status"),
    ("unmet_stage_gap_pct", "optimality gap, unmet stage [%]"),
    ("optimality_gap", "optimality gap, final stage [%]"),
)


# ------------------------------------------------------------------------- one run's result


def scenario_result(
    *,
    scenario: Scenario,
    area_name: str,
    synthetic: bool,
    packages: Sequence[Package],
    providers: Sequence[Provider],
    zones: Sequence[Zone],
    instance: AssignmentInstance,
    solution: AssignmentSolution,
    reasons: Sequence[str],
    rural: np.ndarray,
    figures: TravelFigures,
    greedy_same: AssignmentSolution,
    greedy_travel_min_per_carer_hour: float,
    baseline: AssignmentSolution,
    costs: ScenarioCosts,
    rounds: pd.DataFrame,
    missed_calls: pd.DataFrame,
    meta: Mapping[str, Any],
    area_facts: pd.DataFrame | None = None,
    views: bool = True,
) -> ScenarioResult:
    """The result of one run from what the models and costing returned (no solving here);
    ``meta`` (provenance) is kept, with the scenario's parameters added.

    ``reasons`` and ``rural`` have one entry per package (why it is unmet, "" if placed;
    whether its zone is rural). ``missed_calls`` is read under ``travel_method = "rounds"``.
    ``area_facts`` (``optimiser.equity.AREA_COLUMNS``, one row per small area) feeds the
    equity and market views; None: they use only what the packages carry. ``views`` False
    leaves those two views empty (a stress test reads only the summary and assignments).
    """
    provider_of = np.asarray(solution.provider_of)
    assignments = assignment_table(
        packages, instance.provider_ids, provider_of, reasons, rural, figures
    )
    summary = scenario_summary(
        scenario=scenario,
        area_name=area_name,
        synthetic=synthetic,
        assignments=assignments,
        solution=solution,
        figures=figures,
        greedy_same=greedy_same,
        greedy_travel_min_per_carer_hour=greedy_travel_min_per_carer_hour,
        baseline=baseline,
        costs=costs,
        packages=packages,
    )
    meta = {**meta, "scenario": _plain(dataclasses.asdict(scenario))}
    if scenario.travel_method == "rounds":
        summary["rounds_missed_calls"] = len(missed_calls)
        meta["rounds_missed"] = missed_calls.to_dict("records")
    by_provider = provider_table(providers, instance, provider_of, figures)
    by_zone = zone_table(assignments, zones, figures)
    result = ScenarioResult(
        summary=summary,
        assignments=assignments,
        by_provider=by_provider,
        by_zone=by_zone,
        costing=costs.scenario.to_frame(),
        headroom=pd.concat([costs.headroom.to_frame(), costs.target.to_frame()], ignore_index=True),
        rounds=rounds,
        meta=meta,
        equity=pd.DataFrame(),
        market=pd.DataFrame(),
        market_shares=pd.DataFrame(),
    )
    return with_views(result, area_facts, scenario) if views else result


def with_views(
    result: ScenarioResult, area_facts: pd.DataFrame | None, scenario: Scenario
) -> ScenarioResult:
    """``result`` with its equity and market views built from its own tables (what
    ``scenario_result`` adds when ``views`` is true, so a result made without them and given
    them later is the same result)."""
    market, market_shares = market_tables(
        result.assignments,
        result.by_zone,
        result.by_provider,
        area_facts,
        risk_share_pct=scenario.report.market_share_risk_pct,
    )
    equity = equity_table(result.assignments, area_facts)
    return dataclasses.replace(result, equity=equity, market=market, market_shares=market_shares)


def status_word(solution: AssignmentSolution) -> str:
    """The final status for readers: CP-SAT's UNKNOWN in the last stage means it found nothing
    better within the budget, while the solution carried from earlier steps stands (feasible;
    checked by the solver-independent validator). Stage records keep the raw statuses."""
    return "FEASIBLE" if solution.status == "UNKNOWN" else solution.status


def scenario_summary(
    *,
    scenario: Scenario,
    area_name: str,
    synthetic: bool,
    assignments: pd.DataFrame,
    solution: AssignmentSolution,
    figures: TravelFigures,
    greedy_same: AssignmentSolution,
    greedy_travel_min_per_carer_hour: float,
    baseline: AssignmentSolution,
    costs: ScenarioCosts,
    packages: Sequence[Package],
) -> dict[str, Any]:
    """Headline figures (``SUMMARY_KEYS``), the baseline's, the stages and the solver budget."""
    t1, m1 = costs.travel_min_per_carer_hour, costs.miles_per_carer_hour
    t0, m0 = costs.baseline_travel_min_per_carer_hour, costs.baseline_miles_per_carer_hour
    cost_h = costs.scenario.total_gbp_per_carer_hour
    base_cost = costs.baseline.total_gbp_per_carer_hour
    headroom, target = costs.headroom, costs.target
    demand_h = float(assignments["weekly_hours"].sum())
    unmet = assignments[assignments["unmet"]]
    placed_h = demand_h - float(unmet["weekly_hours"].sum())
    discharge = unmet["priority"] == Priority.HOSPITAL_DISCHARGE.value
    return {
        "scenario": scenario.name,
        "area": area_name,
        "synthetic": synthetic,
        "packages": len(assignments),
        "demand_hours": round(demand_h, 2),
        "placed_hours": round(placed_h, 2),
        "unmet_hours": round(demand_h - placed_h, 2),
        "unmet_hours_hospital_discharge": round(
            float(unmet.loc[discharge, "weekly_hours"].sum()), 2
        ),
        "unmet_packages": len(unmet),
        "demand_carer_hours": round(float(assignments["carer_hours"].sum()), 2),
        "placed_carer_hours": round(costs.placed_carer_hours, 2),
        "travel_min_per_carer_hour": round(t1, 3),
        "miles_per_carer_hour": round(m1, 3),
        "cost_gbp_per_carer_hour": round(cost_h, 4),
        "weekly_cost_gbp": round(costs.weekly_cost_gbp, 2),
        "pay_headroom_per_hour": round(headroom.rise_gbp_per_hour, 4),
        "affordable_pay_gbp_per_hour": round(headroom.affordable_pay_gbp_per_hour, 4),
        "budget_for_target_pay_gbp": round(target.weekly_budget_target_gbp, 2),
        "target_pay_gbp_per_hour": target.target_pay_gbp_per_hour,
        "continuity_breaks": int(assignments["continuity_break"].sum()),
        **care_split(assignments),
        "keep_current_clients": solution.keep_current_clients,
        "keep_current_clients_fallback": solution.rule_fallback,
        "solver_status": status_word(solution),
        "optimality_gap": solution.optimality_gap,
        "unmet_stage_gap_pct": _pct(solution.unmet_stage_gap),
        "stage_gaps_pct": {k: _pct(g) for k, g in solution.stage_gaps.items()},
        "wall_cap_hit": solution.wall_cap_hit,
        "fell_back_to_greedy": solution.fell_back_to_greedy,
        "travel_method": figures.method,
        "optimiser_vs_greedy_same_rules": {
            "greedy_unmet_hours": round(greedy_same.values.unmet_hours, 2),
            "greedy_travel_min_per_carer_hour": round(greedy_travel_min_per_carer_hour, 3),
        },
        "baseline": {
            "name": BASELINE_NAME,
            "demand_hours": round(demand_h, 2),
            "placed_hours": round(baseline.values.placed_hours, 2),
            "unmet_hours": round(baseline.values.unmet_hours, 2),
            "unmet_packages": int((np.asarray(baseline.provider_of) < 0).sum()),
            "placed_carer_hours": round(costs.baseline_placed_carer_hours, 2),
            "travel_min_per_carer_hour": round(t0, 3),
            "miles_per_carer_hour": round(m0, 3),
            "cost_gbp_per_carer_hour": round(float(base_cost), 4),
            "weekly_cost_gbp": round(costs.baseline_weekly_cost_gbp, 2),
            "continuity_breaks": int(baseline.values.continuity_breaks),
            **care_split(_care_table(packages, baseline.provider_of)),
        },
        "stages": [dataclasses.asdict(s) for s in solution.stages],
        "solver": {
            "time_limit_s": scenario.solver.time_limit_s,
            "workers": scenario.solver.workers,
            "seed": scenario.solver.seed,
            "max_deterministic_time": scenario.solver.max_deterministic_time,
            "wall_s": round(solution.wall_s, 3),
        },
    }


def _pct(gap: float | None) -> float | None:
    """A gap fraction as a percentage (``None`` stays unknown)."""
    return None if gap is None else round(100.0 * gap, 4)


def _care_table(packages: Sequence[Package], provider_of: np.ndarray) -> pd.DataFrame:
    """The columns ``care_split`` reads, for an assignment without a full table."""
    return pd.DataFrame(
        {
            "unmet": np.asarray(provider_of) < 0,
            "status": [pk.status.value for pk in packages],
            "priority": [pk.priority.value for pk in packages],
            "weekly_hours": [pk.weekly_hours for pk in packages],
            "current_provider": [pk.current_provider or "" for pk in packages],
        }
    )


def assignment_table(
    packages: Sequence[Package],
    provider_ids: Sequence[str],
    provider_of: np.ndarray,
    reasons: Sequence[str],
    rural: np.ndarray,
    figures: TravelFigures,
) -> pd.DataFrame:
    """One row per package: who serves it (or why nobody does), with its weekly travel as the
    scenario's travel method measured it (columns: see ``ScenarioResult.assignments``)."""
    pids = np.asarray(provider_ids, dtype=object)
    travel_min = figures.package_travel_min  # from the chosen method: estimate or rounds
    travel_km = figures.package_travel_km
    rows = []
    for i, pk in enumerate(packages):
        k = int(provider_of[i])
        provider = str(pids[k]) if k >= 0 else ""
        rows.append(
            {
                "package_id": pk.package_id,
                "provider_id": provider,
                "zone_id": pk.zone_id or "",
                "area_code": pk.area_code or "",
                "lat": pk.lat,
                "lon": pk.lon,
                "priority": pk.priority.value,
                "status": pk.status.value,
                "days_waiting": pk.days_waiting,
                "weekly_hours": pk.weekly_hours,
                "carer_hours": round(pk.carer_hours, 4),
                "travel_min_per_week": round(float(travel_min[i]), 2),
                "travel_km_per_week": round(float(travel_km[i]), 3),
                "unmet": k < 0,
                "reason": reasons[i] if k < 0 else "",
                "rural": bool(rural[i]),
                "continuity_break": bool(
                    pk.current_provider is not None and provider != pk.current_provider
                ),
                "current_provider": pk.current_provider or "",
                "needs": ";".join(sorted(pk.needs)),
            }
        )
    return pd.DataFrame(rows)


def provider_table(
    providers: Sequence[Provider],
    instance: AssignmentInstance,
    provider_of: np.ndarray,
    figures: TravelFigures,
) -> pd.DataFrame:
    """One row per provider: load, travel and utilisation (see ``ScenarioResult.by_provider``)."""
    fig = figures.by_provider
    rows = []
    for k, pv in enumerate(providers):
        mine = provider_of == k
        carer_h = float(instance.carer_min[mine].sum()) / 60.0
        f = fig.loc[pv.provider_id] if pv.provider_id in fig.index else None
        travel_h = float(f["travel_min"]) / 60.0 if f is not None else 0.0
        rows.append(
            {
                "provider_id": pv.provider_id,
                "name": pv.name,
                "capacity_hours": pv.capacity_hours,
                "placed_carer_hours": round(carer_h, 2),
                "travel_hours": round(travel_h, 2),
                "utilisation": round((carer_h + travel_h) / pv.capacity_hours, 4)
                if pv.capacity_hours > 0
                else 0.0,
                "packages": int(mine.sum()),
                "contact_hours": round(float(instance.contact_min[mine].sum()) / 60.0, 2),
                "travel_min_per_carer_hour": None
                if f is None
                else _round(f["travel_min_per_carer_hour"]),
                "miles_per_carer_hour": None if f is None else _round(f["miles_per_carer_hour"]),
            }
        )
    return pd.DataFrame(rows)


def zone_table(
    assignments: pd.DataFrame, zones: Sequence[Zone], figures: TravelFigures
) -> pd.DataFrame:
    """One row per zone: people, demand, placed and unmet hours, providers used, travel."""
    # each zone's rows by position, found once (a filter of the whole table per zone is
    # quadratic in a county's zones x people)
    rows_of = assignments.groupby(assignments["zone_id"], sort=False).indices
    hours = assignments["weekly_hours"].to_numpy(dtype=float)
    unmet = assignments["unmet"].to_numpy(dtype=bool)
    provider = assignments["provider_id"].to_numpy(dtype=object)
    none = np.zeros(0, dtype=np.intp)
    rows = []
    for z in zones:
        mine = rows_of.get(z.zone_id, none)
        placed, left = mine[~unmet[mine]], mine[unmet[mine]]
        f = figures.by_zone.loc[z.zone_id] if z.zone_id in figures.by_zone.index else None
        rows.append(
            {
                "zone_id": z.zone_id,
                "name": z.name,
                "kind": z.kind.value,
                "lead_providers": ";".join(z.lead_providers),
                "people": len(mine),
                "demand_hours": round(float(hours[mine].sum()), 2),
                "placed_hours": round(float(hours[placed].sum()), 2),
                "unmet_hours": round(float(hours[left].sum()), 2),
                "providers_used": int(pd.Series(provider[placed]).nunique()),
                "travel_min_per_carer_hour": None
                if f is None
                else _round(f["travel_min_per_carer_hour"]),
            }
        )
    return pd.DataFrame(rows)


def _round(value: Any, nd: int = 3) -> float | None:
    v = float(value)
    return round(v, nd) if np.isfinite(v) else None


# ------------------------------------------------------------------------ comparing results


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
            return f"{v if round(v, 2) else 0.0:,.2f}"  # never "-0.00"
        return str(v)

    shown = table.map(fmt)
    return shown.to_string()


#: Equity measures shown side by side, with a label naming basis and denominator.
EQUITY_COMPARE: tuple[tuple[str, str], ...] = (
    ("unmet_people", "unmet people"),
    ("unmet_contact_hours_per_week", "unmet [contact h/week]"),
    ("unmet_days_waited_mean", "days already waited by the unmet [mean, days]"),
    ("travel_min_per_carer_hour", "travel [min per carer-hour of contact delivered]"),
    ("unmet_people_per_1000_aged_65plus", "unmet people per 1,000 residents aged 65+ [Census]"),
)
#: Zone market measures shown side by side.
MARKET_COMPARE: tuple[tuple[str, str], ...] = (
    ("providers_serving", "providers serving [with placed hours]"),
    ("hhi_0_to_10000_on_placed_carer_hour_shares", "HHI [0-10,000, on shares of placed carer-h]"),
    (
        "headroom_carer_hours_per_week",
        "headroom [lead capacity minus demand, carer-h/week incl. travel]",
    ),
    ("providers_above_risk_share", "providers above the risk share of placed carer-h"),
)


def _side_by_side(
    tables: Mapping[str, pd.DataFrame],
    keys: Sequence[str],
    measures: Sequence[tuple[str, str]],
) -> pd.DataFrame:
    """One row per key, one column per (measure label, option); rows in first-seen order."""
    columns: dict[tuple[str, str], pd.Series] = {}
    order: list[tuple[Any, ...]] = []
    for table in tables.values():
        for key in map(tuple, table[list(keys)].itertuples(index=False)):
            if key not in order:
                order.append(key)
    index = pd.MultiIndex.from_tuples(order, names=list(keys))
    for column, label in measures:
        for name, table in tables.items():
            if column not in table.columns:
                continue
            values = table.set_index(list(keys))[column]
            columns[(label, name)] = values.reindex(index).astype(object)
    out = pd.DataFrame(columns, index=index)
    out.columns = pd.MultiIndex.from_tuples(list(columns), names=["measure", "option"])
    return out


def compare_equity(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Equity breakdowns of several options side by side (rows: breakdown and group; columns:
    ``EQUITY_COMPARE`` measure, then option). Small-area rows are left to the CSV."""
    kept = {n: t[t["breakdown"] != "area"] for n, t in tables.items()}
    return _side_by_side(kept, ("breakdown", "group"), EQUITY_COMPARE)


def compare_market(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Zone market shape of several options side by side (``MARKET_COMPARE``)."""
    kept = {n: t[t["level"] == "zone"] for n, t in tables.items()}
    return _side_by_side(kept, ("unit_code", "unit"), MARKET_COMPARE)


def format_side_by_side(table: pd.DataFrame) -> str:
    """A side-by-side view as text: one block per measure, options as columns."""
    blocks = []
    for measure in dict.fromkeys(table.columns.get_level_values(0)):
        block = table[measure].copy()
        block.index = [" / ".join(str(k) for k in key) for key in block.index]
        blocks.append(f"{measure}\n{format_comparison(block)}")
    return "\n\n".join(blocks)


def finance_workbook(
    result: ScenarioResult,
    options: pd.DataFrame | None = None,
    extra: Mapping[str, pd.DataFrame] | None = None,
) -> bytes:
    """An Excel workbook for finance teams: summary, costing arithmetic, headroom, tables;
    ``extra`` adds sheets by name after the options (e.g. spend at contracted prices).

    Text that a spreadsheet would run as a formula is neutralised (``writers.safe_frame``).
    """
    buffer = io.BytesIO()

    def sheet(frame: pd.DataFrame, name: str, *, index: bool = False) -> None:
        safe_frame(frame).to_excel(xl, sheet_name=name, index=index)

    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        summary = {k: v for k, v in result.summary.items() if not isinstance(v, Mapping | list)}
        sheet(pd.Series(summary, name="value", dtype=object).to_frame(), "summary", index=True)
        baseline = result.summary.get("baseline")
        if isinstance(baseline, Mapping):
            baseline_frame = pd.Series(dict(baseline), name="value", dtype=object).to_frame()
            sheet(baseline_frame, "baseline", index=True)
        sheet(result.costing, "cost per carer-hour")
        sheet(result.headroom, "pay headroom")
        if options is not None and not options.empty:
            sheet(options, "options")
        for name, frame in (extra or {}).items():
            sheet(frame, name[:31])  # Excel's sheet-name limit
        sheet(result.by_provider, "providers")
        sheet(result.by_zone, "zones")
        sheet(result.unmet, "unmet")
        for name, table in (
            ("equity", result.equity),
            ("market", result.market),
            ("market shares", result.market_shares),
        ):
            if not table.empty:
                sheet(table, name)
    return buffer.getvalue()


def _assignments_gpkg(assignments: pd.DataFrame, path: Path) -> None:
    import geopandas as gpd

    frame = safe_frame(assignments)
    frame["provider_id"] = frame["provider_id"].fillna("").astype(str)
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326"
    )
    gdf.to_file(path, layer="assignments", driver="GPKG")


def write_result(result: ScenarioResult, out_dir: Path) -> Path:
    """Write every output file of a result into ``out_dir``, atomically and safely.

    Files are written into a temporary sibling folder which then replaces ``out_dir``, so a
    failure half-way leaves the previous results (or nothing), never a half-written folder.
    An existing ``out_dir`` is replaced only if it is a result folder of this tool holding
    nothing else (``optimiser.result_folder``); otherwise ``OutputError``, and nothing changes.
    """

    def write(tmp: Path) -> None:
        (tmp / "summary.json").write_text(result.summary_json() + "\n", encoding="utf-8")
        (tmp / "summary.txt").write_text(result.summary_text() + "\n", encoding="utf-8")
        (tmp / "meta.json").write_text(
            json.dumps(_plain(result.meta), indent=2) + "\n", encoding="utf-8"
        )
        write_csv(result.assignments, tmp / "assignments.csv")
        _assignments_gpkg(result.assignments, tmp / "assignments.gpkg")
        write_csv(result.unmet, tmp / "unmet.csv")
        write_csv(result.by_provider, tmp / "providers.csv")
        write_csv(result.by_zone, tmp / "zones.csv")
        write_csv(result.costing, tmp / "costing.csv")
        write_csv(result.headroom, tmp / "headroom.csv")
        write_csv(result.equity, tmp / "equity.csv")
        write_csv(result.market, tmp / "market.csv")
        write_csv(result.market_shares, tmp / "market_shares.csv")
        if not result.rounds.empty:
            write_csv(result.rounds, tmp / "rounds.csv")
        (tmp / "finance.xlsx").write_bytes(finance_workbook(result))

    return replace_result_dir(Path(out_dir), write, OWN_FILES)


def check_result_dir(out_dir: Path) -> None:
    """``OutputError`` (before any work) if ``write_result`` would refuse ``out_dir``."""
    result_folder.check_result_dir(Path(out_dir), OWN_FILES)


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
    "BASELINE_NAME",
    "COMPARE_KEYS",
    "EQUITY_COMPARE",
    "MARKET_COMPARE",
    "OWN_FILES",
    "RESULT_FILES",
    "SUMMARY_KEYS",
    "assignment_table",
    "check_result_dir",
    "compare",
    "compare_equity",
    "compare_market",
    "finance_workbook",
    "format_comparison",
    "format_side_by_side",
    "provider_table",
    "read_summary",
    "scenario_result",
    "scenario_summary",
    "status_word",
    "write_result",
    "zone_table",
]


def design_zone_loads(
    zone_table: pd.DataFrame,
    instance: DesignInstance,
    design: ZoneDesign,
    by_zone: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per designed zone: its units, demand and what its leads can give it.

    Columns: zone_id, name, kind, units, demand_carer_hours [carer-h/week, travel included],
    leads, leads_capacity_hours [carer-h/week, the leads' whole capacity, shared with any other
    zone they lead], served_by_leads_hours [carer-h/week the design plans them to serve here];
    with ``by_zone`` (a result's table) also the pipeline's demand_hours, placed_hours and
    unmet_hours [contact h/week].
    """
    first = zone_table.groupby("zone_id", sort=False).first()
    rows = []
    demand = np.asarray(instance.demand_min, dtype=float)
    flow = np.asarray(design.flow_min)
    for z in range(design.n_zones):
        members = np.flatnonzero(np.asarray(design.zone_of) == z)
        zone_id = str(
            zone_table.loc[
                zone_table["area_code"] == instance.unit_ids[members[0]], "zone_id"
            ].iloc[0]
        )
        leads = design.leads[z]
        rows.append(
            {
                "zone_id": zone_id,
                "name": first.loc[zone_id, "name"],
                "kind": first.loc[zone_id, "kind"],
                "units": len(members),
                "demand_carer_hours": round(demand[members].sum() / 60.0, 1),
                "leads": ";".join(instance.provider_ids[k] for k in leads),
                "leads_capacity_hours": round(
                    float(np.asarray(instance.capacity_min)[list(leads)].sum()) / 60.0, 1
                ),
                "served_by_leads_hours": round(float(flow[members].sum()) / 60.0, 1),
            }
        )
    table = pd.DataFrame(rows)
    if by_zone is not None and not by_zone.empty:
        cols = [c for c in ("demand_hours", "placed_hours", "unmet_hours") if c in by_zone]
        table = table.merge(by_zone[["zone_id", *cols]], on="zone_id", how="left")
    return table
