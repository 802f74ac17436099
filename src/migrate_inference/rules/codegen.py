"""Code the rules write for request values: not a rule, shared by the rules that map a
chat call's keywords (chat_params, splats).
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrate_inference.analysis.names import string_value
from migrate_inference.rules.base import RuleContext

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
