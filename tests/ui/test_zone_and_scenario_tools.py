"""The commissioner's tools on the Zones and Scenarios pages, driven with AppTest on the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
TIMEOUT_S = 120


@pytest.fixture
def app() -> AppTest:
    """The app on its first page (Zones), after one run on the shipped demo area."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, at.exception
    return at


def _zone_of(at: AppTest, code: str) -> str:
    table = at.session_state["hc_zone_table"]
    return str(table.loc[table["area_code"] == code, "zone_id"].iloc[0])


def test_several_areas_move_at_once(app: AppTest) -> None:
    """The picked area and the "more areas" multiselect all move in one click; the picked
    area stays picked after the move."""
    app.selectbox(key="zones_area").set_value("E01013803").run()
    app.multiselect(key="zones_more").set_value(["E01013787", "E01013788"]).run()
    app.selectbox(key="zones_target").set_value("Z-UPP").run()
    app.button(key="zones_apply").click().run()
    assert not app.exception, app.exception
    assert {_zone_of(app, c) for c in ("E01013803", "E01013787", "E01013788")} == {"Z-UPP"}
    assert app.selectbox(key="zones_area").value == "E01013803"
    assert any("(E01013787)" in s.value for s in app.success)


def test_create_rename_and_delete_a_zone(app: AppTest) -> None:
    """A new zone takes its areas; it can be renamed and deleted (its areas join another)."""
    app.text_input(key="zt_new_id").input("Z-NEW").run()
    app.text_input(key="zt_new_name").input("Test zone").run()
    app.multiselect(key="zt_new_areas").set_value(["E01013803"]).run()
    app.button(key="zt_create").click().run()
    assert not app.exception, app.exception
    assert _zone_of(app, "E01013803") == "Z-NEW"
    app.selectbox(key="zt_rename_zone").set_value("Z-NEW").run()
    app.text_input(key="zt_rename_name").input("Renamed").run()
    app.button(key="zt_rename").click().run()
    table = app.session_state["hc_zone_table"]
    assert set(table.loc[table["zone_id"] == "Z-NEW", "name"]) == {"Renamed"}
    app.selectbox(key="zt_del_zone").set_value("Z-NEW").run()
    app.selectbox(key="zt_del_into").set_value("Z-OAK-S").run()
    app.button(key="zt_delete").click().run()
    assert _zone_of(app, "E01013803") == "Z-OAK-S"
    assert not app.exception, app.exception


def test_a_bad_zone_edit_is_explained_and_changes_nothing(app: AppTest) -> None:
    """Creating a zone with an id already in use shows why, and the zones stay as they were."""
    before = app.session_state["hc_zone_table"].copy()
    app.text_input(key="zt_new_id").input("Z-UPP").run()
    app.text_input(key="zt_new_name").input("Dup").run()
    app.multiselect(key="zt_new_areas").set_value(["E01013803"]).run()
    app.button(key="zt_create").click().run()
    assert any("already used" in e.value for e in app.error)
    assert app.session_state["hc_zone_table"].equals(before)


def test_zone_file_with_a_bad_kind_also_lists_its_area_problems(app: AppTest) -> None:
    """One upload shows the kind error and the unknown areas together (no second upload)."""
    bad = (BAD / "zones_areas_bad_values.csv").read_bytes()
    app.file_uploader(key="zones_upload").set_value(("zones.csv", bad, "text/csv")).run()
    fields = set(app.dataframe[-1].value["field"])
    assert {"kind", "rate_uplift_pct", "area_code"} <= fields


def test_scenario_names_stay_unique_and_the_comparison_exports(app: AppTest) -> None:
    """Adding the same scenario twice keeps both, the second suffixed and said so; the
    comparison names each column's baseline and offers an Excel download."""
    app.switch_page("views/scenarios.py").run()
    app.button(key="scen_add_zoned").click().run()
    app.button(key="scen_add_zoned").click().run()
    assert not app.exception, app.exception
    assert any("(2)" in w.value for w in app.warning)
    table = app.dataframe[0].value
    assert list(table.columns) == [
        "baseline: greedy brokerage, spot market (estimate)",
        "zoned, 7 zones",
        "zoned, 7 zones (2)",
    ]
    assert app.get("download_button")


def test_a_workspace_file_restores_zones_and_scenarios(app: AppTest) -> None:
    """A saved workspace loaded into a fresh session brings back its zones and scenarios; a
    broken one lists its problems and changes nothing."""
    from optimiser import service
    from optimiser.service import workspace as ws

    area = service.load_demo_area()
    zones = service.move_area(area.zone_table, "E01013803", "Z-UPP")
    run = ws.SavedRun("mine", "zoned", "estimate", 7, {"unmet_hours": 1.0, "baseline": {}})
    data = ws.workspace_json(ws.Workspace(area.name, zones, "edited", (run,), {"rule": "spot"}))
    app.switch_page("views/scenarios.py").run()
    app.file_uploader(key="scen_ws_upload").set_value(("w.json", data, "application/json")).run()
    assert not app.exception, app.exception
    assert any("Workspace loaded" in s.value for s in app.success)
    assert _zone_of(app, "E01013803") == "Z-UPP"
    assert "mine" in list(app.dataframe[0].value.columns)
    broken = json.loads(data)
    broken["version"] = 7
    app.file_uploader(key="scen_ws_upload").set_value(
        ("b.json", json.dumps(broken).encode(), "application/json")
    ).run()
    assert any("problem" in e.value for e in app.error)
    assert _zone_of(app, "E01013803") == "Z-UPP"
