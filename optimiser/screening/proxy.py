"""The screening's travel proxy: straight-line distance x detour factor over a speed by rurality.

For one leg of straight-line length ``crow_km`` [km] whose more rural end lies in rurality class
``c`` (from the LSOA centroid spacing, ``optimiser.screening.lsoas``)::

    road_km  = access_km[c] + detour[c] * crow_km
    road_min = overhead_min[c] + road_km / speed_kph[c] * 60

``detour`` and ``speed_kph`` are the factors the issue names. ``access_km`` and
``overhead_min`` are fitted beside them because a real leg has a fixed part (reaching the road
from the door, parking, the first junctions): without it a straight-line rule makes next-door
legs, most of a carer's round, nearly free. The factors are fitted on real road travel
(:func:`fit_factors`, least squares on relative error, so short and long legs count alike);
:func:`fit_error` states the error. Classes with no fitted pairs use the nearest fitted class
(recorded in ``TravelProxy.borrowed``): an urban class, denser than any Rutland LSOA, borrows the
town factors, a known limit (no congestion, signals or one-way streets in the fit).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "CLASSES",
    "ClassFactors",
    "FitError",
    "TravelProxy",
    "fit_error",
    "fit_factors",
    "fit_proxy",
    "proxy_to_toml",
    "read_proxy",
]

#: Rurality classes, densest first.
CLASSES: tuple[str, ...] = ("urban", "town", "rural")


@dataclass(frozen=True)
class ClassFactors:
    """One class's factors: ``detour`` [road km per straight-line km], ``access_km`` [km],
    ``speed_kph`` [km/h], ``overhead_min`` [min] (module docstring)."""

    detour: float
    access_km: float
    speed_kph: float
    overhead_min: float

    def __post_init__(self) -> None:
        if not (self.detour > 0 and self.speed_kph > 0):
            raise ValueError(
                f"ClassFactors: 'detour' and 'speed_kph' must be > 0, got {self.detour}, "
                f"{self.speed_kph}"
            )


@dataclass(frozen=True)
class FitError:
    """How far the proxy is from real road travel over ``pairs`` legs: median and 90th
    percentile of the absolute error [% of the real value], and the bias of the sum
    [%, proxy total / real total - 1], for minutes and for km."""

    pairs: int
    median_abs_pct_min: float
    p90_abs_pct_min: float
    bias_pct_min: float
    median_abs_pct_km: float
    p90_abs_pct_km: float
    bias_pct_km: float


@dataclass(frozen=True)
class TravelProxy:
    """The fitted proxy: class thresholds on centroid spacing [km], factors per class, and
    the fitting error per set of legs (``errors``: name -> :class:`FitError`).

    A leg is ``urban`` when its more rural end has spacing below ``urban_max_spacing_km``,
    ``town`` below ``town_max_spacing_km``, else ``rural``. ``borrowed`` maps a class with no
    fitted legs to the class whose factors it uses.
    """

    urban_max_spacing_km: float
    town_max_spacing_km: float
    factors: Mapping[str, ClassFactors]
    errors: Mapping[str, FitError] = field(default_factory=dict)
    borrowed: Mapping[str, str] = field(default_factory=dict)
    fitted_on: str = ""

    def __post_init__(self) -> None:
        missing = [c for c in CLASSES if c not in self.factors]
        if missing:
            raise ValueError(f"TravelProxy: 'factors' lacks classes {missing}")
        if not 0 < self.urban_max_spacing_km <= self.town_max_spacing_km:
            raise ValueError(
                "TravelProxy: need 0 < urban_max_spacing_km <= town_max_spacing_km, got "
                f"{self.urban_max_spacing_km}, {self.town_max_spacing_km}"
            )

    def classify(self, spacing_km: np.ndarray) -> np.ndarray:
        """Class index (into ``CLASSES``) of each spacing [km]."""
        s = np.asarray(spacing_km, dtype=np.float64)
        return np.where(
            s < self.urban_max_spacing_km, 0, np.where(s < self.town_max_spacing_km, 1, 2)
        )

    def travel(self, crow_km: np.ndarray, spacing_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Road minutes and km of legs of ``crow_km`` [km] whose more rural end has
        ``spacing_km`` [km] (arrays broadcast together). Returns ``(road_min, road_km)``."""
        crow = np.asarray(crow_km, dtype=np.float64)
        cls = self.classify(spacing_km)
        f = [self.factors[c] for c in CLASSES]
        detour = np.array([x.detour for x in f])[cls]
        access = np.array([x.access_km for x in f])[cls]
        speed = np.array([x.speed_kph for x in f])[cls]
        overhead = np.array([x.overhead_min for x in f])[cls]
        road_km = access + detour * crow
        return overhead + road_km / speed * 60.0, road_km


#: Straight-line length bands [km] that count alike in the fit, so that the many long legs
#: of a matrix do not outweigh the short ones a carer's round is mostly made of.
LENGTH_BANDS_KM: tuple[float, ...] = (0.0, 1.0, 3.0, 8.0)


def _band_weights(x: np.ndarray) -> np.ndarray:
    """Weight per leg: 1 / (legs in its length band), so each band counts alike."""
    band = np.searchsorted(np.asarray(LENGTH_BANDS_KM), x, side="right")
    counts = np.bincount(band, minlength=len(LENGTH_BANDS_KM) + 1).astype(float)
    return 1.0 / counts[band]


def _relative_line(
    x: np.ndarray, y: np.ndarray, through_origin: bool = False
) -> tuple[float, float]:
    """``(a, b)`` minimising the band-weighted sum of (((a + b x) - y) / y)^2."""
    w = np.sqrt(_band_weights(x)) / y
    if through_origin:
        b = float(np.sum(x * w * w * y) / np.sum((x * w) ** 2))
        return 0.0, b
    design = np.column_stack([w, x * w])
    (a, b), *_ = np.linalg.lstsq(design, y * w, rcond=None)
    return float(a), float(b)


def fit_factors(crow_km: np.ndarray, road_km: np.ndarray, road_min: np.ndarray) -> ClassFactors:
    """Fit one class's factors on legs with real road km and minutes (positive, finite).

    ``road_km = access + detour * crow`` and ``road_min = a + b * crow`` are fitted on relative
    error, each length band of ``LENGTH_BANDS_KM`` weighted alike; then
    ``speed = 60 * detour / b`` and ``overhead = a - access / speed * 60``, so the minutes of
    the proxy's own km equal the fitted line. Intercepts are kept at 0 or more.
    """
    crow = np.asarray(crow_km, dtype=np.float64)
    km = np.asarray(road_km, dtype=np.float64)
    mins = np.asarray(road_min, dtype=np.float64)
    ok = np.isfinite(crow) & np.isfinite(km) & np.isfinite(mins) & (km > 0) & (mins > 0)
    if ok.sum() < 3:
        raise ValueError(f"fit_factors: need at least 3 usable legs, got {int(ok.sum())}")
    crow, km, mins = crow[ok], km[ok], mins[ok]
    access, detour = _relative_line(crow, km)
    if access < 0:  # no negative fixed distance: refit through the origin
        access, detour = _relative_line(crow, km, through_origin=True)
    a, b = _relative_line(crow, mins)
    if a < 0:
        a, b = _relative_line(crow, mins, through_origin=True)
    speed = 60.0 * detour / b
    overhead = max(a - access / speed * 60.0, 0.0)
    return ClassFactors(detour, access, speed, overhead)


def fit_error(
    proxy_min: np.ndarray, proxy_km: np.ndarray, road_min: np.ndarray, road_km: np.ndarray
) -> FitError:
    """The proxy's error against real legs (see :class:`FitError`), on legs with real values."""
    pm, pk = np.asarray(proxy_min, float), np.asarray(proxy_km, float)
    rm, rk = np.asarray(road_min, float), np.asarray(road_km, float)
    ok = np.isfinite(rm) & np.isfinite(rk) & (rm > 0) & (rk > 0)
    pm, pk, rm, rk = pm[ok], pk[ok], rm[ok], rk[ok]
    if not ok.any():
        raise ValueError("fit_error: no leg with a real value")
    em, ek = np.abs(pm / rm - 1.0) * 100, np.abs(pk / rk - 1.0) * 100
    return FitError(
        pairs=int(ok.sum()),
        median_abs_pct_min=float(np.median(em)),
        p90_abs_pct_min=float(np.percentile(em, 90)),
        bias_pct_min=float((pm.sum() / rm.sum() - 1.0) * 100),
        median_abs_pct_km=float(np.median(ek)),
        p90_abs_pct_km=float(np.percentile(ek, 90)),
        bias_pct_km=float((pk.sum() / rk.sum() - 1.0) * 100),
    )


def fit_proxy(
    crow_km: np.ndarray,
    road_km: np.ndarray,
    road_min: np.ndarray,
    spacing_km: np.ndarray,
    *,
    urban_max_spacing_km: float,
    town_max_spacing_km: float,
    min_legs: int = 30,
    fitted_on: str = "",
) -> TravelProxy:
    """Fit every class with at least ``min_legs`` legs; others borrow the nearest fitted
    class (the denser one first). ``errors["fit"]`` is the error on the fitting legs."""
    crow = np.asarray(crow_km, float)
    spacing = np.asarray(spacing_km, float)
    probe = TravelProxy(
        urban_max_spacing_km,
        town_max_spacing_km,
        {c: ClassFactors(1.0, 0.0, 1.0, 0.0) for c in CLASSES},
    )
    cls = probe.classify(spacing)
    fitted: dict[str, ClassFactors] = {}
    for n, name in enumerate(CLASSES):
        mask = cls == n
        if mask.sum() >= min_legs:
            fitted[name] = fit_factors(
                crow[mask], np.asarray(road_km)[mask], np.asarray(road_min)[mask]
            )
    if not fitted:
        raise ValueError(f"fit_proxy: no class has {min_legs} legs")
    borrowed: dict[str, str] = {}
    factors: dict[str, ClassFactors] = {}
    for n, name in enumerate(CLASSES):
        if name in fitted:
            factors[name] = fitted[name]
            continue
        donor = min(fitted, key=lambda c: (abs(CLASSES.index(c) - n), -CLASSES.index(c)))
        factors[name], borrowed[name] = fitted[donor], donor
    proxy = TravelProxy(urban_max_spacing_km, town_max_spacing_km, factors, {}, borrowed, fitted_on)
    pmin, pkm = proxy.travel(crow, spacing)
    errors = {"fit": fit_error(pmin, pkm, road_min, road_km)}
    return TravelProxy(
        urban_max_spacing_km, town_max_spacing_km, factors, errors, borrowed, fitted_on
    )


def proxy_to_toml(proxy: TravelProxy, *, header: str = "") -> str:
    """The proxy as TOML text (``read_proxy`` reads it back); ``header`` lines become comments."""
    lines = [f"# {h}" if h else "#" for h in header.splitlines()]
    lines += [
        f'fitted_on = "{proxy.fitted_on}"',
        f"urban_max_spacing_km = {proxy.urban_max_spacing_km}",
        f"town_max_spacing_km = {proxy.town_max_spacing_km}",
        "",
    ]
    for name in CLASSES:
        f = proxy.factors[name]
        lines.append(f"[factors.{name}]")
        if name in proxy.borrowed:
            lines.append(
                f'borrowed_from = "{proxy.borrowed[name]}"  # no fitted legs of this class'
            )
        lines += [
            f"detour = {f.detour:.4f}",
            f"access_km = {f.access_km:.4f}",
            f"speed_kph = {f.speed_kph:.3f}",
            f"overhead_min = {f.overhead_min:.4f}",
            "",
        ]
    for name, e in proxy.errors.items():
        lines.append(f"[errors.{name}]")
        lines += [
            f"{k} = {round(v, 2) if isinstance(v, float) else v}" for k, v in asdict(e).items()
        ]
        lines.append("")
    return "\n".join(lines)


def read_proxy(path: str | Path) -> TravelProxy:
    """Load a proxy written by :func:`proxy_to_toml` (``configs/screening_proxy.toml``)."""
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    factors, borrowed = {}, {}
    for name, f in raw["factors"].items():
        if "borrowed_from" in f:
            borrowed[name] = f["borrowed_from"]
        factors[name] = ClassFactors(
            float(f["detour"]),
            float(f["access_km"]),
            float(f["speed_kph"]),
            float(f["overhead_min"]),
        )
    errors = {name: FitError(**e) for name, e in raw.get("errors", {}).items()}
    return TravelProxy(
        float(raw["urban_max_spacing_km"]),
        float(raw["town_max_spacing_km"]),
        factors,
        errors,
        borrowed,
        str(raw.get("fitted_on", "")),
    )
