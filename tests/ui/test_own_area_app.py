"""The app on an area of one's own: `homecare ui CONFIG` opens it, the Your area page opens a
config or uploaded files (problems listed, the last good area kept), and every page works on it.

The area is the Leeds example (examples/leeds: made-up people on the ITS Leeds OSM extract,
which is not shipped, so these tests skip without ../shared/data).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import launch

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "ui" / "app.py"
LEEDS = ROOT / "examples" / "leeds"
CONFIG = LEEDS / "leeds.toml"
TIMEOUT_S = 120
PAGES = ("zones", "scenarios", "equity", "resilience", "brokerage", "finance", "area")


@pytest.fixture
def leeds_network(shared_path: Callable[[str, str], Path]) -> Path:
    """The ITS Leeds OSM extract the example's config names (skips when it is absent)."""
    return shared_path("osm/its-example-leeds.osm.pbf", "the ITS Leeds OSM extract")


@pytest.fixture
def leeds_app(leeds_network: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app started as `homecare ui examples/leeds/leeds.toml` starts it (the variable)."""
    monkeypatch.setenv(launch.CONFIG_ENV_VAR, str(CONFIG))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, at.exception
    return at


def _text(at: AppTest) -> str:
    parts = [c.value for c in at.caption] + [m.value for m in at.markdown]
    return "\n".join(parts + [e.value for e in at.error] + [s.value for s in at.success])


def _problem_messages(at: AppTest) -> str:
    return "\n".join(
        "\n".join(map(str, f.value["message"])) for f in at.dataframe if "message" in f.value
    )


def test_every_page_works_on_the_config_area(leeds_app: AppTest) -> None:
    """Started with the Leeds config, the Zones page shows Leeds (12 people, not Rutland's),
    and every page runs on that area without an error."""
    assert "Leeds ITS streets (made-up people): 12 people" in _text(leeds_app)
    assert "Rutland" not in _text(leeds_app)
    options = leeds_app.selectbox(key="zones_area").options
    assert sorted(o.split()[0] for o in options) == ["MADEUP-E", "MADEUP-W"]
    for page in PAGES:
        leeds_app.switch_page(f"views/{page}.py").run()
        assert not leeds_app.exception, (page, leeds_app.exception)
        assert not leeds_app.error, (page, [e.value for e in leeds_app.error])
    assert "Open now: **Leeds ITS streets (made-up people)**" in _text(leeds_app)


def _upload_leeds(at: AppTest, network: Path, **replace: tuple[str, bytes]) -> AppTest:
    """Fill the upload form with the Leeds files (``replace`` swaps some) and submit it."""
    files = {
        role: (name, (LEEDS / name).read_bytes())
        for role, name in (
            ("packages", "packages.csv"),
            ("providers", "providers.csv"),
            ("zones", "zones.csv"),
            ("areas", "areas.geojson"),
        )
    }
    files.update(replace)
    for role, (name, data) in files.items():
        at.file_uploader(key=f"area_{role}").set_value((name, data, "application/octet-stream"))
    at.text_input(key="area_name").set_value("Uploaded Leeds")
    at.text_input(key="area_code_field").set_value("area_code")
    at.text_input(key="area_network").set_value(str(network))
    at.button[-1].click()  # the form's submit button
    return at.run()


def test_bad_uploads_are_all_listed_and_the_last_area_stays(
    leeds_app: AppTest, leeds_network: Path
) -> None:
    """Uploads with a broken packages row and a missing network file list both problems at
    once; nothing is opened and every page still shows the area that was open."""
    leeds_app.switch_page("views/area.py").run()
    packages = (LEEDS / "packages.csv").read_text().replace(",5.25,", ",500,", 1)
    _upload_leeds(
        leeds_app,
        leeds_network.with_name("no-such-extract.osm.pbf"),
        packages=("packages.csv", packages.encode()),
    )
    assert not leeds_app.exception, leeds_app.exception
    messages = _problem_messages(leeds_app)
    assert "weekly contact hours" in messages and "no such file" in messages
    assert "Leeds ITS streets (made-up people) stays open" in _text(leeds_app)
    leeds_app.switch_page("views/zones.py").run()
    assert "Leeds ITS streets (made-up people): 12 people" in _text(leeds_app)


def test_uploaded_zone_polygons_open_an_area_every_page_uses(
    leeds_app: AppTest, leeds_network: Path
) -> None:
    """The same files uploaded, with the zones as polygons without area codes (the small
    areas' own outlines), open as a new area; the Zones page then works on it."""
    leeds_app.switch_page("views/area.py").run()
    polygons = (
        (LEEDS / "areas.geojson")
        .read_text()
        .replace(
            '"area_code": "MADEUP-W"',
            '"zone_id": "Z-WEST", "kind": "neighbourhood", "lead_providers": "PV-A"',
        )
        .replace(
            '"area_code": "MADEUP-E"',
            '"zone_id": "Z-EAST", "kind": "neighbourhood", "lead_providers": "PV-B"',
        )
        .replace('"area_name"', '"name"')
    )
    _upload_leeds(leeds_app, leeds_network, zones=("zones.geojson", polygons.encode()))
    assert not leeds_app.exception, leeds_app.exception
    assert "Opened Uploaded Leeds." in _text(leeds_app)
    assert "Open now: **Uploaded Leeds** (from uploads (packages.csv" in _text(leeds_app)
    leeds_app.switch_page("views/zones.py").run()
    assert not leeds_app.exception, leeds_app.exception
    assert "Uploaded Leeds: 12 people" in _text(leeds_app)
    assert all(value != "n/a" for value in (m.value for m in leeds_app.metric))


def test_a_config_typed_on_the_area_page_opens_and_a_bad_one_is_refused(
    leeds_app: AppTest, tmp_path: Path
) -> None:
    """A config path typed on the Your area page opens its area; a config with a misspelt key
    is refused with the loader's message and the open area stays."""
    leeds_app.switch_page("views/area.py").run()
    bad = tmp_path / "bad.toml"
    bad.write_text(CONFIG.read_text().replace("area_code_field", "area_code_feild"))
    leeds_app.text_input(key="area_config_path").set_value(str(bad))
    leeds_app.button(key="area_open_config").click().run()
    assert not leeds_app.exception, leeds_app.exception
    assert "area_code_feild" in _problem_messages(leeds_app)
    assert "stays open" in _text(leeds_app)
    leeds_app.text_input(key="area_config_path").set_value(str(CONFIG))
    leeds_app.button(key="area_open_config").click().run()
    assert f"(from the config {CONFIG})" in _text(leeds_app)


def test_launch_passes_the_config_as_an_absolute_path(tmp_path: Path) -> None:
    """`homecare ui CONFIG` hands the app the config's absolute path in HOMECARE_UI_CONFIG;
    without a config an inherited variable is dropped, so the demo opens."""
    env = launch.app_environment(Path("examples/leeds/leeds.toml"), {"PATH": "x"})
    assert env[launch.CONFIG_ENV_VAR] == str(Path("examples/leeds/leeds.toml").resolve())
    assert launch.CONFIG_ENV_VAR not in launch.app_environment(None, dict(env))


def test_launch_refuses_a_broken_config_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A config with problems is reported (the loader's message) and the server never starts."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n[inputs]\ndemo = false\n')
    monkeypatch.setattr(launch.subprocess, "call", lambda *a, **k: pytest.fail("started"))
    assert launch.main([str(bad)]) == 2
    err = capsys.readouterr().err
    assert "inputs.packages" in err and "inputs.area_code_field" in err
