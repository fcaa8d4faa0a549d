"""Solve a rounds instance: pre-checks, a start, the routing model, the search, the result.

The search runs in one pass: visits no solution can serve are set aside with their reasons;
a start (routes handed in by the caller, else the one ``settings.warm_start`` names: by default
PyVRP's routes where no synchronised pair is active, :mod:`.pyvrp_stage`, and the constructive
start where pairs are) seeds OR-Tools (``ReadAssignmentFromRoutes``), which restores what the
start could not express (breaks, pairs, tardiness) and improves it with its own local search
for the rest of the time limit. A start OR-Tools rejects as a whole is cut down to the routes
it accepts one by one (the rest of the calls are then inserted by OR-Tools), and noted. The
result is always read from an OR-Tools assignment, so every caller (the product and the
benchmarks) shares this one path.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from optimiser.errors import InputError, Problem, SolverError
from optimiser.models.rounds.constructive import greedy_routes
from optimiser.models.rounds.model import build_model, search_parameters
from optimiser.models.rounds.prechecks import precheck_missed
from optimiser.models.rounds.pyvrp_stage import pyvrp_start
from optimiser.models.rounds.records import RoundsInstance, RoundsSettings
from optimiser.models.rounds.result import MissedVisit, RoundsResult, extract_result, full_cost

__all__ = ["solve_rounds"]


def solve_rounds(
    instance: RoundsInstance,
    settings: RoundsSettings | None = None,
    *,
    initial_routes: Sequence[Sequence[int]] | None = None,
) -> RoundsResult:
    """Plan the rounds of ``instance``: who visits which calls, in what order and when.

    ``initial_routes``, when given, holds one sequence of visit indices per vehicle (in the
    instance's vehicle order): a start found elsewhere (a benchmark's peer solver, a plan from
    an earlier run) that replaces the constructive start; the result's ``warm_start`` is then
    "given". Visits the pre-checks find unservable are dropped from it.

    Visits that no solution can serve are reported with a reason before the solve; visits the
    solver leaves out are reported as ``not_fitted``. Synchronised visits are first mandatory
    (local search moves one node at a time, so an optional pair that starts unserved would
    never be inserted); if that model has no solution within half the time left, it is solved
    again with the pairs optional. Raises :class:`InputError` for initial routes that do not
    fit the instance and :class:`SolverError` if OR-Tools returns no solution.
    """
    settings = settings or RoundsSettings()
    t0 = time.monotonic()
    inst = instance
    if initial_routes is not None:
        _check_initial_routes(inst, initial_routes)
    pre_missed = precheck_missed(inst)
    active = [i for i in range(len(inst.visits)) if i not in pre_missed]
    if not inst.vehicles:
        missed = tuple(
            MissedVisit(i, pre_missed.get(i, "no_qualified_worker"))
            for i in range(len(inst.visits))
        )
        return RoundsResult((), missed, 0, "solved", settings, "none", 0.0, inst.name)

    node_of = {i: p for p, i in enumerate(active)}
    warm = "none"
    notes: list[str] = []
    start: list[list[int]] | None = None
    if initial_routes is not None:
        start = [[node_of[i] for i in r if i in node_of] for r in initial_routes]
        dropped = sum(len(r) for r in initial_routes) - sum(len(r) for r in start)
        if dropped:
            notes.append(f"{dropped} visit(s) of the given start cannot be served; left out")
        warm = "given"
    else:
        warm = _start_method(inst, settings, node_of)
        if warm == "greedy":
            budget = settings.time_limit_s * settings.greedy_share
            start = greedy_routes(inst, active, budget, settings.seed, settings.greedy_steps)
        # Synchronised visits are not PyVRP's: they are left to OR-Tools (as optional pairs).
        paired = {x for g in inst.syncs for x in (g.first, g.second)}
        singles = [i for i in active if i not in paired]
        if warm == "pyvrp" and not singles:
            warm = "none"
        elif warm == "pyvrp":
            cap = settings.time_limit_s * settings.pyvrp_share
            stage = pyvrp_start(inst, singles, settings, cap)
            notes.append(f"pyvrp start: {stage.budget}, {stage.iterations} iterations")
            if stage.cap_fired:
                notes.append("pyvrp start: its wall-clock cap fired before the iteration budget")
            if stage.routes is None:
                notes.append("pyvrp start: its best plan was infeasible; solved from scratch")
                warm = "pyvrp_failed"
            start = stage.routes and [[node_of[singles[p]] for p in r] for r in stage.routes]

    sync_nodes = {
        node_of[x]
        for g in inst.syncs
        if g.first in node_of and g.second in node_of
        for x in (g.first, g.second)
    }
    if not sync_nodes:
        attempts = [True]
    elif start is not None and not sync_nodes <= {p for r in start for p in r}:
        # The start leaves a pair out: keep pairs optional so that start can be used.
        attempts = [True]
    else:
        attempts = [False, True]
    solution = m = None
    for n, optional_syncs in enumerate(attempts):
        m = build_model(inst, active, settings, optional_syncs)
        routing, manager = m.routing, m.manager
        initial = None
        if start is not None:
            routing.CloseModelWithParameters(search_parameters(settings, 1.0))
            index_routes = [[manager.NodeToIndex(p) for p in r] for r in start]
            initial = routing.ReadAssignmentFromRoutes(index_routes, True)
            if initial is None and not sync_nodes:
                initial, kept = _accepted_routes(routing, index_routes)
                notes.append(
                    f"OR-Tools rejected the {warm} start as a whole; kept {kept} of "
                    f"{sum(1 for r in index_routes if r)} routes"
                )
            if initial is None and n + 1 < len(attempts):
                notes.append(f"the {warm} start breaks a rule with all pairs served")
                continue
            if initial is None:
                notes.append(f"OR-Tools rejected the {warm} start; solved from scratch")
                warm, start = f"{warm}_rejected", None
        left = settings.time_limit_s - (time.monotonic() - t0)
        share = 0.5 if n + 1 < len(attempts) and initial is None else 1.0
        params = search_parameters(settings, max(0.1, left * share))
        if initial is not None:
            solution = routing.SolveFromAssignmentWithParameters(initial, params) or initial
            if inst.max_tardiness_weight and solution is not initial:
                # OR-Tools' search ignores the max-tardiness term: keep the start if better.
                res_a = extract_result(m, solution, pre_missed, settings, warm, 0.0, notes)
                res_b = extract_result(m, initial, pre_missed, settings, warm, 0.0, notes)
                if full_cost(inst, res_b) < full_cost(inst, res_a):
                    solution = initial
                    notes.append(f"kept the {warm} start: lower cost with max tardiness")
        else:
            solution = routing.SolveWithParameters(params)
        if solution is not None:
            if optional_syncs and sync_nodes:
                notes.append("synchronised pairs were optional (some may be missed)")
            break
    if solution is None:
        raise SolverError(
            f"OR-Tools found no solution for rounds instance {inst.name!r} within "
            f"{settings.time_limit_s} s (status {m.routing.status()})"
        )
    return extract_result(m, solution, pre_missed, settings, warm, time.monotonic() - t0, notes)


def _start_method(inst: RoundsInstance, settings: RoundsSettings, node_of: dict) -> str:
    """The start the settings name; "auto" is PyVRP without active pairs, greedy with them."""
    if settings.warm_start != "auto":
        return settings.warm_start
    has_pairs = any(g.first in node_of and g.second in node_of for g in inst.syncs)
    return "greedy" if has_pairs else "pyvrp"


def _accepted_routes(routing, index_routes: list[list[int]]):
    """The assignment of the routes OR-Tools accepts one at a time (the others left empty).

    Without synchronised pairs the routes are independent, so routes each feasible alone are
    feasible together. Returns (assignment, routes kept), or (None, 0) if none is accepted.
    """
    keep = [[] for _ in index_routes]
    kept = 0
    for k, r in enumerate(index_routes):
        if not r:
            continue
        trial = [[] for _ in index_routes]
        trial[k] = r
        if routing.ReadAssignmentFromRoutes(trial, True) is not None:
            keep[k] = r
            kept += 1
    if not kept:
        return None, 0
    return routing.ReadAssignmentFromRoutes(keep, True), kept


def _check_initial_routes(inst: RoundsInstance, routes: Sequence[Sequence[int]]) -> None:
    """Initial routes name each visit at most once, by a valid index, one route per vehicle."""
    src = "initial routes"
    problems: list[Problem] = []
    if len(routes) != len(inst.vehicles):
        problems.append(
            Problem(src, None, None, f"{len(routes)} routes for {len(inst.vehicles)} vehicles")
        )
    seen: set[int] = set()
    for k, route in enumerate(routes):
        for i in route:
            if not 0 <= i < len(inst.visits):
                problems.append(Problem(src, k + 1, "visit", f"{i} out of range"))
            elif i in seen:
                problems.append(Problem(src, k + 1, "visit", f"{i} is in two places"))
            seen.add(i)
    if problems:
        raise InputError(problems)
