"""Your area page: open a scenario file or uploaded files as the area every page works on."""

from __future__ import annotations

import streamlit as st

from optimiser.errors import HomecareError, InputError, Problem
from ui import cache, components, uploads
from ui.state import get_state

state = get_state()
area = components.current_area(state)

st.title("Your area")
facts = area.summary()
st.caption(
    f"Open now: **{area.name}** (from {components.area_source(state)}): {facts['people']} "
    f"people, {facts['weekly_hours']:,.0f} contact hours a week, {facts['providers']} "
    f"providers, {facts['zones']} zones. Every page works on this area. Opening another one "
    "starts its pages afresh (its own zones; saved scenarios and runs of this area are "
    "forgotten); if it has problems, they are listed here and this area stays open."
)
notice = state.pop_flash()
if notice:
    st.success(notice)
for warning in area.warnings:
    st.warning(warning)
if state.opened_area is not None:
    st.button(
        f"Back to {cache.startup_source()}",
        key="area_close",
        on_click=lambda: (state.close_area(), state.flash(f"Back to {cache.startup_source()}.")),
    )


def _show_problems(what: str, problems: tuple[Problem, ...] | list[Problem]) -> None:
    st.error(
        f"{what}: {len(problems)} problem(s) found. Fix them all and try again; nothing was "
        f"loaded and {area.name} stays open."
    )
    components.problems_list(problems)


st.subheader("A scenario file on this machine")
st.caption(
    "A scenario config (TOML) as `homecare run` takes it, e.g. `examples/leeds/leeds.toml`: "
    "its `[inputs]` name the area (docs/own-council.md). The app compares its own zoned and "
    "spot rules on that area; `homecare run` runs the config's own rules."
)
config_path = st.text_input("Scenario config path", key="area_config_path")
clicked = st.button("Open this config", key="area_open_config")
if clicked and not config_path.strip():
    st.info("Type the path of a scenario config first.")
elif clicked:
    try:
        opened = cache.config_area(config_path.strip())
    except InputError as err:
        _show_problems(config_path, err.problems or [Problem(config_path, None, None, str(err))])
    except HomecareError as err:
        _show_problems(config_path, [Problem(config_path, None, None, str(err))])
    else:
        state.open_area(opened, source=f"the config {config_path.strip()}")
        state.flash(f"Opened {opened.name}.")
        st.rerun()

st.subheader("Or upload your own files")
st.caption(
    "The files are read in memory with the same checks as the command line (docs/tables.md) "
    "and never written to disk. The road network is a file on this machine (an OpenStreetMap "
    "extract .osm.pbf or .osm, or a .graphml): the app does not download networks by place "
    'name (use a scenario file with `network = "<place>"` for that).'
)
with st.form("area_upload_form"):
    name = st.text_input("Area name", value="My council", key="area_name")
    files = {
        role: st.file_uploader(
            what[0].upper() + what[1:],
            type=["csv", "xlsx", "geojson", "json", "gpkg"],
            key=f"area_{role}",
        )
        for role, what in uploads.AREA_FILES.items()
    }
    code_field = st.text_input(
        "Area code column of the small areas", value="LSOA21CD", key="area_code_field"
    )
    postcodes = st.file_uploader(
        "Postcode lookup (postcode, lat, lon), only if a table gives postcodes",
        type=["csv", "xlsx"],
        key="area_postcodes",
    )
    network = st.text_input("Road network file on this machine", key="area_network")
    submitted = st.form_submit_button("Open this area", type="primary")

if submitted:
    bar = st.progress(0.0, text="Reading the files")
    read = uploads.open_uploaded_area(
        name=name,
        network=network,
        area_code_field=code_field,
        files={
            role: (f.name, f.getvalue()) if f is not None else None for role, f in files.items()
        },
        postcode_lookup=(postcodes.name, postcodes.getvalue()) if postcodes else None,
        progress=components.progress_reporter(bar),
    )
    bar.empty()
    if not read.ok or read.value is None:
        _show_problems(name or "The uploads", read.problems)
    else:
        names = ", ".join(f.name for f in files.values() if f is not None)
        state.open_area(read.value, source=f"uploads ({names}; network {network.strip()})")
        state.flash(f"Opened {read.value.name}.")
        st.rerun()
