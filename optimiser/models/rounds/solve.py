"""Solve a rounds instance: pre-checks, a start, the routing model, the search, the result.

The search runs in one pass: visits no solution can serve are set aside with their reasons;
a start (routes handed in by the caller, else what ``settings.warm_start`` names: by default
PyVRP's routes, :mod:`.pyvrp_stage`, and where synchronised pairs are active also the
constructive start, whose pair times PyVRP is given pinned) seeds OR-Tools
(``ReadAssignmentFromRoutes``; of two candidate starts the one with the lower objective as
read), which restores what the start could not express (breaks, pair gaps, tardiness) and
improves it with its own local search for the rest of the time limit. Without pairs, a start
OR-Tools rejects as a whole is cut down to the routes it accepts one by one (OR-Tools inserts
the rest), and noted. The result is always read from an OR-Tools assignment, so every caller
(the product and the benchmarks) shares this one path.
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
    an earlier run) that replaces the engine's own starts; the result's ``warm_start`` is then
    "given". Visits the pre-checks find unservable are dropped from it.

    Visits that no solution can serve are reported with a reason before the solve; visits the
    solver leaves out are reported as ``not_fitted``. Synchronised visits are first mandatory
    (local search moves one node at a time, so an optional pair that starts unserved would
    never be inserted); if that model has no solution within half the time left, it is solved
    again with the pairs optional. Where ``settings`` sets deterministic budgets
    (``solution_limit``, ``greedy_steps``), a wall-clock cap that stops a stage first is noted
    ("... cap fired ..."): that result is no longer repeatable. Raises :class:`InputError` for
    initial routes that do not fit the instance and :class:`SolverError` if OR-Tools returns
    no solution.
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
    notes: list[str] = []
    pairs = [g for g in inst.syncs if g.first in node_of and g.second in node_of]
    sync_nodes = {node_of[x] for g in pairs for x in (g.first, g.second)}
    if initial_routes is not None:
        start = [[node_of[i] for i in r if i in node_of] for r in initial_routes]
        dropped = sum(len(r) for r in initial_routes) - sum(len(r) for r in start)
        if dropped:
            notes.append(f"{dropped} visit(s) of the given start cannot be served; left out")
        candidates = [("given", start)]
    else:
        candidates = _starts(inst, active, pairs, settings, t0, notes)

    if not sync_nodes:
        attempts = [True]
    elif candidates and not any(sync_nodes <= {p for r in c for p in r} for _, c in candidates):
        # Every start leaves a pair out: keep pairs optional so that a start can be used.
        attempts = [True]
    else:
        attempts = [False, True]
    warm = candidates[0][0] if candidates else "none"
    solution = m = None
    for n, optional_syncs in enumerate(attempts):
        m = build_model(inst, active, settings, optional_syncs)
        routing = m.routing
        initial = None
        if candidates:
            routing.CloseModelWithParameters(search_parameters(settings, 1.0))
            warm, initial = _best_start(m, candidates, sync_nodes, notes)
            if initial is None and n + 1 < len(attempts):
                notes.append(f"the {warm} start breaks a rule with all pairs served")
                continue
            if initial is None:
                notes.append(f"OR-Tools rejected the {warm} start; solved from scratch")
                warm, candidates = f"{warm}_rejected", []
        left = settings.time_limit_s - (time.monotonic() - t0)
        share = 0.5 if n + 1 < len(attempts) and initial is None else 1.0
        cap_s = max(0.1, left * share)
        params = search_parameters(settings, cap_s)
        t_search = time.monotonic()
        if initial is not None:
            solution = routing.SolveFromAssignmentWithParameters(initial, params) or initial
            if inst.max_tardiness_weight and solution is not initial:
                # A guard: OR-Tools' objective carries the max-tardiness term (model.py);
                # keep the start if the full cost as read says it is better.
                res_a = extract_result(m, solution, pre_missed, settings, warm, 0.0, notes)
                res_b = extract_result(m, initial, pre_missed, settings, warm, 0.0, notes)
                if full_cost(inst, res_b) < full_cost(inst, res_a):
                    solution = initial
                    notes.append(f"kept the {warm} start: lower cost with max tardiness")
        else:
            solution = routing.SolveWithParameters(params)
        if settings.solution_limit is not None and time.monotonic() - t_search >= 0.99 * cap_s:
            notes.append(
                f"OR-Tools search: its wall-clock cap fired ({cap_s:.3g} s) before the solution "
                f"limit ({settings.solution_limit})"
            )
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


def _start_method(inst: RoundsInstance, settings: RoundsSettings) -> str:
    """The start the settings name. "auto" is PyVRP's, except where visits have soft window
    ends with a tardiness cost, which PyVRP cannot price: there it is the constructive start
    (measured on home care B1, C1, D1, E1, E5 at 60 s: mean gap 23.1% with the PyVRP stage
    against 9.9% with the constructive start alone)."""
    if settings.warm_start != "auto":
        return settings.warm_start
    soft = any(v.soft_end and v.tardiness_weight > 0 for v in inst.visits)
    return "greedy" if soft else "pyvrp"


def _starts(
    inst: RoundsInstance,
    active: list[int],
    pairs: list,
    settings: RoundsSettings,
    t0: float,
    notes: list[str],
) -> list[tuple[str, list[list[int]]]]:
    """The candidate starts (name, routes as positions in ``active``), best guess first.

    "greedy": the constructive start. "pyvrp": PyVRP's routes; where pairs are active, the
    constructive start runs first and each pair's two visits go to PyVRP with their start times
    pinned to the constructive start's (two visits pinned to one time cannot share a worker,
    so PyVRP serves a pair on two workers, in sync); the constructive start stays a candidate
    and OR-Tools takes whichever of the two costs less.
    """
    method = _start_method(inst, settings)
    out: list[tuple[str, list[list[int]]]] = []
    if method == "none" or not active:
        return out
    greedy = None
    if method == "greedy" or pairs:
        budget = settings.time_limit_s * settings.greedy_share
        t_greedy = time.monotonic()
        greedy = greedy_routes(inst, active, budget, settings.seed, settings.greedy_steps)
        if settings.greedy_steps is not None and time.monotonic() - t_greedy >= budget:
            notes.append(
                f"constructive start: its wall-clock cap fired ({budget:.3g} s) before the "
                f"step budget ({settings.greedy_steps})"
            )
        out.append(("greedy", greedy))
    if method != "pyvrp":
        return out
    pins = _pair_times(inst, active, pairs, settings, greedy) if pairs else {}
    paired = {x for g in pairs for x in (g.first, g.second)}
    given = [i for i in active if i not in paired or i in pins]
    if not given:
        return out
    cap = settings.pyvrp_share * max(0.01, settings.time_limit_s - (time.monotonic() - t0))
    stage = pyvrp_start(inst, given, settings, cap, pins)
    notes.append(f"pyvrp start: {stage.budget}, {stage.iterations} iterations")
    if stage.cap_fired:
        notes.append("pyvrp start: its wall-clock cap fired before the iteration budget")
    if stage.routes is None:
        notes.append("pyvrp start: its best plan was infeasible; not used")
        return out
    node_of = {i: p for p, i in enumerate(active)}
    routes = [[given[p] for p in r] for r in stage.routes]
    served = {i for r in routes for i in r}
    half = {
        x for g in pairs for x in (g.first, g.second) if (g.first in served) != (g.second in served)
    }
    if half:
        notes.append(f"pyvrp start: {len(half) // 2} pair(s) half served; left out")
    start = [[node_of[i] for i in r if i not in half] for r in routes]
    if pairs:
        # Rounds whose single calls leave no room for a break are cut (measured: on the demo's
        # largest days, about 190 calls, OR-Tools otherwise rejected both starts under load).
        start = _fit_breaks(inst, active, settings, start, {node_of[i] for i in paired}, notes)
    if start is not None:
        out.insert(0, ("pyvrp", start))
    return out


def _fit_breaks(
    inst: RoundsInstance,
    active: list[int],
    settings: RoundsSettings,
    start: list[list[int]],
    paired: set[int],
    notes: list[str],
) -> list[list[int]] | None:
    """A start with pairs that OR-Tools accepts: rounds whose single calls leave no room for a
    break (PyVRP only shortened the shift) keep their paired visits, and their single calls are
    left for OR-Tools to insert. None if that still is not accepted."""
    m = build_model(inst, active, settings, True)
    m.routing.CloseModelWithParameters(search_parameters(settings, 1.0))

    def accepted(routes: list[list[int]]) -> bool:
        index_routes = [[m.manager.NodeToIndex(p) for p in r] for r in routes]
        return m.routing.ReadAssignmentFromRoutes(index_routes, True) is not None

    if accepted(start):
        return start
    bad = set()
    for k, r in enumerate(start):
        alone = [[] for _ in start]
        alone[k] = [p for p in r if p not in paired]
        if alone[k] and not accepted(alone):
            bad.add(k)
    cut = [[p for p in r if p in paired] if k in bad else r for k, r in enumerate(start)]
    if bad and accepted(cut):
        n_cut = sum(len(start[k]) - len(cut[k]) for k in bad)
        notes.append(
            f"pyvrp start: {n_cut} single call(s) of {len(bad)} round(s) left out (breaks)"
        )
        return cut
    notes.append("pyvrp start: rejected by OR-Tools even with rounds cut (not used)")
    return None


def _pair_times(
    inst: RoundsInstance,
    active: list[int],
    pairs: list,
    settings: RoundsSettings,
    greedy: list[list[int]] | None,
) -> dict[int, tuple[int, int]]:
    """Each served pair's two start times in the constructive start, as pinned windows."""
    if greedy is None:
        return {}
    m = build_model(inst, active, settings, True)
    m.routing.CloseModelWithParameters(search_parameters(settings, 1.0))
    routes = [[m.manager.NodeToIndex(p) for p in r] for r in greedy]
    sol = m.routing.ReadAssignmentFromRoutes(routes, True)
    if sol is None:
        return {}
    node_of = {i: p for p, i in enumerate(active)}
    pins: dict[int, tuple[int, int]] = {}
    for g in pairs:
        ia, ib = (m.manager.NodeToIndex(node_of[x]) for x in (g.first, g.second))
        if sol.Value(m.routing.ActiveVar(ia)) and sol.Value(m.routing.ActiveVar(ib)):
            ta, tb = sol.Min(m.time.CumulVar(ia)), sol.Min(m.time.CumulVar(ib))
            pins[g.first], pins[g.second] = (ta, ta), (tb, tb)
    return pins


def _best_start(m, candidates, sync_nodes: set[int], notes: list[str]):
    """(name, assignment) of the candidate start OR-Tools accepts at the lowest cost.

    The cost compared is OR-Tools' objective of the start as read, missed-call penalties
    included (crediting the calls a start leaves for OR-Tools to insert was tried: on the
    demo's largest days OR-Tools then often failed to insert them in the time left). Without
    pairs a start rejected as a whole is cut down to the routes accepted one at a time.
    Returns (first candidate's name, None) if none is accepted.
    """
    best = (candidates[0][0], None)
    for name, start in candidates:
        index_routes = [[m.manager.NodeToIndex(p) for p in r] for r in start]
        initial = m.routing.ReadAssignmentFromRoutes(index_routes, True)
        if initial is None and not sync_nodes:
            initial, kept = _accepted_routes(m.routing, index_routes)
            notes.append(
                f"OR-Tools rejected the {name} start as a whole; kept {kept} of "
                f"{sum(1 for r in index_routes if r)} routes"
            )
        if initial is None:
            notes.append(f"OR-Tools rejected the {name} start")
            continue
        if len(candidates) > 1:
            notes.append(f"{name} start: cost {initial.ObjectiveValue()}")
        if best[1] is None or initial.ObjectiveValue() < best[1].ObjectiveValue():
            best = (name, initial)
    return best


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
