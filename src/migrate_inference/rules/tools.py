"""MI310 tools: literal tool definitions and tool choices to the azure-ai-inference classes.

`{"type": "function", "function": {"name", "description", "parameters"}}` becomes
`ChatCompletionsToolDefinition(function=FunctionDefinition(...))`; a named
`tool_choice={"type": "function", "function": {"name": n}}` becomes
`ChatCompletionsNamedToolChoice(function=ChatCompletionsNamedToolChoiceFunction(name=n))`;
the presets `"auto"`, `"none"`, `"required"` become `ChatCompletionsToolChoicePreset.*`.
Only literals that reach `complete()` and nothing else are converted
(`analysis/request_literals.py`): the SDK sends OpenAI-style dicts unchanged,
so a tools list that is also used elsewhere keeps its dicts.  Tool results go
back as `ToolMessage(content=..., tool_call_id=...)` (the messages rule), and the
response's `message.tool_calls[i].id / .function.name / .function.arguments` read
the same on both sides.
"""

from __future__ import annotations

import libcst as cst

from migrate_inference.analysis.names import string_value
from migrate_inference.analysis.request_literals import (
    NAMED_CHOICE,
    PRESET,
    PRESETS,
    TOOL,
    literal_keys,
)
from migrate_inference.rules.base import RuleState
from migrate_inference.rules.codegen import EQ, dict_to_call, keyword_args

CODE = "MI310"
NAME = "tools"
DOC_EXAMPLE = "tools_round_trip"
WHEN_TODO = "Never: a tool list or choice that is not a plain literal reaching complete() stays as dicts, which the SDK accepts."


class ToolsRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.literals = state.facts.request_literals

    def _kind(self, original: cst.CSTNode):
        return self.literals.get(original)

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        kind = self._kind(original)
        if kind not in (TOOL, NAMED_CHOICE) or self.ctx.suppressed(CODE):
            return updated
        keys = literal_keys(updated) or {}
        function = keys["function"]
        assert isinstance(function, cst.Dict)
        if kind == TOOL:
            self.ctx.need_import(
                "azure.ai.inference.models", "ChatCompletionsToolDefinition"
            )
            self.ctx.need_import("azure.ai.inference.models", "FunctionDefinition")
            self.ctx.rewrite(
                CODE,
                original,
                "tool dict -> ChatCompletionsToolDefinition(function=FunctionDefinition(...))",
            )
            outer, inner_name = "ChatCompletionsToolDefinition", "FunctionDefinition"
        else:
            self.ctx.need_import(
                "azure.ai.inference.models", "ChatCompletionsNamedToolChoice"
            )
            self.ctx.need_import(
                "azure.ai.inference.models", "ChatCompletionsNamedToolChoiceFunction"
            )
            self.ctx.rewrite(
                CODE,
                original,
                "tool_choice dict -> ChatCompletionsNamedToolChoice(...)",
            )
            outer, inner_name = (
                "ChatCompletionsNamedToolChoice",
                "ChatCompletionsNamedToolChoiceFunction",
            )
        inner = dict_to_call(inner_name, function, keyword_args(function))
        element = next(
            e
            for e in updated.elements
            if isinstance(e, cst.DictElement) and string_value(e.key) == "function"
        )
        arg = cst.Arg(
            keyword=cst.Name("function"), value=inner, equal=EQ, comma=element.comma
        )
        return dict_to_call(outer, updated, [arg])

    def leave_SimpleString(
        self, original: cst.SimpleString, updated: cst.SimpleString
    ) -> cst.BaseExpression:
        if self._kind(original) != PRESET or self.ctx.suppressed(CODE):
            return updated
        preset = PRESETS[string_value(original) or ""]
        self.ctx.need_import(
            "azure.ai.inference.models", "ChatCompletionsToolChoicePreset"
        )
        self.ctx.rewrite(
            CODE, original, f"tool_choice -> ChatCompletionsToolChoicePreset.{preset}"
        )
        return cst.Attribute(
            value=cst.Name("ChatCompletionsToolChoicePreset"), attr=cst.Name(preset)
        )
