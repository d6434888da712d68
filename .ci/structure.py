"""Measure the shape of VA Desk's code: modules per package, the largest modules and
functions, and import cycles between modules and between packages.

    python .ci/structure.py           # print the figures
    python .ci/structure.py --check   # also exit 1 on a cycle, a module or a function too long

Only imports that run when a module is imported count towards module cycles (imports under
`if TYPE_CHECKING:` do not); imports inside functions count towards package cycles, since a
package that reaches back into its caller at run time is still tangled with it.

`--check` holds the code to: no module over 400 lines, no function over 80, no cycle between
modules, and none between subpackages and the modules at a package's top level. Cycles
between whole directories are printed for information only: `bot/`'s top level holds both
the entry points above the handlers (app, cli, shutdown) and the leaves below everything
(clock, failure_log), so `bot` and `handlers` always reach each other as directories.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "store")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def module_files() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, *, deferred: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports at module level, or (deferred) those inside functions and classes."""

    def walk(nodes: list[ast.stmt], inside: bool) -> Iterator[ast.Import | ast.ImportFrom]:
        for node in nodes:
            if isinstance(node, ast.Import | ast.ImportFrom):
                if inside == deferred:
                    yield node
            elif isinstance(node, ast.If) and _is_type_checking(node):
                continue
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                yield from walk(node.body, True)
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    children = getattr(node, field, None)
                    if isinstance(children, list):
                        yield from walk(
                            [c for c in children if isinstance(c, ast.stmt | ast.excepthandler)],
                            inside,
                        )
                if isinstance(node, ast.ExceptHandler):
                    yield from walk(node.body, inside)

    yield from walk(tree.body, False)


def _targets(node: ast.Import | ast.ImportFrom, module: str, modules: dict[str, Path]) -> set[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".")
            if modules[module].name != "__init__.py":
                package = package[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, base] if base else package)
        names = [f"{base}.{alias.name}" for alias in node.names] + [base]
    found = set()
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)
    return found


def import_graph(modules: dict[str, Path], *, deferred: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _imports(tree, deferred=False):
            graph[module] |= _targets(node, module, modules)
        if deferred:
            for node in _imports(tree, deferred=True):
                graph[module] |= _targets(node, module, modules)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_of(module: str, modules: dict[str, Path]) -> str:
    """The directory a module sits in (a package is its own directory)."""
    if modules[module].name == "__init__.py":
        return module
    return module.rpartition(".")[0] or module


def _node(module: str, modules: dict[str, Path]) -> str:
    """A subpackage below the top packages, or a module of a top package itself."""
    parts = module.split(".")
    if len(parts) >= 3 or (len(parts) == 2 and modules[module].name == "__init__.py"):
        return ".".join(parts[:2])
    return module if parts[0] == "bot" else parts[0]


def _collapsed(
    graph: dict[str, set[str]], group: Callable[[str], str], skip_parents: bool = False
) -> dict[str, set[str]]:
    """The import graph between groups of modules (a group importing itself left out)."""
    collapsed: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        source = group(module)
        for target in targets:
            destination = group(target)
            if destination == source or (skip_parents and source.startswith(destination + ".")):
                continue
            collapsed[source].add(destination)
    return collapsed


def _print_cycles(title: str, found: list[list[str]]) -> None:
    print(f"{title}: {len(found)}")
    for component in found:
        print("  " + " <-> ".join(component))


def long_functions(modules: dict[str, Path]) -> list[tuple[int, str]]:
    found = []
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found.append((length, f"{module}.{node.name}"))
    return sorted(found, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 on a finding")
    check = parser.parse_args().check
    modules = module_files()
    lines = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules.items()}

    per_package: dict[str, int] = defaultdict(int)
    for module in modules:
        per_package[package_of(module, modules)] += 1
    print("modules per package:")
    for package, count in sorted(per_package.items()):
        print(f"  {package:<24} {count}")
    print(f"modules: {len(modules)}, lines: {sum(lines.values())}")

    largest = sorted(((n, m) for m, n in lines.items()), reverse=True)[:5]
    print("largest modules: " + ", ".join(f"{m} {n}" for n, m in largest))
    too_long = sorted((n, m) for m, n in lines.items() if n > MAX_MODULE_LINES)
    print(f"modules over {MAX_MODULE_LINES} lines: {len(too_long)}")
    functions = long_functions(modules)
    print(f"functions over {MAX_FUNCTION_LINES} lines: {len(functions)}")
    for length, name in functions:
        print(f"  {name} {length}")

    module_cycles = cycles(import_graph(modules, deferred=False))
    _print_cycles("module import cycles (at import time)", module_cycles)
    every_import = import_graph(modules, deferred=True)
    deferred_cycles = cycles(every_import)
    _print_cycles("module import cycles (imports inside functions too)", deferred_cycles)
    directories = _collapsed(every_import, lambda m: package_of(m, modules), skip_parents=True)
    _print_cycles("directory import cycles (parents excluded; information)", cycles(directories))
    # A module at a package's top level (bot/clock.py) is its own node: a subpackage that
    # takes constants from it while it imports the subpackage is tangled all the same.
    node_cycles = cycles(_collapsed(every_import, lambda m: _node(m, modules)))
    _print_cycles("cycles between subpackages and top-level modules", node_cycles)

    findings = len(too_long) + len(functions) + len(module_cycles) + len(deferred_cycles)
    findings += len(node_cycles)
    return 1 if check and findings else 0


if __name__ == "__main__":
    sys.exit(main())
