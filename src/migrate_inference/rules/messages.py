"""MI120 messages: literal message dicts to SystemMessage/UserMessage/AssistantMessage/ToolMessage/DeveloperMessage.

Only dicts proven to reach `complete()` and nothing else are converted
(`analysis/messages.py`); a dict with keys the classes do not take (`name`) or a
role that is not a literal stays a dict, which the SDK accepts as it is.
Content is always passed by keyword: the positional form treats anything that is
not a str or list as a raw mapping.
"""

from __future__ import annotations

import libcst as cst

from migrate_inference.analysis.names import string_value
from migrate_inference.rules.base import RuleContext

CODE = "MI120"
NAME = "messages"
DOC_EXAMPLE = "append_in_loop"
WHEN_TODO = "Never: a dict that cannot be converted safely stays a dict, which the SDK accepts."


class MessagesRule:
    code = CODE
    name = NAME

    def __init__(self, ctx: RuleContext) -> None:
        self.ctx = ctx

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        cls = self.ctx.facts.messages.get(original)  # type: ignore[attr-defined]
        if cls is None or self.ctx.suppressed():
            return updated
        args = []
        for element in updated.elements:
            assert isinstance(element, cst.DictElement)
            key = string_value(element.key)
            if key == "role":
                continue
            args.append(
                cst.Arg(
                    keyword=cst.Name(key),
                    value=element.value,
                    equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
                    comma=element.comma,
                )
            )
        if args:
            last = args[-1]
            if isinstance(last.comma, cst.Comma) and not _has_newline(last.comma):
                args[-1] = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        self.ctx.need_import("azure.ai.inference.models", cls)
        self.ctx.rewrite(CODE, original, f"message dict -> {cls}")
        return cst.Call(
            func=cst.Name(cls),
            args=args,
            whitespace_before_args=updated.lbrace.whitespace_after,
        )


def _has_newline(comma: cst.Comma) -> bool:
    return isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace)
