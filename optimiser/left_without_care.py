"""Who is left without care, split into current clients, the waiting list and hospital discharges.

A result's unmet list mixes groups a commissioner must not add up: a current client who loses
care in a change of commissioning is not the same as a waiting-list person still waiting. The
three groups are disjoint and together make up every unmet package:

- ``current_clients_without_care``: active packages with a current provider, left unmet;
- ``hospital_discharge_not_placed``: other packages of hospital-discharge priority, unmet;
- ``waiting_not_placed``: every other unmet package (the community waiting list).

Each is a mapping ``{"people": int, "hours": float}`` [weekly contact hours, h].
"""

from __future__ import annotations

import pandas as pd

from optimiser.data.domain import PackageStatus, Priority

#: The split's summary keys, in display order.
SPLIT_KEYS: tuple[str, ...] = (
    "current_clients_without_care",
    "waiting_not_placed",
    "hospital_discharge_not_placed",
)


def care_split(assignments: pd.DataFrame) -> dict[str, dict[str, float | int]]:
    """People and weekly contact hours [h] left without care, per group (module docstring).

    ``assignments`` needs the columns ``unmet`` (bool), ``status``, ``priority``,
    ``weekly_hours`` [h] and ``current_provider`` (empty when none), as in a result's
    assignments table.
    """
    unmet = assignments[assignments["unmet"].astype(bool)]
    current = (unmet["status"] == PackageStatus.ACTIVE.value) & (
        unmet["current_provider"].fillna("").astype(str) != ""
    )
    hospital = ~current & (unmet["priority"] == Priority.HOSPITAL_DISCHARGE.value)
    waiting = ~current & ~hospital
    groups = {
        "current_clients_without_care": current,
        "waiting_not_placed": waiting,
        "hospital_discharge_not_placed": hospital,
    }
    return {
        key: {
            "people": int(mask.sum()),
            "hours": round(float(unmet.loc[mask, "weekly_hours"].sum()), 2),
        }
        for key, mask in groups.items()
    }
