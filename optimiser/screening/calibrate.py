"""Fitting the travel proxy on Rutland's real road network: the demo area's travel matrices.

The demo area (``optimiser.service.load_demo_area``) routes every office-to-home and
home-to-home leg on the OSM road network of Rutland, with the project's road speeds and kerb
times. Its legs are the real travel the proxy is fitted to: the demo of seed ``fit_seed`` for
the fit, the demo of ``test_seed`` (other homes, the same roads) for the stated error. Each
leg's rurality is the centroid spacing of the more rural end's LSOA (an office takes its
nearest LSOA centroid's). Run ``python -m optimiser.screening.calibrate`` to rewrite
``configs/screening_proxy.toml``.

Limits, stated with the factors: Rutland has two market towns and villages, so its densest
LSOA centroids are 0.67 km apart while half of England's are closer; urban legs (congestion,
signals, one-way streets, parking) are not in the fit and use the town factors.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from optimiser.data.config import CONFIG_DIR
from optimiser.data.locations import national_data_dir
from optimiser.demo.synthetic import haversine_km as crow_km
from optimiser.screening.lsoas import read_lsoas
from optimiser.screening.proxy import TravelProxy, fit_error, fit_proxy, proxy_to_toml
from optimiser.service.areas import AreaData, load_demo_area

__all__ = ["PROXY_CONFIG", "demo_legs", "fit_on_rutland", "main"]

PROXY_CONFIG = CONFIG_DIR / "screening_proxy.toml"
#: Class thresholds on centroid spacing [km]. Assumption: Rutland's town LSOAs (Oakham,
#: Uppingham) lie 0.67-1.45 km apart, its village and farm LSOAs 1.9-5.5 km; below 0.6 km
#: (half of England's LSOAs) is denser than anything in Rutland, so called urban.
URBAN_MAX_SPACING_KM = 0.6
TOWN_MAX_SPACING_KM = 1.5


def demo_legs(area: AreaData, spacing: pd.Series) -> pd.DataFrame:
    """Every leg of a demo area: ``kind`` (office, home), ``crow_km``, ``road_km``,
    ``road_min``, ``spacing_km`` (of the more rural end), ``nearest`` (a home's leg to its
    nearest other home by road time)."""
    plat = np.array([p.lat for p in area.packages])
    plon = np.array([p.lon for p in area.packages])
    olat = np.array([p.lat for p in area.providers])
    olon = np.array([p.lon for p in area.providers])
    home_s = spacing.reindex([p.area_code for p in area.packages]).to_numpy()
    codes = spacing.index.to_numpy()
    lsoa_xy = np.column_stack([spacing.attrs["lat"], spacing.attrs["lon"]])
    _, near = cKDTree(lsoa_xy).query(np.column_stack([olat, olon]))
    office_s = spacing.loc[codes[near]].to_numpy()
    n = len(plat)
    home_crow = crow_km(plat[:, None], plon[:, None], plat[None, :], plon[None, :])
    home_min = np.asarray(area.home_min, float).copy()
    np.fill_diagonal(home_min, np.inf)
    nearest = np.zeros((n, n), dtype=bool)
    nearest[np.arange(n), np.argmin(home_min, axis=1)] = True
    off = ~np.eye(n, dtype=bool)
    frames = [
        pd.DataFrame(
            {
                "kind": "home",
                "crow_km": home_crow[off],
                "road_km": np.asarray(area.home_km, float)[off],
                "road_min": np.asarray(area.home_min, float)[off],
                "spacing_km": np.maximum(home_s[:, None], home_s[None, :])[off],
                "nearest": nearest[off],
            }
        ),
        pd.DataFrame(
            {
                "kind": "office",
                "crow_km": crow_km(
                    olat[:, None], olon[:, None], plat[None, :], plon[None, :]
                ).ravel(),
                "road_km": np.asarray(area.office_km, float).ravel(),
                "road_min": np.asarray(area.office_min, float).ravel(),
                "spacing_km": np.maximum(office_s[:, None], home_s[None, :]).ravel(),
                "nearest": False,
            }
        ),
    ]
    legs = pd.concat(frames, ignore_index=True)
    ok = np.isfinite(legs["road_km"]) & np.isfinite(legs["road_min"]) & (legs["road_min"] > 0)
    return legs[ok].reset_index(drop=True)


def _spacing(data_dir: Path) -> pd.Series:
    lsoas = read_lsoas(data_dir)
    out = lsoas["spacing_km"]
    out.attrs = {"lat": lsoas["lat"].to_numpy(), "lon": lsoas["lon"].to_numpy()}
    return out


def fit_on_rutland(
    *, fit_seed: int = 7, test_seed: int = 8, data_dir: Path | None = None
) -> tuple[TravelProxy, pd.DataFrame]:
    """Fit the proxy on the demo of ``fit_seed``; errors on the demo of ``test_seed``
    (all legs, office legs, nearest-other-home legs, per class). Returns the proxy and the
    test legs with the proxy's values (``proxy_min``, ``proxy_km``)."""
    spacing = _spacing(Path(data_dir) if data_dir else national_data_dir())
    fit = demo_legs(load_demo_area(seed=fit_seed), spacing)
    proxy = fit_proxy(
        fit["crow_km"],
        fit["road_km"],
        fit["road_min"],
        fit["spacing_km"],
        urban_max_spacing_km=URBAN_MAX_SPACING_KM,
        town_max_spacing_km=TOWN_MAX_SPACING_KM,
        fitted_on=f"Rutland demo (OSM roads), seed {fit_seed}; errors on seed {test_seed}",
    )
    test = demo_legs(load_demo_area(seed=test_seed), spacing)
    test["proxy_min"], test["proxy_km"] = proxy.travel(test["crow_km"], test["spacing_km"])
    test["class"] = np.array(["urban", "town", "rural"])[proxy.classify(test["spacing_km"])]
    sets = {
        "test_all": test,
        "test_office": test[test["kind"] == "office"],
        "test_nearest_home": test[test["nearest"]],
        "test_town": test[test["class"] == "town"],
        "test_rural": test[test["class"] == "rural"],
    }
    errors = dict(proxy.errors)
    for name, legs in sets.items():
        if len(legs):
            errors[name] = fit_error(
                legs["proxy_min"], legs["proxy_km"], legs["road_min"], legs["road_km"]
            )
    return replace(proxy, errors=errors), test


HEADER = """\
Travel proxy of the national screening (optimiser/screening/proxy.py), fitted on the real road
network of Rutland by optimiser/screening/calibrate.py (python -m optimiser.screening.calibrate).
road_km = access_km + detour x straight-line km; road_min = overhead_min + road_km / speed_kph x 60.
Class of a leg: centroid spacing of its more rural end's LSOA (mean km to the 3 nearest LSOA
centroids): urban < urban_max_spacing_km <= town < town_max_spacing_km <= rural.
Errors in % of the real road value (median and 90th percentile of |proxy/real - 1|, bias of the
sum). Limits: Rutland has no urban LSOA (its densest are 0.67 km apart), so urban legs use the
town factors with no congestion, signals or one-way streets; a SCREENING ESTIMATE only."""


def main(argv: list[str] | None = None) -> int:
    """Fit on Rutland and write ``configs/screening_proxy.toml`` (or the path given)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else PROXY_CONFIG
    proxy, _ = fit_on_rutland()
    out.write_text(proxy_to_toml(proxy, header=HEADER) + "\n", encoding="utf-8")
    print(out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
