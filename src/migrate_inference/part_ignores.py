"""Inline suppression of a part of a call: the call stays as it is, with a TODO.

A call is migrated together with its parts (parameters mapped, ``**`` dicts, legacy
function calling, the reads of its response, the `except` clauses around it:
`config.PART_CODES`).  A ``# migrate-inference: ignore[MI340]`` on an `except` line asks
for one part to be left out, and a call migrated without it behaves differently (the
clause would no longer catch what the Azure SDK raises).  So an inline ignore naming a
part code anywhere in the function that makes the call (or in the module, for a call at
the top level) keeps the call on OpenAI, and with it its client's whole component, with a
TODO that says which comment did it.  The optional parts (`OPTIONAL_PART_CODES`: message
and tool dicts, which the Azure SDK accepts as they are) do not.
"""

from __future__ import annotations

from typing import Dict, Mapping, Optional, Tuple

import libcst as cst

from migrate_inference.config import PART_CODES
from migrate_inference.rules.suppression import ignores

# Scope -> its first part code, so that the calls of one function share one walk of it.
# Keyed by id(); the node is kept beside its answer and compared, so a reused id of a
# freed node never answers for another.  Small: calls of one scope come together, and
# an entry keeps its tree alive.
_SEEN: Dict[int, Tuple[cst.CSTNode, Optional[str]]] = {}
_SEEN_LIMIT = 16


def _scope_of(node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]) -> cst.CSTNode:
    current: Optional[cst.CSTNode] = node
    last = node
    while current is not None:
        if isinstance(current, (cst.FunctionDef, cst.Module)):
            return current
        last = current
        current = parents.get(current)
    return last


def _first_part_code(scope: cst.CSTNode) -> Optional[str]:
    found: list = []

    class Comments(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            if found or "migrate-inference" not in comment.value:
                return
            for code in PART_CODES:
                if ignores(comment.value, code) and not ignores(comment.value, None):
                    found.append(code)
                    return

    scope.visit(Comments())
    return found[0] if found else None


def part_ignored(
    node: cst.CSTNode, parents: Mapping[cst.CSTNode, cst.CSTNode]
) -> Optional[str]:
    """The TODO for a call whose function (or module) ignores one of its parts, or None."""
    scope = _scope_of(node, parents)
    # The scope's decorators and header count too (a retry decorator guards the calls).
    seen = _SEEN.get(id(scope))
    if seen is not None and seen[0] is scope:
        code = seen[1]
    else:
        if len(_SEEN) >= _SEEN_LIMIT:
            _SEEN.clear()
        code = _first_part_code(scope)
        _SEEN[id(scope)] = (scope, code)
    if code is None:
        return None
    return (
        f"left on OpenAI: a `migrate-inference: ignore[{code}]` comment in this "
        f"{'function' if isinstance(scope, cst.FunctionDef) else 'module'} would have the call "
        f"migrated without {PART_CODES[code]}; remove that comment to migrate the call, or "
        "ignore the call itself"
    )
