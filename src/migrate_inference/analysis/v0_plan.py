"""What the v0 module-level calls become: not a rule.

`Planner` decides, before any rewrite, which `openai.ChatCompletion/Embedding` calls (and
v1 module-client calls) migrate and which client each one uses: the module config
(`openai.api_key`, `api_base`, ...) read once, one cached accessor per client.  The
v0_chat rule writes what it planned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import ParentNodeProvider

from migrate_inference.analysis.facts import (
    BLOCKING_CONFIG,
    ChatCall,
    Facts,
)
from migrate_inference.analysis.names import code_of as _code
from migrate_inference.analysis.names import py_string as _literal
from migrate_inference.analysis.names import slug as _slug
from migrate_inference.analysis.names import fresh_name, string_value
from migrate_inference.config import MODELS, Config
from migrate_inference.mapping import MODULE_CLIENT_OPTIONS
from migrate_inference.analysis import splats
from migrate_inference.analysis.forwarders import (
    Forwarder,
    find_forwarders,
    forward_blocked,
    forwarded_model,
)
from migrate_inference.analysis.local_config import local_config
from migrate_inference.analysis.v0_config import (
    config_method,
    configured_elsewhere,
    credential as credential_code,
    is_azure,
    module_client_options,
    placeholder,
)
from migrate_inference.rules import params_code, rule_code
from migrate_inference.rules.client_code import (
    CLIENT_CLASSES,
    METHODS,
    ClientSpec,
    retry_budget,
)
from migrate_inference.rules.suppression import has_ignore as _has_ignore
from migrate_inference.part_ignores import part_ignored
from migrate_inference.wording import with_article

V0_CODE = rule_code("v0_chat")


@dataclass
class CallPlan:
    call: ChatCall
    todo: Optional[str] = None  # set: the call is left as it is, with this note
    spec: Optional[ClientSpec] = None
    accessor_arg: Optional[str] = None  # code of the deployment argument
    inline: bool = False  # per-call credentials: build the client at the call
    keep_model: bool = False
    notes: List[str] = field(default_factory=list)  # TODOs on a migrated call
    splat: Optional[splats.SplatDict] = None  # the ** dict rewritten with the call
    forward: Optional[Forwarder] = None  # the call forwards a wrapper's **kwargs


@dataclass
class Plan:
    calls: Dict[cst.Call, CallPlan] = field(default_factory=dict)
    accessors: Dict[ClientSpec, str] = field(
        default_factory=dict
    )  # spec -> function name
    consumed_config: Set[cst.SimpleStatementLine] = field(default_factory=set)
    renamed_config: Dict[cst.SimpleStatementLine, str] = field(default_factory=dict)
    # the per-deployment cache classes' names, by is_async (client_code.deployment_clients_source)
    deployment_clients: Dict[bool, str] = field(default_factory=dict)
    splats: Dict[int, tuple] = field(
        default_factory=dict
    )  # id(SplatDict) -> (table lookup, keep_model)
    self_method: Optional[cst.FunctionDef] = (
        None  # clients live on `self`, built in this method
    )
    client_site: Optional[cst.SimpleStatementLine] = (
        None  # the config line they replace
    )
    config_notes: Dict[cst.SimpleStatementLine, str] = field(default_factory=dict)
    # a forwarding wrapper's callers -> (the wrapper's call plan): their keywords are mapped
    forward_callers: Dict[cst.Call, "CallPlan"] = field(default_factory=dict)

    @property
    def migrated(self) -> List[cst.Call]:
        return [c for c, p in self.calls.items() if p.todo is None]


def call_code(api: str) -> str:
    return params_code.EMBEDDINGS_CODE if api == "embeddings" else V0_CODE


def _suppressed(node: cst.CSTNode, parents, code: str = V0_CODE) -> bool:
    current = node
    while current is not None:
        if isinstance(
            current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ) and _has_ignore(current, code):
            return True
        current = parents.get(current)
    return False


class Planner:
    """Decides, before any rewrite, which calls migrate and which clients they use."""

    def __init__(
        self, facts: Facts, config: Config, wrapper: cst.MetadataWrapper
    ) -> None:
        self.facts = facts
        self.config = config
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.wrapper = wrapper
        self.plan = Plan()
        self.taken = set(facts.module_names)
        self.ambiguous = facts.config_ambiguous()
        self.api_type = facts.api_type()
        self.self_method = config_method(facts, self.parents) if self.ambiguous else None
        if self.self_method is not None:
            self.ambiguous = None
        # set by each calling function from its own values: a local there, a client per call
        self.local = (
            local_config(facts, self.parents, self.taken)
            if self.ambiguous and self.self_method is None
            else None
        )
        if self.local is not None and self.local.blocked:
            self.ambiguous = self.local.blocked
            self.local = None
        self.local_reason = self.ambiguous
        if self.local is not None:
            self.ambiguous = None
        self.config_values = {a: facts.config_value(a) for a in BLOCKING_CONFIG}
        # rename non-simple module-level config values into variables the accessor can read
        self.config_code: Dict[str, str] = {}
        if not self.ambiguous:
            for attr, assign in self.config_values.items():
                if assign is None:
                    continue
                if self.local is not None and attr in self.local.names:
                    self.config_code[attr] = self.local.names[attr]
                elif self.local is not None and assign.statement in self.local.unread:
                    self.config_code[attr] = _code(assign.value)  # named in a note only
                elif assign.simple:
                    self.config_code[attr] = _code(assign.value)
                elif self.self_method is not None:
                    self.config_code[attr] = _code(
                        assign.value
                    )  # evaluated where it was, in the method
                elif assign.at_module_level:
                    var = fresh_name("_" + attr, self.taken)
                    self.plan.renamed_config[assign.statement] = var
                    self.config_code[attr] = var
                else:
                    self.ambiguous = f"openai.{attr} is computed inside a function"
        self.config_blocked = None if self.ambiguous else placeholder(self.config_values)
        if not self.ambiguous and not self.config_blocked:
            self.config_blocked = configured_elsewhere(facts)
        self.module_options, self.module_blocked = module_client_options(facts)

    def module_client_extra(self, generation: str) -> Tuple[str, ...]:
        """The constructor keywords of the Azure client that replaces the module client."""
        if generation != "v1":
            return (retry_budget(generation),)
        extra = [retry_budget(generation, self.module_options.get("retry_total"))]
        extra += [f"{k}={self.module_options[k]}" for k in ("read_timeout", "headers") if k in self.module_options]
        return tuple(extra)

    def _spec_for(self, cp: CallPlan, literal_deployments: List[str]) -> None:
        call = cp.call
        kw = call.kwargs
        given = {
            k: kw[k].value
            for k in ("api_key", "api_base", "api_type", "api_version")
            if k in kw
        }
        if (
            cp.splat is not None
        ):  # the same per-call options, inside a rewritten ** dict
            for k in ("api_key", "api_base", "api_type", "api_version"):
                value = cp.splat.values.get(k)
                if value is not None:
                    given.setdefault(k, value)
        per_call = {k: _code(v) for k, v in given.items()}
        api_type = self.api_type
        if "api_type" in given:
            literal = string_value(given["api_type"])
            api_type = literal.lower() if literal else "unknown"
        key_code = per_call.get("api_key", self.config_code.get("api_key"))
        base_code = per_call.get(
            "api_base",
            self.config_code.get("api_base", self.config_code.get("base_url")),
        )
        version_code = per_call.get("api_version", self.config_code.get("api_version"))
        if version_code is None and self.config.effective_api_version:
            version_code = _literal(self.config.effective_api_version)
        if self.config.api_version:
            version_code = _literal(self.config.api_version)
        if (
            call.generation == "v1"
            and "api_key" not in per_call
            and key_code is not None
            and getattr(self.config_values.get("api_key"), "optional_env", None)
            not in (None, "OPENAI_API_KEY")
        ):
            # None when unset: the v1 module client then reads OPENAI_API_KEY, so the migration does too
            key_code = f'{key_code} or os.environ["OPENAI_API_KEY"]'
        credential, scopes, note = credential_code(
            self.config,
            key_code, api_type, call.api, call.is_async
        )
        env = self.config.endpoint_env_for(call.api)
        if note:
            cp.notes.append(note)
        cp.inline = bool(per_call) or self.local is not None
        models_style = self.config.endpoint_style == MODELS
        parameterized = False
        if models_style:
            cp.keep_model = True
            endpoint = f'os.environ["{env}"]'
            if self.config.api_version is None:
                version_code = None
        elif base_code is not None and is_azure(call, api_type):
            base = (
                string_value(cst.parse_expression(base_code))
                if base_code.startswith(('"', "'"))
                else None
            )
            prefix = (
                _literal(base.rstrip("/") + "/openai/deployments/")
                if base is not None
                else f'{base_code}.rstrip("/") + "/openai/deployments/"'
            )
            if call.deployment is None:
                cp.todo = "no model, engine or deployment_id on this call: the Azure deployment is unknown"
                return
            if base is not None and ("?" in base or "#" in base):
                cp.todo = (
                    "openai.api_base has a query string or fragment: the deployment path "
                    "/openai/deployments/<deployment> must go before it; build the endpoint by hand"
                )
                return
            if (
                not cp.inline
                and self.self_method is not None
                and (call.deployment_literal is None or call.api in self.variable_apis)
            ):
                # built where the config is set, one client per deployment on first use
                costly = [
                    attr
                    for attr, assign in self.config_values.items()
                    if assign is not None and not assign.simple
                ]
                if costly and self.client_count > 1:
                    cp.todo = (
                        f"the deployment comes from `{_code(call.deployment)}`, and the clients would be "
                        f"built in {self.self_method.name.value}(), each evaluating the value of "
                        + ", ".join(f"openai.{a}" for a in costly)
                        + " again: assign it to a variable first, then migrate"
                    )
                    return
                cache = fresh_name(
                    "_AsyncDeploymentClients" if call.is_async else "_DeploymentClients",
                    self.taken,
                ) if call.is_async not in self.plan.deployment_clients else None
                if cache is not None:
                    self.plan.deployment_clients[call.is_async] = cache
                endpoint = base_code
                cp.accessor_arg = _code(call.deployment)
            elif cp.inline or self.self_method is not None:
                if call.deployment_literal is None:
                    endpoint = f"{prefix} + {_code(call.deployment)}"
                elif base is not None:
                    endpoint = _literal(
                        base.rstrip("/")
                        + "/openai/deployments/"
                        + call.deployment_literal
                    )
                else:
                    endpoint = f'{base_code}.rstrip("/") + ' + _literal(
                        "/openai/deployments/" + call.deployment_literal
                    )
            else:
                parameterized = True
                endpoint = f"{prefix} + deployment"
                cp.accessor_arg = _code(call.deployment)
        else:
            if base_code is not None:
                attr = (
                    "api_base"
                    if "api_base" in self.config_code or "api_base" in per_call
                    else "base_url"
                )
                shown = (
                    f"{attr}={base_code}"
                    if attr in per_call
                    else f"openai.{attr} = {base_code}"
                )
                cp.notes.append(
                    f"`{shown}` is not an Azure OpenAI resource: the endpoint now comes from {env}"
                )
            if call.deployment is not None and call.deployment_literal is None:
                cp.keep_model = True
                cp.notes.append(
                    f"the model comes from `{_code(call.deployment)}`; with a deployment endpoint the "
                    f"deployment is fixed by {env}: use one client per deployment (or migrate with "
                    "--endpoint-style models, where the model travels with each call as it did)"
                )
            elif call.deployment_literal is not None and len(literal_deployments) > 1:
                env = f"{env}_{_slug(call.deployment_literal).upper()}"
            endpoint = f'os.environ["{env}"]'
        cp.spec = ClientSpec(
            api=call.api,
            is_async=call.is_async,
            endpoint=endpoint,
            credential=credential,
            api_version=version_code,
            scopes=scopes,
            parameterized=parameterized,
            extra=self.module_client_extra(call.generation),
            cache=(
                self.plan.deployment_clients[call.is_async]
                if cp.accessor_arg is not None and self.self_method is not None
                else None
            ),
        )

    def run(self) -> Plan:
        calls = list(self.facts.chat_calls.values())
        self._splat_deployments(calls)
        forwarders = find_forwarders(
            self.wrapper,
            [c.node for c in calls if c.has_splat],
            self.parents,
            self.facts.forwarders_elsewhere,
        )
        for call in calls:
            forwarded_model(call, forwarders.get(call.node))
        # the APIs whose calls name a deployment in a variable: in a class whose method sets
        # the config, every call of such an API picks its client from one per-deployment cache
        self.variable_apis = {
            c.api for c in calls if c.deployment is not None and c.deployment_literal is None
        }
        literal = {
            api: sorted(
                {
                    c.deployment_literal
                    for c in calls
                    if c.api == api and c.deployment_literal is not None
                }
            )
            for api in METHODS
        }
        self.client_count = len(self.variable_apis) + sum(
            len(literal[api]) for api in literal if api not in self.variable_apis
        )
        for call in calls:
            cp = CallPlan(call)
            self.plan.calls[call.node] = cp
            if _suppressed(
                call.node, self.parents, call_code(call.api)
            ) or not self.config.rule_enabled(call_code(call.api)):
                cp.todo = ""  # suppressed: no change, no finding
                continue
            part = part_ignored(call.node, self.parents)
            if part is not None:
                cp.todo = part
                continue
            splat = (
                self.facts.splats.by_call.get(call.node) if self.facts.splats else None
            )
            if call.has_splat and splat is not None:
                lookup = params_code.lookup(call.api, call.generation)
                reason = splats.assess(
                    splat, lookup, call.node, client_keys=call.generation == "v0"
                )
                if reason:
                    cp.todo = reason
                    continue
                cp.splat = splat
            elif call.has_splat and call.node in forwarders:
                fw = forwarders[call.node]
                if isinstance(fw, str):
                    cp.todo = fw
                    continue
                reason = forward_blocked(call, fw, self.config.endpoint_style == MODELS)
                if reason:
                    cp.todo = reason
                    continue
                cp.forward = fw
            elif call.has_splat:
                cp.todo = (
                    "parameters come from a ** dict: move model/engine/deployment_id and api_* into the "
                    f"client, and n/user/logit_bias/... into model_extras, then call client.{METHODS[call.api]}(...)"
                )
                continue
            if call.has_positional:
                cp.todo = "positional arguments: pass every parameter by keyword, then migrate"
                continue
            if self.config_blocked:
                cp.todo = self.config_blocked
                continue
            collision = params_code.colliding_keywords(
                call.kwargs, params_code.lookup(call.api, call.generation)
            )
            if collision:
                cp.todo = collision
                continue
            if self.ambiguous:
                cp.todo = f"{self.ambiguous}: build {with_article(CLIENT_CLASSES[call.api, False])} from it by hand"
                continue
            if call.generation == "v1" and self.module_blocked:
                cp.todo = self.module_blocked
                continue
            self._spec_for(cp, literal[call.api])
            if cp.todo is None and cp.forward is not None:
                for caller in cp.forward.callers:
                    self.plan.forward_callers[caller] = cp
            if cp.todo is None and cp.splat is not None:
                self.plan.splats[id(cp.splat)] = (
                    params_code.lookup(call.api, call.generation),
                    cp.keep_model,
                )
            if cp.todo is None and cp.spec is not None and not cp.inline:
                self._accessor(
                    cp.spec,
                    cp.call.deployment_literal if len(literal[call.api]) > 1 else None,
                )
        self._all_or_nothing_in_method()
        self._consume_config()
        return self.plan

    def _all_or_nothing_in_method(self) -> None:
        """Clients built in the method that sets the config exist only when that config goes:
        one call left on OpenAI keeps the config, so no call may use those clients."""
        if self.self_method is None:
            return
        plans = list(self.plan.calls.values())
        if not any(cp.todo is not None for cp in plans):
            return
        method = self.self_method.name.value
        for cp in plans:
            if cp.todo is None:
                cp.todo = (
                    f"left as it is: its client would be built in {method}(), where the config is set, "
                    "and another call of the class stays on OpenAI (see its TODO)"
                )
                cp.spec = None
                if cp.splat is not None:
                    self.plan.splats.pop(id(cp.splat), None)
        self.plan.accessors.clear()

    def _splat_deployments(self, calls: List[ChatCall]) -> None:
        """A deployment named inside a rewritable ** dict chooses the client like a keyword would."""
        for call in calls:
            splat = (
                self.facts.splats.by_call.get(call.node) if self.facts.splats else None
            )
            if splat is None or call.deployment is not None:
                continue
            value = splats.deployment_of(splat)
            if value is not None:
                call.deployment = value
                call.deployment_literal = string_value(value)
            if any(
                k in splat.values
                for k in ("api_key", "api_base", "api_type", "api_version")
            ):
                call.per_call_client = True

    def _accessor(self, spec: ClientSpec, deployment: Optional[str]) -> None:
        if spec in self.plan.accessors:
            return
        base = ("_async_" if spec.is_async else "_") + spec.api + "_client"
        if spec.cache is not None:
            base += "s"  # one per deployment, indexed with the call's deployment
        if self.self_method is not None:
            if deployment:
                base = f"{base}_{_slug(deployment).lower()}"
            names = {n for n in self.plan.accessors.values()}
            name, i = f"self.{base}", 2
            while name in names:
                name, i = f"self.{base}_{i}", i + 1
            self.plan.accessors[spec] = name
            self.plan.self_method = self.self_method
            return
        if (
            deployment
            and not spec.parameterized
            and "_" + _slug(deployment).upper() in spec.endpoint
        ):
            base = f"{base}_{_slug(deployment).lower()}"
        name = fresh_name(base, self.taken)
        self.taken.add(name + "s")  # the async accessors' per-loop store
        self.plan.accessors[spec] = name

    def _keep_local(self) -> None:
        """All or nothing: a call that stays on OpenAI still reads the config the others'
        functions set, so every call stays, with the reason the config blocks."""
        for cp in self.plan.calls.values():
            if cp.todo is None:
                cp.todo = (
                    f"{self.local_reason}: build {with_article(CLIENT_CLASSES[cp.call.api, False])} "
                    "from it by hand (another call of this file stays on OpenAI, and reads the same "
                    "config)"
                )

    def _consume_config(self) -> None:
        """Config lines go when every use of the OpenAI module they configure is migrated."""
        plans = self.plan.calls.values()
        still_used = (
            any(p.todo is not None for p in plans)
            or self.facts.out_of_scope
            or self.facts.chat_refs
            or self.facts.module_aliases
            or not self.plan.migrated
        )
        if still_used:
            self.plan.renamed_config.clear()
            if self.local is not None:
                self._keep_local()
            return
        if self.local is not None:
            self.plan.renamed_config.update(self.local.statements)
        carried = tuple(
            a for a, t in MODULE_CLIENT_OPTIONS.items() if t in self.module_options
        )
        for attr in BLOCKING_CONFIG + carried:
            if self.facts.config_reads.get(attr):
                continue
            for assign in self.facts.config.get(attr, []):
                if assign.statement not in self.plan.renamed_config:
                    self.plan.consumed_config.add(assign.statement)
        if self.self_method is not None:
            in_method = [
                a.statement
                for values in self.facts.config.values()
                for a in values
                if self.parents.get(self.parents.get(a.statement)) is self.self_method
            ]
            if in_method:
                self.plan.client_site = in_method[-1]
