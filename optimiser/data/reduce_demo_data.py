"""Reduce full Rutland extracts to the demo data shipped in ``data/`` (re-runnable on newer ones).

Run from the project root::

    python -m optimiser.data.reduce_demo_data --source ../shared/data --out data

What it keeps, and why the demo's figures do not move:

- ``osm/rutland-roads.osm.pbf``: the ways that pass OSMnx's ``drive_service`` filter (a superset
  of ``drive``; the product's own filter, ``geodata.network._is_drivable``) with all their tags,
  and the nodes they reference with their locations and tags, in the source's order. The
  network builder keeps exactly these objects, so it builds the same graph.
- ``osm/rutland-homes.gpkg``: three Geofabrik layers under their Geofabrik names (so the
  readers in ``geodata.buildings`` read it like the shapefile zip): the building outlines that
  ``read_buildings`` takes as homes, the road lines of the classes the demo places people along,
  and the town, village and hamlet points; original geometry (doubles) and ``osm_id``.
- the ONS and MHCLG files the demo reads (LSOA 2021 and 2011 and ward boundaries, Census 2021
  age bands and IoD 2019 for Rutland), copied byte for byte.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import osmium

from geodata.buildings import (
    BUILDINGS_LAYER,
    PLACES_LAYER,
    RESIDENTIAL_ROAD_CLASSES,
    ROADS_LAYER,
    read_buildings,
)
from geodata.network import _is_drivable

#: The source files, relative to the source folder (the layout of the full data folder).
SOURCE_PBF = "osm/rutland-latest.osm.pbf"
SOURCE_SHAPEFILES = "osm/rutland-latest-free.shp.zip"
#: The reduced files, relative to the output folder (``data/``).
ROADS_PBF = "osm/rutland-roads.osm.pbf"
HOMES_GPKG = "osm/rutland-homes.gpkg"
#: Files copied unchanged (same relative path in source and output).
COPIED = (
    "geo/rutland/rutland_lsoa2021_E06000017.geojson",
    "geo/rutland/rutland_lsoa2011_E06000017.geojson",
    "geo/rutland/rutland_wards_E06000017.geojson",
    "stats/census2021_lsoa2021_age6_rutland.csv",
    "stats/iod2019_lsoa2011_rutland.csv",
)
#: Place classes the demo reads (``geodata.buildings.read_places``' default).
PLACE_CLASSES = ("town", "village", "hamlet")
#: The widest OSMnx filter the network settings allow; ``drive`` keeps a subset of it.
NETWORK_TYPE = "drive_service"


@dataclass(frozen=True)
class RoadsCount:
    """What went into the reduced PBF: ways and nodes kept, of ways read."""

    ways_read: int
    ways_kept: int
    nodes_kept: int


def reduce_pbf(src: Path, dst: Path, *, network_type: str = NETWORK_TYPE) -> RoadsCount:
    """Write the drivable ways of ``src`` and their nodes to the PBF ``dst``.

    Two passes: ways first (ids, node references and tags of the drivable ones, in file
    order), then the nodes they reference (location and all tags), written in id order as OSM
    files are. The header keeps the source's bounding box and replication timestamp.
    """
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    read = 0
    for way in osmium.FileProcessor(str(src), osmium.osm.WAY):
        read += 1
        tags = {t.k: t.v for t in way.tags}
        if "highway" in tags and _is_drivable(tags, network_type):
            ways.append((way.id, [n.ref for n in way.nodes], tags))
    wanted = {ref for _, refs, _ in ways for ref in refs}
    nodes: dict[int, tuple[tuple[float, float], dict[str, str]]] = {}
    for node in osmium.FileProcessor(str(src), osmium.osm.NODE):
        if node.id in wanted and node.location.valid():
            nodes[node.id] = (
                (node.location.lon, node.location.lat),
                {t.k: t.v for t in node.tags},
            )
    source_header = osmium.io.Reader(str(src), osmium.osm.NOTHING)
    header = source_header.header()
    source_header.close()
    out_header = osmium.io.Header()
    for box in [header.box()] if header.box().valid() else []:
        out_header.add_box(box)
    stamp = header.get("osmosis_replication_timestamp")
    if stamp:
        out_header.set("osmosis_replication_timestamp", stamp)
    out_header.set("generator", "homecare-zones reduce_demo_data")
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(dst), header=out_header) as writer:
        for node_id in sorted(nodes):
            location, tags = nodes[node_id]
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=location, tags=tags))
        for way_id, refs, tags in ways:
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
    return RoadsCount(ways_read=read, ways_kept=len(ways), nodes_kept=len(nodes))


def reduce_shapefiles(
    src: Path, dst: Path, *, road_classes: Sequence[str] = RESIDENTIAL_ROAD_CLASSES
) -> dict[str, int]:
    """Write the demo's home buildings, road lines and places of a Geofabrik zip to ``dst``.

    Buildings: the outlines ``read_buildings`` keeps with its defaults (selected by
    ``osm_id``). Roads: the lines whose ``fclass`` is in ``road_classes``. Places: towns,
    villages and hamlets. Rows keep the zip's order, columns and geometry. Returns rows per
    layer.
    """
    homes = set(read_buildings(src)["osm_id"])
    layers = {
        BUILDINGS_LAYER: lambda g: g["osm_id"].astype(str).isin(homes),
        ROADS_LAYER: lambda g: g["fclass"].isin(list(road_classes)),
        PLACES_LAYER: lambda g: g["fclass"].isin(list(PLACE_CLASSES)),
    }
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.unlink(missing_ok=True)
    counts = {}
    for layer, keep in layers.items():
        gdf = gpd.read_file(src, layer=layer)
        kept = gdf[keep(gdf).to_numpy()]
        kept.to_file(
            dst, layer=layer, driver="GPKG", engine="pyogrio", layer_options={"SPATIAL_INDEX": "NO"}
        )
        counts[layer] = len(kept)
    return counts


def reduce_demo_data(source: Path, out: Path) -> list[str]:
    """Reduce the full data in ``source`` into ``out``; one line of report per output file."""
    missing = [
        str(source / rel)
        for rel in (SOURCE_PBF, SOURCE_SHAPEFILES, *COPIED)
        if not (source / rel).is_file()
    ]
    if missing:
        raise FileNotFoundError("source files not found: " + ", ".join(missing))
    lines = []
    roads = reduce_pbf(source / SOURCE_PBF, out / ROADS_PBF)
    lines.append(
        f"{ROADS_PBF}: {roads.ways_kept:,} of {roads.ways_read:,} ways, {roads.nodes_kept:,} nodes"
    )
    counts = reduce_shapefiles(source / SOURCE_SHAPEFILES, out / HOMES_GPKG)
    lines.append(f"{HOMES_GPKG}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    for rel in COPIED:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, out / rel)
        lines.append(f"{rel}: copied")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    lines.append(f"total in {out}: {total:,} bytes")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--source`` full data folder, ``--out`` the demo data folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("data"))
    args = parser.parse_args(argv)
    try:
        lines = reduce_demo_data(args.source, args.out)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
