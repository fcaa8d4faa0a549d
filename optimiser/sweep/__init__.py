"""Sweeps: many variants of one scenario run as independent tasks on the parallel seam.

``spec`` reads the sweep file, ``run`` plans and runs the tasks (rows streamed to ``store``),
``report`` makes the summary table and charts.
"""

from optimiser.sweep.run import PlannedTask, SweepRun, plan_tasks, run_planned, run_sweep
from optimiser.sweep.spec import SweepSpec, Variant, read_sweep

__all__ = [
    "PlannedTask",
    "SweepRun",
    "SweepSpec",
    "Variant",
    "plan_tasks",
    "read_sweep",
    "run_planned",
    "run_sweep",
]
