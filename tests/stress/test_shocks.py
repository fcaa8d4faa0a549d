"""Each shock on hand-made records: what it changes, what it counts, and what it leaves alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from optimiser.data.domain import PackageStatus, Priority
from optimiser.data.stress_options import (
    DemandRise,
    DischargeSurge,
    SlowerRoads,
    WorkforceShortage,
)
from optimiser.stress.draws import bootstrap_records, records_of
from optimiser.stress.handback import hand_back
from optimiser.stress.shocks import (
    apply_shock,
    demand_rise,
    discharge_surge,
    largest_rural_lead,
    provider_exit,
    slower_roads,
    workforce_shortage,
)
from tests.stress.areas import hand_area, hard_zoned_scenario


@pytest.fixture()
def records():
    """The hand-made area's records (conftest.hand_area)."""
    return records_of(hand_area())


def test_an_exit_removes_the_provider_and_displaces_its_clients(records) -> None:
    """A's office row and lead role go; its two clients wait with no provider, named."""
    out = provider_exit(records, "A")
    assert [p.provider_id for p in out.providers] == ["B"]
    assert out.office_min.shape == (1, 3) and out.home_min.shape == (3, 3)
    assert out.displaced == {"p1", "p2"}
    moved = [p for p in out.packages if p.package_id in out.displaced]
    assert all(p.status is PackageStatus.WAITING and p.current_provider is None for p in moved)
    assert out.zone_table["lead_providers"].tolist() == ["", "B"]
    assert records.providers[0].provider_id == "A"  # the input is untouched
    with pytest.raises(ValueError, match="unknown provider 'C'"):
        provider_exit(records, "C")


def test_the_largest_rural_lead_is_the_rural_lead_with_most_rural_client_hours(records) -> None:
    """Zone Z2 is rural and led by B (7 h of rural clients); A leads only a town zone."""
    assert largest_rural_lead(records.packages, records.providers, records.zone_table) == "B"
    town = records.zone_table.assign(kind="neighbourhood")
    assert largest_rural_lead(records.packages, records.providers, town) is None


def test_a_demand_rise_copies_packages_of_the_chosen_areas(records) -> None:
    """+50% in A1 (two packages) adds one copy of an A1 package: new id, waiting, no provider,
    and the matrices grow by that home's row and column (0 min from its original)."""
    out = demand_rise(records, DemandRise(50.0, ("A1",)), np.random.default_rng(1))
    assert len(out.packages) == 4 and len(out.added) == 1
    new = out.packages[-1]
    original = next(p for p in records.packages if new.package_id.startswith(p.package_id + "+"))
    assert original.area_code == "A1" and new.visits == original.visits
    assert new.status is PackageStatus.WAITING and new.current_provider is None
    assert out.office_min.shape == (2, 4) and out.home_min.shape == (4, 4)
    k = records.packages.index(original)
    assert out.home_min[3, k] == 0.0 and out.home_min[3, 3] == 0.0


def test_a_rise_by_65plus_share_weighs_areas_by_their_share(records) -> None:
    """Shares 0.1 (A1) and 0.3 (A2), mean 0.2: +100% becomes +50% in A1 (one of two
    packages) and +150% in A2 (two copies of its one package, drawn with replacement)."""
    shares = {"A1": 0.1, "A2": 0.3}
    out = demand_rise(
        records,
        DemandRise(100.0, by_65plus_share=True),
        np.random.default_rng(0),
        share_65plus=shares,
    )
    added = [p for p in out.packages if p.package_id in out.added]
    assert sorted(p.area_code for p in added) == ["A1", "A2", "A2"]


def test_a_shortage_cuts_capacity_of_the_named_providers_only(records) -> None:
    """-25% at B: 20 -> 15 carer-h; A unchanged."""
    out = workforce_shortage(records, WorkforceShortage(25.0, ("B",)))
    assert [p.capacity_hours for p in out.providers] == [20.0, 15.0]
    with pytest.raises(ValueError, match="unknown providers"):
        workforce_shortage(records, WorkforceShortage(25.0, ("Z",)))


def test_a_discharge_surge_adds_hospital_discharge_packages(records) -> None:
    """Five more packages than the area holds: drawn with replacement, all discharge, waiting."""
    out = discharge_surge(records, DischargeSurge(5), np.random.default_rng(2))
    added = [p for p in out.packages if p.package_id in out.added]
    assert len(added) == 5 and len({p.package_id for p in added}) == 5
    assert all(p.priority is Priority.HOSPITAL_DISCHARGE for p in added)


def test_slower_roads_scale_times_not_distances(records) -> None:
    """Times x1.5, kilometres as they were."""
    out = slower_roads(records, SlowerRoads(1.5))
    assert np.allclose(out.office_min, records.office_min * 1.5)
    assert np.allclose(out.home_min, records.home_min * 1.5)
    assert np.array_equal(out.office_km, records.office_km)


def test_no_shock_is_the_records_themselves(records) -> None:
    """apply_shock(None) returns what it was given."""
    assert apply_shock(records, None, np.random.default_rng(0)) is records


def test_an_overfull_provider_hands_back_its_farthest_clients() -> None:
    """A's capacity cut to 10 carer-h cannot hold its two 7 h clients: the one farther away
    (p2: 20 min from A's office against 5) is handed back and counted as displaced."""
    area = hand_area()
    office = area.office_min.copy()
    office[0, 1] = 20.0
    records = dataclasses.replace(records_of(area), office_min=office)
    short = workforce_shortage(records, WorkforceShortage(50.0, ("A",)))
    out = hand_back(short, hard_zoned_scenario(), area.estimate_params)
    assert out.displaced == {"p2"}
    assert hand_back(records, hard_zoned_scenario(), area.estimate_params) is records


def test_a_bootstrap_draw_resamples_the_list_with_new_ids(records) -> None:
    """Poisson(3) packages drawn with replacement: new ids, originals' homes and providers."""
    out = bootstrap_records(records, np.random.default_rng(5))
    n = len(out.packages)
    assert n >= 1 and out.home_min.shape == (n, n) and out.office_min.shape == (2, n)
    by_id = {p.package_id: p for p in records.packages}
    for p in out.packages:
        original = by_id[p.package_id.split("~b")[0]]
        assert p.current_provider == original.current_provider and p.visits == original.visits
    assert len({p.package_id for p in out.packages}) == n
