"""MI200 v1_clients: `OpenAI()`, `AzureOpenAI()`, `AsyncOpenAI()`, `AsyncAzureOpenAI()` to azure-ai-inference clients.

The constructor is mapped by the table (`sdk-reference.md` §8): `api_key` to
`AzureKeyCredential`; `azure_endpoint` + `azure_deployment` (or each call's
`model`) to the endpoint; `api_version`; `timeout` to `read_timeout`;
`max_retries` to `retry_total`; `default_headers` to `headers`;
`azure_ad_token_provider=get_bearer_token_provider(cred, scope)` to
`credential=cred, credential_scopes=[scope]`.  One OpenAI client used for chat and
embeddings becomes a `ChatCompletionsClient` and an `EmbeddingsClient`; an
`AzureOpenAI` client used with several deployments becomes one client per
deployment; when a call names its deployment in a variable, the client becomes a
per-deployment cache (`client_code.deployment_clients_source`: built where the original
was, it builds each deployment's client on first use).  When every use of the client is a call the tool migrates, the
binding itself changes class (`client = ChatCompletionsClient(...)`); when the
client is also passed on or used for other OpenAI APIs, it stays, and the
Azure clients are added next to it (`client_chat = ...`).
"""
from __future__ import annotations

from typing import List, Set

import libcst as cst

from migrate_inference.analysis.v1_plan import BindingPlan
from migrate_inference.rules.base import RuleState
from migrate_inference.rules.client_code import (
    CLIENT_CLASSES,
    accessor_source,
    client_call_code,
    deployment_clients_source,
    insert_after_imports,
    need_client_imports,
)
from migrate_inference.rules.client_code import multiline as _multiline

CODE = "MI200"
NAME = "v1_clients"
DOC_EXAMPLE = "azure_two_deployments"
WHEN_TODO = (
    "When the constructor takes `**kwargs`; for options with no equivalent (`organization`, `project`, "
    "`http_client`, `default_query`, a static `azure_ad_token`, a token provider that is not "
    "`get_bearer_token_provider(...)`); when a non-Azure `base_url` is replaced by the endpoint variable; when "
    "the client is also used for other OpenAI APIs or passed on (it is kept next to the new clients); for a "
    "parameter annotated with an OpenAI client class (its callers must pass the Azure client)."
)


class V1ClientsRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.plan = state.v1_plan
        self.facts = state.v1
        # the per-deployment caches written (by is_async): their classes are defined
        self.caches_used: Set[bool] = set()

    def _client_statements(self, bp: BindingPlan) -> List[cst.SimpleStatementLine]:
        out = []
        for cp in bp.clients.values():
            need_client_imports(self.ctx, cp.spec)
            if "os." in cp.spec.endpoint or "os." in cp.spec.credential:
                self.ctx.need_import("os")
            if cp.accessor is not None:
                self.ctx.need_import("asyncio")
                self.ctx.need_import("weakref")
                source = "\n\n".join(accessor_source(cp.spec, cp.accessor, cp.store))
                out.extend(cst.parse_module(source).body)
                continue
            code = client_call_code(cp.spec, indent="")
            if cp.spec.cache is not None:
                self.caches_used.add(cp.spec.is_async)
                if cp.spec.is_async:
                    self.ctx.need_import("asyncio")
                    self.ctx.need_import("weakref")
            out.append(cst.parse_statement(f"{cp.target} = {_multiline(code)}\n"))
        return out

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ):
        bp = self.plan.by_statement.get(original)
        if (
            bp is None
            or not bp.clients
            or bp.todo is not None
            or bp.binding.kind not in ("name", "attr")
        ):
            return updated
        self._notes(bp)
        new = self._client_statements(bp)
        if not new:
            return updated
        self.ctx.rewrite(
            CODE,
            bp.binding.ctor,
            f"{bp.binding.cls.rsplit('.', 1)[1]}(...) -> azure-ai-inference client",
        )
        if bp.replace:
            new[0] = new[0].with_changes(leading_lines=updated.leading_lines)
            if (
                updated.trailing_whitespace.comment is not None
            ):  # `# OpenAI.com` survives
                new[-1] = new[-1].with_changes(
                    trailing_whitespace=updated.trailing_whitespace
                )
            return cst.FlattenSentinel(new)
        return cst.FlattenSentinel([updated, *new])

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        bp = self.plan.by_ctor.get(original)
        if bp is None:
            if original in self.facts.returned and not self.ctx.suppressed(CODE):
                self.ctx.todo(
                    CODE,
                    original,
                    "this OpenAI client is returned to code elsewhere: migrate the code that uses it, and "
                    "return a ChatCompletionsClient/EmbeddingsClient (azure.ai.inference) built like this one",
                )
            return updated
        if bp.todo:
            self.ctx.todo(CODE, original, bp.todo)
            return updated
        if bp.binding.kind == "with" and len(bp.clients) == 1:
            cp = next(iter(bp.clients.values()))
            need_client_imports(self.ctx, cp.spec)
            if "os." in cp.spec.endpoint or "os." in cp.spec.credential:
                self.ctx.need_import("os")
            self._notes(bp)
            self.ctx.rewrite(
                CODE, original, "client constructor -> azure-ai-inference client"
            )
            return cst.parse_expression(_multiline(client_call_code(cp.spec)))
        return updated

    def leave_Param(self, original: cst.Param, updated: cst.Param) -> cst.Param:
        bp = self.plan.by_param.get(original)
        if (
            bp is None
            or not bp.clients
            or len({k[0] for k in bp.clients}) != 1
            or updated.annotation is None
        ):
            return updated
        cp = next(iter(bp.clients.values()))
        cls = CLIENT_CLASSES[cp.spec.api, cp.spec.is_async]
        if cp.spec.is_async:
            self.ctx.need_import(
                "azure.ai.inference.aio", cls.replace("Async", "", 1), cls
            )
        else:
            self.ctx.need_import("azure.ai.inference", cls)
        self._notes(bp)
        return updated.with_changes(
            annotation=updated.annotation.with_changes(annotation=cst.Name(cls))
        )

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        names = self.plan.deployment_clients
        sources = [
            deployment_clients_source(names[is_async], is_async)
            for is_async in sorted(self.caches_used)
        ]
        if not sources:
            return updated
        return insert_after_imports(updated, sources)

    def _notes(self, bp: BindingPlan) -> None:
        anchor = bp.binding.ctor or bp.binding.param
        for note in bp.notes:
            self.ctx.todo(CODE, anchor, note)
