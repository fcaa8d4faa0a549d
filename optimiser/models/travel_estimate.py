"""The fast carer-travel estimate: one per-visit formula, and travel figures per provider and zone.

Every travel figure the assignment uses (inside provider capacity, in the travel objective, in
the reported minutes per contact hour) comes from :func:`per_visit_travel`, so that the rounds
issue can measure this estimate's error against real carer rounds in one place.

The formula, per visit of package ``i`` served by provider ``k`` [min and km, one leg]::

    leg = max(min_leg, rounds_factor * (office_weight * office(k, i)
                                        + (1 - office_weight) * nearest(i)))

where ``office(k, i)`` is the road travel time (or distance) from the provider's office to the
person's home and ``nearest(i)`` the road travel time (or distance) from the home to the nearest
other person's home needing care. The idea: in a real round a carer arrives from the previous
client, usually a near neighbour (``nearest``); the office term says how far the home lies from
the provider's patch, which stretches that leg when a provider works far from its base. Every
call needs one leg per carer, so double-handed calls travel twice. Weekly travel of the pair is
``leg * carer_visits`` (visits per week, double-handed ones counted twice).

``office_weight = 0.25`` and ``min_leg = 1`` min / 0.5 km are assumptions, chosen so that a
typical town package (nearest neighbour 3-5 min, office 10-20 min, 30-minute calls) gives 10-15
minutes of travel per contact hour, the range of the UKHCA 2020/21 breakdown (DOMAIN.md: about
11.7 min paid travel per contact hour). The rounds issue replaces them with measured values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from optimiser.models.instance import AssignmentInstance

KM_PER_MILE = 1.609344

#: Columns of both tables in :class:`TravelFigures`, in order.
FIGURE_COLUMNS: tuple[str, ...] = (
    "packages",
    "contact_hours",
    "carer_hours",
    "travel_min",
    "travel_km",
    "travel_min_per_contact_hour",
    "miles_per_contact_hour",
)


@dataclass(frozen=True)
class TravelEstimateParams:
    """Parameters of the per-visit travel formula (see the module docstring).

    ``office_weight`` (0-1) weights the office-to-home leg against the nearest-neighbour leg;
    ``min_leg_min`` [min] and ``min_leg_km`` [km] floor one leg (walking next door still takes
    a minute): assumptions. ``rounds_factor_min`` and ``rounds_factor_km`` scale the blended
    leg to what real carer rounds travel: a round's next call is the nearest call *in the same
    time window and shift*, not the nearest home overall, and rounds start and end at the
    office. The defaults (1.0) leave the blend as it is; the product reads measured values
    from ``configs/travel_estimate.toml`` (``benchmarks/bench_estimate_vs_rounds.py`` measures
    them on an area's own rounds).
    """

    office_weight: float = 0.25
    min_leg_min: float = 1.0
    min_leg_km: float = 0.5
    rounds_factor_min: float = 1.0
    rounds_factor_km: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.office_weight <= 1.0:
            raise ValueError(
                f"TravelEstimateParams: field 'office_weight' must be in [0, 1], "
                f"got {self.office_weight}"
            )
        if not (self.rounds_factor_min > 0 and self.rounds_factor_km > 0):
            raise ValueError(
                "TravelEstimateParams: fields 'rounds_factor_min', 'rounds_factor_km' must be > 0"
            )
        if self.min_leg_min < 0 or self.min_leg_km < 0:
            raise ValueError(
                "TravelEstimateParams: fields 'min_leg_min', 'min_leg_km' must be >= 0"
            )


def per_visit_travel(
    office_min: np.ndarray,
    office_km: np.ndarray,
    nearest_min: np.ndarray,
    nearest_km: np.ndarray,
    *,
    params: TravelEstimateParams = TravelEstimateParams(),
) -> tuple[np.ndarray, np.ndarray]:
    """One carer's travel to one visit [min], [km]: THE travel estimate of the assignment.

    Arrays broadcast together: ``office_*`` is the provider-office-to-home leg and
    ``nearest_*`` the home-to-nearest-other-home leg. NaN (unknown) legs are replaced by the
    other leg; if both are unknown only the floor ``min_leg_*`` remains. Returns
    ``(leg_min, leg_km)``; multiply by carer-visits per week (double-handed calls count twice)
    for weekly travel.
    """
    office_min = np.asarray(office_min, dtype=np.float64)
    office_km = np.asarray(office_km, dtype=np.float64)
    near_min = np.asarray(nearest_min, dtype=np.float64)
    near_km = np.asarray(nearest_km, dtype=np.float64)
    w = params.office_weight
    # A missing leg is replaced by the other one; with both missing only the floor remains.
    near_min = np.where(np.isfinite(near_min), near_min, office_min)
    near_km = np.where(np.isfinite(near_km), near_km, office_km)
    office_min = np.where(np.isfinite(office_min), office_min, near_min)
    office_km = np.where(np.isfinite(office_km), office_km, near_km)
    near_min = np.nan_to_num(near_min, nan=0.0, posinf=0.0)
    near_km = np.nan_to_num(near_km, nan=0.0, posinf=0.0)
    office_min = np.nan_to_num(office_min, nan=0.0, posinf=0.0)
    office_km = np.nan_to_num(office_km, nan=0.0, posinf=0.0)
    blend_min = w * office_min + (1.0 - w) * near_min
    blend_km = w * office_km + (1.0 - w) * near_km
    leg_min = np.maximum(params.min_leg_min, params.rounds_factor_min * blend_min)
    leg_km = np.maximum(params.min_leg_km, params.rounds_factor_km * blend_km)
    return leg_min, leg_km


def nearest_other(matrix: np.ndarray) -> np.ndarray:
    """Row-wise minimum of a square package-to-package matrix, ignoring the diagonal and NaN.

    Returns NaN for a row with no other reachable package (including a single package).
    """
    m = np.array(matrix, dtype=np.float64, copy=True)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"nearest_other: expected a square matrix, got shape {m.shape}")
    if m.shape[0] == 0:
        return np.zeros(0)
    np.fill_diagonal(m, np.nan)
    m[~np.isfinite(m)] = np.inf
    out = m.min(axis=1)
    out[~np.isfinite(out)] = np.nan
    return out


@dataclass(frozen=True)
class TravelFigures:
    """Carer travel of one assignment, per provider and per zone.

    Attributes
    ----------
    by_provider
        One row per provider (index ``provider_id``), columns ``FIGURE_COLUMNS``: packages
        placed, contact_hours [h/week], carer_hours [h/week, double-handed counted twice],
        travel_min [min/week], travel_km [km/week], travel_min_per_contact_hour [min/h],
        miles_per_contact_hour [mi/h]. Ratios are NaN where no contact hours are placed.
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
    with np.errstate(divide="ignore", invalid="ignore"):
        contact = sums["contact_hours"].to_numpy(dtype=np.float64)
        sums["travel_min_per_contact_hour"] = np.where(
            contact > 0, sums["travel_min"].to_numpy(dtype=np.float64) / contact, np.nan
        )
        sums["miles_per_contact_hour"] = np.where(
            contact > 0,
            sums["travel_km"].to_numpy(dtype=np.float64) / KM_PER_MILE / contact,
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

    Uses the same per-pair figures as the capacity constraint (from :func:`per_visit_travel`),
    so what is reported is what the model counted.
    """
    travel_min, travel_km = package_travel(instance, provider_of)
    return travel_table(instance, provider_of, travel_min, travel_km, method="estimate")
