"""What the v1 clients and their calls become: not a rule.

`V1Planner` plans, for each OpenAI client binding (`analysis/v1.py`), the azure-ai-inference
clients it becomes (one per API and deployment, `rules/v1_constructor.py` maps the
constructor) and which client each call uses; `analysis/components.py` then makes every
component all or nothing.  The v1_clients rule writes the clients, the v1_chat rule the
calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import ParentNodeProvider, QualifiedNameProvider, ScopeProvider

from migrate_inference.analysis import splats
from migrate_inference.analysis.client_values import ClientValues
from migrate_inference.analysis.names import code_of as _code
from migrate_inference.analysis.names import fresh_name, string_value
from migrate_inference.analysis.v1_model import Binding, V1Call, V1Facts
from migrate_inference.config import MODELS, Config
from migrate_inference.part_ignores import part_ignored
from migrate_inference.rules import params_code, rule_code
from migrate_inference.rules.client_code import CLIENT_CLASSES, ClientSpec
from migrate_inference.rules.suppression import has_ignore as _has_ignore
from migrate_inference.rules.v1_constructor import DEPLOYMENTS, ClientConstructors, lower_slug
from migrate_inference.wording import target_call

CLIENTS_CODE = rule_code("v1_clients")


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
    # the per-deployment cache classes' names, by is_async (client_code.deployment_clients_source)
    deployment_clients: Dict[bool, str] = field(default_factory=dict)

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
        # id(binding) -> the APIs whose calls pick their client from a per-deployment cache
        self.cached: Dict[int, Set[str]] = {}
        self.branch_members: Set[int] = set()
        self.values = ClientValues(
            self.parents, self.scopes, self.qualified, self.top_index
        )
        self.constructors = ClientConstructors(
            config, self.values, self.qualified, self.branch_members
        )

    def run(self) -> V1Plan:
        # a client chosen in branches: each branch keeps its own host (analysis/components.py)
        self.branch_members.clear()
        self.branch_members.update(
            id(member)
            for binding in self.facts.bindings
            if binding.siblings
            for member in (binding, *binding.siblings)
        )
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
                spec, keep_model, notes = self.constructors.spec(sp.binding, api, lit, False)
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

    def _suppressed(self, node: cst.CSTNode, code: str = CLIENTS_CODE) -> bool:
        """An inline ignore, or the code (or the client's, MI200) turned off by the config:
        the site is kept, and so its whole component (analysis/components.py)."""
        if not (self.config.rule_enabled(code) and self.config.rule_enabled(CLIENTS_CODE)):
            return True
        current = node
        while current is not None:
            if isinstance(
                current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
            ) and _has_ignore(current, code):
                return True
            current = self.parents.get(current)
        return False

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
            or self.constructors.azure_base_url(binding)
            or self.constructors.foreign_endpoint(binding)
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
            if api in self.cached.get(id(binding), ()):
                return self._cache_key(bp, cp)
            literal = cp.call.model_literal
            if (
                literal is None
                and cp.call.model is not None
                and self.values.global_value(cp.call.model, binding)
            ):
                return (
                    api,
                    "\0" + _code(cp.call.model),
                )  # a module constant, defined before the client
            reaching = (
                self.values.reaching_value(cp.call.model, binding)
                if literal is None and cp.call.model is not None
                else None
            )
            if reaching is not None:
                # the deployment's value where the client is built (`deployment = os.environ[...]`)
                literal = string_value(reaching)
                if literal is None:
                    return (api, "\0" + _code(reaching))
            if literal is None and binding.kind == "inline":
                # built at the call: its endpoint names the call's deployment
                return (api, "\0" + _code(cp.call.model))
            if literal is None:
                return self._cache_key(bp, cp)
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
        cached = {api for api, lit in keys if lit == DEPLOYMENTS}
        costly = [
            name
            for name, arg in bp.binding.kwargs.items()
            if not self.constructors.repeatable(arg.value)
        ]
        if cached and len(keys) > 1 and costly:
            # each client would evaluate them again: the original evaluated them once
            for cp in wanted:
                if cp.call.kind in cached and cp.todo is None:
                    cp.todo = (
                        "the deployment comes from `model=` held in a variable, and the client becomes "
                        "more than one azure-ai-inference client, each of which would evaluate "
                        f"{', '.join(f'`{n}=`' for n in costly)} again: assign those values to "
                        "variables first, then migrate"
                    )
            keys = [k for k in keys if k[0] not in cached]
            cached = set()
        if cached:
            # every call of that API picks its deployment from the one cache
            self.cached.setdefault(id(bp.binding), set()).update(cached)
            collapsed: List[Tuple[str, Optional[str]]] = []
            for api, lit in keys:
                key = (api, DEPLOYMENTS) if api in cached else (api, lit)
                if key not in collapsed:
                    collapsed.append(key)
            keys = collapsed
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
                parts.append(lower_slug(lit.lstrip("\0")))
            target = binding.target
            if parts and binding.kind not in ("inline", "param"):
                target = f"{target}_{'_'.join(parts)}"
                if binding.kind == "name":
                    target = self._fresh(target)
            spec, keep_model, notes = self.constructors.spec(bp.binding, api, lit, len(same_api) > 1)
            spec = self._with_cache(spec, lit)
            bp.notes.extend(n for n in notes if n not in bp.notes)
            accessor = store = None
            if self._per_loop(binding) and lit != DEPLOYMENTS:  # the cache is per loop itself
                accessor, target = target, f"{target}()"
                store = self._fresh(f"_{accessor}s")
            bp.clients[(api, lit)] = ClientPlan(
                spec=spec,
                target=target,
                keep_model=keep_model,
                accessor=accessor,
                store=store,
            )

    def _cache_key(
        self, bp: BindingPlan, cp: CallPlan
    ) -> Optional[Tuple[str, Optional[str]]]:
        """The call picks its client from the per-deployment cache, or gets a TODO."""
        blocker = self._cache_blocker(bp, cp)
        if blocker is None:
            return (cp.call.kind, DEPLOYMENTS)
        cp.todo = (
            f"the deployment comes from `model=` held in a variable, and {blocker}: create one "
            "client per deployment (endpoint .../openai/deployments/<name>) and pick it here"
        )
        return None

    def _cache_blocker(self, bp: BindingPlan, cp: CallPlan) -> Optional[str]:
        """Why the client cannot become a per-deployment cache, or None when it can.

        The cache (one client per deployment, `client_code.deployment_clients_source`)
        stands for the OpenAI client only where every use of it is a call the tool
        migrates: it has no close() (the async one closes its clients when their event loop
        ends), and a client chosen in branches would need it in every branch."""
        binding = bp.binding
        if binding.kind == "with":
            return "a `with` block closes the client (each client per deployment would need closing)"
        if binding.kind not in ("name", "attr"):
            return "the client is a parameter (its callers would pass one client per deployment)"
        if not binding.replaceable or binding.handoffs or not bp.replace:
            return "the client is also used for other things (other OpenAI APIs, or passed on)"
        if binding.cleanup:
            return "the client is closed (each client per deployment would need closing)"
        if binding.elsewhere:
            return "the client is also used by other files"
        if id(binding) in self.branch_members:
            return "the client is chosen in branches (each branch would need the same kind of client)"
        if cp.call.model is None or "model" not in cp.call.kwargs:
            return "the call names no deployment of its own (no `model=` keyword)"
        if cp.call.via_ref is not None or cp.splat is not None:
            return "the call goes through a reference or a ** dict"
        arg = binding.kwargs.get("azure_endpoint")
        url = self.values.literal_of(arg.value, binding) if arg is not None else None
        if url is not None and ("?" in url or "#" in url):
            return "the endpoint has a query string or fragment"
        return None

    def _with_cache(self, spec: ClientSpec, lit: Optional[str]) -> ClientSpec:
        if lit != DEPLOYMENTS:
            return spec
        names = self.plan.deployment_clients
        if spec.is_async not in names:
            names[spec.is_async] = self._fresh(
                "_AsyncDeploymentClients" if spec.is_async else "_DeploymentClients"
            )
        return replace(spec, cache=names[spec.is_async])

    def _per_loop(self, binding: Binding) -> bool:
        """A module-level async client that nothing closes: one per event loop, closed at its end."""
        return (
            binding.is_async
            and binding.kind == "name"
            and not binding.cleanup
            and binding.statement in self.top_index
        )

    def _fresh(self, name: str) -> str:
        return fresh_name(name, self.taken)


def _article(word: str) -> str:
    return ("an " if word[0] in "AEIOU" else "a ") + word
