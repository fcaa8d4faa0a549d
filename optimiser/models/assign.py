"""The CP-SAT assignment model, solved lexicographically (the project's only CP-SAT importer).

Each package goes to at most one of its candidate providers, or is left unmet (an explicit,
penalised choice). The objectives, in order:

0. current clients left without care [people] (only under ``keep_current_clients``);
1. unmet contact minutes weighted by priority (hospital discharge, waiting days);
2. continuity breaks: active packages moved off their current provider (only when released);
3. soft-zoning penalty of non-lead providers (only when the scenario sets one);
4. carer travel minutes per week (the fast estimate, also counted inside capacity);
5. what the council pays per week [pence].

How the order is guaranteed. Objectives 1 and 2 are one stage, ``unmet``, with a proven weight
bound: it minimises ``W * unmet + breaks`` where ``W = (movable active packages) + 1``. Unmet
values are integers, so one unit of unmet outweighs every possible number of breaks and the
combination is exactly lexicographic. The other objectives are separate stages
(``current_clients``, ``non_lead``, ``travel``, ``cost``), each solved with every earlier
stage kept at the value found (``objective <= value`` added as a constraint), so the order
holds by construction. If a stage proves optimality its constraint is the exact optimum; if it
stops at its budget the constraint is the value found and the stage's bound and gap are kept
(``None`` when no bound beats the trivial one: unknown, not 100%). Stages with nothing to
decide are skipped; a stage whose start meets its trivial bound is optimal without a solve.
The keep-current-clients rule. ``"hard"`` and ``"priority"`` both run the ``current_clients``
stage first; its value is then kept, so under ``"hard"`` a value of 0 is the hard constraint,
and a value above 0 (no assignment keeps everyone, or none found in the budget) is the
priority form: the result records the fall-back and how many current clients lose care.

Warm starts: the greedy brokerage solution is the first hint; before each stage the LP
relaxation is solved and rounded (``lp_warm_start``), improved by local search (single moves,
shifts, and an exact knapsack re-pack of each provider priced by the LP's duals), and replaces
the hint when better; on small instances the unmet stage also runs HiGHS's MIP for a node
budget (``mip_stage``); each stage's solution hints the next, so every stage starts from a
feasible point and is anytime (a stage cut short keeps its best solution and bound). The best
bound of LP, surrogate knapsack (``surrogate_bound``: every provider's capacity as one knapsack
priced by the LP's duals, which cannot place part of a package), MIP, unmet-set cuts
(``unmet_cuts``: the unmet choices integral, sets HiGHS proves unplaceable cut off) and CP-SAT
is the stage's, and the record names which proved it. The answer is never worse than greedy
brokerage on stages 0-1 (checked; greedy's is kept and recorded otherwise).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from ortools.sat.python import cp_model

from optimiser.data.domain import SolverSettings
from optimiser.errors import InfeasibleError, SolverError
from optimiser.models.greedy import greedy_provider_of
from optimiser.models.instance import AssignmentInstance
from optimiser.models.lp_warm_start import (
    LinearStage,
    LpResult,
    improve,
    round_relaxation,
    solve_relaxation,
    stage_value,
)
from optimiser.models.mip_stage import MipMemo, solve_stage_mip
from optimiser.models.solution import AssignmentSolution, StageRecord, relative_gap
from optimiser.models.surrogate_bound import surrogate_bound
from optimiser.models.unmet_cuts import MAX_ROUNDS as CUT_MAX_ROUNDS
from optimiser.models.unmet_cuts import unmet_cut_bound
from optimiser.models.validate import check_assignment, objective_values

#: Stage names in lexicographic order.
STAGES: tuple[str, ...] = ("current_clients", "unmet", "non_lead", "travel", "cost")
#: Relative share of the time budget per stage; unused time flows to later stages.
STAGE_TIME_SHARE: dict[str, float] = {
    "current_clients": 1.0,
    "unmet": 3.0,
    "non_lead": 1.0,
    "travel": 3.0,
    "cost": 3.0,
}
_MIN_STAGE_S = 0.05
#: Share of a stage's budget the LP relaxation may use before CP-SAT starts.
LP_TIME_SHARE = 0.3
#: The same for the final stage, whose gap is the one reported: its LP bound matters most.
LAST_LP_TIME_SHARE = 0.6
#: Share of a stage's budget for CP-SAT on the packages the LP and the hint disagree on.
RINS_TIME_SHARE = 0.3
#: Share of a stage's budget each local search (from the hint, from the LP rounding) may use.
#: On 10,000 x 100 a re-pack sweep of every provider takes about 2 s; 0.3 leaves room for a
#: few sweeps, which beat CP-SAT on the full model at that size (bench_assign).
SEARCH_TIME_SHARE = 0.3
#: HiGHS MIP (``mip_stage``) per stage: branch-and-bound nodes per unit of the stage's
#: deterministic budget (a work measure, so runs repeat), or in all without one. On the zoned
#: demo's unmet stage (1.09 units) about 1,000 nodes take 20 s of one core and find a
#: solution 5% better than CP-SAT's in its whole budget; 300 nodes found nothing better.
MIP_NODES_PER_DET_UNIT: dict[str, float] = {"unmet": 1000.0}
MIP_NODE_LIMIT: dict[str, int] = {"unmet": 1000}
#: Largest instance (candidate pairs) the MIP runs on: beyond it the nodes cost too much.
MIP_MAX_PAIRS = 4000
#: Stages that also take the surrogate knapsack bound: those deciding who is left without
#: care. Later stages keep earlier ones' values, which the surrogate drops, so it is weak there.
SURROGATE_STAGES: tuple[str, ...] = ("current_clients", "unmet")
#: Stages that also take the unmet-set cut bound (``unmet_cuts``) on instances of at most
#: ``MIP_MAX_PAIRS`` pairs, and its relaxations per unit of the stage's deterministic budget
#: (rounded down; ``unmet_cuts.MAX_ROUNDS`` without one): the zoned demo's unmet stage (1.09
#: units) gets 4, about 4 CPU-s, and proves 1.48% where the surrogate proves 1.74%; the small
#: budgets of stress draws and sweeps get none (their runs stay as quick as before).
CUT_ROUNDS_PER_DET_UNIT: dict[str, float] = {"unmet": 4.0}
#: CP-SAT parameters per stage, beyond workers, seed and budget.
STAGE_PARAMETERS: dict[str, dict[str, object]] = {}


def _value(obj: LinearStage, place: np.ndarray, unmet: np.ndarray) -> int:
    """Value of a stage objective at 0/1 vectors of the pair and unmet variables."""
    return int(obj.place_coef @ place + obj.unmet_coef @ unmet + obj.constant)


def _trivial(obj: LinearStage) -> bool:
    return not (obj.place_coef.any() or obj.unmet_coef.any())


class _AssignmentModel:
    """CP-SAT model: data, variables, constraints; objectives built per stage."""

    def __init__(self, instance: AssignmentInstance) -> None:
        # --- data ---
        self.inst = instance
        self.model = cp_model.CpModel()
        self.pair_starts = np.searchsorted(instance.pair_pkg, np.arange(instance.n_packages + 1))
        # --- variables ---
        pid, kid = instance.package_ids, instance.provider_ids
        self.place = [
            self.model.new_bool_var(f"place[{pid[i]},{kid[k]}]")
            for i, k in zip(instance.pair_pkg.tolist(), instance.pair_prov.tolist(), strict=True)
        ]
        self.unmet = [self.model.new_bool_var(f"unmet[{p}]") for p in pid]
        self.place_index = np.array([v.index for v in self.place], dtype=np.int64)
        self.unmet_index = np.array([v.index for v in self.unmet], dtype=np.int64)
        # --- constraints ---
        self._add_one_provider_or_unmet()
        self._add_capacity()
        self._add_continuity()

    # Each package is placed with exactly one of its candidate providers, or is unmet.
    def _add_one_provider_or_unmet(self) -> None:
        for i in range(self.inst.n_packages):
            lo, hi = self.pair_starts[i], self.pair_starts[i + 1]
            self.model.add_exactly_one([*self.place[lo:hi], self.unmet[i]])

    # A provider's placed carer time plus the carers' travel fits its weekly capacity.
    def _add_capacity(self) -> None:
        inst = self.inst
        load = inst.pair_load_min
        order = np.argsort(inst.pair_prov, kind="stable")
        bounds = np.searchsorted(inst.pair_prov[order], np.arange(inst.n_providers + 1))
        for k in range(inst.n_providers):
            pairs = order[bounds[k] : bounds[k + 1]]
            if len(pairs) == 0:
                continue
            if int(load[pairs].sum()) <= int(inst.capacity_min[k]):
                continue  # cannot overfill: no constraint needed
            expr = cp_model.LinearExpr.weighted_sum(
                [self.place[m] for m in pairs], load[pairs].tolist()
            )
            self.model.add(expr <= int(inst.capacity_min[k]))

    # Packages whose continuity is not released stay with their current provider.
    def _add_continuity(self) -> None:
        inst = self.inst
        for i in np.flatnonzero(inst.fixed):
            lo = self.pair_starts[i]
            self.model.add(self.place[lo] == 1)

    # --- objectives ---
    def objective(self, name: str) -> LinearStage:
        """The stage's linear objective (see the module docstring)."""
        inst = self.inst
        place_coef = np.zeros(inst.n_pairs, dtype=np.int64)
        unmet_coef = np.zeros(inst.n_packages, dtype=np.int64)
        constant = 0
        if name == "current_clients":
            # Current clients left without care (people): the keep_current_clients rule.
            unmet_coef[inst.active & ~inst.fixed] = 1
        elif name == "unmet":
            # W * weighted unmet + continuity breaks, W above the largest possible breaks.
            movable = inst.active & ~inst.fixed
            weight = int(movable.sum()) + 1
            unmet_coef = (inst.unmet_weight * inst.contact_min).astype(np.int64) * weight
            unmet_coef[inst.fixed] = 0
            cur_pair = movable[inst.pair_pkg] & (inst.pair_prov == inst.current[inst.pair_pkg])
            place_coef[cur_pair] = -1
            constant = int(movable.sum())
        elif name == "non_lead":
            place_coef = inst.pair_penalty.astype(np.int64)
        elif name == "travel":
            place_coef = inst.pair_travel_min.astype(np.int64)
        elif name == "cost":
            place_coef = inst.pair_cost_pence.astype(np.int64)
        else:
            raise ValueError(f"unknown stage {name!r}")
        if name not in ("current_clients", "unmet"):
            place_coef[inst.fixed[inst.pair_pkg]] = 0
            # Fixed packages contribute a constant, kept so values match the checker.
            fixed_pairs = inst.fixed[inst.pair_pkg]
            if name == "non_lead":
                constant += int(inst.pair_penalty[fixed_pairs].sum())
            elif name == "travel":
                constant += int(inst.pair_travel_min[fixed_pairs].sum())
            elif name == "cost":
                constant += int(inst.pair_cost_pence[fixed_pairs].sum())
        return LinearStage(place_coef, unmet_coef, constant)

    def linear(self, obj: LinearStage) -> cp_model.LinearExprT:
        """The CP-SAT expression of an objective (zero coefficients dropped)."""
        pm = np.flatnonzero(obj.place_coef)
        um = np.flatnonzero(obj.unmet_coef)
        variables = [self.place[m] for m in pm] + [self.unmet[i] for i in um]
        coefs = obj.place_coef[pm].tolist() + obj.unmet_coef[um].tolist()
        return cp_model.LinearExpr.weighted_sum(variables, coefs) + obj.constant

    # --- hints and extraction ---
    def hint(self, provider_of: np.ndarray) -> None:
        """Replace the hint with the assignment ``provider_of``."""
        place, unmet = self.vectors(provider_of)
        self.model.clear_hints()
        for var, val in zip(self.place, place.tolist(), strict=True):
            self.model.add_hint(var, val)
        for var, val in zip(self.unmet, unmet.tolist(), strict=True):
            self.model.add_hint(var, val)

    def vectors(self, provider_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """0/1 vectors of the pair and unmet variables for ``provider_of``."""
        pair = self.inst.pair_index(provider_of)
        place = np.zeros(self.inst.n_pairs, dtype=np.int64)
        place[pair[pair >= 0]] = 1
        unmet = (pair < 0).astype(np.int64)
        return place, unmet

    def extract(self, solver: cp_model.CpSolver) -> np.ndarray:
        """Provider index per package from the solver's last solution."""
        values = np.asarray(solver.response_proto.solution, dtype=np.int64)
        chosen = values[self.place_index] > 0
        provider_of = np.full(self.inst.n_packages, -1, dtype=np.int64)
        provider_of[self.inst.pair_pkg[chosen]] = self.inst.pair_prov[chosen]
        return provider_of


def _stage_names(instance: AssignmentInstance, model: _AssignmentModel) -> list[str]:
    """Stages with something to decide (a trivial objective is skipped; ``current_clients``
    only runs under the ``keep_current_clients`` rule)."""
    names = [name for name in STAGES if not _trivial(model.objective(name))]
    if instance.keep_current_clients == "off":
        names = [n for n in names if n != "current_clients"]
    return names


def _tune(solver: cp_model.CpSolver, name: str) -> None:
    """Stage-specific CP-SAT parameters (see ``STAGE_PARAMETERS``)."""
    for key, value in STAGE_PARAMETERS.get(name, {}).items():
        setattr(solver.parameters, key, value)


def _ended_by_wall(status: int, det_used: float, det_budget: float | None) -> bool:
    """Whether the wall clock, not the deterministic budget or a proof, stopped CP-SAT."""
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return False
    return det_budget is None or det_used < 0.999 * det_budget


def _left(deadline: float) -> float:
    """Seconds until ``deadline`` (at least a token amount)."""
    return max(0.01, deadline - time.perf_counter())


def _repair(
    instance: AssignmentInstance,
    provider_of: np.ndarray,
    kept: list[tuple[LinearStage, int]],
    time_limit_s: float,
) -> np.ndarray | None:
    """Bring ``provider_of`` back within every earlier stage's value, in order, or ``None``.

    For each earlier stage it exceeds, the local search minimises that stage's objective
    while keeping the stages before it; if it still exceeds, the repair fails.
    """
    deadline = time.perf_counter() + time_limit_s
    for j, (stage, value) in enumerate(kept):
        if stage_value(stage, instance, provider_of) > value:
            provider_of = improve(
                instance, provider_of, stage, kept[:j], time_limit_s=_left(deadline)
            )
            if stage_value(stage, instance, provider_of) > value:
                return None
    return provider_of


def _warm_hint(
    instance: AssignmentInstance,
    obj: LinearStage,
    kept: list[tuple[LinearStage, int]],
    current: np.ndarray,
    budget_s: float,
    *,
    lp_share: float,
    deterministic: bool = False,
) -> tuple[np.ndarray, float | None, str, LpResult | None]:
    """A better start than ``current`` if one is found quickly; the LP bound and optimum.

    The LP relaxation (up to ``lp_share`` of ``budget_s``) is rounded, repaired to keep the
    earlier stages' values, and improved by local search (``SEARCH_TIME_SHARE`` each). If
    that fails, the local search improves ``current`` instead. Every step also stops at
    ``budget_s`` from the start. ``deterministic`` drops every wall-clock limit (the LP runs
    to its end, the local search for its fixed number of rounds) so runs repeat exactly.
    """
    if deterministic:
        budget_s = 1e9
    deadline = time.perf_counter() + budget_s
    search_s = budget_s * SEARCH_TIME_SHARE
    current_value = stage_value(obj, instance, current)
    lp = solve_relaxation(instance, obj, kept, time_limit_s=budget_s * lp_share)
    bound = None
    prices = lp.kept_duals if lp is not None else None

    def search(start: np.ndarray) -> np.ndarray:
        limit = min(search_s, _left(deadline))
        return improve(instance, start, obj, kept, time_limit_s=limit, multipliers=prices)

    if lp is not None:
        bound = lp.objective - 1e-6 * max(1.0, abs(lp.objective))
        rounded = _repair(
            instance, round_relaxation(instance, lp, obj), kept, min(search_s, _left(deadline))
        )
        if rounded is not None:
            rounded = search(rounded)
            if stage_value(obj, instance, rounded) < current_value:
                return rounded, bound, "lp rounding", lp
    best = search(current)
    if stage_value(obj, instance, best) < current_value:
        return best, bound, "local search", lp
    return current, bound, "previous", lp


def _rins(
    model: _AssignmentModel,
    current: np.ndarray,
    lp: LpResult,
    settings: SolverSettings,
    time_limit_s: float,
    deterministic_time: float | None = None,
) -> tuple[np.ndarray | None, bool]:
    """Relaxation-induced neighbourhood search: CP-SAT on the packages the LP disputes.

    Packages whose every variable has the same value in the LP optimum and in ``current`` are
    fixed there; CP-SAT re-solves the rest (a copy of the model with the stage objective and
    every earlier stage's constraint). Returns its best solution (or ``None``) and whether
    the wall clock stopped it.
    """
    inst = model.inst
    place, unmet = model.vectors(current)
    differs = np.abs(lp.u - unmet) > 1e-6
    pair_differs = np.abs(lp.x - place) > 1e-6
    differs[inst.pair_pkg[pair_differs]] = True
    if not differs.any():
        return None, False
    sub = model.model.clone()
    pair = inst.pair_index(current)
    for i in np.flatnonzero(~differs & ~inst.fixed):
        index = model.place_index[pair[i]] if pair[i] >= 0 else model.unmet_index[i]
        sub.add(sub.get_bool_var_from_proto_index(int(index)) == 1)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(_MIN_STAGE_S, time_limit_s)
    solver.parameters.num_workers = settings.workers
    solver.parameters.random_seed = settings.seed
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = deterministic_time
    status = solver.solve(sub)
    hit = _ended_by_wall(status, float(solver.deterministic_time), deterministic_time)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return model.extract(solver), hit
    return None, hit


def _keeps(
    instance: AssignmentInstance, provider_of: np.ndarray, kept: list[tuple[LinearStage, int]]
) -> bool:
    """Whether ``provider_of`` keeps every rule and every earlier stage's value."""
    if check_assignment(instance, provider_of):
        return False
    return all(stage_value(st, instance, provider_of) <= v for st, v in kept)


def _trivial_bound(obj: LinearStage) -> float:
    """The bound every assignment meets: all negative terms taken, no positive one."""
    return float(
        obj.constant
        + obj.place_coef[obj.place_coef < 0].sum()
        + obj.unmet_coef[obj.unmet_coef < 0].sum()
    )


def _stage_bound(
    status: int, solver: cp_model.CpSolver, lp_bound: float | None, value: int, floor: float
) -> float | None:
    """The best proven bound of a stage (integral, at most ``value``), ``None`` if unknown.

    CP-SAT's bound counts only when it returned a solution; the LP optimum is always valid.
    A bound no better than the trivial one (``floor``) carries no information and is reported
    as unknown, unless it meets ``value`` (then the stage is proven optimal).
    """
    bound: float | None = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = float(solver.best_objective_bound)
    if lp_bound is not None:
        bound = lp_bound if bound is None else max(bound, lp_bound)
    if bound is not None:
        bound = min(float(np.ceil(bound)), float(value))  # objective values are integers
    if floor >= value:
        return float(value)
    if bound is None or bound <= floor:
        return None
    return bound


def _rule_outcome(instance: AssignmentInstance, record: StageRecord | None) -> tuple[str, str]:
    """The ``keep_current_clients`` rule as applied, and why a hard rule fell back (or "")."""
    rule = instance.keep_current_clients
    if rule == "off" or record is None or record.objective == 0 or rule != "hard":
        return rule, ""
    starts = np.searchsorted(instance.pair_pkg, np.arange(instance.n_packages + 1))
    movable = instance.active & ~instance.fixed
    no_pair = int((movable & (starts[1:] == starts[:-1])).sum())
    why = (
        "no assignment keeps every current client in care (proven)"
        if record.best_bound is not None and record.best_bound > 0
        else "no assignment keeping every current client in care was found within the budget"
    )
    if no_pair:
        why += f"; {no_pair} have no allowed provider (skills, zone rule or travel limit)"
    return rule, (
        f"hard rule fell back to priority: {record.objective} current client(s) lose care; {why}"
    )


def _first_stages_key(model: _AssignmentModel, provider_of: np.ndarray) -> tuple[int, ...]:
    """Who is left without care: current clients (under the rule), then the unmet stage."""
    vectors = model.vectors(provider_of)
    first = ("unmet",) if model.inst.keep_current_clients == "off" else STAGES[:2]
    return tuple(_value(model.objective(n), *vectors) for n in first)


def solve_assignment(
    instance: AssignmentInstance,
    settings: SolverSettings,
    *,
    hint: np.ndarray | None = None,
    stages: Sequence[str] | None = None,
    warm_start: bool = True,
    mip_memo: MipMemo | None = None,
    mip: bool = True,
) -> AssignmentSolution:
    """Solve the assignment lexicographically with CP-SAT (see the module docstring).

    ``settings.max_deterministic_time`` (if set) is the budget: CP-SAT's work units, shared
    among stages by ``STAGE_TIME_SHARE``; the LP and the local search then run to the end of
    their fixed work (no wall-clock limit), so a one-worker run repeats exactly whatever the
    machine load, and ``time_limit_s`` is only a safety cap on the whole run (each stage may
    use what is left of it; a stage it ends is marked ``wall_cap_hit``). Without it,
    ``time_limit_s`` is the budget, shared among stages by ``STAGE_TIME_SHARE`` with unused
    time flowing on. ``workers`` and ``seed`` go to every stage. ``hint`` (provider index per
    package) replaces the greedy brokerage start. ``stages`` restricts the stages (in order;
    default all non-trivial). ``warm_start`` solves each stage's LP relaxation first (HiGHS):
    its rounding becomes the hint when better, its optimum a bound. ``mip_memo`` shares the
    stage MIPs among runs on the same packages (``optimiser.models.mip_stage``). ``mip`` False
    leaves HiGHS's MIPs out (the stage MIP and the unmet-set cuts): their root work (presolve,
    cuts, sub-MIP heuristics) is not bounded by the node limit, and on a small instance with a
    small budget it is most of the run (a zone edit's 64-82 packages: 0.4-2.4 CPU-s, against
    about 0.4 s for the rest of the solve). The answer is
    never worse than greedy brokerage on the stages that decide who is left without care
    (checked; greedy's is kept and recorded if it were).

    Raises ``SolverError`` if CP-SAT rejects the model, ``InfeasibleError`` if it proves it
    infeasible (cannot happen for an instance ``build_instance`` accepted).
    """
    start = time.perf_counter()
    model = _AssignmentModel(instance)
    names = _stage_names(instance, model)
    if stages is not None:
        unknown = [s for s in stages if s not in STAGES]
        if unknown:
            raise ValueError(f"unknown stages {unknown}; choose from {STAGES}")
        names = [s for s in names if s in stages]
    greedy = greedy_provider_of(instance)
    current = np.asarray(hint if hint is not None else greedy, np.int64)
    source = "given hint" if hint is not None else "greedy brokerage"
    records: list[StageRecord] = []
    kept: list[tuple[LinearStage, int]] = []
    det_total = settings.max_deterministic_time
    det_shares = sum(STAGE_TIME_SHARE[s] for s in names) or 1.0

    def cap_left() -> float:
        return settings.time_limit_s - (time.perf_counter() - start)

    for j, name in enumerate(names):
        t_stage = time.perf_counter()
        obj = model.objective(name)
        if det_total is not None:
            # The deterministic budget binds; the wall clock is a safety cap on the whole run.
            budget_s = max(_MIN_STAGE_S, cap_left())
            det_stage: float | None = det_total * STAGE_TIME_SHARE[name] / det_shares
        else:
            share = STAGE_TIME_SHARE[name] / sum(STAGE_TIME_SHARE[s] for s in names[j:])
            budget_s = max(_MIN_STAGE_S, cap_left() * share)
            det_stage = None
        floor = _trivial_bound(obj)
        value = _value(obj, *model.vectors(current))
        status, status_name = cp_model.UNKNOWN, "OPTIMAL (bound)"
        solver = cp_model.CpSolver()
        lp_bound: float | None = None
        wall_hit = False
        bound_from = ""
        det_used: float | None = None
        expr = model.linear(obj)
        if value > floor:  # otherwise the start is optimal already: nothing to solve
            lp: LpResult | None = None
            if warm_start:
                lp_share = LAST_LP_TIME_SHARE if j == len(names) - 1 else LP_TIME_SHARE
                current, lp_bound, lp_source, lp = _warm_hint(
                    instance,
                    obj,
                    kept,
                    current,
                    budget_s,
                    lp_share=lp_share,
                    deterministic=det_total is not None,
                )
                source = lp_source if lp_source != "previous" else source
                bound_from = "lp" if lp_bound is not None else ""
                if lp is not None and lp_bound is not None and name in SURROGATE_STAGES:
                    extra = surrogate_bound(instance, obj, kept, lp.capacity_duals)
                    if extra is not None and extra > lp_bound:
                        lp_bound, bound_from = extra, "surrogate knapsack"
            if warm_start and mip and name in MIP_NODE_LIMIT and instance.n_pairs <= MIP_MAX_PAIRS:
                nodes = MIP_NODE_LIMIT[name]
                if det_stage is not None:
                    nodes = max(1, round(MIP_NODES_PER_DET_UNIT[name] * det_stage))
                mip = solve_stage_mip(
                    instance,
                    obj,
                    kept,
                    node_limit=nodes,
                    time_limit_s=cap_left() if det_stage is not None else budget_s / 2,
                    memo=mip_memo,
                )
                wall_hit |= mip.wall_cap_hit
                if mip.bound is not None and (lp_bound is None or mip.bound > lp_bound):
                    lp_bound, bound_from = mip.bound, "highs mip"
                better = mip.provider_of is not None and _keeps(instance, mip.provider_of, kept)
                if better and stage_value(obj, instance, mip.provider_of) < stage_value(
                    obj, instance, current
                ):
                    current, source = mip.provider_of.copy(), "highs mip"
            now = stage_value(obj, instance, current)
            rounds = CUT_MAX_ROUNDS
            if det_stage is not None:
                rounds = int(CUT_ROUNDS_PER_DET_UNIT.get(name, 0.0) * det_stage)
            if (
                warm_start
                and mip
                and name in CUT_ROUNDS_PER_DET_UNIT
                and rounds > 0
                and instance.n_pairs <= MIP_MAX_PAIRS
                and (lp_bound is None or np.ceil(lp_bound) < now)
            ):
                cut = unmet_cut_bound(
                    instance,
                    obj,
                    kept,
                    time_limit_s=cap_left() if det_stage is not None else budget_s / 4,
                    max_rounds=rounds,
                    memo=mip_memo,
                )
                wall_hit |= cut.wall_cap_hit
                if cut.bound is not None and (lp_bound is None or cut.bound > lp_bound):
                    lp_bound, bound_from = cut.bound, "unmet-set cuts"
            model.model.minimize(expr)
            model.hint(current)
            value = _value(obj, *model.vectors(current))
            stage_end = t_stage + budget_s
            if lp is not None and lp_bound is not None and np.ceil(lp_bound) < value:
                if det_stage is not None:
                    rins_s, rins_det = max(_MIN_STAGE_S, cap_left()), det_stage * RINS_TIME_SHARE
                else:
                    rins_s, rins_det = min(budget_s * RINS_TIME_SHARE, _left(stage_end) / 2), None
                found, rins_hit = _rins(model, current, lp, settings, rins_s, rins_det)
                wall_hit |= rins_hit
                if found is not None and _value(obj, *model.vectors(found)) < value:
                    current, source = found, "rins"
                    model.hint(current)
            limit_s = budget_s - (time.perf_counter() - t_stage)
            if det_stage is not None:
                limit_s = cap_left()
            solver.parameters.max_time_in_seconds = max(_MIN_STAGE_S, limit_s)
            solver.parameters.num_workers = settings.workers
            solver.parameters.random_seed = settings.seed
            if det_stage is not None:
                solver.parameters.max_deterministic_time = det_stage
            _tune(solver, name)
            status = solver.solve(model.model)
            status_name = solver.status_name(status)
            det_used = float(solver.deterministic_time)
            wall_hit |= _ended_by_wall(status, det_used, det_stage)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = model.extract(solver)
                if _value(obj, *model.vectors(found)) < _value(obj, *model.vectors(current)):
                    current, source = found, "cp-sat"
            elif status == cp_model.INFEASIBLE:
                raise InfeasibleError(
                    f"the assignment model is infeasible at stage {name!r} (please report: "
                    f"every instance accepted by build_instance should be feasible)"
                )
            elif status == cp_model.MODEL_INVALID:
                raise SolverError(
                    f"CP-SAT rejected the model at stage {name!r}: {model.model.validate()}"
                )
            else:  # UNKNOWN: nothing within the budget; the previous solution stands
                status_name = "UNKNOWN"
            value = _value(obj, *model.vectors(current))
        bound = _stage_bound(status, solver, lp_bound, value, floor)
        if bound is not None and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            cp_bound = min(float(np.ceil(solver.best_objective_bound)), float(value))
            if lp_bound is None or cp_bound > np.ceil(lp_bound):
                bound_from = "cp-sat"
        if floor >= value:
            bound_from = "trivial"
        if bound is None:
            bound_from = ""
        if status != cp_model.OPTIMAL and bound is not None and bound >= value:
            status_name = "OPTIMAL (bound)"
        records.append(
            StageRecord(
                name=name,
                status=status_name,
                objective=value,
                best_bound=bound,
                gap=relative_gap(value, bound),
                wall_s=time.perf_counter() - t_stage,
                time_limit_s=budget_s,
                solution_from=source,
                deterministic_time=det_used,
                deterministic_budget=det_stage,
                wall_cap_hit=wall_hit,
                bound_from=bound_from,
            )
        )
        # Keep this stage at the value found while later stages optimise.
        model.model.add(expr <= value)
        kept.append((obj, value))

    fell_back = _first_stages_key(model, greedy) < _first_stages_key(model, current)
    if fell_back:  # cannot happen from the greedy start; checked for any start
        current = greedy.copy()
    current.setflags(write=False)
    final = records[-1] if records else None
    first = next((r for r in records if r.name == "current_clients"), None)
    rule, why = _rule_outcome(instance, first)
    return AssignmentSolution(
        provider_of=current,
        method="cp-sat lexicographic",
        status=final.status if final else "OPTIMAL",
        optimality_gap=final.gap if final else 0.0,
        stages=tuple(records),
        settings=settings,
        wall_s=time.perf_counter() - start,
        values=objective_values(instance, current),
        keep_current_clients=rule,
        rule_fallback=why,
        fell_back_to_greedy=fell_back,
    )
