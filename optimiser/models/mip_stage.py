"""One assignment stage as a MIP for HiGHS (``scipy.optimize.milp``), bounded by a node limit.

HiGHS's branch and bound with cuts finds good first-stage solutions on small zoned instances
and its root cuts lift the LP bound (the demo's unmet stage: 2,483.25 M in the product's
objective units within its 1,091 nodes, bound 2,431.6 M against the LP's 2,423.0 M). Given
far more (71,000 nodes, 16 minutes of one core, measured once) it finds no better unmet value
and its bound stops at 2,446.5 M (1.48%): what gap remains there is the bound's, on providers
filled to within 0.1% of their capacity, not the answer's. Its time limit is wall-clock, so the
budget here is a node limit, a work measure: a run repeats exactly whatever the machine load.
The wall-clock ``time_limit_s`` is only a safety cap, and the result says when it fired.

Runs that share a stage's programme (a stress test's zoned options on one draw: two leads per
zone and the rural uplift change later stages only) can pass one ``MipMemo``: the programme is
then solved once. HiGHS under a node limit is deterministic, so a memo hit is the result a new
solve would give; a result the wall cap ended is never kept.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from optimiser.models.instance import AssignmentInstance
from optimiser.models.lp_warm_start import LinearStage, StageProgram, stage_program


@dataclass(frozen=True)
class MipResult:
    """HiGHS's best assignment (provider per package, -1 unmet; ``None`` if it found none),
    its proven bound in stage units (``None`` if none), and whether the wall cap ended it."""

    provider_of: np.ndarray | None
    bound: float | None
    wall_cap_hit: bool


class MipMemo:
    """Stage MIP results already found, by the content of the programme and the node limit
    (see the module docstring). One memo serves runs on the same packages in one process."""

    def __init__(self) -> None:
        self._results: dict[str, MipResult] = {}
        self.hits = 0

    def __len__(self) -> int:
        return len(self._results)

    def get(self, key: str) -> MipResult | None:
        """The result kept under ``key``, or None."""
        found = self._results.get(key)
        self.hits += found is not None
        return found

    def put(self, key: str, result: MipResult) -> None:
        """Keep ``result`` under ``key``, unless the wall cap ended it (load-dependent)."""
        if not result.wall_cap_hit:
            self._results[key] = result


def program_key(instance: AssignmentInstance, prog: StageProgram, node_limit: int) -> str:
    """A digest of everything the MIP's answer depends on: the programme, the pairs its
    columns stand for (to read the answer back) and the node limit."""
    h = hashlib.sha256(f"{instance.n_packages} {instance.n_pairs} {int(node_limit)}".encode())
    arrays = (prog.c, prog.b_ub, prog.lower, instance.pair_pkg, instance.pair_prov)
    for matrix in (prog.a_ub, prog.a_eq):
        m = matrix.tocsr()
        h.update(repr(m.shape).encode())
        arrays += (m.data, m.indices, m.indptr)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    h.update(str(prog.constant).encode())
    return h.hexdigest()


def solve_stage_mip(
    instance: AssignmentInstance,
    objective: LinearStage,
    kept: list[tuple[LinearStage, int]],
    *,
    node_limit: int,
    time_limit_s: float,
    memo: MipMemo | None = None,
) -> MipResult:
    """Solve the stage as a 0/1 programme with at most ``node_limit`` branch-and-bound nodes;
    with ``memo``, a programme solved before is not solved again."""
    prog = stage_program(instance, objective, kept)
    if memo is None:
        return _solve(instance, prog, node_limit, time_limit_s)
    key = program_key(instance, prog, node_limit)
    found = memo.get(key)
    if found is None:
        found = _solve(instance, prog, node_limit, time_limit_s)
        memo.put(key, found)
    return found


def _solve(
    instance: AssignmentInstance, prog: StageProgram, node_limit: int, time_limit_s: float
) -> MipResult:
    n, m = instance.n_packages, instance.n_pairs
    res = milp(
        prog.c,
        constraints=[
            LinearConstraint(prog.a_ub, -np.inf, prog.b_ub),
            LinearConstraint(prog.a_eq, 1.0, 1.0),
        ],
        integrality=np.ones(len(prog.c)),
        bounds=Bounds(prog.lower, np.ones(len(prog.c))),
        options={
            "node_limit": int(node_limit),
            "time_limit": max(time_limit_s, 0.01),
            "presolve": True,
        },
    )
    wall = "time limit" in str(res.message).lower()
    bound = getattr(res, "mip_dual_bound", None)
    bound = None if bound is None or not np.isfinite(bound) else float(bound) + prog.constant
    if res.x is None:
        return MipResult(None, bound, wall)
    x = np.asarray(res.x[:m]) > 0.5
    provider_of = np.full(n, -1, dtype=np.int64)
    provider_of[instance.pair_pkg[x]] = instance.pair_prov[x]
    provider_of.setflags(write=False)  # a memo hands the same array to every run
    return MipResult(provider_of, bound, wall)
