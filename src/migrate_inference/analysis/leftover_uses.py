"""Where a file still uses the openai package once the rules are done: a name an openai
import binds, read outside the imports.  A cheap look with the standard parser first
(`may_use_openai`), then the exact one with LibCST (`first_openai_use`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import (
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    QualifiedNameSource,
)

from migrate_inference.analysis.names import qualified_names
from migrate_inference.analysis.leftovers import statement_of
from migrate_inference.analysis.receivers import is_openai_name


def may_use_openai(code: str) -> bool:
    """A cheap first look with the standard parser: is a name an openai import binds read
    anywhere (LibCST then decides exactly, and only for the files where it may be)?"""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    bound: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound |= {
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if is_openai_name(a.name)
            }
        elif isinstance(node, ast.ImportFrom) and not node.level:
            if is_openai_name(node.module or ""):
                bound |= {a.asname or a.name for a in node.names}
    return bool(bound) and any(
        isinstance(n, ast.Name) and n.id in bound for n in ast.walk(tree)
    )


def _in_except_clause(parents, node: cst.CSTNode) -> bool:
    """Part of the class list of an `except` clause: MI340 (errors) decides those."""
    while isinstance(node, (cst.Name, cst.Attribute, cst.Tuple, cst.Element)):
        parent = parents.get(node)
        if isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler)):
            return parent.type is node
        node = parent
    return False


@dataclass
class Use:
    """The first use of the openai package left in a file."""

    statement: cst.CSTNode
    line: int
    column: int
    shown: str
    in_annotation: bool = False


def first_openai_use(wrapper: cst.MetadataWrapper) -> Optional[Use]:
    """Where the text still uses the openai package: the first name bound by an openai
    import that is read outside the imports (module config, a client built for other
    files, `isinstance(x, AsyncOpenAI)`...). Dunder attributes (`openai.__version__`)
    and the classes of `except` clauses (the errors rule's) do not count: they call
    nothing. A type annotation counts only when nothing else does (`in_annotation`): it
    calls nothing either, but it still describes an OpenAI object, and the file still
    needs the openai package for it."""
    qualified = wrapper.resolve(QualifiedNameProvider)
    positions = wrapper.resolve(PositionProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    uses: List[Tuple[int, int, cst.CSTNode, str]] = []
    annotations: List[Tuple[int, int, cst.CSTNode, str]] = []

    def openai_names(node: cst.CSTNode) -> Set[str]:
        found = qualified_names(qualified, node)
        return {
            q.name
            for q in found
            if q.source == QualifiedNameSource.IMPORT and is_openai_name(q.name)
        }


    class Uses(cst.CSTVisitor):
        in_annotation = 0

        def visit_Import(self, node: cst.Import) -> bool:
            return False  # the names an import binds are not uses

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Annotation(self, node: cst.Annotation) -> None:
            self.in_annotation += 1

        def leave_Annotation(self, node: cst.Annotation) -> None:
            self.in_annotation -= 1

        def visit_Name(self, node: cst.Name) -> None:
            if not openai_names(node):
                return
            if _in_except_clause(parents, node):
                return
            parent = parents.get(node)
            shown = node.value
            if isinstance(parent, cst.Attribute) and parent.value is node:
                if parent.attr.value.startswith("__"):
                    return
                shown = f"{node.value}.{parent.attr.value}"
            rng = positions.get(node)
            statement = statement_of(parents, node)
            if rng is not None and statement is not None:
                found = annotations if self.in_annotation else uses
                found.append((rng.start.line, rng.start.column + 1, statement, shown))

    wrapper.visit(Uses())
    if not uses and not annotations:
        return None
    line, column, statement, shown = min(
        uses or annotations, key=lambda u: (u[0], u[1])
    )
    return Use(statement, line, column, shown, in_annotation=not uses)
