"""A real two-worker Dask cluster for the stress tests (processes, one thread each)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from optimiser.parallel import DaskRunner


@pytest.fixture(scope="session")
def dask_runner() -> Iterator[DaskRunner]:
    """Two local worker processes with one thread each (tasks and data cross processes)."""
    runner = DaskRunner(n_workers=2, threads_per_worker=1)
    try:
        yield runner
    finally:
        runner.close()
