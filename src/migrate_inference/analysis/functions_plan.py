"""Which legacy function-calling calls convert to tools (the functions rule, MI320): not a
rule.  The engine builds the plan before the pass; the functions rule, the responses rule
and the call rules (v0_chat, v1_chat) read it.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set

import libcst as cst
from libcst.metadata import ParentNodeProvider, ScopeProvider

from migrate_inference.analysis.names import string_value
from migrate_inference.analysis.request_literals import literal_keys
from migrate_inference.rules.functions_code import tool_choice

READ_PARENTS = (
    cst.Attribute,
    cst.Subscript,
    cst.Comparison,
    cst.ComparisonTarget,
    cst.FormattedStringExpression,
)
MESSAGE_TYPES = {"result", "choices", "choice", "message"}


class FunctionsPlan:
    """Which calls convert, which function-role messages become ToolMessages, in which scopes."""

    def __init__(
        self, wrapper: cst.MetadataWrapper, calls: Dict[cst.Call, bool], types
    ) -> None:
        """`calls`: migrated chat call -> streams (None when unknown); `types`: analysis.responses.ResponseTypes."""
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.types = types
        self.name_types = types.name_types
        self.convert: Set[cst.Call] = set()
        self.reasons: Dict[cst.Call, str] = {}
        self.scopes_converted: Set[object] = set()
        self.tool_messages: Dict[cst.Dict, str] = (
            {}
        )  # function-role dict -> code of the reply message
        by_scope: Dict[object, List[cst.Call]] = {}
        for call, streams in calls.items():
            kw = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
            if "functions" not in kw and "function_call" not in kw:
                continue
            by_scope.setdefault(self.scopes.get(call), []).append(call)
            if streams is not False:
                self.reasons[call] = "the call streams"
            elif "function_call" in kw and tool_choice(kw["function_call"]) is None:
                self.reasons[call] = "function_call is not a literal"
            elif "functions" not in kw:
                self.reasons[call] = "function_call without functions"
            elif "tools" in kw or "tool_choice" in kw or any(a.star for a in call.args):
                self.reasons[call] = "the call also passes tools, or a ** dict that may"
        for scope, scope_calls in by_scope.items():
            reason = next(
                (self.reasons[c] for c in scope_calls if c in self.reasons), None
            )
            reason = reason or self._scope_problem(scope)
            if reason:
                for call in scope_calls:
                    self.reasons.setdefault(call, reason)
                continue
            self.scopes_converted.add(scope)
            self.convert.update(scope_calls)

    def _scope_problem(self, scope) -> Optional[str]:
        appended: List[str] = []
        function_dicts: List[cst.Dict] = []
        for name, kind in self.name_types.items():
            if self.scopes.get(name) is not scope:
                continue
            top = self._chain_top(name)
            if self.types.static_type(top) not in MESSAGE_TYPES:
                continue  # the chain ends in a plain value (content, a name, arguments)
            kind = self.types.static_type(top)
            parent = self.parents.get(top)
            if isinstance(parent, (cst.If, cst.While)) and parent.test is top:
                continue
            if isinstance(parent, READ_PARENTS) or _is_print_arg(parent, self.parents):
                continue
            if isinstance(parent, cst.For) and parent.iter is name:
                continue
            if (
                kind == "message"
                and top is name
                and _is_append_arg(parent, self.parents)
            ):
                appended.append(name.value)
                continue
            if isinstance(parent, cst.Assign) and isinstance(
                parent.targets[0].target, cst.Name
            ):
                continue  # bound to another local name, itself checked here
            code = cst.Module([]).code_for_node(top)
            return f"the reply `{code}` leaves this function (it is returned, passed on or stored)"
        for node in self._dicts_in(scope):
            keys = literal_keys(node) or {}
            if string_value(keys.get("role", cst.Name("None"))) == "function":
                function_dicts.append(node)
        if function_dicts:
            if len(set(appended)) != 1:
                return (
                    'a role "function" message cannot be tied to the reply it answers'
                )
            for node in function_dicts:
                keys = literal_keys(node) or {}
                if (
                    not set(keys) <= {"role", "name", "content"}
                    or "content" not in keys
                ):
                    return 'a role "function" message has other keys'
                self.tool_messages[node] = appended[0]
        return None

    def _chain_top(self, node: cst.CSTNode) -> cst.CSTNode:
        """The outermost `x[...]`, `x.attr`, `x.get(...)` built on `node`."""
        while True:
            parent = self.parents.get(node)
            if (
                isinstance(parent, (cst.Attribute, cst.Subscript))
                and parent.value is node
            ):
                node = parent
                continue
            if isinstance(parent, cst.Call) and parent.func is node:
                node = parent
                continue
            return node

    def converted(self, node: cst.CSTNode) -> bool:
        return self.scopes.get(node) in self.scopes_converted

    def _dicts_in(self, scope) -> List[cst.Dict]:
        return [
            node
            for node, parent in self.parents.items()
            if isinstance(node, cst.Dict) and self.scopes.get(node) is scope
        ]


def _is_append_arg(parent, parents) -> bool:
    call = parents.get(parent) if isinstance(parent, cst.Arg) else None
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "append"
    )


def _is_print_arg(parent, parents) -> bool:
    call = parents.get(parent) if isinstance(parent, cst.Arg) else None
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Name)
        and call.func.value in ("print", "len", "str", "repr", "bool")
    )
