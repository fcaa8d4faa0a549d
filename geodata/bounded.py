"""Home-to-home travel at county size: only what the models use, by searches with a cut-off.

A dense home-to-home matrix grows with the square of the homes (9,000 homes: 0.65 GB of
float32 minutes and km, and one full search per home over the whole county). The models use
two things from it: each home's nearest other home (the travel estimate) and the block of
homes one provider serves (its carer rounds). :func:`nearest_home` computes the first with
searches bounded by a cut-off and re-runs unbounded, row by row, only where the cut-off could
have hidden the nearest home, so it equals the dense matrix's row minima exactly.
:class:`HomeBlocks` computes the second on demand, for a given set of homes, with a cut-off
(pairs beyond it are left NaN, as unreachable). Door-to-door terms (access legs, kerb-to-door
minutes) are those of :func:`geodata.travel.travel_matrix`; memory is bounded per batch by
``TravelSettings.chunk_mib``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from geodata.settings import TravelSettings
from geodata.snapping import SnappedPoints
from geodata.travel import _BYTES_PER_CELL, NetworkArrays, _shortest


def _door_rows(
    arrays: NetworkArrays,
    homes: SnappedPoints,
    rows: np.ndarray,
    cols: np.ndarray,
    kerb: np.ndarray,
    settings: TravelSettings,
    limit_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Door-to-door minutes and km from homes ``rows`` to homes ``cols`` (NaN beyond the
    cut-off); one search per unique snapped node of ``rows`` (or of ``cols``, if fewer)."""
    src = arrays.positions(homes.node[rows], "homes")
    dst = arrays.positions(homes.node[cols], "homes")
    src_u, src_inv = np.unique(src, return_inverse=True)
    dst_u, dst_inv = np.unique(dst, return_inverse=True)
    sec, metres = _shortest(
        arrays,
        src_u,
        dst_u,
        with_length=True,
        chunk_mib=settings.chunk_mib,
        limit_s=limit_s,
    )
    assert metres is not None
    access_m = homes.access_m[rows][:, None] + homes.access_m[cols][None, :]
    minutes = sec[np.ix_(src_inv, dst_inv)]
    minutes += access_m / (settings.access_speed_kph / 3.6)
    minutes /= 60.0
    minutes += kerb[cols][None, :]
    km = metres[np.ix_(src_inv, dst_inv)]
    km += access_m
    km /= 1000.0
    unreached = ~np.isfinite(minutes)
    minutes[unreached] = np.nan
    km[unreached] = np.nan
    return minutes, km


def _min_speed_ms(arrays: NetworkArrays) -> float:
    """The slowest arc's speed [m/s]: any path beyond ``t`` seconds is at least this times
    ``t`` metres long."""
    if len(arrays.arc_time_s) == 0:
        return 0.0
    return float(np.min(arrays.arc_length_m / arrays.arc_time_s))


def _row_min(values: np.ndarray, self_col: np.ndarray) -> np.ndarray:
    """Row minima ignoring each row's own home (column ``self_col[r]``) and NaN; NaN if none."""
    v = np.where(np.isfinite(values), values, np.inf)
    v[np.arange(len(v)), self_col] = np.inf
    out = v.min(axis=1)
    out[~np.isfinite(out)] = np.nan
    return out


def nearest_home(
    arrays: NetworkArrays,
    homes: SnappedPoints,
    *,
    settings: TravelSettings,
    kerb_min: np.ndarray,
    cutoff_min: float = 30.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Each home's door-to-door minutes [min] and km [km] to its nearest other home.

    Equal to the row minima of the dense home-to-home matrices, ignoring the diagonal and NaN
    (:func:`optimiser.models.travel_formula.nearest_other` on them): searches stop at
    ``cutoff_min`` of network time; a home whose nearest time exceeds ``cutoff_min`` plus the
    smallest kerb-to-door minutes, or whose nearest km exceeds the slowest arc's speed times
    the cut-off, could have a nearer home beyond it, and is searched again without a bound.
    NaN where no other home is reached at all. Batches of homes hold at most
    ``settings.chunk_mib`` of rows.
    """
    n = len(homes)
    near_min = np.full(n, np.nan)
    near_km = np.full(n, np.nan)
    if n < 2:
        return near_min, near_km
    kerb = np.asarray(kerb_min, dtype=float)
    cols = np.arange(n)
    n_nodes = len(arrays.node_ids)
    step = max(1, int(settings.chunk_mib * 2**20 // ((n_nodes + 2 * n) * _BYTES_PER_CELL)))
    limit_s = cutoff_min * 60.0

    def fill(rows: np.ndarray, limit: float) -> None:
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            minutes, km = _door_rows(arrays, homes, part, cols, kerb, settings, limit)
            near_min[part] = _row_min(minutes, part)
            near_km[part] = _row_min(km, part)

    fill(cols, limit_s)
    safe_min = cutoff_min + float(kerb.min())
    safe_km = _min_speed_ms(arrays) * limit_s / 1000.0
    # NaN compares False: a home with no other home inside the cut-off is searched again too
    doubt = np.flatnonzero(~((near_min <= safe_min) & (near_km <= safe_km)))
    if doubt.size:
        fill(doubt, math.inf)
    return near_min, near_km


@dataclass(frozen=True, eq=False)
class HomeBlocks:
    """Home-to-home travel between any chosen homes, computed on demand with a cut-off.

    ``block(idx)`` returns door-to-door minutes [min] and km [km] between homes ``idx`` (by
    position in ``homes``), NaN beyond ``cutoff_min`` of network time or without a route, zero
    on the diagonal: the same values as the dense matrices' ``[np.ix_(idx, idx)]`` wherever
    the network time is within the cut-off.
    """

    arrays: NetworkArrays
    homes: SnappedPoints
    kerb_min: np.ndarray
    settings: TravelSettings
    cutoff_min: float = 90.0

    def block(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(minutes, km) between homes ``idx``, each shaped (len(idx), len(idx))."""
        idx = np.asarray(idx, dtype=np.int64)
        minutes, km = _door_rows(
            self.arrays,
            self.homes,
            idx,
            idx,
            np.asarray(self.kerb_min, dtype=float),
            self.settings,
            self.cutoff_min * 60.0,
        )
        np.fill_diagonal(minutes, 0.0)
        np.fill_diagonal(km, 0.0)
        return minutes, km

    def __call__(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Same as :meth:`block`, so a ``HomeBlocks`` serves as a plain function."""
        return self.block(idx)
