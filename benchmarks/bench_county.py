"""Benchmark: the pipeline at county size on the synthetic k x k county (``benchmarks/county.py``).

Times each stage of the product's path, as ``homecare run`` and the web app take it:

- load: demo demand generated, the demo road network read, tiled k x k and joined;
- snap: homes and offices snapped to the county's roads;
- matrices: office-to-home travel (P x N) and, above ``DENSE_MAX_HOMES`` homes, the bounded
  nearest-home searches (dense N x N below);
- assignment: ``service.run_scenario`` with the fast travel estimate (zoned demo scenario,
  its configured solver budget);
- report: ``report.write_result`` into a temporary folder, deleted afterwards;
- rounds: ``service.run_scenario`` with full carer rounds, every provider-day of the scenario
  and of its baseline solved on the parallel seam (a local Dask cluster, one CPU per routing task);
- zone edit: the web app's incremental re-evaluation (``service.zone_edit.run_zone_edit``,
  interactive budget), median over ``--edits`` moves on top of each other.

``estimate_run_s`` is load + snap + matrices + assignment + report; ``rounds_run_s`` the rounds
run alone (its assignment included). Peak memory is sampled every 0.2 s as the resident memory
of this process plus its pool workers (psutil), and checked against ``ru_maxrss``. Quality:
the final stage's gap and unmet hours against greedy brokerage under the same rules. The
machine's load average is printed before and after (other jobs share the cores).

Last line: ``RESULT tiles=<k> hours=<h> nodes=<n> estimate_run_s=<s> rounds_run_s=<s>
peak_gib=<g> zone_edit_s=<s>`` (``rounds_run_s=nan`` with ``--no-rounds``).

Usage: python benchmarks/bench_county.py [--tiles K] [--no-rounds] [--workers N] [--edits 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from benchmarks.bench_zone_edit import _edits
from benchmarks.county import build_county_area
from optimiser import parallel, report, service
from optimiser.service.zone_edit import run_zone_edit


class PeakMemory:
    """Samples the resident memory of this process and its children [bytes] in a thread."""

    def __init__(self, every_s: float = 0.2) -> None:
        self.peak = 0
        self._every = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            try:
                total = me.memory_info().rss
                for child in me.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        total += child.memory_info().rss
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            self._stop.wait(self._every)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def load_text() -> str:
    """The machine's load averages over 1, 5 and 15 minutes."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def quality(result: service.ScenarioResult) -> str:
    """Final gap and unmet hours against greedy brokerage under the same rules."""
    s = result.summary
    greedy = s.get("optimiser_vs_greedy_same_rules", {})
    gap = s.get("optimality_gap")
    gap_text = "n/a" if gap is None else f"{100 * gap:.2f}%"
    return (
        f"final gap {gap_text}, unmet {s['unmet_hours']:,.1f} h (greedy same rules "
        f"{greedy.get('greedy_unmet_hours', math.nan):,.1f} h) of {s['demand_hours']:,.1f} h, "
        f"travel {s['travel_min_per_carer_hour']:.2f} min/h (greedy "
        f"{greedy.get('greedy_travel_min_per_carer_hour', math.nan):.2f}), "
        f"status {s.get('solver_status')}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run every stage, print the table, end with the RESULT line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, default=3)
    ap.add_argument("--no-rounds", action="store_true", help="skip the carer-rounds run")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--edits", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    print(f"before: {load_text()}", flush=True)
    marks: list[tuple[float, str]] = []
    t0 = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        marks.append((time.perf_counter() - t0, message))

    stages: dict[str, float] = {}
    with PeakMemory() as memory:
        area = build_county_area(args.tiles, seed=args.seed, progress=progress)
        built = time.perf_counter() - t0
        at = {m.split(" ")[0]: t for t, m in marks}
        stages["load"] = at["snapping"]
        stages["snap"] = at["travel"] - at["snapping"]
        stages["matrices"] = built - at["travel"]
        n_nodes = area.graph.number_of_nodes()
        hours = area.summary()["weekly_hours"]
        print(
            f"area: {area.name}: {len(area.packages):,} people, {hours:,.0f} h/week, "
            f"{len(area.providers)} providers, {len(area.zones)} zones, {n_nodes:,} nodes, "
            f"{area.graph.graph.get('county_connectors')} connector roads; home travel "
            f"{'bounded' if area.home_blocks is not None else 'dense'}; load "
            f"{stages['load']:.1f} s, snap {stages['snap']:.1f} s, matrices "
            f"{stages['matrices']:.1f} s",
            flush=True,
        )
        scenario = service.demo_scenario("zoned")
        t = time.perf_counter()
        result = service.run_scenario(area, scenario)
        stages["assignment"] = time.perf_counter() - t
        t = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            report.write_result(result, Path(tmp) / "county")
        stages["report"] = time.perf_counter() - t
        estimate_run_s = sum(stages.values())
        print(
            f"estimate run: assignment {stages['assignment']:.1f} s, report "
            f"{stages['report']:.1f} s; {quality(result)}",
            flush=True,
        )

        rounds_run_s = math.nan
        if not args.no_rounds:
            rounds_scenario = dataclasses.replace(scenario, travel_method="rounds")
            t = time.perf_counter()
            with parallel.make_runner(workers=args.workers) as runner:
                rounds = service.run_scenario(area, rounds_scenario, runner=runner)
            rounds_run_s = stages["rounds"] = time.perf_counter() - t
            print(f"rounds run: {quality(rounds)}", flush=True)

        interactive = service.demo_scenario("zoned", interactive=True)
        t = time.perf_counter()
        previous = service.run_scenario(area, interactive)
        first_s = time.perf_counter() - t
        table, timings = area.zone_table, []
        for code, target in _edits(table, args.edits):
            new = service.move_area(table, code, target)
            t = time.perf_counter()
            previous = run_zone_edit(area, interactive, previous, table, new)
            timings.append(time.perf_counter() - t)
            table = new
            print(
                f"zone edit {code} -> {target}: {timings[-1]:.2f} s, "
                f"{previous.summary['unmet_hours']:,.1f} h unmet",
                flush=True,
            )
        zone_edit_s = statistics.median(timings) if timings else math.nan
    peak_gib = max(memory.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024) / 2**30
    print(f"{'stage':<12} {'seconds':>9}")
    for name, seconds in stages.items():
        print(f"{name:<12} {seconds:>9.1f}")
    print(
        f"{'zone edit':<12} {zone_edit_s:>9.2f}  (median of {len(timings)}; first "
        f"interactive run {first_s:.1f} s, the app's start, not an edit)"
    )
    print(f"peak memory {peak_gib:.2f} GiB (this process and its pool workers)")
    print(f"after: {load_text()}")
    print(
        f"RESULT tiles={args.tiles} hours={hours:.0f} nodes={n_nodes} "
        f"estimate_run_s={estimate_run_s:.1f} rounds_run_s={rounds_run_s:.1f} "
        f"peak_gib={peak_gib:.2f} zone_edit_s={zone_edit_s:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
