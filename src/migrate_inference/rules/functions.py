"""MI320 functions: legacy function calling to tools, where the whole round trip is in view.

`functions=F` becomes `tools=[{"type": "function", "function": f} for f in F]`,
`function_call="auto"|"none"|{"name": n}` becomes the matching `tool_choice`, and
in the same function every read of the reply's function call becomes a read of its
first tool call: `message["function_call"]` / `message.function_call` ->
`message.tool_calls[0].function`, `message.get("function_call")` ->
`(message.tool_calls[0].function if message.tool_calls else None)`,
`"function_call" in message` -> `bool(message.tool_calls)`.  A
`{"role": "function", "name": n, "content": c}` message sent back becomes
`ToolMessage(content=c, tool_call_id=message.tool_calls[0].id)`, where `message`
is the reply appended to the same history.

"In view" means: the call is not streamed, `function_call` is absent or literal,
and in that function the reply (and every part of it) is only read, never
returned or handed to other code that could still expect `function_call`.
Otherwise the call keeps `functions`/`function_call` in `model_extras` with a
TODO that says what to change.
"""

from __future__ import annotations

import libcst as cst

from migrate_inference.analysis.names import string_value
from migrate_inference.analysis.request_literals import literal_keys
from migrate_inference.rules.base import RuleState

CODE = "MI320"
NAME = "functions"
DOC_EXAMPLE = "round_trip_v0"
WHEN_TODO = (
    "When the call streams, `function_call` is not a literal, the reply leaves the function (returned, "
    'passed on, stored), or a role "function" message cannot be tied to the reply it answers: '
    "`functions`/`function_call` then go into model_extras with a TODO to convert them by hand."
)


class FunctionsRule:
    """Rewrites the reads of `function_call` and the role "function" messages in converted scopes.

    The request keywords themselves are converted by `params_code.map_arguments`
    (with `functions_code`)."""

    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.plan = state.functions
        self.scopes = state.scopes
        self.types = state.responses

    def _converted(self, node: cst.CSTNode) -> bool:
        return self.scopes.get(
            node
        ) in self.plan.scopes_converted and not self.ctx.suppressed(CODE)

    def _message(self, node: cst.BaseExpression) -> bool:
        return (
            isinstance(node, cst.Name) and self.types.name_types.get(node) == "message"
        )

    def leave_Comparison(
        self, original: cst.Comparison, updated: cst.Comparison
    ) -> cst.BaseExpression:
        if (
            len(original.comparisons) == 1
            and isinstance(original.comparisons[0].operator, (cst.In, cst.NotIn))
            and string_value(original.left) == "function_call"
            and self._message(original.comparisons[0].comparator)
            and self._converted(original)
        ):
            message = cst.Module([]).code_for_node(original.comparisons[0].comparator)
            self.ctx.rewrite(
                CODE, original, '"function_call" in message -> bool(message.tool_calls)'
            )
            negate = (
                "not "
                if isinstance(original.comparisons[0].operator, cst.NotIn)
                else ""
            )
            return cst.parse_expression(f"{negate}bool({message}.tool_calls)")
        return updated

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        reply = self.plan.tool_messages.get(original)
        if reply is None or self.ctx.suppressed(CODE):
            return updated
        keys = literal_keys(updated) or {}
        self.ctx.need_import("azure.ai.inference.models", "ToolMessage")
        self.ctx.rewrite(CODE, original, 'role "function" message -> ToolMessage')
        eq = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        return cst.Call(
            cst.Name("ToolMessage"),
            args=[
                cst.Arg(
                    keys["content"],
                    keyword=cst.Name("content"),
                    equal=eq,
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                ),
                cst.Arg(
                    cst.parse_expression(f"{reply}.tool_calls[0].id"),
                    keyword=cst.Name("tool_call_id"),
                    equal=eq,
                ),
            ],
        )
