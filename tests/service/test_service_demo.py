"""The service layer on the real Rutland demo area: runs, zone edits, brokerage, outputs."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from optimiser import cli, service
from optimiser.data.domain import SolverSettings
from optimiser.errors import InputError
from optimiser.result import SUMMARY_KEYS

#: A small deterministic budget (one worker, fixed seed); the wall clock only a safety cap.
FAST = SolverSettings(time_limit_s=600.0, workers=1, seed=3, max_deterministic_time=1.0)


@pytest.fixture(scope="module")
def area() -> service.AreaData:
    """The demo area (generated people on Rutland's real roads); built once per module."""
    return service.load_demo_area()


def _scenario(name: str):
    return dataclasses.replace(service.demo_scenario(name), solver=FAST)


@pytest.fixture(scope="module")
def zoned(area: service.AreaData):
    """The zoned demo scenario's result on a small solver budget."""
    return service.run_scenario(area, _scenario("zoned"))


def test_hours_are_conserved_and_capacity_respected(area, zoned) -> None:
    """Placed, unmet, demand: the packages' own hours summed; no provider over capacity."""
    s = zoned.summary
    hours = {p.package_id: p.weekly_hours for p in area.packages}
    placed = zoned.assignments.loc[zoned.assignments["provider_id"] != "", "package_id"]
    assert s["placed_hours"] == pytest.approx(sum(hours[i] for i in placed), abs=0.01)
    assert s["unmet_hours"] == pytest.approx(
        sum(hours[i] for i in zoned.unmet["package_id"]), abs=0.01
    )
    assert s["demand_hours"] == pytest.approx(sum(hours.values()), abs=0.01)
    assert (zoned.by_provider["utilisation"] <= 1.0 + 1e-9).all()
    for key in SUMMARY_KEYS:
        assert key in s, key
    assert s["baseline"]["name"] == service.BASELINE_NAME
    assert s["solver"]["workers"] == 1 and s["solver"]["seed"] == 3


def test_every_rate_is_per_carer_hour_of_contact(zoned) -> None:
    """Travel and weekly cost recompute from the tables on one basis: every carer's travel over
    placed carer-hours (double-handed counted twice), cost per carer-hour x carer-hours; the
    demo has double-handed calls, so carer-hours exceed contact hours."""
    s, a = zoned.summary, zoned.assignments
    placed = a[~a["unmet"]]
    carer_h = float(placed["carer_hours"].sum())
    assert carer_h > s["placed_hours"] + 1.0
    assert s["placed_carer_hours"] == pytest.approx(carer_h, abs=0.01)
    travel = float(placed["travel_min_per_week"].sum()) / carer_h
    assert s["travel_min_per_carer_hour"] == pytest.approx(travel, abs=0.01)
    assert s["weekly_cost_gbp"] == pytest.approx(s["cost_gbp_per_carer_hour"] * carer_h, abs=0.1)
    base = s["baseline"]
    assert base["weekly_cost_gbp"] == pytest.approx(
        base["cost_gbp_per_carer_hour"] * base["placed_carer_hours"], abs=0.1
    )


def test_every_unmet_package_has_a_reason_and_rural_flag(zoned) -> None:
    """The unmet list names a reason per person and flags rural zones beside it."""
    unmet = zoned.unmet
    assert len(unmet) == zoned.summary["unmet_packages"]
    assert (unmet["reason"].str.len() > 0).all()
    assert unmet["rural"].dtype == bool


def test_costing_and_headroom_show_their_arithmetic(zoned) -> None:
    """Cost lines end with the total used in the summary; headroom steps carry formulas."""
    total = zoned.costing.iloc[-1]
    assert total["item"] == "total"
    assert total["gbp_per_carer_hour"] == pytest.approx(
        zoned.summary["cost_gbp_per_carer_hour"], abs=1e-3
    )
    assert zoned.headroom["arithmetic"].str.len().min() > 0


def test_moving_an_area_changes_the_zone_table_and_the_result(area, zoned) -> None:
    """A commissioner's edit: one rural LSOA moves zone; the zones and KPIs follow."""
    table = area.zone_table
    code = table.loc[table["zone_id"] == "Z-RUR-C", "area_code"].iloc[0]
    edited = service.move_area(table, code, "Z-RUR-E")
    assert edited.loc[edited["area_code"] == code, "zone_id"].item() == "Z-RUR-E"
    assert table.loc[table["area_code"] == code, "zone_id"].item() == "Z-RUR-C"  # untouched
    after = service.run_scenario(area, _scenario("zoned"), zone_table=edited)
    by_zone = after.by_zone.set_index("zone_id")["people"]
    before = zoned.by_zone.set_index("zone_id")["people"]
    assert by_zone["Z-RUR-E"] > before["Z-RUR-E"]
    assert after.meta["zone_table_digest"] != zoned.meta["zone_table_digest"]


def test_bad_zone_edits_are_named(area) -> None:
    """Unknown areas or zones, and an area in two zones, are input errors naming the area."""
    with pytest.raises(InputError, match="not in the zone table"):
        service.move_area(area.zone_table, "E0NOPE", "Z-UPP")
    with pytest.raises(InputError, match="unknown zone"):
        service.move_area(area.zone_table, area.zone_table["area_code"].iloc[0], "Z-NOPE")
    doubled = pd.concat([area.zone_table, area.zone_table.iloc[[0]].assign(zone_id="Z-UPP")])
    with pytest.raises(InputError, match="zones overlap"):
        service.zone_polygons(area, doubled)
    with pytest.raises(InputError, match="is in no zone"):
        service.zone_polygons(area, area.zone_table.iloc[1:])


def test_zones_round_trip_through_geojson(area) -> None:
    """Download the zones as GeoJSON (for QGIS) and upload them back: the same table."""
    data = service.zones_download(area, area.zone_table, "geojson")
    assert json.loads(data)["type"] == "FeatureCollection"
    back = service.read_zones_upload(data, "zones.geojson", area)
    key = ["area_code", "zone_id"]
    pd.testing.assert_frame_equal(
        back[key].sort_values(key).reset_index(drop=True),
        area.zone_table[key].sort_values(key).reset_index(drop=True),
    )


def test_brokerage_matches_a_batch_within_spare_capacity_travel_included(area, zoned) -> None:
    """A batch of copies of today's packages, plus one home outside the area: the outside home
    gets its own message and the rest are matched; no provider is given more than the spare
    carer-hours the run leaves, counting each package's care plus its carers' travel."""
    new = [dataclasses.replace(p, package_id=f"NEW{i}") for i, p in enumerate(area.packages[:6])]
    away = dataclasses.replace(area.packages[0], package_id="AWAY", lat=52.766, lon=-0.886)
    batch = service.broker_packages(area, _scenario("zoned"), [*new, away], result=zoned)
    d = batch.decisions.set_index("package_id")
    assert list(batch.decisions["package_id"]) == [*(p.package_id for p in new), "AWAY"]
    assert d.loc["AWAY", "status"] == "outside the area"
    assert "outside" in d.loc["AWAY", "reason"] and "nearest road" not in d.loc["AWAY", "reason"]
    assert set(d["status"]) <= {"matched", "no provider has room: waiting list", "outside the area"}
    matched = d[d["status"] == "matched"]
    assert (matched["needed_carer_hours"] > matched["carer_hours"]).all()  # travel counted
    spare = batch.spare.set_index("provider_id")
    taken = matched.groupby("suggested_provider_id")["needed_carer_hours"].sum()
    for provider_id, hours in taken.items():
        assert hours <= spare.loc[provider_id, "spare_before_batch"] + 0.01
    assert set(batch.suggestions(3)["package_id"]) == {p.package_id for p in new}


def test_bad_upload_names_row_and_field() -> None:
    """An uploaded CSV with bad hours is refused with the row and the column named."""
    csv = "package_id,lat,lon,weekly_hours,visits\nX1,52.6,-0.7,-3,mon morning 30\n"
    with pytest.raises(InputError) as err:
        service.read_packages_upload(io.BytesIO(csv.encode()), "new.csv")
    text = str(err.value)
    assert "new.csv" in text and "weekly_hours" in text


def test_cost_options_and_finance_workbook(zoned) -> None:
    """Finance options: paying the Real Living Wage costs more per hour than the NLW."""
    base = _scenario("zoned").costs
    table = service.cost_options(
        zoned, {"NLW": base, "RLW": dataclasses.replace(base, pay_gbp_per_hour=13.45)}
    )
    nlw, rlw = table.set_index("option")["cost_gbp_per_carer_hour"]
    assert rlw > nlw
    assert service.finance_workbook(zoned)[:2] == b"PK"  # an xlsx is a zip


def test_cli_run_writes_results_and_compare_reads_them(tmp_path, capsys) -> None:
    """`homecare run` writes a result folder; `homecare compare` prints two side by side."""
    cfg = tmp_path / "quick.toml"
    spot = Path(service.CONFIG_DIR / "demo_spot.toml").read_text()
    cfg.write_text(
        spot.replace(
            'include = "costs_2026.toml"', f'include = "{service.CONFIG_DIR}/costs_2026.toml"'
        )
        .replace('zones = "zones_rutland.csv"', f'zones = "{service.CONFIG_DIR}/zones_rutland.csv"')
        .replace("time_limit_s = 10.0", "time_limit_s = 2.0")
    )
    assert cli.main(["-q", "run", str(cfg), "--out", str(tmp_path / "a")]) == 0
    assert cli.main(["-q", "run", str(cfg), "--out", str(tmp_path / "b")]) == 0
    meta = json.loads((tmp_path / "a" / "meta.json").read_text())
    named = set(meta["input_digests"])  # every input of the run, each config file by its role
    assert {"network", "packages", "providers", "areas", "zones", "scenario"} <= named
    assert {
        f"config:{role}"
        for role in (
            "scenario",
            "scenario include [costs]",
            "network settings",
            "travel estimate",
            "demand parameters",
        )
    } <= named
    again = json.loads((tmp_path / "b" / "meta.json").read_text())
    assert again["input_digest"] == meta["input_digest"]  # same inputs, same digest
    capsys.readouterr()
    assert cli.main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "unmet [h/week]" in out


def test_cli_reports_bad_config_cleanly(tmp_path, capsys) -> None:
    """A misspelt key is an error message naming it, with exit code 2 (no traceback)."""
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[scenario]\nname = "x"\n[solver]\ntime_limt_s = 3\n')
    assert cli.main(["run", str(cfg), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "time_limt_s" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_rounds_mode_end_to_end(area) -> None:
    """travel_method = "rounds": carer rounds for scenario and baseline; figures are consistent.

    Slow (about 4 minutes): every provider-day of two assignments is routed.
    """
    scenario = dataclasses.replace(_scenario("zoned"), travel_method="rounds")
    result = service.run_scenario(
        area, scenario, rounds_options={"time_limit_s": 1.0, "solution_limit": 200}
    )
    s = result.summary
    assert s["travel_method"] == "rounds"
    assert not result.rounds.empty
    assert 3.0 < s["travel_min_per_carer_hour"] < 30.0
    assert s["placed_hours"] + s["unmet_hours"] == pytest.approx(s["demand_hours"])
