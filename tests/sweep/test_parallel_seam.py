"""The parallel seam: the same outcomes inline and on Dask, failures reported, data kept in RAM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimiser.data.domain import (
    CallType,
    Package,
    PackageStatus,
    Priority,
    Provider,
    Scenario,
    Visit,
)
from optimiser.models.carer_rounds import RoundsOptions, plan_rounds
from optimiser.models.instance import build_instance
from optimiser.parallel import NO_SPILL, DaskRunner, EngineError, InlineRunner, Task


def weighted_sum(shared: np.ndarray, i: int) -> float:
    """A tiny pure task: a figure of the shared array and the task's own number."""
    return float(shared[i % len(shared)] * (i + 1) + shared.sum())


def fails_on_three(shared: np.ndarray, i: int) -> float:
    """Like ``weighted_sum`` but task 3 raises, as a bad input would."""
    if i == 3:
        raise ValueError(f"task {i} has a bad input")
    return weighted_sum(shared, i)


def interrupted(i: int) -> int:
    """A task stopped by the user (Ctrl-C inside the task)."""
    raise KeyboardInterrupt


def _tasks(runner, fn=weighted_sum, n: int = 8) -> list[Task]:
    shared = runner.share(np.linspace(0.5, 3.0, 6))
    return [Task(f"t{i}", fn, (shared, i)) for i in range(n)]


def test_dask_gives_the_inline_outcomes_for_every_key(dask_runner) -> None:
    """Every task comes back once under its key, with the value the inline run computes."""
    inline = {o.key: o.value for o in InlineRunner().run(_tasks(InlineRunner()))}
    dask = {o.key: o.value for o in dask_runner.run(_tasks(dask_runner))}
    assert sorted(dask) == sorted(inline) == [f"t{i}" for i in range(8)]
    assert dask == inline


@pytest.mark.parametrize("runner_name", ["inline", "dask"])
def test_a_failing_task_gives_its_message_and_the_others_finish(dask_runner, runner_name) -> None:
    """Task 3 raises: its outcome carries the exception's type and message, the rest are ok."""
    runner = dask_runner if runner_name == "dask" else InlineRunner()
    outcomes = {o.key: o for o in runner.run(_tasks(runner, fails_on_three))}
    assert len(outcomes) == 8
    assert not outcomes["t3"].ok
    assert outcomes["t3"].error.startswith("ValueError: task 3 has a bad input")
    assert all(o.ok for k, o in outcomes.items() if k != "t3")


def timed_nap(shared: np.ndarray, i: int, seconds: float) -> tuple[int, float, float]:
    """Sleep, and say which process ran the task and when it started and stopped."""
    import os
    import time

    start = time.time()
    time.sleep(seconds)
    return os.getpid(), start, time.time()


def test_tasks_go_out_one_per_worker_in_the_order_given(dask_runner) -> None:
    """Long tasks first, then short ones: no more tasks than worker threads run at once, they
    start in the order given, and both workers stay busy (each runs its share of the time).

    Interesting because Dask places tasks that depend on shared data on workers as they are
    submitted, by guessed durations: all at once, one worker could draw the long ones."""
    shared = dask_runner.share(np.ones(3))
    naps = [1.2, 1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.2, 0.1, 0.1]
    tasks = [Task(f"n{i}", timed_nap, (shared, i, s)) for i, s in enumerate(naps)]
    runs = {o.key: o.value for o in dask_runner.run(tasks)}
    starts = sorted((runs[f"n{i}"][1], i) for i in range(len(naps)))
    order = [i for _, i in starts]
    assert sorted(order[:2]) == [0, 1] and order[2:] == list(range(2, len(naps)))
    # at no moment are more than two tasks running
    for _, _, stop in runs.values():
        running = sum(1 for _, b, e in runs.values() if b <= stop - 1e-3 < e)
        assert running <= 2
    busy: dict[int, float] = {}
    for pid, begin, end in runs.values():
        busy[pid] = busy.get(pid, 0.0) + end - begin
    assert len(busy) == 2
    assert max(busy.values()) - min(busy.values()) < 0.6  # total 4.9 s split about evenly


def test_a_worker_that_joins_mid_run_gets_tasks() -> None:
    """A one-worker cluster grows to two after the first outcome: later tasks run on both.

    Interesting because the seam sends only as many tasks as the cluster has threads; if it
    counted them once at the start, a worker joining a remote cluster would stay idle."""
    with DaskRunner(n_workers=1) as runner:
        shared = runner.share(np.ones(3))
        tasks = [Task(f"j{i}", timed_nap, (shared, i, 0.3)) for i in range(10)]
        pids = []
        for n, outcome in enumerate(runner.run(tasks)):
            pids.append(outcome.value[0])
            if n == 0:
                runner._cluster.scale(2)
                runner.client.wait_for_workers(2, timeout=60)
        assert len(pids) == 10
        assert len(set(pids[2:])) == 2


def test_an_interrupt_stops_an_inline_run_instead_of_being_recorded() -> None:
    """Ctrl-C is not a task failure: it stops the run (the sweep resumes later)."""
    with pytest.raises(KeyboardInterrupt):
        list(InlineRunner().run([Task("a", interrupted, (1,))]))


def test_shared_data_is_on_every_worker_once(dask_runner) -> None:
    """``share`` broadcasts: both workers hold the data before any task asks for it."""
    handle = dask_runner.share(np.arange(1000.0))
    holders = dask_runner.client.who_has([handle])[handle.key]
    assert len(holders) == 2
    assert dask_runner.slots == 2 and dask_runner.cpus_per_task == 1


def test_workers_keep_task_data_in_memory(dask_runner) -> None:
    """No worker spills task data (pickles of possibly personal records) to its disk."""

    def fractions(dask_worker):
        mm = dask_worker.memory_manager
        return mm.memory_target_fraction, mm.memory_spill_fraction

    assert set(dask_runner.client.run(fractions).values()) == {(False, False)}


def test_a_scheduler_whose_workers_spill_is_refused() -> None:
    """Connecting to a cluster with Dask's default spilling fails with how to start workers."""
    from distributed import LocalCluster

    assert NO_SPILL  # the settings the refusal asks for
    spilling = LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        dashboard_address=":0",
        scheduler_kwargs={"dashboard": False},
    )
    with spilling as cluster, pytest.raises(EngineError, match="MEMORY__SPILL=False"):
        DaskRunner(scheduler=cluster.scheduler_address)


# ------------------------------------------------------------------- rounds on the seam


def _week(n: int = 8, seed: int = 5):
    """Two providers and ``n`` people on a line, calls on three days, some double-handed.

    Interesting because the provider-days finish in any order on two workers, and the travel
    attribution must still add up in the same order as inline.
    """
    rng = np.random.default_rng(seed)
    pos = np.sort(rng.uniform(0, 30, n))
    packages = []
    for i in range(n):
        visits = tuple(
            Visit(
                day, CallType.MORNING if i % 2 else CallType.TEA, 30, carers=2 if i % 5 == 0 else 1
            )
            for day in range(3)
            if (i + day) % 2 == 0 or day == 0
        )
        hours = sum(v.duration_min for v in visits) / 60
        packages.append(
            Package(
                f"P{i}",
                52.6,
                -0.7,
                hours,
                visits,
                status=PackageStatus.WAITING,
                priority=Priority.COMMUNITY,
            )
        )
    providers = [
        Provider(f"PRV-{k}", f"PRV-{k}", 52.6, -0.7, 500.0, 8, 25.0, 12.71) for k in range(2)
    ]
    offices = np.array([5.0, 25.0])
    office_min = np.abs(offices[:, None] - pos[None, :])
    home_min = np.abs(pos[:, None] - pos[None, :])
    return packages, providers, office_min, office_min / 2, home_min, home_min / 2


def test_rounds_give_the_same_figures_inline_and_on_dask(dask_runner) -> None:
    """Every provider-day solved on two worker processes: tables and travel equal inline."""
    packages, providers, office_min, office_km, home_min, home_km = _week()
    inst = build_instance(
        packages, providers, {}, Scenario("t"), office_min, office_km, home_min, home_km
    )
    provider_of = np.array([0 if i < 4 else 1 for i in range(len(packages))], dtype=np.int64)
    args = (inst, provider_of, packages, providers, office_min, office_km, home_min, home_km)
    # a solution limit, not a clock, ends each search: routing then repeats exactly (the
    # time limit is a safety cap, far above the half second a search takes)
    options = RoundsOptions(time_limit_s=30.0, solution_limit=5)
    inline = plan_rounds(*args, options)
    dask = plan_rounds(*args, options, runner=dask_runner)
    assert inline.solves == dask.solves == 6  # two providers x three days
    pd.testing.assert_frame_equal(inline.rounds, dask.rounds)
    pd.testing.assert_frame_equal(inline.provider_days, dask.provider_days)
    pd.testing.assert_frame_equal(inline.missed, dask.missed)
    pd.testing.assert_series_equal(inline.figures.total, dask.figures.total)
    np.testing.assert_array_equal(
        inline.figures.package_travel_min, dask.figures.package_travel_min
    )
    assert inline.rounds["travel_min"].sum() > 0
