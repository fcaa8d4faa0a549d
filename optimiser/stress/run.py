"""Running a stress test: each demand draw and each shock one task on the parallel seam.

The area is loaded once here and shipped to every worker once (``Runner.share``), with what a
worker needs to draw demand again. A task gets that handle, one case (a draw, or a shock on
draw 0) and the options (plain data: scenarios and zone tables); it builds the case's area,
applies the shock to each option's records and runs every option through
``service.run_scenario``, returning one row per option. Every random draw is seeded from the
stress seed, the draw and the shock, so a rerun gives the same figures whatever runs it.
"""

from __future__ import annotations

import dataclasses
import difflib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from optimiser import service
from optimiser.data.config import ScenarioConfig
from optimiser.data.domain import Scenario
from optimiser.data.stress_options import (
    EACH_PROVIDER,
    LARGEST_RURAL_LEAD,
    ProviderExit,
    Shock,
    StressSettings,
)
from optimiser.errors import InputError, Problem
from optimiser.models.mip_stage import MipMemo
from optimiser.parallel import InlineRunner, Runner, Task
from optimiser.stress.draws import (
    DemoDraws,
    bootstrap_records,
    demo_draw_area,
    records_of,
    with_records,
)
from optimiser.stress.handback import hand_back
from optimiser.stress.measures import MEASURES, percentile_table, regret_summary, regret_table
from optimiser.stress.options import Option, build_options
from optimiser.stress.shocks import apply_shock, largest_rural_lead

__all__ = [
    "NO_SHOCK",
    "StressCase",
    "StressRun",
    "StressSource",
    "recovery_table",
    "resolve_shocks",
    "run_stress",
    "stress_config",
    "stress_rows",
]

#: The shock label of the demand draws (no shock).
NO_SHOCK = "none"
#: Summary figures kept in each row besides ``MEASURES``.
_FIGURES = (
    "demand_hours",
    "placed_hours",
    "unmet_packages",
    "miles_per_carer_hour",
    "weekly_cost_gbp",
    "continuity_breaks",
    "solver_status",
    "wall_cap_hit",
)


@dataclass(frozen=True, eq=False)
class StressSource:
    """What every task shares: the area (without its road graph), the demo's draw inputs
    (None for a council's own data: draws are a bootstrap) and each small area's share of
    residents aged 65+ (for a demand rise by 65+ share)."""

    area: service.AreaData
    demo: DemoDraws | None
    share_65plus: Mapping[str, float]


@dataclass(frozen=True)
class StressCase:
    """One task: demand draw ``draw`` (0: the area itself) under ``shock`` (None: no shock);
    ``shock_index`` (0 for none) seeds the shock's own random draws."""

    draw: int
    shock: Shock | None = None
    shock_index: int = 0

    @property
    def label(self) -> str:
        """The shock's name (``NO_SHOCK`` for a plain draw)."""
        return NO_SHOCK if self.shock is None else self.shock.label


@dataclass(frozen=True)
class StressRun:
    """What a stress test gave.

    ``table``: one row per case and option (``shock``, ``draw``, ``option``, ``status``,
    ``error``, the ``MEASURES`` and recovery columns; hours weekly [h], money [GBP]);
    ``percentiles``: P10/P50/P90 over the draws per option and measure; ``regret`` and
    ``regret_summary``: how far each option is from the best in each draw; ``recovery``: per
    shock and option, on draw 0, the hours left unmet and the packages that change provider.
    """

    table: pd.DataFrame
    percentiles: pd.DataFrame
    regret: pd.DataFrame
    regret_summary: pd.DataFrame
    recovery: pd.DataFrame
    settings: StressSettings
    seed: int
    options: tuple[str, ...]
    shocks: tuple[str, ...]
    tasks: int
    failed: int
    wall_s: float


# ------------------------------------------------------------------------------- the task


def _draw_area(source: StressSource, draw: int, seed: int) -> service.AreaData:
    if draw == 0:
        return source.area
    if source.demo is not None:
        return demo_draw_area(source.area, source.demo, seed + draw)
    rng = np.random.default_rng([seed, draw])
    return with_records(source.area, bootstrap_records(records_of(source.area), rng))


def _row(result: Any, displaced: frozenset[str], added: frozenset[str]) -> dict[str, Any]:
    s = result.summary
    row: dict[str, Any] = {m: s.get(m) for m in (*MEASURES, *_FIGURES)}
    lost = dict(s.get("current_clients_without_care", {}))
    row["current_clients_without_care"] = lost.get("people", 0)
    a = result.assignments
    unmet = a.set_index("package_id")["unmet"].astype(bool)
    hours = a.set_index("package_id")["weekly_hours"].astype(float)
    gone = sorted(displaced & set(unmet.index))
    row["displaced_packages"] = len(displaced)
    row["displaced_hours"] = float(hours[gone].sum()) if gone else 0.0
    row["displaced_unmet_hours"] = float(hours[gone][unmet[gone]].sum()) if gone else 0.0
    row["added_packages"] = len(added)
    row["added_hours"] = float(hours[sorted(added & set(hours.index))].sum()) if added else 0.0
    # every package of an exited provider must change; others change by the option's rules
    row["packages_changing_provider"] = len(displaced) + int(s.get("continuity_breaks", 0))
    return row


def stress_rows(
    source: StressSource,
    case: StressCase,
    options: Sequence[Option],
    seed: int,
    *,
    share_mip: bool = True,
) -> list[dict[str, Any]]:
    """The task of one case: its area, the shock on each option's records, every option run.

    Returns one row per option (``option``, the measures, recovery counts); an option that
    fails gives a row with ``status`` "failed" and its message, and the others go on. With
    ``share_mip`` the options share one ``MipMemo``: a stage MIP they have in common (the
    zoned options' unmet stage) is solved once, with the same figures as solving it each time.
    """
    area = _draw_area(source, case.draw, seed)
    memo = MipMemo() if share_mip else None
    rows = []
    for option in options:
        base = dataclasses.replace(records_of(area), zone_table=option.zone_table)
        # the same random draw of the shock for every option: compare like with like
        rng = np.random.default_rng([seed, case.draw, case.shock_index])
        row: dict[str, Any] = {"shock": case.label, "draw": case.draw, "option": option.name}
        start, cpu = time.perf_counter(), time.process_time()
        try:
            shocked = apply_shock(base, case.shock, rng, share_65plus=source.share_65plus)
            # providers hand back what no longer fits them (after a shortage, slower roads)
            shocked = hand_back(shocked, option.scenario, area.estimate_params)
            result = service.run_scenario(
                with_records(area, shocked), option.scenario, mip_memo=memo, views=False
            )
            row.update(status="ok", error="", **_row(result, shocked.displaced, shocked.added))
        except Exception as exc:  # one failed option must not lose the others
            row.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        row["wall_s"] = round(time.perf_counter() - start, 3)
        row["cpu_s"] = round(time.process_time() - cpu, 3)  # this process's CPU: one core
        rows.append(row)
    return rows


# ------------------------------------------------------------------------------ planning


def resolve_shocks(settings: StressSettings, area: service.AreaData) -> tuple[Shock, ...]:
    """The settings' shocks against the area: provider exits by id (``each``: every provider
    in turn; ``largest_rural_lead``: see ``shocks.largest_rural_lead``), then the others.
    Raises ``InputError`` naming an unknown provider or area, with the closest known id."""
    ids = [p.provider_id for p in area.providers]
    codes = sorted(area.zone_table["area_code"].astype(str))
    problems: list[Problem] = []

    def check(value: str, known: Sequence[str], key: str, what: str) -> bool:
        if value in known:
            return True
        same_case = [k for k in known if k.lower() == value.lower()]
        hit = same_case or difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{hit[0]}'?)" if hit else ""
        problems.append(Problem("[stress]", None, key, f"unknown {what} {value!r}{hint}"))
        return False

    exits: list[str] = []
    for name in settings.exit_providers:
        if name == EACH_PROVIDER:
            exits += ids
        elif name == LARGEST_RURAL_LEAD:
            lead = largest_rural_lead(area.packages, area.providers, area.zone_table)
            if lead is None:
                problems.append(
                    Problem(
                        "[stress]",
                        None,
                        "stress.provider_exit.providers",
                        "no rural zone has a lead provider",
                    )
                )
            else:
                exits.append(lead)
        elif check(name, ids, "stress.provider_exit.providers", "provider"):
            exits.append(name)
    rise, short = settings.demand_rise, settings.workforce_shortage
    for code in rise.area_codes if rise else ():
        check(code, codes, "stress.demand_rise.areas", "small area")
    for pid in short.provider_ids if short else ():
        check(pid, ids, "stress.workforce_shortage.providers", "provider")
    if problems:
        raise InputError(problems)
    unique = list(dict.fromkeys(exits))
    return (*(ProviderExit(p) for p in unique), *settings.fixed_shocks())


def _share_65plus(area: service.AreaData) -> dict[str, float]:
    """Each small area's share of residents aged 65+ (empty when the areas lack the counts)."""
    a = area.areas
    if not {"pop_65plus", "residents", "area_code"} <= set(a.columns):
        return {}
    residents = pd.to_numeric(a["residents"], errors="coerce").to_numpy(float)
    old = pd.to_numeric(a["pop_65plus"], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = old / residents
    return {str(c): float(s) for c, s in zip(a["area_code"], share, strict=True) if np.isfinite(s)}


def _demo_draws(cfg: ScenarioConfig, area: service.AreaData) -> DemoDraws:
    from optimiser.demo.inputs import load_demo_inputs
    from optimiser.demo.params import DEFAULT_CONFIG, DemandParams

    params = DemandParams.from_toml(cfg.demand or DEFAULT_CONFIG)
    return DemoDraws(load_demo_inputs(None, params), params, area.graph)


def recovery_table(table: pd.DataFrame) -> pd.DataFrame:
    """Per shock and option on draw 0: hours left unmet, the rise over no shock, and the
    packages that change provider (those of an exited provider plus the option's moves)."""
    base = table[(table["draw"] == 0)].copy()
    if base.empty:
        return base
    calm = base[base["shock"] == NO_SHOCK].set_index("option")
    cols = [
        "shock",
        "option",
        "status",
        "unmet_hours",
        "extra_unmet_hours",
        "unmet_hours_hospital_discharge",
        "displaced_packages",
        "displaced_unmet_hours",
        "added_packages",
        "continuity_breaks",
        "packages_changing_provider",
        "current_clients_without_care",
    ]
    if "unmet_hours" in base:
        before = base["option"].map(calm["unmet_hours"]) if not calm.empty else np.nan
        base["extra_unmet_hours"] = pd.to_numeric(base["unmet_hours"], errors="coerce") - before
    return base[[c for c in cols if c in base.columns]].reset_index(drop=True)


def stress_config(scenario: Scenario, area: service.AreaData) -> ScenarioConfig:
    """A config to stress-test ``scenario`` on an area already loaded (the web app): the demo
    area (it has a generator seed) draws demand with the generator, an own area bootstraps."""
    return ScenarioConfig(
        scenario=scenario,
        seed=area.seed if area.seed is not None else 0,
        demo=area.seed is not None,
        demo_scale=area.scale,
    )


def run_stress(
    cfg: ScenarioConfig,
    runner: Runner | None = None,
    *,
    draws: int | None = None,
    settings: StressSettings | None = None,
    area: service.AreaData | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> StressRun:
    """A whole stress test of ``cfg``: ``draws`` demand draws (default ``[stress] draws``) of
    every option, and every shock of ``settings`` (default the config's ``[stress]``) on draw
    0; ``area`` skips loading the config's area (tests, the web app); ``runner`` defaults to
    running inline."""
    say = progress or (lambda _f, _m: None)
    runner = runner or InlineRunner()
    start = time.perf_counter()
    settings = settings or StressSettings.from_dict(cfg.stress)
    n_draws = draws if draws is not None else settings.draws
    if n_draws < 1:
        raise InputError("draws must be at least 1", source="stress")
    if area is None:
        say(0.0, "loading the area")
        area = service.area_for_config(cfg)
    seed = settings.seed if settings.seed is not None else cfg.seed
    shocks = resolve_shocks(settings, area)
    options = build_options(
        cfg.scenario, area.zone_table, area.packages, area.providers, area.office_min, settings
    )
    demo = _demo_draws(cfg, area) if cfg.demo and n_draws > 1 else None
    source = StressSource(
        dataclasses.replace(area, graph=nx.MultiDiGraph()), demo, _share_65plus(area)
    )
    handle = runner.share(source)
    cases = [StressCase(d) for d in range(n_draws)]
    cases += [StressCase(0, s, j + 1) for j, s in enumerate(shocks)]
    tasks = [Task(f"case{k}", stress_rows, (handle, c, options, seed)) for k, c in enumerate(cases)]
    rows: dict[int, list[dict[str, Any]]] = {}
    say(0.0, f"{len(tasks)} cases x {len(options)} options on {runner.slots} slot(s)")
    for outcome in runner.run(tasks):
        k = int(outcome.key.removeprefix("case"))
        if outcome.ok:
            rows[k] = outcome.value
        else:
            c = cases[k]
            rows[k] = [
                {
                    "shock": c.label,
                    "draw": c.draw,
                    "option": o.name,
                    "status": "failed",
                    "error": outcome.error,
                }
                for o in options
            ]
        say(
            len(rows) / len(tasks),
            f"case {len(rows)}/{len(tasks)}: {cases[k].label}, draw {cases[k].draw}",
        )
    table = pd.DataFrame([r for k in sorted(rows) for r in rows[k]])
    draws_only = table[table["shock"] == NO_SHOCK]
    regret = regret_table(draws_only)
    return StressRun(
        table=table,
        percentiles=percentile_table(draws_only),
        regret=regret,
        regret_summary=regret_summary(regret),
        recovery=recovery_table(table),
        settings=settings,
        seed=seed,
        options=tuple(o.name for o in options),
        shocks=(NO_SHOCK, *(s.label for s in shocks)),
        tasks=len(tasks),
        failed=int((table["status"] != "ok").sum()),
        wall_s=time.perf_counter() - start,
    )
