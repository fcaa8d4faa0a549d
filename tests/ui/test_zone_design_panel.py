"""The Zones page's "Propose zones" panel, driven headless with AppTest on the demo area."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
TIMEOUT_S = 300  # loads the area, designs 7 zones exactly and runs both zone sets


def test_propose_shows_both_figure_sets_and_one_click_adopts_the_proposal() -> None:
    """Proposing 7 zones shows the current and the proposed zones side by side (two maps, the
    comparison with a column each, the zone loads); "Use the proposed zones" makes the
    proposal the working zone table."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, at.exception
    propose = next(b for b in at.button if b.label == "Propose zones")
    propose.click().run()
    assert not at.exception, at.exception
    comparison = next(f.value for f in at.dataframe if "proposed" in f.value.columns)
    assert "current" in comparison.columns
    loads = next(f.value for f in at.dataframe if "leads_capacity_hours" in f.value.columns)
    assert len(loads) == 7
    at.button(key="design_adopt").click().run()
    assert not at.exception, at.exception
    table = at.session_state["hc_zone_table"]
    assert table["zone_id"].nunique() == 7
    assert at.session_state["hc_zone_source"] == "proposed design"
