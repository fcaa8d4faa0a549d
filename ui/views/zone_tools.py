"""Zone tools on the Zones page: create, rename, delete, lead providers and uplift; zone files.

Each edit is a button callback that calls one pure table edit (``optimiser.service.zone_table``)
and either makes the new table the working one or shows the edit's error; nothing here edits
a table itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from optimiser import service
from optimiser.errors import InputError
from optimiser.service import zone_table as edits
from ui import cache, components, uploads
from ui.state import AppState

_ERROR = "zone_tools_error"  # session key: the last edit's error text, shown once


def _apply(state: AppState, edit: Callable[[pd.DataFrame], pd.DataFrame], message: str) -> None:
    """Run ``edit`` on the working table (a callback); keep the result or the error."""
    try:
        new = edit(state.zone_table)
    except InputError as err:
        st.session_state[_ERROR] = "; ".join(p.message for p in err.problems) or str(err)
        return
    before = set(state.zone_table["zone_id"])
    gone = sorted(before - set(new["zone_id"]))
    state.set_zone_table(new, source="edited")
    state.flash(
        message + (f" Zone(s) left with no area removed: {', '.join(gone)}." if gone else "")
    )


def _value(key: str, default=None):
    return st.session_state.get(key, default)


def _save_details(
    state: AppState, zone: str, leads: list[str], label: str, provider_ids: list[str]
) -> None:
    _apply(
        state,
        lambda t: edits.set_zone_details(
            t,
            zone,
            lead_providers=_value(f"zt_leads_{zone}", leads),
            rate_uplift_pct=_value(f"zt_uplift_{zone}", 0.0),
            known_providers=provider_ids,
        ),
        f"Lead providers and uplift of {label} saved.",
    )


def zone_editor(area: service.AreaData, table: pd.DataFrame, state: AppState) -> None:
    """Create, rename and delete zones; set a zone's lead providers, uplift and kind."""
    error = st.session_state.pop(_ERROR, "")
    if error:
        st.error(f"That edit was not made: {error}")
    zones = table.groupby("zone_id", sort=True).first()
    zone_ids = list(zones.index)
    label = {z: f"{zones.loc[z, 'name']} ({z})" for z in zone_ids}
    provider_ids = [p.provider_id for p in area.providers]
    provider_label = {p.provider_id: f"{p.name} ({p.provider_id})" for p in area.providers}
    area_names = dict(zip(area.areas["area_code"], area.areas["area_name"], strict=True))
    codes = sorted(table["area_code"].astype(str))
    create, details, rename, delete = st.tabs(["New zone", "Leads and uplift", "Rename", "Delete"])
    with create:
        st.text_input("New zone id", key="zt_new_id", placeholder="Z-NEW")
        st.text_input("Name", key="zt_new_name")
        st.radio("Kind", ["neighbourhood", "rural"], key="zt_new_kind", horizontal=True)
        st.multiselect(
            "Small areas it takes (from their zones)",
            codes,
            format_func=lambda c: f"{area_names.get(c, c)} ({c})",
            key="zt_new_areas",
        )
        st.multiselect(
            "Lead providers", provider_ids, format_func=provider_label.get, key="zt_new_leads"
        )
        st.number_input("Rate uplift [%]", -50.0, 200.0, 0.0, step=1.0, key="zt_new_uplift")
        st.button(
            "Create zone",
            key="zt_create",
            on_click=lambda: _apply(
                state,
                lambda t: edits.create_zone(
                    t,
                    zone_id=_value("zt_new_id", ""),
                    name=_value("zt_new_name", ""),
                    kind=_value("zt_new_kind", "neighbourhood"),
                    area_codes=_value("zt_new_areas", []),
                    lead_providers=_value("zt_new_leads", []),
                    rate_uplift_pct=_value("zt_new_uplift", 0.0),
                    known_providers=provider_ids,
                ),
                f"Created zone {_value('zt_new_id', '')}.",
            ),
        )
    with details:
        zone = st.selectbox("Zone", zone_ids, format_func=label.get, key="zt_detail_zone")
        if zone is not None:
            leads = [p for p in str(zones.loc[zone, "lead_providers"]).split(";") if p]
            st.multiselect(
                "Lead providers",
                provider_ids,
                default=[p for p in leads if p in provider_ids],
                format_func=provider_label.get,
                key=f"zt_leads_{zone}",
            )
            st.number_input(
                "Rate uplift [%]",
                -50.0,
                200.0,
                float(zones.loc[zone, "rate_uplift_pct"]),
                step=1.0,
                key=f"zt_uplift_{zone}",
            )
            st.button(
                "Save leads and uplift",
                key="zt_details",
                on_click=_save_details,
                args=(state, zone, leads, label[zone], provider_ids),
            )
    with rename:
        zone = st.selectbox("Zone", zone_ids, format_func=label.get, key="zt_rename_zone")
        st.text_input("New name", key="zt_rename_name")
        st.button(
            "Rename zone",
            key="zt_rename",
            on_click=lambda: _apply(
                state,
                lambda t: edits.rename_zone(
                    t, _value("zt_rename_zone", ""), _value("zt_rename_name", "")
                ),
                f"Zone {_value('zt_rename_zone', '')} renamed.",
            ),
        )
    with delete:
        zone = st.selectbox("Zone to delete", zone_ids, format_func=label.get, key="zt_del_zone")
        others = [z for z in zone_ids if z != zone]
        st.selectbox("Its areas join", others, format_func=label.get, key="zt_del_into")
        st.button(
            "Delete zone",
            key="zt_delete",
            disabled=not others,
            on_click=lambda: _apply(
                state,
                lambda t: edits.delete_zone(t, _value("zt_del_zone"), _value("zt_del_into")),
                f"Zone {_value('zt_del_zone')} deleted; its areas joined {_value('zt_del_into')}.",
            ),
        )


def zone_files(area: service.AreaData, state: AppState) -> None:
    """Downloads of the zones (the zone-to-area CSV, GeoJSON, GeoPackage) and an upload that
    keeps its panel open with every problem it found."""
    upload = st.session_state.get("zones_upload")
    with st.expander(
        "Zone files (CSV, or GeoJSON/GeoPackage for QGIS)", expanded=upload is not None
    ):
        st.write(f"Current zones: {state.zone_source}.")
        downloads = (
            ("zone-to-area CSV", "csv", "text/csv"),
            ("GeoJSON", "geojson", "application/geo+json"),
            ("GeoPackage", "gpkg", "application/geopackage+sqlite3"),
        )
        for column, (title, fmt, mime) in zip(st.columns(3), downloads, strict=True):
            # Built when clicked, from the table at that moment (a move does not rebuild them).
            data = (
                (lambda: edits.zone_table_csv(state.zone_table))
                if fmt == "csv"
                else (lambda fmt=fmt: cache.zones_download(area, state.zone_table, fmt))
            )
            column.download_button(
                f"Download zones ({title})",
                data=data,
                file_name=f"zones.{fmt}" if fmt != "csv" else "zone-areas.csv",
                mime=mime,
                key=f"zones_dl_{fmt}",
                on_click="ignore",
            )
        st.caption("The zone-to-area CSV (one row per small area) is the source of truth.")
        upload = st.file_uploader(
            "Upload zones (GeoJSON, GeoPackage or CSV with area_code and zone_id)",
            type=["geojson", "json", "gpkg", "csv"],
            key="zones_upload",
        )
        if upload is not None:
            read = uploads.read_zones(upload.name, upload.getvalue(), area)
            if read.ok and read.value is not None:
                st.success(f"{upload.name}: {read.value['zone_id'].nunique()} zones, no problems.")
                st.button(
                    f"Use zones from {upload.name}",
                    key="zones_use_upload",
                    on_click=lambda: (
                        state.set_zone_table(read.value, source=upload.name),
                        state.flash(f"Zones loaded from {upload.name}."),
                    ),
                )
            else:
                st.error(f"{upload.name}: {len(read.problems)} problem(s); nothing was changed.")
                components.problems_list(read.problems)
