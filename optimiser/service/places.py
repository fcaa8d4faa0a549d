"""Town and village names of an area from the offline OSM extract, for labels on maps."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from optimiser.data import locations
from optimiser.service.areas import AreaData

#: The shipped OSM extract holding the demo's place points, and its layer of places.
DEMO_PLACES = "osm/rutland-homes.gpkg"
PLACES_LAYER = "gis_osm_places_free_1"
#: OSM place classes labelled on maps, largest first (hamlets are left out: too many).
PLACE_KINDS: tuple[str, ...] = ("town", "village")
PLACE_COLUMNS = ("name", "kind", "lon", "lat")


def place_names(area: AreaData, *, kinds: tuple[str, ...] = PLACE_KINDS) -> pd.DataFrame:
    """Places of ``kinds`` inside ``area``'s small areas: name, kind (OSM ``fclass``), lon and
    lat [degrees, EPSG:4326]; towns first. Empty when the extract is not there (nothing is
    fetched from the internet)."""
    try:
        path = locations.data_file(DEMO_PLACES, what="OSM places")
    except locations.DataNotFoundError:
        return pd.DataFrame(columns=list(PLACE_COLUMNS))
    places = gpd.read_file(path, layer=PLACES_LAYER).to_crs("EPSG:4326")
    places = places[places["fclass"].isin(kinds) & places["name"].fillna("").ne("")]
    inside = places.geometry.within(area.areas.to_crs("EPSG:4326").union_all())
    places = places[inside]
    frame = pd.DataFrame(
        {
            "name": places["name"].astype(str),
            "kind": places["fclass"].astype(str),
            "lon": places.geometry.x.round(5),
            "lat": places.geometry.y.round(5),
        }
    )
    order = {k: i for i, k in enumerate(kinds)}
    return frame.sort_values(
        ["kind", "name"], key=lambda c: c.map(order) if c.name == "kind" else c
    )[list(PLACE_COLUMNS)].reset_index(drop=True)
