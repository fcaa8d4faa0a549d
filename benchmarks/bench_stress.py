"""A full stress test of the Rutland demo: N demand draws x 4 options plus every provider exit.

The path is ``homecare stress``'s own (``optimiser.stress.run_stress`` on a local Dask
cluster of ``--workers`` processes, one thread each, then ``write_stress``): the demo's zoned
scenario (configs/stress_demo.toml) as spot, zoned, two leads per zone and zoned with rural
uplift; draws 1..N-1 are the demo generator with seeds 8, 9, ...; every single-provider exit
runs on draw 0 (the demo itself). CP-SAT has one worker and a deterministic budget
(``[stress] max_deterministic_time``), so a rerun with the same seed gives the same figures
(checked by ``--check-rerun`` on the first draws). The clock covers the whole run, the area
load included; the load average before and after is printed (the machine may be shared).

Ends with ``RESULT draws=<n> options=<k> shocks=<m> total_s=<s> p90_unmet_spot=<h>
p90_unmet_zoned=<h> worst_exit_unmet_zoned=<h>`` (weekly hours). Target: under 15 minutes on
2 cores for 100 draws.

Usage: python benchmarks/bench_stress.py [--draws 100] [--workers 2] [--out DIR] [--charts DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from optimiser import service
from optimiser.data.stress_options import EACH_PROVIDER, StressSettings
from optimiser.parallel import DaskRunner, InlineRunner
from optimiser.stress import run_stress, write_stress
from optimiser.stress.report import draw_chart, shock_chart

REPO = Path(__file__).resolve().parents[1]


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=None, help="write the stress folder here")
    parser.add_argument("--charts", default=None, help="copy the headline charts (PNG) here")
    parser.add_argument(
        "--check-rerun", type=int, default=0, help="rerun the first N draws inline and compare"
    )
    args = parser.parse_args(argv)
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs)", flush=True)

    start = time.perf_counter()
    cfg = service.load_config(REPO / "configs" / "stress_demo.toml")
    # the config's budget and options; every single-provider exit, no other shock
    settings = dataclasses.replace(
        StressSettings.from_dict(cfg.stress),
        exit_providers=(EACH_PROVIDER,),
        demand_rise=None,
        workforce_shortage=None,
        discharge_surge=None,
        slower_roads=None,
    )
    area = service.area_for_config(cfg)

    def say(fraction: float, message: str) -> None:
        print(f"[{time.perf_counter() - start:7.1f}s {fraction:4.0%}] {message}", flush=True)

    with DaskRunner(n_workers=args.workers, threads_per_worker=1) as runner:
        run = run_stress(cfg, runner, draws=args.draws, settings=settings, area=area, progress=say)
    total_s = time.perf_counter() - start
    if args.out:
        write_stress(run, args.out)
    if args.charts:
        folder = Path(args.charts)
        folder.mkdir(parents=True, exist_ok=True)
        draw_chart(run, "unmet_hours").savefig(folder / "stress_rutland_unmet.png", dpi=110)
        shock_chart(run, "unmet_hours", "unmet need [h per week]").savefig(
            folder / "stress_rutland_exits.png", dpi=110
        )

    with pd.option_context("display.width", 200, "display.max_columns", 20):
        pct = run.percentiles
        print("\nOver the demand draws (numpy linear percentiles):")
        print(
            pct[["option", "measure", "draws", "failed", "p10", "p50", "p90"]].to_string(
                index=False
            )
        )
        print("\nMean and largest regret over the draws:")
        print(run.regret_summary.to_string(index=False))
        print("\nEvery provider exit (draw 0):")
        cols = [
            "shock",
            "option",
            "unmet_hours",
            "extra_unmet_hours",
            "displaced_packages",
            "displaced_unmet_hours",
            "packages_changing_provider",
        ]
        print(run.recovery[cols].to_string(index=False))
    ok = run.table[run.table["status"] == "ok"]
    cpu_s = float(ok["cpu_s"].sum())
    print(
        f"\nfailed rows: {run.failed} of {len(run.table)};"
        f" task wall sum {ok['wall_s'].sum():.0f} s;"
        f" task CPU sum {cpu_s:.0f} s ({cpu_s / max(len(ok), 1):.2f} s a run; on {args.workers}"
        f" idle cores about {cpu_s / args.workers / 60:.1f} min, an estimate)"
    )

    if args.check_rerun:
        again = run_stress(
            cfg,
            InlineRunner(),
            draws=args.check_rerun,
            settings=dataclasses.replace(settings, exit_providers=()),
            area=area,
        )
        cols = [
            "shock",
            "draw",
            "option",
            "unmet_hours",
            "travel_min_per_carer_hour",
            "cost_gbp_per_carer_hour",
            "pay_headroom_per_hour",
        ]
        first = run.table[(run.table["shock"] == "none") & (run.table["draw"] < args.check_rerun)]
        same = first[cols].reset_index(drop=True).equals(again.table[cols].reset_index(drop=True))
        print(f"rerun of the first {args.check_rerun} draws inline: identical={same}")

    def p90(option: str) -> float:
        row = pct[(pct["option"] == option) & (pct["measure"] == "unmet_hours")]
        return float(row["p90"].iloc[0])

    rec = run.recovery
    exits = rec[(rec["shock"].str.startswith("exit")) & (rec["option"] == "zoned")]
    worst = float(pd.to_numeric(exits["unmet_hours"], errors="coerce").max())
    print(f"load average after: {_load()}")
    print(
        f"RESULT draws={args.draws} options={len(run.options)} shocks={len(run.shocks) - 1} "
        f"total_s={total_s:.1f} p90_unmet_spot={p90('spot'):.2f} "
        f"p90_unmet_zoned={p90('zoned'):.2f} worst_exit_unmet_zoned={worst:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
