"""Scenario runs: assign packages on an area, cost the result, and record how it was made.

A run passes each layer once, going down: the models (instance, CP-SAT, the independent
checker, greedy baselines, travel figures, unmet reasons), then ``optimiser.costing`` once,
then ``optimiser.report`` once to build the result's tables.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimiser import costing, report, result_folder
from optimiser.data import config as cfgmod
from optimiser.data.domain import Package, Scenario, Zone, ZoneKind, ZonePolicy, ZoneRule
from optimiser.data.rounds_options import RoundsOptions
from optimiser.errors import InputError, SolverError
from optimiser.models.assign import solve_assignment
from optimiser.models.carer_rounds import plan_rounds
from optimiser.models.greedy import greedy_assignment
from optimiser.models.instance import AssignmentInstance, build_instance
from optimiser.models.mip_stage import MipMemo
from optimiser.models.reasons import unmet_reasons
from optimiser.models.solution import AssignmentSolution
from optimiser.models.travel_estimate import TravelFigures, estimate_travel
from optimiser.models.validate import check_assignment
from optimiser.parallel import Runner
from optimiser.result import ScenarioResult
from optimiser.service import provenance
from optimiser.service.areas import AreaData, area_for_config
from optimiser.service.comparison import compare_with_baselines, folder_labels
from optimiser.service.equity import area_facts
from optimiser.service.progress import Progress, counted_progress, no_progress
from optimiser.service.zones import rezoned

#: Solver budget for interactive edits in the web app: re-evaluating a zone change must take
#: under 2 s on the demo. A deterministic-time budget with one worker, so the same
#: zones always give the same figures and a KPI delta is the edit, never solver noise
#: (measured on the demo: about 0.9 s a run, final gap about 0.3%). The wall-clock limit is
#: only a safety net: at 5 s it fired on a busy 2-core machine (load ~12), so the same zones
#: gave different figures by load and an edit's delta could vanish; 20 s keeps the
#: deterministic budget the one that binds (an idle run is unchanged).
INTERACTIVE_DETERMINISTIC_TIME = 0.1
INTERACTIVE_TIME_LIMIT_S = 20.0


def demo_scenario(name: str = "zoned", *, interactive: bool = False) -> Scenario:
    """The demo's spot or zoned scenario, from configs/demo_<name>.toml.

    ``interactive`` keeps the rules but gives the solver the web app's short, deterministic
    budget (``INTERACTIVE_DETERMINISTIC_TIME``, one worker, the config's seed).
    """
    path = cfgmod.CONFIG_DIR / f"demo_{name}.toml"
    if not path.is_file():
        raise InputError(f"no demo scenario {name!r} (expected {path})", source=str(path))
    scenario = cfgmod.load_scenario(path).scenario
    if interactive:
        solver = dataclasses.replace(
            scenario.solver,
            time_limit_s=INTERACTIVE_TIME_LIMIT_S,
            workers=1,
            max_deterministic_time=INTERACTIVE_DETERMINISTIC_TIME,
        )
        scenario = dataclasses.replace(scenario, solver=solver)
    return scenario


def baseline_scenario(scenario: Scenario) -> Scenario:
    """Today's practice for comparison: the same rules, but spot market and no releases."""
    return dataclasses.replace(
        scenario,
        name="baseline",
        zone_policy=ZonePolicy(rule=ZoneRule.SPOT),
        rules=dataclasses.replace(scenario.rules, release_continuity=False),
    )


def run_scenario(
    area: AreaData,
    scenario: Scenario,
    *,
    zone_table: pd.DataFrame | None = None,
    rounds_options: Mapping[str, Any] | None = None,
    config_files: Mapping[str, Path] | None = None,
    progress: Progress | None = None,
    runner: Runner | None = None,
    mip_memo: MipMemo | None = None,
    views: bool = True,
) -> ScenarioResult:
    """Assign packages to providers under ``scenario`` and cost the result.

    Runs three assignments on the same area: the CP-SAT optimum under the scenario's rules,
    greedy brokerage under the same rules (what the optimiser adds), and greedy brokerage on
    the spot market (today's practice, the baseline that pay headroom is measured against).
    ``config_files`` names, by role, the files the scenario was read from (their digests go
    into ``meta.json`` with every other input's). Under ``travel_method = "rounds"`` the
    provider-days are independent tasks run by ``runner`` (``optimiser.parallel``: inline by
    default, or a Dask cluster); the figures are the same whichever runs them. ``mip_memo``
    lets runs on the same packages solve a shared stage MIP once (the figures are the same);
    ``views`` False leaves the equity and market views out of the result.
    """
    progress = progress or no_progress
    start = time.perf_counter()
    zone_table = area.zone_table if zone_table is None else zone_table
    packages, zones = rezoned(area, zone_table)

    # 1. The models: instance, optimum, its independent check, baselines, travel, reasons.
    progress(0.1, f"building the assignment model ({len(packages)} packages)")
    instance = _instance(area, packages, zones, scenario)
    progress(0.2, "solving (CP-SAT, lexicographic stages)")
    solution = solve_assignment(instance, scenario.solver, mip_memo=mip_memo)
    return evaluate_solution(
        area,
        scenario,
        zone_table,
        packages,
        zones,
        instance,
        solution,
        rounds_options=rounds_options,
        config_files=config_files,
        progress=progress,
        runner=runner,
        start=start,
        views=views,
    )


def evaluate_solution(
    area: AreaData,
    scenario: Scenario,
    zone_table: pd.DataFrame,
    packages: Sequence[Package],
    zones: Sequence[Zone],
    instance: AssignmentInstance,
    solution: AssignmentSolution,
    *,
    rounds_options: Mapping[str, Any] | None = None,
    config_files: Mapping[str, Path] | None = None,
    progress: Progress = no_progress,
    runner: Runner | None = None,
    start: float | None = None,
    views: bool = True,
) -> ScenarioResult:
    """The rest of a run once an assignment is chosen: its independent check, the greedy
    baselines, travel, reasons, costing and the report (``run_scenario`` and the incremental
    zone edit both end here). ``start`` is when the run began (for ``wall_s``); ``views``
    False leaves the equity and market views out."""
    start = time.perf_counter() if start is None else start
    violations = check_assignment(instance, solution.provider_of)
    if violations:  # never report a result the independent checker rejects
        raise SolverError("the assignment breaks its own rules: " + "; ".join(violations[:5]))
    progress(0.7, "greedy brokerage baselines")
    greedy_same = greedy_assignment(instance)
    base_instance = _instance(area, packages, zones, baseline_scenario(scenario))
    baseline = greedy_assignment(base_instance)
    progress(0.8, f"travel figures ({scenario.travel_method})")
    figures, rounds, missed_calls = _travel_figures(
        area, packages, instance, solution, scenario, rounds_options, progress, runner, "rounds"
    )
    # The baseline's travel is measured the same way as the scenario's, so headroom compares
    # like with like (rounds for both, or the estimate for both).
    base_figures, _, _ = _travel_figures(
        area,
        packages,
        base_instance,
        baseline,
        scenario,
        rounds_options,
        progress,
        runner,
        "baseline rounds",
    )
    greedy_figures = estimate_travel(instance, greedy_same.provider_of)
    provider_of = np.asarray(solution.provider_of)
    reasons = unmet_reasons(instance, provider_of)
    rural_ids = {z.zone_id for z in zones if z.kind is ZoneKind.RURAL}
    rural = np.array([p.zone_id in rural_ids for p in packages], dtype=bool)  # for the report

    # 2. Costing, once: the scenario against its baseline, per carer-hour of contact.
    costs = costing.scenario_costs(
        scenario.costs,
        travel_min_per_carer_hour=_ratio(figures, "travel_min_per_carer_hour"),
        miles_per_carer_hour=_ratio(figures, "miles_per_carer_hour"),
        baseline_travel_min_per_carer_hour=_ratio(base_figures, "travel_min_per_carer_hour"),
        baseline_miles_per_carer_hour=_ratio(base_figures, "miles_per_carer_hour"),
        carer_hours=np.array([p.carer_hours for p in packages], dtype=float),
        placed=provider_of >= 0,
        baseline_placed=np.asarray(baseline.provider_of) >= 0,
    )

    # 3. The report, once: tables, summary and the record of how the result was made.
    meta = _meta(
        area,
        scenario,
        zone_table,
        rounds_options,
        config_files,
        wall_s=time.perf_counter() - start,
    )
    result = report.scenario_result(
        scenario=scenario,
        area_name=area.name,
        synthetic=area.synthetic,
        packages=packages,
        providers=area.providers,
        zones=zones,
        instance=instance,
        solution=solution,
        reasons=reasons,
        rural=rural,
        figures=figures,
        greedy_same=greedy_same,
        greedy_travel_min_per_carer_hour=_ratio(greedy_figures, "travel_min_per_carer_hour"),
        baseline=baseline,
        costs=costs,
        rounds=rounds,
        missed_calls=missed_calls,
        meta=meta,
        area_facts=area_facts(area, zones) if views else None,
        views=views,
    )
    warnings = _run_warnings(area, instance, base_instance)
    if warnings:
        result = dataclasses.replace(
            result,
            summary={**result.summary, "warnings": list(warnings)},
            meta={**result.meta, "warnings": list(warnings)},
        )
    progress(1.0, "done")
    return result


def add_views(
    area: AreaData, scenario: Scenario, zone_table: pd.DataFrame, result: ScenarioResult
) -> ScenarioResult:
    """``result`` (of ``scenario`` on ``zone_table``, run with ``views`` False) with its equity
    and market views: the same tables a run with ``views`` True gives."""
    _, zones = rezoned(area, zone_table)
    return report.with_views(result, area_facts(area, zones), scenario)


def _run_warnings(
    area: AreaData, instance: AssignmentInstance, base_instance: AssignmentInstance
) -> tuple[str, ...]:
    """What the run reports without stopping: the area's load warnings, then each provider
    whose current clients exceed its capacity, in the scenario and in the baseline (which
    keeps continuity even when the scenario releases it)."""
    out = list(area.warnings)
    out += [ex.sentence() for ex in instance.capacity_excess]
    scenario_excess = set(instance.capacity_excess)
    out += [
        f"baseline (today's practice): {ex.sentence()}"
        for ex in base_instance.capacity_excess
        if ex not in scenario_excess
    ]
    return tuple(out)


def _instance(
    area: AreaData, packages: Sequence[Package], zones: Sequence[Zone], scenario: Scenario
) -> AssignmentInstance:
    return build_instance(
        packages,
        area.providers,
        {z.zone_id: z for z in zones},
        scenario,
        area.office_min,
        area.office_km,
        area.home_min,
        area.home_km,
        travel_params=area.estimate_params,
    )


def _travel_figures(
    area: AreaData,
    packages: Sequence[Package],
    instance: AssignmentInstance,
    solution: AssignmentSolution,
    scenario: Scenario,
    rounds_options: Mapping[str, Any] | None,
    progress: Progress,
    runner: Runner | None = None,
    label: str = "rounds",
) -> tuple[TravelFigures, pd.DataFrame, pd.DataFrame]:
    """Travel of the chosen assignment (fast estimate or full carer rounds), the rounds table
    and the calls the rounds could not fit (empty for the estimate)."""
    if scenario.travel_method != "rounds":
        return estimate_travel(instance, solution.provider_of), pd.DataFrame(), pd.DataFrame()
    options = RoundsOptions.from_dict(dict(rounds_options or {}))
    outcome = plan_rounds(
        instance,
        solution.provider_of,
        packages,
        area.providers,
        area.office_min,
        area.office_km,
        area.home_min,
        area.home_km,
        options,
        progress=counted_progress(progress, what=label, unit="provider-days", start=0.8, span=0.15),
        runner=runner,
        home_blocks=area.home_blocks,
    )
    return outcome.figures, outcome.rounds, outcome.missed


def _ratio(figures: TravelFigures, key: str) -> float:
    """A per-carer-hour travel figure of the whole assignment (0 when there is none)."""
    value = float(figures.total.get(key, np.nan))
    return 0.0 if not np.isfinite(value) else value


def _meta(
    area: AreaData,
    scenario: Scenario,
    zone_table: pd.DataFrame,
    rounds_options: Mapping[str, Any] | None,
    config_files: Mapping[str, Path] | None,
    *,
    wall_s: float,
) -> dict[str, Any]:
    """Provenance: versions, a digest per input and one over them all, timing (the report adds
    the scenario's parameters)."""
    digests = provenance.run_digests(
        area.input_digests,
        zone_table=zone_table,
        scenario=scenario,
        rounds_options=rounds_options or {},
        config_files=config_files or {},
    )
    return {
        "versions": provenance.versions(),
        "area_digest": area.digest,
        "zone_table_digest": digests["zones"],
        "input_digest": provenance.combined_digest(digests),
        "input_digests": digests,
        "wall_s": round(wall_s, 3),
        "data_attribution": area.attribution,
    }


# ---------------------------------------------------------------------- configs and demo


def run_config(
    path: Path, *, progress: Progress | None = None, runner: Runner | None = None
) -> ScenarioResult:
    """Run one scenario config end to end (``homecare run``); ``runner`` solves the carer
    rounds' provider-days (inline by default)."""
    progress = progress or no_progress
    cfg = cfgmod.load_scenario(Path(path))
    area = area_for_config(cfg, progress=progress)
    return run_scenario(
        area,
        cfg.scenario,
        rounds_options=cfg.rounds,
        config_files=cfgmod.config_files(cfg),
        progress=progress,
        runner=runner,
    )


def run_demo(
    out: Path, *, seed: int | None = None, progress: Progress | None = None
) -> dict[str, ScenarioResult]:
    """``homecare demo``: spot and zoned on the demo area, one result folder each.

    ``out`` (a folder of result folders) and its ``spot``/``zoned`` folders are checked before
    any work: ``OutputError`` if writing them would replace anything not written by this tool.
    """
    progress = progress or no_progress
    results: dict[str, ScenarioResult] = {}
    configs = {
        name: cfgmod.load_scenario(cfgmod.CONFIG_DIR / f"demo_{name}.toml")
        for name in ("spot", "zoned")
    }
    check_demo_out(out)
    first = next(iter(configs.values()))
    area = area_for_config(
        dataclasses.replace(first, seed=seed) if seed is not None else first, progress=progress
    )
    for name, cfg in configs.items():
        progress(0.0, f"scenario {name}")
        results[name] = run_scenario(
            area,
            cfg.scenario,
            rounds_options=cfg.rounds,
            config_files=cfgmod.config_files(cfg),
            progress=progress,
        )
        report.write_result(results[name], Path(out) / name)
    return results


def check_demo_out(out: Path) -> None:
    """``OutputError`` unless ``homecare demo --out`` may write ``out/spot`` and ``out/zoned``."""
    result_folder.check_parent_dir(Path(out))
    for name in ("spot", "zoned"):
        report.check_result_dir(Path(out) / name)


def compare_folders(dirs: Sequence[Path]) -> pd.DataFrame:
    """Comparison of result folders written earlier (``homecare compare``): every folder gets a
    column (two folders of one name are told apart by their parent folder), each beside its own
    baseline."""
    if len(dirs) < 2:
        raise InputError("compare needs at least two result folders", source="compare")
    labels = folder_labels(dirs)
    return compare_with_baselines(
        {label: report.read_summary(Path(d)) for label, d in zip(labels, dirs, strict=True)}
    )
