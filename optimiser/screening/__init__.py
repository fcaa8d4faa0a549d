"""National screening: every English council with adult social care duties, as parallel tasks.

``councils`` and ``lsoas`` read the national data, ``proxy`` (fitted by ``calibrate``) is the
travel proxy, ``synthetic`` draws a council's area, ``run`` plans and runs the tasks on the
parallel seam with the sweep's store, ``report`` writes the table, map and GeoPackage. Every
figure is a screening estimate.
"""

from optimiser.screening.run import OPTIONS, WAGES, ScreenSettings, plan_screening, run_screening

__all__ = ["OPTIONS", "WAGES", "ScreenSettings", "plan_screening", "run_screening", "screen"]


def screen(*args, **kwargs):
    """See :func:`optimiser.screening.main.screen`."""
    from optimiser.screening.main import screen as _screen

    return _screen(*args, **kwargs)
