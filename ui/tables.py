"""Tables as people read them: plain headers with units, thousands separators, fitted width."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

#: Decimals shown per numeric column (values are rounded to them before display).
DECIMALS: dict[str, int] = {}


def _number(label: str, decimals: int = 1, *, name: str = "") -> Any:
    # "localized" gives thousands separators in the reader's locale; the decimals are fixed by
    # rounding the values first (see ``show``).
    if name:
        DECIMALS[name] = decimals
    return st.column_config.NumberColumn(label, format="localized")


#: Display headers (with units) of the columns the result tables share.
COLUMNS: Mapping[str, Any] = {
    "zone_id": st.column_config.TextColumn("Zone id", width="small"),
    "name": st.column_config.TextColumn("Zone", width="medium"),
    "kind": st.column_config.TextColumn("Kind", width="small"),
    "lead_providers": st.column_config.TextColumn("Lead providers", width="small"),
    "people": _number("People", 0, name="people"),
    "demand_hours": _number("Demand [h/week]", 1, name="demand_hours"),
    "placed_hours": _number("Placed [h/week]", 1, name="placed_hours"),
    "unmet_hours": _number("Unmet [h/week]", 1, name="unmet_hours"),
    "providers_used": _number("Providers used", 0, name="providers_used"),
    "travel_min_per_contact_hour": _number(
        "Travel [min per contact h]", 2, name="travel_min_per_contact_hour"
    ),
    "package_id": st.column_config.TextColumn("Package", width="small"),
    "provider_id": st.column_config.TextColumn("Provider", width="small"),
    "area_code": st.column_config.TextColumn("Small area", width="small"),
    "priority": st.column_config.TextColumn("Priority", width="small"),
    "status": st.column_config.TextColumn("Status", width="small"),
    "days_waiting": _number("Days waiting", 0, name="days_waiting"),
    "weekly_hours": _number("Contact [h/week]", 1, name="weekly_hours"),
    "carer_hours": _number("Carer time [h/week]", 1, name="carer_hours"),
    "reason": st.column_config.TextColumn("Why unmet", width="large"),
    "rate_uplift_pct": _number("Rate uplift [%]", 1, name="rate_uplift_pct"),
    "area_name": st.column_config.TextColumn("Small area name", width="medium"),
}


def show(
    frame: pd.DataFrame,
    *,
    first: Sequence[str] = (),
    hide: Sequence[str] = (),
    key: str | None = None,
    height: int | str = "auto",
) -> None:
    """``st.dataframe`` of ``frame`` with human headers, columns ``first`` leading, ``hide``
    left out, and the table fitted to the page's width."""
    order = [c for c in first if c in frame.columns]
    order += [c for c in frame.columns if c not in order and c not in hide]
    shown = frame[order].copy()
    for column in order:
        if column in DECIMALS and pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column].round(DECIMALS[column])
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        column_config={c: COLUMNS[c] for c in order if c in COLUMNS},
    )
