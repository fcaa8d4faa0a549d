"""Door-to-door travel of one trip between two points, defined as in the travel matrices."""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx

from geodata.errors import InputError
from geodata.settings import TravelSettings
from geodata.snapping import snap_points
from geodata.travel import travel_matrix


@dataclass(frozen=True)
class Trip:
    """One door-to-door trip.

    ``minutes`` [min] = access legs + ``network_min`` + ``kerb_to_door_min``, exactly as a
    cell of :func:`geodata.travel.travel_matrix`; ``km`` [km]: road distance along the fastest
    path plus the straight-line access legs; ``access_m``: (from, to) straight-line distances
    to the snapped road nodes [m]; ``network_min`` [min]: node to node on the roads.
    """

    minutes: float
    km: float
    network_min: float
    kerb_to_door_min: float
    access_m: tuple[float, float]


def trip_between(
    G: nx.MultiDiGraph,
    from_lat: float,
    from_lon: float,
    to_lat: float,
    to_lon: float,
    *,
    settings: TravelSettings,
    kerb_to_door_min: float | None = None,
) -> Trip:
    """The door-to-door trip from one point to another (lon/lat in EPSG:4326 degrees).

    Both points are snapped as homes and offices are (farther than ``settings.max_access_m``
    from any road: InputError naming the point); ``kerb_to_door_min`` defaults to the
    settings' allowance for a call of unknown type. InputError when no route joins them.
    """
    points = snap_points(
        G,
        ["from", "to"],
        [from_lat, to_lat],
        [from_lon, to_lon],
        max_access_m=settings.max_access_m,
        source="trip",
    )
    kerb = settings.kerb_to_door_default_min if kerb_to_door_min is None else kerb_to_door_min
    matrix = travel_matrix(
        G, points.take([0]), points.take([1]), settings=settings, dest_kerb_min=[kerb]
    )
    minutes, km = float(matrix.minutes[0, 0]), float(matrix.km[0, 0])
    if not math.isfinite(minutes):
        raise InputError("no route by road joins the two points", source="trip")
    access = (float(points.access_m[0]), float(points.access_m[1]))
    access_min = sum(access) / (settings.access_speed_kph / 3.6) / 60.0
    return Trip(
        minutes=minutes,
        km=km,
        network_min=minutes - access_min - kerb,
        kerb_to_door_min=kerb,
        access_m=access,
    )
