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


def test_values_far_apart_in_size():
    """Scaling to integer profits keeps a tiny gain that decides between equal big ones."""
    take = knapsack(np.array([5e11, 5e11 + 3.0, 1e-3]), np.array([10, 10, 1]), 11)
    assert take.tolist() == [False, True, True]


def test_a_provider_sized_problem_is_exact_and_fits():
    """150 packages and 64,000 minutes (a provider in the 10,000 x 100 benchmark)."""
    rng = np.random.default_rng(0)
    values = rng.uniform(1e5, 5e6, 150)
    weights = rng.integers(100, 2500, 150)
    take = knapsack(values, weights, 64_000)
    assert weights[take].sum() <= 64_000
    # Greedy by value per minute is a lower bound of the optimum.
    greedy, room = 0.0, 64_000
    for j in np.argsort(-values / weights):
        if weights[j] <= room:
            greedy, room = greedy + values[j], room - weights[j]
    assert values[take].sum() >= greedy
