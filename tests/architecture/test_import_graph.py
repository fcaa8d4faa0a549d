"""The project's own import graph: no cycle anywhere, and no module imports a layer above it.

The graph is built from the source (``ast``), not by importing: a node is a module of
``geodata``, ``optimiser`` or ``ui`` (a package is its ``__init__``); an edge is any import of
one from another, wherever it sits (top level, inside a function, or under
``if TYPE_CHECKING:``). Relative imports are resolved against the importing package, and
``from pkg import name`` reaches the module ``pkg.name`` when there is one, else ``pkg``.

Rule chosen for ``if TYPE_CHECKING:`` imports: they are recorded as type-only (not runtime,
shown as such in messages) but they COUNT for both checks. A type-only cycle is still a cycle
of design (neither module can be read, moved or tested without the other, and it turns into a
runtime cycle the first time the name is needed at run time), and a type-only upward import
still makes a lower layer know about a higher one. Deferred imports inside functions count
too: deferring an import hides a dependency, it does not remove it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("geodata", "optimiser", "ui")

#: Layers from the bottom up, matched by the longest module-path prefix, so a module turned
#: into a package (``optimiser.service``, ``optimiser.models.rounds``, ``optimiser.data.tables``)
#: keeps its layer for every module inside it. A module may import its own layer or below.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("geodata",),
    # records, errors and the result dataclass: what every layer above may pass around
    ("optimiser", "optimiser.data", "optimiser.errors", "optimiser.result"),
    # the pure core: instances, solvers, checkers
    ("optimiser.models",),
    # pure consumers of the core, and the demo generator (it uses the per-visit travel formula)
    (
        "optimiser.costing",
        "optimiser.equity",
        "optimiser.market",
        "optimiser.report",
        "optimiser.brokerage",
        "optimiser.demo",
        "optimiser.left_without_care",
    ),
    ("optimiser.service",),
    # many service runs as parallel tasks: sweeps, stress tests and the national screening
    ("optimiser.sweep", "optimiser.stress", "optimiser.screening"),
    ("optimiser.cli",),
    ("ui",),
)

#: Upward imports allowed on purpose, with the reason.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {
    # `homecare app` starts the web app: the launcher only spawns `streamlit run` in a
    # subprocess and imports nothing of the project (test_import_rules checks cli.py's imports).
    ("optimiser.cli", "ui.launch"): "the CLI's `app` command starts the web app's launcher",
}

#: The optimiser modules the entry points (CLI, web app) may import: the service, plus the
#: records, errors and result they pass to and get back from it (as test_import_rules says).
ENTRY_POINT_MAY_IMPORT = (
    "optimiser",
    "optimiser.service",
    # the stress tests' orchestrator (many service runs), which the Resilience page calls
    "optimiser.stress",
    "optimiser.result",
    "optimiser.errors",
    "optimiser.data.domain",
)


@dataclass(frozen=True)
class Edge:
    """One import of a project module by another (``line`` in ``source``)."""

    source: str
    target: str
    line: int
    type_only: bool

    def __str__(self) -> str:
        kind = " (type-only)" if self.type_only else ""
        return f"{self.source} -> {self.target} [line {self.line}{kind}]"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project's packages, by dotted name."""
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            out[_module_name(path)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import node with whether it sits under ``if TYPE_CHECKING:``."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def visit(node: ast.AST, type_only: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append((node, type_only))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, True)
            for child in node.orelse:
                visit(child, type_only)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, type_only)

    visit(tree, False)
    return found


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The project module a dotted name lives in (its longest prefix that is a module)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _targets(
    node: ast.Import | ast.ImportFrom, module: str, path: Path, modules: dict[str, Path]
) -> set[str]:
    if isinstance(node, ast.Import):
        return {t for alias in node.names if (t := _owner(alias.name, modules))}
    if node.level:
        package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)]
        parent = ".".join(base + ([node.module] if node.module else []))
    else:
        parent = node.module or ""
    out: set[str] = set()
    for alias in node.names:
        sub = f"{parent}.{alias.name}"
        target = sub if sub in modules else _owner(parent, modules)
        if target:
            out.add(target)
    return out


def import_graph() -> list[Edge]:
    """Every edge between two different project modules."""
    modules = project_modules()
    edges: list[Edge] = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, type_only in _imports(tree):
            for target in sorted(_targets(node, module, path, modules)):
                if target != module:
                    edges.append(Edge(module, target, node.lineno, type_only))
    return edges


def _adjacency(edges: list[Edge]) -> dict[str, list[Edge]]:
    adj: dict[str, list[Edge]] = {}
    for e in edges:
        adj.setdefault(e.source, []).append(e)
        adj.setdefault(e.target, [])
    return adj


def find_cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One shortest cycle (as its edges) per group of modules that import each other."""
    adj = _adjacency(edges)
    return [_cycle_in(comp, adj) for comp in tangles(edges)]


def tangles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    adj = _adjacency(edges)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for e in adj[v]:
            w = e.target
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp: list[str] = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(sorted(comp))

    for v in sorted(adj):
        if v not in index:
            strongconnect(v)
    return components


def _cycle_in(component: list[str], adj: dict[str, list[Edge]]) -> list[Edge]:
    """A shortest cycle through the component's first module (breadth-first)."""
    inside = set(component)
    start = component[0]
    came: dict[str, Edge] = {}
    frontier = [start]
    while frontier:
        nxt: list[str] = []
        for v in frontier:
            for e in adj[v]:
                if e.target not in inside:
                    continue
                if e.target == start:
                    path = [e]
                    while path[0].source != start:
                        path.insert(0, came[path[0].source])
                    return path
                if e.target not in came:
                    came[e.target] = e
                    nxt.append(e.target)
        frontier = nxt
    raise AssertionError(f"no cycle found in component {component}")  # pragma: no cover


def layer_of(module: str) -> int | None:
    """The layer rank of a module: that of its longest matching prefix in ``LAYERS``."""
    best: tuple[int, int] | None = None
    for rank, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank)
    return None if best is None else best[1]


def _is_entry_point(module: str) -> bool:
    return module == "optimiser.cli" or module == "ui" or module.startswith("ui.")


def test_every_module_has_a_layer() -> None:
    """A new module or package outside every layer of ``LAYERS`` is named, so it gets one."""
    missing = sorted(m for m in project_modules() if layer_of(m) is None)
    assert not missing, f"modules with no layer in LAYERS: {missing}"


def test_import_graph_has_no_cycle() -> None:
    """No chain of imports between the project's modules leads back to where it started."""
    edges = import_graph()
    cycles = find_cycles(edges)
    lines: list[str] = []
    for cycle, tangle in zip(cycles, tangles(edges), strict=True):
        lines.append("cycle: " + " -> ".join([cycle[0].source] + [e.target for e in cycle]))
        lines.extend(f"    {e}" for e in cycle)
        lines.append(f"    modules importing each other: {', '.join(tangle)}")
    assert not cycles, f"{len(cycles)} import cycle(s):\n" + "\n".join(lines)


def test_no_module_imports_a_layer_above_it() -> None:
    """Imports go down: ui -> cli -> service -> costing/report -> models -> data -> geodata."""
    bad = [
        str(e) + f" (layer {layer_of(e.source)} imports layer {layer_of(e.target)})"
        for e in import_graph()
        if (src := layer_of(e.source)) is not None
        and (dst := layer_of(e.target)) is not None
        and dst > src
        and (e.source, e.target) not in ALLOWED_UPWARD
    ]
    assert not bad, "upward imports:\n  " + "\n  ".join(bad)


def test_entry_points_reach_the_core_only_through_the_service() -> None:
    """The CLI and the web app import, of optimiser, only the service and what it hands back."""
    bad = [
        str(e)
        for e in import_graph()
        if _is_entry_point(e.source)
        and e.target.startswith("optimiser")
        and e.target != "optimiser.cli"
        and not any(e.target == a or e.target.startswith(a + ".") for a in ENTRY_POINT_MAY_IMPORT)
    ]
    assert not bad, "go through optimiser.service:\n  " + "\n  ".join(bad)


def test_the_graph_builder_resolves_every_import_form() -> None:
    """Relative, `from pkg import module`, dotted and type-only imports all become edges."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "from . import domain\n"
        "from ..models import instance\n"
        "from optimiser.models.instance import build_instance\n"
        "import geodata.travel\n"
        "if TYPE_CHECKING:\n"
        "    from optimiser.result import ScenarioResult\n"
    )
    modules = project_modules()
    path = ROOT / "optimiser" / "data" / "config.py"
    found = {
        (t, type_only)
        for node, type_only in _imports(ast.parse(source))
        for t in _targets(node, "optimiser.data.config", path, modules)
    }
    assert ("optimiser.data.domain", False) in found
    assert ("optimiser.models.instance", False) in found
    assert ("geodata.travel", False) in found
    assert ("optimiser.result", True) in found
    a = Edge("a", "b", 1, False)
    b = Edge("b", "a", 2, True)
    assert find_cycles([a, b, Edge("b", "c", 3, False)]) == [[a, b]]
