"""The conversions of legacy function calling (the functions rule, MI320) that other rules
also write: not a rule.  The call rules convert a call's `functions`/`function_call`
keywords with them (`params_code.map_arguments`), the responses rule reads the first tool
call where the reply's function call was read.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrate_inference.analysis.names import string_value
from migrate_inference.analysis.request_literals import literal_keys
from migrate_inference.rules import rule_code

FUNCTIONS_CODE = rule_code("functions")


def tool_choice(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    literal = string_value(value)
    if literal in ("auto", "none") and isinstance(value, cst.SimpleString):
        return value
    keys = literal_keys(value) if isinstance(value, cst.Dict) else None
    if keys is not None and set(keys) == {"name"}:
        return cst.parse_expression(
            '{"type": "function", "function": {"name": '
            + cst.Module([]).code_for_node(keys["name"])
            + "}}"
        )
    return None


def tools_from_functions(value: cst.BaseExpression) -> cst.BaseExpression:
    """`functions` -> the same definitions as OpenAI-style tools (dicts the SDK sends as they are)."""
    if isinstance(value, cst.List) and all(
        isinstance(e, cst.Element) for e in value.elements
    ):
        return value.with_changes(
            elements=[
                e.with_changes(
                    value=cst.Dict(
                        [
                            cst.DictElement(
                                cst.SimpleString('"type"'),
                                cst.SimpleString('"function"'),
                            ),
                            cst.DictElement(cst.SimpleString('"function"'), e.value),
                        ]
                    )
                )
                for e in value.elements
            ]
        )
    code = cst.Module([]).code_for_node(value)
    if not _atomic(value):
        # `for f in A if c else B` would read `if c` as the comprehension's filter.
        code = f"({code})"
    return cst.parse_expression(
        f'[{{"type": "function", "function": f}} for f in {code}]'
    )


def _atomic(value: cst.BaseExpression) -> bool:
    """Whether `value` can follow `for f in` as it is (a primary, or already in parentheses)."""
    if value.lpar:
        return True
    return isinstance(
        value,
        (
            cst.Name,
            cst.Attribute,
            cst.Call,
            cst.Subscript,
            cst.List,
            cst.ListComp,
            cst.Tuple,
            cst.Dict,
            cst.DictComp,
            cst.Set,
            cst.SetComp,
            cst.BaseString,
            cst.Integer,
            cst.Float,
        ),
    ) and not (isinstance(value, cst.Tuple) and not value.lpar)


def tool_choice_from_function_call(value: cst.BaseExpression) -> cst.BaseExpression:
    choice = tool_choice(value)
    assert choice is not None
    return choice


def first_tool_function(message: cst.BaseExpression) -> cst.BaseExpression:
    first = cst.Subscript(
        value=cst.Attribute(value=message, attr=cst.Name("tool_calls")),
        slice=[cst.SubscriptElement(cst.Index(cst.Integer("0")))],
    )
    return cst.Attribute(value=first, attr=cst.Name("function"))
