"""LP relaxation of an assignment stage and its rounding: warm starts and bounds for CP-SAT.

The stage's linear programme (pair and unmet variables in [0, 1], one provider or unmet per
package, capacity, fixed packages, earlier stages kept at their values) is solved with HiGHS
through ``scipy.optimize.linprog``. Its optimum is a valid lower bound of the stage, and a
vertex has few fractional packages, so rounding it gives a near-optimal integral assignment:
packages are placed in decreasing order of their largest LP value with the provider the LP
favours if it has room, then every package still unplaced, highest unmet weight first, goes to
the candidate with room whose stage cost is lowest. A local search (:func:`improve`) then
places or moves packages (alone, or shifting one other package out of the way) and re-packs
each provider exactly (a 0/1 knapsack over its packages and the unmet ones, earlier stages
priced by the LP's dual values), while the stage objective falls and every earlier stage keeps
its value. CP-SAT starts from the best of these.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, vstack

from optimiser.models.instance import AssignmentInstance
from optimiser.models.knapsack import knapsack


@dataclass(frozen=True)
class LinearStage:
    """A linear function of the pair variables (M,) and unmet variables (N,) plus a constant."""

    place_coef: np.ndarray
    unmet_coef: np.ndarray
    constant: int


@dataclass(frozen=True)
class LpResult:
    """The relaxation's optimum: pair values ``x`` (M,), unmet values ``u`` (N,), objective.

    ``kept_duals`` (one per earlier stage, >= 0) are the optimal dual values of the earlier
    stages' constraints: what one unit more of that stage's value would save in this stage's
    objective. The local search prices earlier stages with them when it re-packs providers.
    ``capacity_duals`` (one per provider, >= 0) are the same for one more carer minute of
    each provider's capacity: the prices of the surrogate bound (``surrogate_bound``).
    """

    x: np.ndarray
    u: np.ndarray
    objective: float
    kept_duals: np.ndarray
    capacity_duals: np.ndarray


@dataclass(frozen=True)
class StageProgram:
    """A stage as a linear programme over ``[pair vars (M), unmet vars (N)]``: minimise
    ``c @ z`` with ``a_ub @ z <= b_ub`` (capacity, then one row per earlier stage),
    ``a_eq @ z == 1`` (one provider or unmet per package) and ``lower <= z <= 1``.
    ``constant`` is added to ``c @ z`` to give the stage's value."""

    c: np.ndarray
    a_ub: csr_matrix
    b_ub: np.ndarray
    a_eq: csr_matrix
    lower: np.ndarray
    constant: int


def stage_program(
    instance: AssignmentInstance, objective: LinearStage, kept: list[tuple[LinearStage, int]]
) -> StageProgram:
    """The stage's linear programme; ``kept`` lists earlier stages with their values."""
    n, m = instance.n_packages, instance.n_pairs
    cols = m + n
    c = np.concatenate([objective.place_coef, objective.unmet_coef]).astype(np.float64)
    # One provider or unmet per package: sum_m x_m + u_i = 1.
    a_eq = coo_matrix(
        (
            np.ones(m + n),
            (np.concatenate([instance.pair_pkg, np.arange(n)]), np.arange(cols)),
        ),
        shape=(n, cols),
    ).tocsr()
    # Capacity: sum load_m x_m <= capacity_k.
    a_cap = coo_matrix(
        (instance.pair_load_min.astype(np.float64), (instance.pair_prov, np.arange(m))),
        shape=(instance.n_providers, cols),
    ).tocsr()
    rows = [a_cap]
    b_ub = [instance.capacity_min.astype(np.float64)]
    for stage, value in kept:
        coef = np.concatenate([stage.place_coef, stage.unmet_coef]).astype(np.float64)
        nz = np.flatnonzero(coef)
        rows.append(csr_matrix((coef[nz], (np.zeros(len(nz), int), nz)), shape=(1, cols)))
        b_ub.append(np.array([float(value - stage.constant)]))
    lower = np.zeros(cols)
    lower[np.flatnonzero(instance.fixed[instance.pair_pkg])] = 1.0
    return StageProgram(
        c, vstack(rows).tocsr(), np.concatenate(b_ub), a_eq, lower, objective.constant
    )


def solve_relaxation(
    instance: AssignmentInstance,
    objective: LinearStage,
    kept: list[tuple[LinearStage, int]],
    *,
    time_limit_s: float,
) -> LpResult | None:
    """Solve the stage's LP relaxation; ``None`` if HiGHS did not reach an optimum in time.

    ``kept`` lists earlier stages with the value each must not exceed.
    """
    m = instance.n_pairs
    prog = stage_program(instance, objective, kept)
    res = linprog(
        prog.c,
        A_ub=prog.a_ub,
        b_ub=prog.b_ub,
        A_eq=prog.a_eq,
        b_eq=np.ones(instance.n_packages),
        bounds=np.column_stack([prog.lower, np.ones(len(prog.c))]),
        method="highs-ds",
        options={"time_limit": max(time_limit_s, 0.01), "presolve": True},
    )
    if res.status != 0 or res.x is None:
        return None
    marginals = np.asarray(res.ineqlin.marginals, dtype=np.float64)
    kept_duals = np.maximum(-marginals[instance.n_providers :], 0.0)
    return LpResult(
        x=res.x[:m],
        u=res.x[m:],
        objective=float(res.fun) + objective.constant,
        kept_duals=kept_duals,
        capacity_duals=np.maximum(-marginals[: instance.n_providers], 0.0),
    )


def round_relaxation(
    instance: AssignmentInstance, lp: LpResult, objective: LinearStage
) -> np.ndarray:
    """An integral assignment near the LP optimum (see the module docstring)."""
    n = instance.n_packages
    load = instance.pair_load_min
    remaining = instance.capacity_min.astype(np.int64).copy()
    provider_of = np.full(n, -1, dtype=np.int64)
    starts = np.searchsorted(instance.pair_pkg, np.arange(n + 1))
    best_x = np.zeros(n)
    np.maximum.at(best_x, instance.pair_pkg, lp.x)
    weight = instance.unmet_weight * instance.contact_min
    for i in np.flatnonzero(instance.fixed):
        m = starts[i]
        provider_of[i] = instance.pair_prov[m]
        remaining[instance.pair_prov[m]] -= load[m]
    # Pass 1: follow the LP, most decided packages first.
    for i in np.lexsort((-weight, -best_x)):
        if instance.fixed[i] or best_x[i] <= 1e-6:
            continue
        pairs = np.arange(starts[i], starts[i + 1])
        for m in pairs[np.argsort(-lp.x[pairs], kind="stable")]:
            if lp.x[m] <= 1e-6:
                break
            k = instance.pair_prov[m]
            if load[m] <= remaining[k]:
                provider_of[i] = k
                remaining[k] -= load[m]
                break
    # Pass 2: fill leftover capacity, highest unmet weight first, cheapest pair first.
    for i in np.argsort(-weight, kind="stable"):
        if provider_of[i] >= 0 or instance.fixed[i]:
            continue
        if objective.unmet_coef[i] == 0 and lp.u[i] > 0.5:
            continue  # this stage does not reward placing it; the LP left it unmet
        pairs = np.arange(starts[i], starts[i + 1])
        key = np.lexsort((load[pairs], objective.place_coef[pairs]))
        for m in pairs[key]:
            k = instance.pair_prov[m]
            if load[m] <= remaining[k]:
                provider_of[i] = k
                remaining[k] -= load[m]
                break
    return provider_of


def stage_value(stage: LinearStage, instance: AssignmentInstance, provider_of: np.ndarray) -> int:
    """Value of a stage objective for ``provider_of`` (packages off candidate pairs count unmet)."""
    pair = instance.pair_index(provider_of)
    on = pair >= 0
    return int(stage.place_coef[pair[on]].sum() + stage.unmet_coef[~on].sum() + stage.constant)


class _LocalSearch:
    """State of the local search: assignment, room per provider, slack per earlier stage."""

    def __init__(
        self,
        instance: AssignmentInstance,
        provider_of: np.ndarray,
        objective: LinearStage,
        kept: list[tuple[LinearStage, int]],
        multipliers: np.ndarray | None = None,
    ) -> None:
        inst = self.inst = instance
        n, p = inst.n_packages, inst.n_providers
        self.obj = objective
        self.load = inst.pair_load_min
        self.provider_of = np.asarray(provider_of, dtype=np.int64).copy()
        self.pair_of = inst.pair_index(self.provider_of)
        on = self.pair_of[self.pair_of >= 0]
        used = np.bincount(inst.pair_prov[on], weights=self.load[on], minlength=p)
        self.remaining = inst.capacity_min.astype(np.int64) - used.astype(np.int64)
        self.slack = np.array(
            [value - stage_value(st, inst, self.provider_of) for st, value in kept], np.int64
        )
        self.kept_place = np.array([st.place_coef for st, _ in kept], dtype=np.int64).reshape(
            len(kept), inst.n_pairs
        )
        self.kept_unmet = np.array([st.unmet_coef for st, _ in kept], dtype=np.int64).reshape(
            len(kept), n
        )
        self.starts = np.searchsorted(inst.pair_pkg, np.arange(n + 1))
        self.lookup = np.full((n, p), -1, dtype=np.int64)
        self.lookup[inst.pair_pkg, inst.pair_prov] = np.arange(inst.n_pairs)
        self.movable = np.flatnonzero(~inst.fixed & (self.starts[1:] > self.starts[:-1]))
        self.deadline = float("inf")
        self.members: list[set[int]] = [set() for _ in range(p)]
        for i in np.flatnonzero(self.provider_of >= 0):
            self.members[self.provider_of[i]].add(int(i))
        # Re-pack: candidate pairs of each provider (movable packages only) and the prices
        # of earlier stages (LP duals; zero without them, the acceptance test still holds).
        by_prov = np.argsort(inst.pair_prov, kind="stable")
        by_prov = by_prov[~inst.fixed[inst.pair_pkg[by_prov]]]
        cuts = np.searchsorted(inst.pair_prov[by_prov], np.arange(p + 1))
        self.prov_pairs = [by_prov[cuts[k] : cuts[k + 1]] for k in range(p)]
        self.multipliers = (
            np.zeros(len(kept))
            if multipliers is None
            else np.asarray(multipliers, dtype=np.float64).reshape(len(kept))
        )

    # Objective and earlier-stage coefficients of package i where it is now.
    def _base(self, i: int) -> tuple[int, np.ndarray]:
        m0 = self.pair_of[i]
        if m0 >= 0:
            return int(self.obj.place_coef[m0]), self.kept_place[:, m0]
        return int(self.obj.unmet_coef[i]), self.kept_unmet[:, i]

    def _assign(self, i: int, m: int) -> None:
        """Put package i on pair m (-1: unmet), updating room, slack and members."""
        _, base_kept = self._base(i)
        m0 = self.pair_of[i]
        if m0 >= 0:
            k0 = self.inst.pair_prov[m0]
            self.remaining[k0] += self.load[m0]
            self.members[k0].discard(i)
        if m >= 0:
            k = self.inst.pair_prov[m]
            self.remaining[k] -= self.load[m]
            self.members[k].add(i)
            self.slack -= self.kept_place[:, m] - base_kept
            self.provider_of[i] = k
        else:
            self.slack -= self.kept_unmet[:, i] - base_kept
            self.provider_of[i] = -1
        self.pair_of[i] = m

    def _late(self, count: int) -> bool:
        return count % 128 == 0 and time.perf_counter() > self.deadline

    def single_moves(self) -> int:
        """Place or move one package to its best candidate with room; count moves."""
        inst, moves = self.inst, 0
        for count, i in enumerate(self.movable):
            if self._late(count):
                break
            pairs = np.arange(self.starts[i], self.starts[i + 1])
            base_obj, base_kept = self._base(i)
            delta = self.obj.place_coef[pairs] - base_obj
            ok = (delta < 0) & (pairs != self.pair_of[i])
            ok &= self.load[pairs] <= self.remaining[inst.pair_prov[pairs]]
            if len(self.slack):
                dk = self.kept_place[:, pairs] - base_kept[:, None]
                ok &= (dk <= self.slack[:, None]).all(axis=0)
            if ok.any():
                self._assign(i, int(pairs[ok][np.argmin(delta[ok])]))
                moves += 1
        return moves

    def pair_moves(self) -> int:
        """Two-package moves: shift j from k to k2 so i fits at k (i unmet or moving)."""
        inst, moves = self.inst, 0
        for count, i in enumerate(self.movable):
            if self._late(count):
                break
            base_obj, base_kept = self._base(i)
            pairs = np.arange(self.starts[i], self.starts[i + 1])
            gain = self.obj.place_coef[pairs] - base_obj
            for m in pairs[np.argsort(gain, kind="stable")]:
                d_i = int(self.obj.place_coef[m]) - base_obj
                if d_i >= 0:
                    break
                k = inst.pair_prov[m]
                if m == self.pair_of[i] or self.load[m] <= self.remaining[k]:
                    continue
                if self._shift_one_out(i, m, k, d_i, base_kept):
                    moves += 1
                    break
        return moves

    def repack_moves(self) -> int:
        """Re-pack each provider exactly: which of its packages and the unmet ones to serve.

        For provider k, the items are its movable packages and the unmet packages with a
        candidate pair at k; each item is either placed at k or left unmet. A 0/1 knapsack
        (:func:`~optimiser.models.knapsack.knapsack`) over k's room picks the set with the
        largest gain in the stage objective, earlier stages priced by ``multipliers``. The
        new set is taken when the stage objective falls and every earlier stage keeps its
        value. Exact for the first stage, whose objective is all that matters; a priced
        heuristic after it. Returns the number of providers re-packed.
        """
        inst, moves = self.inst, 0
        for k in range(inst.n_providers):
            if time.perf_counter() > self.deadline:
                break
            pairs = self.prov_pairs[k]
            pkg = inst.pair_pkg[pairs]
            here = self.pair_of[pkg] == pairs
            sel = here | (self.pair_of[pkg] < 0)
            pairs, pkg, here = pairs[sel], pkg[sel], here[sel]
            if not len(pairs):
                continue
            obj_gain = self.obj.unmet_coef[pkg] - self.obj.place_coef[pairs]
            kept_gain = self.kept_unmet[:, pkg] - self.kept_place[:, pairs]
            gain = obj_gain + self.multipliers @ kept_gain
            room = int(self.remaining[k] + self.load[pairs[here]].sum())
            take = knapsack(gain, self.load[pairs], room)
            changed = take != here
            if not changed.any():
                continue
            # Placing an item lowers each objective by its gain; unplacing raises it.
            sign = np.where(take[changed], -1, 1)
            d_obj = int((sign * obj_gain[changed]).sum())
            d_kept = (kept_gain[:, changed] * sign).sum(axis=1)
            if d_obj >= 0 or (d_kept > self.slack).any():
                continue
            for m in pairs[changed & ~take]:
                self._assign(int(inst.pair_pkg[m]), -1)
            for m in pairs[changed & take]:
                self._assign(int(inst.pair_pkg[m]), int(m))
            moves += 1
        return moves

    def _shift_one_out(self, i: int, m: int, k: int, d_i: int, base_kept: np.ndarray) -> bool:
        """Find j at k with a move to k2 (or to i's old provider) that lets i onto pair m."""
        inst = self.inst
        members = np.fromiter(self.members[k], dtype=np.int64)
        members = members[~inst.fixed[members]] if len(members) else members
        if not len(members):
            return False
        need = self.load[m] - self.remaining[k]
        mj = self.pair_of[members]
        frees = self.load[mj] >= need
        members, mj = members[frees], mj[frees]
        if not len(members):
            return False
        alt = self.lookup[members]  # (J, P) pair index of each member with each provider
        alt[:, k] = -1
        valid = alt >= 0
        alt_safe = np.where(valid, alt, 0)
        room = self.remaining[None, :].repeat(len(members), axis=0)
        i_from = self.pair_of[i]
        if i_from >= 0:  # i leaves its provider, freeing room there
            room[:, inst.pair_prov[i_from]] += self.load[i_from]
        valid &= self.load[alt_safe] <= room
        delta = d_i + self.obj.place_coef[alt_safe] - self.obj.place_coef[mj][:, None]
        valid &= delta < 0
        if len(self.slack):
            dk = (
                (self.kept_place[:, m] - base_kept)[:, None, None]
                + self.kept_place[:, alt_safe]
                - self.kept_place[:, mj][:, :, None]
            )
            valid &= (dk <= self.slack[:, None, None]).all(axis=0)
        if not valid.any():
            return False
        flat = np.where(valid, delta, np.iinfo(np.int64).max)
        r, c = np.unravel_index(np.argmin(flat), flat.shape)
        j, m_j = int(members[r]), int(alt[r, c])
        self._assign(j, m_j)
        self._assign(i, int(m))
        return True


def improve(
    instance: AssignmentInstance,
    provider_of: np.ndarray,
    objective: LinearStage,
    kept: list[tuple[LinearStage, int]],
    *,
    max_rounds: int = 4,
    time_limit_s: float | None = None,
    multipliers: np.ndarray | None = None,
    repack: bool = True,
) -> np.ndarray:
    """Local search: place or move one package, shift one out of the way to fit another, or
    re-pack a provider exactly (a knapsack over its packages and the unmet ones).

    A move is taken when it lowers the stage objective and keeps every earlier stage within
    its value; rooms are always respected. ``provider_of`` must keep every earlier stage
    already; the result does too. Stops after ``max_rounds`` rounds, when a round changes
    nothing, or after about ``time_limit_s`` seconds. ``multipliers`` (one per earlier stage,
    the LP duals) price the earlier stages in the re-pack; ``repack=False`` leaves it out.
    """
    search = _LocalSearch(instance, provider_of, objective, kept, multipliers)
    if time_limit_s is not None:
        search.deadline = time.perf_counter() + time_limit_s
    for _ in range(max_rounds):
        moves = search.single_moves() + search.pair_moves()
        if repack:
            moves += search.repack_moves()
        if not moves or time.perf_counter() > search.deadline:
            break
    return search.provider_of
