"""Where data files are found: $HOMECARE_DATA_DIR first, then the shipped data/, then ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimiser import service
from optimiser.data import config, locations
from optimiser.demo.params import default_params
from optimiser.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED = REPO_ROOT / "data"
#: A national file that is never shipped (ONS population-weighted LSOA centroids).
CENTROIDS = "geo/uk/lsoa_latlong.csv"


def _demo_files() -> list[str]:
    """The data-folder files the demo generator reads (configs/demand_rutland.toml [data])."""
    paths = default_params().data
    return [
        paths.lsoa_boundaries,
        paths.lsoa2011_boundaries,
        paths.census_age,
        paths.deprivation,
        paths.osm_shapefiles,
    ]


def _touch(folder: Path, rel: str) -> Path:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("x")
    return path


def test_shipped_data_holds_every_demo_file() -> None:
    """data/ ships the demo's road network and every file the demo generator reads."""
    assert locations.shipped_data_dir() == SHIPPED
    for rel in [locations.DEMO_NETWORK, *_demo_files()]:
        assert (SHIPPED / rel).is_file(), rel


def test_unset_variable_searches_shipped_then_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without HOMECARE_DATA_DIR: the shipped data first, then ../shared/data for the rest."""
    monkeypatch.delenv(locations.ENV_VAR, raising=False)
    shared = REPO_ROOT.parent / "shared" / "data"
    assert locations.search_dirs() == (SHIPPED, shared)
    assert locations.national_data_dir() == shared == config.data_dir()
    assert locations.data_file(locations.DEMO_NETWORK) == SHIPPED / locations.DEMO_NETWORK
    assert locations.folder_holding(_demo_files()) == SHIPPED
    assert service.default_network_path() == SHIPPED / locations.DEMO_NETWORK


def test_variable_wins_file_by_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With HOMECARE_DATA_DIR set, a file there replaces the shipped one; others stay shipped,
    and ../shared/data is no longer searched."""
    monkeypatch.setenv(locations.ENV_VAR, str(tmp_path))
    assert locations.search_dirs() == (tmp_path, SHIPPED)
    assert locations.national_data_dir() == tmp_path
    own = _touch(tmp_path, locations.DEMO_NETWORK)
    assert locations.data_file(locations.DEMO_NETWORK) == own
    census = default_params().data.census_age
    assert locations.data_file(census) == SHIPPED / census
    central = _touch(tmp_path, CENTROIDS)
    assert locations.data_file(CENTROIDS) == central


def test_files_read_together_come_from_one_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's boundaries, census and OSM layers come from HOMECARE_DATA_DIR only if it
    holds them all; a folder with some of them leaves the demo on the shipped set."""
    monkeypatch.setenv(locations.ENV_VAR, str(tmp_path))
    files = _demo_files()
    for rel in files[:-1]:
        _touch(tmp_path, rel)
    assert locations.folder_holding(files) == SHIPPED
    _touch(tmp_path, files[-1])
    assert locations.folder_holding(files) == tmp_path


def test_missing_national_file_names_file_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A national file found nowhere: the error names the file, the folders searched and the
    environment variable, set or not."""
    monkeypatch.setenv(locations.ENV_VAR, str(tmp_path))
    with pytest.raises(locations.DataNotFoundError) as err:
        locations.data_file(CENTROIDS, what="LSOA centroids")
    text = str(err.value)
    assert CENTROIDS in text and "LSOA centroids not found" in text
    assert str(tmp_path) in text and str(SHIPPED) in text
    assert f"{locations.ENV_VAR} is set to {tmp_path}" in text

    monkeypatch.delenv(locations.ENV_VAR)
    with pytest.raises(locations.DataNotFoundError, match=f"{locations.ENV_VAR} is not set"):
        locations.data_file("geo/uk/no_such_file.csv")
    with pytest.raises(locations.DataNotFoundError, match=r"no_such_file\.csv"):
        locations.folder_holding(["geo/uk/no_such_file.csv", locations.DEMO_NETWORK])


def test_config_data_dir_variable_follows_the_lookup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``${data_dir}/...`` in a scenario names the first folder holding the file; a file in no
    folder is reported with the folders searched and the variable to set."""
    monkeypatch.setenv(locations.ENV_VAR, str(tmp_path / "own"))
    text = (
        '[scenario]\nname = "x"\n[inputs]\ndemo = true\n'
        'network = "${data_dir}/osm/rutland-roads.osm.pbf"\n'
    )
    cfg = config.scenario_from_toml(text, base_dir=tmp_path)
    assert cfg.network == SHIPPED / locations.DEMO_NETWORK
    own = _touch(tmp_path / "own", locations.DEMO_NETWORK)
    assert config.scenario_from_toml(text, base_dir=tmp_path).network == own

    missing = text.replace("rutland-roads", "elsewhere")
    (tmp_path / "s.toml").write_text(missing)
    with pytest.raises(ConfigError, match=f"file not found.*set {locations.ENV_VAR}"):
        config.load_scenario(tmp_path / "s.toml")
