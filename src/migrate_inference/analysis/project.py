"""The project index: which modules build OpenAI clients that other modules import.

Before the per-file work, one cheap pass over the project (the standard `ast` module,
no LibCST) finds, in every file that mentions OpenAI, the clients bound at module level
(`client = OpenAI(...)`) and the functions that return one (`def get_client(): return
OpenAI(...)`); then, in every Python file of the project, the imports of those names
(`from llm import client`, `import llm` + `llm.client`).  The per-file engine consults
the index, so a client built in `llm.py` and used in `app.py` is one component: it is
migrated only when every use of it can be, and otherwise stays an OpenAI client in
every file, with a TODO that names the other files (`analysis/components.py`).

The same pass finds the azure-ai-inference clients (`ChatCompletionsClient(...)`,
`EmbeddingsClient(...)`, sync and aio) bound at module level or returned by a function,
and who imports them (also through a module that imports one and is imported in turn):
`--to openai` decides such a client for the whole project (`to_openai/shared.py`).

The index is built from the project root (the repository top, or the common directory
of the given paths) even when only some files are given (pre-commit passes the changed
ones), so uses in files that were not given are still seen.  Per-file summaries are
cached, keyed by path, size, modification time and tool version, and recomputed when a
file changes.
"""

from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from migrate_inference.analysis.project_files import (
    _Cache,
    _module_names,
    _python_files,
    _read,
    project_root,
)

# the v1 client classes, by the name they have in the openai package
CLIENT_CLASSES = {
    "OpenAI",
    "Client",
    "AsyncOpenAI",
    "AsyncClient",
    "AzureOpenAI",
    "AsyncAzureOpenAI",
}
# the azure-ai-inference client classes `--to openai` follows across files
INFERENCE_CLIENT_CLASSES = {"ChatCompletionsClient", "EmbeddingsClient"}
INFERENCE_MODULES = ("azure.ai.inference", "azure.ai.inference.aio")
# `openai.<attr> = ...` in a module: configuration the module-level calls of every
# other module see too (the openai module is one object per process)
CONFIG_ATTRS = {"api_key", "api_base", "api_type", "api_version", "base_url"}


@dataclass
class ProjectIndex:
    """What the engine needs to know about other files, keyed by real path."""

    root: str = ""
    # path -> {name: "OpenAI" | "factory"}: module-level clients and client factories
    exports: Dict[str, Dict[str, str]] = field(default_factory=dict)
    # (path, name) -> ["app.py:3", ...]: where other files use that export
    importers: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)
    # path -> {local name: (defining path, name)}: exports this file imports
    imported: Dict[str, Dict[str, Tuple[str, str]]] = field(default_factory=dict)
    # (path, name) -> ["app.py:3", ...]: where other files import a function of that file
    # that forwards its **kwargs to an OpenAI call (analysis/forwarders.py)
    forwarder_importers: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)
    # path -> [(attr, line)]: where a file sets the openai module's configuration
    config: Dict[str, List[Tuple[str, int]]] = field(default_factory=dict)
    # the same for azure-ai-inference clients (`--to openai`)
    inference_exports: Dict[str, Dict[str, str]] = field(default_factory=dict)
    # (path, name) -> ["app.py:3", ...]: where other files use that client (imports and
    # `module.name` reads, also through a module that imports it)
    inference_importers: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)
    # (path, name) -> the real paths of those files
    inference_users: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)
    # (path, name) -> (defining path, name): a name a file imports from where it is built
    inference_reexports: Dict[Tuple[str, str], Tuple[str, str]] = field(
        default_factory=dict
    )
    # module name -> path (also "\0<dir>\0<name>" for a script's own directory)
    modules: Dict[str, str] = field(default_factory=dict)
    # path -> (module name, is package)
    module_of: Dict[str, Tuple[str, bool]] = field(default_factory=dict)
    # the real paths the run was given (a file under none of them is not migrated)
    given: List[str] = field(default_factory=list)
    # `--to openai`: (path, name) -> the project-wide decision on that client (shared.py)
    verdicts: Dict[Tuple[str, str], object] = field(default_factory=dict)
    # `--to openai`: the real paths the run migrates -> their per-file-ignores codes
    # (None: every file under `given`)
    run_files: Optional[Dict[str, frozenset]] = None
    # `--to openai`: path -> its text as the run first read it (None: unreadable)
    sources: Dict[str, Optional[str]] = field(default_factory=dict)
    files: int = 0  # Python files summarised
    parsed: int = 0  # of which parsed in this run (the rest came from the cache)

    def uses_inference_client(self, path: str) -> bool:
        """Whether the file at `path` uses an azure-ai-inference client another file builds."""
        real = os.path.realpath(path)
        return any(real in users for users in self.inference_users.values())

    def uses_elsewhere(self, path: str) -> Dict[str, List[str]]:
        """{export name: places in other files that use it} for the file at `path`."""
        real = os.path.realpath(path)
        return {
            name: places
            for (where, name), places in self.importers.items()
            if where == real and places
        }

    def forwarders_used_elsewhere(self, path: str) -> Dict[str, List[str]]:
        """{forwarding function: places in other files that import or read it}."""
        real = os.path.realpath(path)
        return {
            name: places
            for (where, name), places in self.forwarder_importers.items()
            if where == real and places
        }

    def imports_of(self, path: str) -> Dict[str, Tuple[str, str]]:
        """{local name: (defining file relative to the root, name)} for the file at `path`."""
        real = os.path.realpath(path)
        return {
            local: (self._shown(where), name)
            for local, (where, name) in self.imported.get(real, {}).items()
        }

    def config_elsewhere(self, path: str) -> List[str]:
        """`settings.py:5 (api_base, api_key)` for each other file that configures openai."""
        real = os.path.realpath(path)
        return [
            f"{self._shown(where)}:{sites[0][1]} ({', '.join(sorted({a for a, _ in sites}))})"
            for where, sites in sorted(self.config.items())
            if where != real and sites
        ]

    def inference_client(
        self, path: str, qualified: str
    ) -> Optional[Tuple[str, str, str]]:
        """(defining path, name, "client" | "factory") of the azure-ai-inference client that
        `qualified` (a qualified name as the file at `path` imports it: `llm.client`,
        `.llm.client`) stands for, or None."""
        real = os.path.realpath(path)
        dots = len(qualified) - len(qualified.lstrip("."))
        module, _, name = qualified[dots:].rpartition(".")
        if not name:
            return None
        if dots:
            current = self.module_of.get(real)
            if current is None:
                return None
            base = _absolute(module or None, dots, current[0], current[1])
        else:
            base = module
        if not base:
            return None
        target = self.modules.get(base) or self.modules.get(
            f"\0{os.path.dirname(real)}\0{base}"
        )
        if target is None or target == real:
            return None
        found = self._inference_origin(target, name)
        if found is None:
            return None
        where, original = found
        return where, original, self.inference_exports[where][original]

    def _inference_origin(self, path: str, name: str) -> Optional[Tuple[str, str]]:
        seen = set()
        while (path, name) not in seen:
            seen.add((path, name))
            if name in self.inference_exports.get(path, {}):
                return path, name
            nxt = self.inference_reexports.get((path, name))
            if nxt is None:
                return None
            path, name = nxt
        return None

    def in_run(self, path: str) -> bool:
        """Whether the run migrates the file at `path` (when the run's files are not
        known: whether it is under one of the paths the run was given)."""
        real = os.path.realpath(path)
        if self.run_files is not None:
            return real in self.run_files
        for given in self.given or [self.root]:
            try:
                if os.path.commonpath([real, given]) == given:
                    return True
            except ValueError:
                continue
        return False

    def shown(self, path: str) -> str:
        return self._shown(path)

    def _shown(self, path: str) -> str:
        try:
            return os.path.relpath(path, self.root)
        except ValueError:
            return path


# ------------------------------------------------------------------ one file


def summarise(source: str, module: str, is_package: bool) -> Optional[dict]:
    """What one file exports and imports, or None when it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    openai_names = _openai_names(tree)
    exports = _exports(tree, lambda value: _is_client_ctor(value, openai_names))
    inference_names = _inference_names(tree)
    inference_exports = (
        _exports(tree, lambda value: _is_inference_ctor(value, inference_names))
        if inference_names
        else {}
    )
    imports: List[list] = []
    attributes: Dict[str, List[list]] = {}
    aliases: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, module, is_package)
            if base is None:
                continue
            for alias in node.names:
                imports.append(
                    [base, alias.name, alias.asname or alias.name, node.lineno]
                )
                aliases[alias.asname or alias.name] = (
                    f"{base}.{alias.name}"  # maybe a module
                )
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
    if aliases:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                dotted = _dotted(node.value)
                if dotted is None:
                    continue
                head = dotted.split(".")[0]
                if head in aliases:
                    full = aliases[head] + dotted[len(head) :]
                    attributes.setdefault(full, []).append([node.attr, node.lineno])
    modules = {n for n, kind in openai_names.items() if kind == "openai"}
    config = [
        [target.attr, target.lineno]
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute)
        and isinstance(target.value, ast.Name)
        and target.value.id in modules
        and target.attr in CONFIG_ATTRS
    ]
    return {
        "exports": exports,
        "forwarders": _forwarders(tree),
        "inference_exports": inference_exports,
        "imports": imports,
        "attributes": attributes,
        "config": config,
    }


def _forwarders(tree: ast.Module) -> List[str]:
    """Module-level functions that pass their **kwargs to a `.create(...)`/`.acreate(...)`."""
    found = []
    for stmt in tree.body:
        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) or stmt.args.kwarg is None:
            continue
        kw = stmt.args.kwarg.arg
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("create", "acreate")
                and any(
                    k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kw
                    for k in node.keywords
                )
            ):
                found.append(stmt.name)
                break
    return found


def _exports(tree: ast.Module, is_ctor: Callable[[ast.AST], bool]) -> Dict[str, str]:
    """The module-level names bound to a client `is_ctor` recognises ("client") and the
    functions that return one ("factory")."""
    exports: Dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if stmt.value is not None and is_ctor(stmt.value):
                for target in targets:
                    if isinstance(target, ast.Name):
                        exports[target.id] = "client"
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(
                isinstance(node, ast.Return)
                and node.value is not None
                and is_ctor(node.value)
                for node in ast.walk(stmt)
            ):
                exports[stmt.name] = "factory"
    return exports


def _inference_names(tree: ast.Module) -> Dict[str, str]:
    """Local names bound to azure-ai-inference's client classes ("<module>.<class>"), and
    to its modules ("module")."""
    names: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in INFERENCE_MODULES:
                    if alias.asname:
                        names[alias.asname] = "module:" + alias.name
                    else:
                        names[alias.name.split(".")[0]] = "root"
        elif isinstance(node, ast.ImportFrom) and node.module in INFERENCE_MODULES:
            for alias in node.names:
                if alias.name in INFERENCE_CLIENT_CLASSES:
                    names[alias.asname or alias.name] = "class"
        elif isinstance(node, ast.ImportFrom) and node.module == "azure.ai":
            for alias in node.names:
                if alias.name == "inference":
                    names[alias.asname or alias.name] = "module:azure.ai.inference"
    return names


def _is_inference_ctor(value: ast.AST, names: Dict[str, str]) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Name):
        return names.get(func.id) == "class"
    if not isinstance(func, ast.Attribute) or func.attr not in INFERENCE_CLIENT_CLASSES:
        return False
    dotted = _dotted(func.value)
    if dotted is None:
        return False
    head = dotted.split(".")[0]
    kind = names.get(head)
    if kind == "root":
        return dotted in INFERENCE_MODULES
    if kind is not None and kind.startswith("module:"):
        return (kind[len("module:") :] + dotted[len(head) :]) in INFERENCE_MODULES
    return False


def _openai_names(tree: ast.Module) -> Dict[str, str]:
    """Local names bound to the openai package or its client classes."""
    names: Dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "openai":
                    names[alias.asname or "openai"] = "openai"
        elif isinstance(node, ast.ImportFrom) and node.module in (
            "openai",
            "openai.lib.azure",
        ):
            for alias in node.names:
                if alias.name in CLIENT_CLASSES:
                    names[alias.asname or alias.name] = alias.name
    return names


def _is_client_ctor(value: ast.AST, names: Dict[str, str]) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Name):
        return names.get(func.id) in CLIENT_CLASSES
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and names.get(func.value.id) == "openai"
    ):
        return func.attr in CLIENT_CLASSES
    return False


def _dotted(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _absolute(
    module: Optional[str], level: int, current: str, is_package: bool
) -> Optional[str]:
    if level == 0:
        return module
    parts = current.split(".")
    if not is_package:
        parts = parts[:-1]
    if level - 1 > len(parts):
        return None
    parts = parts[: len(parts) - (level - 1)]
    if module:
        parts.append(module)
    return ".".join(p for p in parts if p) or None


# ------------------------------------------------------------------ the project


def _notebook_summary(data: bytes) -> Optional[dict]:
    """The imports and `module.name` reads of a notebook's code cells (magics left out)."""
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
        cells = notebook.get("cells", [])
    except (ValueError, AttributeError):
        return None
    imports: List[list] = []
    attributes: Dict[str, List[list]] = {}
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        lines = [
            "" if line.lstrip().startswith(("%", "!")) else line
            for line in text.splitlines()
        ]
        summary = summarise("\n".join(lines), "__notebook__", False)
        if summary is None:
            continue
        imports += summary["imports"]
        for base, attrs in summary["attributes"].items():
            attributes.setdefault(base, []).extend(attrs)
    return {
        "exports": {},
        "inference_exports": {},
        "imports": imports,
        "attributes": attributes,
    }


def build_index(paths: Sequence[str], cache_dir: Optional[str] = None) -> ProjectIndex:
    """The index of the project the given paths belong to."""
    from migrate_inference.discover import has_openai_bytes

    root = project_root(paths)
    index = ProjectIndex(root=root)
    index.given = [os.path.realpath(p) for p in paths]
    cache = _Cache(root, cache_dir)
    summaries: Dict[str, dict] = {}
    modules: Dict[str, str] = {}  # module name -> path
    later: List[Tuple[str, os.stat_result, Tuple[str, bool]]] = []
    notebooks: List[str] = []
    for path in _python_files(root, notebooks):
        real = os.path.realpath(path)
        try:
            st = os.stat(real)
        except OSError:
            continue
        names = _module_names(real, root)
        if not names:
            continue
        for module, _ in names:
            modules.setdefault(module, real)
        index.module_of[real] = names[0]
        local = os.path.splitext(os.path.basename(real))[0]
        modules.setdefault(f"\0{os.path.dirname(real)}\0{local}", real)
        summary = cache.get(real, st)
        if summary is None:
            data = _read(real)
            if data is None:
                continue
            if not has_openai_bytes(data) and b"inference" not in data:
                later.append(
                    (real, st, names[0])
                )  # parsed only if it may import an export
                continue
            summary = _summary_of(data, names[0])
            index.parsed += 1
            cache.put(real, st, summary)
        summaries[real] = summary
        index.files += 1
    tokens = {
        (
            os.path.splitext(os.path.basename(path))[0].encode()
            if not path.endswith("__init__.py")
            else os.path.basename(os.path.dirname(path)).encode()
        )
        for path, summary in summaries.items()
        if summary["exports"] or summary.get("inference_exports") or summary.get("forwarders")
    }
    for real, st, name in later:
        data = _read(real) if tokens else None
        if data is None or not any(token in data for token in tokens):
            continue
        summary = _summary_of(data, name)
        index.parsed += 1
        cache.put(real, st, summary)
        summaries[real] = summary
        index.files += 1
    cache.save()
    index.modules = modules
    for path, summary in summaries.items():
        if summary["exports"]:
            index.exports[path] = dict(summary["exports"])
        if summary.get("inference_exports"):
            index.inference_exports[path] = dict(summary["inference_exports"])
        if summary.get("config"):
            index.config[path] = [(a, line) for a, line in summary["config"]]
    for path, summary in summaries.items():
        here = os.path.dirname(path)
        shown = os.path.relpath(path, root)
        for base, name, local, line in summary["imports"]:
            target = modules.get(base) or modules.get(f"\0{here}\0{base}")
            if target is None or target == path:
                continue
            exports = index.exports.get(target, {})
            if name in exports:
                index.importers.setdefault((target, name), []).append(f"{shown}:{line}")
                index.imported.setdefault(path, {})[local] = (target, name)
            if name in summaries.get(target, {}).get("forwarders", ()):
                index.forwarder_importers.setdefault((target, name), []).append(f"{shown}:{line}")
        for base, attrs in summary["attributes"].items():
            target = modules.get(base) or modules.get(f"\0{here}\0{base}")
            if target is None or target == path:
                continue
            exports = index.exports.get(target, {})
            for attr, line in attrs:
                if attr in summaries.get(target, {}).get("forwarders", ()):
                    index.forwarder_importers.setdefault((target, attr), []).append(
                        f"{shown}:{line}"
                    )
                if attr in exports:
                    places = index.importers.setdefault((target, attr), [])
                    place = f"{shown}:{line}"
                    if place not in places:
                        places.append(place)
    if index.inference_exports:
        # notebooks that use a shared azure-ai-inference client count as its users
        inference_tokens = {
            (
                os.path.splitext(os.path.basename(path))[0].encode()
                if not path.endswith("__init__.py")
                else os.path.basename(os.path.dirname(path)).encode()
            )
            for path in index.inference_exports
        }
        everything = dict(summaries)
        for path in notebooks:
            data = _read(path)
            if data is None or not any(t in data for t in inference_tokens):
                continue
            summary = _notebook_summary(data)
            if summary is not None:
                everything[path] = summary
        _inference_uses(index, everything, modules, root)
    return index


def _inference_uses(
    index: ProjectIndex, summaries: Dict[str, dict], modules: Dict[str, str], root: str
) -> None:
    """Who uses each azure-ai-inference client of the project: the files that import it,
    also from a module that imports it in turn (`from app import client`, where app.py
    has `from llm import client`), and the `module.client` reads."""

    def target_of(path: str, base: str) -> Optional[str]:
        target = modules.get(base) or modules.get(f"\0{os.path.dirname(path)}\0{base}")
        return None if target is None or target == path else target

    changed = True
    while changed:  # re-exports of re-exports: until nothing new is found
        changed = False
        for path, summary in summaries.items():
            for base, name, local, _ in summary["imports"]:
                target = target_of(path, base)
                if target is None or (path, local) in index.inference_reexports:
                    continue
                if index._inference_origin(target, name) is not None:
                    index.inference_reexports[(path, local)] = (target, name)
                    changed = True

    def add(path: str, origin: Tuple[str, str], line: int) -> None:
        places = index.inference_importers.setdefault(origin, [])
        place = f"{os.path.relpath(path, root)}:{line}"
        if place not in places:
            places.append(place)
        users = index.inference_users.setdefault(origin, [])
        if path not in users:
            users.append(path)

    for path, summary in summaries.items():
        for base, name, local, line in summary["imports"]:
            target = target_of(path, base)
            origin = None if target is None else index._inference_origin(target, name)
            if origin is not None:
                add(path, origin, line)
        for base, attrs in summary["attributes"].items():
            target = target_of(path, base)
            if target is None:
                continue
            for attr, line in attrs:
                origin = index._inference_origin(target, attr)
                if origin is not None:
                    add(path, origin, line)


def _summary_of(data: bytes, name: Tuple[str, bool]) -> dict:
    module, is_package = name
    return summarise(data.decode("utf-8", "replace"), module, is_package) or {
        "exports": {},
        "inference_exports": {},
        "imports": [],
        "attributes": {},
    }
