"""Brokerage page (brokers): upload new packages, match them in turn within capacity, override."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optimiser import service
from optimiser.service.brokerage import NO_ROOM, NOT_LOCATED
from ui import cache, components, uploads
from ui.state import get_state

WAITING = "(waiting list)"

state = get_state()
area, table = components.page_area(state)

st.title("Brokerage")
st.caption(
    "Upload this week's new packages (CSV or Excel). They are matched in turn, as a brokerage "
    "team works down its list: hospital discharges first, then the longest wait. Each takes "
    "the best provider that may serve it and still has room, and that provider's spare hours "
    "fall by what the package needs: its carer-hours (double-handed calls twice) plus the "
    "carers' travel to the visits, the same measure as the providers' capacity. A package no "
    "provider has room for goes to the waiting list. Accept the suggestions or override them, "
    "then download the matches."
)

rule = st.radio("Zone rule", options=["zoned", "spot"], horizontal=True, key="brokerage_rule")
upload = st.file_uploader(
    "New packages (CSV or Excel)", type=["csv", "xlsx", "xls"], key="brokerage_upload"
)
if upload is None:
    st.info("Upload a packages file to see suggestions.")
    st.stop()

data = upload.getvalue()
read = uploads.read_packages(upload.name, data)
if not read.ok or read.value is None:
    st.error(
        f"{upload.name}: {len(read.problems)} problem(s) found. Fix them all and upload again; "
        "nothing was matched."
    )
    components.problems_list(read.problems)
    st.stop()

packages = read.value
digest = cache.digest(data)
st.success(f"{upload.name}: {len(packages)} package(s) read.")
with components.stop_on_error(f"Matching the packages in {upload.name}"):
    batch = cache.broker(area, cache.scenario(rule), packages, table, packages_digest=digest)
    components.solve_note(cache.run(area, cache.scenario(rule), table).summary)

decisions = batch.decisions
for row in decisions[decisions["status"].isin(NOT_LOCATED)].itertuples():
    st.warning(f"{row.package_id}: {row.status}. {row.reason[:1].upper()}{row.reason[1:]}.")

names = {p.provider_id: p.name for p in area.providers}
label_of = {pid: f"{names[pid]} ({pid})" for pid in sorted(names)}
id_of = {label: pid for pid, label in label_of.items()}
rows = [
    {
        "package_id": r.package_id,
        "turn": r.turn,
        "priority": r.priority.replace("_", " "),
        "days_waiting": r.days_waiting,
        "weekly_hours": r.weekly_hours,
        "needed_carer_hours": r.needed_carer_hours,
        "status": r.status,
        "suggested": label_of.get(r.suggested_provider_id, WAITING),
        "reason": r.reason,
    }
    for r in decisions.itertuples(index=False)
]
for row in rows:
    row["choice"] = row["suggested"]

st.subheader("Decisions")
st.caption(
    "One row per package, in the order of your file; 'turn' is its place in the matching "
    "order. A package is pre-filled only with a provider that has room for it."
)
edited = st.data_editor(
    rows,
    hide_index=True,
    key=f"brokerage_decisions_{rule}_{digest[:12]}",
    disabled=[c for c in rows[0] if c != "choice"],
    column_order=[
        "package_id",
        "choice",
        *(c for c in rows[0] if c not in ("package_id", "choice")),
    ],
    column_config={
        "package_id": st.column_config.TextColumn("Package"),
        "choice": st.column_config.SelectboxColumn(
            "Provider chosen",
            options=[WAITING, *label_of.values()],
            required=True,
            help="Accept the suggestion or override it (see the options below)",
        ),
        "turn": st.column_config.NumberColumn("Turn", format="%d"),
        "priority": st.column_config.TextColumn("Priority"),
        "days_waiting": st.column_config.NumberColumn("Days waiting", format="%d"),
        "weekly_hours": st.column_config.NumberColumn("Contact h / week", format="%.2f"),
        "needed_carer_hours": st.column_config.NumberColumn(
            "Needed carer-h / week (incl. travel)", format="%.2f"
        ),
        "status": st.column_config.TextColumn("Status"),
        "suggested": st.column_config.TextColumn("Suggested"),
        "reason": st.column_config.TextColumn("Why", width="large"),
    },
)

st.subheader("Providers for each package (to override)")
every = st.toggle("Show every provider, not only the best three", key="brokerage_every")
options = batch.options if every else batch.suggestions(3)
st.dataframe(
    options,
    hide_index=True,
    key="brokerage_ranked",
    column_config={
        "package_id": st.column_config.TextColumn("Package"),
        "rank": st.column_config.NumberColumn("Rank", format="%d"),
        "provider_id": st.column_config.TextColumn("Provider id"),
        "provider_name": st.column_config.TextColumn("Provider"),
        "travel_min": st.column_config.NumberColumn("Office to home [min]", format="%.1f"),
        "travel_carer_hours": st.column_config.NumberColumn(
            "Carers' travel [carer-h / week]", format="%.2f"
        ),
        "needed_carer_hours": st.column_config.NumberColumn(
            "Needed incl. travel [carer-h / week]", format="%.2f"
        ),
        "spare_carer_hours": st.column_config.NumberColumn(
            "Spare at its turn [carer-h / week]", format="%.1f"
        ),
        "has_room": st.column_config.CheckboxColumn("Room"),
        "suggested": st.column_config.CheckboxColumn("Suggested"),
        "reason": st.column_config.TextColumn("Why", width="large"),
    },
)

choices = {
    row["package_id"]: id_of.get(row["choice"], "")
    for row in edited
    if row["status"] not in NOT_LOCATED
}
after = service.capacity_after(batch, choices)
st.subheader("Spare capacity after your choices")
st.dataframe(
    after,
    hide_index=True,
    key="brokerage_capacity",
    column_config={
        "provider_id": st.column_config.TextColumn("Provider id"),
        "provider_name": st.column_config.TextColumn("Provider"),
        "spare_before_batch": st.column_config.NumberColumn(
            "Spare before the batch [carer-h / week]", format="%.1f"
        ),
        "chosen_carer_hours": st.column_config.NumberColumn(
            "Taken by your choices [carer-h / week]", format="%.1f"
        ),
        "spare_after_choices": st.column_config.NumberColumn(
            "Spare after [carer-h / week]", format="%.1f"
        ),
        "over_capacity": st.column_config.CheckboxColumn("Over capacity"),
    },
)
over = after[after["over_capacity"]]
for row in over.itertuples(index=False):
    st.error(
        f"{row.provider_name} ({row.provider_id}) would be {-row.spare_after_choices:.1f} "
        "carer-hours a week over its capacity with your choices."
    )

status = {row["package_id"]: row["status"] for row in edited}
matches = pd.DataFrame(
    {
        "package_id": [row["package_id"] for row in edited],
        "provider_id": [choices.get(row["package_id"], "") for row in edited],
        "provider_name": [names.get(choices.get(row["package_id"], ""), "") for row in edited],
        "suggested_provider_id": [id_of.get(row["suggested"], "") for row in edited],
        "overridden": [row["choice"] != row["suggested"] for row in edited],
    }
)
matches["status"] = [
    status[p] if status[p] in NOT_LOCATED else ("matched" if pid else "waiting list")
    for p, pid in zip(matches["package_id"], matches["provider_id"], strict=True)
]
located = ~matches["status"].isin(NOT_LOCATED)
n_matched = int((matches["status"] == "matched").sum())
n_waiting = int((matches["status"] == "waiting list").sum())
n_no_room = int(
    ((matches["status"] == "waiting list") & (matches["package_id"].map(status) == NO_ROOM)).sum()
)
st.write(
    f"{len(matches)} package(s): {n_matched} matched to a provider "
    f"({int((matches['overridden'] & located).sum())} by your override); {n_waiting} on the "
    f"waiting list ({n_no_room} because no provider has room); "
    f"{int((~located).sum())} not located (outside the area or too far from a road); "
    f"{len(over)} provider(s) over capacity."
)
st.download_button(
    "Download matches (CSV)",
    data=service.matches_download(matches),
    file_name="matches.csv",
    mime="text/csv",
    key="brokerage_download",
)
components.attribution_footer(area.attribution)
