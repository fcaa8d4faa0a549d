"""The brokerage baseline: packages in waiting order, each to the nearest provider with room.

It mimics how brokers place packages today, so every optimised result can show what the
optimiser adds. Order: packages that must stay with their provider first; then active packages
(kept with their current provider when it is allowed and has room); then the waiting list,
hospital discharges first, longest wait first, then input order. Each package goes to the
first candidate provider, nearest office first, with room for its carer time and travel.
It uses the instance's candidate pairs and capacity rule, so it is comparable with CP-SAT.
"""

from __future__ import annotations

import time

import numpy as np

from optimiser.models.instance import AssignmentInstance
from optimiser.models.solution import AssignmentSolution
from optimiser.models.validate import objective_values


def brokerage_order(instance: AssignmentInstance) -> np.ndarray:
    """Package indices in brokerage order (see the module docstring)."""
    idx = np.arange(instance.n_packages)
    # np.lexsort sorts by the last key first.
    group = np.where(instance.fixed, 0, np.where(instance.active, 1, 2))
    return np.lexsort((idx, -instance.days_waiting, ~instance.hospital, group))


def greedy_provider_of(instance: AssignmentInstance) -> np.ndarray:
    """Provider index per package (-1 = unmet) chosen by the brokerage rule."""
    remaining = instance.capacity_min.astype(np.int64).copy()
    load = instance.pair_load_min
    provider_of = np.full(instance.n_packages, -1, dtype=np.int64)
    starts = np.searchsorted(instance.pair_pkg, np.arange(instance.n_packages + 1))
    for i in brokerage_order(instance):
        pairs = range(starts[i], starts[i + 1])
        cur = instance.current[i]
        if instance.active[i] and cur >= 0:
            # Today's provider first: brokerage does not move people who are served.
            pairs = sorted(pairs, key=lambda m: instance.pair_prov[m] != cur)
        for m in pairs:
            k = instance.pair_prov[m]
            if instance.fixed[i] or load[m] <= remaining[k]:
                provider_of[i] = k
                remaining[k] -= load[m]
                break
    return provider_of


def greedy_assignment(instance: AssignmentInstance) -> AssignmentSolution:
    """The brokerage baseline as an :class:`AssignmentSolution` (status ``HEURISTIC``)."""
    start = time.perf_counter()
    provider_of = greedy_provider_of(instance)
    provider_of.setflags(write=False)
    return AssignmentSolution(
        provider_of=provider_of,
        method="greedy brokerage",
        status="HEURISTIC",
        optimality_gap=None,
        stages=(),
        settings=None,
        wall_s=time.perf_counter() - start,
        values=objective_values(instance, provider_of),
    )
