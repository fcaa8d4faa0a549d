"""Tests for the split of who is left without care (current clients, waiting list, hospital)."""

from __future__ import annotations

import pandas as pd

from optimiser.left_without_care import SPLIT_KEYS, care_split


def test_split_on_a_hand_made_assignments_table():
    """Five packages, four unmet: each group counts its own people and hours, and together
    they make up every unmet package (placed ones count nowhere)."""
    table = pd.DataFrame(
        {
            "package_id": ["a", "b", "c", "d", "e"],
            "unmet": [True, True, True, True, False],
            "status": ["active", "waiting", "waiting", "active", "active"],
            "priority": [
                "community",
                "community",
                "hospital_discharge",
                "hospital_discharge",
                "community",
            ],
            "weekly_hours": [7.0, 10.5, 3.25, 14.0, 99.0],
            "current_provider": ["PRV-A", "", "", "PRV-B", "PRV-A"],
        }
    )
    split = care_split(table)
    assert list(split) == list(SPLIT_KEYS)
    # d is a current client of hospital-discharge priority: a current client first.
    assert split["current_clients_without_care"] == {"people": 2, "hours": 21.0}
    assert split["waiting_not_placed"] == {"people": 1, "hours": 10.5}
    assert split["hospital_discharge_not_placed"] == {"people": 1, "hours": 3.25}
    assert sum(g["people"] for g in split.values()) == int(table["unmet"].sum())


def test_nobody_unmet_gives_zeros():
    """All placed: every group is zero people and zero hours."""
    table = pd.DataFrame(
        {
            "unmet": [False],
            "status": ["waiting"],
            "priority": ["community"],
            "weekly_hours": [5.0],
            "current_provider": [""],
        }
    )
    assert all(g == {"people": 0, "hours": 0.0} for g in care_split(table).values())
