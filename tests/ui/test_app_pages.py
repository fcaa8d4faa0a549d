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
    """A commissioner's first view: five headline figures, who is left without care split by
    group, the map, the move controls and the OpenStreetMap and ONS/OS attribution."""
    assert list(_metrics(app)) == [
        "Unmet hours / week",
        "Placed hours / week",
        "Travel per carer-hour of contact",
        "Cost per carer-hour of contact",
        "Room for pay rise",
    ]
    assert all(value != "n/a" for value in _metrics(app).values())
    assert app.get("deck_gl_json_chart"), "the zone map is missing"
    assert len(app.selectbox(key="zones_area").options) > 0
    assert len(app.selectbox(key="zones_target").options) > 0
    captions = _captions(app)
    assert "Left without care: current clients losing care 0 (0.0 h), waiting list" in captions
    assert "© OpenStreetMap contributors" in captions and "ODbL" in captions
    assert "ONS" in captions and "OS data" in captions


#: A move with a visible effect on the demo: Oakham South's largest small area (17 people) into
#: Oakham North, whose leads have room: the packages change provider, so travel and cost move.
#: (Into the Rural Centre, as before, has no effect since its single lead is full and current
#: clients keep care: they stay with their providers as the zone's fallback.)
MOVE = ("E01013803", "Z-OAK-N")


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
    """Valid packages get every provider ranked with a reason, the spare hours at their turn
    and the carers' travel; a decisions table to accept or override (pre-filled only with a
    provider that has room) and a matches download."""
    app.switch_page("views/brokerage.py").run()
    good = (GOOD / "packages.csv").read_bytes()
    app.file_uploader(key="brokerage_upload").set_value(("new.csv", good, "text/csv")).run()
    assert not app.exception, app.exception
    ranked = _table_with(app, "rank")
    assert set(ranked["package_id"]) == {"PK001", "PK002", "PK003", "PK004"}
    assert ranked["rank"].max() <= 3
    assert ranked["reason"].astype(str).str.len().min() > 0
    assert {"spare_carer_hours", "travel_carer_hours", "needed_carer_hours"} <= set(ranked)
    assert (ranked["needed_carer_hours"] > 0).all()
    decisions = _table_with(app, "choice")
    assert list(decisions["package_id"]) == ["PK001", "PK002", "PK003", "PK004"]
    assert (decisions["choice"] == decisions["suggested"]).all()  # accepted until overridden
    prefilled = decisions[decisions["choice"] != "(waiting list)"]
    assert (prefilled["status"] == "matched").all()  # never a provider without room
    assert app.get("download_button")


def test_brokerage_batch_with_a_home_outside_the_area(app: AppTest) -> None:
    """A week's batch with one home outside Rutland: that row says "outside the area" (not a
    road distance, no Python class name), the other five are matched or waiting, and the
    summary line counts what happened. Typing an override that overfills a provider shows
    its spare hours going below zero and an error naming it."""
    app.switch_page("views/brokerage.py").run()
    week = (GOOD / "brokerage_week.csv").read_bytes()
    app.file_uploader(key="brokerage_upload").set_value(("week.csv", week, "text/csv")).run()
    assert not app.exception, app.exception
    assert not app.error
    warnings = [w.value for w in app.warning]
    assert any("NW06: outside the area" in w for w in warnings), warnings
    assert not any("nearest road" in w or "Error" in w for w in warnings)
    decisions = _table_with(app, "choice").set_index("package_id")
    assert decisions.loc["NW06", "status"] == "outside the area"
    statuses = set(decisions.drop(index="NW06")["status"])
    assert statuses <= {"matched", "no provider has room: waiting list"}
    n_matched = int((decisions["status"] == "matched").sum())
    line = next(m.value for m in app.markdown if m.value.startswith("6 package(s)"))
    assert f"{n_matched} matched to a provider (0 by your override)" in line
    assert "1 not located" in line and "0 provider(s) over capacity" in line
    capacity = _table_with(app, "spare_after_choices")
    assert not capacity["over_capacity"].any()


def test_finance_typed_pay_changes_the_options_and_the_arithmetic(app: AppTest) -> None:
    """The finance page costs three options; typing a higher pay raises 'your option's cost
    build-up and leaves the configured rates alone; the arithmetic shown follows the user's
    option; spend at contracted prices stands beside it; the unpaid-travel option is flagged
    below the National Living Wage."""
    app.switch_page("views/finance.py").run()
    assert not app.exception, app.exception
    table = _table_with(app, "option").set_index("option")
    assert len(table) == 3
    base_cost = table.loc["configured rates", "cost_gbp_per_carer_hour"]
    assert bool(table.loc["yours, travel unpaid", "below_national_living_wage"])
    assert any("below the National Living Wage" in w.value for w in app.warning)
    labels = [m.label for m in app.metric]
    assert "Spend a week (contracted prices)" in labels
    pay = app.number_input(key="fin_pay")
    pay.set_value(15.0).run()
    raised = _table_with(app, "option").set_index("option")
    assert raised.loc["your option", "cost_gbp_per_carer_hour"] > base_cost
    assert raised.loc["configured rates", "cost_gbp_per_carer_hour"] == base_cost
    build_up = _table_with(app, "gbp_per_carer_hour").set_index("item")
    assert build_up.loc["care worker pay, contact", "gbp_per_carer_hour"] == 15.0
    assert app.get("download_button")


def test_quick_figures_are_labelled_and_a_full_solve_confirms_them(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Zones page says its figures are a quick estimate (budget and gap) and offers a full
    solve; on the finance page the button runs the full budget (made small here, to keep the
    test short) and the page then works on the full solve's figures."""
    import dataclasses

    from ui import cache

    captions = _captions(app)
    assert "Quick estimate: budget 0.1, gap" in captions
    assert app.button(key="full_solve_zoned").label == "Confirm with a full solve"
    real = cache.scenario

    def smaller_full(rule: str, *, interactive: bool = True):
        scenario = real(rule, interactive=interactive)
        if interactive:
            return scenario
        solver = dataclasses.replace(scenario.solver, max_deterministic_time=0.5, workers=1)
        return dataclasses.replace(scenario, solver=solver)

    monkeypatch.setattr(cache, "scenario", smaller_full)
    app.switch_page("views/finance.py").run()
    app.button(key="full_solve_zoned").click().run()
    assert not app.exception, app.exception
    captions = _captions(app)
    assert "Confirmed by a full solve: budget 0.5" in captions
    assert "The figures below are from the full solve." in captions


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


def test_an_edit_remembers_the_table_it_was_made_on() -> None:
    """An "edited" table keeps its parent (for the incremental re-evaluation); a table from
    anywhere else (the demo, an upload) has none."""
    state = AppState({})
    first = pd.DataFrame({"area_code": ["A1", "A2"], "zone_id": ["Z1", "Z2"]})
    moved = pd.DataFrame({"area_code": ["A1", "A2"], "zone_id": ["Z1", "Z1"]})
    state.set_zone_table(first, source="demo zones")
    assert state.zone_parent is None
    state.set_zone_table(moved, source="edited")
    pd.testing.assert_frame_equal(state.zone_parent, first)
    state.set_zone_table(first, source="upload.csv")
    assert state.zone_parent is None


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
