"""A lower bound of an assignment stage that cuts off the unmet sets no assignment can keep.

The stage's MIP with only the unmet choices integral (the pair variables continuous) is a
relaxation; its optimum names one set ``U`` of packages left unmet. A second MIP (HiGHS, all
variables integral, no objective) asks whether any assignment keeps every package outside
``U`` placed (those in ``U`` may go either way) under the same rules: capacity, continuity
and every earlier stage's value. If HiGHS proves it infeasible, at least one of the packages
the relaxation placed must be unmet in every assignment, a valid cut
``sum_{i placed} u_i >= 1`` on the unmet variables; the relaxation is solved again with it,
and its optimum rises. When a check is not settled within its node limit (or finds an
assignment), the rounds stop: the last relaxation's optimum is the bound. This is a
combinatorial Benders decomposition on the unmet set.

Why this and not a Lagrangian bound: on the zoned demo's unmet stage nearly every package may
go to any of the 8 providers, so each provider's knapsack has dense subset sums and the
Lagrangian bound (one exact knapsack per provider, the "one provider or unmet" rows relaxed)
is barely above the LP: 2,426.0 M at the LP's duals against the LP's 2,423.0 M. The
relaxation with integral unmet choices proves 2,440.1 M (what the surrogate knapsack proves),
and three cuts, each proven by HiGHS at its root in about 0.1 s, lift it to 2,446.5 M (1.48%,
what HiGHS's own branch and bound reached in 16 minutes). The fourth candidate set (one
waiting package swapped for another) is a packing that neither HiGHS (600 s), CP-SAT (120 s)
nor a local search settled, so the bound stops there.

Every budget is a node limit (a work measure: runs repeat whatever the machine load); the
wall-clock ``time_limit_s`` is only a safety cap, reported when it fires (the bound then stays
valid: an unfinished relaxation gives its own proven bound, an unfinished check no cut).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from optimiser.models.instance import AssignmentInstance
from optimiser.models.lp_warm_start import LinearStage, StageProgram, stage_program
from optimiser.models.mip_stage import MipMemo, MipResult, program_key

#: Relaxations at most (each but the last followed by a check); on the zoned demo the fourth
#: relaxation gives the bound and the check after it would be unsettled.
MAX_ROUNDS = 4
#: Branch-and-bound nodes per check: the demo's settled checks take none (HiGHS's presolve
#: and root prove them); an unsettled one stops here.
CHECK_NODES = 20
#: Nodes per relaxation (36 integral unmet choices on the demo: solved in a few nodes).
RELAXATION_NODES = 2000


@dataclass(frozen=True)
class CutBound:
    """The bound in stage units (``None``: nothing proven), the cuts it took (-1: taken from
    a memo), and whether the wall-clock cap ended a HiGHS run."""

    bound: float | None
    cuts: int
    wall_cap_hit: bool


def _constraints(prog: StageProgram, cuts: list[np.ndarray]) -> list[LinearConstraint]:
    out = [
        LinearConstraint(prog.a_ub, -np.inf, prog.b_ub),
        LinearConstraint(prog.a_eq, 1.0, 1.0),
    ]
    if cuts:
        cols = len(prog.c)
        rows = np.concatenate([np.full(len(c), r) for r, c in enumerate(cuts)])
        a = csr_matrix((np.ones(len(rows)), (rows, np.concatenate(cuts))), shape=(len(cuts), cols))
        out.append(LinearConstraint(a, 1.0, np.inf))
    return out


def _hit(res: object) -> bool:
    return "time limit" in str(getattr(res, "message", "")).lower()


def unmet_cut_bound(
    instance: AssignmentInstance,
    objective: LinearStage,
    kept: list[tuple[LinearStage, int]],
    *,
    time_limit_s: float,
    max_rounds: int = MAX_ROUNDS,
    check_nodes: int = CHECK_NODES,
    memo: MipMemo | None = None,
) -> CutBound:
    """A lower bound of the stage (see the module docstring); with ``memo``, a programme
    bounded before is not bounded again (HiGHS under node limits repeats exactly)."""
    prog = stage_program(instance, objective, kept)
    if memo is None:
        return _cut_bound(instance, prog, time_limit_s, max_rounds, check_nodes)
    key = f"cuts {max_rounds} {check_nodes} {RELAXATION_NODES} " + program_key(instance, prog, 0)
    found = memo.get(key)
    if found is None:
        result = _cut_bound(instance, prog, time_limit_s, max_rounds, check_nodes)
        memo.put(key, MipResult(None, result.bound, result.wall_cap_hit))
        return result
    return CutBound(found.bound, -1, found.wall_cap_hit)


def _cut_bound(
    instance: AssignmentInstance,
    prog: StageProgram,
    time_limit_s: float,
    max_rounds: int,
    check_nodes: int,
) -> CutBound:
    m = instance.n_pairs
    cols = len(prog.c)
    relaxed = np.zeros(cols)
    relaxed[m:] = 1.0  # unmet choices integral, pair variables continuous
    can_be_unmet = ~np.asarray(instance.fixed, dtype=bool)  # a fixed package's pair is >= 1
    cuts: list[np.ndarray] = []
    bound: float | None = None
    wall = False
    deadline = time.perf_counter() + time_limit_s
    for _ in range(max_rounds):
        res = milp(
            prog.c,
            constraints=_constraints(prog, cuts),
            integrality=relaxed,
            bounds=Bounds(prog.lower, np.ones(cols)),
            options={
                "time_limit": max(deadline - time.perf_counter(), 0.01),
                "presolve": True,
                "node_limit": RELAXATION_NODES,
            },
        )
        wall |= _hit(res)
        dual = getattr(res, "mip_dual_bound", None)  # proven, whatever HiGHS's gap tolerance
        if dual is not None and np.isfinite(dual):
            bound = max(-np.inf if bound is None else bound, float(dual) + prog.constant)
        if res.status != 0 or res.x is None:  # not solved: keep its proven bound, stop
            break
        if len(cuts) + 1 >= max_rounds:
            break  # a cut found now would not be used
        placed = np.flatnonzero((np.asarray(res.x[m:]) < 0.5) & can_be_unmet)
        if not len(placed):
            break
        upper = np.ones(cols)
        upper[m + placed] = 0.0  # these stay placed; the relaxation's unmet ones are free
        check = milp(
            np.zeros(cols),
            constraints=_constraints(prog, []),
            integrality=np.ones(cols),
            bounds=Bounds(prog.lower, upper),
            options={
                "time_limit": max(deadline - time.perf_counter(), 0.01),
                "presolve": True,
                "node_limit": int(check_nodes),
            },
        )
        wall |= _hit(check)
        if check.status != 2:  # not proven infeasible (found, or unsettled): stop
            break
        cuts.append(m + placed)
    if bound is not None:
        bound -= 1e-9 * max(1.0, abs(bound))
    return CutBound(bound, len(cuts), wall)
