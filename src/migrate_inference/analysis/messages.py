"""Which literal message dicts can safely become SystemMessage/UserMessage/... objects.

A dict is converted only when it reaches `complete()` and nothing else: inline in
the call, or in a list bound to a name whose every use is passing it as
`messages=`, appending to it, indexing or iterating it.  A list that is also
serialised (`json.dump`), returned or handed to another function keeps its
dicts, which the SDK accepts as they are.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Set

import libcst as cst
from libcst.metadata import ParentNodeProvider, ScopeProvider

from migrate_inference.analysis.names import referents, string_value

# role -> (class, keys the class takes besides role, keys it requires)
MESSAGE_CLASSES = {
    "system": ("SystemMessage", {"content"}, {"content"}),
    "user": ("UserMessage", {"content"}, {"content"}),
    "assistant": ("AssistantMessage", {"content"}, set()),
    "tool": ("ToolMessage", {"content", "tool_call_id"}, {"tool_call_id"}),
    "developer": ("DeveloperMessage", {"content"}, {"content"}),
}
_SAFE_METHODS = {"append", "extend", "insert", "pop", "clear", "remove", "reverse"}


def message_class(node: cst.Dict) -> Optional[str]:
    """The class for a literal dict message, or None when it must stay a dict."""
    keys: Dict[str, cst.BaseExpression] = {}
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None  # **splat inside the dict
        key = string_value(element.key)
        if key is None or key in keys:
            return None
        keys[key] = element.value
    role = string_value(keys.get("role", cst.Name("None")))
    if role not in MESSAGE_CLASSES:
        return None
    cls, allowed, required = MESSAGE_CLASSES[role]
    present = set(keys) - {"role"}
    if not present <= allowed or not required <= present:
        return None
    return cls


class MessageDicts:
    def __init__(self, wrapper: cst.MetadataWrapper, calls: Iterable[cst.Call]) -> None:
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.calls: Set[cst.Call] = set(calls)
        self.found: Dict[cst.Dict, str] = {}
        for call in self.calls:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == "messages":
                    self._from_value(arg.value)

    def _take(self, elements: Iterable[cst.BaseElement]) -> None:
        for element in elements:
            if isinstance(element, cst.Element) and isinstance(element.value, cst.Dict):
                cls = message_class(element.value)
                if cls:
                    self.found[element.value] = cls

    def _from_value(self, value: cst.BaseExpression) -> None:
        if isinstance(value, cst.List):
            self._take(value.elements)
        elif isinstance(value, cst.Name):
            self._from_name(value)

    def _from_name(self, name: cst.Name) -> None:
        refs = referents(self.scopes.get(name), name)
        if not refs:
            return
        lists: List[cst.List] = []
        scope = None
        for ref in refs:
            target = getattr(ref, "node", None)
            assign = (
                self.parents.get(self.parents.get(target))
                if isinstance(target, cst.Name)
                else None
            )
            if not (
                isinstance(assign, cst.Assign) and isinstance(assign.value, cst.List)
            ):
                return
            if len(assign.targets) != 1:
                return
            lists.append(assign.value)
            if scope is not None and ref.scope is not scope:
                return
            scope = ref.scope
        appended: List[cst.BaseExpression] = []
        for access in scope.accesses[name.value]:
            if not self._safe_use(access.node, appended):
                return
        for lst in lists:
            self._take(lst.elements)
        for value in appended:
            if isinstance(value, cst.Dict):
                cls = message_class(value)
                if cls:
                    self.found[value] = cls
            elif isinstance(value, cst.List):
                self._take(value.elements)

    def _safe_use(self, node: cst.CSTNode, appended: List[cst.BaseExpression]) -> bool:
        parent = self.parents.get(node)
        if (
            isinstance(parent, cst.Arg)
            and parent.keyword is not None
            and parent.keyword.value == "messages"
        ):
            return self.parents.get(parent) in self.calls
        if (
            isinstance(parent, cst.Attribute)
            and parent.value is node
            and parent.attr.value in _SAFE_METHODS
        ):
            call = self.parents.get(parent)
            if isinstance(call, cst.Call) and call.func is parent:
                if parent.attr.value in ("append", "extend") and call.args:
                    appended.append(call.args[0].value)
                elif parent.attr.value == "insert" and len(call.args) == 2:
                    appended.append(call.args[1].value)
                return True
            return False
        if isinstance(parent, cst.Subscript) and parent.value is node:
            grand = self.parents.get(parent)
            return not isinstance(grand, (cst.Arg, cst.Return, cst.Assign, cst.Element))
        if isinstance(parent, cst.For) and parent.iter is node:
            return True
        if isinstance(parent, cst.AugAssign) and parent.target is node:
            appended.append(parent.value)
            return True
        if isinstance(parent, cst.Arg):
            call = self.parents.get(parent)
            return (
                isinstance(call, cst.Call)
                and isinstance(call.func, cst.Name)
                and call.func.value == "len"
            )
        return False
