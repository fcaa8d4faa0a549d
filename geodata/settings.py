"""Road-network and travel-time parameters as frozen dataclasses, with UK defaults."""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from geodata.errors import InputError, Problem

MPH_TO_KPH = 1.609344

# Untagged speeds [km/h] by OSM highway class. UK legal limits for cars (Highway Code rule 124):
# 30 mph where there is a system of street lighting ("restricted road", RTRA 1984 s.82),
# 60 mph on single and 70 mph on dual carriageways and motorways. The defaults below are
# free-flow driving speeds at or below those limits (assumption: bends, junctions and village
# gateways keep average speeds under the limit). Each value is reasoned in configs/network.toml.
DEFAULT_URBAN_SPEEDS_KPH: dict[str, float] = {
    "motorway": 96.0,
    "motorway_link": 48.0,
    "trunk": 48.0,
    "trunk_link": 40.0,
    "primary": 45.0,
    "primary_link": 40.0,
    "secondary": 42.0,
    "secondary_link": 35.0,
    "tertiary": 40.0,
    "tertiary_link": 30.0,
    "unclassified": 32.0,
    "residential": 30.0,
    "living_street": 16.0,
    "road": 32.0,
    "busway": 30.0,
    "service": 16.0,
}
DEFAULT_RURAL_SPEEDS_KPH: dict[str, float] = {
    "motorway": 105.0,
    "motorway_link": 64.0,
    "trunk": 88.0,
    "trunk_link": 56.0,
    "primary": 80.0,
    "primary_link": 48.0,
    "secondary": 72.0,
    "secondary_link": 45.0,
    "tertiary": 64.0,
    "tertiary_link": 40.0,
    "unclassified": 48.0,
    "residential": 32.0,
    "living_street": 16.0,
    "road": 40.0,
    "busway": 30.0,
    "service": 20.0,
}
# Ceilings [km/h] applied to every edge of a class, tagged or not: a single-track lane tagged
# with the 60 mph national limit is not driven at 60 mph (assumption, see configs/network.toml).
DEFAULT_CLASS_CAP_KPH: dict[str, float] = {
    "unclassified": 64.0,
    "residential": 48.0,
    "living_street": 20.0,
    "service": 32.0,
    "road": 48.0,
}
# Kerb-to-door allowance [min] by call type: parking and walking to the door (assumption).
DEFAULT_KERB_TO_DOOR_MIN: dict[str, float] = {
    "morning": 3.0,
    "lunch": 2.0,
    "tea": 2.0,
    "bed": 3.0,
}

NETWORK_TYPES = ("drive", "drive_service")
CONTEXTS = ("urban", "rural")


def _frozen_speeds(
    value: Mapping[str, Any], base: Mapping[str, float], name: str, source: str
) -> tuple[MappingProxyType, list[Problem]]:
    """Merge ``value`` over ``base`` and check every speed is a positive finite number."""
    merged: dict[str, float] = dict(base)
    problems: list[Problem] = []
    if not isinstance(value, Mapping):
        problems.append(Problem(source, None, name, f"must be a table, got {value!r}"))
        return MappingProxyType(merged), problems
    for key, speed in value.items():
        if isinstance(speed, bool) or not isinstance(speed, int | float):
            problems.append(Problem(source, None, f"{name}.{key}", f"not a number: {speed!r}"))
        elif not math.isfinite(speed) or speed <= 0:
            problems.append(Problem(source, None, f"{name}.{key}", f"must be > 0, got {speed!r}"))
        else:
            merged[str(key)] = float(speed)
    return MappingProxyType(dict(sorted(merged.items()))), problems


def _check_number(
    problems: list[Problem], source: str, name: str, value: Any, *, minimum: float, strict: bool
) -> None:
    """Add a problem unless ``value`` is a finite number above (or at) ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(Problem(source, None, name, f"not a finite number: {value!r}"))
    elif (value <= minimum) if strict else (value < minimum):
        sign = ">" if strict else ">="
        problems.append(Problem(source, None, name, f"must be {sign} {minimum}, got {value!r}"))


def _unknown_keys(cls: type, data: Mapping[str, Any], source: str) -> list[Problem]:
    """One problem per key of ``data`` that is not a field of ``cls``."""
    known = {f.name for f in fields(cls)}
    return [
        Problem(source, None, str(key), f"unknown key (known: {', '.join(sorted(known))})")
        for key in data
        if key not in known
    ]


def _digest(obj: Any, skip: tuple[str, ...] = ()) -> str:
    """A stable sha256 of a settings object's values (but those in ``skip``)."""
    data = {f.name: getattr(obj, f.name) for f in fields(obj) if f.name not in skip}
    text = json.dumps(data, sort_keys=True, default=dict)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class NetworkSettings:
    """How a drivable network is built from OSM and how fast each edge is driven.

    Speeds [km/h]: an edge's OSM ``maxspeed`` is used where tagged (``mph`` converted,
    ``national`` = 60 mph, ``GB:nsl_dual`` = 70 mph); otherwise the default for its highway
    class in its context. An edge is ``urban`` when OSM says so (``lit=yes``, i.e. a UK
    restricted road, or a ``maxspeed:type``/``source:maxspeed``/``zone:traffic`` naming an urban
    zone), ``rural`` when OSM says so (national speed limit tags), and ``unknown_context``
    otherwise. Every speed is then capped by ``class_cap_kph`` for its class.
    """

    network_type: str = "drive"
    urban_speeds_kph: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(sorted(DEFAULT_URBAN_SPEEDS_KPH.items())))
    )
    rural_speeds_kph: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(sorted(DEFAULT_RURAL_SPEEDS_KPH.items())))
    )
    class_cap_kph: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(sorted(DEFAULT_CLASS_CAP_KPH.items())))
    )
    unknown_context: str = "rural"
    fallback_speed_kph: float = 40.0

    _SPEED_TABLES: ClassVar[tuple[str, ...]] = (
        "urban_speeds_kph",
        "rural_speeds_kph",
        "class_cap_kph",
    )

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        src = "NetworkSettings"
        for name in self._SPEED_TABLES:
            frozen, found = _frozen_speeds(getattr(self, name), {}, name, src)
            object.__setattr__(self, name, frozen)
            problems += found
        if self.network_type not in NETWORK_TYPES:
            problems.append(
                Problem(
                    src,
                    None,
                    "network_type",
                    f"must be one of {NETWORK_TYPES}, got {self.network_type!r}",
                )
            )
        if self.unknown_context not in CONTEXTS:
            problems.append(
                Problem(
                    src,
                    None,
                    "unknown_context",
                    f"must be one of {CONTEXTS}, got {self.unknown_context!r}",
                )
            )
        _check_number(
            problems, src, "fallback_speed_kph", self.fallback_speed_kph, minimum=0.0, strict=True
        )
        if problems:
            raise InputError(problems)

    def __hash__(self) -> int:
        return hash(self.digest())

    def digest(self) -> str:
        """A sha256 of every value: part of the network cache key."""
        return _digest(self)

    def default_speed_kph(self, highway: str, context: str) -> float:
        """The untagged speed [km/h] of ``highway`` in ``context`` ('urban' or 'rural')."""
        table = self.urban_speeds_kph if context == "urban" else self.rural_speeds_kph
        return float(table.get(highway, self.fallback_speed_kph))

    @classmethod
    def from_dict(
        cls, d: Mapping[str, Any], *, source: str = "network settings"
    ) -> NetworkSettings:
        """Build from a plain dict (e.g. the ``[network]`` TOML table); speed tables given
        there update the defaults class by class. Unknown keys raise InputError naming them."""
        problems = _unknown_keys(cls, d, source)
        kwargs: dict[str, Any] = {}
        defaults = cls()
        for key, value in d.items():
            if key in cls._SPEED_TABLES:
                merged, found = _frozen_speeds(value, getattr(defaults, key), key, source)
                problems += found
                kwargs[key] = merged
            elif not key.startswith("_") and key in {f.name for f in fields(cls)}:
                kwargs[key] = value
        if problems:
            raise InputError(problems)
        return cls(**kwargs)


@dataclass(frozen=True)
class TravelSettings:
    """How point-to-point travel times are made from network times.

    travel [min] = access leg (straight line from the point to its snapped node, both ends,
    at ``access_speed_kph``) + network time + kerb-to-door allowance of the destination's call
    type. ``max_access_m`` is the farthest a point may lie from the road network [m].
    ``chunk_mib`` bounds the working memory per batch of shortest-path sources [MiB].
    ``matrix_memory_gib`` caps the memory the dense travel matrices of an area may need [GiB]
    (None: 80% of the memory available when the area is built); an area that needs more is
    refused before any matrix is built. It changes no figure, so it is not in ``digest()``.
    """

    access_speed_kph: float = 20.0
    max_access_m: float = 2000.0
    kerb_to_door_min: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_KERB_TO_DOOR_MIN))
    )
    kerb_to_door_default_min: float = 2.0
    chunk_mib: float = 256.0
    matrix_memory_gib: float | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        src = "TravelSettings"
        if self.matrix_memory_gib is not None:
            _check_number(
                problems, src, "matrix_memory_gib", self.matrix_memory_gib, minimum=0.0, strict=True
            )
        kerb: Mapping[str, float] = MappingProxyType({})
        if isinstance(self.kerb_to_door_min, Mapping):
            merged = {}
            for key, value in self.kerb_to_door_min.items():
                name = f"kerb_to_door_min.{key}"
                before = len(problems)
                _check_number(problems, src, name, value, minimum=0.0, strict=False)
                if len(problems) == before:
                    merged[str(key)] = float(value)
            kerb = MappingProxyType(merged)
        else:
            problems.append(Problem(src, None, "kerb_to_door_min", "must be a table"))
        object.__setattr__(self, "kerb_to_door_min", kerb)
        _check_number(
            problems, src, "access_speed_kph", self.access_speed_kph, minimum=0.0, strict=True
        )
        _check_number(problems, src, "max_access_m", self.max_access_m, minimum=0.0, strict=True)
        _check_number(
            problems,
            src,
            "kerb_to_door_default_min",
            self.kerb_to_door_default_min,
            minimum=0.0,
            strict=False,
        )
        _check_number(problems, src, "chunk_mib", self.chunk_mib, minimum=0.0, strict=True)
        if problems:
            raise InputError(problems)

    def __hash__(self) -> int:
        return hash(self.digest())

    def digest(self) -> str:
        """A sha256 of every value that can change a figure (part of the matrix cache key)."""
        return _digest(self, skip=("matrix_memory_gib",))

    def kerb_min(self, call_types: list[str] | tuple[str, ...]) -> list[float]:
        """Kerb-to-door minutes for each call type; unknown types raise InputError."""
        problems = [
            Problem(
                "call types",
                i + 1,
                "call_type",
                f"unknown call type {t!r} (known: {', '.join(self.kerb_to_door_min)})",
            )
            for i, t in enumerate(call_types)
            if t not in self.kerb_to_door_min
        ]
        if problems:
            raise InputError(problems)
        return [self.kerb_to_door_min[t] for t in call_types]

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, source: str = "travel settings") -> TravelSettings:
        """Build from a plain dict (e.g. the ``[travel]`` TOML table); unknown keys raise
        InputError naming them. A ``kerb_to_door_min`` table replaces the default table."""
        problems = _unknown_keys(cls, d, source)
        if problems:
            raise InputError(problems)
        return cls(**dict(d))


def load_settings(path: Path) -> tuple[NetworkSettings, TravelSettings]:
    """Read ``[network]`` and ``[travel]`` from a TOML file such as configs/network.toml."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"settings file not found: {path}", source=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", source=str(path)) from None
    problems = _unknown_keys_top(data, str(path))
    if problems:
        raise InputError(problems)
    return (
        NetworkSettings.from_dict(data.get("network", {}), source=f"{path} [network]"),
        TravelSettings.from_dict(data.get("travel", {}), source=f"{path} [travel]"),
    )


def _unknown_keys_top(data: Mapping[str, Any], source: str) -> list[Problem]:
    """Problems for top-level TOML tables other than [network] and [travel]."""
    return [
        Problem(source, None, str(k), "unknown table (known: network, travel)")
        for k in data
        if k not in ("network", "travel")
    ]
