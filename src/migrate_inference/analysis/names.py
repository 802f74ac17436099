"""Name resolution helpers over LibCST metadata: what a node is bound to, not how it is spelled."""

from __future__ import annotations

import re
from typing import Dict, Iterable, Optional, Set

import libcst as cst
from libcst.metadata import GlobalScope, QualifiedName, QualifiedNameSource, Scope
from libcst.metadata.base_provider import LazyValue


def imported_names(qualified: Iterable) -> Set[str]:
    """Qualified names that come from an import (not a local or a parameter)."""
    return {q.name for q in qualified if q.source == QualifiedNameSource.IMPORT}


def referents(scope: Optional[Scope], name: cst.Name) -> Optional[set]:
    """The assignments a Name access may refer to, or None when it is not an access."""
    if scope is None:
        return None
    for access in scope.accesses[name.value]:
        if access.node is name:
            return set(access.referents)
    return None


def dotted(node: cst.BaseExpression) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr.value}"
    return None


def string_value(node: cst.BaseExpression) -> Optional[str]:
    """The value of a plain (non-f, non-concatenated-with-expressions) string literal."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def is_global(scope: Optional[Scope]) -> bool:
    return isinstance(scope, GlobalScope)


def literal_keys(node: cst.Dict) -> Optional[Dict[str, cst.BaseExpression]]:
    """{"key": value} for a dict with only literal string keys, else None."""
    keys: Dict[str, cst.BaseExpression] = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key = string_value(element.key)
        if key is None or key in keys:
            return None
        keys[key] = element.value
    return keys


def code_of(node: cst.CSTNode) -> str:
    """The source text of a node."""
    return cst.Module([]).code_for_node(node)


def py_string(value: str) -> str:
    """A double-quoted Python string literal for `value`."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def slug(value: str) -> str:
    """`gpt-3.5-turbo` -> `gpt_3_5_turbo`: a deployment name as part of an identifier."""
    return re.sub(r"[^0-9A-Za-z]+", "_", value).strip("_")


def fresh_name(name: str, taken: Set[str]) -> str:
    """`name`, or `name_2`, `name_3`...: the first not in `taken` (which then holds it)."""
    candidate, i = name, 2
    while candidate in taken:
        candidate = f"{name}_{i}"
        i += 1
    taken.add(candidate)
    return candidate


def enclosing_function(node: cst.CSTNode, parents) -> Optional[cst.FunctionDef]:
    """The nearest `def` around `node` (lambdas are looked through), or None."""
    current = parents.get(node)
    while current is not None and not isinstance(current, cst.FunctionDef):
        current = parents.get(current)
    return current


def qualified_names(resolved, node: cst.CSTNode) -> Set[QualifiedName]:
    """The qualified names `QualifiedNameProvider` gives `node` (`resolved` is the
    provider's mapping, whose values may be computed on first read)."""
    found = resolved.get(node, ())
    return set(found() if isinstance(found, LazyValue) else found)
