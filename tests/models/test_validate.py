"""Tests for the solver-independent assignment checker: it re-derives the rules from the records.

A pruning bug planted in the instance builder admits a candidate pair that breaks a rule; the
solver, which only sees the pairs, uses it; the checker, which reads the records, names it.
"""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.data.domain import (
    AssignmentRules,
    Scenario,
    SolverSettings,
    Zone,
    ZoneKind,
    ZonePolicy,
    ZoneRule,
)
from optimiser.demo.synthetic import simple_package, simple_provider
from optimiser.models import instance as instance_module
from optimiser.models.assign import solve_assignment
from optimiser.models.greedy import greedy_assignment
from optimiser.models.instance import build_instance
from optimiser.models.travel_formula import TravelEstimateParams
from optimiser.models.validate import check_assignment

#: Weekly travel = office minutes x legs, so loads are easy to count by hand.
OFFICE_ONLY = TravelEstimateParams(office_weight=1.0, min_leg_min=0.0, min_leg_km=0.0)
ZONES = {"T": Zone("T", "Town", ZoneKind.NEIGHBOURHOOD, ("A1",), lead_providers=("B",))}
ZONED = Scenario("z", zone_policy=ZonePolicy(rule=ZoneRule.ZONED))


def _build(packages, providers, office_min, scenario=None):
    office = np.asarray(office_min, dtype=float)
    return build_instance(
        packages,
        providers,
        ZONES,
        scenario or Scenario("v"),
        office,
        office,
        travel_params=OFFICE_ONLY,
    )


# Broken pruning rules, each admitting what its rule forbids (same signatures as the real ones).
def _zone_rule_off(packages, providers, *_args):
    shape = (len(providers), len(packages))
    return np.ones(shape, dtype=bool), np.zeros(shape, dtype=bool)


def _skill_rule_off(packages, providers):
    return np.ones((len(providers), len(packages)), dtype=bool)


def _travel_limit_off(office_min, _limit):
    return np.isfinite(office_min)


# A broken demand count: a double-handed call's carer time counted once.
def _double_ups_once(packages):
    contact, _carer, legs = _REAL_DEMAND(packages)
    return contact, contact.copy(), legs


_REAL_DEMAND = instance_module._demand

#: A nearer provider A that breaks the rule, and B that keeps it (the zone's lead, skilled).
_TWO = [
    simple_provider("A", capacity_hours=40),
    simple_provider("B", capacity_hours=40, skills=frozenset({"dementia"})),
]


@pytest.mark.parametrize(
    ("helper", "broken", "package", "office_min", "scenario", "complaint"),
    [
        # skills: A lacks the dementia skill the package needs, and is nearer
        (
            "_skill_rule",
            _skill_rule_off,
            simple_package("p", calls=2, needs=frozenset({"dementia"})),
            [[1.0], [5.0]],
            None,
            "lacks skill(s) ['dementia']",
        ),
        # zone rule: the package's zone is zoned with lead B only; A is nearer
        (
            "_zone_rule",
            _zone_rule_off,
            simple_package("p", calls=2, zone_id="T"),
            [[1.0], [5.0]],
            ZONED,
            "not a lead provider of zone 'T'",
        ),
        # travel limit: A is the only provider the office matrix reaches, at 60 min > 45
        (
            "_travel_limit_rule",
            _travel_limit_off,
            simple_package("p", calls=2),
            [[60.0], [np.nan]],
            None,
            "beyond the travel limit 45 min",
        ),
    ],
)
def test_checker_catches_a_pruning_bug_the_pairs_hide(
    monkeypatch, helper, broken, package, office_min, scenario, complaint
):
    """A candidate pair that breaks a rule is used by the solver and named by the checker."""
    monkeypatch.setattr(instance_module, helper, broken)
    inst = _build([package], _TWO, office_min, scenario)
    for provider_of in (
        greedy_assignment(inst).provider_of,
        solve_assignment(inst, SolverSettings(time_limit_s=5.0, workers=1, seed=0)).provider_of,
    ):
        assert provider_of.tolist() == [0]  # the broken pair: provider A
        assert inst.pair_index(provider_of).tolist() != [-1]  # the pairs alone would pass it
        problems = check_assignment(inst, provider_of)
        assert len(problems) == 1 and complaint in problems[0], problems


def test_checker_counts_double_handed_calls_twice_when_the_builder_does_not(monkeypatch):
    """A builder counting a double-up's carer time once overfills; the checker counts it twice."""
    monkeypatch.setattr(instance_module, "_demand", _double_ups_once)
    # 7 double-handed hours: 420 contact min, 840 carer min; capacity 10 h = 600 min.
    pkg = simple_package("p", calls=7, duration_min=60, carers=2)
    inst = _build([pkg], [simple_provider("A", capacity_hours=10)], [[0.0]])
    provider_of = greedy_assignment(inst).provider_of
    assert provider_of.tolist() == [0]
    assert check_assignment(inst, provider_of) == [
        "provider 'A': load 840 carer-min/week (travel included) exceeds capacity 600"
    ]


def test_capacity_includes_travel_and_each_carers_leg():
    """Carer time that fits can still overfill once each carer's travel leg is counted."""
    # 2 calls x 60 min x 2 carers = 240 carer min; travel 10 min x 4 legs = 40; capacity 4 h.
    pkg = simple_package("p", calls=2, duration_min=60, carers=2)
    inst = _build([pkg], [simple_provider("A", capacity_hours=4)], [[10.0]])
    assert check_assignment(inst, np.array([0])) == [
        "provider 'A': load 280 carer-min/week (travel included) exceeds capacity 240"
    ]
    roomy = _build([pkg], [simple_provider("A", capacity_hours=280 / 60)], [[10.0]])
    assert check_assignment(roomy, np.array([0])) == []


def test_continuity_not_released_keeps_the_current_provider_whatever_the_rules():
    """A fixed package may stay off-skill and far away, but not move or go unmet."""
    pkg = simple_package("p", calls=2, needs=frozenset({"dementia"}), current_provider="A")
    inst = _build([pkg], _TWO, [[60.0], [1.0]])
    assert check_assignment(inst, np.array([0])) == []  # existing contract: no rule applies
    assert check_assignment(inst, np.array([1])) == [
        "package 'p': continuity not released but moved from 'A' to 'B'",
        "package 'p': provider 'B' is not one of its candidates",
    ]
    assert check_assignment(inst, np.array([-1])) == [
        "package 'p': continuity not released but moved from 'A' to 'unmet'"
    ]
    released = Scenario("r", rules=AssignmentRules(release_continuity=True))
    free = _build([pkg], _TWO, [[60.0], [1.0]], released)
    assert check_assignment(free, np.array([1])) == []
    broken = check_assignment(free, np.array([0]))
    assert "lacks skill(s) ['dementia']" in broken[0]
    assert "beyond the travel limit" in broken[1]


def test_a_provider_outside_the_candidates_is_reported():
    """A solver may only use candidate pairs: another provider is named even if rule-valid."""
    pkgs = [simple_package("p", calls=1)]
    providers = [simple_provider(k, capacity_hours=40) for k in "ABC"]
    office = np.array([[1.0], [2.0], [3.0]])
    inst = build_instance(
        pkgs, providers, {}, Scenario("m"), office, office,
        travel_params=OFFICE_ONLY, max_candidates=2,
    )  # fmt: skip
    assert check_assignment(inst, np.array([2])) == [
        "package 'p': provider 'C' is not one of its candidates"
    ]
