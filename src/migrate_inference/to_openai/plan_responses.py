"""Planning the reads of a call's response and stream: which attributes, keys and
consumers stay valid on an openai response.

Mixed into `Planner` (plan.py), whose state and name lookups (`qname`, `parent`,
`scopes`, ...) it reads through `self`.
"""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

import libcst as cst

from migrate_inference.analysis.names import code_of, string_value
from migrate_inference.to_openai.codes import RESPONSES
from migrate_inference.to_openai.component import Component, Node, Site

SCALAR_FIELDS = frozenset(
    {
        "content",
        "id",
        "model",
        "finish_reason",
        "role",
        "arguments",
        "name",
        "total_tokens",
        "prompt_tokens",
        "completion_tokens",
        "index",
        "embedding",
        "object",
        "type",
        "tool_call_id",
        "system_fingerprint",
        "created",
    }
)
HARMLESS_CONSUMERS = frozenset({"print", "len", "str", "repr", "bool", "isinstance"})


class ResponsePlanning:
    # ------------------------------------------------------------ responses

    def _response(self, comp: Component, site: Site) -> None:
        node: Node = site.call
        parent = self.parent(node)
        if isinstance(parent, cst.Await):
            node, parent = parent, self.parent(parent)
        kind = (
            "update"
            if site.stream
            else ("completion" if comp.api == "chat" else "embeddings")
        )
        if site.stream:
            self._stream_consumers(comp, node)
        else:
            self._track(comp, node, kind)

    def _stream_consumers(self, comp: Component, node: Node) -> None:
        parent = self.parent(node)
        if isinstance(parent, (cst.For,)) and parent.iter is node:
            self._stream_loop(comp, parent, parent.target)
            return
        if isinstance(parent, cst.CompFor) and parent.iter is node:
            self._stream_loop(comp, parent, parent.target)
            return
        targets: List[cst.Name] = []
        if (
            isinstance(parent, cst.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            targets.append(parent.targets[0].target)
        elif (
            isinstance(parent, cst.WithItem)
            and parent.item is node
            and parent.asname is not None
            and isinstance(parent.asname.name, cst.Name)
        ):
            targets.append(parent.asname.name)
        if not targets:
            comp.block(
                node,
                RESPONSES,
                "the stream is consumed where the tool cannot add the guard openai needs (Azure sends chunks with choices == [], which azure-ai-inference dropped): iterate it in a for loop here, or add `if not chunk.choices and not chunk.usage: continue` by hand",
            )
            return
        for ref in self._name_refs(comp, targets[0]):
            parent = self.parent(ref)
            if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is ref:
                self._stream_loop(comp, parent, parent.target)
            elif isinstance(parent, cst.Attribute) and parent.attr.value == "close":
                continue
            elif isinstance(parent, cst.WithItem):
                continue
            else:
                comp.block(
                    ref,
                    RESPONSES,
                    "the stream is consumed where the tool cannot add the guard openai needs (Azure sends chunks with choices == [], which azure-ai-inference dropped): iterate it in a for loop here, or add `if not chunk.choices and not chunk.usage: continue` by hand",
                )

    def _stream_loop(
        self, comp: Component, loop: Node, target: cst.BaseExpression
    ) -> None:
        if not isinstance(target, cst.Name):
            comp.block(
                loop,
                RESPONSES,
                "the loop over the stream unpacks its items: the tool cannot add the guard openai needs",
            )
            return
        comp.loops[loop] = target.value
        for ref in self._loop_target_refs(loop, target):
            self._track(comp, ref, "update")

    def _loop_target_refs(self, loop: Node, target: cst.Name) -> List[Node]:
        scope = self.scopes.get(target)
        if scope is None:
            return []
        refs = []
        for assignment in scope.assignments[target.value]:
            if getattr(assignment, "node", None) is target:
                refs.extend(a.node for a in assignment.references)
        return refs

    def _track(self, comp: Component, start: Node, kind: str) -> None:
        work: List[Tuple[Node, str]] = [(start, kind)]
        seen: Set[int] = set()
        while work:
            node, kind = work.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            parent = self.parent(node)
            if isinstance(parent, cst.Attribute) and parent.value is node:
                attr = parent.attr.value
                grand = self.parent(parent)
                is_call = isinstance(grand, cst.Call) and grand.func is parent
                if attr == "as_dict" and is_call:
                    comp.as_dicts.add(grand)
                    continue
                if attr == "get" and is_call:
                    args = grand.args
                    key = (
                        string_value(args[0].value)
                        if args and not args[0].keyword
                        else None
                    )
                    if key is None or len(args) != 1 or not key.isidentifier():
                        comp.block(
                            grand,
                            RESPONSES,
                            f"`{code_of(grand)}`: openai responses are objects, not mappings (no .get); read the attribute by hand",
                        )
                        continue
                    comp.gets.add(grand)
                    if key not in SCALAR_FIELDS:
                        work.append((grand, "other"))
                    continue
                if attr in (
                    "keys",
                    "items",
                    "values",
                    "__getitem__",
                    "__contains__",
                    "update",
                    "pop",
                    "setdefault",
                ):
                    comp.block(
                        parent,
                        RESPONSES,
                        f"`{code_of(parent)}`: openai responses are objects, not mappings; use .model_dump() by hand",
                    )
                    continue
                if attr == "created" and kind in ("completion", "update"):
                    comp.created.add(parent)
                    continue
                if attr in SCALAR_FIELDS:
                    continue
                work.append((parent, "other"))
                continue
            if isinstance(parent, cst.Subscript) and parent.value is node:
                key = None
                if len(parent.slice) == 1 and isinstance(
                    parent.slice[0].slice, cst.Index
                ):
                    key = string_value(parent.slice[0].slice.value)
                if key is not None:
                    if not key.isidentifier():
                        comp.block(
                            parent,
                            RESPONSES,
                            f"`{code_of(parent)}`: openai responses are objects, not mappings",
                        )
                        continue
                    grand = self.parent(parent)
                    if (
                        isinstance(grand, (cst.AssignTarget, cst.Del))
                        or isinstance(grand, cst.AugAssign)
                        and grand.target is parent
                    ):
                        comp.block(
                            parent,
                            RESPONSES,
                            "writing into a response: openai responses are objects",
                        )
                        continue
                    comp.subscripts.add(parent)
                    if key not in SCALAR_FIELDS:
                        work.append((parent, "other"))
                    continue
                work.append((parent, "other"))
                continue
            if isinstance(parent, cst.Assign) and parent.value is node:
                if len(parent.targets) == 1 and isinstance(
                    parent.targets[0].target, cst.Name
                ):
                    for ref in self._response_refs(comp, parent.targets[0].target):
                        work.append((ref, kind))
                else:
                    comp.todos.append(
                        (
                            parent,
                            RESPONSES,
                            "a response is stored where the tool cannot follow it: openai responses are read by attribute only (no ['key'], no .get()); check the reads",
                        )
                    )
                continue
            if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
                if isinstance(parent.target, cst.Name):
                    for ref in self._loop_target_refs(parent, parent.target):
                        work.append((ref, "other"))
                continue
            if isinstance(parent, cst.Comparison) or isinstance(
                parent, cst.ComparisonTarget
            ):
                continue
            if isinstance(parent, cst.Arg):
                call = self.parent(parent)
                func = getattr(call, "func", None)
                if (
                    isinstance(func, cst.Name)
                    and func.value in HARMLESS_CONSUMERS
                    and self.qname(func) is None
                ):
                    continue
                if kind == "other" and _is_list_append(call, parent):
                    continue
                if call in self.model_calls:
                    continue  # becomes a value in a message dict openai serializes
            if isinstance(
                parent, (cst.Return, cst.Yield, cst.Arg, cst.Element, cst.DictElement)
            ):
                comp.todos.append(
                    (
                        node,
                        RESPONSES,
                        f"{_what(node, parent)} openai responses are read by attribute only (no ['key'], .get() or .as_dict(); .created is an int): check the code that reads it",
                    )
                )
                continue


def _what(node: Node, parent: Optional[Node]) -> str:
    text = (
        code_of(node) if not isinstance(node, (cst.Call, cst.Await)) else "the response"
    )
    if len(text) > 40:
        text = "the response"
    if isinstance(parent, cst.Return):
        return f"{text} is returned:"
    if isinstance(parent, cst.Yield):
        return f"{text} is yielded:"
    return f"{text} is passed on:"


def _is_list_append(call: Optional[Node], arg: cst.Arg) -> bool:
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "append"
    )
