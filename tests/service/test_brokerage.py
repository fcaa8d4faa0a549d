"""Provider suggestions for new packages: order and the reason a broker reads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.brokerage import SUGGESTION_COLUMNS, rank_providers
from optimiser.data.domain import (
    CallType,
    Package,
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


def test_zoned_rule_ranks_the_lead_first_and_names_missing_skills() -> None:
    """Under zoning the zone's lead comes first even if farther; a provider lacking the skill
    ranks below every eligible one, and the reason says which skill is missing."""
    pk = Package("P1", 52.6, -0.7, 2.0, VISITS, needs=frozenset({"dementia"}), zone_id="Z1")
    zone = Zone("Z1", "Zone one", ZoneKind.RURAL, ("A1",), lead_providers=("LEAD",))
    scenario = Scenario("z", zone_policy=ZonePolicy(ZoneRule.ZONED, non_lead_penalty=1.0))
    office_min = np.array([[5.0], [20.0], [10.0]])
    table = rank_providers(
        [pk],
        _providers(),
        {"Z1": zone},
        scenario,
        office_min=office_min,
        used_carer_hours={"FULL": 1.0},
        top_k=3,
    )
    assert list(table.columns) == list(SUGGESTION_COLUMNS)
    assert list(table["provider_id"]) == ["LEAD", "FULL", "NEAR"]
    assert "lead provider in Zone one" in table.loc[0, "reason"]
    assert "NO room" in table.loc[1, "reason"]
    assert "lacks skill dementia" in table.loc[2, "reason"]


def test_spot_rule_ranks_nearest_with_room_first_and_flags_unreachable() -> None:
    """On the spot market the nearest provider with room wins; no road route is said plainly."""
    pk = Package("P2", 52.6, -0.7, 2.0, VISITS)
    office_min = np.array([[7.0], [3.0], [np.nan]])
    table = rank_providers(
        [pk],
        _providers(),
        {},
        Scenario("s"),
        office_min=office_min,
        used_carer_hours={},
        top_k=3,
    )
    assert list(table["provider_id"]) == ["LEAD", "NEAR", "FULL"]
    assert pd.isna(table.loc[2, "travel_min"])
    assert "no road route" in table.loc[2, "reason"]
    assert table["rank"].tolist() == [1, 2, 3]
