"""The demo's random draws: pure functions, arrays and an ``np.random.Generator`` in, arrays out.

Counts are drawn by quota (each category within one of its exact share); visit patterns, needs,
the waiting list, days waited and each active package's current provider are drawn here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from optimiser.data.domain import CallType, Visit
from optimiser.demo.params import VisitParams, WaitingParams

K = TypeVar("K")


def quota_counts(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``n`` into whole counts proportional to ``weights`` (largest remainder).

    Each category gets the floor of its exact share; the few units left go to categories
    drawn without replacement in proportion to their fractional parts, so the counts are
    within one of the exact shares and the split stays random only where it must be.
    """
    w = np.asarray(weights, dtype=float)
    if n == 0 or len(w) == 0:
        return np.zeros(len(w), dtype=int)
    exact = w / w.sum() * n
    counts = np.floor(exact).astype(int)
    left = n - int(counts.sum())
    if left > 0:
        frac = exact - counts
        pick = rng.choice(len(w), size=left, replace=False, p=frac / frac.sum())
        counts[pick] += 1
    return counts


def draw_categorical(weights: Mapping[K, float], n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` values from a finite distribution ``{value: weight}`` by quota.

    Counts follow ``quota_counts`` (each within one of its exact share), in random order.
    """
    keys = sorted(weights)  # type: ignore[type-var]
    counts = quota_counts(np.array([weights[k] for k in keys], dtype=float), n, rng)
    values = np.repeat(np.array(keys, dtype=object if isinstance(keys[0], str) else None), counts)
    return rng.permutation(values)


def draw_flags(share: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Mark round(share x n) of ``n`` items True (the rounding drawn), in random order."""
    return draw_categorical({True: share, False: 1.0 - share}, n, rng).astype(bool)


def allocate_people(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Split ``n`` people over areas in proportion to ``weights`` (by quota)."""
    return quota_counts(weights, n, rng)


def need_weights(pop_65plus: np.ndarray, health_decile: np.ndarray, uplift: float) -> np.ndarray:
    """Area weights: residents 65+ x (1 + uplift x (10 - health decile) / 9)."""
    pop = np.asarray(pop_65plus, dtype=float)
    dec = np.asarray(health_decile, dtype=float)
    return pop * (1.0 + uplift * (10.0 - dec) / 9.0)


def spread_days(days_per_week: int, offset: int) -> tuple[int, ...]:
    """Weekdays (0 = Monday) for a package seen ``days_per_week`` times, evenly spread."""
    if days_per_week >= 7:
        return tuple(range(7))
    return tuple(
        sorted({(offset + round(i * 7 / days_per_week)) % 7 for i in range(days_per_week)})
    )


@dataclass(frozen=True)
class VisitPlans:
    """Drawn weekly patterns for ``n`` packages (arrays of length ``n``).

    ``length_min`` maps each call type to the call length [min] of every package (the same
    length every day); only the call types in a package's pattern are used.
    """

    calls_per_day: np.ndarray
    days_per_week: np.ndarray
    day_offset: np.ndarray
    length_min: Mapping[CallType, np.ndarray]
    double_handed: np.ndarray


def draw_visit_plans(
    n: int, visits: VisitParams, double_share: float, rng: np.random.Generator
) -> VisitPlans:
    """Draw calls a day, days a week, call lengths and double-handedness for ``n`` packages."""
    calls = draw_categorical(visits.calls_per_day, n, rng).astype(int)
    days = np.full(n, 7, dtype=int)
    single = calls == 1
    days[single] = draw_categorical(visits.single_call_days_per_week, int(single.sum()), rng)
    offset = rng.integers(0, 7, size=n)
    lengths = {
        ct: draw_categorical(visits.call_length_min[ct], n, rng).astype(int)
        for ct in sorted(visits.call_length_min)
    }
    double = draw_flags(double_share, n, rng)
    return VisitPlans(calls, days, offset, lengths, double)


def build_visits(
    plans: VisitPlans, call_patterns: Mapping[int, Sequence[CallType]]
) -> list[tuple[Visit, ...]]:
    """Turn drawn plans into each package's weekly visits (identical visits share one object)."""
    cache: dict[tuple[int, CallType, int, int], Visit] = {}
    out: list[tuple[Visit, ...]] = []
    for i in range(len(plans.calls_per_day)):
        pattern = call_patterns[int(plans.calls_per_day[i])]
        carers = 2 if plans.double_handed[i] else 1
        week: list[Visit] = []
        for day in spread_days(int(plans.days_per_week[i]), int(plans.day_offset[i])):
            for ct in pattern:
                key = (day, ct, int(plans.length_min[ct][i]), carers)
                visit = cache.get(key)
                if visit is None:
                    visit = cache[key] = Visit(
                        day=day, call_type=ct, duration_min=key[2], carers=carers
                    )
                week.append(visit)
        out.append(tuple(week))
    return out


def weekly_hours_of(visits: Sequence[Visit]) -> float:
    """Contact hours a week [h]: the sum of visit durations (each double-handed call once)."""
    return sum(v.duration_min for v in visits) / 60.0


def draw_needs(
    n: int, shares: Mapping[str, float], rng: np.random.Generator
) -> list[frozenset[str]]:
    """Each specialist need for its configured share of people (by quota, independently)."""
    names = sorted(shares)
    if not names:
        return [frozenset()] * n
    hits = np.column_stack([draw_flags(shares[k], n, rng) for k in names])
    return [frozenset(names[j] for j in np.flatnonzero(row)) for row in hits]


def draw_waiting(multiplier: np.ndarray, base_share: float, rng: np.random.Generator) -> np.ndarray:
    """Which people start on the waiting list: each with chance base share x multiplier."""
    p = np.clip(base_share * np.asarray(multiplier, dtype=float), 0.0, 1.0)
    return rng.random(len(p)) < p


def draw_days_waiting(
    hospital: np.ndarray, waiting: WaitingParams, rng: np.random.Generator
) -> np.ndarray:
    """Days waited so far: uniform 0..max for hospital discharge, geometric for community."""
    hospital = np.asarray(hospital, dtype=bool)
    n = len(hospital)
    short = rng.integers(0, waiting.hospital_max_days + 1, size=n)
    mean = max(waiting.community_mean_days, 1.0)
    long = rng.geometric(1.0 / (mean + 1.0), size=n) - 1
    return np.where(hospital, short, long).astype(int)


def choose_current_providers(
    package_xy_m: np.ndarray,
    package_zone: Sequence[str],
    package_needs: Sequence[frozenset[str]],
    package_carer_hours: np.ndarray,
    active: np.ndarray,
    provider_xy_m: np.ndarray,
    provider_capacity_hours: np.ndarray,
    provider_skills: Sequence[frozenset[str]],
    zone_leads: Mapping[str, Sequence[int]],
    *,
    max_office_m: float,
    order: np.ndarray,
) -> np.ndarray:
    """Pick a current provider index for each active package, or -1 if none can take it.

    Packages are taken in ``order``. Each goes to the nearest lead provider of its zone that
    has the skills for its needs and the capacity left for its carer hours; failing that, to
    the nearest other provider within ``max_office_m`` [m] (straight line) that does.
    """
    n = len(package_zone)
    remaining = np.asarray(provider_capacity_hours, dtype=float).copy()
    out = np.full(n, -1, dtype=int)
    if len(remaining) == 0:
        return out
    d = np.hypot(
        package_xy_m[:, None, 0] - provider_xy_m[None, :, 0],
        package_xy_m[:, None, 1] - provider_xy_m[None, :, 1],
    )
    for i in order:
        if not active[i]:
            continue
        need = package_needs[i]
        hours = float(package_carer_hours[i])
        able = np.array([need <= s for s in provider_skills]) & (remaining >= hours - 1e-9)
        leads = np.zeros(len(remaining), dtype=bool)
        leads[list(zone_leads.get(package_zone[i], ()))] = True
        for mask in (able & leads, able & (d[i] <= max_office_m)):
            if mask.any():
                j = int(np.flatnonzero(mask)[np.argmin(d[i][mask])])
                out[i] = j
                remaining[j] -= hours
                break
    return out
