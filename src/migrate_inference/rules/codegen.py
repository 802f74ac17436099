"""Code the rules write for request values: not a rule, shared by the rules that map a
chat call's keywords (chat_params, splats) and by the rules that turn literal dicts into
the SDK's classes (tools, messages).
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrate_inference.analysis.names import string_value
from migrate_inference.rules.context import RuleContext

SCHEMA_KEYS = {"name", "schema", "strict", "description"}


def response_format(
    ctx: RuleContext, value: cst.BaseExpression
) -> Optional[cst.BaseExpression]:
    """{"type": "json_object"} -> "json_object"; {"type": "text"} -> "text";
    {"type": "json_schema", "json_schema": {...}} -> JsonSchemaFormat(...); else None.
    """
    from migrate_inference.analysis.request_literals import literal_keys

    if isinstance(value, cst.SimpleString) and string_value(value) in (
        "text",
        "json_object",
    ):
        return value
    keys = literal_keys(value) if isinstance(value, cst.Dict) else None
    if not keys or "type" not in keys:
        return None
    kind = string_value(keys["type"])
    if kind in ("text", "json_object") and len(keys) == 1:
        return cst.SimpleString(f'"{kind}"')
    schema = keys.get("json_schema")
    if (
        kind == "json_schema"
        and set(keys) == {"type", "json_schema"}
        and isinstance(schema, cst.Dict)
    ):
        inner = literal_keys(schema)
        if inner is not None and {"name", "schema"} <= set(inner) <= SCHEMA_KEYS:
            ctx.need_import("azure.ai.inference.models", "JsonSchemaFormat")
            eq = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
            args = [
                cst.Arg(
                    e.value,
                    keyword=cst.Name(string_value(e.key) or ""),
                    equal=eq,
                    comma=e.comma,
                )
                for e in schema.elements
                if isinstance(e, cst.DictElement)
            ]
            return cst.Call(
                cst.Name("JsonSchemaFormat"),
                args=args,
                whitespace_before_args=schema.lbrace.whitespace_after,
            )
    return None


EQ = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))


def dict_to_call(name: str, node: cst.Dict, args: list) -> cst.Call:
    """`Name(...)` laid out like the dict it replaces (same line breaks inside the braces)."""
    if args:
        last = args[-1]
        if (
            isinstance(last.comma, cst.Comma)
            and not _breaks(node.rbrace.whitespace_before)
            and not _breaks(last.comma.whitespace_after)
        ):
            last = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        args[-1] = last.with_changes(whitespace_after_arg=node.rbrace.whitespace_before)
    return cst.Call(
        cst.Name(name), args=args, whitespace_before_args=node.lbrace.whitespace_after
    )


def _breaks(ws: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(ws, cst.ParenthesizedWhitespace)


def keyword_args(node: cst.Dict) -> list:
    return [
        cst.Arg(
            keyword=cst.Name(string_value(e.key) or ""),
            value=e.value,
            equal=EQ,
            comma=e.comma,
        )
        for e in node.elements
        if isinstance(e, cst.DictElement)
    ]


def is_str(node: cst.BaseExpression) -> bool:
    """A literal string, an f-string, or `"literal" + x` (which can only be a str)."""
    if isinstance(
        node, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
    ):
        return True
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return is_str(node.left) or is_str(node.right)
    return False
