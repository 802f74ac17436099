"""MI130 responses: reading a chat result the way the azure-ai-inference models allow.

Dict-style access with a declared field becomes attribute access
(`r["choices"][0]["message"]["content"]` -> `r.choices[0].message.content`);
attributes the Azure models do not declare become `.get(...)`
(`r.system_fingerprint` -> `r.get("system_fingerprint")`); `created` is read as the raw
int (`r["created"]`: the attribute is a datetime on the Azure side); OpenAI's
`to_dict_recursive()`/`to_dict()`/`model_dump()` become `as_dict()`.
Only expressions typed by `analysis/responses.py` are touched: names bound to a migrated
call's result or to parts of it, and calls of this file's functions that return one
(`r = ask(q)` when every `return` of `ask` returns the result; not generators).  A
function whose result is read in other files is not followed there.
"""

from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from migrate_inference.analysis.names import string_value
from migrate_inference.analysis.responses import (
    SCHEMA,
    CREATED,
    RAW,
    MAPPING_METHODS,
    OPENAI_ONLY_FIELDS,
    PYDANTIC_ATTRIBUTES,
    TO_JSON_METHODS,
    RESULT,
    SCALAR,
    TO_DICT_METHODS,
    element_type,
    field_type,
)
from migrate_inference.rules.base import RuleState
from migrate_inference.rules.functions_code import FUNCTIONS_CODE, first_tool_function

CODE = "MI130"
JSON = "json"  # plain JSON under a field the Azure models do not declare
NAME = "responses"
DOC_EXAMPLE = "mixed_access"
WHEN_TODO = (
    "When a whole result is turned into text or JSON (the text differs between the SDKs); when a read "
    "is not a field of the result; when a result is passed to a function of this file whose reads "
    "cannot be followed (it is passed on, decorated, or also called with other values). An expression "
    "that cannot be typed as a chat result is left as it is."
)


# Text made from a whole result differs between the SDKs, so a person has to look.
WHOLE_OBJECT_TEXT = (
    "`{shown}` is turned into text whole: azure-ai-inference objects print as their JSON "
    "payload (OpenAI's as a `ClassName(field=...)` repr); print the fields you need if the text matters"
)
JSON_TEXT = (
    "the JSON text differs from OpenAI's: as_dict() holds the fields the service sent, in "
    "its order (OpenAI's model_dump_json writes every field of its model, nulls included)"
)


PASSED_ON_TEXT = (
    "a migrated response is passed to `{name}()`, whose reads of it are not rewritten (it is "
    "also called with other values, passed on or decorated): check them there (`finish_reason` "
    "and `role` are enums, `created` a datetime; `model_dump()`/`to_dict()` do not exist: "
    "use `as_dict()`)"
)


def _is_model(kind: Optional[str]) -> bool:
    """A typed Azure model object (not a list of them, a scalar, or plain JSON)."""
    return kind in SCHEMA and "[]" not in SCHEMA[kind]


def _get_to_subscript(node: cst.BaseExpression) -> cst.BaseExpression:
    """`x.get("a")` -> `x["a"]` (a chain continues below it, so a missing key must not become None)."""
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "get"
        and len(node.args) == 1
    ):
        return cst.Subscript(
            value=node.func.value,
            slice=[cst.SubscriptElement(cst.Index(node.args[0].value))],
            lpar=node.lpar,
            rpar=node.rpar,
        )
    return node


class ResponsesRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.roots = state.roots
        self.facts = state.facts
        # its converted scopes read tool calls instead of function_call
        self.functions = state.functions
        self.response_types = state.responses
        self.tests: set = set()  # if/while conditions: only truth matters there
        self.types: Dict[int, tuple] = {}
        self.store_depth = 0
        self.fstring_quotes: list = []

    def visit_If(self, node: cst.If) -> None:
        self.tests.add(node.test)

    def visit_While(self, node: cst.While) -> None:
        self.tests.add(node.test)

    def _function_call_read(
        self, original: cst.CSTNode, owner: Optional[str], key: Optional[str]
    ) -> bool:
        return (
            key == "function_call"
            and owner == "message"
            and self.functions is not None
            and self.functions.converted(original)
            and not self.ctx.suppressed(FUNCTIONS_CODE)
        )

    def _first_tool_function(
        self, original: cst.CSTNode, message: cst.BaseExpression, how: str
    ) -> cst.BaseExpression:
        self.ctx.rewrite(FUNCTIONS_CODE, original, f"{how} -> .tool_calls[0].function")
        return self._mark(first_tool_function(message), "function")

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
        entry = self.types.get(id(node))
        # the node is kept in the entry, so its id cannot be reused by another node
        return entry[0] if entry is not None and entry[1] is node else None

    def _mark(self, node: cst.CSTNode, kind: Optional[str]) -> cst.CSTNode:
        if kind is not None:
            self.types[id(node)] = (kind, node)
        return node

    # Assignment targets and `del` are never rewritten.
    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self.store_depth += 1

    def leave_AssignTarget(self, original, updated):
        self.store_depth -= 1
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        kind = self.response_types.name_types.get(original)
        return self._mark(updated, kind)

    def leave_Await(self, original: cst.Await, updated: cst.Await):
        return self._mark(updated, self._type(updated.expression))

    def leave_Subscript(
        self, original: cst.Subscript, updated: cst.Subscript
    ) -> cst.BaseExpression:
        owner = self._type(updated.value)
        if owner is None or owner == SCALAR or len(updated.slice) != 1:
            return updated
        index = updated.slice[0].slice
        if not isinstance(index, cst.Index):
            return updated
        key = string_value(index.value)
        if self._function_call_read(original, owner, key):
            return self._first_tool_function(
                original, updated.value, '["function_call"]'
            )
        if key is None:
            return self._mark(updated, element_type(owner) if owner != RESULT else None)
        kind = field_type(owner, key)
        if (
            kind is None
            or kind in (CREATED, RAW)
            or self.store_depth
            or self.ctx.suppressed(CODE)
        ):
            return self._mark(updated, kind)
        self.ctx.rewrite(CODE, original, f'["{key}"] -> .{key}')
        new = cst.Attribute(
            value=updated.value,
            attr=cst.Name(key),
            lpar=updated.lpar,
            rpar=updated.rpar,
        )
        return self._mark(new, kind)

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        owner = self._type(updated.value)
        if owner is None or owner == SCALAR:
            return updated
        name = updated.attr.value
        if self._function_call_read(original, owner, name):
            return self._first_tool_function(original, updated.value, ".function_call")
        if owner == JSON:
            # inside an undeclared field everything is plain JSON: `x.get("a").b` -> `x["a"]["b"]`
            if name in MAPPING_METHODS or self.store_depth or self.ctx.suppressed(CODE):
                return updated
            self.ctx.rewrite(
                CODE,
                original,
                f'.{name} -> ["{name}"] (plain JSON below an undeclared field)',
            )
            return self._mark(
                self._subscript(_get_to_subscript(updated.value), name, updated), JSON
            )
        kind = field_type(owner, name)
        if (
            name in MAPPING_METHODS
            or name in TO_DICT_METHODS
            or name in TO_JSON_METHODS
            or self.store_depth
            or self.ctx.suppressed(CODE)
        ):
            return updated
        if name in PYDANTIC_ATTRIBUTES:
            self.ctx.todo(
                CODE,
                original,
                f".{name} is pydantic machinery of OpenAI's objects: Azure models are mappings; read the "
                'fields you need with .get("<field>") (the whole payload: .as_dict())',
            )
            return updated
        if kind == CREATED:
            self.ctx.rewrite(
                CODE,
                original,
                f'.{name} -> ["{name}"] (the attribute is a datetime on Azure)',
            )
            new = cst.Subscript(
                value=updated.value,
                slice=[cst.SubscriptElement(cst.Index(self._string(name)))],
                lpar=updated.lpar,
                rpar=updated.rpar,
            )
            return self._mark(new, kind)
        if kind == RAW:
            # the raw string, or None where a stream's update leaves the field out (a delta
            # after the first has no role), as OpenAI's attribute gave None
            self.ctx.rewrite(
                CODE,
                original,
                f'.{name} -> .get("{name}") (the attribute is an enum that prints as its class name on Azure)',
            )
            return self._mark(self._get(updated, name), kind)
        if kind is not None:
            return self._mark(updated, kind)
        if name not in OPENAI_ONLY_FIELDS.get(owner, ()):
            self.ctx.todo(
                CODE,
                original,
                f"`.{name}` is not a field of this response object (an OpenAI {owner} has no such field either "
                "that azure-ai-inference knows of): check what this reads",
            )
            return updated
        self.ctx.rewrite(
            CODE, original, f'.{name} -> .get("{name}") (not a declared field on Azure)'
        )
        return self._mark(
            self._get(updated, name),
            JSON,
        )

    def _get(self, attribute: cst.Attribute, key: str) -> cst.Call:
        """`x.name` -> `x.get("name")`, keeping the attribute's parentheses."""
        return cst.Call(
            func=cst.Attribute(value=attribute.value, attr=cst.Name("get")),
            args=[cst.Arg(self._string(key))],
            lpar=attribute.lpar,
            rpar=attribute.rpar,
        )

    def _subscript(
        self, value: cst.BaseExpression, key: str, like: cst.Attribute
    ) -> cst.Subscript:
        return cst.Subscript(
            value=value,
            slice=[cst.SubscriptElement(cst.Index(self._string(key)))],
            lpar=like.lpar,
            rpar=like.rpar,
        )

    def _printed_whole(self, original: cst.CSTNode, value: cst.BaseExpression) -> None:
        """A whole result object printed or formatted: its text is the SDK's own."""
        if self._type(value) in SCHEMA and not self.ctx.suppressed(CODE):
            shown = cst.Module([]).code_for_node(value)
            self.ctx.todo(CODE, original, WHOLE_OBJECT_TEXT.format(shown=shown))

    def leave_FormattedStringExpression(self, original, updated):
        self._printed_whole(original, updated.expression)
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if original in self.roots:
            return self._mark(updated, self.roots[original])
        name = self.response_types.escapes.get(original)
        if name is not None and not self.ctx.suppressed(CODE):
            self.ctx.todo(CODE, original, PASSED_ON_TEXT.format(name=name))
        returned = self.response_types.call_type(original)
        if returned is not None:
            return self._mark(updated, returned)
        if (
            isinstance(updated.func, cst.Name)
            and updated.func.value in ("print", "str", "repr")
            and original not in self.facts.json_calls
        ):
            for arg in updated.args:
                if arg.keyword is None and not arg.star:
                    self._printed_whole(original, arg.value)
        if original in self.facts.json_calls and updated.args:
            first = updated.args[0]
            if _is_model(self._type(first.value)) and not self.ctx.suppressed(CODE):
                self.ctx.rewrite(
                    CODE, original, "json.dumps(result) -> json.dumps(result.as_dict())"
                )
                self.ctx.todo(CODE, original, JSON_TEXT)
                as_dict = cst.Call(
                    func=cst.Attribute(value=first.value, attr=cst.Name("as_dict"))
                )
                return updated.with_changes(
                    args=[first.with_changes(value=as_dict), *updated.args[1:]]
                )
            return updated
        func = updated.func
        if not isinstance(func, cst.Attribute):
            return updated
        owner = self._type(func.value)
        if owner is None or owner == SCALAR:
            return updated
        method = func.attr.value
        if (
            method == "get"
            and updated.args
            and self._function_call_read(
                original, owner, string_value(updated.args[0].value)
            )
        ):
            message = cst.Module([]).code_for_node(func.value)
            self.ctx.rewrite(
                FUNCTIONS_CODE, original, '.get("function_call") -> the first tool call'
            )
            if original in self.tests:
                return cst.parse_expression(f"{message}.tool_calls")
            return cst.parse_expression(
                f"({message}.tool_calls[0].function if {message}.tool_calls else None)"
            )
        if method == "get" and updated.args:
            key = string_value(updated.args[0].value)
            return self._mark(updated, field_type(owner, key) if key else None)
        if method in TO_DICT_METHODS and not self.ctx.suppressed(CODE):
            if any(
                a.keyword is None or a.keyword.value != "mode" for a in updated.args
            ):
                self.ctx.todo(
                    CODE,
                    original,
                    f".{method}(...) has no azure-ai-inference equivalent: .as_dict() gives the JSON payload "
                    "(drop or apply the include/exclude options yourself)",
                )
                return updated
            self.ctx.rewrite(CODE, original, f".{method}() -> .as_dict()")
            return updated.with_changes(
                func=func.with_changes(attr=cst.Name("as_dict")), args=[]
            )
        if method in TO_JSON_METHODS and not self.ctx.suppressed(CODE):
            if any(
                arg.keyword is None or arg.keyword.value != "indent"
                for arg in updated.args
            ):
                return updated
            self.ctx.rewrite(CODE, original, f".{method}() -> json.dumps(.as_dict())")
            self.ctx.todo(CODE, original, JSON_TEXT)
            self.ctx.need_import("json")
            as_dict = cst.Call(
                func=cst.Attribute(value=func.value, attr=cst.Name("as_dict"))
            )
            args = list(updated.args)
            if (
                method == "to_json" and not args
            ):  # OpenAI's to_json() indents by 2 by default
                args = [
                    cst.Arg(
                        cst.Integer("2"),
                        keyword=cst.Name("indent"),
                        equal=cst.AssignEqual(
                            cst.SimpleWhitespace(""), cst.SimpleWhitespace("")
                        ),
                    )
                ]
            first = (
                cst.Arg(
                    as_dict, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
                if args
                else cst.Arg(as_dict)
            )
            return cst.Call(
                func=cst.Attribute(value=cst.Name("json"), attr=cst.Name("dumps")),
                args=[first, *args],
            )
        return updated
