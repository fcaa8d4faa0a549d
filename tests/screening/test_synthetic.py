"""A council's synthetic area and the seeded zone growth, on hand-made LSOAs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.demo.params import default_params
from optimiser.screening.proxy import CLASSES, ClassFactors, TravelProxy
from optimiser.screening.synthetic import build_council_area, grow_zones

PROXY = TravelProxy(0.6, 1.5, {c: ClassFactors(1.4, 0.0, 40.0, 2.0) for c in CLASSES})


def _lsoas(n: int = 40) -> pd.DataFrame:
    """A 5 x 8 grid of LSOAs 1 km apart near Oakham, 400 residents aged 65+ each."""
    i = np.arange(n)
    return pd.DataFrame(
        {
            "council_code": "E06000099",
            "lat": 52.6 + (i // 8) * 0.009,
            "lon": -0.7 + (i % 8) * 0.0148,
            "residents": 1500,
            "pop_65plus": 400,
            "health_decile": 5.0,
            "barriers_decile": np.where(i % 5 == 0, 1.0, 6.0),
            "imd_decile": 5,
            "spacing_km": 1.0,
        },
        index=pd.Index([f"E0199{k:04d}" for k in i], name="lsoa_code"),
    )


def test_zone_growth_covers_every_unit_and_balances_load() -> None:
    """Every unit gets a zone, each zone is non-empty and no zone holds over twice the mean."""
    rng = np.random.default_rng(1)
    xy = np.column_stack([np.arange(40) % 8, np.arange(40) // 8]).astype(float)
    label = grow_zones(xy, np.ones(40), 4, rng)
    counts = np.bincount(label, minlength=4)
    assert (label >= 0).all() and (counts > 0).all() and counts.max() <= 20


def test_area_is_sized_from_demand_and_repeats_for_a_seed() -> None:
    """People = 0.02407 x 65+, two or more providers per zone, capacity below demand plus
    travel allowance; the same seed draws the same area."""
    params = default_params()
    a = build_council_area("E06000099", _lsoas(), params, PROXY, seed=3)
    b = build_council_area("E06000099", _lsoas(), params, PROXY, seed=3)
    assert len(a.packages) == round(0.02407 * 40 * 400)
    assert [p.lat for p in a.packages] == [p.lat for p in b.packages]
    for zone, providers in a.zone_providers.items():
        assert len(providers) >= 2, zone
    assert a.office_min.shape == (len(a.providers), len(a.packages))
    assert np.isfinite(a.nearest_min).all()
    zones = a.zones(2)
    assert all(len(z.lead_providers) == 2 for z in zones.values())
