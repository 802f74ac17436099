"""MI210 v1_chat: `<client>.chat.completions.create(...)` to `<chat client>.complete(...)`.

The receiver is resolved to the client binding it refers to (`analysis/v1.py`),
whatever it is called (`client`, `self.client`, `self.__client`, a parameter);
the keywords follow the same table as v0, with v1's own rows
(`max_completion_tokens`, `stream_options`, `parallel_tool_calls`,
`reasoning_effort` into `model_extras`; `extra_body` merged into it;
`extra_headers` to `headers`; `timeout` to `read_timeout`).  Embeddings calls
(`<client>.embeddings.create`) go to `<embeddings client>.embed(...)`.
`.with_raw_response`, `.beta.chat.completions.parse(...)` and the `.stream(...)`
helper get a TODO that says what to do instead.  A call through an `AzureOpenAI` client
that became one client per deployment (`model=` held in a variable) picks its deployment's
client: `client[self.deployment].complete(...)`.
"""

from __future__ import annotations

import libcst as cst

from migrate_inference.analysis.names import code_of as _code
from migrate_inference.rules import params_code
from migrate_inference.rules.base import RuleState
from migrate_inference.rules.client_code import METHODS
from migrate_inference.rules.embeddings_code import API as EMBEDDINGS
from migrate_inference.rules.embeddings_code import EMBEDDINGS_CODE, V1_CREATE

CODE = "MI210"
NAME = "v1_chat"
DOC_EXAMPLE = "receiver_private_attr"
WHEN_TODO = (
    "For `.beta.chat.completions.parse(...)`, `.with_raw_response`, the `.stream(...)` helper, calls whose "
    "parameters come from a `**` dict, a model held in a variable on an `AzureOpenAI` client without "
    "`azure_deployment` that cannot become one client per deployment (it is closed, a `with` block's, passed "
    "on, or a parameter), and `client.chat.completions.create` taken as a value (`f = client.chat.completions.create`)."
)


class V1ChatRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.plan = state.v1_plan
        self.facts = state.v1
        self.functions = state.functions

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        cp = self.plan.calls.get(original)
        if cp is None:
            why = self.facts.unsupported_options.get(original)
            if why is not None and not self.ctx.suppressed(CODE):
                self.ctx.todo(CODE, original, f"{why}: this call stays on OpenAI")
                return updated
            receiver = self.facts.ambiguous.get(original)
            if receiver is not None and not self.ctx.suppressed(CODE):
                self.ctx.todo(
                    CODE,
                    original,
                    f"`{receiver}` may be one of several OpenAI clients here (assigned more than once, or in "
                    "branches): give each its own name, or build one azure-ai-inference client, then migrate",
                )
            return updated
        api = cp.call.kind
        code = EMBEDDINGS_CODE if api == EMBEDDINGS else CODE
        if cp.client is None:
            if cp.todo:
                self.ctx.todo(code, original, cp.todo)
            return updated
        client = cp.client
        if cp.call.binding.kind == "inline":
            from migrate_inference.rules.client_code import (
                client_call_code,
                need_client_imports,
            )

            need_client_imports(self.ctx, client.spec)
            if "os." in client.spec.endpoint or "os." in client.spec.credential:
                self.ctx.need_import("os")
            receiver: cst.BaseExpression = cst.parse_expression(
                client_call_code(client.spec)
            )
        else:
            receiver = cst.parse_expression(client.target)
        if client.spec.cache is not None:
            # the per-deployment cache: the call's model names the deployment's client
            model = next(a.value for a in updated.args if a.keyword and a.keyword.value == "model")
            receiver = cst.Subscript(
                value=receiver, slice=[cst.SubscriptElement(slice=cst.Index(value=model))]
            )
        args, lead = params_code.map_arguments(
            self.ctx,
            updated,
            original,
            lookup=params_code.lookup(api, "v1"),
            keep_model=client.keep_model or cp.keep_model,
            drop=() if client.keep_model or cp.keep_model else ("model",),
            functions_to_tools=original in self.functions.convert,
            functions_reason=self.functions.reasons.get(original),
            code=EMBEDDINGS_CODE if api == EMBEDDINGS else params_code.PARAMS_CODE,
            pipeline=tuple(cp.call.options.items()),
        )
        if cp.call.options:
            self.ctx.rewrite(
                code,
                original,
                "with_options(...) -> per-call " + ", ".join(cp.call.options),
            )
        for note in cp.notes:
            self.ctx.todo(code, original, note)
        method = METHODS[api]
        chain = V1_CREATE if api == EMBEDDINGS else "chat.completions.create"
        self.ctx.rewrite(code, original, f"{chain} -> .{method}")
        whitespace = lead if lead is not None else updated.whitespace_before_args
        if (
            cp.call.via_ref is not None
        ):  # the reference itself is rewritten in leave_Attribute
            return updated.with_changes(args=args, whitespace_before_args=whitespace)
        return updated.with_changes(
            func=cst.Attribute(value=receiver, attr=cst.Name(method)),
            args=args,
            whitespace_before_args=whitespace,
        )

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        facts = self.facts
        if original in facts.ref_rewrites:
            clients = [
                cp.client
                for cp in self.plan.calls.values()
                if cp.call.via_ref is original and cp.client is not None
            ]
            targets = {c.target for c in clients}
            if len(targets) == 1 and len(clients) == sum(
                1 for cp in self.plan.calls.values() if cp.call.via_ref is original
            ):
                return cst.parse_expression(f"{targets.pop()}.complete")
            self.ctx.todo(
                CODE,
                original,
                "calls through this reference need different clients: migrate by hand",
            )
            return updated
        binding = facts.refs.get(original)
        if binding is not None and not self.ctx.suppressed(CODE):
            self.ctx.todo(
                CODE,
                original,
                f"`{_code(original)}` is used as a value: calls through it still pass OpenAI parameters; "
                "call .complete(...) on the chat client with mapped parameters instead",
            )
        return updated
