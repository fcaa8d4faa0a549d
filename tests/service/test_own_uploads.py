"""An own area from uploaded bytes: the same checked readers and the same area as a config's
files, every problem of every upload and of the network path at once, nothing written to disk.

The fixture is the end-to-end corpus's made-up area (tests/data/e2e/_area: a hand-made street
grid near Oakham, small areas A1 west and A2 east, zones Z1 and Z2 led by R1 and R2, four
packages), so it runs anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optimiser import service
from optimiser.data import config as cfgmod
from optimiser.errors import InputError
from optimiser.service.own_tables import UploadedFile, read_own_inputs

AREA = Path(__file__).resolve().parents[1] / "data" / "e2e" / "_area"


def _upload(name: str, text: str | None = None) -> UploadedFile:
    data = (AREA / name).read_bytes() if text is None else text.encode()
    return UploadedFile(name, data)


def _uploads(**replace: UploadedFile) -> dict[str, UploadedFile]:
    files = {
        "packages": _upload("packages.csv"),
        "providers": _upload("providers.csv"),
        "zones": _upload("zones.csv"),
        "areas": _upload("areas.geojson"),
    }
    return {**files, **replace}


def test_uploads_give_the_same_area_as_the_files() -> None:
    """Uploaded bytes load into the same packages, providers, zone table and small areas as
    the same files named in a config (one reader path for both)."""
    from_files = service.load_user_area(
        cfgmod.ScenarioConfig(
            scenario=service.demo_scenario("zoned"),
            network=AREA / "roads.osm",
            packages=AREA / "packages.csv",
            providers=AREA / "providers.csv",
            zones=AREA / "zones.csv",
            areas=AREA / "areas.geojson",
            area_code_field="code",
        )
    )
    uploaded = service.load_uploaded_area(
        name="uploaded", network=str(AREA / "roads.osm"), area_code_field="code", **_uploads()
    )
    assert uploaded.packages == from_files.packages
    assert uploaded.providers == from_files.providers
    assert uploaded.zone_table.equals(from_files.zone_table)
    assert list(uploaded.areas["area_code"]) == list(from_files.areas["area_code"])
    assert uploaded.name == "uploaded"


def test_every_problem_of_every_upload_and_the_network_at_once(tmp_path: Path) -> None:
    """A packages row with impossible hours, an empty providers upload, a zones table naming
    an unknown area and a network path that is not there: one InputError names all four
    (the zones check needs the providers, so it reports the area code it can check)."""
    packages = (AREA / "packages.csv").read_text().splitlines()
    header, first = packages[0], packages[1].split(",")
    hours = header.split(",").index("weekly_hours")
    first[hours] = "500"
    zones = (AREA / "zones.csv").read_text().replace(",A2,", ",A9,")
    before = set(os.listdir(tmp_path))
    with pytest.raises(InputError) as caught:
        service.load_uploaded_area(
            name="broken",
            network=str(tmp_path / "missing.osm.pbf"),
            area_code_field="code",
            **_uploads(
                packages=UploadedFile(
                    "packages.csv", "\n".join([header, ",".join(first)]).encode()
                ),
                providers=UploadedFile("providers.csv", b""),
                zones=UploadedFile("zones.csv", zones.encode()),
            ),
        )
    found = {(p.source, p.field) for p in caught.value.problems}
    assert ("packages.csv", "weekly_hours") in found
    assert ("providers.csv", None) in found
    assert ("network", "path") in found
    assert any(p.source == "zones.csv" and "A9" in p.message for p in caught.value.problems)
    assert set(os.listdir(tmp_path)) == before  # nothing written beside the inputs


def test_zone_polygons_without_codes_read_from_an_upload() -> None:
    """Zones uploaded as polygons without area codes (the areas' own outlines, as hand-drawn
    zones might be) become the zone table by overlap, as a config's polygon file does."""
    import geopandas as gpd

    areas = gpd.read_file(AREA / "areas.geojson")
    zones = gpd.GeoDataFrame(
        {"zone_id": ["Z1", "Z2"], "kind": ["neighbourhood"] * 2, "lead_providers": ["R1", "R2"]},
        geometry=list(areas.sort_values("code").geometry),
        crs=areas.crs,
    )
    own = read_own_inputs(
        area_code_field="code",
        **_uploads(zones=UploadedFile("zones.geojson", zones.to_json(drop_id=True).encode())),
    )
    assert dict(zip(own.zone_table["area_code"], own.zone_table["zone_id"], strict=True)) == {
        "A1": "Z1",
        "A2": "Z2",
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "give the path"),  # nothing typed
        ("Leeds, England", "is not a network file"),  # a place name: not in the web app
        ("/nowhere/roads.osm.pbf", "no such file"),  # a network file that is not there
    ],
)
def test_network_path_problems_name_what_is_wrong(path: str, expected: str) -> None:
    """A typed network path that cannot be used is one problem saying why."""
    (problem,) = service.network_file_problems(path)
    assert expected in problem.message
