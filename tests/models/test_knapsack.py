"""Tests for the exact 0/1 knapsack used to re-pack providers, against brute force."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from optimiser.models.knapsack import knapsack


def _brute_force(values: list[float], weights: list[int], capacity: int) -> float:
    best = 0.0
    for take in itertools.product((False, True), repeat=len(values)):
        w = sum(wi for wi, t in zip(weights, take, strict=True) if t)
        if w <= capacity:
            best = max(best, sum(vi for vi, t in zip(values, take, strict=True) if t))
    return best


def test_two_small_items_beat_one_big():
    # Capacity 10: 6 (value 6) alone, or 5 + 5 (value 4 + 4).
    take = knapsack(np.array([6.0, 4.0, 4.0]), np.array([6, 5, 5]), 10)
    assert take.tolist() == [False, True, True]


def test_items_of_no_value_or_too_heavy_are_left():
    take = knapsack(np.array([0.0, -1.0, 5.0, 3.0]), np.array([1, 1, 11, 2]), 10)
    assert take.tolist() == [False, False, False, True]


def test_empty_and_negative_capacity():
    assert knapsack(np.array([]), np.array([], dtype=int), 5).tolist() == []
    assert knapsack(np.array([1.0]), np.array([1]), -1).tolist() == [False]


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(
        st.tuples(st.floats(-5, 50, allow_nan=False), st.integers(0, 30)), min_size=1, max_size=9
    ),
    capacity=st.integers(0, 80),
)
def test_matches_brute_force(items, capacity):
    values = [v for v, _ in items]
    weights = [w for _, w in items]
    take = knapsack(np.array(values), np.array(weights), capacity)
    assert np.array(weights)[take].sum() <= capacity
    got = float(np.array(values)[take].sum())
    assert abs(got - _brute_force(values, weights, capacity)) <= 1e-9 * max(1.0, got)


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(
        st.tuples(st.floats(0, 50, allow_nan=False), st.integers(0, 400)), min_size=1, max_size=12
    ),
    capacity=st.integers(0, 2000),
)
def test_coarse_table_still_fits(items, capacity):
    """With a tiny table the weights are coarsened: the chosen set must still fit."""
    values = np.array([v for v, _ in items])
    weights = np.array([w for _, w in items])
    take = knapsack(values, weights, capacity, max_cells=50)
    assert weights[take].sum() <= capacity
