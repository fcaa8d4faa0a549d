"""Provenance of a result: a digest of every input, and the versions that produced it.

A digest is the first 16 hex digits of a sha256. Records and parameters are digested in a
canonical form (fields by name, sets and mappings sorted, floats by ``repr``, geometry as WKB),
so the same inputs give the same digest in every process; files by their bytes.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import platform
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geodata.network import file_sha256

#: Packages whose versions every result records.
VERSIONED_PACKAGES = (
    "homecare-zones",
    "ortools",
    "osmnx",
    "geopandas",
    "shapely",
    "pandas",
    "numpy",
)


def canonical(value: Any) -> Any:
    """``value`` as plain JSON types in one fixed form (see the module docstring)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, BaseGeometry):
        return value.wkb_hex
    if isinstance(value, Mapping):
        items = ((json.dumps(canonical(k)), canonical(v)) for k, v in value.items())
        return {k: v for k, v in sorted(items)}
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=json.dumps)
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, np.generic):
        return canonical(value.item())
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str | int | bool) or value is None:
        return value
    return repr(value)


def digest_of(value: Any) -> str:
    """The digest of ``value`` in canonical form."""
    text = json.dumps(canonical(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def records_digest(records: Iterable[Any]) -> str:
    """The digest of a sequence of records (packages, providers), every field counted."""
    return digest_of(list(records))


def file_digest(path: Path) -> str:
    """The digest of a file's bytes."""
    return file_sha256(Path(path))[:16]


def table_digest(table: pd.DataFrame) -> str:
    """The digest of a table's CSV text (rows in order, without the index)."""
    return hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()[:16]


def areas_digest(areas: gpd.GeoDataFrame) -> str:
    """The digest of the small areas: each one's code and polygon."""
    sha = hashlib.sha256()
    for code, geom in zip(areas["area_code"].astype(str), areas.geometry, strict=True):
        sha.update(code.encode() + b"\0")
        sha.update(b"" if geom is None else geom.wkb)
    return sha.hexdigest()[:16]


def network_digest(graph: nx.MultiDiGraph) -> str:
    """The road network's digest: the content hash ``geodata.network`` stamps on every graph
    it builds (input file or place, speed settings, build version); for a graph built some
    other way, a digest of its nodes and edges."""
    stamp = graph.graph.get("homecare_digest")
    if stamp:
        return str(stamp)[:16]
    nodes = [(n, d.get("x"), d.get("y")) for n, d in graph.nodes(data=True)]
    edges = [(u, v, d.get("length"), d.get("travel_time")) for u, v, d in graph.edges(data=True)]
    return digest_of([nodes, edges])


def area_digests(
    *,
    graph: nx.MultiDiGraph,
    packages: Sequence[Any],
    providers: Sequence[Any],
    areas: gpd.GeoDataFrame,
    travel_settings: Any,
    estimate_params: Any,
    config_files: Mapping[str, Path],
) -> dict[str, str]:
    """A digest per input of an area: network, packages, providers, small areas, travel
    settings, travel-estimate parameters, and each config file as ``config:<role>``."""
    return {
        "network": network_digest(graph),
        "packages": records_digest(packages),
        "providers": records_digest(providers),
        "areas": areas_digest(areas),
        "travel_settings": digest_of(travel_settings),
        "travel_estimate": digest_of(estimate_params),
        **_config_digests(config_files),
    }


def run_digests(
    area_digests: Mapping[str, str],
    *,
    zone_table: pd.DataFrame,
    scenario: Any,
    rounds_options: Mapping[str, Any],
    config_files: Mapping[str, Path],
) -> dict[str, str]:
    """The area's digests plus the run's own inputs: the zone table used, the scenario with
    its rounds options, and the scenario's config files (``config:<role>``)."""
    return {
        **area_digests,
        "zones": table_digest(zone_table),
        "scenario": digest_of([scenario, dict(rounds_options)]),
        **_config_digests(config_files),
    }


def _config_digests(config_files: Mapping[str, Path]) -> dict[str, str]:
    return {f"config:{role}": file_digest(path) for role, path in sorted(config_files.items())}


def combined_digest(digests: Mapping[str, str]) -> str:
    """One digest over named digests (changes when any one of them does)."""
    return digest_of(dict(digests))


def versions() -> dict[str, str]:
    """Python's and the main packages' versions."""
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
