"""Tests of the ``[rounds]`` options: every bad key or value is named before anything is solved."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimiser import cli
from optimiser.data.config import load_scenario
from optimiser.data.rounds_options import RoundsOptions, rounds_options_problems
from optimiser.errors import ConfigError

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

BASE = """
[scenario]
name = "t"
[inputs]
demo = true
[rounds]
"""


def _problems(rounds_toml: str, tmp_path: Path) -> dict[str | None, str]:
    """Key path -> message of every problem loading a scenario with this ``[rounds]`` body."""
    path = tmp_path / "s.toml"
    path.write_text(BASE + rounds_toml)
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    return {p.field: p.message for p in info.value.problems}


def test_unknown_rounds_key_is_named_with_the_closest_known_one(tmp_path: Path) -> None:
    """A misspelt key in [rounds] fails on load, naming it and suggesting the right spelling."""
    found = _problems("time_limt_s = 3.0\n", tmp_path)
    assert list(found) == ["rounds.time_limt_s"]
    assert "did you mean 'time_limit_s'" in found["rounds.time_limt_s"]


def test_every_bad_rounds_value_is_collected_at_once(tmp_path: Path) -> None:
    """Wrong types, out-of-range numbers and unknown strategy names are all reported together."""
    found = _problems(
        'time_limit_s = 0\nseed = "seven"\nsolution_limit = true\n'
        'first_solution_strategy = "CHEAPEST_EVER"\nworker_slack = -1.0\n',
        tmp_path,
    )
    assert set(found) == {
        "rounds.time_limit_s",
        "rounds.seed",
        "rounds.solution_limit",
        "rounds.first_solution_strategy",
        "rounds.worker_slack",
    }
    assert "must be > 0" in found["rounds.time_limit_s"]
    assert "expected int" in found["rounds.seed"]
    assert "PARALLEL_CHEAPEST_INSERTION" in found["rounds.first_solution_strategy"]


def test_start_at_is_no_longer_an_option() -> None:
    """`start_at` was never read (rounds always start at the office): it is now an unknown key."""
    (problem,) = rounds_options_problems({"start_at": "home"})
    assert problem.field == "rounds.start_at" and "unknown key" in problem.message


def test_good_rounds_table_builds_the_options() -> None:
    """A valid table gives the options it states; an int time limit is taken as seconds."""
    opts = RoundsOptions.from_dict({"time_limit_s": 3, "worker_fixed_cost": 10})
    assert opts.time_limit_s == 3 and opts.worker_fixed_cost == 10
    assert rounds_options_problems({"time_limit_s": 3}) == []


def test_options_built_in_code_are_checked_too() -> None:
    """Constructing RoundsOptions directly with a bad value raises ConfigError naming the field."""
    with pytest.raises(ConfigError, match=r"rounds\.travel_allowance_min"):
        RoundsOptions(travel_allowance_min=-5.0)


def test_example_config_documents_every_rounds_key() -> None:
    """Every key a [rounds] table may hold is named in configs/example_scenario.toml."""
    text = (CONFIGS / "example_scenario.toml").read_text()
    keys = [k for k in RoundsOptions.__dataclass_fields__ if k != "shifts"]
    assert [k for k in keys if k not in text] == []


def test_cli_stops_on_a_bad_rounds_key_before_any_solve(tmp_path: Path, capsys) -> None:
    """`homecare run` with a misspelt [rounds] key exits 2 naming it, before loading or solving."""
    cfg = tmp_path / "bad.toml"
    cfg.write_text(BASE + "time_limt_s = 3.0\n")
    out = tmp_path / "o"
    assert cli.main(["-q", "run", str(cfg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rounds.time_limt_s" in err and "time_limit_s" in err
    assert not out.exists()
