"""The market view on a hand-made area: shares, HHI, single-provider areas and headroom."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimiser.market import hhi, market_tables


@pytest.mark.parametrize(
    ("shares", "expected"),
    [
        ([50.0, 50.0], 5_000.0),  # two equal providers
        ([100.0], 10_000.0),  # one provider
        ([60.0, 40.0], 5_200.0),  # 3,600 + 1,600
        ([25.0] * 4, 2_500.0),  # four equal providers
    ],
)
def test_hhi_on_known_splits(shares: list[float], expected: float) -> None:
    """The HHI is the sum of squared shares in per cent (0-10,000)."""
    assert hhi(shares) == pytest.approx(expected)


def test_hhi_of_nothing_is_not_a_number() -> None:
    """A unit with no placed hours has no concentration, not zero concentration."""
    assert np.isnan(hhi([]))


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Zone Z1 (rural, lead P1) holds A1 (P1 10 h, P2 10 h) and A2 (P1 5 h, 5 h unmet);
    zone Z2 (town, leads P1 and P2) holds B1 (P2 8 h) and the empty C1. Travel is 6 min per
    carer-hour everywhere."""
    people = pd.DataFrame(
        {
            "package_id": ["a", "b", "c", "d", "e"],
            "provider_id": ["P1", "P2", "P1", "", "P2"],
            "zone_id": ["Z1", "Z1", "Z1", "Z1", "Z2"],
            "area_code": ["A1", "A1", "A2", "A2", "B1"],
            "carer_hours": [10.0, 10.0, 5.0, 5.0, 8.0],
            "travel_min_per_week": [60.0, 60.0, 30.0, 0.0, 48.0],
            "unmet": [False, False, False, True, False],
            "rural": [True, True, True, True, False],
        }
    )
    zones = pd.DataFrame(
        {
            "zone_id": ["Z1", "Z2"],
            "name": ["Rural One", "Town Two"],
            "kind": ["rural", "neighbourhood"],
            "lead_providers": ["P1", "P1;P2"],
        }
    )
    providers = pd.DataFrame({"provider_id": ["P1", "P2"], "capacity_hours": [40.0, 30.0]})
    areas = pd.DataFrame(
        {
            "area_code": ["A1", "A2", "B1", "C1"],
            "zone_id": ["Z1", "Z1", "Z2", "Z2"],
            "rural": [True, True, False, False],
        }
    )
    return market_tables(people, zones, providers, areas, risk_share_pct=50.0)


def _unit(market: pd.DataFrame, level: str, code: str) -> pd.Series:
    hit = market[(market["level"] == level) & (market["unit_code"] == code)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_zone_shares_hhi_and_risk() -> None:
    """Z1: P1 15 of 25 placed carer-h (60%), P2 10 (40%): HHI 5,200, P1 above the 50% risk
    share; Z2: P2 alone (10,000, at risk, single provider)."""
    market, shares = _tables()
    z1 = _unit(market, "zone", "Z1")
    assert z1["providers_serving"] == 2 and z1["largest_provider"] == "P1"
    assert z1["largest_share_pct_of_placed_carer_hours"] == 60.0
    assert z1["hhi_0_to_10000_on_placed_carer_hour_shares"] == pytest.approx(5_200.0)
    assert z1["providers_above_risk_share"] == "P1" and not z1["single_provider"]
    z2 = _unit(market, "zone", "Z2")
    assert z2["hhi_0_to_10000_on_placed_carer_hour_shares"] == 10_000.0
    assert z2["single_provider"] and not z2["single_provider_rural"]
    assert z2["providers_above_risk_share"] == "P2"
    z1_shares = shares[(shares["level"] == "zone") & (shares["unit_code"] == "Z1")]
    assert list(z1_shares["provider_id"]) == ["P1", "P2"]
    assert list(z1_shares["share_pct_of_unit_placed_carer_hours"]) == [60.0, 40.0]
    assert list(z1_shares["above_risk_share"]) == [True, False]


def test_zone_headroom_counts_travel_and_unmet_demand() -> None:
    """Z1 demand incl. travel: 30 carer-h + 2.5 h travel placed + 5 unmet carer-h at 6 min per
    carer-h (0.5 h) = 33.0; lead P1 has 40: headroom 7.0. Z2: 8 + 0.8 = 8.8 against
    P1 + P2 = 70: headroom 61.2."""
    market, _ = _tables()
    z1 = _unit(market, "zone", "Z1")
    assert z1["demand_carer_hours_incl_travel_per_week"] == pytest.approx(33.0)
    assert z1["lead_capacity_carer_hours_per_week"] == 40.0
    assert z1["headroom_carer_hours_per_week"] == pytest.approx(7.0)
    assert _unit(market, "zone", "Z2")["headroom_carer_hours_per_week"] == pytest.approx(61.2)


def test_areas_served_by_one_provider_and_the_rural_flag() -> None:
    """A1 is split 50/50 (HHI 5,000); A2 and B1 have one provider each, and only A2, which is
    rural, is flagged; the empty C1 has no provider and no HHI, and is not single-provider."""
    market, _ = _tables()
    a1 = _unit(market, "area", "A1")
    assert a1["providers_serving"] == 2
    assert a1["hhi_0_to_10000_on_placed_carer_hour_shares"] == pytest.approx(5_000.0)
    a2 = _unit(market, "area", "A2")
    assert a2["single_provider"] and a2["single_provider_rural"]
    b1 = _unit(market, "area", "B1")
    assert b1["single_provider"] and not b1["single_provider_rural"]
    c1 = _unit(market, "area", "C1")
    assert c1["providers_serving"] == 0 and not c1["single_provider"]
    assert np.isnan(c1["hhi_0_to_10000_on_placed_carer_hour_shares"])
    assert c1["zone_id"] == "Z2"
