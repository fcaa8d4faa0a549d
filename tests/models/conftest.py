"""Fixtures for the core's tests: an oracle of hours computed from the records alone."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from optimiser.models.instance import AssignmentInstance
from optimiser.models.validate import ObjectiveValues

HoursCheck = Callable[[AssignmentInstance, np.ndarray, ObjectiveValues], None]


def _hours_match_records(
    instance: AssignmentInstance, provider_of: np.ndarray, values: ObjectiveValues
) -> None:
    """Demand, placed and unmet minutes of ``values`` equal the sums of the packages' visits.

    Computed from the records the instance was built from (each visit's duration, placed or
    not by ``provider_of``), not from the instance's arrays or the solution's own fields, so a
    units slip, a stale solution value or a package counted twice or never shows up.
    """
    packages = instance.records.packages
    minutes = [sum(v.duration_min for v in pk.visits) for pk in packages]
    placed = [m for m, k in zip(minutes, np.asarray(provider_of).tolist(), strict=True) if k >= 0]
    assert values.demand_min == sum(minutes)
    assert values.placed_min == sum(placed)
    assert values.unmet_min == sum(minutes) - sum(placed)


@pytest.fixture(scope="session")
def hours_match_records() -> HoursCheck:
    """Check a solution's hours against its packages' visits (see ``_hours_match_records``)."""
    return _hours_match_records
