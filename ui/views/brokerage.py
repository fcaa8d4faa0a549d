"""Brokerage page (brokers): upload new packages, see ranked providers, accept or override."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optimiser import service
from ui import cache, components, uploads
from ui.state import get_state

NO_PROVIDER = "(no provider yet)"

state = get_state()
area, table = components.page_area(state)

st.title("Brokerage")
st.caption(
    "Upload this week's new packages (CSV or Excel). Each package gets up to three providers, "
    "ranked, with the reason: capacity left, travel from the office, skills, zone. Accept the "
    "first suggestion or pick another, then download the matches."
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
st.success(f"{upload.name}: {len(packages)} package(s) read.")
with components.stop_on_error(f"Matching the packages in {upload.name}"):
    ranked = cache.suggest(
        area, cache.scenario(rule), packages, table, packages_digest=cache.digest(data), top_k=3
    )

st.subheader("Suggestions")
st.dataframe(ranked, hide_index=True, key="brokerage_ranked")

names = {p.provider_id: p.name for p in area.providers}
labels = [NO_PROVIDER, *(f"{names[pid]} ({pid})" for pid in sorted(names))]
first = ranked[ranked["rank"] == 1].set_index("package_id")
decisions = [
    {
        "package_id": p.package_id,
        "weekly_hours": p.weekly_hours,
        "suggested": (
            f"{names.get(first.at[p.package_id, 'provider_id'], '')} "
            f"({first.at[p.package_id, 'provider_id']})"
            if p.package_id in first.index
            else NO_PROVIDER
        ),
        "reason": str(first.at[p.package_id, "reason"]) if p.package_id in first.index else "",
    }
    for p in packages
]
for row in decisions:
    row["choice"] = row["suggested"]

st.subheader("Decisions")
edited = st.data_editor(
    decisions,
    hide_index=True,
    key="brokerage_decisions",
    disabled=["package_id", "weekly_hours", "suggested", "reason"],
    column_config={
        "choice": st.column_config.SelectboxColumn(
            "Provider chosen", options=labels, required=True, help="Accept or override"
        ),
        "weekly_hours": st.column_config.NumberColumn("Hours / week", format="%.2f"),
    },
)
label_to_id = {f"{names[pid]} ({pid})": pid for pid in names}
matches = pd.DataFrame(
    {
        "package_id": [row["package_id"] for row in edited],
        "provider_id": [label_to_id.get(row["choice"], "") for row in edited],
        "provider_name": [names.get(label_to_id.get(row["choice"], ""), "") for row in edited],
        "suggested_provider_id": [label_to_id.get(row["suggested"], "") for row in edited],
        "overridden": [row["choice"] != row["suggested"] for row in edited],
    }
)
st.write(
    f"{len(matches)} package(s); {int(matches['overridden'].sum())} suggestion(s) overridden; "
    f"{int((matches['provider_id'] == '').sum())} without a provider."
)
st.download_button(
    "Download matches (CSV)",
    data=service.matches_download(matches),
    file_name="matches.csv",
    mime="text/csv",
    key="brokerage_download",
)
components.attribution_footer(area.attribution)
