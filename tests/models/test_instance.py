"""Tests for compiling records into the integer assignment instance: units, pruning, errors."""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.data.domain import (
    AssignmentRules,
    Scenario,
    UnmetReason,
    Zone,
    ZoneKind,
    ZonePolicy,
    ZoneRule,
)
from optimiser.demo.synthetic import simple_package, simple_provider
from optimiser.errors import InputError
from optimiser.models.instance import build_instance, to_int
from optimiser.models.reasons import unmet_reasons, unmet_table
from optimiser.models.travel_formula import TravelEstimateParams

#: Travel estimate reduced to the office leg, so weekly travel = office minutes x legs.
OFFICE_ONLY = TravelEstimateParams(office_weight=1.0, min_leg_min=0.0, min_leg_km=0.0)

ZONES = {
    "T": Zone("T", "Town", ZoneKind.NEIGHBOURHOOD, ("A1",), lead_providers=("A",)),
    "R": Zone("R", "Rural", ZoneKind.RURAL, ("A2",), lead_providers=("B",), rate_uplift_pct=10),
}


def _build(packages, providers, office_min, *, scenario=None, **kw):
    office_min = np.asarray(office_min, dtype=float)
    return build_instance(
        packages,
        providers,
        ZONES,
        scenario or Scenario(name="t"),
        office_min,
        office_min * 0.8,
        travel_params=kw.pop("travel_params", OFFICE_ONLY),
        **kw,
    )


def test_integer_units_count_double_handed_twice():
    """Contact minutes count a call once, carer minutes and travel legs twice when double."""
    pkgs = [simple_package("p1", calls=7, duration_min=30, carers=2)]
    inst = _build(pkgs, [simple_provider("A", capacity_hours=40)], [[10.0]])
    assert inst.contact_min.tolist() == [210]
    assert inst.carer_min.tolist() == [420]
    assert inst.carer_visits.tolist() == [14]
    assert inst.pair_travel_min.tolist() == [140]  # 10 min x 14 legs
    assert inst.pair_travel_m.tolist() == [112_000]  # 8 km x 14 legs
    assert inst.pair_load_min.tolist() == [560]
    assert inst.capacity_min.tolist() == [2400]
    assert inst.pair_cost_pence.tolist() == [17_500]  # 25 GBP/h x 7 carer-h


def test_to_int_rounds_half_away_from_zero():
    """The one float-to-integer seam rounds halves away from zero."""
    assert to_int([0.5, 1.5, -0.5, 2.49], 1).tolist() == [1, 2, -1, 2]
    assert to_int(12.345, 100).tolist() == 1235


def test_unmet_weight_adds_priority_and_waiting_days():
    """Hospital discharge weighs 3 per hour, community 1, plus 0.01 per day waiting."""
    from optimiser.data.domain import Priority

    pkgs = [
        simple_package("h", priority=Priority.HOSPITAL_DISCHARGE),
        simple_package("c", days_waiting=50),
    ]
    inst = _build(pkgs, [simple_provider("A", capacity_hours=40)], [[5.0, 5.0]])
    assert inst.unmet_weight.tolist() == [3000, 1500]
    assert inst.hospital.tolist() == [True, False]


def test_pruning_reasons_follow_the_order():
    """Each package records the first reason that removes all its candidates, in order."""
    pkgs = [
        simple_package("skill", needs=frozenset({"peg"}), zone_id="T"),
        simple_package("zone", zone_id="R"),
        simple_package("far", zone_id="T"),
        simple_package("ok", zone_id="T"),
    ]
    providers = [simple_provider("A", capacity_hours=100), simple_provider("C", capacity_hours=9)]
    # Zoned town and rural zones: only A may serve T, only B (absent) may serve R.
    scenario = Scenario(name="z", zone_policy=ZonePolicy(rule=ZoneRule.ZONED))
    office = [[5.0, 5.0, 90.0, 5.0], [5.0, 5.0, 5.0, 5.0]]
    inst = _build(pkgs, providers, office, scenario=scenario)
    assert inst.prune_reason == (
        UnmetReason.NO_SKILL,
        UnmetReason.NO_ZONE_PROVIDER,
        UnmetReason.BEYOND_TRAVEL_LIMIT,
        "",
    )
    assert inst.pair_pkg.tolist() == [3]
    assert inst.rural.tolist() == [False, True, False, False]
    reasons = unmet_reasons(inst, np.array([-1, -1, -1, -1]))
    assert reasons[3] == UnmetReason.NO_CAPACITY
    table = unmet_table(inst, np.array([-1, -1, -1, 0]))
    assert table["reason_text"].tolist()[:3] == [
        "no provider with the skill",
        "no provider allowed in the zone",
        "no provider within the travel limit",
    ]
    assert table["reason"].tolist()[3] == ""


def test_soft_zoning_penalises_non_lead_pairs():
    """With a non-lead penalty, other providers stay candidates at penalty x carer-hours."""
    pkgs = [simple_package("p", zone_id="T", calls=7, duration_min=60)]
    providers = [simple_provider("A", capacity_hours=50), simple_provider("B", capacity_hours=50)]
    scenario = Scenario(
        name="soft", zone_policy=ZonePolicy(rule=ZoneRule.ZONED, non_lead_penalty=2.0)
    )
    inst = _build(pkgs, providers, [[10.0], [5.0]], scenario=scenario)
    assert inst.pair_prov.tolist() == [1, 0]  # nearest first
    assert inst.pair_penalty.tolist() == [1400, 0]  # 2.0 x 7 h, in hundredths


def test_per_zone_rule_overrides_the_default():
    """A per-zone 'spot' rule lets anyone serve that zone under a zoned default."""
    pkgs = [simple_package("t", zone_id="T"), simple_package("r", zone_id="R")]
    providers = [simple_provider("A", capacity_hours=50)]
    policy = ZonePolicy(rule=ZoneRule.ZONED, per_zone={"R": ZoneRule.SPOT})
    inst = _build(pkgs, providers, [[5.0, 5.0]], scenario=Scenario(name="x", zone_policy=policy))
    assert inst.pair_pkg.tolist() == [0, 1]


def test_rural_uplift_raises_pair_cost():
    """A zone's rate uplift raises the price the council pays for its packages."""
    pkgs = [simple_package("r", zone_id="R", calls=7, duration_min=60)]
    inst = _build(pkgs, [simple_provider("B", capacity_hours=50)], [[5.0]])
    assert inst.pair_cost_pence.tolist() == [19_250]  # 25 x 1.1 x 7 h


def test_max_candidates_keeps_nearest_and_current_provider():
    """Only the nearest allowed providers stay candidates, plus the current one if allowed."""
    pkgs = [simple_package("p", current_provider="C")]
    providers = [simple_provider(k, capacity_hours=50) for k in "ABC"]
    rules = AssignmentRules(release_continuity=True)
    inst = _build(
        pkgs,
        providers,
        [[1.0], [2.0], [3.0]],
        scenario=Scenario("r", rules=rules),
        max_candidates=1,
    )
    assert inst.pair_prov.tolist() == [0, 2]
    assert not inst.fixed[0] and inst.active[0]


def test_unreleased_package_keeps_its_provider_beyond_the_rules():
    """Continuity not released: the current pair is the only pair, even beyond the limit."""
    pkgs = [simple_package("p", current_provider="B")]
    providers = [simple_provider("A", capacity_hours=50), simple_provider("B", capacity_hours=50)]
    inst = _build(pkgs, providers, [[1.0], [120.0]])
    assert inst.fixed.tolist() == [True]
    assert inst.pair_prov.tolist() == [1]
    assert inst.prune_reason == ("",)


def test_package_matrix_and_nearest_vector_agree():
    """Passing the full home-to-home matrix or its nearest-other vector gives the same travel."""
    pkgs = [simple_package(f"p{i}") for i in range(3)]
    providers = [simple_provider("A", capacity_hours=100)]
    office = np.array([[10.0, 20.0, 30.0]])
    matrix = np.array([[0, 4, 9], [4, 0, 2], [9, 2, 0]], dtype=float)
    params = TravelEstimateParams(office_weight=0.5, min_leg_min=0, min_leg_km=0)
    args = (pkgs, providers, ZONES, Scenario("s"), office, office)
    a = build_instance(*args, matrix, matrix, travel_params=params)
    b = build_instance(
        *args, np.array([4.0, 2.0, 2.0]), np.array([4, 2, 2.0]), travel_params=params
    )
    assert a.pair_travel_min.tolist() == b.pair_travel_min.tolist() == [49, 77, 112]


def test_bad_inputs_are_all_reported_at_once():
    """Wrong shapes, duplicate ids, unknown zones and providers come in one InputError."""
    pkgs = [
        simple_package("p", zone_id="nowhere"),
        simple_package("p", current_provider="ghost"),
    ]
    providers = [simple_provider("A", capacity_hours=5), simple_provider("A", capacity_hours=5)]
    with pytest.raises(InputError) as err:
        build_instance(pkgs, providers, ZONES, Scenario("s"), np.zeros((3, 2)), np.zeros((2, 2)))
    fields = sorted(p.field for p in err.value.problems)
    assert fields == ["current_provider", "office_min", "package_id", "provider_id", "zone_id"]


def test_empty_inputs_give_clear_messages():
    """No packages or no providers is an InputError that says so."""
    with pytest.raises(InputError, match="no packages to assign"):
        build_instance(
            [],
            [simple_provider("A", capacity_hours=5)],
            {},
            Scenario("s"),
            np.zeros((1, 0)),
            np.zeros((1, 0)),
        )
    with pytest.raises(InputError, match="no providers"):
        build_instance(
            [simple_package("p")], [], {}, Scenario("s"), np.zeros((0, 1)), np.zeros((0, 1))
        )


def test_fixed_packages_overfilling_a_provider_are_released_not_fatal():
    """Current clients who do not fit their provider's capacity no longer abort the run: they
    keep it in table order while the capacity lasts (first fit), the rest are released, and
    the excess names the provider, the hours over and the released packages."""
    pkgs = [
        simple_package("big", current_provider="A", calls=7, duration_min=30),  # 3.5 h
        simple_package("huge", current_provider="A", calls=7, duration_min=60),  # 7 h
        simple_package("small", current_provider="A", calls=2, duration_min=30),  # 1 h
    ]
    providers = [simple_provider("A", capacity_hours=5), simple_provider("B", capacity_hours=20)]
    inst = _build(pkgs, providers, [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    assert inst.fixed.tolist() == [True, False, True]
    assert inst.released.tolist() == [False, True, False]
    (excess,) = inst.capacity_excess
    assert excess.provider_id == "A" and excess.released == ("huge",)
    assert excess.capacity_hours == 5 and excess.over_hours > 6.5
    assert "provider 'A' is" in excess.sentence() and "huge" in excess.sentence()
    # the released package may now go to B; the kept ones still have only their provider
    assert [inst.provider_ids[k] for k in inst.pair_prov[inst.pairs_of(1)]] == ["A", "B"]
    assert len(inst.pairs_of(0)) == 1
