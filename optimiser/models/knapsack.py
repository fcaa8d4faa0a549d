"""Exact 0/1 knapsack by dynamic programming over capacity, vectorised with NumPy.

Used by the assignment local search to re-pack one provider at a time: which of its
packages and of the waiting ones to serve, given its capacity in carer minutes. The table
has one row per item and one column per unit of capacity; when that would exceed
``max_cells`` the weights are rounded up and the capacity down to a coarser unit, so the
answer always fits (it may then miss the exact optimum by a sliver of capacity).

Why not OR-Tools' own knapsack solver: its branch and bound is fast on random items, but on
the re-pack problems (many packages of nearly equal value per minute) 7 of 100 providers hit
a 1 s limit, a sweep took 9.7 s instead of 1.8 s here, and the 10,000 x 100 benchmark's gap
rose from 0.24% to 0.56%. Its dynamic-programming solver was slower than this one.
"""

from __future__ import annotations

import numpy as np

#: Largest DP table (items x capacity units) before weights are coarsened (about 40 MB).
MAX_CELLS = 40_000_000


def knapsack(
    values: np.ndarray,
    weights: np.ndarray,
    capacity: int,
    *,
    max_cells: int = MAX_CELLS,
) -> np.ndarray:
    """Items to take (boolean mask) maximising total value with total weight <= capacity.

    ``values`` are floats (items of value <= 0 are never taken), ``weights`` non-negative
    integers, ``capacity`` an integer. Exact unless ``len(values) * (capacity + 1)`` exceeds
    ``max_cells``, when weights and capacity are scaled to a coarser unit (weights rounded
    up, capacity down), which keeps the chosen set within ``capacity``.
    """
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.int64)
    chosen = np.zeros(len(values), dtype=bool)
    capacity = int(capacity)
    if capacity < 0 or not len(values):
        return chosen
    useful = np.flatnonzero((values > 0) & (weights <= capacity))
    if not len(useful):
        return chosen
    unit = max(1, int(np.ceil(len(useful) * (capacity + 1) / max_cells)))
    w = -(-weights[useful] // unit)  # ceiling division
    cap = capacity // unit
    v = values[useful]
    best = np.zeros(cap + 1)
    take = np.zeros((len(useful), cap + 1), dtype=bool)
    with_j = np.empty(cap + 1)  # one buffer: no new arrays per item (half the time)
    for j in range(len(useful)):
        wj = int(w[j])
        if wj > cap:
            continue
        # best value at each capacity with item j: computed from the old row before it changes
        cand = with_j[: cap + 1 - wj]
        np.add(best[: cap + 1 - wj], v[j], out=cand)
        tail = best[wj:]
        np.greater(cand, tail, out=take[j, wj:])
        np.maximum(tail, cand, out=tail)  # the same values as choosing by the mask
    c = cap
    for j in range(len(useful) - 1, -1, -1):
        if take[j, c]:
            chosen[useful[j]] = True
            c -= int(w[j])
    return chosen
