"""Sweeps on the demo area: same rows inline and on Dask, resume after a stop, failures kept."""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from optimiser import cli
from optimiser.parallel import InlineRunner
from optimiser.sweep import plan_tasks, read_sweep, run_planned, run_sweep
from optimiser.sweep.run import SweepProgress
from optimiser.sweep.store import PartStore

REPO = Path(__file__).resolve().parents[2]
#: Columns that time the run rather than describe its result.
TIMINGS = ["wall_s", "solver_wall_s"]

SWEEP = f"""
[sweep]
name = "tiny"
base = "{(REPO / "configs" / "demo_zoned.toml").as_posix()}"
[set]
inputs.demo_scale = 0.3          # 75 people: a task takes about a second
solver.workers = 1
solver.max_deterministic_time = 0.05
[grid]
zones.rule = ["spot", "zoned"]
costs.pay_gbp_per_hour = [12.71, 13.45]
"""


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory, shared_data) -> Path:
    """A 2 x 2 sweep on a third of the demo area with a tiny deterministic solver budget."""
    path = tmp_path_factory.mktemp("sweep") / "tiny.toml"
    path.write_text(SWEEP, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def areas() -> dict:
    """Areas loaded once for the whole module (the sweep's own in-memory area cache)."""
    return {}


@pytest.fixture(scope="module")
def inline_run(sweep_file, areas, tmp_path_factory):
    """The tiny sweep run inline (one process), as the reference."""
    out = tmp_path_factory.mktemp("inline")
    spec = read_sweep(sweep_file)
    return out, run_sweep(spec, InlineRunner(), out, quiet=True, area_cache=areas)


class StopAfter:
    """A runner that stops the sweep (as Ctrl-C would) after ``k`` tasks have finished."""

    def __init__(self, runner, k: int) -> None:
        self.runner, self.k = runner, k
        self.slots, self.cpus_per_task = runner.slots, runner.cpus_per_task

    def share(self, data):
        return self.runner.share(data)

    def run(self, tasks):
        for n, outcome in enumerate(self.runner.run(tasks)):
            yield outcome
            if n + 1 == self.k:
                raise KeyboardInterrupt


class Counting(StopAfter):
    """A runner that records the key of every task it is asked to run."""

    def __init__(self, runner) -> None:
        super().__init__(runner, k=-1)
        self.keys: list[str] = []

    def run(self, tasks):
        tasks = list(tasks)
        self.keys += [t.key for t in tasks]
        yield from self.runner.run(tasks)


def fails(*_args):
    """A task that fails inside the worker, as a solver error would."""
    raise RuntimeError("no solution for this variant")


def test_dask_rows_equal_the_inline_rows(inline_run, sweep_file, areas, dask_runner, tmp_path):
    """Four variants on two worker processes give the inline rows, figure for figure."""
    _, first = inline_run
    run = run_sweep(read_sweep(sweep_file), dask_runner, tmp_path, quiet=True, area_cache=areas)
    assert first.computed == run.computed == 4 and run.failed == 0
    assert (run.table["status"] == "ok").all()
    pd.testing.assert_frame_equal(
        first.table.drop(columns=TIMINGS), run.table.drop(columns=TIMINGS)
    )
    # the rules and wages move the figures, so equality is not trivial
    assert run.table["zones.rule"].tolist() == ["spot", "spot", "zoned", "zoned"]
    assert run.table["cost_gbp_per_carer_hour"].nunique() == 4
    for name in ("results.parquet", "summary.csv", "charts/pay_headroom.png"):
        assert (tmp_path / name).is_file(), name


def test_a_stopped_sweep_resumes_losing_nothing_and_repeating_nothing(
    sweep_file, areas, dask_runner, inline_run, tmp_path
) -> None:
    """Stopped after 2 rows: those parts stay; the rerun runs exactly the other 2 tasks."""
    spec = read_sweep(sweep_file)
    planned = plan_tasks(spec, dask_runner, area_cache=areas)
    with pytest.raises(KeyboardInterrupt):
        run_planned(planned, StopAfter(dask_runner, 2), tmp_path, quiet=True)
    parts = {p.stem: p.stat().st_mtime_ns for p in (tmp_path / "parts").glob("*.parquet")}
    assert len(parts) == 2
    counting = Counting(dask_runner)
    run = run_planned(planned, counting, tmp_path, quiet=True)
    assert sorted(counting.keys) == sorted({p.key for p in planned} - set(parts))
    assert (run.computed, run.skipped, run.failed) == (2, 2, 0)
    assert {
        p.stem: p.stat().st_mtime_ns
        for p in (tmp_path / "parts").glob("*.parquet")
        if p.stem in parts
    } == parts
    pd.testing.assert_frame_equal(
        run.table.drop(columns=TIMINGS), inline_run[1].table.drop(columns=TIMINGS)
    )


def test_a_killed_sweep_process_resumes(sweep_file, areas, dask_runner, tmp_path) -> None:
    """``homecare sweep`` killed (SIGKILL) once its first row is written: the rerun computes
    only what has no part, and the parts written before the kill are kept as they were."""
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "optimiser.cli",
        "-q",
        "sweep",
        str(sweep_file),
        "--workers",
        "1",
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(
        cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not list((out / "parts").glob("*.parquet")) and time.monotonic() < deadline:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the sweep and the workers it started
        proc.wait()
    parts = {p.stem: p.read_bytes() for p in (out / "parts").glob("*.parquet")}
    assert 1 <= len(parts) < 4
    run = run_sweep(read_sweep(sweep_file), dask_runner, out, quiet=True, area_cache=areas)
    assert (run.computed, run.skipped) == (4 - len(parts), len(parts))
    assert all((out / "parts" / f"{k}.parquet").read_bytes() == v for k, v in parts.items())
    assert (run.table["status"] == "ok").all() and len(run.table) == 4


def test_a_failing_task_is_recorded_and_retried_alone(sweep_file, areas, dask_runner, tmp_path):
    """One task fails in its worker: its row holds the message, the other three finish; a
    rerun retries only the failed task."""
    planned = plan_tasks(read_sweep(sweep_file), dask_runner, area_cache=areas)
    broken = [
        dataclasses.replace(p, task=dataclasses.replace(p.task, fn=fails)) if n == 1 else p
        for n, p in enumerate(planned)
    ]
    run = run_planned(broken, dask_runner, tmp_path, quiet=True)
    assert run.failed == 1
    bad = run.table[run.table["status"] == "failed"]
    assert bad["error"].str.startswith("RuntimeError: no solution for this variant").all()
    assert bad["task_key"].tolist() == [planned[1].key]
    assert (run.table["status"] == "ok").sum() == 3
    again = run_planned(planned, dask_runner, tmp_path, quiet=True)
    assert (again.computed, again.failed) == (1, 0)
    assert (again.table["status"] == "ok").all()


def test_the_cli_reruns_nothing_when_everything_is_done(inline_run, sweep_file, capsys) -> None:
    """``homecare sweep`` on a finished output folder: nothing computed, the table printed."""
    out, _ = inline_run
    code = cli.main(["-q", "sweep", str(sweep_file), "--inline", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    assert "0 computed now, 4 already done, 0 failed" in text
    assert "pay_headroom_per_hour" in text and "zoned" in text


def test_half_written_parts_are_not_taken_as_done(tmp_path) -> None:
    """A temporary file left by a kill mid-write is ignored; only renamed parts count."""
    store = PartStore(tmp_path)
    (store.folder / ".abc.1234.tmp").write_bytes(b"PAR1 half a file")
    store.write({"task_key": "k1", "variant": 0, "status": "ok", "unmet_hours": 1.5})
    assert store.status_of() == {"k1": "ok"}
    assert store.combine()["unmet_hours"].tolist() == [1.5]


def test_the_progress_line_counts_and_estimates() -> None:
    """After 1 of 3 remaining tasks (1 skipped): 2/4 shown, and an ETA in seconds."""
    stream = io.StringIO()
    bar = SweepProgress(4, 1, stream=stream)
    assert "ETA      ?" in bar.line()
    bar.step(ok=False)
    line = stream.getvalue()
    assert "2/4 (1 skipped, 1 failed)" in line and line.rstrip().endswith("s")
