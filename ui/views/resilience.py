"""Resilience page: how each commissioning option copes with exits, demand shifts and shortages."""

from __future__ import annotations

import dataclasses

import streamlit as st

from optimiser import stress
from ui import cache, components
from ui.state import get_state

state = get_state()
area, table = components.page_area(state)

st.title("Resilience")
st.caption(
    "Each option (spot, zoned, two leads per zone, zoned with the rural uplift doubled) run "
    "on other weeks of demand (the demo generator with other seeds on the demo; a bootstrap "
    "of the packages on an area of your own) and after each shock "
    "chosen below, on the current zones. A shock's packages that lose their provider are "
    "counted as changing provider, beside the moves each option makes. Each run has a small "
    "deterministic solver budget, so the same choices give the same figures."
)

options = st.multiselect(
    "Options", list(stress.OPTION_NAMES), default=list(stress.OPTION_NAMES), key="res_options"
)
draws = st.number_input("Demand draws", 1, 100, 5, key="res_draws")
st.subheader("Shocks")
exits = st.radio(
    "Provider exit",
    ["the largest rural lead", "each provider in turn", "none"],
    horizontal=True,
    key="res_exit",
)
left, right = st.columns(2)
rise = left.number_input("Demand rise [%] (0: none)", 0.0, 200.0, 10.0, key="res_rise")
by_65 = left.checkbox("Rise scaled by each area's 65+ share", True, key="res_by65")
short = left.number_input("Workforce shortage [%] (0: none)", 0.0, 90.0, 0.0, key="res_short")
surge = right.number_input(
    "Hospital-discharge surge [packages] (0: none)", 0, 500, 0, key="res_surge"
)
roads = right.number_input("Slower roads [x travel time] (1: none)", 1.0, 3.0, 1.0, key="res_roads")

exit_ids = {
    "the largest rural lead": (stress.LARGEST_RURAL_LEAD,),
    "each provider in turn": (stress.EACH_PROVIDER,),
}
settings = stress.StressSettings(
    draws=int(draws),
    options=tuple(o for o in stress.OPTION_NAMES if o in options),
    exit_providers=exit_ids.get(exits, ()),
    demand_rise=stress.DemandRise(float(rise), (), bool(by_65)) if rise > 0 else None,
    workforce_shortage=stress.WorkforceShortage(float(short)) if short > 0 else None,
    discharge_surge=stress.DischargeSurge(int(surge)) if surge > 0 else None,
    slower_roads=stress.SlowerRoads(float(roads)) if roads > 1 else None,
)

if st.button("Run the stress test", type="primary", disabled=not options, key="res_run"):
    bar = st.progress(0.0, text="starting")

    def report(fraction: float, message: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=message)

    scenario = cache.scenario("zoned")
    with components.stop_on_error("The stress test"):
        run = stress.run_stress(
            stress.stress_config(scenario, area),
            settings=settings,
            area=dataclasses.replace(area, zone_table=table),
            progress=report,
        )
    bar.empty()
    st.session_state["res_result"] = run

run = st.session_state.get("res_result")
if run is None:
    st.info("Choose the options and shocks, then run the stress test (a few minutes).")
    st.stop()

st.caption(
    f"{len(run.options)} options, {run.tasks} cases, {run.failed} failed rows, "
    f"{run.wall_s:.0f} s; seed {run.seed}."
)
st.subheader("Over the demand draws: P10, P50, P90")
st.dataframe(
    run.percentiles[["option", "measure", "draws", "p10", "p50", "p90"]],
    hide_index=True,
    key="res_percentiles",
)
chosen = st.selectbox(
    "Chart of",
    list(stress.MEASURES),
    format_func=lambda m: stress.MEASURES[m][0],
    key="res_measure",
)
st.pyplot(stress.draw_chart(run, chosen))
st.subheader("Regret: how far each option is from the best one in each draw")
st.dataframe(run.regret_summary, hide_index=True, key="res_regret")
if len(run.shocks) > 1:
    st.subheader("After each shock: hours left unmet and packages changing provider")
    st.dataframe(run.recovery, hide_index=True, key="res_recovery")
    st.pyplot(stress.shock_chart(run, "unmet_hours", "unmet need [h per week]"))
    st.pyplot(stress.shock_chart(run, "packages_changing_provider", "packages changing provider"))
