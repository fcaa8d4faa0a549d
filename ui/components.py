"""Reusable pieces of the pages: the offline zone map, the KPI row and the attribution footer."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pydeck as pdk
import streamlit as st

from optimiser import service
from optimiser.errors import HomecareError, InfeasibleError, InputError, SolverError
from ui import cache
from ui.map_layers import exterior_rings, road_layer_json, zone_colours
from ui.state import AppState, zone_table_key

#: Layer id of the clickable small areas on the zone map (selection comes back under it).
AREAS_LAYER = "areas"

#: Attribution lines, shown wherever a map or figure drawn from these data appears.
OSM_ATTRIBUTION = "Road network and places © OpenStreetMap contributors, ODbL 1.0."
BOUNDARY_ATTRIBUTION = (
    "Small-area (LSOA) boundaries: Office for National Statistics, Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)

_PLACED_RGB = (40, 40, 40)
_UNMET_RGB = (220, 20, 60)
_PROVIDER_RGB = (255, 255, 255)


@dataclass(frozen=True)
class Kpi:
    """One headline figure: its summary key, label, unit and whether lower is better."""

    key: str
    label: str
    fmt: str
    lower_is_better: bool


#: The headline figures commissioners watch while editing zones, in display order.
ZONE_KPIS: tuple[Kpi, ...] = (
    Kpi("unmet_hours", "Unmet hours / week", "{:,.1f} h", True),
    Kpi("placed_hours", "Placed hours / week", "{:,.1f} h", False),
    Kpi("travel_min_per_carer_hour", "Travel per carer-hour of contact", "{:,.2f} min", True),
    Kpi("cost_gbp_per_carer_hour", "Cost per carer-hour of contact", "£{:,.2f}", True),
    Kpi("pay_headroom_per_hour", "Room for pay rise", "£{:,.2f} /h", False),
)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


#: KPIs measured in unmet or placed hours: their changes are compared with the unmet stage's
#: gap (in hours), so an edit's change smaller than the gap is marked as within tolerance.
_HOURS_KPIS = frozenset({"unmet_hours", "placed_hours"})
WITHIN_TOLERANCE = "within solver tolerance"


def kpi_delta(
    kpi: Kpi, value: float, before: float, quality: service.SolveQuality | None = None
) -> tuple[str, bool]:
    """The change shown under a metric, and whether it is within solver tolerance (an hours
    KPI whose change is smaller than what the unmet stage's gap leaves open)."""
    delta = kpi.fmt.format(value - before)
    if value - before >= 0:
        delta = "+" + delta
    delta = delta.replace("+-", "-").replace("£-", "-£")
    tolerance = (
        kpi.key in _HOURS_KPIS
        and value != before
        and quality is not None
        and quality.within_tolerance(value - before)
    )
    return (f"{delta} ({WITHIN_TOLERANCE})" if tolerance else delta), tolerance


def kpi_row(
    summary: Mapping[str, Any],
    previous: Mapping[str, Any] | None = None,
    kpis: Sequence[Kpi] = ZONE_KPIS,
    *,
    confirm: bool = True,
) -> None:
    """One ``st.metric`` per KPI, with the change against ``previous`` as its delta, then how
    sure the figures are (quick estimate or full solve) and, for a quick estimate, the
    "confirm with a full solve" button (``confirm``)."""
    quality = service.solve_quality(summary)
    wider = service.solve_quality(previous) if previous is not None else None
    if wider is not None and (wider.unmet_tolerance_hours or 0) > (
        quality.unmet_tolerance_hours or 0
    ):
        quality = wider  # either run's gap may hide the change
    columns = st.columns(len(kpis))
    for column, kpi in zip(columns, kpis, strict=True):
        value = _number(summary.get(kpi.key))
        shown = "n/a" if value is None else kpi.fmt.format(value)
        delta, noise = None, False
        if previous is not None and value is not None:
            before = _number(previous.get(kpi.key))
            if before is not None:
                delta, noise = kpi_delta(kpi, value, before, quality)
        colour = "off" if noise else ("inverse" if kpi.lower_is_better else "normal")
        column.metric(kpi.label, shown, delta=delta, delta_color=colour)
    solve_note(summary)
    st.caption(care_split_text(summary))
    if confirm and service.solve_quality(summary).quick:
        from ui.state import get_state

        state = get_state()
        full_solve_panel(current_area(state), state.zone_table, str(summary.get("scenario")))


#: The groups of people left without care, as the summary names them, in display order.
CARE_SPLIT: tuple[tuple[str, str], ...] = (
    ("current_clients_without_care", "current clients losing care"),
    ("waiting_not_placed", "waiting list not placed"),
    ("hospital_discharge_not_placed", "hospital discharge not placed"),
)


def care_split_text(summary: Mapping[str, Any]) -> str:
    """Who is left without care, group by group (people and contact hours a week), so the
    unmet hours never mix current clients who lose care with people still waiting."""
    parts = []
    for key, label in CARE_SPLIT:
        group = summary.get(key)
        if isinstance(group, Mapping):
            parts.append(f"{label} {int(group['people'])} ({float(group['hours']):,.1f} h)")
    return "Left without care: " + (", ".join(parts) if parts else "not reported") + "."


def solve_note(summary: Mapping[str, Any]) -> None:
    """How sure the figures are, under them: "quick estimate: budget X, gap Y%" and what the
    gap means in unmet hours; a warning when the wall-clock cap, not the budget, ended a stage."""
    quality = service.solve_quality(summary)
    text = quality.label().capitalize() + "."
    if quality.quick:
        text += (
            " The web app re-solves each edit on a short, repeatable solver budget; the "
            "command line's full solve can differ."
        )
    if quality.unmet_tolerance_hours:
        text += (
            f" The unmet stage's gap leaves about {quality.unmet_tolerance_hours:,.1f} h/week of"
            f" unmet hours open: a change smaller than that is marked '{WITHIN_TOLERANCE}'."
        )
    if quality.wall_cap_hit:
        text += " The wall-clock cap ended a stage, so these figures depend on machine load."
    st.caption(text)


def full_solve_key(rule: str, table: pd.DataFrame) -> str:
    """The key a full solve is kept under: the rule and the zone table's content."""
    return f"{rule}|{zone_table_key(table)}"


def full_solve_panel(area: service.AreaData, table: pd.DataFrame, rule: str) -> Any:
    """The "confirm with a full solve" button: runs the command line's budget for the current
    zones with a progress bar, keeps the result for this session and shows its figures beside
    the quick ones. Returns the full result for these zones, or ``None`` before it has run."""
    from ui.state import get_state

    state = get_state()
    key = full_solve_key(rule, table)
    result = state.full_solve(key)
    if result is None:
        clicked = st.button(
            "Confirm with a full solve",
            key=f"full_solve_{rule}",
            help="Re-solve the current zones with the command line's solver budget "
            "(about half a minute, longer on a busy machine).",
        )
        if not clicked:
            return None
        scenario = cache.scenario(rule, interactive=False)
        bar = st.progress(0.0, text="Full solve: building the model")

        def report(fraction: float, message: str) -> None:
            bar.progress(min(max(float(fraction), 0.0), 1.0), text=f"Full solve: {message}")

        with stop_on_error("The full solve"):
            result = service.run_scenario(area, scenario, zone_table=table, progress=report)
        bar.empty()
        state.keep_full_solve(key, result)
    s = result.summary
    st.caption(
        f"Confirmed by a {service.solve_quality(s).label()}: unmet {s['unmet_hours']:,.2f} h/week, "
        f"placed {s['placed_hours']:,.2f} h/week, travel "
        f"{s['travel_min_per_carer_hour']:,.2f} min per carer-hour of contact, cost "
        f"£{s['cost_gbp_per_carer_hour']:,.2f} per carer-hour of contact, room for pay rise "
        f"£{s['pay_headroom_per_hour']:,.2f} /h."
    )
    return result


def zone_legend(zone_names: Mapping[str, str]) -> None:
    """Colour swatches naming each zone (the same colours as the map)."""
    colours = zone_colours(zone_names)
    items = [
        f'<span style="white-space:nowrap;margin-right:1em">'
        f'<span style="display:inline-block;width:0.9em;height:0.9em;'
        f"background:rgb({r},{g},{b});opacity:0.75;border:1px solid #333;"
        f'margin-right:0.3em;vertical-align:middle"></span>{html.escape(name)} '
        f"({html.escape(zone)})</span>"
        for zone, name in sorted(zone_names.items())
        for r, g, b in [colours[zone]]
    ]
    st.markdown(" ".join(items), unsafe_allow_html=True)


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def text_table(table: pd.DataFrame) -> pd.DataFrame:
    """A table of mixed figures (numbers, statuses) as text, for display side by side."""
    return table.apply(lambda column: column.map(_cell_text))


def side_by_side_table(table: pd.DataFrame) -> pd.DataFrame:
    """A side-by-side view (``service.compare_equity`` / ``compare_market``) for display:
    row keys as leading columns, one "measure: option" column each, figures as text."""
    shown = text_table(table)
    shown.columns = [f"{measure}: {option}" for measure, option in table.columns]
    return shown.reset_index()


@contextmanager
def stop_on_error(what: str) -> Iterator[None]:
    """Show a project error (bad input, infeasible model...) on the page and stop the run,
    instead of a traceback."""
    try:
        yield
    except HomecareError as err:
        st.error(f"{what} did not succeed: {_plain_kind(err)}.")
        if isinstance(err, InputError) and err.problems:
            problems_list(err.problems)
        else:
            st.code(str(err), language=None)
        st.stop()


def _plain_kind(err: HomecareError) -> str:
    """What went wrong in plain words (never a Python class name)."""
    if isinstance(err, InputError):
        return "the input has problems, listed below"
    if isinstance(err, InfeasibleError):
        return "no assignment can meet the rules"
    if isinstance(err, SolverError):
        return "the solver could not finish"
    return "see the message below"


def progress_reporter(bar: Any) -> Any:
    """A service progress callback that moves ``bar`` (an ``st.progress``) with its message."""

    def report(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    return report


def current_area(state: AppState) -> service.AreaData:
    """The area every page works on: the one this session opened (Your area page), else the
    startup area (the config ``homecare ui CONFIG`` named, else the demo). The page stops with
    every problem listed if the startup area cannot load."""
    opened = state.opened_area
    if opened is not None:
        return opened.area
    with stop_on_error(f"Loading the area of {cache.startup_source()}"):
        return cache.startup_area()


def area_source(state: AppState) -> str:
    """Where the area on screen comes from, in words."""
    opened = state.opened_area
    return opened.source if opened is not None else cache.startup_source()


def page_area(state: AppState) -> tuple[service.AreaData, pd.DataFrame]:
    """Where every page starts: the current area (``current_area``) and the session's working
    zone table (the area's own zones until the user changes them; another area's first page
    starts again from its zones)."""
    area = current_area(state)
    table = state.zone_table_for(cache.area_key(area), area.zone_table, source="the area's zones")
    return area, table


def problems_list(problems: Sequence[Any]) -> None:
    """Every problem found in an upload, one row each (row, field, message), beside it."""
    from ui.uploads import problems_table

    st.dataframe(
        problems_table(problems),
        hide_index=True,
        column_config={
            "row": st.column_config.TextColumn("row", width="small"),
            "message": st.column_config.TextColumn("message", width="large"),
        },
    )


def attribution_lines(attribution: str = "") -> list[str]:
    """The attribution to show: the data layer's own text when it names both OpenStreetMap and
    the ONS/OS boundaries, else the project's standard lines."""
    parts = [p.strip() for p in attribution.split(";") if p.strip()]
    if "OpenStreetMap" in attribution and "ONS" in attribution and "OS data" in attribution:
        return parts
    return [OSM_ATTRIBUTION, BOUNDARY_ATTRIBUTION, *parts]


def attribution_footer(attribution: str = "") -> None:
    """The OpenStreetMap and ONS/OS attribution, under every map and figure drawn from them."""
    st.caption("  \n".join(attribution_lines(attribution)))


#: A sequential ramp (light yellow -> dark red) for a measure on the map [RGB]; grey: no value.
_RAMP: tuple[tuple[int, int, int], ...] = (
    (255, 255, 204),
    (254, 217, 118),
    (253, 141, 60),
    (227, 26, 28),
    (128, 0, 38),
)
_NO_VALUE_RGB = (200, 200, 200)


def ramp_colour(value: float | None, low: float, high: float) -> list[int]:
    """The ramp colour of ``value`` between ``low`` and ``high`` (grey when there is none)."""
    if value is None or math.isnan(value):
        return list(_NO_VALUE_RGB)
    t = 0.0 if high <= low else min(max((value - low) / (high - low), 0.0), 1.0)
    x = t * (len(_RAMP) - 1)
    i = min(int(x), len(_RAMP) - 2)
    f = x - i
    return [round(a + (b - a) * f) for a, b in zip(_RAMP[i], _RAMP[i + 1], strict=True)]


def measure_shapes(areas: Any, values: Mapping[str, float], label: str) -> pd.DataFrame:
    """One row per polygon part of each small area, coloured by its value of a measure (the
    same columns as ``area_shapes``, so ``zone_map`` draws either)."""
    finite = [v for v in values.values() if _number(v) is not None]
    low, high = (min(finite), max(finite)) if finite else (0.0, 0.0)
    rows = []
    for record in areas.itertuples(index=False):
        code = str(record.area_code)
        value = _number(values.get(code))
        name = str(getattr(record, "area_name", code))
        shown = "no value" if value is None else f"{value:,.2f}"
        for ring in exterior_rings(record.geometry):
            rows.append(
                {
                    "area_code": code,
                    "area_name": name,
                    "zone_id": "",
                    "polygon": ring,
                    "fill": [*ramp_colour(value, low, high), 170],
                    "tip": f"{name} ({code})\n{label}: {shown}",
                }
            )
    return pd.DataFrame(rows)


def zone_outlines(zones: Any) -> pd.DataFrame:
    """Zone boundaries as paths, for a thick outline over the small areas."""
    rows = []
    for record in zones.itertuples(index=False):
        for ring in exterior_rings(record.geometry):
            rows.append({"zone_id": str(record.zone_id), "path": ring})
    return pd.DataFrame(rows)


def people_points(assignments: pd.DataFrame) -> pd.DataFrame:
    """People as points: dark when placed, red when unmet (with the reason in the tooltip)."""
    frame = pd.DataFrame(
        {
            "lon": assignments["lon"].astype(float).round(5),
            "lat": assignments["lat"].astype(float).round(5),
            "unmet": assignments["unmet"].astype(bool),
        }
    )
    reasons = assignments["reason"] if "reason" in assignments.columns else ""
    hours = assignments["weekly_hours"].astype(float)
    frame["colour"] = [list(_UNMET_RGB if u else _PLACED_RGB) for u in frame["unmet"]]
    frame["tip"] = [
        f"{pid}: {h:.1f} h/week, " + (f"unmet ({r})" if u else f"provider {p}")
        for pid, h, u, r, p in zip(
            assignments["package_id"],
            hours,
            frame["unmet"],
            pd.Series(reasons, index=assignments.index).fillna(""),
            assignments["provider_id"].fillna(""),
            strict=True,
        )
    ]
    return frame


def provider_points(providers: Sequence[Any]) -> pd.DataFrame:
    """Provider offices as points with their name and capacity in the tooltip."""
    return pd.DataFrame(
        [
            {
                "lon": round(p.lon, 5),
                "lat": round(p.lat, 5),
                "tip": f"{p.name} ({p.provider_id}): office, {p.capacity_hours:.0f} h/week",
            }
            for p in providers
        ],
        columns=["lon", "lat", "tip"],
    )


def _view(areas: Any) -> pdk.ViewState:
    west, south, east, north = (float(v) for v in areas.total_bounds)
    span = max(east - west, (north - south) * 1.6, 1e-3)
    zoom = max(1.0, min(15.0, math.log2(360.0 / span)))
    return pdk.ViewState(
        longitude=(west + east) / 2, latitude=(south + north) / 2, zoom=zoom, pitch=0
    )


#: Where a prebuilt layer's JSON goes in a map's layer list (a placeholder, replaced as text).
_PREBUILT = "__prebuilt_layer_{}__"


class PrebuiltDeck(pdk.Deck):
    """A deck whose ``to_json`` is compact and splices in layers already serialised (the road
    network: about 3,000 paths), so a redraw does not serialise them again."""

    def __init__(self, *, prebuilt: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._prebuilt = tuple(prebuilt)

    def to_json(self) -> str:
        spec = json.loads(super().to_json())
        for i, (position, _) in enumerate(self._prebuilt):
            spec["layers"].insert(position, _PREBUILT.format(i))
        text = json.dumps(spec, separators=(",", ":"))
        for i, (_, layer_json) in enumerate(self._prebuilt):
            text = text.replace(json.dumps(_PREBUILT.format(i)), layer_json, 1)
        return text


def place_labels(places: pd.DataFrame) -> pd.DataFrame:
    """Town and village names as map labels: towns larger [px]."""
    frame = places[["name", "lon", "lat"]].copy()
    frame["size"] = [15 if kind == "town" else 11 for kind in places["kind"]]
    return frame


#: Tooltip box: wraps long text within the map instead of running off its edge.
TOOLTIP_STYLE = {
    "maxWidth": "260px",
    "whiteSpace": "pre-wrap",
    "wordBreak": "break-word",
    "fontSize": "12px",
    "padding": "6px 8px",
    "zIndex": "1000",
}


def map_legend() -> None:
    """What the map's marks mean (the same colours and shapes as the map)."""

    def swatch(rgb: tuple[int, int, int], size: str, border: str) -> str:
        r, g, b = rgb
        return (
            f'<span style="display:inline-block;width:{size};height:{size};border-radius:50%;'
            f"background:rgb({r},{g},{b});border:{border};vertical-align:middle;"
            'margin:0 0.3em 0 0.8em"></span>'
        )

    st.markdown(
        swatch(_PLACED_RGB, "0.55em", "1px solid #222")
        + "person placed"
        + swatch(_UNMET_RGB, "0.9em", "2px solid #fff;outline:1px solid #700")
        + "unmet need (larger, red)"
        + swatch(_PROVIDER_RGB, "0.9em", "2px solid #000")
        + "provider office"
        + '<span style="display:inline-block;width:1.4em;border-top:2px solid #5a5a5a;'
        'vertical-align:middle;margin:0 0.3em 0 0.8em"></span>roads'
        '<span style="margin-left:0.8em;font-weight:600">Oakham</span> town and village names',
        unsafe_allow_html=True,
    )


def zone_map(
    *,
    network: pd.DataFrame | str,
    shapes: pd.DataFrame,
    outlines: pd.DataFrame,
    people: pd.DataFrame,
    offices: pd.DataFrame,
    areas: Any,
    selected_area: str | None = None,
    places: pd.DataFrame | None = None,
) -> pdk.Deck:
    """The offline zone map: road network as the base map, areas coloured by zone, people,
    offices. No map tiles are fetched, so it works without internet.

    Sizes are in metres with a minimum in pixels: deck.gl's pixel units drew shapes far too
    large under software WebGL (SwiftShader, as in headless Chromium). ``network`` is the roads
    table, or its layer already as JSON (``road_layer_json``), spliced in without re-encoding.
    """
    highlight = shapes[shapes["area_code"] == selected_area] if selected_area else shapes.iloc[0:0]
    unmet = (
        people["unmet"].astype(bool)
        if "unmet" in people.columns
        else pd.Series(False, index=people.index)
    )
    layers = [
        pdk.Layer(
            "PolygonLayer",
            data=shapes,
            id=AREAS_LAYER,
            get_polygon="polygon",
            get_fill_color="fill",
            get_line_color=[255, 255, 255, 200],
            line_width_min_pixels=1,
            stroked=True,
            filled=True,
            pickable=True,
            auto_highlight=True,
            highlight_color=[255, 255, 0, 120],
        ),
        pdk.Layer(
            "PathLayer",
            data=outlines,
            id="zone-outlines",
            get_path="path",
            get_color=[20, 20, 20, 230],
            get_width=60,
            width_min_pixels=2,
            pickable=False,
        ),
        pdk.Layer(
            "PolygonLayer",
            data=highlight,
            id="selected-area",
            get_polygon="polygon",
            filled=False,
            stroked=True,
            get_line_color=[255, 215, 0, 255],
            get_line_width=120,
            line_width_min_pixels=4,
            pickable=False,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=people[~unmet],
            id="people",
            get_position=["lon", "lat"],
            get_fill_color="colour",
            get_radius=60,
            radius_min_pixels=2,
            pickable=True,
        ),
        pdk.Layer(  # unmet need on top, larger and ringed, so it is seen at any zoom
            "ScatterplotLayer",
            data=people[unmet],
            id="unmet",
            get_position=["lon", "lat"],
            get_fill_color="colour",
            get_line_color=[255, 255, 255],
            stroked=True,
            get_line_width=25,
            line_width_min_pixels=1.5,
            get_radius=140,
            radius_min_pixels=5,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=offices,
            id="offices",
            get_position=["lon", "lat"],
            get_fill_color=list(_PROVIDER_RGB),
            get_line_color=[0, 0, 0],
            stroked=True,
            get_line_width=30,
            line_width_min_pixels=2,
            get_radius=180,
            radius_min_pixels=5,
            pickable=True,
        ),
    ]
    if places is not None and not places.empty:
        layers.append(
            pdk.Layer(
                "TextLayer",
                data=places,
                id="places",
                get_position=["lon", "lat"],
                get_text="name",
                get_size="size",
                get_color=[20, 20, 20, 255],
                get_pixel_offset=[0, -12],
                background=True,
                get_background_color=[255, 255, 255, 170],
                font_weight=600,
                pickable=False,
            )
        )
    roads = network if isinstance(network, str) else road_layer_json(network)
    return PrebuiltDeck(
        prebuilt=((1, roads),),
        layers=layers,
        initial_view_state=_view(areas),
        # No base map at all: pydeck keeps its "__MAP_STYLE__" sentinel when map_provider is
        # None, and Streamlit's deck.gl then draws no tiles (map_style=None would make it fetch
        # CARTO's style from the internet). The road network layer is the base map.
        map_provider=None,
        tooltip={"text": "{tip}", "style": TOOLTIP_STYLE},
    )


def selected_area_code(event: Any) -> str | None:
    """The small area clicked on the map, from ``st.pydeck_chart``'s selection state."""
    try:
        objects = event["selection"]["objects"].get(AREAS_LAYER) or []
    except (AttributeError, KeyError, TypeError):
        return None
    if not objects:
        return None
    code = objects[0].get("area_code")
    return str(code) if code else None
