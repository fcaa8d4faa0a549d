"""Time a zone edit as the Zones page makes it: move one small area, re-evaluate the scenario.

Each edit goes through the same service calls the UI makes on an uncached table
(``service.move_area`` then ``service.run_zone_edit`` from the previous edit's result: only the
two touched zones' packages re-solved), on top of the previous edit, like a commissioner
clicking through; a full ``service.run_scenario`` of the same table is timed beside it as the
peer. Prints one row per edit and ends with
``RESULT zone_edit_s=<median seconds over the edits> full_s=<median> packages=<n>``.

The scenario is the app's: ``service.demo_scenario(rule, interactive=True)`` (the short solver
budget the Zones page uses); ``--full-budget`` times the config's budget instead.

Usage: python benchmarks/bench_zone_edit.py [--rule zoned|spot] [--edits 5] [--seed 7]
       [--full-budget]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimiser import service


def _edits(table, count: int) -> list[tuple[str, str]]:
    """``count`` (area, target zone) moves: areas spread over the table, each to the next zone."""
    zones = sorted(table["zone_id"].astype(str).unique())
    codes = sorted(table["area_code"].astype(str))
    step = max(1, len(codes) // count)
    zone_of = dict(zip(table["area_code"].astype(str), table["zone_id"].astype(str), strict=True))
    moves = []
    for i in range(count):
        code = codes[(i * step) % len(codes)]
        here = zones.index(zone_of[code])
        moves.append((code, zones[(here + 1) % len(zones)]))
    return moves


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table and RESULT line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rule", choices=["zoned", "spot"], default="zoned")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--full-budget",
        action="store_true",
        help="use the config's solver budget instead of the app's interactive one",
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    area = service.load_demo_area(seed=args.seed)
    load_s = time.perf_counter() - start
    scenario = service.demo_scenario(args.rule, interactive=not args.full_budget)
    table = area.zone_table

    start = time.perf_counter()
    first = service.run_scenario(area, scenario, zone_table=table)
    first_s = time.perf_counter() - start
    solver = scenario.solver
    print(f"area: {area.name}, {len(area.packages)} packages, {len(area.providers)} providers")
    print(
        f"scenario: {scenario.name} (time limit {solver.time_limit_s:g} s, "
        f"workers {solver.workers}, seed {solver.seed}); area load {load_s:.2f} s; "
        f"first run {first_s:.2f} s"
    )
    header = (
        f"{'edit':>4}  {'area':<10} {'from':<10} {'to':<10} {'seconds':>8} {'full_s':>7} "
        f"{'unmet_h':>8} {'travel_min/h':>12} {'cost_gbp/h':>10}  status"
    )
    print(header)
    print("-" * len(header))
    s = first.summary
    print(
        f"{0:>4}  {'(none)':<10} {'':<10} {'':<10} {first_s:>8.2f} {'':>7} "
        f"{s['unmet_hours']:>8.1f} "
        f"{s['travel_min_per_carer_hour']:>12.2f} {s['cost_gbp_per_carer_hour']:>10.2f}  "
        f"{s.get('solver_status', '')}"
    )
    zone_of = dict(zip(table["area_code"].astype(str), table["zone_id"].astype(str), strict=True))
    timings, full_timings, result = [], [], first
    for i, (code, target) in enumerate(_edits(table, args.edits), start=1):
        before = zone_of[code]
        start = time.perf_counter()
        new = service.move_area(table, code, target)
        result = service.run_zone_edit(area, scenario, result, table, new)
        seconds = time.perf_counter() - start
        timings.append(seconds)
        start = time.perf_counter()
        service.run_scenario(area, scenario, zone_table=new)
        full_timings.append(time.perf_counter() - start)
        table = new
        zone_of[code] = target
        s = result.summary
        print(
            f"{i:>4}  {code:<10} {before:<10} {target:<10} {seconds:>8.2f} "
            f"{full_timings[-1]:>7.2f} "
            f"{s['unmet_hours']:>8.1f} {s['travel_min_per_carer_hour']:>12.2f} "
            f"{s['cost_gbp_per_carer_hour']:>10.2f}  {s.get('solver_status', '')}"
        )
    median = statistics.median(timings)
    full = statistics.median(full_timings)
    print(
        f"median {median:.2f} s, max {max(timings):.2f} s over {len(timings)} edits "
        f"(full re-run: median {full:.2f} s)"
    )
    print(f"RESULT zone_edit_s={median:.3f} full_s={full:.3f} packages={len(area.packages)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
