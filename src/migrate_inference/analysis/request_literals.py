"""Literal request pieces that can become azure-ai-inference model objects.

Tool definitions (`{"type": "function", "function": {...}}`), a named
`tool_choice`, and multimodal content parts (`{"type": "image_url", ...}`) are
converted only where they are literal and reach `complete()` and nothing else:
inline in the call, or in a list bound once to a name whose every use is that
keyword of a migrated call.  The SDK accepts the OpenAI dict forms too, so
anything else stays as it is.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Set

import libcst as cst
from libcst.metadata import ParentNodeProvider, ScopeProvider

from migrate_inference.analysis.names import literal_keys, referents, string_value

TOOL = "tool"
NAMED_CHOICE = "named_choice"
PRESET = "preset"
TEXT_PART = "text_part"
IMAGE_PART = "image_part"

PRESETS = {"auto": "AUTO", "none": "NONE", "required": "REQUIRED"}
FUNCTION_KEYS = {"name", "description", "parameters"}


def tool_shape(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Dict):
        return False
    keys = literal_keys(node)
    if (
        keys is None
        or set(keys) != {"type", "function"}
        or string_value(keys["type"]) != "function"
    ):
        return False
    function = keys["function"]
    inner = literal_keys(function) if isinstance(function, cst.Dict) else None
    return inner is not None and "name" in inner and set(inner) <= FUNCTION_KEYS


def named_choice_shape(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Dict):
        return False
    keys = literal_keys(node)
    if (
        keys is None
        or set(keys) != {"type", "function"}
        or string_value(keys["type"]) != "function"
    ):
        return False
    inner = (
        literal_keys(keys["function"])
        if isinstance(keys["function"], cst.Dict)
        else None
    )
    return inner is not None and set(inner) == {"name"}


def content_part_kind(node: cst.BaseExpression) -> Optional[str]:
    if not isinstance(node, cst.Dict):
        return None
    keys = literal_keys(node)
    if keys is None:
        return None
    kind = string_value(keys.get("type", cst.Name("None")))
    if kind == "text" and set(keys) == {"type", "text"}:
        return TEXT_PART
    if kind == "image_url" and set(keys) == {"type", "image_url"}:
        image = keys["image_url"]
        # Only the {"url": ..., "detail": ...} form: a bare string (the early vision
        # preview's form) would be sent as an object by ImageUrl, and a name may hold
        # either; such a part, and so its message, stays a dict, sent as written.
        if not isinstance(image, cst.Dict):
            return None
        inner = literal_keys(image)
        if inner is None or "url" not in inner or not set(inner) <= {"url", "detail"}:
            return None
        return IMAGE_PART
    return None


class RequestLiterals:
    def __init__(
        self,
        wrapper: cst.MetadataWrapper,
        calls: Iterable[cst.Call],
        message_dicts: Iterable[cst.Dict],
    ) -> None:
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.calls: Set[cst.Call] = set(calls)
        self.found: Dict[cst.CSTNode, str] = {}
        for call in self.calls:
            for arg in call.args:
                if arg.keyword is None:
                    continue
                if arg.keyword.value == "tools":
                    for lst in self._lists(arg.value, "tools"):
                        for element in lst.elements:
                            if isinstance(element, cst.Element) and tool_shape(
                                element.value
                            ):
                                self.found[element.value] = TOOL
                elif arg.keyword.value == "tool_choice":
                    if named_choice_shape(arg.value):
                        self.found[arg.value] = NAMED_CHOICE
                    elif string_value(arg.value) in PRESETS and isinstance(
                        arg.value, cst.SimpleString
                    ):
                        self.found[arg.value] = PRESET
        for message in message_dicts:
            keys = literal_keys(message) or {}
            content = keys.get("content")
            if isinstance(content, cst.List):
                kinds = [
                    content_part_kind(e.value) if isinstance(e, cst.Element) else None
                    for e in content.elements
                ]
                if all(
                    kinds
                ):  # a part the SDK has no class for: keep the whole list as dicts
                    for element, kind in zip(content.elements, kinds):
                        self.found[element.value] = kind  # type: ignore[union-attr,index]

    def _lists(self, value: cst.BaseExpression, keyword: str) -> List[cst.List]:
        if isinstance(value, cst.List):
            return [value]
        if not isinstance(value, cst.Name):
            return []
        refs = referents(self.scopes.get(value), value)
        if not refs or len(refs) != 1:
            return []
        ref = next(iter(refs))
        target = getattr(ref, "node", None)
        assign = (
            self.parents.get(self.parents.get(target))
            if isinstance(target, cst.Name)
            else None
        )
        if not (
            isinstance(assign, cst.Assign)
            and len(assign.targets) == 1
            and isinstance(assign.value, cst.List)
        ):
            return []
        for access in ref.references:
            arg = self.parents.get(access.node)
            if not (
                isinstance(arg, cst.Arg)
                and arg.keyword is not None
                and arg.keyword.value == keyword
                and self.parents.get(arg) in self.calls
            ):
                return []
        return [assign.value]
