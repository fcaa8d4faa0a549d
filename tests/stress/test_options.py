"""The four commissioning options built from one scenario and its zone table."""

from __future__ import annotations

import dataclasses

from optimiser.data import config as cfgmod
from optimiser.data.domain import ZoneRule
from optimiser.data.stress_options import StressSettings
from optimiser.stress.options import build_options, rural_uplift_table, top_up_leads
from tests.stress.areas import hand_area


def _options(scenario, settings=None):
    area, settings = hand_area(), settings or StressSettings()
    return {
        o.name: o
        for o in build_options(
            scenario, area.zone_table, area.packages, area.providers, area.office_min, settings
        )
    }


def test_spot_from_the_zoned_demo_is_the_spot_demo() -> None:
    """demo_spot.toml is demo_zoned.toml with zones off and continuity kept: the spot option
    built from the zoned demo has the spot demo's rules and costs."""
    zoned = cfgmod.load_scenario(cfgmod.CONFIG_DIR / "demo_zoned.toml").scenario
    spot = cfgmod.load_scenario(cfgmod.CONFIG_DIR / "demo_spot.toml").scenario
    got = _options(zoned)
    assert got["spot"].scenario.zone_policy == spot.zone_policy
    assert got["spot"].scenario.rules == spot.rules and got["spot"].scenario.costs == spot.costs
    assert got["zoned"].scenario.zone_policy == zoned.zone_policy
    for option in got.values():  # the stress budget: one worker, deterministic
        assert option.scenario.solver.workers == 1
        assert (
            option.scenario.solver.max_deterministic_time == StressSettings().max_deterministic_time
        )


def test_a_spot_config_gets_the_zoned_rule_with_the_stress_penalty() -> None:
    """From demo_spot.toml, zoned = zoned rule, [stress] non_lead_penalty, released continuity."""
    spot = cfgmod.load_scenario(cfgmod.CONFIG_DIR / "demo_spot.toml").scenario
    zoned = _options(spot, StressSettings(non_lead_penalty=3.0))["zoned"].scenario
    assert zoned.zone_policy.rule is ZoneRule.ZONED and zoned.zone_policy.non_lead_penalty == 3.0
    assert zoned.rules.release_continuity


def test_two_leads_tops_each_zone_up_with_the_nearest_other_provider() -> None:
    """Z1 (lead A) gets B and Z2 (lead B) gets A; a zone with two leads keeps them; the
    nearest is by mean road minutes from the office to the zone's homes."""
    area = hand_area()
    table = top_up_leads(area.zone_table, area.packages, area.providers, area.office_min)
    assert table["lead_providers"].tolist() == ["A;B", "B;A"]
    again = top_up_leads(table, area.packages, area.providers, area.office_min)
    assert again["lead_providers"].tolist() == ["A;B", "B;A"]


def test_rural_uplift_doubles_rural_zones_or_sets_them() -> None:
    """Z2 (rural, 10%) becomes 20%, or the configured 25%; the town zone stays at 0."""
    table = hand_area().zone_table
    assert rural_uplift_table(table)["rate_uplift_pct"].tolist() == [0.0, 20.0]
    assert rural_uplift_table(table, 25.0)["rate_uplift_pct"].tolist() == [0.0, 25.0]


def test_only_the_options_asked_for_are_built_in_display_order() -> None:
    """options = zoned, spot gives spot then zoned."""
    zoned = cfgmod.load_scenario(cfgmod.CONFIG_DIR / "demo_zoned.toml").scenario
    settings = dataclasses.replace(StressSettings(), options=("spot", "zoned"))
    assert list(_options(zoned, settings)) == ["spot", "zoned"]
