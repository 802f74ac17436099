"""MI130 responses: reading a chat result the way the azure-ai-inference models allow.

Dict-style access with a declared field becomes attribute access
(`r["choices"][0]["message"]["content"]` -> `r.choices[0].message.content`);
attributes the Azure models do not declare become `.get(...)`
(`r.system_fingerprint` -> `r.get("system_fingerprint")`); `created` is read as the raw
int (`r["created"]`: the attribute is a datetime on the Azure side); OpenAI's
`to_dict_recursive()`/`to_dict()`/`model_dump()` become `as_dict()`.
Only expressions typed by `analysis/responses.py` are touched.
"""

from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from migrate_inference.analysis.names import string_value
from migrate_inference.analysis.responses import (
    CREATED,
    RAW,
    MAPPING_METHODS,
    RESULT,
    SCALAR,
    TO_DICT_METHODS,
    element_type,
    field_type,
)
from migrate_inference.rules.base import RuleContext

CODE = "MI130"
NAME = "responses"
DOC_EXAMPLE = "mixed_access"
WHEN_TODO = "Never: an expression that cannot be typed as a chat result is left as it is."


class ResponsesRule:
    code = CODE
    name = NAME

    def __init__(self, ctx: RuleContext, roots: Dict[cst.Call, str]) -> None:
        self.ctx = ctx
        self.roots = roots
        self.types: Dict[int, str] = {}
        self.store_depth = 0
        self.fstring_quotes: list = []

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self.fstring_quotes.append(node.quote[0])

    def leave_FormattedString(self, original, updated):
        self.fstring_quotes.pop()
        return updated

    def _string(self, value: str) -> cst.SimpleString:
        """A string literal that is valid where it lands (inside an f-string: the other quote)."""
        quote = "'" if self.fstring_quotes and self.fstring_quotes[-1] == '"' else '"'
        return cst.SimpleString(f"{quote}{value}{quote}")

    def _type(self, node: cst.CSTNode) -> Optional[str]:
        return self.types.get(id(node))

    def _mark(self, node: cst.CSTNode, kind: Optional[str]) -> cst.CSTNode:
        if kind is not None:
            self.types[id(node)] = kind
        return node

    # Assignment targets and `del` are never rewritten.
    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.store_depth += 1

    def leave_AssignTarget(self, original, updated):
        self.store_depth -= 1
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        kind = self.ctx.facts.responses.name_types.get(original)  # type: ignore[attr-defined]
        return self._mark(updated, kind)

    def leave_Await(self, original: cst.Await, updated: cst.Await):
        return self._mark(updated, self._type(updated.expression))

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.BaseExpression:
        owner = self._type(updated.value)
        if owner is None or owner == SCALAR or len(updated.slice) != 1:
            return updated
        index = updated.slice[0].slice
        if not isinstance(index, cst.Index):
            return updated
        key = string_value(index.value)
        if key is None:
            return self._mark(updated, element_type(owner) if owner != RESULT else None)
        kind = field_type(owner, key)
        if kind is None or kind in (CREATED, RAW) or self.store_depth or self.ctx.suppressed():
            return self._mark(updated, kind)
        self.ctx.rewrite(CODE, original, f'["{key}"] -> .{key}')
        new = cst.Attribute(value=updated.value, attr=cst.Name(key), lpar=updated.lpar, rpar=updated.rpar)
        return self._mark(new, kind)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        owner = self._type(updated.value)
        if owner is None or owner == SCALAR:
            return updated
        name = updated.attr.value
        kind = field_type(owner, name)
        if name in MAPPING_METHODS or name in TO_DICT_METHODS or self.store_depth or self.ctx.suppressed():
            return updated
        if kind in (CREATED, RAW):
            why = "a datetime" if kind == CREATED else "an enum that prints as its class name"
            self.ctx.rewrite(CODE, original, f'.{name} -> ["{name}"] (the attribute is {why} on Azure)')
            new = cst.Subscript(
                value=updated.value,
                slice=[cst.SubscriptElement(cst.Index(self._string(name)))],
                lpar=updated.lpar,
                rpar=updated.rpar,
            )
            return self._mark(new, kind)
        if kind is not None:
            return self._mark(updated, kind)
        self.ctx.rewrite(CODE, original, f'.{name} -> .get("{name}") (not a declared field on Azure)')
        return cst.Call(
            func=cst.Attribute(value=updated.value, attr=cst.Name("get")),
            args=[cst.Arg(self._string(name))],
            lpar=updated.lpar,
            rpar=updated.rpar,
        )

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original in self.roots:
            return self._mark(updated, self.roots[original])
        func = updated.func
        if not isinstance(func, cst.Attribute):
            return updated
        owner = self._type(func.value)
        if owner is None or owner == SCALAR:
            return updated
        method = func.attr.value
        if method == "get" and updated.args:
            key = string_value(updated.args[0].value)
            return self._mark(updated, field_type(owner, key) if key else None)
        if method in TO_DICT_METHODS and not updated.args and not self.ctx.suppressed():
            self.ctx.rewrite(CODE, original, f".{method}() -> .as_dict()")
            return updated.with_changes(func=func.with_changes(attr=cst.Name("as_dict")))
        return updated
