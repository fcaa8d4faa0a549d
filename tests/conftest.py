"""Shared fixtures: the demo data shipped in data/, and the national and benchmark data folder.

Demo-area tests use ``demo_data`` (always present: it ships with the project). Tests that need
national or benchmark data use ``shared_data`` and skip, naming what is missing, when it is
absent, except in CI (environment variable ``CI`` set), where absence fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from optimiser.data import locations

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"


def missing_data(message: str) -> None:
    """Skip a test whose national or benchmark data is absent; fail instead in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (required in CI)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def demo_data() -> Path:
    """The Rutland demo data shipped in data/ (data/SOURCES.md)."""
    path = locations.shipped_data_dir()
    assert path.is_dir(), f"the shipped demo data folder {path} is missing"
    return path


@pytest.fixture(scope="session")
def rutland_pbf(demo_data: Path) -> Path:
    """The demo area's road network: Rutland's drivable ways, reduced from Geofabrik's extract."""
    return demo_data / locations.DEMO_NETWORK


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The national and benchmark data folder ($HOMECARE_DATA_DIR, else ../shared/data)."""
    path = locations.national_data_dir()
    if not path.is_dir():
        missing_data(
            f"national and benchmark data folder not found at {path} "
            f"(set {locations.ENV_VAR} or put it in ../shared/data)"
        )
    return path


@pytest.fixture(scope="session")
def shared_path(shared_data: Path) -> Callable[[str, str], Path]:
    """A finder for one file or folder of national or benchmark data, by relative path."""

    def find(rel: str, what: str) -> Path:
        path = shared_data / rel
        if not path.exists():
            missing_data(f"{what} not found at {path} (set {locations.ENV_VAR} to a data folder)")
        return path

    return find


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Tiny hand-made fixtures kept in the repo (tests/data)."""
    return TEST_DATA
