"""Tests for the unmet-set cut bound of an assignment stage: valid, and above the surrogate."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from optimiser.models.lp_warm_start import solve_relaxation
from optimiser.models.mip_stage import MipMemo
from optimiser.models.surrogate_bound import surrogate_bound
from optimiser.models.unmet_cuts import unmet_cut_bound
from tests.models.test_assign import _tight_packing, tiny_instances
from tests.models.test_surrogate_bound import _first_stages, _optimum

HOUR = 60 * 1000  # one weighted hour in the unmet stage's units (weight 1: 1000 per minute)


def test_the_cuts_prove_the_tight_packing_where_the_surrogate_cannot():
    """Two 10 h providers; 7 h at weight 2, then 6, 6, 4, 4 h. The LP proves 7 weighted
    hours, the surrogate knapsack 8 (7 + 6 + 6 fit 20 h as one room), the optimum is 10.
    With the unmet choices integral the relaxation places 7, 6 and 6; HiGHS proves no
    assignment places all three (7 + 6 and 6 + 6 each exceed 10 h), and after that cut the
    relaxation's optimum is the optimum: the bound proves it."""
    inst = _tight_packing()
    _, unmet = _first_stages(inst)
    lp = solve_relaxation(inst, unmet, [], time_limit_s=10)
    assert lp is not None
    surrogate = surrogate_bound(inst, unmet, [], lp.capacity_duals)
    assert surrogate == pytest.approx(8 * HOUR)
    result = unmet_cut_bound(inst, unmet, [], time_limit_s=60)
    assert result.bound == pytest.approx(10 * HOUR) and result.cuts >= 1
    assert not result.wall_cap_hit
    assert result.bound <= _optimum(inst, *_first_stages(inst))[1]


def test_a_memo_bounds_a_programme_once():
    """The second call with one memo takes the bound from it (no cuts counted: -1)."""
    inst = _tight_packing()
    _, unmet = _first_stages(inst)
    memo = MipMemo()
    first = unmet_cut_bound(inst, unmet, [], time_limit_s=60, memo=memo)
    second = unmet_cut_bound(inst, unmet, [], time_limit_s=60, memo=memo)
    assert len(memo) == 1 and memo.hits == 1
    assert second.bound == first.bound and second.cuts == -1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inst=tiny_instances())
def test_the_bound_never_exceeds_the_optimum(inst):
    """On tiny instances (skills, zones, continuity, double-handed calls), with the
    current-clients stage kept at its optimum, the bound is at most the unmet stage's
    brute-force optimum, and at least the LP's."""
    current, unmet = _first_stages(inst)
    kept_value, optimum = _optimum(inst, current, unmet)
    kept = [] if inst.keep_current_clients == "off" else [(current, kept_value)]
    result = unmet_cut_bound(inst, unmet, kept, time_limit_s=60)
    assert result.bound is not None and result.bound <= optimum + 1e-6
    lp = solve_relaxation(inst, unmet, kept, time_limit_s=10)
    assert lp is not None and result.bound >= lp.objective - 1e-6 * max(1.0, abs(lp.objective))
