"""The package's layout rules, read from the source with `ast` (no imports run).

No import cycles between modules, no module importing a name from an
ancestor package's `__init__` (only its submodules), no module named like a
standard-library module, and every module short enough to read in one sitting.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "lstm_apps"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}
PACKAGES = {module_name(p) for p in PACKAGE_DIR.rglob("__init__.py")}


def imports_of(name: str) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import in a module."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                package = name if name in PACKAGES else name.rsplit(".", 1)[0]
                for _ in range(node.level - 1):
                    package = package.rsplit(".", 1)[0]
                base = f"{package}.{base}".rstrip(".")
            found += [(base, a.name, node.lineno) for a in node.names]
    return [item for item in found if item[0].split(".")[0] == "lstm_apps"]


def edges() -> dict[str, set[str]]:
    graph = {name: set() for name in MODULES}
    for name in MODULES:
        for module, imported, _ in imports_of(name):
            target = f"{module}.{imported}" if f"{module}.{imported}" in MODULES else module
            if target in MODULES and target != name:
                graph[name].add(target)
    return graph


def cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_package_is_found():
    assert "lstm_apps.training" in MODULES and "lstm_apps.tasks.base" in MODULES


def test_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles():
    # imports inside functions count too: they still tie the two modules together
    assert cycles(edges()) == []


def test_no_module_imports_names_from_an_ancestor_package():
    upward = []
    for name in MODULES:
        for module, imported, line in imports_of(name):
            ancestor = module in PACKAGES and name.startswith(module + ".")
            if ancestor and imported is not None and f"{module}.{imported}" not in MODULES:
                upward.append(f"{name}:{line} imports {imported!r} from {module}")
    assert upward == []


def test_no_module_shadows_the_standard_library():
    clashes = [n for n in MODULES if n.rsplit(".", 1)[-1] in sys.stdlib_module_names]
    assert clashes == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_short_enough_to_read(name):
    lines = len(MODULES[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES})"
