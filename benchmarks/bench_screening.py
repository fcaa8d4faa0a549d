"""Benchmark: the national screening (every council, spot and zoned, small budget) on Dask.

Runs the product's own path (``optimiser.screening.screen``) on a local Dask cluster of
``--workers`` processes into a fresh folder, then reruns the ``--check`` smallest councils
inline and compares their figure columns with the Dask rows (wall-clock columns left out).
Every figure is a screening estimate. Last line::

    RESULT councils=<n> tasks=<n> wall_s=<s> failed=<n> identical_inline=<true|false|unchecked>

Usage: ``python benchmarks/bench_screening.py [--councils N] [--workers 2] [--budget 0.5]
[--check 3] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from optimiser.data.locations import national_data_dir
from optimiser.parallel import DaskRunner, InlineRunner
from optimiser.screening import OPTIONS, ScreenSettings, screen
from optimiser.screening.councils import read_councils
from optimiser.screening.lsoas import read_lsoas
from optimiser.service.areas import travel_estimate_params

#: Columns that differ between runs by nature (times), left out of the identity check.
TIMING = ("wall_s", "task_key", "variant", "error")


def _figures(table: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in table.columns if c not in TIMING]
    return table[cols].sort_values(["council_code", "option"]).reset_index(drop=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--councils", type=int, default=None, help="first N councils by code [all]")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--budget", type=float, default=0.5)
    ap.add_argument("--check", type=int, default=3, help="smallest councils rerun inline [3]")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    data = national_data_dir()
    councils = read_councils(data)["council_code"].tolist()
    if args.councils:
        councils = councils[: args.councils]
    settings = replace(
        ScreenSettings(),
        budget=args.budget,
        options=tuple(o for o in OPTIONS if o.name in ("spot", "zoned")),
        travel_params=travel_estimate_params(),
    )
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-screening-"))
    shutil.rmtree(out / "parts", ignore_errors=True)
    print(
        f"{len(councils)} councils, options spot+zoned, budget {args.budget}, "
        f"{args.workers} Dask workers, out {out}; load {os.getloadavg()}",
        flush=True,
    )
    start = time.perf_counter()
    with DaskRunner(n_workers=args.workers) as runner:
        done = screen(runner, out, councils=councils, settings=settings, quiet=False)
    wall = time.perf_counter() - start
    run = done.run
    print(f"dask: {run.total} tasks in {wall:.1f} s, {run.failed} failed; load {os.getloadavg()}")
    identical = "unchecked"
    if args.check > 0 and run.table is not None and not run.table.empty:
        lsoas = read_lsoas(data)
        sizes = (
            lsoas[lsoas["council_code"].isin(councils)].groupby("council_code")["pop_65plus"].sum()
        )
        small = sizes.sort_values().index[: args.check].tolist()
        inline_out = Path(tempfile.mkdtemp(prefix="bench-screening-inline-"))
        inline = screen(InlineRunner(), inline_out, councils=small, settings=settings, quiet=True)
        a = _figures(run.table[run.table["council_code"].isin(small)])
        b = _figures(inline.run.table)
        # Values, not dtypes: a column of gaps that are all None in a few councils is an
        # object column there, and float (NaN) once parts of many councils are combined.
        try:
            pd.testing.assert_frame_equal(a, b, check_dtype=False)
            identical = "true"
        except AssertionError as exc:
            identical = "false"
            print(f"inline rerun differs: {exc}")
        print(f"inline rerun of {small}: identical={identical}")
    print(f"outputs: {done.paths}")
    print(
        f"RESULT councils={done.councils} tasks={run.total} wall_s={wall:.1f} "
        f"failed={run.failed} identical_inline={identical}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
