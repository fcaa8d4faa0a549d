"""Tests for the surrogate knapsack bound of an assignment stage: valid, and above the LP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser.models.assign import _AssignmentModel
from optimiser.models.lp_warm_start import solve_relaxation, stage_value
from optimiser.models.surrogate_bound import surrogate_bound
from optimiser.models.validate import check_assignment
from tests.models.test_assign import _tight_packing, tiny_instances


def _first_stages(inst):
    """The unmet stage's objective and the earlier stage kept (as the solver keeps it)."""
    model = _AssignmentModel(inst)
    return model.objective("current_clients"), model.objective("unmet")


def _optimum(inst, current, unmet) -> tuple[int, int]:
    """Brute force: the least current-clients value, then the least unmet-stage value."""
    options = [[-1, *inst.pair_prov[inst.pairs_of(i)].tolist()] for i in range(inst.n_packages)]
    best = None
    for combo in itertools.product(*options):
        provider_of = np.array(combo, dtype=np.int64)
        if check_assignment(inst, provider_of):
            continue
        key = (stage_value(current, inst, provider_of), stage_value(unmet, inst, provider_of))
        best = key if best is None or key < best else best
    assert best is not None
    return best


def test_the_bound_cannot_place_part_of_a_package():
    """Tight packing (two 10 h providers; 7 h at weight 2, then 6, 6, 4, 4 h): the LP proves
    7 weighted hours unmet, the surrogate 8 (one knapsack of 20 h takes 7 + 6 + 6 and leaves
    4 + 4), the optimum is 10; the bound lies between the LP and the optimum."""
    inst = _tight_packing()
    _, unmet = _first_stages(inst)
    lp = solve_relaxation(inst, unmet, [], time_limit_s=10)
    assert lp is not None and lp.objective == pytest.approx(7 * 60 * 1000)
    bound = surrogate_bound(inst, unmet, [], lp.capacity_duals)
    assert bound == pytest.approx(8 * 60 * 1000)
    assert bound <= _optimum(inst, *_first_stages(inst))[1] == 10 * 60 * 1000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=tiny_instances(), prices=st.lists(st.floats(0.0, 3.0), min_size=3, max_size=3))
def test_the_bound_never_exceeds_the_optimum(inst, prices):
    """On tiny instances (skills, zones, continuity, double-handed calls) and any prices,
    with the current-clients stage kept at its optimum, the bound is at most the unmet
    stage's brute-force optimum, and so is the bound priced by the LP's duals."""
    current, unmet = _first_stages(inst)
    kept_value, optimum = _optimum(inst, current, unmet)
    kept = [] if inst.keep_current_clients == "off" else [(current, kept_value)]
    lp = solve_relaxation(inst, unmet, kept, time_limit_s=10)
    for weights in (np.array(prices[: inst.n_providers]), lp.capacity_duals):
        bound = surrogate_bound(inst, unmet, kept, weights)
        assert bound is None or bound <= optimum + 1e-6
