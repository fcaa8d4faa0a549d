"""The Resilience page, driven headless with AppTest on the demo area."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
TIMEOUT_S = 600  # the run below solves a few scenarios on the demo area, on a busy machine


@pytest.fixture
def page() -> AppTest:
    """The app opened on its Resilience page (the demo area loaded)."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page("views/resilience.py").run()
    assert not at.exception, at.exception
    return at


def test_the_page_offers_options_shocks_and_five_draws(page: AppTest) -> None:
    """Before a run: the four options chosen, five draws by default, the exit of the largest
    rural lead, and a note to run (no figures yet)."""
    assert page.multiselect(key="res_options").value == [
        "spot",
        "zoned",
        "two_leads",
        "rural_uplift",
    ]
    assert page.number_input(key="res_draws").value == 5
    assert page.radio(key="res_exit").value == "the largest rural lead"
    assert any("run the stress test" in i.value for i in page.info)


def test_a_small_run_shows_percentiles_recovery_and_charts(page: AppTest) -> None:
    """One draw, spot only, one discharge surge: percentiles, the recovery table and the
    charts (as images) appear, with no error."""
    page.multiselect(key="res_options").set_value(["spot"])
    page.number_input(key="res_draws").set_value(1)
    page.radio(key="res_exit").set_value("none")
    page.number_input(key="res_rise").set_value(0.0)
    page.number_input(key="res_surge").set_value(5)
    page.button(key="res_run").click().run()
    assert not page.exception, page.exception
    assert not page.error, [e.value for e in page.error]
    frames = [f.value for f in page.dataframe]
    assert any("p90" in f.columns for f in frames)
    recovery = next(f for f in frames if "packages_changing_provider" in f.columns)
    assert set(recovery["shock"]) == {"none", "discharge surge +5"}
    assert len(page.get("image")) >= 2  # the box plot and the shock charts
