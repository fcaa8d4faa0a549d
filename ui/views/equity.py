"""Equity and market page: who goes without, and where one provider is the only choice."""

from __future__ import annotations

import streamlit as st

from optimiser import service
from ui import cache, components
from ui.state import get_state

state = get_state()
area, table = components.page_area(state)

st.title("Equity and market")
st.caption(
    "Who goes without under each option (rural areas, deprivation, specialist needs, hospital "
    "discharge) and how concentrated the market is, on the current zones. Rates are per 1,000 "
    "residents aged 65+ (Census 2021) where a small area is the unit; travel is per carer-hour "
    "of contact delivered (a double-handed hour counts twice); market shares are of placed "
    "carer-hours."
)

rule = st.radio("Option on the map", options=["zoned", "spot"], horizontal=True, key="equity_rule")
measure = st.selectbox("Colour the small areas by", list(service.MAP_MEASURES), key="equity_map")
results = {}
for name in ("spot", "zoned"):
    with components.stop_on_error(f"Running the {name} scenario"):
        results[name] = cache.run(area, cache.scenario(name), table)
result = results[rule]

values = service.area_values(result, measure)
zones = cache.zone_polygons(area, table)
deck = components.zone_map(
    network=cache.road_layer(area),
    shapes=components.measure_shapes(area.areas, values.to_dict(), measure),
    outlines=components.zone_outlines(zones),
    people=components.people_points(result.assignments),
    offices=components.provider_points(area.providers),
    areas=area.areas,
)
st.pydeck_chart(
    deck, key="equity_map_chart", height=500, alt=f"Map of small areas coloured by {measure}"
)
finite = values.dropna()
st.caption(
    f"{measure}, {rule}: light yellow {finite.min():,.2f} to dark red {finite.max():,.2f}; "
    "grey: no value (no people placed there, or no census figure)."
    if not finite.empty
    else f"{measure}, {rule}: no small area has a value."
)
components.attribution_footer(area.attribution)

st.subheader("Who goes without: spot and zoned side by side")
equity = service.compare_equity({n: r.equity for n, r in results.items()})
st.dataframe(components.side_by_side_table(equity), hide_index=True, key="equity_table")

st.subheader("Market shape per zone: spot and zoned side by side")
st.caption(
    "HHI: sum of squared shares in % of the zone's placed carer-hours (10,000: one provider; "
    "5,000: two equal ones). Headroom: the lead providers' capacity minus the zone's demand, "
    "both in carer-hours a week including travel (a provider leading two zones counts in both). "
    f"Risk share: above {cache.scenario(rule).report.market_share_risk_pct:g}% of a zone."
)
market = service.compare_market({n: r.market for n, r in results.items()})
st.dataframe(components.side_by_side_table(market), hide_index=True, key="market_table")

single = result.market[(result.market["level"] == "area") & result.market["single_provider"]]
st.subheader(f"Small areas served by one provider only ({rule})")
if single.empty:
    st.info("Every small area with people placed has more than one provider.")
else:
    st.dataframe(
        single[["unit_code", "unit", "zone_id", "rural", "people", "largest_provider"]].rename(
            columns={"largest_provider": "only_provider", "rural": "rural (flag)"}
        ),
        hide_index=True,
        key="single_table",
    )
