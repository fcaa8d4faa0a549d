"""Synthetic demo areas (scale > 1): each real provider split into branches near its office.

Everything drawn here is labelled synthetic (ids prefixed, names marked) and never committed.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np

from geodata.areas import BNG, WGS84
from optimiser.data.domain import Provider
from optimiser.demo.params import SyntheticParams
from optimiser.demo.placement import xy_m


def split_providers(
    base: tuple[Provider, ...],
    places: tuple[str, ...],
    n_total: int,
    scale: float,
    synth: SyntheticParams,
    rng: np.random.Generator,
) -> tuple[tuple[Provider, ...], dict[str, list[str]]]:
    """Synthetic areas: split each base provider into branches, capacity scaled by ``scale``.

    Returns the branches and, per base provider id, its branch ids.
    """
    cap = np.array([p.capacity_hours for p in base], dtype=float)
    share = cap / cap.sum() * n_total
    copies = np.maximum(1, np.floor(share).astype(int))
    while copies.sum() < n_total:
        copies[int(np.argmax(share - copies))] += 1
    xy = xy_m(np.array([p.lat for p in base]), np.array([p.lon for p in base]))
    out: list[Provider] = []
    branches: dict[str, list[str]] = {}
    for b, prov in enumerate(base):
        c = int(copies[b])
        angle = rng.random(c) * 2 * math.pi
        radius = np.sqrt(rng.random(c)) * synth.office_jitter_m
        bx = xy[b, 0] + radius * np.cos(angle)
        by = xy[b, 1] + radius * np.sin(angle)
        pts = gpd.GeoSeries(gpd.points_from_xy(bx, by), crs=BNG).to_crs(WGS84)
        letter = prov.name.split(" (")[0].removeprefix("Provider ").strip()
        for k in range(c):
            pid = f"{synth.id_prefix}{prov.provider_id}-{k + 1:02d}"
            branches.setdefault(prov.provider_id, []).append(pid)
            out.append(
                Provider(
                    provider_id=pid,
                    name=f"Synthetic provider {letter}{k + 1:02d} ({places[b]})",
                    lat=float(pts.y.iat[k]),
                    lon=float(pts.x.iat[k]),
                    capacity_hours=round(prov.capacity_hours * scale / c, 1),
                    care_workers=max(1, round(prov.care_workers * scale / c)),
                    price_gbp_per_hour=prov.price_gbp_per_hour,
                    pay_gbp_per_hour=prov.pay_gbp_per_hour,
                    travel_paid=prov.travel_paid,
                    mileage_gbp_per_mile=prov.mileage_gbp_per_mile,
                    skills=prov.skills,
                )
            )
    return tuple(out), branches
