"""A scenario run passes each layer once, going down: models, then costing, then report."""

from __future__ import annotations

import ast
import inspect

from optimiser.service import scenarios


def _calls(func) -> list[str]:
    """Dotted names of the calls in a function's body, in source order."""
    tree = ast.parse(inspect.getsource(func))
    names = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
        ):
            names.append((node.lineno, f"{node.func.value.id}.{node.func.attr}"))
    return [name for _, name in sorted(names)]


def test_run_scenario_calls_costing_once_then_report_once() -> None:
    """run_scenario (through evaluate_solution, where a full run and an incremental zone edit
    both end) calls optimiser.costing once and optimiser.report once, in that order, and no
    helper it calls reaches either (so nothing climbs back from the report)."""
    from optimiser.service import zone_edit

    assert not [
        c for c in _calls(scenarios.run_scenario) if c.split(".")[0] in {"costing", "report"}
    ]
    assert not [
        c for c in _calls(zone_edit.run_zone_edit) if c.split(".")[0] in {"costing", "report"}
    ]
    calls = _calls(scenarios.evaluate_solution)
    costing = [c for c in calls if c.startswith("costing.")]
    reports = [c for c in calls if c.startswith("report.")]
    assert costing == ["costing.scenario_costs"]
    assert reports == ["report.scenario_result"]
    assert calls.index("costing.scenario_costs") < calls.index("report.scenario_result")
    for helper in (
        scenarios._instance,
        scenarios._travel_figures,
        scenarios._ratio,
        scenarios._meta,
    ):
        assert not [c for c in _calls(helper) if c.split(".")[0] in {"costing", "report"}]
