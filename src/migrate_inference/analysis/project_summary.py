"""One file's summary for the project index (`analysis/project.py`): the standard `ast`
module only, no LibCST.

What a file exports (module-level OpenAI and azure-ai-inference clients, functions that
return one, functions that forward their `**kwargs` to an OpenAI call), what it imports,
the attributes it reads on imported modules, and where it sets the openai module's
configuration.  Summaries are what the index caches per file.
"""

from __future__ import annotations

import ast
import json
from typing import Callable, Dict, List, Optional, Tuple

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
            base = absolute_module(node.module, node.level, module, is_package)
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
        and not (target.attr == "api_key" and _default_key(node.value, tree))
    ]
    return {
        "exports": exports,
        "forwarders": _forwarders(tree),
        "inference_exports": inference_exports,
        "imports": imports,
        "attributes": attributes,
        "config": config,
    }


def _default_key(value: ast.AST, tree: ast.Module) -> bool:
    """`os.environ["OPENAI_API_KEY"]`, `os.getenv("OPENAI_API_KEY")`, `os.environ.get(...)`
    with no default: the key openai reads by itself, so setting it changes nothing for the
    calls of other files (which keep reading their own environment variables when migrated)."""
    if not any(
        isinstance(n, ast.Import) and any(a.name == "os" and a.asname is None for a in n.names)
        for n in tree.body
    ):
        return False
    if isinstance(value, ast.Subscript):
        key = value.slice
        return _dotted(value.value) == "os.environ" and _is_key_name(key)
    if isinstance(value, ast.Call) and len(value.args) == 1 and not value.keywords:
        return _dotted(value.func) in ("os.getenv", "os.environ.get") and _is_key_name(value.args[0])
    return False


def _is_key_name(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == "OPENAI_API_KEY"


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


def absolute_module(
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


def notebook_summary(data: bytes) -> Optional[dict]:
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


def summary_of(data: bytes, name: Tuple[str, bool]) -> dict:
    module, is_package = name
    return summarise(data.decode("utf-8", "replace"), module, is_package) or {
        "exports": {},
        "inference_exports": {},
        "imports": [],
        "attributes": {},
    }
