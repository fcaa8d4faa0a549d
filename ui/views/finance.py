"""Finance page: cost per carer-hour, budget and room for pay rises under different rates."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from ui import cache, components
from ui.state import get_state

state = get_state()
area, table = components.page_area(state)

st.title("Finance")
st.caption(
    "Set the pay rate and overheads; the cost per carer-hour of contact, the weekly budget and "
    "the room for pay rises are worked out on the current zones' assignment (travel and miles "
    "included). Everything is per carer-hour of contact delivered: a double-handed hour is two "
    "carer-hours, and both carers' travel counts."
)

rule = st.radio("Zone rule", options=["zoned", "spot"], horizontal=True, key="finance_rule")
scenario = cache.scenario(rule)
with components.stop_on_error("Running the scenario"):
    result = cache.run(area, scenario, table)
base = scenario.costs

with st.sidebar:
    st.header("Your option")
    pay = st.slider(
        "Care worker pay [£/h]", 10.0, 20.0, float(base.pay_gbp_per_hour), 0.05, key="fin_pay"
    )
    on_cost_pct = st.slider(
        "On-costs (NI, pension, holiday) [% of pay]",
        0,
        60,
        round(base.on_cost_rate * 100),
        1,
        key="fin_on_costs",
    )
    mileage = st.number_input(
        "Mileage [£/mile]",
        0.0,
        1.0,
        float(base.mileage_gbp_per_mile),
        0.01,
        key="fin_mileage",
    )
    travel_paid = st.toggle("Travel time paid", value=base.travel_paid, key="fin_travel_paid")
    rural = st.slider(
        "Rural uplift [%]", 0, 50, round(base.rural_uplift_pct), 1, key="fin_rural_uplift"
    )

mine = replace(
    base,
    pay_gbp_per_hour=pay,
    on_cost_rate=on_cost_pct / 100,
    mileage_gbp_per_mile=mileage,
    travel_paid=travel_paid,
    rural_uplift_pct=float(rural),
)
options = {
    "configured rates": base,
    "your option": mine,
    f"yours, travel {'unpaid' if travel_paid else 'paid'}": replace(
        mine, travel_paid=not travel_paid
    ),
}
result_id = f"{rule}|{state.zone_csv}"
table_of_options = cache.cost_options(result, result_id, options)

st.subheader("Options")
st.dataframe(table_of_options, hide_index=True, key="finance_table")
chart_data = table_of_options.set_index("option")
left, middle, right = st.columns(3)
with left:
    st.caption("Cost [£ per carer-hour of contact]")
    st.bar_chart(chart_data["cost_gbp_per_carer_hour"], horizontal=True)
with middle:
    st.caption("Weekly budget [£]")
    st.bar_chart(chart_data["weekly_budget_gbp"], horizontal=True)
with right:
    st.caption("Room for pay rise [£ per carer-hour paid]")
    st.bar_chart(chart_data["pay_headroom_per_hour"], horizontal=True)

st.download_button(
    "Download the finance workbook (Excel)",
    data=cache.finance_workbook(result, result_id, options),
    file_name="finance.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="finance_download",
)

with st.expander("How the cost per carer-hour of contact is built (current configuration)"):
    st.dataframe(result.costing, hide_index=True)
    st.dataframe(result.headroom, hide_index=True)

components.attribution_footer(area.attribution)
