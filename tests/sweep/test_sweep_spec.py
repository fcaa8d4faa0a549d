"""Sweep files: grids and lists expand to variants; every bad override is named where it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimiser.data.domain import ZoneRule
from optimiser.errors import ConfigError
from optimiser.sweep import read_sweep

BASE = """
[scenario]
name = "base"
[inputs]
demo = true
[zones]
rule = "zoned"
[costs]
pay_gbp_per_hour = 12.21
[solver]
workers = 4
"""


def _sweep(tmp_path: Path, body: str) -> Path:
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "sweep.toml"
    path.write_text('[sweep]\nname = "s"\nbase = "base.toml"\n' + body, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        read_sweep(path)
    return [str(p) for p in err.value.problems]


def test_a_grid_is_the_cartesian_product_with_the_shared_overrides(tmp_path) -> None:
    """2 rules x 3 wages = 6 variants in file order, each with [set] applied."""
    path = _sweep(
        tmp_path,
        """
[set]
solver.workers = 1
[grid]
zones.rule = ["spot", "zoned"]
costs.pay_gbp_per_hour = [12.71, 13.45, 14.0]
""",
    )
    spec = read_sweep(path)
    assert spec.parameters == ("zones.rule", "costs.pay_gbp_per_hour")
    assert len(spec.variants) == 6
    first, last = spec.variants[0].config.scenario, spec.variants[-1].config.scenario
    assert first.zone_policy.rule is ZoneRule.SPOT and first.costs.pay_gbp_per_hour == 12.71
    assert last.zone_policy.rule is ZoneRule.ZONED and last.costs.pay_gbp_per_hour == 14.0
    assert {v.config.scenario.solver.workers for v in spec.variants} == {1}
    assert spec.variants[4].overrides["costs.pay_gbp_per_hour"] == 13.45


def test_a_list_of_variants_combines_with_a_grid(tmp_path) -> None:
    """Two listed variants x a 2-value grid = 4 variants; a listed key is a parameter too."""
    path = _sweep(
        tmp_path,
        """
[[variants]]
scenario.seed = 1
[[variants]]
scenario.seed = 2
solver.seed = 9
[grid]
zones.rule = ["spot", "zoned"]
""",
    )
    spec = read_sweep(path)
    assert [v.config.seed for v in spec.variants] == [1, 1, 2, 2]
    assert spec.variants[3].config.scenario.solver.seed == 9
    assert set(spec.parameters) == {"scenario.seed", "solver.seed", "zones.rule"}


def test_an_unknown_override_key_is_named_with_a_suggestion(tmp_path) -> None:
    """A typo in a grid key: the sweep file's table and key, and the closest known name."""
    path = _sweep(tmp_path, "[grid]\ncosts.pay_gbp_per_hr = [12.71, 13.45]\n")
    (problem,) = _problems(path)
    assert "sweep.toml" in problem and "grid.costs.pay_gbp_per_hr" in problem
    assert "did you mean 'pay_gbp_per_hour'" in problem


def test_a_bad_override_value_is_located_once(tmp_path) -> None:
    """A bad value in a grid list is one problem (not one per variant), at its key."""
    path = _sweep(
        tmp_path,
        '[grid]\nzones.rule = ["spot", "zonal"]\ncosts.pay_gbp_per_hour = [12.71, 13.45]\n',
    )
    (problem,) = _problems(path)
    assert "grid.zones.rule" in problem and "'zonal'" in problem


def test_unknown_rounds_and_sweep_keys_are_named(tmp_path) -> None:
    """Rounds options and the sweep's own tables get the same 'did you mean' help."""
    path = _sweep(tmp_path, "[set]\nrounds.time_limit = 1.0\n[grids]\nx = [1]\n")
    problems = _problems(path)
    assert any("set.rounds.time_limit" in p and "'time_limit_s'" in p for p in problems)
    assert any("grids" in p and "did you mean 'grid'" in p for p in problems)


def test_a_grid_entry_must_be_a_list(tmp_path) -> None:
    """A single value under [grid] is a mistake (it belongs in [set]): said so."""
    (problem,) = _problems(_sweep(tmp_path, '[grid]\nzones.rule = "spot"\n'))
    assert "grid.zones.rule" in problem and "non-empty list" in problem


def test_override_paths_are_relative_to_the_sweep_file(tmp_path) -> None:
    """inputs.zones written in the sweep file is found beside the sweep file."""
    (tmp_path / "zones_a.csv").write_text("x\n", encoding="utf-8")
    spec = read_sweep(_sweep(tmp_path, '[grid]\ninputs.zones = ["zones_a.csv"]\n'))
    assert spec.variants[0].config.zones == tmp_path / "zones_a.csv"
    missing = _problems(_sweep(tmp_path, '[grid]\ninputs.zones = ["nowhere.csv"]\n'))
    assert any("grid.inputs.zones" in p and "file not found" in p for p in missing)


def test_cp_sat_workers_are_capped_to_the_cpus_of_a_task() -> None:
    """Four CP-SAT workers asked, one CPU per task on Dask: the task runs with one worker."""
    import dataclasses

    from optimiser.data.domain import Scenario, SolverSettings
    from optimiser.sweep.run import _capped

    scenario = Scenario("s", solver=SolverSettings(workers=4))
    assert _capped(scenario, 1).solver.workers == 1
    assert _capped(scenario, 8) is scenario
    assert dataclasses.replace(_capped(scenario, 2).solver, workers=4) == scenario.solver
