"""MI100 v0_chat: `openai.ChatCompletion.create/acreate` to `ChatCompletionsClient.complete`.

Also `openai.Embedding.create/acreate` to `EmbeddingsClient.embed`, and v1's
module-level client (`openai.chat.completions.create` after `openai.api_key = ...`),
which is configured the same way.

The client is built from the module's v0 configuration (`openai.api_key`,
`api_base`, `api_type`, `api_version`, wherever they are set, when their value can
be evaluated at module level) or from environment variables.  It is built lazily,
by a cached accessor function, so importing the migrated module reads nothing and
fails on nothing the original did not, and a `load_dotenv()` that runs before the
first call still counts.

Config set inside the functions that call, from their own values (a key rotated per
request, a key the user typed in), becomes a local variable there, and each call builds
its client from it (`analysis/local_config.py`): when every call of the file is made by
a function that sets it first, and nothing else reads the module config.
"""
from __future__ import annotations

from typing import List, Tuple

import libcst as cst

from migrate_inference.analysis.facts import BLOCKING_CONFIG, Facts
from migrate_inference.analysis.names import code_of as _code
from migrate_inference.analysis.v0_plan import CallPlan, call_code
from migrate_inference import comments
from migrate_inference.mapping import (
    MODULE_CLIENT_BLOCKING,
    MODULE_CLIENT_OPTIONS,
    MODULE_CONFIG,
)
from migrate_inference.rules import params_code
from migrate_inference.rules.base import RuleState
from migrate_inference.rules.client_code import (
    CLIENT_CLASSES,
    METHODS,
    ClientSpec,
    accessor_source,
    client_call_code,
    deployment_clients_source,
    insert_after_imports,
    need_client_imports,
)
from migrate_inference.rules.client_code import multiline as _multiline

CODE = "MI100"
NAME = "v0_chat"
DOC_EXAMPLE = "azure_v0_engine"
WHEN_TODO = (
    "When the call passes positional arguments or a `**` dict the tool cannot see (a module-level wrapper that "
    "forwards its `**kwargs` migrates with its callers when they are all in this file, pass plain keywords and "
    "no client setting, and no other file imports it); when the module config is set to different "
    "values, inside a condition, or from a function's local value outside the one class whose methods make "
    "every call (then the clients live on `self`, built where the config was set) and outside the functions "
    "that make the calls (each sets it first: the client is built at the call from that value); when the model comes from a variable "
    "(deployment style: the call is migrated, the TODO asks for a client per deployment); when "
    "`openai.ChatCompletion.create` is used as a value or the openai module is stored in a variable; "
    'for `api_type="azure_ad"` (the token becomes DefaultAzureCredential()); for config with no '
    "equivalent (`organization`, `proxy`, ...); when `openai.api_base`/`api_key` is an empty placeholder; "
    "when the openai module is configured in another file of the project and not in this one; for a v1 "
    "module client whose `default_query`, `http_client`, a non-numeric `timeout` or Azure settings cannot "
    "be carried."
)

class V0ChatRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.plan = state.plan
        self.functions = state.functions
        self._config_comments: List[str] = (
            []
        )  # of removed config lines, for the accessor

    # -- the calls ----------------------------------------------------------
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        cp = self.plan.calls.get(original)
        if cp is None:
            forwarded = self.plan.forward_callers.get(original)
            if forwarded is not None and forwarded.todo is None:
                return self._forwarded(forwarded, original, updated)
            return updated
        if cp.todo is not None:
            if cp.todo:
                self.ctx.todo(call_code(cp.call.api), original, cp.todo)
            return updated
        return self._rewrite(cp, original, updated)

    def _rewrite(
        self, cp: CallPlan, original: cst.Call, updated: cst.Call
    ) -> cst.BaseExpression:
        spec = cp.spec
        assert spec is not None
        self._imports(spec)
        if cp.inline:
            client = cst.parse_expression(client_call_code(spec))
        elif self.plan.self_method is not None and spec.cache is not None:
            # one client per deployment: the call's deployment picks its client
            client = cst.parse_expression(f"{self.plan.accessors[spec]}[{cp.accessor_arg}]")
        elif self.plan.self_method is not None:
            client = cst.parse_expression(self.plan.accessors[spec])
        else:
            name = self.plan.accessors[spec]
            arg = cp.accessor_arg if spec.parameterized else ""
            client = cst.parse_expression(f"{name}({arg})")
        drop: Tuple[str, ...] = (
            () if cp.keep_model else ("model", "engine", "deployment_id")
        )
        args, lead = params_code.map_arguments(
            self.ctx,
            updated,
            original,
            lookup=params_code.lookup(spec.api, cp.call.generation),
            keep_model=cp.keep_model,
            drop=drop,
            functions_to_tools=original in self.functions.convert,
            functions_reason=self.functions.reasons.get(original),
            code=params_code.PARAMS_CODE if spec.api == "chat" else params_code.EMBEDDINGS_CODE,
        )
        for note in cp.notes:
            self.ctx.todo(call_code(spec.api), original, note)
        method = METHODS[spec.api]
        self.ctx.rewrite(
            call_code(spec.api),
            original,
            f"-> {CLIENT_CLASSES[spec.api, spec.is_async]}.{method}",
        )
        return updated.with_changes(
            func=cst.Attribute(value=client, attr=cst.Name(method)),
            args=args,
            whitespace_before_args=(
                lead if lead is not None else updated.whitespace_before_args
            ),
        )

    def _forwarded(
        self, cp: CallPlan, original: cst.Call, updated: cst.Call
    ) -> cst.BaseExpression:
        """A caller of a wrapper that forwards its **kwargs to the migrated call: its
        keywords are the call's parameters, moved by the table here."""
        assert cp.spec is not None and cp.forward is not None
        args, lead = params_code.map_arguments(
            self.ctx,
            updated,
            original,
            lookup=params_code.lookup(cp.spec.api, cp.call.generation),
            keep_model=cp.keep_model,
            drop=() if cp.keep_model else ("model",),
            keep=tuple(sorted(cp.forward.params)),
            code=params_code.PARAMS_CODE if cp.spec.api == "chat" else params_code.EMBEDDINGS_CODE,
        )
        name = cp.forward.function.name.value
        self.ctx.rewrite(  # not an OpenAI call site: its parameters moved
            params_code.PARAMS_CODE, original, f"keywords forwarded by {name}() to the call mapped"
        )
        return updated.with_changes(
            args=args,
            whitespace_before_args=(
                lead if lead is not None else updated.whitespace_before_args
            ),
        )

    def _imports(self, spec: ClientSpec) -> None:
        need_client_imports(self.ctx, spec)
        need = self.ctx.need_import
        if "os." in spec.endpoint or "os." in spec.credential:
            need("os")
        if spec.cache is not None and spec.is_async:
            need("asyncio")
            need("weakref")
        if spec in self.plan.accessors and self.plan.self_method is None:
            if spec.is_async:
                need("asyncio")
                need("weakref")
            else:
                need("functools")

    # -- references to create that are not calls -------------------------------
    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        facts: Facts = self.ctx.facts
        if original in facts.chat_refs and not self.ctx.suppressed(CODE):
            self.ctx.todo(
                CODE,
                original,
                "openai.ChatCompletion.create is used as a value: call client.complete(...) "
                "through a ChatCompletionsClient instead",
            )
        return updated

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        facts: Facts = self.ctx.facts
        if original.value in facts.module_aliases and not self.ctx.suppressed(CODE):
            self.ctx.todo(
                CODE,
                original,
                f"the openai module is stored in `{_code(original.targets[0].target)}`: calls made through it "
                "are not migrated; create a ChatCompletionsClient and call .complete(...) on it",
            )
        return updated

    # -- module config ------------------------------------------------------
    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ):
        self._unmapped_config_notes(original)
        if original is self.plan.client_site:
            used = self._used_specs()
            new = [
                cst.parse_statement(f"{name} = {_multiline(client_call_code(spec))}\n")
                for spec, name in self.plan.accessors.items()
                if spec in used
            ]
            for spec in used:
                need_client_imports(self.ctx, spec)
            if new:
                new[0] = new[0].with_changes(leading_lines=updated.leading_lines)
                return cst.FlattenSentinel(new)
        if original in self.plan.consumed_config:
            keep = [
                s for s, o in zip(updated.body, original.body) if not self._is_config(o)
            ]
            if not keep:
                if self.plan.self_method is None and self._used_specs():
                    # what was said about the config belongs to the client now built from it
                    found = comments.own_comments(original)
                    said = comments.in_order(original, found)
                    self._config_comments.extend(said)
                    self.ctx.keep_comments(said)
                return cst.RemoveFromParent()
            return updated.with_changes(body=keep)
        var = self.plan.renamed_config.get(original)
        if var is not None:
            body = [
                (
                    s.with_changes(targets=[cst.AssignTarget(cst.Name(var))])
                    if self._is_config(o)
                    else s
                )
                for s, o in zip(updated.body, original.body)
            ]
            return updated.with_changes(body=body)
        return updated

    def _unmapped_config_notes(self, original: cst.SimpleStatementLine) -> None:
        facts: Facts = self.ctx.facts
        if self.ctx.suppressed(CODE) or not self.plan.migrated:
            return
        for attr, values in facts.config.items():
            if attr in BLOCKING_CONFIG:
                continue
            if attr in MODULE_CLIENT_OPTIONS or attr in MODULE_CLIENT_BLOCKING:
                continue  # carried, blocking (a TODO at each call) or, for v0 calls, never read
            for assign in values:
                if assign.statement is original:
                    note = MODULE_CONFIG[attr].note
                    self.ctx.todo(
                        CODE, assign.small, f"openai.{attr} is not carried over: {note}"
                    )

    def _is_config(self, small: cst.CSTNode) -> bool:
        facts: Facts = self.ctx.facts
        return any(a.small is small for values in facts.config.values() for a in values)

    # -- the accessors ------------------------------------------------------
    def _used_specs(self) -> set:
        return {
            cp.spec
            for cp in self.plan.calls.values()
            if cp.todo is None and not cp.inline and cp.spec is not None
        }

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        used = self._used_specs()
        if self.plan.self_method is not None:
            caches = sorted({spec.is_async for spec in used if spec.cache is not None})
            if not caches:
                return updated
            return insert_after_imports(
                updated,
                [
                    deployment_clients_source(self.plan.deployment_clients[a], a)
                    for a in caches
                ],
            )
        defs = [
            src
            for spec, name in self.plan.accessors.items()
            if spec in used
            for src in accessor_source(spec, name)
        ]
        if not defs:
            return updated
        return insert_after_imports(updated, defs, self._config_comments)

