"""Scenarios page: saved scenarios side by side (spot against zoned, different zone sets)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from optimiser import service
from ui import cache, components
from ui.state import SavedScenario, get_state

#: Headline figures charted side by side, with their axis titles.
CHARTED = {
    "unmet_hours": "Unmet hours / week",
    "travel_min_per_carer_hour": "Travel [min per carer-hour of contact]",
    "cost_gbp_per_carer_hour": "Cost [£ per carer-hour of contact]",
    "pay_headroom_per_hour": "Room for pay rise [£ per carer-hour paid]",
}

state = get_state()
area, table = components.page_area(state)
n_zones = int(table["zone_id"].nunique())

st.title("Scenarios")
st.caption(
    "Runs saved from the Zones page, or added here on the current zones, compared side by side."
)

add_spot, add_zoned, add_rounds = st.columns(3)
if add_spot.button("Add spot purchasing (current zones)", key="scen_add_spot"):
    with components.stop_on_error("Running spot purchasing"):
        result = cache.run(area, cache.scenario("spot"), table)
    state.save(SavedScenario(f"spot, {n_zones} zones", "spot", n_zones, result))
if add_zoned.button("Add zoned (current zones)", key="scen_add_zoned"):
    with components.stop_on_error("Running the zoned scenario"):
        result = cache.run(area, cache.scenario("zoned"), table)
    state.save(SavedScenario(f"zoned, {n_zones} zones", "zoned", n_zones, result))
if add_rounds.button("Add zoned with full carer rounds (slow)", key="scen_add_rounds"):
    bar = st.progress(0.0, text="Building carer rounds")

    def report(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    rounds = replace(cache.scenario("zoned", interactive=False), travel_method="rounds")
    with components.stop_on_error("Building carer rounds"):
        result = service.run_scenario(area, rounds, zone_table=table, progress=report)
    bar.empty()
    state.save(SavedScenario(f"zoned + rounds, {n_zones} zones", "zoned", n_zones, result))

saved = state.saved
if not saved:
    st.info("No scenarios yet: add one above, or save a run on the Zones page.")
    st.stop()

comparison = service.compare({name: s.result for name, s in saved.items()})
st.subheader("Side by side")
st.dataframe(components.text_table(comparison), key="scen_table")

st.subheader("Charts")
figures = pd.DataFrame(
    {title: [s.result.summary.get(key) for s in saved.values()] for key, title in CHARTED.items()},
    index=pd.Index(list(saved), name="scenario"),
).apply(pd.to_numeric, errors="coerce")
columns = st.columns(2)
for i, title in enumerate(CHARTED.values()):
    with columns[i % 2]:
        st.caption(title)
        st.bar_chart(figures[title], horizontal=True)

forget = st.selectbox("Remove a saved scenario", options=["", *saved], key="scen_forget")
if forget and st.button(f"Remove '{forget}'", key="scen_forget_button"):
    state.forget(forget)
    st.rerun()

components.attribution_footer(area.attribution)
