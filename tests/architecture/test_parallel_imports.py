"""The parallel seam is the only door to Dask: the core takes a runner, never imports one."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_seam_imports_dask() -> None:
    """dask and distributed are imported by optimiser/parallel.py alone (lazily there)."""
    found = {
        path.relative_to(ROOT).as_posix()
        for package in ("optimiser", "geodata", "ui")
        for path in (ROOT / package).rglob("*.py")
        if any(m.split(".")[0] in {"dask", "distributed"} for m in _modules(path))
    }
    assert found == {"optimiser/parallel.py"}


def test_the_core_does_not_reach_the_sweep_or_the_service() -> None:
    """optimiser/models runs tasks through a runner it is given; it knows no sweep or service."""
    for path in (ROOT / "optimiser" / "models").rglob("*.py"):
        bad = {
            m
            for m in _modules(path)
            if m.startswith(("optimiser.sweep", "optimiser.service", "optimiser.cli"))
        }
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_the_core_runs_without_loading_dask() -> None:
    """Importing the rounds model (and the seam) loads no Dask: the inline runner needs none."""
    import subprocess
    import sys

    code = (
        "import sys, optimiser.models.carer_rounds, optimiser.parallel; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
