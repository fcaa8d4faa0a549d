"""Shared fixtures: where the real data lives, and skipping cleanly where it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_DATA = Path(__file__).resolve().parent / "data"


def _shared_data_dir() -> Path:
    env = os.environ.get("HOMECARE_DATA_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real data folder (../shared/data or $HOMECARE_DATA_DIR); skip if it is absent."""
    path = _shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data folder not found at {path} (set HOMECARE_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def rutland_pbf(shared_data: Path) -> Path:
    """The OpenStreetMap extract of Rutland, the demo area."""
    path = shared_data / "osm" / "rutland-latest.osm.pbf"
    if not path.is_file():
        pytest.skip(f"Rutland extract not found at {path}")
    return path


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Tiny hand-made fixtures kept in the repo (tests/data)."""
    return TEST_DATA
