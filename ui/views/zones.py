"""Zones page (commissioners): edit zone boundaries on the map and watch the headline figures."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from optimiser.errors import InputError
from optimiser.service.zone_table import move_areas
from ui import cache, components, tables
from ui.state import SavedScenario, get_state
from ui.views import zone_tools
from ui.views.zone_design_panel import propose_panel

state = get_state()


def _picked() -> tuple[list[str], str | None]:
    """The areas picked to move (the selectbox's, then "more areas") and the zone picked."""
    code = st.session_state.get("zones_area")
    more = list(st.session_state.get("zones_more") or [])
    return list(dict.fromkeys([c for c in [code, *more] if c])), st.session_state.get(
        "zones_target"
    )


def _apply_move(area_names: dict[str, str], zone_names: dict[str, str]) -> None:
    """Move the areas picked to the zone picked (a button callback): the area in the selectbox,
    plus any picked in "more areas"."""
    codes, target = _picked()
    if not codes or not target or target not in zone_names:
        return
    try:
        moved = move_areas(state.zone_table, codes, target)
    except InputError as err:
        state.flash(f"Nothing moved: {err}")
        return
    state.set_zone_table(moved, source="edited")
    st.session_state["zones_more"] = []
    st.session_state.pop(_CHOSEN_FOR, None)  # the choice is used: guess no further move
    names = ", ".join(f"{area_names.get(c, c)} ({c})" for c in codes)
    state.flash(f"Moved {names} to {zone_names[target]}.")


area, table = components.page_area(state)

facts = area.summary()
st.title("Zones")
st.caption(
    f"{area.name}{' - synthetic people' if area.synthetic else ''}: {facts['people']} people, "
    f"{facts['weekly_hours']:,.0f} contact hours a week, {facts['providers']} providers. "
    "Move small areas (LSOAs) between zones and see unmet hours, travel, cost and room for pay "
    "rises change; the small figures under each are the change against the previous run."
)
# Tooltips sit over the map's edge instead of being cut off by its frame.
st.markdown(
    "<style>[data-testid='stDeckGlJsonChart'] , [data-testid='stDeckGlJsonChart'] * "
    "{overflow: visible !important;}</style>",
    unsafe_allow_html=True,
)

rule = st.radio(
    "Zone rule",
    options=["zoned", "spot"],
    index=0 if state.rule == "zoned" else 1,
    horizontal=True,
    key="zones_rule",
    help="zoned: only a zone's lead providers serve its packages; spot: any provider anywhere.",
)
state.rule = rule


#: Session key: the small area that was picked when a zone to move it to was last chosen.
_CHOSEN_FOR = "zones_target_chosen_for"


def _target_chosen() -> None:
    """Note that the zone to move to was chosen for the area picked now (a widget callback)."""
    st.session_state[_CHOSEN_FOR] = (
        st.session_state.get("zones_area"),
        st.session_state.get("zones_target"),
    )


def _look_ahead(table: pd.DataFrame, scenario: Any, zone_names: dict[str, str]) -> None:
    """Start solving the move picked in the panel before "Apply move" is clicked
    (``cache.run_ahead``: the same incremental re-solve the click runs, so the same figures;
    the click then waits only for what is left of it). Only once a zone has been chosen for
    the area picked (the last step before the click): a zone shown by default is not a
    choice, and a wrong guess would hold the solver when the click comes."""
    codes, target = _picked()
    if not codes or not target or target not in zone_names:
        return
    if st.session_state.get(_CHOSEN_FOR) != (st.session_state.get("zones_area"), target):
        return
    try:
        candidate = move_areas(table, codes, target)
    except InputError:
        return
    cache.run_ahead(area, scenario, candidate, edited_from=table)


def edit_and_see() -> None:
    """The figures, the map and the move panel.

    Not an ``st.fragment``: a pydeck chart inside a fragment does not deliver its click
    (selection) events in this Streamlit (streamlit/streamlit#15941; hover still works), and
    a click on the map must pick an area. The page stays quick by caching what a move does not
    change (the road layer as JSON, the areas' shapes per zone table, downloads built on click).
    """
    table = state.zone_table
    scenario = cache.scenario(rule)
    with components.stop_on_error("Running the scenario"):
        result = cache.run(area, scenario, table, edited_from=state.zone_parent, views=False)
    previous = state.record_run(f"{rule}|{state.zone_csv}", result.summary)

    notice = state.pop_flash()
    if notice:
        st.success(notice)
    components.kpi_row(result.summary, previous)

    zones = cache.zone_polygons(area, table)
    zone_names = {str(z): str(n) for z, n in zip(zones["zone_id"], zones["name"], strict=True)}
    area_names = dict(zip(area.areas["area_code"], area.areas["area_name"], strict=True))
    zone_of = dict(zip(table["area_code"], table["zone_id"], strict=True))

    # A click on the map (its selection, kept under the chart's key) picks that area in the
    # selectbox; read it before drawing, so the map outlines the area just picked. The key
    # stays the same across edits (a new key would rebuild the whole map in the browser);
    # a click is taken once, when it differs from the last one taken.
    clicked = components.selected_area_code(st.session_state.get("zones_map"))
    if clicked and clicked != st.session_state.get("zones_clicked"):
        st.session_state["zones_clicked"] = clicked
        st.session_state["zones_area"] = clicked

    map_column, edit_column = st.columns([3, 1])
    with map_column:
        deck = components.zone_map(
            network=cache.road_layer(area),
            shapes=cache.area_shapes(area, table, zone_names),
            outlines=components.zone_outlines(zones),
            people=components.people_points(result.assignments),
            offices=components.provider_points(area.providers),
            areas=area.areas,
            selected_area=st.session_state.get("zones_area"),
            places=components.place_labels(cache.places(area)),
        )
        st.pydeck_chart(
            deck,
            on_select="rerun",
            selection_mode="single-object",
            key="zones_map",
            height=560,
            alt="Map of zones, people, provider offices and place names on the road network",
        )
        components.map_legend()
        components.zone_legend(zone_names)
        st.caption("Click an area to pick it; hover for details.")
        components.attribution_footer(area.attribution)

    codes = sorted(zone_of)
    with edit_column:
        st.subheader("Move areas")
        code = st.selectbox(
            "Small area",
            options=codes,
            format_func=lambda c: f"{area_names.get(c, c)} ({c}) - zone {zone_of.get(c, '?')}",
            key="zones_area",
        )
        st.multiselect(
            "More areas to move with it",
            options=[c for c in codes if c != code],
            format_func=lambda c: f"{area_names.get(c, c)} ({c})",
            key="zones_more",
        )
        targets = [z for z in zone_names if z != zone_of.get(code)]
        st.selectbox(
            "Move to zone",
            options=targets,
            format_func=lambda z: f"{zone_names[z]} ({z})",
            key="zones_target",
            on_change=_target_chosen,
        )
        # Edits run as button callbacks, before the next script run, so one run shows the
        # result. The move reads the widgets when the button is pressed (not when drawn).
        st.button(
            "Apply move",
            type="primary",
            key="zones_apply",
            disabled=not targets,
            on_click=_apply_move,
            args=(area_names, zone_names),
        )
        _look_ahead(table, scenario, zone_names)
        st.divider()
        name = st.text_input("Save this run as", value=f"{rule}, {len(zone_names)} zones")
        if st.button("Save scenario", key="zones_save"):
            method = str(result.summary.get("travel_method") or "estimate")
            saved_as = state.save(
                SavedScenario(name, rule, method, len(zone_names), result.summary)
            )
            if saved_as != name:
                st.warning(f"'{name}' was taken: saved as '{saved_as}' (Scenarios page).")
            else:
                st.success(f"Saved '{saved_as}': compare it on the Scenarios page.")

    st.subheader("By zone")
    tables.show(result.by_zone, first=["name", "zone_id", "unmet_hours"], key="zones_by_zone")
    with st.expander("Unmet need and how the figures were made", expanded=False):
        tables.show(result.unmet, first=["package_id", "weekly_hours", "reason"])
        st.code(result.summary_text(), language=None)
    with st.expander("Propose zones (zone design)", expanded=state.proposal is not None):
        propose_panel(state, area, table, components.people_points(result.assignments))


edit_and_see()

st.subheader("Zone tools")
st.button(
    "Reset to the area's zones",
    key="zones_reset",
    on_click=lambda: (
        state.set_zone_table(area.zone_table, source="the area's zones"),
        state.flash(f"Zones reset to the zones {area.name} was opened with."),
    ),
)
zone_tools.zone_editor(area, state.zone_table, state)
zone_tools.zone_files(area, state)
