"""A zone edit re-evaluated incrementally: only packages of the zones it touches are re-solved.

Moving a small area from one zone to another changes the rules of the packages in those two
zones only (which providers may serve them, at what price); every other package keeps the
provider the previous result gave it. The touched packages are solved again as a smaller
assignment, with each provider's capacity less what the kept packages already use (carer time
plus their estimated travel, which an edit elsewhere does not change), under the scenario's
own solver settings (the web app's fixed deterministic budget with one worker, so the same
edit always gives the same figures). The merged assignment then goes through the same check,
baselines, travel, costing and report as a full run (``scenarios.evaluate_solution``).

The touched packages' solve starts from the previous result (``previous_hint``: each keeps
its provider where that is still allowed), so an edit that changes little shows little
change, not the distance between two short solves from scratch; and it leaves out HiGHS's
stage MIP, whose root work the budget does not bound (``solve_assignment``'s ``mip``). Both
keep the solve deterministic: the same edit from the same result gives the same figures.
An edit that touches every package is solved as a full run is (greedy start, the stage MIP),
so it gives the full run's figures.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from optimiser.data.domain import Package, Scenario
from optimiser.models.assign import solve_assignment
from optimiser.models.instance import AssignmentInstance, build_instance
from optimiser.models.solution import AssignmentSolution
from optimiser.models.travel_formula import nearest_leg
from optimiser.models.validate import check_assignment, objective_values
from optimiser.result import ScenarioResult
from optimiser.service.areas import AreaData
from optimiser.service.progress import Progress, no_progress
from optimiser.service.scenarios import _instance, evaluate_solution
from optimiser.service.zones import rezoned

#: The zone table columns whose change alters a package's rules.
_RULE_COLUMNS = ("zone_id", "kind", "lead_providers", "rate_uplift_pct")


def touched_zones(before: pd.DataFrame, after: pd.DataFrame) -> frozenset[str]:
    """Zones an edit touches: the old and the new zone of every small area whose zone, kind,
    leads or uplift differ between the two tables (an area in only one table counts too)."""

    def rows(table: pd.DataFrame) -> dict[str, tuple[str, ...]]:
        cols = [c for c in _RULE_COLUMNS if c in table.columns]
        keyed = table.astype({c: str for c in cols})
        return {
            str(code): tuple(rec)
            for code, rec in zip(
                keyed["area_code"].astype(str),
                keyed[cols].itertuples(index=False, name=None),
                strict=True,
            )
        }

    old, new = rows(before), rows(after)
    touched: set[str] = set()
    for code in old.keys() | new.keys():
        if old.get(code) != new.get(code):
            touched.update(rec[0] for rec in (old.get(code), new.get(code)) if rec is not None)
    return frozenset(touched)


def _previous(
    previous: ScenarioResult, packages: Sequence[Package], provider_ids: Sequence[str]
) -> tuple[np.ndarray, list[str | None]]:
    """Provider index (-1 unmet) and zone of every package in the previous result's table."""
    table = previous.assignments
    index = {pid: k for k, pid in enumerate(provider_ids)}
    by_pkg = {
        str(pkg): (prov, zone)
        for pkg, prov, zone in zip(
            table["package_id"], table["provider_id"], table["zone_id"], strict=True
        )
    }
    prev = np.full(len(packages), -1, dtype=np.int64)
    zones: list[str | None] = []
    for i, p in enumerate(packages):
        prov, zone = by_pkg.get(p.package_id, (None, None))
        prev[i] = index.get(str(prov), -1) if isinstance(prov, str) and prov else -1
        zones.append(None if zone is None or pd.isna(zone) else str(zone))
    return prev, zones


def previous_hint(instance: AssignmentInstance, provider_of: np.ndarray) -> np.ndarray | None:
    """A start for the re-solved packages from their previous providers (``provider_of``,
    provider index per package of ``instance``, -1 unmet): a package whose provider is no
    longer one of its candidates (moved out of that provider's zone) starts unmet; a provider
    the start overfills (its capacity left is whole minutes) sheds its last packages that may
    move until it fits. ``None`` if the start still breaks a rule (the solve then starts from
    greedy brokerage, as a full run does)."""
    hint = np.asarray(provider_of, dtype=np.int64).copy()
    pair = instance.pair_index(hint)
    hint[pair < 0] = -1
    load = np.where(pair >= 0, instance.pair_load_min[np.maximum(pair, 0)], 0)
    used = np.bincount(hint[hint >= 0], weights=load[hint >= 0], minlength=instance.n_providers)
    for k in np.flatnonzero(used > instance.capacity_min).tolist():
        for i in np.flatnonzero((hint == k) & ~instance.fixed)[::-1].tolist():
            if used[k] <= instance.capacity_min[k]:
                break
            hint[i] = -1
            used[k] -= load[i]
    return None if check_assignment(instance, hint) else hint


def run_zone_edit(
    area: AreaData,
    scenario: Scenario,
    previous: ScenarioResult,
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    rounds_options: Mapping[str, Any] | None = None,
    config_files: Mapping[str, Path] | None = None,
    progress: Progress | None = None,
    views: bool = True,
) -> ScenarioResult:
    """The result of ``scenario`` on zone table ``after``, given ``previous`` (its result on
    ``before``): packages outside the touched zones keep their providers, the rest are solved
    again (module docstring). ``solution.method`` says how many were re-solved. ``views``
    False leaves the equity and market views out (``scenarios.add_views`` adds them later,
    the same tables)."""
    progress = progress or no_progress
    start = time.perf_counter()
    packages, zones = rezoned(area, after)
    instance = _instance(area, packages, zones, scenario)
    touched = touched_zones(before, after)
    prev, old_zone = _previous(previous, packages, instance.provider_ids)
    n = len(packages)
    redo = np.array(
        [packages[i].zone_id in touched or old_zone[i] in touched for i in range(n)], dtype=bool
    )
    # Capacity the kept packages use, from their (unchanged) pair in the new instance; a kept
    # package whose pair is gone (cannot happen outside the touched zones) is re-solved too.
    pair_of = {
        (int(i), int(k)): m
        for m, (i, k) in enumerate(zip(instance.pair_pkg, instance.pair_prov, strict=True))
    }
    used = np.zeros(instance.n_providers)
    load = instance.pair_load_min
    for i in np.flatnonzero(~redo & (prev >= 0)).tolist():
        m = pair_of.get((i, int(prev[i])))
        if m is None:
            redo[i] = True
        else:
            used[prev[i]] += load[m]
    sub = np.flatnonzero(redo)
    progress(0.2, f"re-solving {len(sub)} of {n} packages (zones {', '.join(sorted(touched))})")
    merged = prev.copy()
    merged[~redo & (prev < 0)] = -1
    if len(sub):
        left_h = np.maximum(instance.capacity_min - used, 0.0) / 60.0
        providers = [
            dataclasses.replace(pr, capacity_hours=float(h))
            for pr, h in zip(area.providers, left_h, strict=True)
        ]
        near_min = nearest_leg(area.home_min, n)[sub]
        near_km = nearest_leg(area.home_km, n)[sub]
        sub_inst = build_instance(
            [packages[i] for i in sub.tolist()],
            providers,
            {z.zone_id: z for z in zones},
            scenario,
            area.office_min[:, sub],
            area.office_km[:, sub],
            near_min,
            near_km,
            travel_params=area.estimate_params,
            max_candidates=instance.max_candidates,
        )
        if len(sub) < n:  # from the previous assignment, without the stage MIP
            part = solve_assignment(
                sub_inst, scenario.solver, hint=previous_hint(sub_inst, prev[sub]), mip=False
            )
        else:  # every package: solved as a full run is, so the full run's figures
            part = solve_assignment(sub_inst, scenario.solver)
        merged[sub] = part.provider_of
        method, status, gap = part.method, part.status, part.optimality_gap
        stages, settings = part.stages, part.settings
    else:
        method, status, gap, stages, settings = "kept", "OPTIMAL", 0.0, (), scenario.solver
    solution = AssignmentSolution(
        provider_of=merged,
        method=f"{method} (incremental: {len(sub)} of {n} packages re-solved"
        + (" from the previous assignment)" if 0 < len(sub) < n else ")"),
        status=status,
        optimality_gap=gap,
        stages=stages,
        settings=settings,
        wall_s=time.perf_counter() - start,
        values=objective_values(instance, merged),
    )
    return evaluate_solution(
        area,
        scenario,
        after,
        packages,
        zones,
        instance,
        solution,
        rounds_options=rounds_options,
        config_files=config_files,
        progress=progress,
        start=start,
        views=views,
    )
