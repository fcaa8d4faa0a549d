"""LP relaxation of an assignment stage and its rounding: warm starts and bounds for CP-SAT.

The stage's linear programme (pair and unmet variables in [0, 1], one provider or unmet per
package, capacity, fixed packages, earlier stages kept at their values) is solved with HiGHS
through ``scipy.optimize.linprog``. Its optimum is a valid lower bound of the stage, and a
vertex has few fractional packages, so rounding it gives a near-optimal integral assignment:
packages are placed in decreasing order of their largest LP value with the provider the LP
favours if it has room, then every package still unplaced, highest unmet weight first, goes to
the candidate with room whose stage cost is lowest. A one-move local search (:func:`improve`)
then places or moves single packages while the stage objective falls and every earlier stage
keeps its value. CP-SAT starts from the best of these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, vstack

from optimiser.models.instance import AssignmentInstance


@dataclass(frozen=True)
class LinearStage:
    """A linear function of the pair variables (M,) and unmet variables (N,) plus a constant."""

    place_coef: np.ndarray
    unmet_coef: np.ndarray
    constant: int


@dataclass(frozen=True)
class LpResult:
    """The relaxation's optimum: pair values ``x`` (M,), unmet values ``u`` (N,), objective."""

    x: np.ndarray
    u: np.ndarray
    objective: float


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
    b_eq = np.ones(n)
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
    fixed_pairs = np.flatnonzero(instance.fixed[instance.pair_pkg])
    lower[fixed_pairs] = 1.0
    bounds = np.column_stack([lower, np.ones(cols)])
    res = linprog(
        c,
        A_ub=vstack(rows).tocsr(),
        b_ub=np.concatenate(b_ub),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs-ds",
        options={"time_limit": max(time_limit_s, 0.01), "presolve": True},
    )
    if res.status != 0 or res.x is None:
        return None
    return LpResult(x=res.x[:m], u=res.x[m:], objective=float(res.fun) + objective.constant)


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


def improve(
    instance: AssignmentInstance,
    provider_of: np.ndarray,
    objective: LinearStage,
    kept: list[tuple[LinearStage, int]],
    *,
    max_passes: int = 3,
) -> np.ndarray:
    """One-move local search: place or move one package at a time while the stage improves.

    A move puts package ``i`` on another candidate pair with room (or places it if unmet); it
    is taken when it lowers the stage objective and keeps every earlier stage within its value.
    ``provider_of`` must keep every earlier stage already; the result does too.
    """
    provider_of = np.asarray(provider_of, dtype=np.int64).copy()
    n = instance.n_packages
    load = instance.pair_load_min
    pair_of = instance.pair_index(provider_of)
    used = np.bincount(
        instance.pair_prov[pair_of[pair_of >= 0]],
        weights=load[pair_of[pair_of >= 0]],
        minlength=instance.n_providers,
    ).astype(np.int64)
    remaining = instance.capacity_min.astype(np.int64) - used
    slack = np.array([value - stage_value(st, instance, provider_of) for st, value in kept])
    kept_place = np.array([st.place_coef for st, _ in kept]).reshape(len(kept), instance.n_pairs)
    kept_unmet = np.array([st.unmet_coef for st, _ in kept]).reshape(len(kept), n)
    starts = np.searchsorted(instance.pair_pkg, np.arange(n + 1))
    movable = np.flatnonzero(~instance.fixed & (starts[1:] > starts[:-1]))
    for _ in range(max_passes):
        changed = 0
        for i in movable:
            pairs = np.arange(starts[i], starts[i + 1])
            m0 = pair_of[i]
            if m0 >= 0:
                base_obj = objective.place_coef[m0]
                base_kept = kept_place[:, m0]
            else:
                base_obj = objective.unmet_coef[i]
                base_kept = kept_unmet[:, i]
            delta = objective.place_coef[pairs] - base_obj
            ok = (delta < 0) & (pairs != m0)
            ok &= load[pairs] <= remaining[instance.pair_prov[pairs]]
            if len(kept):
                dk = kept_place[:, pairs] - base_kept[:, None]
                ok &= (dk <= slack[:, None]).all(axis=0)
            if not ok.any():
                continue
            best = pairs[ok][np.argmin(delta[ok])]
            if m0 >= 0:
                remaining[instance.pair_prov[m0]] += load[m0]
            remaining[instance.pair_prov[best]] -= load[best]
            if len(kept):
                slack -= kept_place[:, best] - base_kept
            pair_of[i] = best
            provider_of[i] = instance.pair_prov[best]
            changed += 1
        if not changed:
            break
    return provider_of
