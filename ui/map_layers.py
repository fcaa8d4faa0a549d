"""Map layers' data built from an area: zone colours, small-area shapes, roads (as JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pydeck as pdk

#: A qualitative palette (colour-blind friendly, Okabe-Ito plus extras) for zones [RGB].
_PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (117, 112, 179),
    (102, 166, 30),
    (166, 118, 29),
    (231, 41, 138),
    (102, 102, 102),
)


def zone_colours(zone_ids: Iterable[str]) -> dict[str, list[int]]:
    """A fixed colour per zone id (sorted order, so a zone keeps its colour across edits)."""
    return {z: list(_PALETTE[i % len(_PALETTE)]) for i, z in enumerate(sorted(set(zone_ids)))}


def exterior_rings(geometry: Any) -> list[list[list[float]]]:
    """Exterior rings of a (multi)polygon as lists of [lon, lat] (rounded to ~1 m)."""
    polygons = getattr(geometry, "geoms", [geometry])
    rings = []
    for polygon in polygons:
        exterior = getattr(polygon, "exterior", None)
        if exterior is None:
            continue
        rings.append([[round(x, 5), round(y, 5)] for x, y in exterior.coords])
    return rings


def area_shapes(areas: Any, table: pd.DataFrame, zone_names: Mapping[str, str]) -> pd.DataFrame:
    """One row per polygon part of each small area, with its zone and colour, for the map."""
    zone_of = dict(zip(table["area_code"], table["zone_id"], strict=False))
    colours = zone_colours(table["zone_id"].unique())
    rows = []
    for record in areas.itertuples(index=False):
        code = str(record.area_code)
        zone = str(zone_of.get(code, ""))
        rgb = colours.get(zone, [200, 200, 200])
        name = str(getattr(record, "area_name", code))
        for ring in exterior_rings(record.geometry):
            rows.append(
                {
                    "area_code": code,
                    "area_name": name,
                    "zone_id": zone,
                    "polygon": ring,
                    "fill": [*rgb, 110],
                    "tip": f"{name} ({code})\nzone {zone_names.get(zone, zone) or 'none'}",
                }
            )
    return pd.DataFrame(rows)


#: Drawn width of roads by OSM class [m] (other classes: ``_ROAD_WIDTH_DEFAULT_M``).
_ROAD_WIDTH_M = {
    "motorway": 60.0,
    "trunk": 50.0,
    "primary": 40.0,
    "secondary": 30.0,
    "tertiary": 20.0,
}
_ROAD_WIDTH_DEFAULT_M = 10.0


#: Road classes from the most to the least important, for thinning a county-size base map.
_ROAD_RANK = ("motorway", "trunk", "primary", "secondary", "tertiary", "unclassified")
#: At most this many streets go into the map's base layer; the demo (about 3,000) keeps all.
MAX_ROAD_PATHS = 8000


def _road_class(highway: Any) -> str:
    return str(highway).split(",")[0].strip("[]' ").removesuffix("_link")


def simplified_roads(network: pd.DataFrame, *, max_paths: int = MAX_ROAD_PATHS) -> pd.DataFrame:
    """The streets a base map draws: all of them up to ``max_paths``, else only the most
    important road classes that fit (motorways first; minor roads dropped at county size,
    where they are too small to see at the zoom that shows the whole county)."""
    if len(network) <= max_paths or "highway" not in network.columns:
        return network
    rank = network["highway"].map(
        lambda h: _ROAD_RANK.index(c) if (c := _road_class(h)) in _ROAD_RANK else len(_ROAD_RANK)
    )
    keep = 0
    for level in range(len(_ROAD_RANK)):
        if int((rank <= level).sum()) > max_paths:
            break
        keep = level
    return network[rank <= keep].reset_index(drop=True)


def road_paths(network: pd.DataFrame) -> pd.DataFrame:
    """The road network as paths with a drawn width: main roads wider, so towns read clearly."""
    classes = network["highway"] if "highway" in network.columns else pd.Series("", network.index)
    width = [
        _ROAD_WIDTH_M.get(str(c).split(",")[0].strip("[]' ").removesuffix("_link"), 0.0)
        or _ROAD_WIDTH_DEFAULT_M
        for c in classes
    ]
    return pd.DataFrame({"path": network["path"], "width": width})


def road_rows_json(network: pd.DataFrame) -> bytes:
    """The road paths (``road_paths``) as the JSON array deck.gl reads a layer's data from:
    one ``{"path": [[lon, lat], ...], "width": m}`` per street (served once, by URL)."""
    rows = [
        {"path": path, "width": float(width)}
        for path, width in zip(network["path"], network["width"], strict=True)
    ]
    return json.dumps(rows, separators=(",", ":")).encode()


def road_layer_json(network: pd.DataFrame | str) -> str:
    """The road network's deck.gl layer as compact JSON, built once per area (``ui.cache``)
    and spliced into every map of that area unchanged (see ``zone_map``). ``network`` is the
    roads table (its paths inline) or the URL of ``road_rows_json`` served by the app: the
    browser then fetches the roads once and, since the layer's data (the URL) does not
    change, deck.gl keeps them across reruns instead of being sent and redrawing them."""
    layer = pdk.Layer(
        "PathLayer",
        data=network,
        id="roads",
        get_path="path",
        get_color=[90, 90, 90, 170],
        get_width="width",
        width_min_pixels=1,
        pickable=False,
    )
    spec = json.loads(pdk.Deck(layers=[layer], map_provider=None).to_json())
    return json.dumps(spec["layers"][0], separators=(",", ":"))
