"""The UI's building blocks on tiny hand-made inputs: map layers, selection, attribution, launch."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
from shapely.geometry import MultiPolygon, box

from ui import components, map_layers
from ui.launch import APP_PATH, streamlit_command


def _areas() -> gpd.GeoDataFrame:
    """Two small areas; A2 is in two parts (an island), as some coastal LSOAs are."""
    return gpd.GeoDataFrame(
        {
            "area_code": ["A1", "A2"],
            "area_name": ["Town", "Village"],
            "geometry": [box(0, 0, 1, 1), MultiPolygon([box(1, 0, 2, 1), box(3, 0, 4, 1)])],
        },
        crs="EPSG:4326",
    )


def _table() -> pd.DataFrame:
    return pd.DataFrame({"area_code": ["A1", "A2"], "zone_id": ["Z1", "Z2"]})


def test_area_shapes_keep_every_part_with_its_zone_colour() -> None:
    """Each polygon part is its own row, tagged with the area code (what a click returns)."""
    shapes = map_layers.area_shapes(_areas(), _table(), {"Z1": "North", "Z2": "South"})
    assert list(shapes["area_code"]) == ["A1", "A2", "A2"]
    assert shapes.loc[1, "fill"] == shapes.loc[2, "fill"] != shapes.loc[0, "fill"]
    assert "South" in shapes.loc[1, "tip"]


def test_zone_colours_do_not_depend_on_row_order() -> None:
    """A zone keeps its colour when the table is reordered by an edit."""
    assert map_layers.zone_colours(["Z2", "Z1"]) == map_layers.zone_colours(["Z1", "Z2"])


def test_selected_area_code_reads_only_the_areas_layer() -> None:
    """A click on an area gives its code; clicks on people, offices or nothing give None."""
    area_click = {"selection": {"objects": {"areas": [{"area_code": "A2"}]}}}
    person_click = {"selection": {"objects": {"people": [{"tip": "P1"}]}}}
    assert components.selected_area_code(area_click) == "A2"
    assert components.selected_area_code(person_click) is None
    assert components.selected_area_code({"selection": {"objects": {}}}) is None
    assert components.selected_area_code(None) is None


def test_zone_map_draws_no_tiles_from_the_internet() -> None:
    """The deck has no base-map style or provider: roads are the base map, so it works offline."""
    areas = _areas()
    deck = components.zone_map(
        network=map_layers.road_paths(
            pd.DataFrame({"path": [[[0.0, 0.0], [1.0, 1.0]]], "highway": ["primary"]})
        ),
        shapes=map_layers.area_shapes(areas, _table(), {}),
        outlines=pd.DataFrame({"zone_id": ["Z1"], "path": [[[0.0, 0.0], [1.0, 0.0]]]}),
        people=pd.DataFrame({"lon": [0.5], "lat": [0.5], "colour": [[0, 0, 0]], "tip": ["P1"]}),
        offices=pd.DataFrame({"lon": [0.2], "lat": [0.2], "tip": ["Office"]}),
        areas=areas,
        selected_area="A1",
    )
    spec = json.loads(deck.to_json())
    assert spec.get("mapStyle") in (None, "__MAP_STYLE__")
    assert "mapProvider" not in spec
    assert "http" not in deck.to_json()
    assert components.AREAS_LAYER in [layer["id"] for layer in spec["layers"]]


def test_main_roads_are_drawn_wider() -> None:
    """Trunk and primary roads are wider than residential streets; unknown classes get a width."""
    roads = map_layers.road_paths(
        pd.DataFrame(
            {"path": [[[0, 0], [1, 1]]] * 3, "highway": ["trunk", "residential", "primary_link"]}
        )
    )
    assert roads.loc[0, "width"] > roads.loc[2, "width"] > roads.loc[1, "width"] > 0


def test_attribution_names_openstreetmap_and_the_boundaries() -> None:
    """Without the data layer's text, the standard OSM (ODbL) and ONS/OS lines are shown."""
    text = " ".join(components.attribution_lines(""))
    assert "© OpenStreetMap contributors" in text and "ODbL" in text
    assert "Office for National Statistics" in text and "OS data" in text


def test_text_table_formats_mixed_columns() -> None:
    """Figures and statuses in one column become text (Arrow cannot show mixed columns)."""
    table = pd.DataFrame({"run": [1.23456, "OPTIMAL", None, True]})
    assert list(components.text_table(table)["run"]) == ["1.23", "OPTIMAL", "-", "yes"]


def test_launch_serves_headless_on_localhost() -> None:
    """`homecare ui` runs `streamlit run ui/app.py` headless, bound to 127.0.0.1 on the port."""
    command = streamlit_command(port=8765)
    assert str(APP_PATH) in command and APP_PATH.is_file()
    joined = " ".join(command)
    assert "--server.headless true" in joined
    assert "--server.address 127.0.0.1" in joined
    assert "--server.port 8765" in joined


def _page_that_hits_an_infeasible_model() -> None:
    import streamlit as st

    from optimiser.errors import InfeasibleError
    from ui import components

    with components.stop_on_error("Running the scenario"):
        raise InfeasibleError("provider 'PRV-B': packages that must stay need 688 h")
    st.write("not reached")


def test_project_errors_show_on_the_page_not_as_a_traceback() -> None:
    """An error from the service is shown as a plain-English message with its text (never a
    Python class name), and the page stops."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_page_that_hits_an_infeasible_model, default_timeout=30).run()
    assert not at.exception
    assert (
        "Running the scenario did not succeed: no assignment can meet the rules."
        in at.error[0].value
    )
    assert "Error" not in at.error[0].value
    assert "PRV-B" in at.code[0].value
    assert not [m for m in at.markdown if "not reached" in m.value]


def test_simplified_roads_keep_small_networks_and_thin_large_ones_by_class() -> None:
    """A network within the limit is drawn whole; above it only the most important classes
    that fit are kept (here motorway and primary: three streets for a limit of three)."""
    network = pd.DataFrame(
        {
            "path": [[[0, 0], [1, 1]]] * 6,
            "highway": ["motorway", "primary", "primary_link", "residential", "service", "x"],
        }
    )
    assert map_layers.simplified_roads(network, max_paths=6) is network
    thin = map_layers.simplified_roads(network, max_paths=3)
    assert list(thin["highway"]) == ["motorway", "primary", "primary_link"]


def test_a_change_smaller_than_the_gap_is_marked_within_solver_tolerance() -> None:
    """With a 10% unmet-stage gap on 180 unmet hours (about 18 h open), an edit that moves
    unmet hours by 3.5 h is marked within solver tolerance; 25 h is not; a travel change is
    never marked (the unmet stage's gap says nothing about it)."""
    from optimiser import service

    summary = {
        "solver": {"max_deterministic_time": 0.1, "workers": 1},
        "unmet_stage_gap_pct": 10.0,
        "unmet_hours": 180.0,
    }
    quality = service.solve_quality(summary)
    assert quality.quick and quality.label() == "quick estimate: budget 0.1, gap 10.0%"
    unmet, travel = components.ZONE_KPIS[0], components.ZONE_KPIS[2]
    text, noise = components.kpi_delta(unmet, 180.0, 183.5, quality)
    assert noise and text == "-3.5 h (within solver tolerance)"
    assert components.kpi_delta(unmet, 180.0, 205.0, quality) == ("-25.0 h", False)
    assert components.kpi_delta(travel, 11.0, 11.5, quality)[1] is False
    full = service.solve_quality({**summary, "solver": {"max_deterministic_time": 4.0}})
    assert not full.quick and full.label().startswith("full solve")


def test_the_care_split_names_each_group_with_people_and_hours() -> None:
    """Unmet hours split by who is left without care: current clients are never merged with
    the waiting list; a summary without the split says so instead of showing zeros."""
    summary = {
        "current_clients_without_care": {"people": 2, "hours": 17.5},
        "waiting_not_placed": {"people": 10, "hours": 152.25},
        "hospital_discharge_not_placed": {"people": 0, "hours": 0.0},
    }
    assert components.care_split_text(summary) == (
        "Left without care: current clients losing care 2 (17.5 h), waiting list not placed "
        "10 (152.2 h), hospital discharge not placed 0 (0.0 h)."
    )
    assert components.care_split_text({}) == "Left without care: not reported."
