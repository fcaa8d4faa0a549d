"""Carer travel figures of an assignment, per provider and per zone (the fast estimate's tables).

Every ratio is per carer-hour of contact delivered (the basis of providers' returns): a
double-handed hour is two carer-hours, and the travel of both carers counts, so numerator and
denominator count the same carers.

:func:`estimate_travel` reports each placed pair's weekly travel from the instance, which the
instance builder computed with the per-visit formula of
:mod:`optimiser.models.travel_formula`: what is reported is what the model counted.
:func:`travel_table` aggregates per-package travel for any estimator (the rounds one too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from optimiser.models.instance import AssignmentInstance

KM_PER_MILE = 1.609344

#: Columns of both tables in :class:`TravelFigures`, in order.
FIGURE_COLUMNS: tuple[str, ...] = (
    "packages",
    "contact_hours",
    "carer_hours",
    "travel_min",
    "travel_km",
    "travel_min_per_carer_hour",
    "miles_per_carer_hour",
)


@dataclass(frozen=True)
class TravelFigures:
    """Carer travel of one assignment, per provider and per zone.

    Attributes
    ----------
    by_provider
        One row per provider (index ``provider_id``), columns ``FIGURE_COLUMNS``: packages
        placed, contact_hours [h/week, the hours people receive], carer_hours [carer-h/week of
        contact, double-handed counted twice], travel_min [min/week, every carer's legs],
        travel_km [km/week], travel_min_per_carer_hour [min per carer-hour of contact],
        miles_per_carer_hour [mi per carer-hour of contact]. Ratios are NaN where no carer-hours
        are placed.
    by_zone
        The same columns, one row per zone of the placed packages (index ``zone_id``; packages
        outside every zone under ``""``).
    total
        The same figures over every placed package (a Series indexed by ``FIGURE_COLUMNS``).
    method
        Which estimator produced them (``"estimate"`` or ``"rounds"``).
    package_travel_min, package_travel_km
        Weekly carer travel of each package of the instance [min], [km] (0 when unplaced).
    """

    by_provider: pd.DataFrame
    by_zone: pd.DataFrame
    total: pd.Series
    method: str = "estimate"
    package_travel_min: np.ndarray = field(default_factory=lambda: np.zeros(0))
    package_travel_km: np.ndarray = field(default_factory=lambda: np.zeros(0))


class TravelEstimator(Protocol):
    """Anything that turns an assignment into travel figures (the fast estimate or full rounds).

    ``provider_of[i]`` is the provider index serving package ``i`` of ``instance`` or -1.
    """

    def __call__(self, instance: AssignmentInstance, provider_of: np.ndarray) -> TravelFigures: ...


def _figures(frame: pd.DataFrame, key: str, index: Sequence[str] | None) -> pd.DataFrame:
    sums = frame.groupby(key, sort=True)[
        ["packages", "contact_hours", "carer_hours", "travel_min", "travel_km"]
    ].sum()
    if index is not None:
        sums = sums.reindex(list(index), fill_value=0)
    sums.index.name = key
    # Per carer-hour of contact: travel counts every carer's legs, so the denominator counts
    # every carer's contact time too (a double-handed hour is two carer-hours).
    with np.errstate(divide="ignore", invalid="ignore"):
        carer = sums["carer_hours"].to_numpy(dtype=np.float64)
        sums["travel_min_per_carer_hour"] = np.where(
            carer > 0, sums["travel_min"].to_numpy(dtype=np.float64) / carer, np.nan
        )
        sums["miles_per_carer_hour"] = np.where(
            carer > 0,
            sums["travel_km"].to_numpy(dtype=np.float64) / KM_PER_MILE / carer,
            np.nan,
        )
    sums["packages"] = sums["packages"].astype(np.int64)
    return sums[list(FIGURE_COLUMNS)]


def travel_table(
    instance: AssignmentInstance,
    provider_of: np.ndarray,
    travel_min: np.ndarray,
    travel_km: np.ndarray,
    *,
    method: str,
) -> TravelFigures:
    """Aggregate per-package weekly travel [min], [km] of placed packages into figures.

    Shared by every estimator: a rounds-based one computes per-package travel its own way and
    calls this to aggregate (unplaced packages' travel is ignored).
    """
    provider_of = np.asarray(provider_of, dtype=np.int64)
    placed = provider_of >= 0
    zone = np.array([z or "" for z in instance.zone_ids], dtype=object)
    prov = np.array(instance.provider_ids, dtype=object)
    frame = pd.DataFrame(
        {
            "provider_id": prov[provider_of[placed]] if placed.any() else np.array([], object),
            "zone_id": zone[placed],
            "packages": np.ones(int(placed.sum()), dtype=np.int64),
            "contact_hours": instance.contact_min[placed] / 60.0,
            "carer_hours": instance.carer_min[placed] / 60.0,
            "travel_min": np.asarray(travel_min, dtype=np.float64)[placed],
            "travel_km": np.asarray(travel_km, dtype=np.float64)[placed],
        }
    )
    by_provider = _figures(frame, "provider_id", instance.provider_ids)
    zones = sorted({z or "" for z in instance.zone_ids})
    by_zone = _figures(frame, "zone_id", zones)
    frame["all"] = "all"
    total = _figures(frame, "all", ["all"]).iloc[0]
    total.name = "total"
    placed_min = np.where(placed, np.asarray(travel_min, dtype=np.float64), 0.0)
    placed_km = np.where(placed, np.asarray(travel_km, dtype=np.float64), 0.0)
    return TravelFigures(
        by_provider=by_provider,
        by_zone=by_zone,
        total=total,
        method=method,
        package_travel_min=placed_min,
        package_travel_km=placed_km,
    )


def package_travel(
    instance: AssignmentInstance, provider_of: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly carer travel of each package where it is placed [min], [km]; 0 when unplaced."""
    provider_of = np.asarray(provider_of, dtype=np.int64)
    pair = instance.pair_index(provider_of)
    placed = pair >= 0
    travel_min = np.zeros(instance.n_packages)
    travel_km = np.zeros(instance.n_packages)
    travel_min[placed] = instance.pair_travel_min[pair[placed]]
    travel_km[placed] = instance.pair_travel_m[pair[placed]] / 1000.0
    return travel_min, travel_km


def estimate_travel(instance: AssignmentInstance, provider_of: np.ndarray) -> TravelFigures:
    """The fast estimate (a :class:`TravelEstimator`): each placed pair's weekly travel.

    Uses the same per-pair figures as the capacity constraint (from
    :func:`~optimiser.models.travel_formula.per_visit_travel`), so what is reported is what
    the model counted.
    """
    travel_min, travel_km = package_travel(instance, provider_of)
    return travel_table(instance, provider_of, travel_min, travel_km, method="estimate")
