"""The layering rules of STYLE.md, checked on the source: ui -> service -> optimiser -> geodata."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from optimiser import service` reaches optimiser.service
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _py_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _py_files("geodata"), ids=lambda p: p.name)
def test_geodata_never_imports_optimiser_or_ui(path: Path) -> None:
    """geodata/ is geometry only: it must not reach up into the domain or the UI."""
    bad = {m for m in _imports(path) if m.split(".")[0] in {"optimiser", "ui", "streamlit"}}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize(
    "path", _py_files("optimiser") + _py_files("geodata"), ids=lambda p: p.name
)
def test_only_ui_imports_streamlit(path: Path) -> None:
    """Nothing outside ui/ imports streamlit, so the core runs headless and in tests."""
    bad = {m for m in _imports(path) if m.split(".")[0] in {"streamlit", "ui"}}
    # cli.py may import the launcher of the UI lazily; it must not import streamlit itself.
    if path.name == "cli.py":
        bad -= {"ui", "ui.launch", "ui.launch.main"}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


@pytest.mark.parametrize("path", _py_files("ui"), ids=lambda p: p.name)
def test_ui_calls_only_the_service_layer(path: Path) -> None:
    """Pages reach the core only through optimiser.service, or optimiser.stress for the
    Resilience page (records and results may be imported)."""
    allowed = {
        "optimiser.service",
        "optimiser.stress",  # the orchestrator of many service runs (the Resilience page)
        "optimiser.result",
        "optimiser.errors",
        "optimiser.data.domain",
    }
    bad = {
        m
        for m in _imports(path)
        if m.split(".")[0] == "optimiser"
        and m != "optimiser"
        and not any(m == a or m.startswith(a + ".") for a in allowed)
    }
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)} (go through optimiser.service)"


def test_solver_imports_are_confined() -> None:
    """CP-SAT is imported only by models/assign.py and routing only by models/rounds/model.py."""
    for path in _py_files("optimiser") + _py_files("geodata") + _py_files("ui"):
        mods = _imports(path)
        rel = path.relative_to(ROOT).as_posix()
        if any(m.startswith("ortools.sat") for m in mods):
            assert rel == "optimiser/models/assign.py", rel
        if any(m.startswith("ortools.constraint_solver") for m in mods):
            assert rel == "optimiser/models/rounds/model.py", rel


@pytest.mark.parametrize(
    "path", _py_files("optimiser") + _py_files("geodata") + _py_files("ui"), ids=lambda p: p.name
)
def test_product_never_imports_benchmark_code(path: Path) -> None:
    """vrplib, spopt, libpysal and benchmarks/ are benchmark-only (the `bench` extra), never the
    product's; PyVRP is the product's only in the rounds engine's PyVRP stage."""
    bench_only = {"vrplib", "spopt", "libpysal", "benchmarks"}
    mods = _imports(path)
    bad = {m for m in mods if m.split(".")[0] in bench_only}
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
    rel = path.relative_to(ROOT).as_posix()
    if any(m.split(".")[0] == "pyvrp" for m in mods):
        assert rel == "optimiser/models/rounds/pyvrp_stage.py", rel


def test_shipped_packages_hold_no_benchmark_code() -> None:
    """The packages pyproject ships include the rounds package but nothing from benchmarks/."""
    setuptools = pytest.importorskip("setuptools")
    find = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["packages"]["find"]
    shipped = setuptools.find_packages(
        where=str(ROOT), include=find.get("include", ["*"]), exclude=find.get("exclude", [])
    )
    assert "optimiser.models.rounds" in shipped
    assert not [p for p in shipped if p.split(".")[0] == "benchmarks" or ".bench" in p]
