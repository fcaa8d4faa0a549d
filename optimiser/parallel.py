"""The one parallel seam: run independent tasks inline, on a local Dask cluster or a remote one.

A task is a pure, module-level function of plain data (records, settings, numpy arrays): the
OR-Tools models cannot be pickled, so each task rebuilds its own model from the data it gets.
Every runner has the same three calls:

- ``share(data)``: ship data that every task needs (the area) to each worker once; the handle
  it returns goes into a task's ``args`` in place of the data.
- ``run(tasks)``: yield one ``TaskOutcome`` per task as it finishes (inline: in order). A task
  that raises gives an outcome with its message; the run goes on.
- ``close()`` (or ``with``): stop the cluster this runner started.

``InlineRunner`` runs in this process (tests, one core, the default of the core). ``DaskRunner``
starts a ``LocalCluster`` of processes with one thread each (one CPU per task), or connects to
an existing scheduler by address. Data moves between processes in memory only: spilling task
data to the workers' disks is turned off (``distributed.worker.memory.target`` and ``.spill``
false), so an upload never lands on disk as a pickle; a remote worker
that would spill is refused. Dask is imported only when a ``DaskRunner`` is made.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from optimiser.errors import HomecareError

__all__ = [
    "DaskRunner",
    "EngineError",
    "InlineRunner",
    "Runner",
    "Task",
    "TaskOutcome",
    "make_runner",
    "run_guarded",
]


class EngineError(HomecareError):
    """The parallel engine cannot be used as asked (workers that would spill to disk)."""


@dataclass(frozen=True)
class Task:
    """One unit of work: ``fn(*args)`` under a ``key`` unique within a run.

    ``fn`` must be a module-level function (picklable by reference); ``args`` plain data or
    handles returned by ``Runner.share``.
    """

    key: str
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class TaskOutcome:
    """What one task gave: its ``value``, or ``error`` (exception type and message) if it
    failed; ``wall_s`` [s] is the time the task itself ran (not queueing or transport)."""

    key: str
    value: Any = None
    error: str | None = None
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the task returned a value."""
        return self.error is None


class Runner(Protocol):
    """What a caller of the seam needs; ``InlineRunner`` and ``DaskRunner`` both provide it.

    ``slots`` is how many tasks run at once; ``cpus_per_task`` how many CPUs a task may use
    (cap CP-SAT's ``num_workers`` to it, so the machine is not oversubscribed).
    """

    @property
    def slots(self) -> int: ...

    @property
    def cpus_per_task(self) -> int: ...

    def share(self, data: Any) -> Any: ...

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]: ...

    def close(self) -> None: ...


def run_guarded(fn: Callable[..., Any], *args: Any) -> tuple[Any, str | None, float]:
    """``fn(*args)`` as ``(value, error, wall_s)``: an exception becomes its message.

    Only ``Exception`` is caught: an interrupt (KeyboardInterrupt, SystemExit) still stops the
    run, as the user asked.
    """
    start = time.perf_counter()
    try:
        value = fn(*args)
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" (at {last[0].filename.rsplit(os.sep, 1)[-1]}:{last[0].lineno})" if last else ""
        return None, f"{type(exc).__name__}: {exc}{where}", time.perf_counter() - start
    return value, None, time.perf_counter() - start


class InlineRunner:
    """Runs every task in this process, one after the other, in the order given."""

    slots = 1

    @property
    def cpus_per_task(self) -> int:
        """The whole machine: nothing else runs beside the task."""
        return os.cpu_count() or 1

    def share(self, data: Any) -> Any:
        """Nothing to ship: the data itself is the handle."""
        return data

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]:
        """Yield each task's outcome as soon as it has run."""
        for task in tasks:
            value, error, wall_s = run_guarded(task.fn, *task.args)
            yield TaskOutcome(task.key, value, error, wall_s)

    def close(self) -> None:
        """Nothing to stop."""

    def __enter__(self) -> InlineRunner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


#: Dask settings that keep task data in memory: no spilling of pickled data to disk.
NO_SPILL = {"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False}

#: The environment a local cluster's nannies give their workers: Dask's default less
#: ``MALLOC_TRIM_THRESHOLD_=65536``, which hands freed memory back to the OS at once; the
#: solver tasks allocate and free many small arrays and ran about 3-4% slower with it
#: (demo sweep tasks, 5.71 s against 5.46 s a task on one worker, 10.88 s against 10.61 s for
#: two tasks in a plain process). Threads stay one per library: one CPU per task.
WORKER_ENVIRON = {
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    }
}


class DaskRunner:
    """Runs tasks on Dask distributed: a new ``LocalCluster`` of processes, or ``scheduler``.

    ``n_workers`` processes with ``threads_per_worker`` threads each (1: one CPU per routing
    task); ``scheduler`` (``tcp://host:8786``) uses workers started elsewhere with
    ``dask worker ... --nthreads 1`` and spilling off (see README).
    """

    def __init__(
        self,
        *,
        scheduler: str | None = None,
        n_workers: int = 2,
        threads_per_worker: int = 1,
        timeout_s: float = 60.0,
    ) -> None:
        import dask.config
        from distributed import Client, LocalCluster

        self._cluster = None
        if scheduler is None:
            if n_workers < 1:
                raise ValueError(f"n_workers must be >= 1, got {n_workers}")
            # The nannies copy the configuration in force when they start to their workers.
            with dask.config.set({**NO_SPILL, **WORKER_ENVIRON}):
                self._cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=threads_per_worker,
                    processes=True,
                    host="127.0.0.1",
                    # no dashboard; the scheduler's own HTTP routes on a free port, so two
                    # clusters on one machine never fight over the default 8787
                    dashboard_address=":0",
                    scheduler_kwargs={"dashboard": False},
                    worker_dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            self._client = Client(self._cluster, timeout=timeout_s)
        else:
            self._client = Client(scheduler, timeout=timeout_s)
            self._client.wait_for_workers(1, timeout=timeout_s)
        self._threads_per_worker = threads_per_worker
        try:
            self._refuse_spilling_workers()
        except BaseException:
            self.close()
            raise

    def _refuse_spilling_workers(self) -> None:
        """Raise if any worker would spill task data to its disk (personal data as pickles)."""

        def spill_settings(dask_worker: Any) -> tuple[Any, Any]:
            mm = dask_worker.memory_manager
            return mm.memory_target_fraction, mm.memory_spill_fraction

        spilling = {
            addr: fractions
            for addr, fractions in self._client.run(spill_settings).items()
            if any(f not in (False, None) for f in fractions)
        }
        if spilling:
            raise EngineError(
                f"Dask workers {sorted(spilling)} would spill task data to disk; start them "
                "with DASK_DISTRIBUTED__WORKER__MEMORY__TARGET=False and "
                "DASK_DISTRIBUTED__WORKER__MEMORY__SPILL=False"
            )

    @property
    def client(self) -> Any:
        """The Dask client (for dashboards and diagnostics)."""
        return self._client

    @property
    def slots(self) -> int:
        """Worker threads in the cluster: tasks that run at once."""
        return max(sum(self._client.nthreads().values()), 1)

    @property
    def cpus_per_task(self) -> int:
        """One CPU per task: each worker thread is one task slot."""
        return 1

    def share(self, data: Any) -> Any:
        """Ship ``data`` to every worker once; tasks get it from their worker's memory."""
        return self._client.scatter(data, broadcast=True, hash=False)

    def run(self, tasks: Iterable[Task]) -> Iterator[TaskOutcome]:
        """Run the tasks in the order given, one per worker thread at a time; yield outcomes in
        the order they finish.

        Only as many tasks as there are worker threads are on the cluster at once; the next
        is submitted as one finishes. Every task depends on the shared area, so Dask would
        otherwise place all of them on workers at submission, by guessed durations, and a
        worker that drew more long tasks would leave the other idle at the end (seen: 8 demo
        runs on 2 workers split 6 and 2). Submitting as slots free up keeps both busy and
        keeps the order (largest first, where the caller sorts so) at the cost of one
        round trip (milliseconds) per task. Each task is sent to a worker with a free thread
        (left to Dask, a joining worker without the shared data may be passed over while the
        busy one queues the task). The threads are read again as each task finishes, so
        workers that join a remote cluster mid-run get tasks.
        """
        from distributed import as_completed

        run_id = uuid.uuid4().hex[:8]
        sent: dict[Any, tuple[str, str | None]] = {}  # future's key -> task key, its worker
        pending = iter(tasks)
        live: list[Any] = []
        done = as_completed()

        def submit_next(worker: str | None) -> bool:
            task = next(pending, None)
            if task is None:
                return False
            # pinned to a worker with a free thread, loosely: if that worker leaves, Dask
            # runs the task elsewhere; its shared data is fetched from a peer if missing
            fut = self._client.submit(
                run_guarded,
                task.fn,
                *task.args,
                key=f"{task.key}-{run_id}",
                pure=False,
                workers=None if worker is None else [worker],
                allow_other_workers=True,
            )
            sent[fut.key] = (task.key, worker)
            live.append(fut)
            done.add(fut)
            return True

        def top_up() -> None:
            # one task per free worker thread, on that worker; the threads are read again
            # each time, so workers that join mid-run get tasks at once
            busy = Counter(sent[fut.key][1] for fut in live)
            for worker, threads in sorted(self._client.nthreads().items()):
                for _ in range(threads - busy[worker]):
                    if not submit_next(worker):
                        return
            if not live:  # no worker at all just now: one task waits for the first to come
                submit_next(None)

        try:
            top_up()
            for fut in done:
                live.remove(fut)
                top_up()  # before the caller handles this outcome: the slot stays busy
                key, _ = sent.pop(fut.key)
                if fut.status == "finished":
                    value, error, wall_s = fut.result()
                    yield TaskOutcome(key, value, error, wall_s)
                else:  # the worker died or the task could not be shipped
                    exc = fut.exception()
                    yield TaskOutcome(key, None, f"{type(exc).__name__}: {exc}", 0.0)
                fut.release()
        finally:
            self._client.cancel([f for f in live if not f.done()])

    def close(self) -> None:
        """Close the client, and the local cluster if this runner started it."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def __enter__(self) -> DaskRunner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def make_runner(
    *, scheduler: str | None = None, workers: int | None = None, inline: bool = False
) -> InlineRunner | DaskRunner:
    """The runner a command line asks for: inline, an existing scheduler, or a local cluster
    of ``workers`` processes (default: one per CPU)."""
    if inline:
        return InlineRunner()
    if scheduler is not None:
        return DaskRunner(scheduler=scheduler)
    return DaskRunner(n_workers=workers or os.cpu_count() or 1)
