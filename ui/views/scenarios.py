"""Scenarios page: saved scenarios side by side, each beside its own baseline; workspace files."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from optimiser import service
from optimiser.errors import InputError
from optimiser.service import comparison, workspace
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


def _save(name: str, rule: str, result) -> None:
    """Save a run under a unique name and say so (and which name, when it had to change)."""
    method = str(result.summary.get("travel_method") or "estimate")
    saved_as = state.save(SavedScenario(name, rule, method, n_zones, result.summary))
    if saved_as != name:
        st.warning(f"A scenario called '{name}' is already saved: this one is '{saved_as}'.")
    else:
        st.success(f"Added '{saved_as}'.")


def _load_workspace() -> None:
    """Read the uploaded workspace file (a callback): every problem listed, or everything
    replaced by the file's zones, scenarios and options."""
    upload = st.session_state.get("scen_ws_upload")
    if upload is None:
        return
    try:
        loaded = workspace.read_workspace(upload.getvalue(), area, source=upload.name)
    except InputError as err:
        st.session_state["scen_ws_problems"] = (upload.name, tuple(err.problems))
        return
    st.session_state.pop("scen_ws_problems", None)
    state.load_workspace(loaded, source=upload.name)
    state.flash(
        f"Workspace loaded from {upload.name}: {len(loaded.scenarios)} scenario(s), "
        f"{loaded.zone_table['zone_id'].nunique()} zones."
    )


st.title("Scenarios")
st.caption(
    "Runs saved from the Zones page, or added here on the current zones. Each scenario is read "
    "against its own baseline (today's greedy brokerage on the spot market), its travel "
    "measured the same way: full carer rounds beside rounds, the quick estimate beside the "
    "estimate."
)
notice = state.pop_flash()
if notice:
    st.success(notice)

add_spot, add_zoned, add_rounds = st.columns(3)
if add_spot.button("Add spot purchasing (current zones)", key="scen_add_spot"):
    with components.stop_on_error("Running spot purchasing"):
        result = cache.run(area, cache.scenario("spot"), table)
    _save(f"spot, {n_zones} zones", "spot", result)
if add_zoned.button("Add zoned (current zones)", key="scen_add_zoned"):
    with components.stop_on_error("Running the zoned scenario"):
        result = cache.run(area, cache.scenario("zoned"), table)
    _save(f"zoned, {n_zones} zones", "zoned", result)
if add_rounds.button("Add zoned with full carer rounds (slow)", key="scen_add_rounds"):
    bar = st.progress(0.0, text="Preparing carer rounds")
    report = components.progress_reporter(bar)
    rounds = replace(cache.scenario("zoned", interactive=False), travel_method="rounds")
    with components.stop_on_error("Building carer rounds"):
        result = service.run_scenario(area, rounds, zone_table=table, progress=report)
    bar.empty()
    _save(f"zoned + rounds, {n_zones} zones", "zoned", result)

saved = state.saved
if saved:
    summaries = {name: s.summary for name, s in saved.items()}
    compared = comparison.compare_with_baselines(summaries)
    st.subheader("Side by side")
    st.dataframe(
        components.text_table(compared),
        key="scen_table",
        height=min(38 * (len(compared) + 1), 800),
        column_config={"_index": st.column_config.TextColumn("figure", pinned=True)},
    )
    st.download_button(
        "Download the comparison (Excel)",
        data=lambda: comparison.comparison_workbook(compared),
        file_name="scenario-comparison.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="scen_xlsx",
        on_click="ignore",
    )

    st.subheader("Charts")
    figures = pd.DataFrame(
        {title: [s.summary.get(key) for s in saved.values()] for key, title in CHARTED.items()},
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
else:
    st.info("No scenarios yet: add one above, or save a run on the Zones page.")

st.subheader("Workspace file")
st.caption(
    "Save the zones, the saved scenarios and the options as one JSON file, and load it again "
    "later (a page reload or a new session then loses nothing). The file holds zone ids, "
    "area codes and headline figures only, no personal data."
)
save_column, load_column = st.columns(2)
save_column.download_button(
    "Save workspace (JSON)",
    data=lambda: workspace.workspace_json(state.workspace(area.name)),
    file_name="homecare-workspace.json",
    mime="application/json",
    key="scen_ws_save",
    on_click="ignore",
)
load_column.file_uploader(
    "Load a workspace file", type=["json"], key="scen_ws_upload", on_change=_load_workspace
)
failed = st.session_state.get("scen_ws_problems")
if failed:
    name, problems = failed
    st.error(f"{name}: {len(problems)} problem(s); nothing was changed.")
    components.problems_list(problems)

components.attribution_footer(area.attribution)
