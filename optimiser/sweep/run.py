"""Running a sweep: each variant one task on the parallel seam, rows streamed to Parquet parts.

The area of each group of variants that share their inputs is loaded once here and shipped to
every worker once (``Runner.share``); a task gets the area's handle, its scenario, its zone
table and its rounds options (plain data) and returns one row of figures. A task is keyed by a
hash of what it computes from (the resolved scenario, the rounds options, the content of the
area and of the zone table, the versions of this project and OR-Tools), so a rerun skips every
task whose part is on disk, and a changed input runs again under a new key.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import importlib.metadata as md
import json
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import networkx as nx
import numpy as np
import pandas as pd

from optimiser import service
from optimiser.data import tables
from optimiser.data.domain import Scenario
from optimiser.parallel import Runner, Task
from optimiser.result import SUMMARY_KEYS
from optimiser.sweep.report import summary_table, write_charts
from optimiser.sweep.spec import SweepSpec
from optimiser.sweep.store import PartStore

__all__ = [
    "PlannedTask",
    "SweepProgress",
    "SweepRun",
    "code_versions",
    "input_digest",
    "plan_tasks",
    "run_planned",
    "run_sweep",
    "scenario_row",
    "write_results",
]

#: Summary keys that are not figures of the run (its labels).
_LABELS = ("scenario", "area")
#: Inputs of a config that change the area (everything but the zone table, read per task).
_AREA_INPUTS = (
    "demo",
    "seed",
    "demo_scale",
    "network",
    "network_settings",
    "demand",
    "packages",
    "providers",
    "postcode_lookup",
    "areas",
    "area_code_field",
)


@dataclass(frozen=True)
class PlannedTask:
    """One task of a sweep: its key, its parameters (the row's labels) and the work itself."""

    key: str
    variant: int
    params: Mapping[str, Any]
    task: Task


@dataclass(frozen=True)
class SweepRun:
    """What a sweep run did: tasks computed now, skipped as done, failed; the combined table."""

    total: int
    computed: int
    skipped: int
    failed: int
    table: pd.DataFrame
    wall_s: float


# ------------------------------------------------------------------------------- the task


def scenario_row(
    area: service.AreaData,
    scenario: Scenario,
    zone_table: pd.DataFrame | None,
    rounds_options: Mapping[str, Any],
) -> dict[str, Any]:
    """The task of one variant: run the scenario on the area, return its figures as one row.

    Keys are the summary's headline figures (``optimiser.result.SUMMARY_KEYS``), the
    baseline's as ``baseline_<key>``, and ``zone_count`` (zones in the table used).
    """
    result = service.run_scenario(
        area, scenario, zone_table=zone_table, rounds_options=rounds_options
    )
    s = result.summary
    row: dict[str, Any] = {k: s[k] for k in SUMMARY_KEYS if k in s and k not in _LABELS}
    for key, value in dict(s.get("baseline", {})).items():
        if key != "name":
            row[f"baseline_{key}"] = value
    greedy = dict(s.get("optimiser_vs_greedy_same_rules", {}))
    row.update({f"same_rules_{k}": v for k, v in greedy.items()})
    table = area.zone_table if zone_table is None else zone_table
    row["zone_count"] = int(table["zone_id"].nunique())
    row["solver_wall_s"] = dict(s.get("solver", {})).get("wall_s")
    return row


# ------------------------------------------------------------------------------ planning


def _canonical(value: Any) -> Any:
    """A value as plain JSON, the same in every process (sets sorted, enums by value)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(_canonical(k)): _canonical(v) for k, v in sorted(value.items(), key=str)}
    if isinstance(value, set | frozenset):
        return sorted((_canonical(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, np.ndarray):
        return hashlib.sha256(np.ascontiguousarray(value).tobytes()).hexdigest()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return value.as_posix()
    return value


def input_digest(value: Any) -> str:
    """SHA-256 of a value's canonical JSON: the same inputs give the same key in any process."""
    text = json.dumps(_canonical(value), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _area_digest(area: service.AreaData) -> str:
    """The content of an area as the tasks see it (records, travel matrices, zones)."""
    return input_digest(
        {
            "name": area.name,
            "packages": area.packages,
            "providers": area.providers,
            "zone_table": area.zone_table.to_csv(index=False),
            "travel": [area.office_min, area.office_km, area.home_min, area.home_km],
            "estimate": area.estimate_params,
        }
    )


def code_versions() -> dict[str, str]:
    """The versions of this project and OR-Tools, part of every task's key."""
    out = {}
    for pkg in ("homecare-zones", "ortools"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _shippable(area: service.AreaData) -> service.AreaData:
    """The area without its road graph: a scenario runs on the travel matrices alone, so the
    graph (the largest part) is not shipped to the workers."""
    return dataclasses.replace(area, graph=nx.MultiDiGraph())


def _capped(scenario: Scenario, cpus: int) -> Scenario:
    """CP-SAT's workers capped to the CPUs one task may use (one when tasks run side by side)."""
    if scenario.solver.workers <= cpus:
        return scenario
    return dataclasses.replace(
        scenario, solver=dataclasses.replace(scenario.solver, workers=max(cpus, 1))
    )


def plan_tasks(
    spec: SweepSpec,
    runner: Runner,
    *,
    progress: Callable[[float, str], None] | None = None,
    area_cache: dict[str, service.AreaData] | None = None,
) -> list[PlannedTask]:
    """Load each distinct area once, ship it with ``runner.share``, and key every variant.

    Variants whose resolved inputs are identical give one task (the first variant's index).
    ``area_cache`` (in memory, keyed by the area's inputs) lets repeated runs of one sweep in a
    process (tests, benchmarks) load each area once.
    """
    say = progress or (lambda _f, _m: None)
    cache = area_cache if area_cache is not None else {}
    areas: dict[str, tuple[Any, str, service.AreaData]] = {}
    zone_tables: dict[Path, pd.DataFrame] = {}
    planned: dict[str, PlannedTask] = {}
    versions = code_versions()
    for variant in spec.variants:
        cfg = variant.config
        group = input_digest({k: getattr(cfg, k) for k in _AREA_INPUTS})
        if group not in areas:
            if group not in cache:
                say(0.0, f"loading the area of variant {variant.index} ({cfg.area or 'area'})")
                cache[group] = service.area_for_config(cfg)
            area = cache[group]
            areas[group] = (runner.share(_shippable(area)), _area_digest(area), area)
        handle, area_digest, area = areas[group]
        zone_table = None
        if cfg.zones is not None and Path(cfg.zones).suffix.lower() == ".csv":
            if cfg.zones not in zone_tables:
                zone_tables[cfg.zones] = tables.read_zone_table(cfg.zones)
            zone_table = zone_tables[cfg.zones]
        scenario = _capped(cfg.scenario, runner.cpus_per_task)
        rounds = dict(cfg.rounds)
        key = input_digest(
            {
                "scenario": scenario,
                "rounds": rounds,
                "area": area_digest,
                "zone_table": None if zone_table is None else zone_table.to_csv(index=False),
                "versions": versions,
            }
        )[:24]
        if key in planned:
            continue
        params = {k: variant.overrides.get(k) for k in spec.parameters}
        planned[key] = PlannedTask(
            key=key,
            variant=variant.index,
            params=params,
            task=Task(key, scenario_row, (handle, scenario, zone_table, rounds)),
        )
    return list(planned.values())


# ------------------------------------------------------------------------------- running


class SweepProgress:
    """A plain-text progress bar on a stream: done/total, failed, elapsed and ETA."""

    def __init__(self, total: int, skipped: int, *, stream: TextIO | None = None) -> None:
        self.total = total
        self.skipped = skipped
        self.done = 0
        self.failed = 0
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()

    def line(self) -> str:
        """The current state as one line (ETA from the mean time per task computed so far)."""
        elapsed = time.perf_counter() - self.start
        todo = self.total - self.skipped
        left = todo - self.done
        eta = f"{elapsed / self.done * left:6.1f}s" if self.done else "     ?"
        width = 24
        filled = round(width * (self.skipped + self.done) / max(self.total, 1))
        return (
            f"[{'#' * filled}{'.' * (width - filled)}] {self.skipped + self.done}/{self.total} "
            f"({self.skipped} skipped, {self.failed} failed) elapsed {elapsed:6.1f}s ETA {eta}"
        )

    def step(self, ok: bool) -> None:
        """Count one finished task and print the bar."""
        self.done += 1
        self.failed += not ok
        print(self.line(), file=self.stream, flush=True)


def run_planned(
    planned: Sequence[PlannedTask],
    runner: Runner,
    out_dir: str | Path,
    *,
    stream: TextIO | None = None,
    quiet: bool = False,
) -> SweepRun:
    """Run the tasks not done yet, writing each row as its part as it finishes; combine.

    A task whose part records "ok" is skipped; a failed one runs again (its failure may have
    been a lost worker). A task that fails is written with its message and the others go on.
    """
    start = time.perf_counter()
    store = PartStore(out_dir)
    recorded = store.status_of()
    todo = [p for p in planned if recorded.get(p.key) != "ok"]
    by_key = {p.key: p for p in todo}
    bar = SweepProgress(len(planned), len(planned) - len(todo), stream=stream)
    if not quiet:
        print(bar.line(), file=bar.stream, flush=True)
    failed = 0
    for outcome in _outcomes(runner, todo):
        p = by_key[outcome.key]
        row: dict[str, Any] = {
            "task_key": p.key,
            "variant": p.variant,
            **p.params,
            "status": "ok" if outcome.ok else "failed",
            "error": outcome.error or "",
            "wall_s": round(outcome.wall_s, 3),
            **(outcome.value or {}),
        }
        store.write(row)
        failed += not outcome.ok
        if quiet:
            bar.done += 1
        else:
            bar.step(outcome.ok)
    wanted = {p.key for p in planned}
    table = store.combine()
    if not table.empty:
        table = table[table["task_key"].isin(wanted)].reset_index(drop=True)
    return SweepRun(
        total=len(planned),
        computed=len(todo),
        skipped=len(planned) - len(todo),
        failed=failed,
        table=table,
        wall_s=time.perf_counter() - start,
    )


def _outcomes(runner: Runner, todo: Sequence[PlannedTask]) -> Iterator[Any]:
    if todo:
        yield from runner.run([p.task for p in todo])


def write_results(table: pd.DataFrame, out_dir: str | Path) -> Path:
    """The combined table as ``results.parquet`` (mixed-type label columns stored as text)."""
    table = table.copy()
    for col in table.columns:
        if table[col].dtype == object:
            kinds = {type(v) for v in table[col] if v is not None and v == v}
            if len(kinds) > 1:
                table[col] = table[col].map(lambda v: None if v is None else str(v))
    path = Path(out_dir) / "results.parquet"
    tmp = path.with_suffix(".parquet.tmp")
    table.to_parquet(tmp, index=False)
    tmp.replace(path)
    return path


def run_sweep(
    spec: SweepSpec,
    runner: Runner,
    out_dir: str | Path,
    *,
    stream: TextIO | None = None,
    quiet: bool = False,
    area_cache: dict[str, service.AreaData] | None = None,
) -> SweepRun:
    """A whole sweep: plan, run what is not done, then ``results.parquet``, ``summary.csv``
    and the charts in ``out_dir`` (``charts/*.png``)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stream = stream if stream is not None else sys.stderr

    def say(_fraction: float, message: str) -> None:
        if not quiet:
            print(message, file=stream, flush=True)

    planned = plan_tasks(spec, runner, progress=say, area_cache=area_cache)
    run = run_planned(planned, runner, out_dir, stream=stream, quiet=quiet)
    if not run.table.empty:
        write_results(run.table, out_dir)
        summary_table(run.table, spec.parameters).to_csv(out_dir / "summary.csv", index=False)
        write_charts(run.table, spec.parameters, out_dir / "charts")
    return run
