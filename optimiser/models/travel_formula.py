"""The fast carer-travel estimate's per-visit formula: one carer's leg to one visit [min], [km].

Every travel figure the assignment uses (inside provider capacity, in the travel objective, in
the reported minutes per carer-hour of contact) comes from :func:`per_visit_travel`, so that this
estimate's error against real carer rounds is measured in one place. The module needs no
assignment instance: the instance builder, the checker and the demo generator all call it.

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
minutes of travel per carer-hour of contact, the range of the UKHCA 2020/21 breakdown (about
11.7 min paid travel per contact hour). ``configs/travel_estimate.toml`` holds the values measured
against real rounds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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


def nearest_leg(home: np.ndarray | None, n_packages: int) -> np.ndarray:
    """Each home's leg to the nearest other home needing care [min or km], NaN where unknown.

    ``home`` is the full (N, N) home-to-home matrix, already the (N,) vector of
    nearest-other-home travel (a kNN form), or ``None`` (unknown: the office leg stands in).
    """
    if home is None:
        return np.full(n_packages, np.nan)
    arr = np.asarray(home, dtype=np.float64)
    if arr.shape == (n_packages, n_packages):
        return nearest_other(arr)
    if arr.shape == (n_packages,):
        return arr
    raise ValueError(
        f"nearest_leg: expected shape ({n_packages}, {n_packages}) or ({n_packages},), "
        f"got {arr.shape}"
    )
