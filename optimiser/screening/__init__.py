"""National screening: every English council with adult social care duties, as parallel tasks.

``councils`` and ``lsoas`` read the national data, ``proxy`` (fitted by ``calibrate``) is the
travel proxy, ``synthetic`` draws a council's area, ``run`` plans and runs the tasks on the
parallel seam with the sweep's store, ``report`` writes the table, map and GeoPackage, and
``main`` runs it all end to end. Every figure is a screening estimate.
"""

from optimiser.screening.main import ScreenRun, screen
from optimiser.screening.run import OPTIONS, WAGES, ScreenSettings, plan_screening, run_screening

__all__ = [
    "OPTIONS",
    "WAGES",
    "ScreenRun",
    "ScreenSettings",
    "plan_screening",
    "run_screening",
    "screen",
]
