"""MI200 v1_clients: `OpenAI()`, `AzureOpenAI()`, `AsyncOpenAI()`, `AsyncAzureOpenAI()` to azure-ai-inference clients.

The constructor is mapped by the table (`sdk-reference.md` §8): `api_key` to
`AzureKeyCredential`; `azure_endpoint` + `azure_deployment` (or each call's
`model`) to the endpoint; `api_version`; `timeout` to `read_timeout`;
`max_retries` to `retry_total`; `default_headers` to `headers`;
`azure_ad_token_provider=get_bearer_token_provider(cred, scope)` to
`credential=cred, credential_scopes=[scope]`.  One OpenAI client used for chat and
embeddings becomes a `ChatCompletionsClient` and an `EmbeddingsClient`; an
`AzureOpenAI` client used with several deployments becomes one client per
deployment.  When every use of the client is a call the tool migrates, the
binding itself changes class (`client = ChatCompletionsClient(...)`); when the
client is also passed on or used for other OpenAI APIs, it stays, and the
Azure clients are added next to it (`client_chat = ...`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import (
    GlobalScope,
    ParentNodeProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from migrate_inference.analysis.names import code_of as _code
from migrate_inference.analysis.names import imported_names, referents, string_value
from migrate_inference.analysis.names import py_string as _literal
from migrate_inference.analysis.names import slug
from migrate_inference.analysis.v1 import Binding, V1Call, V1Facts
from migrate_inference.config import MODELS, Config
from migrate_inference.analysis import splats
from migrate_inference.rules import params_code
from migrate_inference.rules.base import RuleState
from migrate_inference.part_ignores import part_ignored
from migrate_inference.wording import target_call
from migrate_inference.rules.client_code import (
    CLIENT_CLASSES,
    ClientSpec,
    accessor_source,
    client_call_code,
    need_client_imports,
    retry_budget,
)
from migrate_inference.rules.client_code import multiline as _multiline
from migrate_inference.rules.suppression import has_ignore as _has_ignore

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

AZURE_HOST_HINTS = (".azure.com", "models.github.ai", "models.inference.ai.azure.com")
CTOR_RENAMES = {
    "timeout": "read_timeout",
    "max_retries": "retry_total",
    "default_headers": "headers",
}
CTOR_TODO = {
    "organization": "no equivalent (send an OpenAI-Organization header only if the endpoint needs it)",
    "project": "no equivalent",
    "http_client": "pass transport=RequestsTransport(session=...) / AioHttpTransport(...) instead",
    "default_query": "pass params={...} on each call instead",
    "azure_ad_token": "wrap the token in a TokenCredential, or use DefaultAzureCredential()",
    "websocket_base_url": "no equivalent",
    "_strict_response_validation": "no equivalent",
}
CTOR_CONSUMED = {
    "api_key",
    "azure_endpoint",
    "azure_deployment",
    "api_version",
    "base_url",
    "azure_ad_token_provider",
}


def _lower_slug(value: str) -> str:
    return slug(value).lower()


@dataclass
class ClientPlan:
    spec: ClientSpec
    target: str  # code that names the client: "client", "self.client_embeddings"
    keep_model: bool
    # a module-level async client the original never closed: built per event loop by this
    # function and closed at the loop's end (an aiohttp session left open warns at exit)
    accessor: Optional[str] = None
    store: Optional[str] = None  # the accessor's per-loop cache


@dataclass
class BindingPlan:
    binding: Binding
    todo: Optional[str] = None  # the binding and its calls are left as they are
    clients: Dict[Tuple[str, Optional[str]], ClientPlan] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)  # TODOs at the constructor
    replace: bool = True


@dataclass
class CallPlan:
    call: V1Call
    client: Optional[ClientPlan] = None
    todo: Optional[str] = None
    notes: List[str] = field(default_factory=list)
    keep_model: bool = (
        False  # a model in a variable stays on the call, next to its TODO
    )
    splat: Optional[object] = None  # analysis.splats.SplatDict rewritten with the call


@dataclass
class V1Plan:
    bindings: Dict[int, BindingPlan] = field(
        default_factory=dict
    )  # id(binding) -> plan
    calls: Dict[cst.Call, CallPlan] = field(default_factory=dict)
    by_statement: Dict[cst.CSTNode, BindingPlan] = field(default_factory=dict)
    by_ctor: Dict[cst.Call, BindingPlan] = field(default_factory=dict)
    by_param: Dict[cst.Param, BindingPlan] = field(default_factory=dict)
    splats: Dict[int, tuple] = field(
        default_factory=dict
    )  # id(SplatDict) -> (table lookup, keep_model)

    @property
    def migrated(self) -> List[cst.Call]:
        return [c for c, p in self.calls.items() if p.client is not None]


TODO_KINDS = {
    "parse": (
        "chat.completions.parse has no azure-ai-inference equivalent: call complete(..., "
        "response_format=JsonSchemaFormat(name=..., schema=Model.model_json_schema(), strict=True)) and "
        "validate message.content with Model.model_validate_json(...) (make the schema strict by hand: "
        "additionalProperties false, every property required)"
    ),
    "raw": (
        "with_raw_response/with_streaming_response have no equivalent: call complete(..., "
        "raw_response_hook=callback) to see the HTTP response (callback gets a PipelineResponse)"
    ),
    "stream_helper": (
        "the chat.completions.stream helper has no equivalent: call complete(..., stream=True) and "
        "iterate the updates (update.choices[0].delta.content)"
    ),
}


class V1Planner:
    def __init__(
        self,
        facts: V1Facts,
        config: Config,
        wrapper: cst.MetadataWrapper,
        taken: Set[str],
        splat_dicts=None,
    ) -> None:
        self.facts = facts
        self.splats = splat_dicts
        self.config = config
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.qualified = wrapper.resolve(QualifiedNameProvider)
        self.scopes = wrapper.resolve(ScopeProvider)
        self.top_index = {stmt: i for i, stmt in enumerate(wrapper.module.body)}
        self.taken = taken
        self.plan = V1Plan()
        self.merged_literals: Dict[int, Dict[str, bool]] = {}
        self.branch_members: Set[int] = set()

    def run(self) -> V1Plan:
        # a client chosen in branches: each branch keeps its own host (analysis/components.py)
        self.branch_members = {
            id(member)
            for binding in self.facts.bindings
            if binding.siblings
            for member in (binding, *binding.siblings)
        }
        # annotated parameters first: a client handed to one must match what it became
        ordered = sorted(self.facts.bindings, key=lambda b: b.kind != "param")
        for binding in ordered:
            if not binding.calls and not binding.refs and not binding.handoffs:
                continue
            bp = BindingPlan(binding)
            self.plan.bindings[id(binding)] = bp
            if binding.ctor is not None:
                self.plan.by_ctor[binding.ctor] = bp
            if binding.statement is not None:
                self.plan.by_statement[binding.statement] = bp
            if binding.param is not None:
                self.plan.by_param[binding.param] = bp
            self._plan_binding(bp)
            if binding.siblings:
                self._plan_siblings(bp)
        return self.plan

    def _plan_siblings(self, bp: BindingPlan) -> None:
        """Every branch that builds the client gets the same clients, from its own arguments.

        The calls were planned with the first branch's binding; each other branch builds
        one client per API under the same names.  Whether the component as a whole can
        migrate is settled afterwards (`analysis.components.settle_v1`)."""
        calls = [
            cp
            for cp in self.plan.calls.values()
            if cp.call.binding is bp.binding and cp.todo is None
        ]
        by_api = {api: cp for (api, _), cp in bp.clients.items()}
        for sibling in bp.binding.siblings:
            sp = BindingPlan(sibling)
            self.plan.bindings[id(sibling)] = sp
            if sibling.ctor is not None:
                self.plan.by_ctor[sibling.ctor] = sp
            if sibling.statement is not None:
                self.plan.by_statement[sibling.statement] = sp
            sp.replace = bp.replace
            if sibling.has_splat:
                sp.todo = "the client is built from **kwargs or positional arguments: map them by hand"
                continue
            if sibling.statement is not None and self._suppressed(sibling.statement):
                sp.todo = ""
                continue
            trial = [CallPlan(cp.call) for cp in calls]
            keys = self._client_keys(sp, trial)
            blocked = next((t.todo for t in trial if t.todo is not None), None)
            if blocked is not None:
                sp.todo = blocked
                continue
            for api, lit in keys:
                primary = by_api.get(api)
                if primary is None or sum(1 for k in keys if k[0] == api) > 1:
                    continue  # settled as a blocker: not built like the first branch
                spec, keep_model, notes = self._spec(sp, api, lit, False)
                keep_model = keep_model or any(t.keep_model for t in trial)
                sp.notes.extend(n for n in notes if n not in sp.notes)
                sp.clients[(api, lit)] = ClientPlan(
                    spec=spec, target=primary.target, keep_model=keep_model
                )
                if keep_model and not primary.keep_model:
                    primary.keep_model = True  # one call serves every branch

    # -- one binding ----------------------------------------------------------
    def _plan_binding(self, bp: BindingPlan) -> None:
        binding = bp.binding
        if binding.has_splat:
            bp.todo = "the client is built from **kwargs or positional arguments: map them by hand"
        elif binding.statement is not None and self._suppressed(binding.statement):
            bp.todo = ""
        bp.replace = binding.replaceable and binding.kind != "param"
        if binding.kind == "with" and not bp.replace:
            bp.todo = (
                "a `with` client that is also used for other things: migrate it by hand"
            )
        for call in binding.calls:
            cp = CallPlan(call)
            self.plan.calls[call.node] = cp
            part = part_ignored(call.node, self.parents)
            if self._suppressed(
                call.node, "MI230" if call.kind == "embeddings" else "MI210"
            ):
                cp.todo = ""
            elif part is not None:
                cp.todo = part
            elif bp.todo is not None:
                cp.todo = (
                    bp.todo and f"{bp.todo} (client `{binding.target or binding.cls}`)"
                )
            elif call.kind in TODO_KINDS:
                cp.todo = TODO_KINDS[call.kind]
            elif call.has_splat:
                splat = self.splats.by_call.get(call.node) if self.splats else None
                lookup = params_code.lookup(call.kind, "v1")
                reason = (
                    splats.assess(splat, lookup, call.node)
                    if splat is not None
                    else (
                        "parameters come from a ** dict: move model into the client, n/user/... into "
                        f"model_extras, then call {target_call(call.kind)}"
                    )
                )
                if reason:
                    cp.todo = reason
                else:
                    cp.splat = splat
                    call.splat_model = splats.deployment_of(splat)
            elif call.has_positional:
                cp.todo = "positional arguments: pass every parameter by keyword, then migrate"
            if cp.todo is None and call.kind in ("chat", "embeddings"):
                cp.todo = params_code.colliding_keywords(
                    call.kwargs, params_code.lookup(call.kind, "v1")
                )
        wanted = [
            cp
            for cp in self.plan.calls.values()
            if cp.call.binding is binding and cp.todo is None
        ]
        keys = self._client_keys(bp, wanted)
        keys = self._handoff_keys(bp, keys)
        if bp.todo is None and keys:
            self._name_clients(bp, keys)
            for cp in wanted:
                key = self._key(bp, cp)
                if key is not None:
                    cp.client = bp.clients.get(key)
                if cp.client is not None and cp.splat is not None:
                    keep = cp.client.keep_model or cp.keep_model
                    self.plan.splats[id(cp.splat)] = (
                        params_code.lookup(cp.call.kind, "v1"),
                        keep,
                    )
        if binding.kind == "param" and bp.clients:
            bp.notes.append(
                f"`{binding.target}` is now {_article(CLIENT_CLASSES[next(iter(bp.clients))[0], binding.is_async])}: "
                "callers must pass one instead of an OpenAI client"
            )
        if not bp.replace and bp.clients and binding.kind in ("name", "attr"):
            bp.notes.append(
                f"`{binding.target}` is also used for other things (other OpenAI APIs, or passed on): it stays an "
                "OpenAI client, and the chat/embeddings calls use the Azure clients defined next to it"
            )

    def _handoff_keys(
        self, bp: BindingPlan, keys: List[Tuple[str, Optional[str]]]
    ) -> List[Tuple[str, Optional[str]]]:
        """A client passed to a migrated annotated parameter must become that parameter's client.

        That works when the two agree on one API and this binding needs no other client;
        otherwise the hand-off is an unknown use (the OpenAI client stays, with a TODO).
        """
        binding = bp.binding
        if not binding.handoffs:
            return keys
        apis = set()
        for _, param in binding.handoffs:
            target = self.plan.bindings.get(id(param))
            apis |= {api for api, _ in target.clients} if target is not None else {"?"}
        own = {api for api, _ in keys}
        if (
            len(apis) == 1
            and "?" not in apis
            and own <= apis
            and len({k for k in keys}) <= 1
        ):
            api = apis.pop()
            return keys or [(api, None)]
        binding.unknown_uses.extend(name for name, _ in binding.handoffs)
        bp.replace = False
        return keys

    def _suppressed(self, node: cst.CSTNode, code: str = CODE) -> bool:
        """An inline ignore, or the code (or the client's, MI200) turned off by the config:
        the site is kept, and so its whole component (analysis/components.py)."""
        if not (self.config.rule_enabled(code) and self.config.rule_enabled(CODE)):
            return True
        current = node
        while current is not None:
            if isinstance(
                current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
            ) and _has_ignore(current, code):
                return True
            current = self.parents.get(current)
        return False

    def _global_value(
        self, expr: cst.BaseExpression, binding: Binding
    ) -> Optional[cst.BaseExpression]:
        """The value of a module-level name assigned once, before the client is built."""
        if not isinstance(expr, cst.Name):
            return None
        refs = referents(self.scopes.get(expr), expr)
        if not refs or len(refs) != 1:
            return None
        ref = next(iter(refs))
        if not isinstance(ref.scope, GlobalScope) or not isinstance(
            getattr(ref, "node", None), cst.Name
        ):
            return None
        assign = self.parents.get(self.parents.get(ref.node))
        statement = self.parents.get(assign)
        if not isinstance(assign, cst.Assign) or statement not in self.top_index:
            return None
        if (
            binding.statement in self.top_index
            and self.top_index[statement] > self.top_index[binding.statement]
        ):
            return None  # assigned after the client is built
        return assign.value

    def _literal_of(self, expr: cst.BaseExpression, binding: Binding) -> Optional[str]:
        value = string_value(expr)
        if value is None:
            resolved = self._global_value(expr, binding) or self._reaching_value(
                expr, binding
            )
            value = string_value(resolved) if resolved is not None else None
        return value

    def _reaching_value(
        self, expr: cst.BaseExpression, binding: Binding
    ) -> Optional[cst.BaseExpression]:
        """The value a name holds where the client is built, when it is visible and cheap to
        evaluate there: its one assignment in the block that builds the client (for a client
        chosen in branches, the assignment in that branch), or a string literal anywhere.
        """
        if not isinstance(expr, cst.Name) or binding.statement is None:
            return None
        refs = referents(self.scopes.get(expr), expr)
        if not refs:
            return None
        block = self.parents.get(binding.statement)
        found = []
        for ref in refs:
            node = getattr(ref, "node", None)
            target = self.parents.get(node) if isinstance(node, cst.Name) else None
            assign = self.parents.get(target) if target is not None else None
            if not (
                isinstance(target, cst.AssignTarget)
                and isinstance(assign, cst.Assign)
                and len(assign.targets) == 1
            ):
                return None  # a parameter, an import, a loop variable...
            statement = self.parents.get(assign)
            found.append((self.parents.get(statement), assign.value))
        if len(found) == 1 and string_value(found[0][1]) is not None:
            return found[0][1]
        same = [value for where, value in found if where is block]
        if len(same) == 1 and self._cheap(same[0]):
            return same[0]
        return None

    def _assigned_in_block(
        self, expr: cst.Name, binding: Binding
    ) -> Optional[cst.BaseExpression]:
        """The value of `expr` assigned once in the block that builds the client, before it."""
        refs = referents(self.scopes.get(expr), expr)
        if not refs or len(refs) != 1 or binding.statement is None:
            return None
        node = getattr(next(iter(refs)), "node", None)
        target = self.parents.get(node) if isinstance(node, cst.Name) else None
        assign = self.parents.get(target) if target is not None else None
        if not (
            isinstance(target, cst.AssignTarget) and isinstance(assign, cst.Assign)
        ):
            return None
        statement = self.parents.get(assign)
        block = self.parents.get(statement)
        if block is not self.parents.get(binding.statement):
            return None
        body = list(getattr(block, "body", ()))
        if statement not in body or binding.statement not in body:
            return None
        if body.index(statement) > body.index(binding.statement):
            return None
        return assign.value

    def _cheap(self, expr: cst.BaseExpression) -> bool:
        """A string literal or an environment read with literal arguments."""
        if string_value(expr) is not None:
            return True
        func = (
            expr.func
            if isinstance(expr, cst.Call)
            else expr.value if isinstance(expr, cst.Subscript) else None
        )
        if func is None:
            return False
        qualified = self.qualified.get(func, set())
        if callable(qualified):
            qualified = qualified()
        if not imported_names(qualified) & {
            "os.getenv",
            "os.environ.get",
            "os.environ",
        }:
            return False
        if isinstance(expr, cst.Call):
            return all(string_value(a.value) is not None for a in expr.args)
        return all(
            isinstance(e.slice, cst.Index) and string_value(e.slice.value) is not None
            for e in expr.slice
        )

    def _deployment_from_ctor(self, binding: Binding) -> Optional[cst.BaseExpression]:
        arg = binding.kwargs.get("azure_deployment")
        return arg.value if arg is not None else None

    def _key(
        self, bp: BindingPlan, cp: CallPlan
    ) -> Optional[Tuple[str, Optional[str]]]:
        """Which client a call uses: (api, deployment literal or None)."""
        binding = bp.binding
        api = cp.call.kind
        if (
            self.config.endpoint_style == MODELS
            or self._azure_base_url(binding)
            or self._foreign_endpoint(binding)
        ):
            return (api, None)
        if binding.is_azure and self._deployment_from_ctor(binding) is not None:
            deployment = self._deployment_from_ctor(binding)
            if cp.call.model is not None and _code(cp.call.model) != _code(deployment):
                cp.notes.append(
                    "azure_deployment on the client wins over model= (as in OpenAI's AzureOpenAI): "
                    f"this call goes to the client's deployment, not to {_code(cp.call.model)}"
                )
            return (api, None)
        if binding.is_azure and self._deployment_from_ctor(binding) is None:
            literal = cp.call.model_literal
            if (
                literal is None
                and cp.call.model is not None
                and self._global_value(cp.call.model, binding)
            ):
                return (
                    api,
                    "\0" + _code(cp.call.model),
                )  # a module constant, defined before the client
            reaching = (
                self._reaching_value(cp.call.model, binding)
                if literal is None and cp.call.model is not None
                else None
            )
            if reaching is not None:
                # the deployment's value where the client is built (`deployment = os.environ[...]`)
                literal = string_value(reaching)
                if literal is None:
                    return (api, "\0" + _code(reaching))
            if literal is None:
                cp.todo = (
                    "the deployment comes from `model=` held in a variable: create one client per deployment "
                    "(endpoint .../openai/deployments/<name>) and pick it here"
                )
                return None
            return (api, literal)
        literal = cp.call.model_literal
        if literal is None and cp.call.model is not None and not binding.is_azure:
            cp.keep_model = True
            cp.notes.append(
                f"the model comes from `{_code(cp.call.model)}`; with a deployment endpoint the deployment is "
                f"fixed by the client's endpoint: use one client per deployment"
            )
        several = self.merged_literals.get(id(binding), {}).get(api)
        if not binding.is_azure and several is not None and not several:
            return (api, None)
        return (api, literal)

    def _client_keys(
        self, bp: BindingPlan, wanted: List[CallPlan]
    ) -> List[Tuple[str, Optional[str]]]:
        keys: List[Tuple[str, Optional[str]]] = []
        for cp in wanted:
            key = self._key(bp, cp)
            if key is not None and key not in keys:
                keys.append(key)
        keys.sort(
            key=lambda k: k[0] != "chat"
        )  # the chat client first, as users read it
        # a non-Azure OpenAI client: one deployment per literal model, the rest share the plain one
        binding = bp.binding
        if not binding.is_azure and self.config.endpoint_style != MODELS:
            per_api: Dict[str, Set[Optional[str]]] = {}
            for api, lit in keys:
                per_api.setdefault(api, set()).add(lit)
            merged = []
            for api, lit in keys:
                literals = {x for x in per_api[api] if x is not None}
                new_key = (api, lit if len(literals) > 1 else None)
                if new_key not in merged:
                    merged.append(new_key)
            self.merged_literals[id(binding)] = {
                api: len({x for x in lits if x is not None}) > 1
                for api, lits in per_api.items()
            }
            return merged
        return keys

    def _name_clients(
        self, bp: BindingPlan, keys: List[Tuple[str, Optional[str]]]
    ) -> None:
        binding = bp.binding
        apis = {api for api, _ in keys}
        for api, lit in keys:
            parts = []
            same_api = [k for k in keys if k[0] == api]
            if not bp.replace:
                parts.append(api if api == "embeddings" else "chat")
            elif api == "embeddings" and "chat" in apis:
                parts.append("embeddings")
            if lit is not None and len(same_api) > 1:
                parts.append(_lower_slug(lit.lstrip("\0")))
            target = binding.target
            if parts and binding.kind not in ("inline", "param"):
                target = f"{target}_{'_'.join(parts)}"
                if binding.kind == "name":
                    target = self._fresh(target)
            spec, keep_model, notes = self._spec(bp, api, lit, len(same_api) > 1)
            bp.notes.extend(n for n in notes if n not in bp.notes)
            accessor = store = None
            if self._per_loop(binding):
                accessor, target = target, f"{target}()"
                store = self._fresh(f"_{accessor}s")
            bp.clients[(api, lit)] = ClientPlan(
                spec=spec,
                target=target,
                keep_model=keep_model,
                accessor=accessor,
                store=store,
            )

    def _per_loop(self, binding: Binding) -> bool:
        """A module-level async client that nothing closes: one per event loop, closed at its end."""
        return (
            binding.is_async
            and binding.kind == "name"
            and not binding.cleanup
            and binding.statement in self.top_index
        )

    def _fresh(self, name: str) -> str:
        candidate, i = name, 2
        while candidate in self.taken:
            candidate = f"{name}_{i}"
            i += 1
        self.taken.add(candidate)
        return candidate

    # -- constructor mapping ------------------------------------------------------
    def _kw(self, binding: Binding, name: str) -> Optional[str]:
        arg = binding.kwargs.get(name)
        return _code(arg.value) if arg is not None else None

    def _azure_base_url(self, binding: Binding) -> bool:
        return binding.is_azure and "base_url" in binding.kwargs

    def _foreign_endpoint(self, binding: Binding) -> bool:
        """A non-Azure client whose base_url is an Azure AI Inference-style endpoint."""
        if binding.is_azure:
            return False
        if id(binding) in self.branch_members:
            return (
                True  # the code chooses its host in branches: each branch keeps its own
            )
        if "base_url" not in binding.kwargs:
            return False
        url = self._literal_of(binding.kwargs["base_url"].value, binding) or ""
        return any(hint in url for hint in AZURE_HOST_HINTS)

    def _spec(
        self, bp: BindingPlan, api: str, literal: Optional[str], several: bool
    ) -> Tuple[ClientSpec, bool, List[str]]:
        binding = bp.binding
        notes: List[str] = []
        models_style = self.config.endpoint_style == MODELS
        keep_model = models_style
        env = self.config.endpoint_env_for(api)
        if models_style:
            endpoint = f'os.environ["{env}"]'
        elif self._azure_base_url(binding) or self._foreign_endpoint(binding):
            # a branch that used the OpenAI platform keeps it (OpenAI's own default)
            endpoint = (
                self._kw(binding, "base_url")
                or 'os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"'
            )
            keep_model = not binding.is_azure
        elif binding.is_azure:
            base = (
                self._kw(binding, "azure_endpoint")
                or 'os.environ["AZURE_OPENAI_ENDPOINT"]'
            )
            deployment = self._kw(binding, "azure_deployment")
            if deployment is None and literal is not None:
                deployment = (
                    literal[1:] if literal.startswith("\0") else _literal(literal)
                )
            endpoint = _join(base, deployment)
        else:
            if "base_url" in binding.kwargs:
                notes.append(
                    f"`base_url={self._kw(binding, 'base_url')}` is not an Azure endpoint: the endpoint now "
                    f"comes from {env}"
                )
            if literal is not None and several:
                env = f"{env}_{_lower_slug(literal).upper()}"
            endpoint = f'os.environ["{env}"]'
        credential, scopes, cred_notes, cred_extra = self._credential(binding, api)
        notes.extend(cred_notes)
        version = self._kw(binding, "api_version")
        foreign = self._foreign_endpoint(binding)
        if self.config.api_version:
            version = _literal(self.config.api_version)
        elif (
            version is None
            and self.config.effective_api_version
            and not models_style
            and not foreign
        ):
            version = _literal(self.config.effective_api_version)
        extra = list(cred_extra)
        if "max_retries" not in binding.kwargs:
            extra.append(retry_budget("v1"))
        for name, arg in binding.kwargs.items():
            if name in CTOR_RENAMES:
                extra.append(f"{CTOR_RENAMES[name]}={_code(arg.value)}")
            elif name in CTOR_TODO:
                notes.append(f"`{name}=` is not carried over: {CTOR_TODO[name]}")
            elif name not in CTOR_CONSUMED:
                notes.append(
                    f"`{name}=` is not carried over: no azure-ai-inference equivalent"
                )
        spec = ClientSpec(
            api=api,
            is_async=binding.is_async,
            endpoint=endpoint,
            credential=credential,
            api_version=version,
            scopes=scopes,
            parameterized=False,
            extra=tuple(extra),
        )
        return spec, keep_model, notes

    def _credential(
        self, binding: Binding, api: str
    ) -> Tuple[str, bool, List[str], List[str]]:
        """(credential code, AOAI scopes needed, notes, extra constructor keywords)."""
        entra = (
            "AsyncDefaultAzureCredential()"
            if binding.is_async
            else "DefaultAzureCredential()"
        )
        aoai = self.config.endpoint_style != MODELS
        if self.config.credential == "entra":
            return entra, aoai, [], []
        provider = binding.kwargs.get("azure_ad_token_provider")
        key_arg = binding.kwargs.get("api_key")
        if key_arg is not None and provider is None and not binding.is_async:
            # `api_key=token_provider`: OpenAI calls a callable key for every request
            parts = self._bearer_provider(key_arg.value, binding)
            if parts is not None:
                credential, scope = parts
                return credential, False, [], [f"credential_scopes=[{scope}]"]
        token = None
        if provider is not None:
            value = provider.value
            if key_arg is not None:
                value = _not_none_branch(value)  # `tp if not key else None`
            token = self._token_credential(value, binding, entra, aoai)
            if key_arg is None or value is None:
                return token
        key = self._kw(binding, "api_key")
        if key is None:
            env = (
                "AZURE_OPENAI_API_KEY"
                if binding.is_azure
                else (
                    "OPENAI_API_KEY"
                    if id(binding) in self.branch_members
                    else self.config.key_env_for(api)
                )
            )
            key = f'os.environ["{env}"]'
        elif token is not None:
            # both paths, as OpenAI chose: the key when there is one, else the token
            credential, scopes, notes, extra = token
            if not self._repeatable(key_arg.value):
                return token
            return (
                f"AzureKeyCredential({key}) if {key} else {credential}",
                scopes,
                notes,
                extra,
            )
        else:
            fallback = "AZURE_OPENAI_API_KEY" if binding.is_azure else "OPENAI_API_KEY"
            variable = self._optional_env(key_arg.value)
            if variable is not None and variable != fallback:
                # None when unset: OpenAI then reads its own variable, so the migration does too
                key = f'{key} or os.environ["{fallback}"]'
        return f"AzureKeyCredential({key})", False, [], []

    def _token_credential(
        self, value: cst.BaseExpression, binding: Binding, entra: str, aoai: bool
    ) -> Tuple[str, bool, List[str], List[str]]:
        parts = self._bearer_provider(value, binding)
        if parts is not None and not binding.is_async:
            credential, scope = parts
            return credential, False, [], [f"credential_scopes=[{scope}]"]
        return (
            entra,
            aoai,
            [
                "azure_ad_token_provider is replaced by DefaultAzureCredential()"
                + (
                    " (the async client needs an async credential)"
                    if binding.is_async
                    else ""
                )
                + ": check that it finds the same identity"
            ],
            [],
        )

    def _repeatable(self, expr: cst.BaseExpression) -> bool:
        """Cheap and free of side effects, so it may be written twice."""
        return isinstance(expr, (cst.Name, cst.Attribute)) or self._cheap(expr)

    def _optional_env(self, expr: cst.BaseExpression) -> Optional[str]:
        """The variable of `os.getenv("X")` / `os.environ.get("X")` (None when unset), else None."""
        if not (
            isinstance(expr, cst.Call) and len(expr.args) == 1 and self._cheap(expr)
        ):
            return None
        return string_value(expr.args[0].value)

    def _bearer_provider(
        self, value: cst.BaseExpression, binding: Optional[Binding] = None
    ) -> Optional[Tuple[str, str]]:
        if binding is not None and isinstance(value, cst.Name):
            resolved = self._global_value(value, binding) or self._assigned_in_block(
                value, binding
            )
            if resolved is not None:
                value = resolved
        if isinstance(value, cst.Call) and len(value.args) == 2:
            qualified = self.qualified.get(value.func, set())
            if callable(qualified):  # LibCST resolves qualified names lazily
                qualified = qualified()
            names = imported_names(qualified)
            if "azure.identity.get_bearer_token_provider" in names:
                return _code(value.args[0].value), _code(value.args[1].value)
        return None


def _not_none_branch(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`tp if not key else None` -> `tp`; a value that is None -> None; else the value."""
    if isinstance(value, cst.Name) and value.value == "None":
        return None
    if isinstance(value, cst.IfExp):
        for kept, other in ((value.body, value.orelse), (value.orelse, value.body)):
            if isinstance(other, cst.Name) and other.value == "None":
                return kept
    return value


def _article(word: str) -> str:
    return ("an " if word[0] in "AEIOU" else "a ") + word


def _join(base: str, deployment: Optional[str]) -> str:
    """`<base>/openai/deployments/<deployment>` as code, folding literals."""
    if deployment is None:
        return base
    base_literal = (
        string_value(cst.parse_expression(base)) if base[:1] in "\"'" else None
    )
    dep_literal = (
        string_value(cst.parse_expression(deployment))
        if deployment[:1] in "\"'"
        else None
    )
    if base_literal is not None and ("?" in base_literal or "#" in base_literal):
        # The deployment path goes before a query string (`?sig=...`), which the
        # client keeps on every request URL, not after it.
        cut = min(i for i in (base_literal.find("?"), base_literal.find("#")) if i >= 0)
        path = base_literal[:cut].rstrip("/") + "/openai/deployments/"
        rest = base_literal[cut:]
        if dep_literal is not None:
            return _literal(path + dep_literal + rest)
        return f"{_literal(path)} + {deployment} + {_literal(rest)}"
    if base_literal is not None and dep_literal is not None:
        return _literal(base_literal.rstrip("/") + "/openai/deployments/" + dep_literal)
    left = (
        _literal(base_literal.rstrip("/") + "/openai/deployments/")
        if base_literal is not None
        else (f'{base}.rstrip("/") + "/openai/deployments/')
    )
    if base_literal is None:
        if dep_literal is not None:
            return f'{base}.rstrip("/") + ' + _literal(
                "/openai/deployments/" + dep_literal
            )
        return f'{base}.rstrip("/") + "/openai/deployments/" + {deployment}'
    return f"{left} + {deployment}"


class V1ClientsRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.plan = state.v1_plan
        self.facts = state.v1

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

    def _notes(self, bp: BindingPlan) -> None:
        anchor = bp.binding.ctor or bp.binding.param
        for note in bp.notes:
            self.ctx.todo(CODE, anchor, note)
