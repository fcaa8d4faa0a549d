"""The [stress] table of a scenario file: checked like every other table, kept on the config."""

from __future__ import annotations

import pytest

from optimiser.data.config import scenario_from_toml, scenario_to_toml
from optimiser.data.stress_options import (
    DemandRise,
    SlowerRoads,
    StressSettings,
    WorkforceShortage,
    stress_problems,
)
from optimiser.errors import ConfigError

BASE = """
[scenario]
name = "s"
[inputs]
demo = true
"""


def _messages(text: str) -> list[str]:
    with pytest.raises(ConfigError) as err:
        scenario_from_toml(BASE + text, check_paths=False)
    return [str(p) for p in err.value.problems]


def test_a_full_stress_table_loads_and_round_trips() -> None:
    """Every shock table is read into its record, and the table survives scenario_to_toml."""
    cfg = scenario_from_toml(
        BASE
        + """
[stress]
draws = 3
options = ["zoned", "spot"]
max_deterministic_time = 0.1
[stress.provider_exit]
providers = ["largest_rural_lead", "PRV-A"]
[stress.demand_rise]
pct = 10
areas = ["E01"]
by_65plus_share = true
[stress.workforce_shortage]
pct = 15.0
[stress.slower_roads]
factor = 1.3
""",
        check_paths=False,
    )
    s = StressSettings.from_dict(cfg.stress)
    assert s.draws == 3 and s.options == ("spot", "zoned")  # display order, once each
    assert s.exit_providers == ("largest_rural_lead", "PRV-A")
    assert s.demand_rise == DemandRise(10.0, ("E01",), True)
    assert s.workforce_shortage == WorkforceShortage(15.0, ())
    assert s.slower_roads == SlowerRoads(1.3) and s.discharge_surge is None
    again = scenario_from_toml(scenario_to_toml(cfg), check_paths=False)
    assert again.stress == cfg.stress


def test_unknown_keys_are_named_with_the_closest_known_one() -> None:
    """A typo in [stress] and in a shock's table gets "did you mean", at its key path."""
    msgs = _messages("[stress]\ndraw = 3\n[stress.slower_roads]\nfactr = 1.2\n")
    assert any("stress.draw" in m and "did you mean 'draws'" in m for m in msgs), msgs
    assert any("stress.slower_roads.factr" in m and "did you mean 'factor'" in m for m in msgs)
    assert any("stress.slower_roads.factor" in m and "missing" in m for m in msgs), msgs


def test_bad_values_and_types_are_each_named() -> None:
    """Every bad value is collected at once: a wrong type, a range, an unknown option."""
    problems = stress_problems(
        {
            "draws": 0,
            "options": ["spot", "zonned"],
            "workforce_shortage": {"pct": 120},
            "discharge_surge": {"packages": "ten"},
            "max_deterministic_time": True,
        }
    )
    text = "\n".join(str(p) for p in problems)
    assert "stress.draws" in text and "from 1 to 10,000" in text
    assert "stress.options[1]" in text and "did you mean 'zoned'" in text
    assert "stress.workforce_shortage.pct" in text and "< 100" in text
    assert "stress.discharge_surge.packages" in text and "a whole number" in text
    assert "stress.max_deterministic_time" in text and "expected a number" in text
    assert len(problems) == 5


def test_a_scenario_without_stress_has_an_empty_table() -> None:
    """No [stress] table: the defaults (five draws, the four options, no shock)."""
    cfg = scenario_from_toml(BASE, check_paths=False)
    s = StressSettings.from_dict(cfg.stress)
    assert cfg.stress == {} and s.draws == 5 and len(s.options) == 4 and not s.fixed_shocks()
