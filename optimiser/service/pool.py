"""Run independent solves in a process pool, one CPU per task, with a progress bar on stderr.

The stand-in for the parallel engine (``optimiser.parallel``, Dask) until rounds move onto it:
:func:`process_map` has the shape of ``carer_rounds.SolveMap`` (``fn`` must be picklable: a
module-level function or a ``functools.partial`` of one; items are plain data), so swapping
the engine changes this one function.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TextIO


def progress_bar(done: int, total: int, start: float, *, label: str, out: TextIO) -> None:
    """One line of a text progress bar: ``label [#####.....] done/total elapsed s``."""
    width = 30
    filled = width * done // max(total, 1)
    bar = "#" * filled + "." * (width - filled)
    end = "\n" if done == total else "\r"
    out.write(f"{label} [{bar}] {done}/{total} {time.perf_counter() - start:6.1f} s{end}")
    out.flush()


def process_map(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int | None = None,
    label: str = "rounds",
    out: TextIO | None = sys.stderr,
) -> list[Any]:
    """``[fn(x) for x in items]``, computed in ``workers`` processes (default: all CPUs), in
    the input order; ``out`` None hides the progress bar."""
    workers = max(1, workers or os.cpu_count() or 1)
    start = time.perf_counter()
    if not items:
        return []
    chunk = max(1, len(items) // (workers * 8))
    results = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, result in enumerate(pool.map(fn, items, chunksize=chunk), start=1):
            results.append(result)
            if out is not None and (done == len(items) or done % max(1, len(items) // 100) == 0):
                progress_bar(done, len(items), start, label=label, out=out)
    return results
