"""Zones page (commissioners): edit zone boundaries on the map and watch the headline figures."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optimiser import service
from ui import cache, components, uploads
from ui.state import SavedScenario, get_state
from ui.views.zone_design_panel import propose_panel

state = get_state()


def _use_zones(new_table: pd.DataFrame, source: str, message: str) -> None:
    """Make ``new_table`` the working zone table (a button callback) and say what changed."""
    state.set_zone_table(new_table, source=source)
    state.flash(message)


def _apply_move(area_names: dict[str, str], zone_names: dict[str, str]) -> None:
    """Move the area picked in the selectbox to the zone picked (a button callback)."""
    code = st.session_state.get("zones_area")
    target = st.session_state.get("zones_target")
    if not code or not target or target not in zone_names:
        return
    _use_zones(
        service.move_area(state.zone_table, code, target),
        "edited",
        f"Moved {area_names.get(code, code)} ({code}) to {zone_names[target]}.",
    )


area, table = components.page_area(state)

facts = area.summary()
st.title("Zones")
st.caption(
    f"{area.name}{' - synthetic people' if area.synthetic else ''}: {facts['people']} people, "
    f"{facts['weekly_hours']:,.0f} contact hours a week, {facts['providers']} providers. "
    "Move small areas (LSOAs) between zones and see unmet hours, travel, cost and room for pay "
    "rises change; the small figures under each are the change against the previous run."
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
scenario = cache.scenario(rule)
with components.stop_on_error("Running the scenario"):
    result = cache.run(area, scenario, table, edited_from=state.zone_parent)
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
# selectbox; read it before drawing, so the map outlines the area just picked.
# The map's key follows the zone table, so an edit starts a fresh map with no stale click.
map_key = f"zones_map_{cache.digest(state.zone_csv.encode())[:12]}"
clicked = components.selected_area_code(st.session_state.get(map_key))
if clicked and clicked != st.session_state.get("zones_clicked"):
    st.session_state["zones_clicked"] = clicked
    st.session_state["zones_area"] = clicked

map_column, edit_column = st.columns([3, 1])
with map_column:
    deck = components.zone_map(
        network=components.road_layer(area),
        shapes=components.area_shapes(area.areas, table, zone_names),
        outlines=components.zone_outlines(zones),
        people=components.people_points(result.assignments),
        offices=components.provider_points(area.providers),
        areas=area.areas,
        selected_area=st.session_state.get("zones_area"),
    )
    st.pydeck_chart(
        deck,
        on_select="rerun",
        selection_mode="single-object",
        key=map_key,
        height=560,
        alt="Map of zones, people and provider offices on the road network",
    )
    components.attribution_footer(area.attribution)
    st.caption(
        "Click an area to pick it. Colours: zones. Dark dots: people placed; red dots: unmet; "
        "white circles: provider offices. Grey lines: roads."
    )
    components.zone_legend(zone_names)

codes = sorted(zone_of)
with edit_column:
    st.subheader("Move an area")
    code = st.selectbox(
        "Small area",
        options=codes,
        format_func=lambda c: f"{area_names.get(c, c)} ({c}) - zone {zone_of.get(c, '?')}",
        key="zones_area",
    )
    targets = [z for z in zone_names if z != zone_of.get(code)]
    target = st.selectbox(
        "Move to zone",
        options=targets,
        format_func=lambda z: f"{zone_names[z]} ({z})",
        key="zones_target",
    )
    # Edits run as button callbacks, before the next script run, so one run shows the result.
    # The move reads the two selectboxes when the button is pressed (not when it was drawn),
    # so a quick "pick, then apply" moves the area just picked.
    st.button(
        "Apply move",
        type="primary",
        key="zones_apply",
        disabled=not targets,
        on_click=_apply_move,
        args=(area_names, zone_names),
    )
    st.button(
        "Reset to demo zones",
        key="zones_reset",
        on_click=_use_zones,
        args=(area.zone_table, "demo zones", "Zones reset to the demo zones."),
    )

    st.divider()
    name = st.text_input("Save this run as", value=f"{rule}, {len(zone_names)} zones")
    if st.button("Save scenario", key="zones_save"):
        state.save(SavedScenario(name=name, rule=rule, n_zones=len(zone_names), result=result))
        st.success(f"Saved '{name}': compare it on the Scenarios page.")

st.subheader("By zone")
st.dataframe(result.by_zone, hide_index=True)

with st.expander("Propose zones (zone design)", expanded=state.proposal is not None):
    propose_panel(state, area, table, components.people_points(result.assignments))

with st.expander("Zone files (for QGIS): download or upload", expanded=False):
    st.write(f"Current zones: {state.zone_source}.")
    downloads = (
        ("GeoJSON", "geojson", "application/geo+json"),
        ("GeoPackage", "gpkg", "application/geopackage+sqlite3"),
    )
    for column, (label, fmt, mime) in zip(st.columns(2), downloads, strict=True):
        column.download_button(
            f"Download zones ({label})",
            data=cache.zones_download(area, table, fmt),
            file_name=f"zones.{fmt}",
            mime=mime,
            key=f"zones_dl_{fmt}",
        )
    upload = st.file_uploader(
        "Upload zones (GeoJSON, GeoPackage or CSV with area_code and zone_id)",
        type=["geojson", "json", "gpkg", "csv"],
        key="zones_upload",
    )
    if upload is not None:
        read = uploads.read_zones(upload.name, upload.getvalue(), area)
        if read.ok and read.value is not None:
            st.button(
                f"Use zones from {upload.name}",
                key="zones_use_upload",
                on_click=_use_zones,
                args=(read.value, upload.name, f"Zones loaded from {upload.name}."),
            )
        else:
            st.error(f"{upload.name}: {len(read.problems)} problem(s); nothing was changed.")
            components.problems_list(read.problems)

with st.expander("Unmet need and how the figures were made", expanded=False):
    st.dataframe(result.unmet, hide_index=True)
    st.code(result.summary_text(), language=None)
