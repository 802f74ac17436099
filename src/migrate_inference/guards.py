"""Cheap checks before LibCST sees a file, for inputs known to crash or stall it.

LibCST's native parser has no nesting limit of its own: 5,000 nested
parentheses overflow its stack and kill the process with a segmentation fault,
and a chain of a few thousand ``+`` terms parses, slowly, into a tree that its
visitors then cannot walk within Python's recursion limit.  CPython's own
parser refuses both with a clear message (more than 200 nested brackets, 100
levels of indentation, an expression too deep for its recursion limit) and is
an order of magnitude faster, so it goes first; a tree deeper than the rules
can follow is refused the same way.  Either way the file gets one MI001 line
and LibCST is never started on it.

Other syntax errors are left to LibCST, whose messages the tool has always
given (and which parses some syntax newer than the running Python).
"""

from __future__ import annotations

import ast
from typing import Optional

# The deepest syntax tree (CPython's ast) the rules are run on.  LibCST's tree
# is deeper still, and its visitors recurse: at Python's default recursion
# limit, a 350-term operator chain already exhausts it (measured).
MAX_DEPTH = 300

# CPython's messages for its own limits, as opposed to plain syntax errors.
_LIMIT_MESSAGES = (
    "too many nested parentheses",
    "too many levels of indentation",
    "too many statically nested blocks",
    "too many nested",
    "expression too deeply nested",
)


def refusal(source: str, filename: str = "<string>") -> Optional[str]:
    """Why the file must not be handed to LibCST, or None."""
    flags = ast.PyCF_ONLY_AST
    if filename.endswith(".ipynb"):
        flags |= ast.PyCF_ALLOW_TOP_LEVEL_AWAIT  # as IPython allows
    try:
        tree = compile(source, filename, "exec", flags=flags, dont_inherit=True)
    except SyntaxError as exc:
        message = exc.msg or ""
        if any(limit in message for limit in _LIMIT_MESSAGES):
            return f"syntax error at line {exc.lineno}: {message}"
        return None  # an ordinary syntax error: LibCST reports it as always
    except (RecursionError, MemoryError):
        return (
            "nested too deeply for Python's own parser "
            "(it gives up with a recursion error); file left unchanged"
        )
    except ValueError:  # NUL bytes and the like; LibCST reports them
        return None
    depth = tree_depth(tree)
    if depth > MAX_DEPTH:
        return f"nested {depth} levels deep; at most {MAX_DEPTH} can be migrated"
    return None


def tree_depth(tree: ast.AST) -> int:
    """The depth of the deepest node, without recursion (the tree may be deep)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
