"""Where a v1 client is built, which values its arguments and its calls' names hold.

Read-only questions the v1 planner (`analysis/v1_plan.py`) asks about one client binding:
the value of a module constant assigned before the client, of a name assigned in the
block that builds it, and whether an expression is cheap to evaluate again there (a
literal, an environment read).
"""

from __future__ import annotations

from typing import Dict, Optional

import libcst as cst
from libcst.metadata import GlobalScope

from migrate_inference.analysis.names import imported_names, referents, string_value
from migrate_inference.analysis.v1_model import Binding


class ClientValues:
    def __init__(self, parents, scopes, qualified, top_index: Dict[cst.CSTNode, int]) -> None:
        self.parents = parents
        self.scopes = scopes
        self.qualified = qualified
        self.top_index = top_index

    def global_value(
        self, expr: cst.BaseExpression, binding: Binding
    ) -> Optional[cst.BaseExpression]:
        """The value of a module-level name assigned once, before the client is built."""
        if not isinstance(expr, cst.Name):
            return None
        refs = referents(self.scopes.get(expr), expr)
        if not refs or len(refs) != 1:
            return None
        ref = next(iter(refs))
        if not isinstance(ref.scope, GlobalScope) or not isinstance(
            getattr(ref, "node", None), cst.Name
        ):
            return None
        assign = self.parents.get(self.parents.get(ref.node))
        statement = self.parents.get(assign)
        if not isinstance(assign, cst.Assign) or statement not in self.top_index:
            return None
        if (
            binding.statement in self.top_index
            and self.top_index[statement] > self.top_index[binding.statement]
        ):
            return None  # assigned after the client is built
        return assign.value

    def literal_of(self, expr: cst.BaseExpression, binding: Binding) -> Optional[str]:
        value = string_value(expr)
        if value is None:
            resolved = self.global_value(expr, binding) or self.reaching_value(
                expr, binding
            )
            value = string_value(resolved) if resolved is not None else None
        return value

    def reaching_value(
        self, expr: cst.BaseExpression, binding: Binding
    ) -> Optional[cst.BaseExpression]:
        """The value a name holds where the client is built, when it is visible and cheap to
        evaluate there: its one assignment in the block that builds the client (for a client
        chosen in branches, the assignment in that branch), or a string literal anywhere.
        """
        if not isinstance(expr, cst.Name) or binding.statement is None:
            return None
        refs = referents(self.scopes.get(expr), expr)
        if not refs:
            return None
        block = self.parents.get(binding.statement)
        found = []
        for ref in refs:
            node = getattr(ref, "node", None)
            target = self.parents.get(node) if isinstance(node, cst.Name) else None
            assign = self.parents.get(target) if target is not None else None
            if not (
                isinstance(target, cst.AssignTarget)
                and isinstance(assign, cst.Assign)
                and len(assign.targets) == 1
            ):
                return None  # a parameter, an import, a loop variable...
            statement = self.parents.get(assign)
            found.append((self.parents.get(statement), assign.value))
        if len(found) == 1 and string_value(found[0][1]) is not None:
            return found[0][1]
        same = [value for where, value in found if where is block]
        if len(same) == 1 and self.cheap(same[0]):
            return same[0]
        return None

    def assigned_in_block(
        self, expr: cst.Name, binding: Binding
    ) -> Optional[cst.BaseExpression]:
        """The value of `expr` assigned once in the block that builds the client, before it."""
        refs = referents(self.scopes.get(expr), expr)
        if not refs or len(refs) != 1 or binding.statement is None:
            return None
        node = getattr(next(iter(refs)), "node", None)
        target = self.parents.get(node) if isinstance(node, cst.Name) else None
        assign = self.parents.get(target) if target is not None else None
        if not (
            isinstance(target, cst.AssignTarget) and isinstance(assign, cst.Assign)
        ):
            return None
        statement = self.parents.get(assign)
        block = self.parents.get(statement)
        if block is not self.parents.get(binding.statement):
            return None
        body = list(getattr(block, "body", ()))
        if statement not in body or binding.statement not in body:
            return None
        if body.index(statement) > body.index(binding.statement):
            return None
        return assign.value

    def cheap(self, expr: cst.BaseExpression) -> bool:
        """A string literal or an environment read with literal arguments."""
        if string_value(expr) is not None:
            return True
        func = (
            expr.func
            if isinstance(expr, cst.Call)
            else expr.value if isinstance(expr, cst.Subscript) else None
        )
        if func is None:
            return False
        qualified = self.qualified.get(func, set())
        if callable(qualified):
            qualified = qualified()
        if not imported_names(qualified) & {
            "os.getenv",
            "os.environ.get",
            "os.environ",
        }:
            return False
        if isinstance(expr, cst.Call):
            return all(string_value(a.value) is not None for a in expr.args)
        return all(
            isinstance(e.slice, cst.Index) and string_value(e.slice.value) is not None
            for e in expr.slice
        )
