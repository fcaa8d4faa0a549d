"""The travel proxy: its fit recovers known factors, its classes and its error are as stated."""

from __future__ import annotations

import numpy as np
import pytest

from optimiser.screening.proxy import (
    CLASSES,
    ClassFactors,
    TravelProxy,
    fit_error,
    fit_factors,
    fit_proxy,
    proxy_to_toml,
    read_proxy,
)


def _legs(factors: ClassFactors, crow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    km = factors.access_km + factors.detour * crow
    return factors.overhead_min + km / factors.speed_kph * 60.0, km


def test_fit_recovers_the_factors_of_hand_made_legs() -> None:
    """Legs made exactly by known factors (0.2-20 km, every length band) give those factors back."""
    truth = ClassFactors(detour=1.4, access_km=0.1, speed_kph=40.0, overhead_min=2.0)
    crow = np.linspace(0.2, 20.0, 200)
    road_min, road_km = _legs(truth, crow)
    got = fit_factors(crow, road_km, road_min)
    assert got.detour == pytest.approx(1.4, rel=1e-6)
    assert got.access_km == pytest.approx(0.1, abs=1e-6)
    assert got.speed_kph == pytest.approx(40.0, rel=1e-6)
    assert got.overhead_min == pytest.approx(2.0, abs=1e-5)


def test_fit_proxy_fits_each_class_and_borrows_for_an_empty_one() -> None:
    """Town and rural legs with different factors are fitted apart; the urban class, with no
    legs, borrows the town factors and says so; the fit error on exact legs is zero."""
    town = ClassFactors(1.6, 0.0, 30.0, 3.0)
    rural = ClassFactors(1.25, 0.05, 55.0, 4.0)
    crow = np.linspace(0.1, 15.0, 100)
    tm, tk = _legs(town, crow)
    rm, rk = _legs(rural, crow)
    spacing = np.r_[np.full(100, 1.0), np.full(100, 3.0)]
    proxy = fit_proxy(
        np.r_[crow, crow],
        np.r_[tk, rk],
        np.r_[tm, rm],
        spacing,
        urban_max_spacing_km=0.6,
        town_max_spacing_km=1.5,
    )
    assert proxy.factors["town"].speed_kph == pytest.approx(30.0, rel=1e-6)
    assert proxy.factors["rural"].detour == pytest.approx(1.25, rel=1e-6)
    assert proxy.borrowed == {"urban": "town"}
    assert proxy.errors["fit"].median_abs_pct_min == pytest.approx(0.0, abs=1e-6)
    assert list(proxy.classify([0.3, 1.0, 3.0])) == [0, 1, 2]


def test_fit_error_states_bias_and_spread() -> None:
    """A proxy 10% over on every leg has a median error of 10% and a bias of +10%."""
    real = np.array([2.0, 5.0, 10.0, 20.0])
    err = fit_error(real * 1.1, real * 1.1, real, real)
    assert err.median_abs_pct_min == pytest.approx(10.0)
    assert err.bias_pct_km == pytest.approx(10.0)
    assert err.pairs == 4


def test_the_proxy_round_trips_through_toml(tmp_path) -> None:
    """What ``proxy_to_toml`` writes, ``read_proxy`` reads back (factors to 4 decimals)."""
    f = ClassFactors(1.5, 0.01, 32.0, 3.5)
    proxy = TravelProxy(0.6, 1.5, {c: f for c in CLASSES}, borrowed={"urban": "town"})
    path = tmp_path / "proxy.toml"
    path.write_text(proxy_to_toml(proxy, header="test"), encoding="utf-8")
    back = read_proxy(path)
    assert back.factors["rural"].speed_kph == pytest.approx(32.0)
    assert back.borrowed == {"urban": "town"}


def test_the_shipped_proxy_states_its_error_on_held_out_legs() -> None:
    """configs/screening_proxy.toml carries the fit and the held-out errors (the README quotes
    them), and its rural speed exceeds its town speed."""
    from optimiser.screening.calibrate import PROXY_CONFIG

    proxy = read_proxy(PROXY_CONFIG)
    assert {"fit", "test_all", "test_office", "test_nearest_home"} <= set(proxy.errors)
    assert proxy.factors["rural"].speed_kph > proxy.factors["town"].speed_kph
    assert proxy.borrowed.get("urban") == "town"
