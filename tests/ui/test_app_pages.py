"""Every page of the Streamlit app, driven headless with AppTest on the demo area."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from optimiser.errors import Problem
from ui.state import AppState

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
GOOD = Path(__file__).resolve().parents[1] / "data" / "good"
TIMEOUT_S = 120  # first run loads the area and solves; later runs hit the caches


@pytest.fixture
def app() -> AppTest:
    """The app on its first page (Zones), after one run on the real demo area (shipped data)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first dataframe on the page that has ``column`` (AppTest exposes no table keys)."""
    for frame in at.dataframe:
        value = frame.value
        if column in value.columns:
            return value
    raise AssertionError(f"no table with a {column!r} column on the page")


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_zones_page_shows_kpis_map_editor_and_attribution(app: AppTest) -> None:
    """A commissioner's first view: five headline figures, the map, the move controls and the
    OpenStreetMap and ONS/OS attribution."""
    assert list(_metrics(app)) == [
        "Unmet hours / week",
        "Placed hours / week",
        "Travel per contact hour",
        "Cost per contact hour",
        "Room for pay rise",
    ]
    assert all(value != "n/a" for value in _metrics(app).values())
    assert app.get("deck_gl_json_chart"), "the zone map is missing"
    assert len(app.selectbox(key="zones_area").options) > 0
    assert len(app.selectbox(key="zones_target").options) > 0
    captions = _captions(app)
    assert "© OpenStreetMap contributors" in captions and "ODbL" in captions
    assert "ONS" in captions and "OS data" in captions


#: A move with a visible effect on the demo: Oakham South's largest small area (17 people) into
#: Uppingham (travel and room for pay rises change on the demo).
MOVE = ("E01013803", "Z-UPP")


def test_zone_move_changes_the_kpis_and_shows_deltas(app: AppTest) -> None:
    """Moving one small area into another zone re-runs the scenario: the headline figures
    change, each metric shows its change against the last run, and the move is confirmed."""
    before = _metrics(app)
    app.selectbox(key="zones_area").set_value(MOVE[0]).run()
    app.selectbox(key="zones_target").set_value(MOVE[1]).run()
    assert _metrics(app) == before  # picking is not moving
    app.button(key="zones_apply").click().run()
    assert not app.exception, app.exception
    after = _metrics(app)
    assert after != before
    assert any(m.delta for m in app.metric)
    assert any(f"({MOVE[0]}) to" in s.value for s in app.success)


def test_bad_zone_upload_lists_problems_and_keeps_the_zones(app: AppTest) -> None:
    """A zone file that does not fit the area is refused with its problems listed."""
    before = _metrics(app)
    bad = (BAD / "zones_areas_bad_values.csv").read_bytes()
    app.file_uploader(key="zones_upload").set_value(("zones.csv", bad, "text/csv")).run()
    assert not app.exception, app.exception
    assert any("problem" in e.value for e in app.error)
    problems = _table_with(app, "message")
    assert list(problems.columns) == ["row", "field", "message", "source"]
    assert len(problems) >= 1
    assert _metrics(app) == before


def test_zones_round_trip_through_a_geopackage(app: AppTest) -> None:
    """Zones downloaded as a GeoPackage (as a QGIS user would edit them) upload back cleanly."""
    from optimiser import service

    area = service.load_demo_area()
    moved = service.move_area(area.zone_table, "E01013787", "Z-UPP")
    gpkg = service.zones_download(area, moved, fmt="gpkg")
    app.file_uploader(key="zones_upload").set_value(
        ("zones.gpkg", gpkg, "application/geopackage+sqlite3")
    ).run()
    assert not app.exception, app.exception
    assert not app.error
    app.button(key="zones_use_upload").click().run()
    assert any("Zones loaded from zones.gpkg" in s.value for s in app.success)
    options = app.selectbox(key="zones_area").options
    assert any("(E01013787) - zone Z-UPP" in option for option in options)


def test_brokerage_reads_excel_uploads(app: AppTest, tmp_path: Path) -> None:
    """Brokers can upload this week's packages as an Excel workbook, not only CSV."""
    workbook = tmp_path / "new.xlsx"
    pd.read_csv(GOOD / "packages.csv", dtype=str, keep_default_na=False).to_excel(
        workbook, index=False
    )
    app.switch_page("views/brokerage.py").run()
    app.file_uploader(key="brokerage_upload").set_value(
        ("new.xlsx", workbook.read_bytes(), "application/vnd.ms-excel")
    ).run()
    assert not app.exception, app.exception
    assert any("4 package(s) read" in s.value for s in app.success)


def test_brokerage_bad_upload_shows_every_problem_inline(app: AppTest) -> None:
    """A packages file with five defects shows all five (row, field, message), not the first."""
    app.switch_page("views/brokerage.py").run()
    assert app.file_uploader(key="brokerage_upload") is not None
    bad = (BAD / "packages_many_errors.csv").read_bytes()
    app.file_uploader(key="brokerage_upload").set_value(("new.csv", bad, "text/csv")).run()
    assert not app.exception, app.exception
    assert any("5 problem(s)" in e.value for e in app.error)
    problems = _table_with(app, "message")
    assert set(problems["field"]) >= {"package_id", "lon", "visits", "days_waiting"}
    assert not app.get("download_button")


def test_brokerage_good_upload_ranks_providers_with_reasons(app: AppTest) -> None:
    """Valid packages get up to three ranked providers each, with a reason, a decisions table
    to accept or override, and a matches download."""
    app.switch_page("views/brokerage.py").run()
    good = (GOOD / "packages.csv").read_bytes()
    app.file_uploader(key="brokerage_upload").set_value(("new.csv", good, "text/csv")).run()
    assert not app.exception, app.exception
    ranked = _table_with(app, "rank")
    assert set(ranked["package_id"]) == {"PK001", "PK002", "PK003", "PK004"}
    assert ranked["rank"].max() <= 3
    assert ranked["reason"].astype(str).str.len().min() > 0
    decisions = _table_with(app, "choice")
    assert list(decisions["package_id"]) == ["PK001", "PK002", "PK003", "PK004"]
    assert (decisions["choice"] == decisions["suggested"]).all()  # accepted until overridden
    assert app.get("download_button")


def test_finance_pay_rate_changes_the_options_table(app: AppTest) -> None:
    """The finance page costs three options; raising pay raises 'your option's cost per
    contact hour and leaves the configured rates alone."""
    app.switch_page("views/finance.py").run()
    assert not app.exception, app.exception
    table = _table_with(app, "option").set_index("option")
    assert len(table) == 3
    base_cost = table.loc["configured rates", "cost_per_contact_hour"]
    pay = app.slider(key="fin_pay")
    pay.set_value(round(pay.value + 1.0, 2)).run()
    raised = _table_with(app, "option").set_index("option")
    assert raised.loc["your option", "cost_per_contact_hour"] > base_cost
    assert raised.loc["configured rates", "cost_per_contact_hour"] == base_cost
    assert app.get("download_button")


def test_scenarios_page_compares_spot_and_zoned(app: AppTest) -> None:
    """Saved spot and zoned runs appear side by side (with today's baseline first)."""
    app.switch_page("views/scenarios.py").run()
    assert any("No scenarios yet" in i.value for i in app.info)
    app.button(key="scen_add_spot").click().run()
    app.button(key="scen_add_zoned").click().run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    assert len(table.columns) == 3
    assert table.columns[0].startswith("baseline")


def test_state_deltas_compare_with_the_last_different_run() -> None:
    """record_run returns the previous run's summary, and re-showing a run keeps it."""
    state = AppState({})
    assert state.record_run("a", {"unmet_hours": 5.0}) is None
    assert state.record_run("a", {"unmet_hours": 5.0}) is None
    assert state.record_run("b", {"unmet_hours": 3.0}) == {"unmet_hours": 5.0}
    assert state.record_run("b", {"unmet_hours": 3.0}) == {"unmet_hours": 5.0}
    table = pd.DataFrame({"area_code": ["A2", "A1"], "zone_id": ["Z1", "Z2"]})
    state.set_zone_table(table, source="test")
    assert state.zone_source == "test" and list(state.zone_table["area_code"]) == ["A2", "A1"]


def test_problems_table_has_one_row_per_problem() -> None:
    """Upload problems become a table: whole-file problems have a blank row and field."""
    from ui.uploads import problems_table

    table = problems_table(
        [Problem("f.csv", 3, "lat", "not a number"), Problem("f.csv", None, None, "empty")]
    )
    assert table.to_dict("records") == [
        {"row": "3", "field": "lat", "message": "not a number", "source": "f.csv"},
        {"row": "", "field": "", "message": "empty", "source": "f.csv"},
    ]


def test_equity_page_maps_a_measure_and_shows_both_options(app: AppTest) -> None:
    """The equity and market page draws the small-area map, puts spot and zoned side by side
    with every measure's basis in its column name, and re-colours the map for a new measure."""
    app.switch_page("views/equity.py").run()
    assert not app.exception, app.exception
    assert app.get("deck_gl_json_chart"), "the equity map is missing"
    equity = _table_with(app, "breakdown")
    assert {"unmet people: spot", "unmet people: zoned"} <= set(equity.columns)
    assert "travel [min per carer-hour of contact delivered]: zoned" in equity.columns
    assert "language and cultural: polish" in set(equity["group"])
    market = _table_with(app, "unit_code")
    assert len(market) == 7  # the demo's zones
    assert any("HHI" in c for c in market.columns)
    assert "per 1,000 residents aged 65+" in _captions(app)
    app.selectbox(key="equity_map").set_value(
        "Providers serving the area [with placed hours]"
    ).run()
    assert not app.exception, app.exception
    assert "Providers serving the area" in _captions(app)
