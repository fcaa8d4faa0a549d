"""The Zones page's "Propose zones" panel: design K zones, compare them, adopt them in one click."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optimiser import service
from ui import cache, components
from ui.state import AppState


def _adopt(state: AppState, table: pd.DataFrame, message: str) -> None:
    """Make the proposal the working zones (a button callback)."""
    state.set_zone_table(table, source="proposed design")
    state.flash(message)


def _zone_map(area: service.AreaData, table: pd.DataFrame, people: pd.DataFrame, key: str) -> None:
    zones = cache.zone_polygons(area, table)
    names = {str(z): str(n) for z, n in zip(zones["zone_id"], zones["name"], strict=True)}
    deck = components.zone_map(
        network=cache.road_layer(area),
        shapes=cache.area_shapes(area, table, names),
        outlines=components.zone_outlines(zones),
        people=people,
        offices=components.provider_points(area.providers),
        areas=area.areas,
        selected_area=None,
    )
    st.pydeck_chart(deck, key=key, height=360)


def propose_panel(
    state: AppState, area: service.AreaData, table: pd.DataFrame, people: pd.DataFrame
) -> None:
    """Widgets -> ``service.propose_zones`` (cached) -> both maps, both sets of figures."""
    names = dict(zip(area.areas["area_code"], area.areas["area_name"], strict=True))
    codes = sorted(names)
    zone_of = dict(zip(table["area_code"], table["zone_id"], strict=True))
    if len(codes) < 2:
        st.caption("Zone design needs at least two small areas; this area has one.")
        return
    most = min(12, len(codes))  # the demo's 26 areas: up to 12 zones; a small area: fewer
    with st.form("design_form"):
        c1, c2, c3 = st.columns(3)
        k = c1.number_input("Zones (K)", min_value=2, max_value=most, value=min(7, most))
        headroom = c2.slider(
            "Capacity headroom [%]", -30, 30, -10,
            help="Share of the leads' capacity kept free; negative plans on the tier-2 fallback.",
        )  # fmt: skip
        volume = c3.number_input("Minimum zone volume [carer-h/week]", 0, 2000, 150, step=10)
        together = st.multiselect(
            "Keep together (one group, e.g. a town)", codes, key="design_together",
            format_func=lambda c: f"{names[c]} ({c})",
        )  # fmt: skip
        pinned = st.multiselect(
            "Pin to their current zone (units of one current zone stay together)", codes,
            key="design_pinned", format_func=lambda c: f"{names[c]} ({c}) - {zone_of.get(c)}",
        )  # fmt: skip
        submitted = st.form_submit_button("Propose zones", type="primary")
    if submitted:
        rules = service.DesignRules(
            n_zones=int(k),
            headroom_pct=float(headroom),
            min_volume_h=float(volume),
            together=(tuple(together),) if len(together) > 1 else (),
            pinned={c: str(zone_of[c]) for c in pinned},
        )
        bar = st.progress(0.0, text="Designing zones")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

        with components.stop_on_error("Designing zones"):
            state.proposal = cache.propose(area, table, rules, progress)
        bar.empty()
    proposal = state.proposal
    if proposal is None:
        st.caption("Pick K and the rules, then propose: the design runs through the same "
                   "assignment and costing as the current zones.")  # fmt: skip
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**Current zones**")
        _zone_map(area, table, people, "design_map_current")
    with right:
        st.markdown(f"**Proposed: {proposal.design.n_zones} zones**")
        _zone_map(area, proposal.zone_table, people, "design_map_proposed")
    st.code(proposal.design.summary(), language=None)
    st.dataframe(components.text_table(proposal.comparison), key="design_comparison")
    st.dataframe(proposal.zone_loads, hide_index=True, key="design_loads")
    st.button(
        "Use the proposed zones",
        key="design_adopt",
        type="primary",
        on_click=_adopt,
        args=(state, proposal.zone_table, f"Proposed {proposal.design.n_zones} zones in use."),
    )
