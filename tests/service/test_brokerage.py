"""Brokering a batch: allocation in order within spare capacity, and the reason a broker reads."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from optimiser.brokerage import (
    MATCHED,
    NO_PROVIDER,
    NO_ROOM,
    OPTION_COLUMNS,
    allocate_batch,
    allocation_order,
    broker_batch,
    capacity_after_choices,
)
from optimiser.data.domain import (
    CallType,
    Package,
    Priority,
    Provider,
    Scenario,
    Visit,
    Zone,
    ZoneKind,
    ZonePolicy,
    ZoneRule,
)

VISITS = (Visit(0, CallType.MORNING, 60), Visit(1, CallType.MORNING, 60))


def _providers() -> list[Provider]:
    return [
        Provider("NEAR", "Near", 52.6, -0.7, 100, 5, 25, 12.71, skills=frozenset()),
        Provider("LEAD", "Lead", 52.6, -0.7, 100, 5, 25, 12.71, skills=frozenset({"dementia"})),
        Provider("FULL", "Full", 52.6, -0.7, 1, 1, 25, 12.71, skills=frozenset({"dementia"})),
    ]


def _one(office_min: list[float], travel_min: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    office = np.array(office_min, dtype=float).reshape(-1, 1)
    return office, np.full_like(office, travel_min)


def test_zoned_rule_ranks_the_lead_first_and_names_missing_skills() -> None:
    """Under zoning the zone's lead comes first even if farther; a provider lacking the skill
    ranks below every eligible one, and the reason says which skill is missing."""
    pk = Package("P1", 52.6, -0.7, 2.0, VISITS, needs=frozenset({"dementia"}), zone_id="Z1")
    zone = Zone("Z1", "Zone one", ZoneKind.RURAL, ("A1",), lead_providers=("LEAD",))
    scenario = Scenario("z", zone_policy=ZonePolicy(ZoneRule.ZONED, non_lead_penalty=1.0))
    office, travel = _one([5.0, 20.0, 10.0])
    batch = broker_batch(
        [pk],
        _providers(),
        {"Z1": zone},
        scenario,
        office_min=office,
        travel_carer_min=travel,
        used_carer_hours={"FULL": 1.0},
    )
    table = batch.suggestions(3)
    assert list(table.columns) == list(OPTION_COLUMNS)
    assert list(table["provider_id"]) == ["LEAD", "FULL", "NEAR"]
    assert "lead provider in Zone one" in table.loc[0, "reason"]
    assert "no room" in table.loc[1, "reason"]
    assert "lacks skill dementia" in table.loc[2, "reason"]
    assert batch.decisions.loc[0, "suggested_provider_id"] == "LEAD"


def test_spot_rule_ranks_nearest_with_room_first_and_flags_unreachable() -> None:
    """On the spot market the nearest provider with room wins; no road route is said plainly."""
    pk = Package("P2", 52.6, -0.7, 2.0, VISITS)
    office, travel = _one([7.0, 3.0, np.nan])
    table = broker_batch(
        [pk],
        _providers(),
        {},
        Scenario("s"),
        office_min=office,
        travel_carer_min=travel,
        used_carer_hours={},
    ).suggestions(3)
    assert list(table["provider_id"]) == ["LEAD", "NEAR", "FULL"]
    assert pd.isna(table.loc[2, "travel_min"])
    assert "no road route" in table.loc[2, "reason"]
    assert table["rank"].tolist() == [1, 2, 3]


def test_a_hand_made_batch_shares_one_providers_spare_hours_in_priority_order() -> None:
    """Two providers, four packages. ONLY has 6 spare carer-hours, SMALL has 1.5. In the
    upload order C1 (community, 2 days), H1 (hospital discharge), C2 (community, 30 days),
    C3 (community, 0 days): the discharge goes first and takes 2 h care + 1 h travel from
    ONLY; C2 (longer wait) then takes 3 h from ONLY; C1 needs 3 h but ONLY has 0 left and
    SMALL only 1.5, so C1 waits (never pre-filled); C3 needs 1.5 h at SMALL (1 h care + 0.5 h
    travel) and gets it. Needed hours include travel; the summary counts what happened."""
    one_hour = (Visit(0, CallType.MORNING, 60),)
    two_hours = (Visit(0, CallType.MORNING, 60), Visit(1, CallType.MORNING, 60))
    packages = [
        Package("C1", 52.6, -0.7, 2.0, two_hours, days_waiting=2),
        Package("H1", 52.6, -0.7, 2.0, two_hours, priority=Priority.HOSPITAL_DISCHARGE),
        Package("C2", 52.6, -0.7, 2.0, two_hours, days_waiting=30),
        Package("C3", 52.6, -0.7, 1.0, one_hour),
    ]
    providers = [
        Provider("ONLY", "Only", 52.6, -0.7, 16.0, 3, 25, 12.71),
        Provider("SMALL", "Small", 52.6, -0.7, 11.5, 3, 25, 12.71),
    ]
    office = np.array([[5.0, 5.0, 5.0, 50.0], [30.0, 30.0, 30.0, 10.0]])  # C3 beyond ONLY's limit
    travel = np.array([[60.0, 60.0, 60.0, 30.0], [60.0, 60.0, 60.0, 30.0]])
    batch = broker_batch(
        packages,
        providers,
        {},
        Scenario("s"),
        office_min=office,
        travel_carer_min=travel,
        used_carer_hours={"ONLY": 10.0, "SMALL": 10.0},
    )
    d = batch.decisions.set_index("package_id")
    assert d["turn"].to_dict() == {"H1": 1, "C2": 2, "C1": 3, "C3": 4}
    assert d["status"].to_dict() == {"C1": NO_ROOM, "H1": MATCHED, "C2": MATCHED, "C3": MATCHED}
    assert d["suggested_provider_id"].to_dict() == {
        "C1": "",
        "H1": "ONLY",
        "C2": "ONLY",
        "C3": "SMALL",
    }
    assert d.loc["H1", "needed_carer_hours"] == 3.0  # 2 h care + 1 h travel
    spare = batch.spare.set_index("provider_id")["spare_after_batch"].to_dict()
    assert spare == {"ONLY": 0.0, "SMALL": 0.0}
    c1 = batch.options[batch.options["package_id"] == "C1"]
    assert c1["spare_carer_hours"].tolist() == [0.0, 1.5]  # what was left at C1's turn
    assert not c1["suggested"].any()
    assert batch.summary() == {
        "packages": 4,
        "matched": 3,
        "waiting_no_room": 1,
        "waiting_no_provider": 0,
        "not_located": 0,
    }


def test_a_package_no_provider_may_take_is_not_a_capacity_case() -> None:
    """A package whose skill no provider holds waits with its own status and reason."""
    pk = Package("P", 52.6, -0.7, 2.0, VISITS, needs=frozenset({"language_welsh"}))
    office, travel = _one([5.0, 5.0, 5.0])
    batch = broker_batch(
        [pk],
        _providers(),
        {},
        Scenario("s"),
        office_min=office,
        travel_carer_min=travel,
        used_carer_hours={},
    )
    assert batch.decisions.loc[0, "status"] == NO_PROVIDER
    assert "lacks skill language_welsh" in batch.decisions.loc[0, "reason"]


def test_overrides_show_which_provider_goes_over_capacity() -> None:
    """A broker who overrides a suggestion sees the provider's spare hours after every
    choice, and a provider pushed over its capacity is flagged."""
    pk = [Package(f"P{i}", 52.6, -0.7, 2.0, VISITS) for i in range(2)]
    office = np.full((3, 2), 5.0)
    batch = broker_batch(
        pk,
        _providers(),
        {},
        Scenario("s"),
        office_min=office,
        travel_carer_min=np.zeros((3, 2)),
        used_carer_hours={},
    )
    after = capacity_after_choices({"P0": "FULL", "P1": ""}, batch.options, batch.spare)
    row = after.set_index("provider_id").loc["FULL"]
    assert row["chosen_carer_hours"] == 2.0 and row["spare_after_choices"] == -1.0
    assert bool(row["over_capacity"])
    assert not after.set_index("provider_id").loc["NEAR", "over_capacity"]


@st.composite
def _batches(draw: st.DrawFn) -> tuple:
    """Random batches: 1-4 providers, 1-8 packages, random eligibility, needs and room."""
    p = draw(st.integers(1, 4))
    n = draw(st.integers(1, 8))
    cells = st.lists(st.booleans(), min_size=p * n, max_size=p * n)
    eligible = np.array(draw(cells)).reshape(p, n)
    hours = st.floats(0.25, 20.0, allow_nan=False)
    needed = np.array(draw(st.lists(hours, min_size=p * n, max_size=p * n))).reshape(p, n)
    spare = np.array(draw(st.lists(st.floats(0.0, 40.0), min_size=p, max_size=p)))
    preference = np.array(
        draw(st.lists(st.floats(0.0, 60.0), min_size=p * n, max_size=p * n))
    ).reshape(p, n)
    order = draw(st.permutations(list(range(n))))
    return order, eligible, preference, needed, spare


@settings(max_examples=200, deadline=None)
@given(_batches())
def test_allocation_never_exceeds_capacity_and_respects_the_order(batch: tuple) -> None:
    """For any batch: no provider is given more than its spare hours; each package, at its
    turn, gets its most preferred eligible provider with room, or waits only when no eligible
    provider had room then (an earlier package is never passed over for a later one)."""
    order, eligible, preference, needed, spare = batch
    alloc = allocate_batch(order, eligible, preference, needed, spare)
    taken = np.zeros_like(spare)
    left = spare.copy()
    for i in order:  # re-derive the walk from the rules, independently of the function
        k = int(alloc.provider_of[i])
        np.testing.assert_allclose(alloc.spare_before[i], left)
        fits = [j for j in range(len(spare)) if eligible[j, i] and left[j] >= needed[j, i]]
        if not fits:
            assert k == -1
            continue
        assert k in fits and preference[k, i] == min(preference[j, i] for j in fits)
        taken[k] += needed[k, i]
        left[k] -= needed[k, i]
    assert (taken <= spare + 1e-9).all()
    np.testing.assert_allclose(alloc.spare_after, spare - taken)
    assert sorted(alloc.turn[list(order)]) == list(range(len(order)))


def test_order_is_priority_then_days_waiting_then_upload() -> None:
    """Hospital discharges first, then the longest wait; ties keep the upload order."""
    one = (Visit(0, CallType.MORNING, 60),)
    pk = [
        Package("A", 52.6, -0.7, 1.0, one, days_waiting=5),
        Package("B", 52.6, -0.7, 1.0, one, days_waiting=1, priority=Priority.HOSPITAL_DISCHARGE),
        Package("C", 52.6, -0.7, 1.0, one, days_waiting=9),
        Package("D", 52.6, -0.7, 1.0, one, days_waiting=5),
    ]
    assert [pk[i].package_id for i in allocation_order(pk, Scenario("s"))] == ["B", "C", "A", "D"]
