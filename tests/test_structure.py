"""The shape of the source tree: no module grows past a few hundred lines, no rule module
imports another rule module (shared work lives in modules that are not rules;
docs/design.md, "Adding a rule"), and no modules import each other in a cycle."""

from __future__ import annotations

import ast
import pathlib

from migrate_inference import rules

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "migrate_inference"
MAX_LINES = 600


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.with_suffix("").relative_to(SRC).parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources():
    yield from sorted(PACKAGE.rglob("*.py"))


def _imported(path: pathlib.Path):
    """Every module name an import in the file may bring in (function-level ones too)."""
    package = _module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def test_no_source_file_is_too_long():
    long = {
        str(path.relative_to(SRC)): lines
        for path in _sources()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these along a real seam (over {MAX_LINES} lines): {long}"


def test_no_rule_imports_another_rule():
    rule_modules = {rule.module_name for rule in rules.RULES}
    found = []
    for path in _sources():
        name = _module_name(path)
        if name not in rule_modules:
            continue
        for line, imported in _imported(path):
            if imported in rule_modules and imported != name:
                found.append(f"{path.relative_to(SRC)}:{line} imports {imported}")
    assert not found, found


def _module_level_imports(path: pathlib.Path, known):
    """The modules of `known` that the file imports at module level, `if TYPE_CHECKING:`
    blocks included (an import inside a function is deliberately lazy)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.update(
                    name for _, name in _names_of(child, path) if name in known
                )
            walk(child)

    walk(tree)
    return found


def _names_of(node, path: pathlib.Path):
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield node.lineno, alias.name
        return
    base = node.module or ""
    if node.level:
        anchor = package.split(".")
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join(anchor + ([base] if base else []))
    yield node.lineno, base
    for alias in node.names:
        yield node.lineno, f"{base}.{alias.name}"


def test_no_import_cycle():
    paths = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
    graph = {
        name: _module_level_imports(path, paths) - {name} for name, path in paths.items()
    }
    cycles = []
    state = {}  # name -> "open" while on the current path, "done" after

    def visit(name, trail):
        state[name] = "open"
        for imported in sorted(graph[name]):
            if state.get(imported) == "open":
                cycles.append(trail[trail.index(imported):] + [imported])
            elif imported not in state:
                visit(imported, trail + [imported])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, [" -> ".join(cycle) for cycle in cycles]


def test_no_module_imports_another_modules_private_names():
    """What one module shares with another has a public name: `from a import _helper` is a
    private helper used as an interface."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("migrate_inference"):
                offenders += [
                    f"{path.relative_to(SRC)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert not offenders, "\n".join(offenders)
