"""Finance page: spend at contracted prices beside the cost build-up, pay per hour worked."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from optimiser import service
from ui import cache, components
from ui.state import get_state

state = get_state()
area, table = components.page_area(state)

st.title("Finance")
st.caption(
    "Two figures, and which is which. Spend at contracted prices is what the council pays: "
    "each placed carer-hour at its provider's contracted rate, with the zone's rate uplift "
    "(the one rural uplift, set per zone in the zone table). The cost build-up is what a "
    "carer-hour of contact costs to deliver at the pay and overheads you set (a should-cost, "
    "to check the prices against). Both are worked out on the current zones' assignment, "
    "travel and miles included, per carer-hour of contact delivered: a double-handed hour is "
    "two carer-hours, and both carers' travel counts."
)

rule = st.radio("Zone rule", options=["zoned", "spot"], horizontal=True, key="finance_rule")
scenario = cache.scenario(rule)
with components.stop_on_error("Running the scenario"):
    quick = cache.run(area, scenario, table)
components.solve_note(quick.summary)
full = components.full_solve_panel(area, table, rule)
result = full if full is not None else quick
if full is not None:
    st.caption("The figures below are from the full solve.")
base = scenario.costs

with st.sidebar:
    st.header("Your option")
    st.caption("Type a value or use - and +.")
    pay = st.number_input(
        "Care worker pay [£ per paid hour]",
        min_value=0.01,
        max_value=100.0,
        value=float(base.pay_gbp_per_hour),
        step=0.01,
        format="%.2f",
        key="fin_pay",
    )
    on_cost_pct = st.number_input(
        "On-costs (NI, pension, holiday) [% of pay]",
        min_value=0.0,
        max_value=199.0,
        value=round(base.on_cost_rate * 100, 2),
        step=0.5,
        format="%.2f",
        key="fin_on_costs",
    )
    travel_paid = st.toggle("Travel time paid", value=base.travel_paid, key="fin_travel_paid")
    mileage = st.number_input(
        "Mileage [£ per mile]",
        min_value=0.0,
        max_value=5.0,
        value=float(base.mileage_gbp_per_mile),
        step=0.01,
        format="%.2f",
        key="fin_mileage",
    )
    overheads = st.number_input(
        "Overheads, running the business [£ per carer-hour of contact]",
        min_value=0.0,
        max_value=100.0,
        value=float(base.overheads_gbp_per_hour),
        step=0.05,
        format="%.2f",
        key="fin_overheads",
    )
    training = st.number_input(
        "Training [£ per carer-hour of contact]",
        min_value=0.0,
        max_value=100.0,
        value=float(base.training_gbp_per_hour),
        step=0.05,
        format="%.2f",
        key="fin_training",
    )
    margin_pct = st.number_input(
        "Surplus (margin) [% of costs]",
        min_value=0.0,
        max_value=99.0,
        value=round(base.margin_rate * 100, 2),
        step=0.5,
        format="%.2f",
        key="fin_margin",
    )

mine = replace(
    base,
    pay_gbp_per_hour=float(pay),
    on_cost_rate=float(on_cost_pct) / 100,
    travel_paid=travel_paid,
    mileage_gbp_per_mile=float(mileage),
    overheads_gbp_per_hour=float(overheads),
    training_gbp_per_hour=float(training),
    margin_rate=float(margin_pct) / 100,
)
options = {
    "configured rates": base,
    "your option": mine,
    f"yours, travel {'unpaid' if travel_paid else 'paid'}": replace(
        mine, travel_paid=not travel_paid
    ),
}
result_id = f"{rule}|{'full' if full is not None else 'quick'}|{state.zone_csv}"
table_of_options = cache.cost_options(result, result_id, options)
travel_min = float(result.summary["travel_min_per_carer_hour"])

st.subheader("Spend at contracted prices")
spend = service.contracted_spend(result, area.providers, table)
left, middle, right = st.columns(3)
left.metric("Spend a week (contracted prices)", f"£{spend.weekly_gbp:,.0f}")
middle.metric("Per carer-hour placed (contracted)", f"£{spend.per_carer_hour_gbp:,.2f}")
right.metric("Of it, the zones' rate uplift", f"£{spend.uplift_weekly_gbp:,.0f} a week")
with st.expander("How the contracted spend is worked out"):
    st.dataframe(spend.to_frame(), hide_index=True, key="finance_contracted")

st.subheader("Cost build-up: your options")
st.caption(
    f"At this assignment's {travel_min:.2f} min of travel per carer-hour of contact. Pay per hour "
    "worked counts travel as working time, as the minimum wage does: with unpaid travel "
    "the wage is spread over the contact hour and the travel."
)
for row in table_of_options[table_of_options["below_national_living_wage"]].itertuples():
    st.warning(
        f"'{row.option}': pay per hour worked is £{row.pay_per_hour_worked_gbp:.2f}, below the "
        f"National Living Wage (£{service.NATIONAL_LIVING_WAGE_GBP_PER_HOUR:.2f}). Its lower "
        "cost is a saving made by paying care workers less than the legal minimum for the "
        "hours they work."
    )
st.dataframe(
    table_of_options,
    hide_index=True,
    key="finance_table",
    column_config={
        "option": st.column_config.TextColumn("Option"),
        "pay_gbp_per_hour": st.column_config.NumberColumn("Pay [£/paid h]", format="%.2f"),
        "travel_paid": st.column_config.CheckboxColumn("Travel paid"),
        "pay_per_hour_worked_gbp": st.column_config.NumberColumn(
            "Pay per hour worked [£]", format="%.2f"
        ),
        "below_national_living_wage": st.column_config.CheckboxColumn("Below NLW"),
        "cost_gbp_per_carer_hour": st.column_config.NumberColumn(
            "Cost build-up [£ per contact h]", format="%.2f"
        ),
        "weekly_budget_gbp": st.column_config.NumberColumn(
            "Weekly budget (build-up) [£]", format="%.0f"
        ),
        "annual_budget_gbp": st.column_config.NumberColumn(
            "Annual budget (build-up) [£]", format="%.0f"
        ),
        "pay_headroom_per_hour": st.column_config.NumberColumn(
            "Room for pay rise [£/h]", format="%.3f"
        ),
        "affordable_pay_gbp_per_hour": st.column_config.NumberColumn(
            "Affordable pay [£/h]", format="%.3f"
        ),
    },
)
chart_data = table_of_options.set_index("option")
left, middle, right = st.columns(3)
with left:
    st.caption("Cost build-up per carer-hour of contact [£]")
    st.bar_chart(chart_data["cost_gbp_per_carer_hour"], horizontal=True)
with middle:
    st.caption("Weekly budget, build-up [£]")
    st.bar_chart(chart_data["weekly_budget_gbp"], horizontal=True)
with right:
    st.caption("Room for pay rise [£ per carer-hour paid]")
    st.bar_chart(chart_data["pay_headroom_per_hour"], horizontal=True)

st.subheader("The arithmetic")
shown = st.selectbox(
    "Show the arithmetic of", options=list(options), index=1, key="finance_arithmetic"
)
steps = service.option_arithmetic(result, options[shown])
build, pay_col = st.columns(2)
with build:
    st.caption(f"Cost per carer-hour of contact, line by line ({shown})")
    st.dataframe(steps.build_up, hide_index=True, key="finance_build_up")
    st.caption(f"Room for a pay rise against the baseline ({shown})")
    st.dataframe(steps.headroom, hide_index=True, key="finance_headroom")
with pay_col:
    st.caption(f"Pay per hour worked ({shown})")
    st.dataframe(steps.pay, hide_index=True, key="finance_pay_steps")

st.subheader("Providers' own pay terms")
providers_pay = service.provider_pay(result, area.providers)
for row in providers_pay[providers_pay["below_national_living_wage"]].itertuples():
    st.warning(
        f"{row.name} ({row.provider_id}): £{row.pay_gbp_per_hour:.2f} with unpaid travel is "
        f"£{row.pay_per_hour_worked_gbp:.2f} per hour worked, below the National Living Wage."
    )
st.dataframe(
    providers_pay,
    hide_index=True,
    key="finance_providers_pay",
    column_config={
        "provider_id": st.column_config.TextColumn("Provider id"),
        "name": st.column_config.TextColumn("Provider"),
        "pay_gbp_per_hour": st.column_config.NumberColumn("Pay [£/paid h]", format="%.2f"),
        "travel_paid": st.column_config.CheckboxColumn("Travel paid"),
        "travel_min_per_carer_hour": st.column_config.NumberColumn(
            "Travel [min per contact h]", format="%.2f"
        ),
        "pay_per_hour_worked_gbp": st.column_config.NumberColumn(
            "Pay per hour worked [£]", format="%.2f"
        ),
        "below_national_living_wage": st.column_config.CheckboxColumn("Below NLW"),
    },
)

extra = {
    "contracted spend": spend.to_frame(),
    f"arithmetic {shown}"[:31]: pd.concat(
        [
            steps.build_up.rename(columns={"item": "step", "gbp_per_carer_hour": "value"}),
            steps.pay,
            steps.headroom,
        ],
        ignore_index=True,
    ),
    "providers' pay": providers_pay,
}
st.download_button(
    "Download the finance workbook (Excel)",
    data=cache.finance_workbook(result, result_id, options, extra),
    file_name="finance.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="finance_download",
)
components.attribution_footer(area.attribution)
