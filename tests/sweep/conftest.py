"""A real two-worker Dask cluster (processes, one thread each), started once and closed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from optimiser.parallel import DaskRunner


@pytest.fixture(scope="session")
def dask_runner() -> Iterator[DaskRunner]:
    """Two local worker processes with one thread each: the product's default engine, small.

    Interesting because tasks, their shared data and their results cross process boundaries
    (pickled in memory), as they would between machines.
    """
    runner = DaskRunner(n_workers=2, threads_per_worker=1)
    try:
        yield runner
    finally:
        runner.close()
