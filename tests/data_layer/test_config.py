"""Tests for scenario TOML files: loading, every bad value, includes, paths, writing back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from optimiser.data import config
from optimiser.data.config import (
    ScenarioConfig,
    cache_dir,
    data_dir,
    load_scenario,
    scenario_from_toml,
    scenario_to_toml,
)
from optimiser.data.domain import Priority, ZoneRule
from optimiser.errors import ConfigError, InputError

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

MINIMAL = """
[scenario]
name = "t"
[inputs]
demo = true
"""


def _problems(text: str, tmp_path: Path, **kwargs: object) -> list[tuple[str | None, str]]:
    """(key path, message) of every problem loading ``text`` from a file in ``tmp_path``."""
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_scenario(path, **kwargs)  # type: ignore[arg-type]
    assert all(p.source == "s.toml" for p in info.value.problems if p.field != "include")
    return [(p.field, p.message) for p in info.value.problems]


def test_example_config_loads_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """configs/example_scenario.toml (which documents every key) loads, includes resolved."""
    monkeypatch.delenv("HOMECARE_DATA_DIR", raising=False)
    cfg = load_scenario(CONFIGS / "example_scenario.toml", check_paths=False)
    s = cfg.scenario
    assert s.name == "example" and cfg.demo
    assert s.zone_policy.rule is ZoneRule.ZONED and s.zone_policy.non_lead_penalty == 2.0
    assert s.zone_policy.per_zone == {"Z-RUR-E": ZoneRule.SPOT}
    assert s.costs.overheads_gbp_per_hour == 8.47  # from the included costs_2026.toml
    assert s.solver.workers == 1 and s.solver.seed == 7
    assert cfg.rounds == {"time_limit_s": 30.0}
    assert s.report.market_share_risk_pct == 50.0
    assert cfg.zones == CONFIGS / "zones_rutland.csv"
    assert cfg.network == CONFIGS.parent / "data" / "osm" / "rutland-roads.osm.pbf"  # shipped
    assert cfg.out == CONFIGS.parent / "results" / "example"


def test_example_config_documents_every_key() -> None:
    """Every key the loader knows appears in the example file (so the example stays complete)."""
    text = (CONFIGS / "example_scenario.toml").read_text()
    keys = [*config._INPUT_KEYS, *config._COST_KEYS, "max_deterministic_time", "per_zone"]
    missing = [k for k in keys if k not in text]
    assert missing == []


@pytest.mark.parametrize("name", ["demo_spot.toml", "demo_zoned.toml"])
def test_demo_configs_load(name: str) -> None:
    """The demo scenarios in configs/ load with every path checked (the demo data ships)."""
    cfg = load_scenario(CONFIGS / name, check_paths=True)
    assert cfg.demo and cfg.scenario.solver.workers == 1


def test_minimal_config_takes_the_defaults(tmp_path: Path) -> None:
    """Only a name and demo = true: everything else is the domain defaults."""
    cfg = scenario_from_toml(MINIMAL, base_dir=tmp_path)
    assert cfg.scenario.zone_policy.rule is ZoneRule.SPOT
    assert cfg.scenario.rules.priority_weight[Priority.HOSPITAL_DISCHARGE] == 3.0
    assert cfg.packages is None and cfg.network is None and cfg.rounds == {}


# Each case: TOML text, then (key path, message fragment) of every expected problem.
BAD = [
    # misspelt keys at three levels, each with a suggestion
    (
        '[scenario]\nname="t"\ntravel_methd="rounds"\n[inputs]\ndemo=true\n[rule]\n'
        "[solver]\ntime_limit=3\n",
        [
            ("rule", "did you mean 'rules'?"),
            ("scenario.travel_methd", "did you mean 'travel_method'?"),
            ("solver.time_limit", "did you mean 'time_limit_s'?"),
        ],
    ),
    # wrong types name the key, what was expected and what was found
    (
        MINIMAL
        + '[rules]\ntravel_limit_min="forty"\nrelease_continuity=1\n[solver]\nworkers=1.5\n',
        [
            ("rules.travel_limit_min", "expected a number, got str 'forty'"),
            ("rules.release_continuity", "expected true or false, got int 1"),
            ("solver.workers", "expected a whole number, got float 1.5"),
        ],
    ),
    # values out of range, caught by the loader or by the domain records
    (
        MINIMAL + "[rules]\ntravel_limit_min=0\n[costs]\nmargin_rate=1.5\n[solver]\nworkers=0\n",
        [
            ("rules.travel_limit_min", "must be > 0"),
            ("costs.margin_rate", "must be in [0, 1)"),
            ("solver.workers", "must be >= 1"),
        ],
    ),
    (
        MINIMAL + '[zones]\nrule="zone"\nnon_lead_penalty=-1\n[zones.per_zone]\nZ1="open"\n'
        "[rules.priority_weight]\nhospital=2.0\n",
        [
            ("zones.rule", "expected 'spot' or 'zoned', got 'zone'"),
            ("zones.non_lead_penalty", "must be >= 0"),
            ("zones.per_zone.Z1", "got 'open'"),
            ("rules.priority_weight.hospital", "did you mean 'hospital_discharge'?"),
        ],
    ),
    # without demo data, every own-data key is required, named at once (spot or zoned)
    (
        '[scenario]\nname="t"\n[zones]\nrule="zoned"\n',
        [
            ("inputs.packages", "missing: the packages table"),
            ("inputs.providers", "missing"),
            ("inputs.network", "missing: the road network"),
            ("inputs.zones", "missing: the zones"),
            ("inputs.areas", "missing: the small-area boundaries"),
            ("inputs.area_code_field", "required when demo = false"),
        ],
    ),
    (
        '[scenario]\ntravel_method="teleport"\n[inputs]\ndemo=true\n',
        [
            ("scenario.name", "every scenario needs a name"),
            ("scenario.travel_method", "got 'teleport'"),
        ],
    ),
    (
        MINIMAL.replace(
            "demo = true", 'demo = true\npackages = "nope.csv"\nzones = "${home}/z.csv"'
        ),
        [
            ("inputs.packages", "file not found"),
            ("inputs.zones", "unknown variable '${home}'"),
        ],
    ),
    (MINIMAL + '[costs]\ninclude = "missing.toml"\n', [("costs.include", "file not found")]),
    # the market-risk share is a per cent of a zone: above 0, at most 100
    (
        MINIMAL + "[report]\nmarket_share_risk_pct = 150\nshare = 1\n",
        [
            ("report.share", "unknown key 'share'"),
            ("report.market_share_risk_pct", "must be in (0, 100]"),
        ],
    ),
    (MINIMAL + "[report]\nmarket_share_risk_pct = 0\n", [("report.market_share_risk_pct", "> 0")]),
    ("[scenario\nname='t'", [(None, "not valid TOML")]),
]


@pytest.mark.parametrize(("text", "expected"), BAD)
def test_bad_configs_name_every_problem(
    tmp_path: Path, text: str, expected: list[tuple[str | None, str]]
) -> None:
    """Each broken config raises one ConfigError listing every problem by key path."""
    found = _problems(text, tmp_path)
    assert len(found) == len(expected), found
    for (key, message), (want_key, fragment) in zip(found, expected, strict=True):
        assert key == want_key, found
        assert fragment in message, found


def test_config_error_is_an_input_error(tmp_path: Path) -> None:
    """ConfigError belongs to the one hierarchy, so callers can catch InputError for both."""
    with pytest.raises(InputError):
        scenario_from_toml("[scenario]\n", base_dir=tmp_path)


def test_include_is_overridden_by_keys_beside_it(tmp_path: Path) -> None:
    """Keys written next to include win over the included file's keys."""
    (tmp_path / "costs.toml").write_text("pay_gbp_per_hour = 13.0\nmargin_rate = 0.05\n")
    text = MINIMAL + '[costs]\ninclude = "costs.toml"\nmargin_rate = 0.02\n'
    cfg = scenario_from_toml(text, base_dir=tmp_path)
    assert (cfg.scenario.costs.pay_gbp_per_hour, cfg.scenario.costs.margin_rate) == (13.0, 0.02)


def test_bad_key_in_an_included_file_is_named(tmp_path: Path) -> None:
    """An unknown key that comes from an included file is still reported under its table."""
    (tmp_path / "costs.toml").write_text("pay_per_hour = 13.0\n")
    found = _problems(MINIMAL + '[costs]\ninclude = "costs.toml"\n', tmp_path)
    assert found[0][0] == "costs.pay_per_hour" and "did you mean 'pay_gbp_per_hour'" in found[0][1]


def test_paths_relative_to_config_and_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Plain paths are relative to the config's folder; ${data_dir} follows HOMECARE_DATA_DIR."""
    monkeypatch.setenv("HOMECARE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOMECARE_CACHE_DIR", str(tmp_path / "cache"))
    assert data_dir() == tmp_path / "data" and cache_dir() == tmp_path / "cache"
    sub = tmp_path / "cfg"
    sub.mkdir()
    text = MINIMAL.replace(
        "demo = true",
        'demo = true\npackages = "../p.csv"\nnetwork = "${data_dir}/osm/x.osm.pbf"',
    )
    (sub / "s.toml").write_text(text)
    cfg = load_scenario(sub / "s.toml", check_paths=False)
    assert cfg.packages == tmp_path / "p.csv"
    assert cfg.network == tmp_path / "data" / "osm" / "x.osm.pbf"


def test_default_dirs_sit_beside_the_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the environment variables, data is ../shared/data and the cache is .cache."""
    monkeypatch.delenv("HOMECARE_DATA_DIR", raising=False)
    monkeypatch.delenv("HOMECARE_CACHE_DIR", raising=False)
    root = config.repo_root()
    assert (root / "optimiser").is_dir()
    assert data_dir() == root.parent / "shared" / "data"
    assert cache_dir() == root / ".cache"


def test_network_place_name_stays_text(tmp_path: Path) -> None:
    """A network without a file suffix or slash is a place name for OSMnx, not a path."""
    text = MINIMAL.replace("demo = true", 'demo = true\nnetwork = "Rutland, England"')
    assert scenario_from_toml(text, base_dir=tmp_path).network == "Rutland, England"


def test_scenario_to_toml_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing a loaded scenario and loading it again gives an equal ScenarioConfig."""
    monkeypatch.setenv("HOMECARE_DATA_DIR", str(tmp_path / "data"))
    cfg = load_scenario(CONFIGS / "example_scenario.toml", check_paths=False)
    inputs = {"packages": tmp_path / "in" / "p.csv", "providers": tmp_path / "r.xlsx"}
    cfg = replace(cfg, demo=False, seed=3, **inputs)
    text = scenario_to_toml(cfg, base_dir=tmp_path)
    assert 'packages = "in/p.csv"' in text
    assert 'network = "${data_dir}/osm/rutland-roads.osm.pbf"' in text
    (tmp_path / "saved.toml").write_text(text)
    back = load_scenario(tmp_path / "saved.toml", check_paths=False)
    assert back == cfg
    assert isinstance(back, ScenarioConfig)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("true", "hard"),  # true means the hard rule
        ("false", "off"),  # false turns the rule off (a current client weighs like any hour)
        ('"priority"', "priority"),
        ('"hard"', "hard"),
    ],
)
def test_keep_current_clients_reads_true_false_or_a_mode(tmp_path, value, rule):
    """``[rules] keep_current_clients`` takes true/false or a mode name; default is hard."""
    text = MINIMAL + f"[rules]\nkeep_current_clients = {value}\n"
    assert scenario_from_toml(text, base_dir=tmp_path).scenario.rules.keep_current_clients == rule
    default = scenario_from_toml(MINIMAL, base_dir=tmp_path).scenario.rules
    assert default.keep_current_clients == "hard"


def test_keep_current_clients_rejects_an_unknown_mode(tmp_path):
    """A misspelt mode is a ConfigError naming the key and the choices."""
    with pytest.raises(ConfigError, match=r"rules\.keep_current_clients.*priority"):
        scenario_from_toml(MINIMAL + '[rules]\nkeep_current_clients = "prio"\n', base_dir=tmp_path)


def _documented_minimal_own_config() -> str:
    """The commented minimal own-data config at the top of configs/example_scenario.toml."""
    lines = (CONFIGS / "example_scenario.toml").read_text().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("# The minimal own-data config"))
    block = []
    for line in lines[start + 2 :]:
        if not line.startswith("#  ") and line != "#":
            break
        block.append(line[4:] if line.startswith("#   ") else "")
    return "\n".join(block).strip() + "\n"


def test_documented_minimal_own_data_config_loads(tmp_path: Path) -> None:
    """The example's minimal own-data config loads; its keys are exactly the required ones,
    and leaving out any of them names that key (all missing ones at once)."""
    text = _documented_minimal_own_config()
    for name in ("roads.osm.pbf", "packages.csv", "providers.csv", "zones.csv", "lsoa.geojson"):
        (tmp_path / name).touch()  # paths are checked on load; the contents are not read here
    cfg = scenario_from_toml(text, base_dir=tmp_path)
    assert not cfg.demo and cfg.area_code_field == "LSOA21CD"
    assert cfg.zones == tmp_path / "zones.csv"
    assert cfg.scenario.zone_policy.rule is ZoneRule.SPOT
    given = [line.split("=")[0].strip() for line in text.splitlines()[3:] if "=" in line]
    assert sorted(given) == sorted(config.OWN_DATA_KEYS)
    for key in config.OWN_DATA_KEYS:
        without = "\n".join(ln for ln in text.splitlines() if not ln.startswith(f"{key} "))
        found = _problems(without, tmp_path)
        assert found == [(f"inputs.{key}", found[0][1])]
        assert "required when demo = false" in found[0][1]


def test_a_rural_uplift_in_costs_points_to_the_zone_table(tmp_path: Path) -> None:
    """The one rural uplift is the zones' rate_uplift_pct: an old config's zero still loads,
    any other value is refused with where the uplift is set now."""
    assert scenario_from_toml(MINIMAL + "[costs]\nrural_uplift_pct = 0.0\n", base_dir=tmp_path)
    found = _problems(MINIMAL + "[costs]\nrural_uplift_pct = 10.0\n", tmp_path)
    assert len(found) == 1 and found[0][0] == "costs.rural_uplift_pct"
    assert "rate_uplift_pct per zone in the zone table" in found[0][1]
