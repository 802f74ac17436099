"""MI120 messages: literal message dicts to SystemMessage/UserMessage/AssistantMessage/ToolMessage/DeveloperMessage.

Only dicts proven to reach `complete()` and nothing else are converted
(`analysis/messages.py`); a dict with keys the classes do not take (`name`) or a
role that is not a literal stays a dict, which the SDK accepts as it is.
Content is always passed by keyword: the positional form treats anything that is
not a str or list as a raw mapping.
"""

from __future__ import annotations

import libcst as cst

from migrate_inference.rules.base import RuleState
from migrate_inference.rules.context import RuleContext
from migrate_inference.rules.codegen import dict_to_call, keyword_args

CODE = "MI120"
NAME = "messages"
DOC_EXAMPLE = "append_in_loop"
WHEN_TODO = (
    "Never: a dict that cannot be converted safely stays a dict, which the SDK accepts."
)


def _content_part(
    ctx: RuleContext, original: cst.Dict, updated: cst.Dict, kind: str
) -> cst.BaseExpression:
    """{"type": "text", "text": t} -> TextContentItem(text=t);
    {"type": "image_url", "image_url": {"url": u, "detail": d}} -> ImageContentItem(image_url=ImageUrl(url=u, detail=d)).
    """
    from migrate_inference.analysis.request_literals import TEXT_PART, literal_keys

    keys = literal_keys(updated) or {}
    eq = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
    if kind == TEXT_PART:
        ctx.need_import("azure.ai.inference.models", "TextContentItem")
        ctx.rewrite(CODE, original, "content part -> TextContentItem")
        return cst.Call(
            cst.Name("TextContentItem"),
            args=[cst.Arg(keys["text"], keyword=cst.Name("text"), equal=eq)],
        )
    image = keys["image_url"]  # a dict literal (request_literals.content_part_kind)
    inner = literal_keys(image) or {}
    url_args = [
        cst.Arg(inner[k], keyword=cst.Name(k), equal=eq)
        for k in ("url", "detail")
        if k in inner
    ]
    ctx.need_import("azure.ai.inference.models", "ImageContentItem")
    ctx.need_import("azure.ai.inference.models", "ImageUrl")
    ctx.rewrite(CODE, original, "content part -> ImageContentItem")
    return cst.Call(
        cst.Name("ImageContentItem"),
        args=[
            cst.Arg(
                cst.Call(cst.Name("ImageUrl"), args=url_args),
                keyword=cst.Name("image_url"),
                equal=eq,
            )
        ],
    )


class MessagesRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.literals = state.facts.request_literals
        self.messages = state.facts.messages

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        part = self.literals.get(original)
        if part in ("text_part", "image_part") and not self.ctx.suppressed(CODE):
            return _content_part(self.ctx, original, updated, part)
        cls = self.messages.get(original)
        if cls is None or self.ctx.suppressed(CODE):
            return updated
        args = [
            a
            for a in keyword_args(updated)
            if a.keyword is not None and a.keyword.value != "role"
        ]
        self.ctx.need_import("azure.ai.inference.models", cls)
        self.ctx.rewrite(CODE, original, f"message dict -> {cls}")
        return dict_to_call(cls, updated, args)


def _has_newline(comma: cst.Comma) -> bool:
    return isinstance(comma.whitespace_after, cst.ParenthesizedWhitespace)
