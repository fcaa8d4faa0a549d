"""The input digest in meta.json: every input counts, and the demo's inputs are all named."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import pandas as pd
import pytest
from shapely.geometry import box

from geodata.settings import TravelSettings
from optimiser.data import config as cfgmod
from optimiser.data.domain import CallType, CostModel, Package, Provider, Scenario, Visit
from optimiser.errors import InputError
from optimiser.models.travel_formula import TravelEstimateParams
from optimiser.service import provenance
from optimiser.service.areas import area_for_config


def _inputs(tmp_path: Path) -> dict[str, Any]:
    """Two packages, one provider, two small areas in one zone, four config files on disk."""
    graph = nx.MultiDiGraph(homecare_digest="a" * 64)
    visit = Visit(day=0, call_type=CallType.MORNING, duration_min=60)
    packages = (
        Package("P1", 52.6, -0.7, 1.0, (visit,), needs=frozenset({"dementia", "stoma"})),
        Package("P2", 52.7, -0.6, 1.0, (visit,)),
    )
    providers = (Provider("A", "Provider A", 52.65, -0.65, 100.0, 5, 25.0, 12.71),)
    areas = gpd.GeoDataFrame(
        {"area_code": ["E1", "E2"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs="EPSG:4326"
    )
    zone_table = pd.DataFrame(
        {
            "zone_id": ["Z1", "Z1"],
            "name": ["Zone 1", "Zone 1"],
            "kind": ["town", "town"],
            "area_code": ["E1", "E2"],
            "lead_providers": ["A", "A"],
            "rate_uplift_pct": [0.0, 0.0],
        }
    )
    files = {}
    for role in ("network settings", "travel estimate", "demand parameters", "scenario", "costs"):
        path = tmp_path / f"{role.replace(' ', '_')}.toml"
        path.write_text(f"# {role}\nvalue = 1\n")
        files[role] = path
    return {
        "graph": graph,
        "packages": packages,
        "providers": providers,
        "areas": areas,
        "travel_settings": TravelSettings(),
        "estimate_params": TravelEstimateParams(),
        "zone_table": zone_table,
        "scenario": Scenario(name="zoned"),
        "rounds_options": {"time_limit_s": 1.0},
        "files": files,
    }


def _digests(x: dict[str, Any]) -> dict[str, str]:
    files = x["files"]
    area = provenance.area_digests(
        graph=x["graph"],
        packages=x["packages"],
        providers=x["providers"],
        areas=x["areas"],
        travel_settings=x["travel_settings"],
        estimate_params=x["estimate_params"],
        config_files={
            k: files[k] for k in ("network settings", "travel estimate", "demand parameters")
        },
    )
    return provenance.run_digests(
        area,
        zone_table=x["zone_table"],
        scenario=x["scenario"],
        rounds_options=x["rounds_options"],
        config_files={"scenario": files["scenario"], "scenario include [costs]": files["costs"]},
    )


def _edit_file(role: str):
    def edit(x: dict[str, Any]) -> None:
        path = x["files"][role]
        path.write_text(path.read_text().replace("value = 1", "value = 2"))

    return edit


def _set(key: str, make):
    def edit(x: dict[str, Any]) -> None:
        x[key] = make(x[key])

    return edit


# Each case changes exactly one input; the digest of that input (named second) must change,
# every other digest must stay, and so must nothing else: the combined digest changes.
EDITS = [
    ("network", "network", _set("graph", lambda g: nx.MultiDiGraph(homecare_digest="b" * 64))),
    (
        "one package's days waiting",
        "packages",
        _set("packages", lambda p: (p[0], dataclasses.replace(p[1], days_waiting=3))),
    ),
    (
        "one provider's capacity",
        "providers",
        _set("providers", lambda p: (dataclasses.replace(p[0], capacity_hours=99.0),)),
    ),
    (
        "one area's polygon",
        "areas",
        _set("areas", lambda a: a.set_geometry([box(0, 0, 1, 1), box(1, 0, 2, 2)])),
    ),
    (
        "one zone's lead provider",
        "zones",
        _set("zone_table", lambda t: t.assign(lead_providers=["A", "B"])),
    ),
    (
        "the scenario's wage",
        "scenario",
        _set("scenario", lambda s: dataclasses.replace(s, costs=CostModel(pay_gbp_per_hour=13.0))),
    ),
    ("a rounds option", "scenario", _set("rounds_options", lambda r: {"time_limit_s": 2.0})),
    (
        "the travel settings",
        "travel_settings",
        _set("travel_settings", lambda t: dataclasses.replace(t, max_access_m=1500.0)),
    ),
    ("the network settings file", "config:network settings", _edit_file("network settings")),
    ("the travel estimate file", "config:travel estimate", _edit_file("travel estimate")),
    ("the demand parameters file", "config:demand parameters", _edit_file("demand parameters")),
    ("the scenario file", "config:scenario", _edit_file("scenario")),
    ("the included costs file", "config:scenario include [costs]", _edit_file("costs")),
]


@pytest.mark.parametrize(("what", "key", "edit"), EDITS, ids=[e[0] for e in EDITS])
def test_changing_any_one_input_changes_the_digest(tmp_path, what, key, edit) -> None:
    """Every input of a run has its own digest, and the combined input digest follows each."""
    x = _inputs(tmp_path)
    before = _digests(x)
    edit(x)
    after = _digests(x)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {key}, what
    assert provenance.combined_digest(before) != provenance.combined_digest(after)


def test_the_same_inputs_give_the_same_digest_in_another_process(tmp_path) -> None:
    """Sets (a package's needs) are digested sorted, so string hashing cannot move a digest."""
    x = _inputs(tmp_path)
    code = (
        "from optimiser.service import provenance; "
        "from optimiser.data.domain import CallType, Package, Visit; "
        "v = Visit(day=0, call_type=CallType.MORNING, duration_min=60); "
        "print(provenance.records_digest([Package('P1', 52.6, -0.7, 1.0, (v,), "
        "needs=frozenset({'dementia', 'stoma'}))]))"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": str(seed), "PATH": ""},
            cwd=Path(__file__).resolve().parents[2],
        ).stdout.strip()
        for seed in (1, 2)
    }
    assert runs == {provenance.records_digest(x["packages"][:1])}


def test_config_files_names_the_scenario_and_its_includes(tmp_path) -> None:
    """A scenario's own file and the file its [costs] table includes are both listed."""
    (tmp_path / "costs.toml").write_text("pay_gbp_per_hour = 12.71\n")
    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario]\nname = "x"\n[inputs]\ndemo = true\n[costs]\ninclude = "costs.toml"\n'
    )
    files = cfgmod.config_files(cfgmod.load_scenario(path))
    assert files == {"scenario": path, "scenario include [costs]": tmp_path / "costs.toml"}


def test_a_non_csv_zones_file_in_demo_mode_is_an_error_naming_it(tmp_path) -> None:
    """A GeoPackage given as the demo's zones is refused (it used to be ignored), up front."""
    cfg = cfgmod.scenario_from_toml(
        '[scenario]\nname = "x"\n[inputs]\ndemo = true\nzones = "my_zones.gpkg"\n',
        base_dir=tmp_path,
        check_paths=False,
    )
    with pytest.raises(InputError, match=r"my_zones\.gpkg.*\.csv"):
        area_for_config(cfg)


def test_the_service_does_not_load_the_demo_generator() -> None:
    """Importing the service (the user's own area path included) leaves the demo unloaded."""
    code = (
        "import sys, optimiser.service, optimiser.service.areas; "
        "print(any(m.startswith('optimiser.demo') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "False"
