"""Solomon / Gehring-Homberger VRPTW files (VRPLIB format) as rounds instances, DIMACS rounding.

Distances are Euclidean, truncated to one decimal (the DIMACS convention of the best-known
values: C101 = 827.3), so the solver works in tenths: every distance, time, window and service
time is multiplied by 10 in :func:`to_tenths`, the one scaling function. Travel time equals
distance. Location 0 is the depot; visit ``i`` is customer ``i + 1`` at location ``i + 1``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vrplib

from optimiser.models.rounds import RoundsInstance, Vehicle, Visit

__all__ = [
    "BestKnown",
    "instance_paths",
    "read_best_known",
    "read_vrptw",
    "route_distance_tenths",
    "to_tenths",
]

SCALE = 10


def to_tenths(value: float) -> int:
    """A time or window value of the file in solver units (tenths), rounded to the nearest."""
    return round(float(value) * SCALE)


def _truncated_distance_tenths(coords: np.ndarray) -> np.ndarray:
    """Euclidean distances truncated to one decimal, in tenths, computed exactly.

    With integer coordinates floor(10 * sqrt(k)) = isqrt(100 * k): a float square root
    corrected by one step either way gives it exactly; other coordinates use floating point
    with a small guard.
    """
    diff = coords[:, None, :] - coords[None, :, :]
    if np.all(np.equal(np.mod(coords, 1), 0)):
        x = (diff.astype(np.int64) ** 2).sum(axis=2) * SCALE * SCALE
        r = np.floor(np.sqrt(x.astype(float))).astype(np.int64)
        r -= (r * r > x).astype(np.int64)
        r += ((r + 1) * (r + 1) <= x).astype(np.int64)
        return r
    return np.floor(np.hypot(diff[..., 0], diff[..., 1]) * SCALE + 1e-9).astype(np.int64)


def read_vrptw(path: Path | str, *, vehicle_fixed_cost: int = 0) -> RoundsInstance:
    """A VRPLIB VRPTW file as a :class:`RoundsInstance` in tenths (arc cost = distance).

    ``vehicle_fixed_cost`` (in tenths of distance) is charged per used vehicle; 0 minimises
    distance alone, a large value minimises vehicles first as Solomon's hierarchical objective.
    """
    data = vrplib.read_instance(str(path))
    coords = np.asarray(data["node_coord"], dtype=float)
    n = len(coords)
    dist = _truncated_distance_tenths(coords)
    tw = np.asarray(data["time_window"], dtype=float)
    service = np.broadcast_to(np.asarray(data.get("service_time", 0), dtype=float), (n,))
    demand = np.asarray(data["demand"], dtype=int)
    depot = int(np.asarray(data.get("depot", [0])).ravel()[0])
    if depot != 0:
        raise ValueError(f"{path}: depot must be the first node, got {depot}")
    visits = tuple(
        Visit(
            location=i,
            window_start=to_tenths(tw[i, 0]),
            window_end=to_tenths(tw[i, 1]),
            duration=to_tenths(service[i]),
            demand=int(demand[i]),
            label=str(i),
        )
        for i in range(1, n)
    )
    n_veh = int(data.get("vehicles", n - 1))
    vehicle = Vehicle(
        start_location=0,
        end_location=0,
        shift_start=to_tenths(tw[0, 0]),
        shift_end=to_tenths(tw[0, 1]),
        capacity=int(data["capacity"]),
        fixed_cost=vehicle_fixed_cost,
    )
    return RoundsInstance(
        visits=visits,
        vehicles=(vehicle,) * n_veh,
        travel_time=dist,
        distance=dist,
        arc_cost="distance",
        name=str(data.get("name", Path(path).stem)),
    )


@dataclass(frozen=True)
class BestKnown:
    """A best-known solution: customer routes (1-based customers) and its stated cost."""

    routes: tuple[tuple[int, ...], ...]
    cost: float

    @property
    def vehicles(self) -> int:
        """Number of routes."""
        return len(self.routes)


def read_best_known(path: Path | str) -> BestKnown:
    """Read a VRPLIB ``.sol`` file."""
    sol = vrplib.read_solution(str(path))
    return BestKnown(tuple(tuple(int(c) for c in r) for r in sol["routes"]), float(sol["cost"]))


def route_distance_tenths(instance: RoundsInstance, routes: list[list[int]]) -> int:
    """Total distance [tenths] of routes given as visit indices, depot to depot."""
    d = instance.distance
    total = 0
    for r in routes:
        locs = [0] + [instance.visits[i].location for i in r] + [0]
        total += sum(int(d[a, b]) for a, b in itertools.pairwise(locs))
    return total


def instance_paths(folder: Path | str) -> list[Path]:
    """The ``.vrp`` files of a folder that have a ``.sol`` beside them, sorted by name."""
    folder = Path(folder)
    return sorted(p for p in folder.glob("*.vrp") if p.with_suffix(".sol").is_file())
