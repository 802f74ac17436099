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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata import ParentNodeProvider

from migrate_inference.analysis.facts import (
    AAD_API_TYPES,
    AZURE_API_TYPES,
    BLOCKING_CONFIG,
    ChatCall,
    Facts,
)
from migrate_inference.analysis.names import code_of as _code
from migrate_inference.analysis.names import py_string as _literal
from migrate_inference.analysis.names import slug as _slug
from migrate_inference.analysis.names import string_value
from migrate_inference import comments
from migrate_inference.config import MODELS, Config
from migrate_inference.mapping import (
    MODULE_CLIENT_BLOCKING,
    MODULE_CLIENT_OPTIONS,
    MODULE_CONFIG,
)
from migrate_inference.analysis import splats
from migrate_inference.rules import params_code
from migrate_inference.rules.base import RuleState
from migrate_inference.rules.client_code import (
    CLIENT_CLASSES,
    METHODS,
    ClientSpec,
    accessor_source,
    client_call_code,
    need_client_imports,
    retry_budget,
)
from migrate_inference.rules.client_code import multiline as _multiline
from migrate_inference.rules.suppression import has_ignore as _has_ignore
from migrate_inference.part_ignores import part_ignored
from migrate_inference.wording import with_article

CODE = "MI100"
NAME = "v0_chat"
DOC_EXAMPLE = "azure_v0_engine"
WHEN_TODO = (
    "When the call passes `**kwargs` or positional arguments; when the module config is set to different "
    "values, inside a condition, or from a function's local value outside the one class whose methods make "
    "every call (then the clients live on `self`, built where the config was set); when the model comes from a variable "
    "(deployment style: the call is migrated, the TODO asks for a client per deployment); when "
    "`openai.ChatCompletion.create` is used as a value or the openai module is stored in a variable; "
    'for `api_type="azure_ad"` (the token becomes DefaultAzureCredential()); for config with no '
    "equivalent (`organization`, `proxy`, ...); when `openai.api_base`/`api_key` is an empty placeholder; "
    "when the openai module is configured in another file of the project and not in this one; for a v1 "
    "module client whose `default_query`, `http_client`, a non-numeric `timeout` or Azure settings cannot "
    "be carried."
)


@dataclass
class CallPlan:
    call: ChatCall
    todo: Optional[str] = None  # set: the call is left as it is, with this note
    spec: Optional[ClientSpec] = None
    accessor_arg: Optional[str] = None  # code of the deployment argument
    inline: bool = False  # per-call credentials: build the client at the call
    keep_model: bool = False
    notes: List[str] = field(default_factory=list)  # TODOs on a migrated call
    splat: Optional[object] = None  # analysis.splats.SplatDict rewritten with the call


@dataclass
class Plan:
    calls: Dict[cst.Call, CallPlan] = field(default_factory=dict)
    accessors: Dict[ClientSpec, str] = field(
        default_factory=dict
    )  # spec -> function name
    consumed_config: Set[cst.SimpleStatementLine] = field(default_factory=set)
    renamed_config: Dict[cst.SimpleStatementLine, str] = field(default_factory=dict)
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

    @property
    def migrated(self) -> List[cst.Call]:
        return [c for c, p in self.calls.items() if p.todo is None]


def rule_code(api: str) -> str:
    return params_code.EMBEDDINGS_CODE if api == "embeddings" else CODE


def _suppressed(node: cst.CSTNode, parents, code: str = CODE) -> bool:
    current = node
    while current is not None:
        if isinstance(
            current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ) and _has_ignore(current, code):
            return True
        current = parents.get(current)
    return False


def _first_param(function: cst.FunctionDef) -> Optional[str]:
    params = function.params.params
    return params[0].name.value if params else None


def _enclosing_function(node: cst.CSTNode, parents) -> Optional[cst.FunctionDef]:
    current = parents.get(node)
    while current is not None and not isinstance(current, cst.FunctionDef):
        current = parents.get(current)
    return current


def _fresh(name: str, taken: Set[str]) -> str:
    candidate, i = name, 2
    while candidate in taken:
        candidate = f"{name}_{i}"
        i += 1
    taken.add(candidate)
    return candidate


class Planner:
    """Decides, before any rewrite, which calls migrate and which clients they use."""

    def __init__(
        self, facts: Facts, config: Config, wrapper: cst.MetadataWrapper
    ) -> None:
        self.facts = facts
        self.config = config
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.plan = Plan()
        self.taken = set(facts.module_names)
        self.ambiguous = facts.config_ambiguous()
        self.api_type = facts.api_type()
        self.self_method = self._config_method() if self.ambiguous else None
        if self.self_method is not None:
            self.ambiguous = None
        self.config_values = {a: facts.config_value(a) for a in BLOCKING_CONFIG}
        # rename non-simple module-level config values into variables the accessor can read
        self.config_code: Dict[str, str] = {}
        if not self.ambiguous:
            for attr, assign in self.config_values.items():
                if assign is None:
                    continue
                if assign.simple:
                    self.config_code[attr] = _code(assign.value)
                elif self.self_method is not None:
                    self.config_code[attr] = _code(
                        assign.value
                    )  # evaluated where it was, in the method
                elif assign.at_module_level:
                    var = _fresh("_" + attr, self.taken)
                    self.plan.renamed_config[assign.statement] = var
                    self.config_code[attr] = var
                else:
                    self.ambiguous = f"openai.{attr} is computed inside a function"
        self.config_blocked = None if self.ambiguous else self._placeholder()
        if not self.ambiguous and not self.config_blocked:
            self.config_blocked = self._configured_elsewhere()
        self.module_options, self.module_blocked = self._module_client_options()

    def _configured_elsewhere(self) -> Optional[str]:
        """The openai module is configured by another file of the project, not this one:
        a client built from this file's view would ignore that configuration."""
        if any(self.facts.config.get(a) for a in BLOCKING_CONFIG):
            return None
        places = self.facts.config_elsewhere
        if not places:
            return None
        shown = "; ".join(places[:3]) + (f"; and {len(places) - 3} more" if len(places) > 3 else "")
        return (
            f"the openai module is configured in another file ({shown}), which this call relies "
            "on: a client built here would not use that configuration; move the configuration "
            "into this file (or build the azure-ai-inference client from it by hand), then run "
            "the migration again"
        )

    def _placeholder(self) -> Optional[str]:
        """`openai.api_base = ""` / `openai.api_key = ""`: a value the user was told to fill in."""
        for attr in ("api_base", "base_url", "api_key"):
            assign = self.config_values.get(attr)
            if assign is not None and string_value(assign.value) == "":
                return (
                    f"openai.{attr} is an empty placeholder (\"\"): fill it in (see the comments "
                    "around it), then run the migration again"
                )
        return None

    def _module_client_options(self) -> Tuple[Dict[str, str], Optional[str]]:
        """What the v1 module client was configured with beyond the endpoint and key.

        Returns the Azure client keywords that carry it (`retry_total`, `read_timeout`,
        `headers`) and, when something cannot be carried, why the v1 calls stay on OpenAI."""
        carried: Dict[str, str] = {}
        if not any(c.generation == "v1" for c in self.facts.chat_calls.values()):
            return carried, None  # v0 calls never read them
        for attr in MODULE_CLIENT_BLOCKING:
            if self.facts.config.get(attr) or self.facts.config_reads.get(attr):
                return {}, f"openai.{attr} is set: {MODULE_CONFIG[attr].note}"
        for attr, target in MODULE_CLIENT_OPTIONS.items():
            values = self.facts.config.get(attr, [])
            if not values:
                continue
            why = None
            value = values[-1]
            if self.facts.config_reads.get(attr):
                why = "read elsewhere in the file"
            elif len({_code(v.value) for v in values}) > 1:
                why = "set to different values"
            elif not (value.unconditional and value.at_module_level and value.portable):
                why = "set inside a function or a condition"
            elif attr == "timeout" and not isinstance(value.value, (cst.Integer, cst.Float)):
                why = "not a number (an httpx.Timeout has no azure-core equivalent)"
            elif attr == "max_retries" and not isinstance(value.value, (cst.Integer, cst.Name)):
                why = "not a literal or a name"
            elif attr == "default_headers" and not isinstance(value.value, (cst.Dict, cst.Name)):
                why = "not a dict literal or a name"
            if why is not None:
                return {}, (
                    f"openai.{attr} is {why}: the module client's {attr} cannot be carried to "
                    f"{target}= on an Azure client"
                )
            carried[target] = _code(value.value)
        return carried, None

    def module_client_extra(self, generation: str) -> Tuple[str, ...]:
        """The constructor keywords of the Azure client that replaces the module client."""
        if generation != "v1":
            return (retry_budget(generation),)
        extra = [retry_budget(generation, self.module_options.get("retry_total"))]
        extra += [f"{k}={self.module_options[k]}" for k in ("read_timeout", "headers") if k in self.module_options]
        return tuple(extra)

    def _config_method(self) -> Optional[cst.FunctionDef]:
        """The method (`__init__`, `setup`) that sets the config from its own values, when every call
        is made from the same class through `self`: the client then lives on `self`."""
        method = None
        for attr in BLOCKING_CONFIG:
            values = self.facts.config.get(attr, [])
            codes = {_code(v.value) for v in values}
            if len(codes) > 1:
                return None
            for value in values:
                if value.portable:
                    continue
                if not value.unconditional:
                    return None
                block = self.parents.get(value.statement)
                function = self.parents.get(block)
                if not isinstance(function, cst.FunctionDef) or (
                    method is not None and function is not method
                ):
                    return None
                method = function
        if method is None or _first_param(method) != "self":
            return None
        cls = self.parents.get(self.parents.get(method))
        if not isinstance(cls, cst.ClassDef):
            return None
        for call in self.facts.chat_calls.values():
            function = _enclosing_function(call.node, self.parents)
            if function is None or _first_param(function) != "self":
                return None
            if self.parents.get(self.parents.get(function)) is not cls:
                return None
        return method

    # -- endpoint and credential pieces ------------------------------------
    def _azure(self, call: ChatCall, api_type: Optional[str]) -> bool:
        if api_type in AZURE_API_TYPES:
            return True
        if api_type in (None, "unknown"):
            return "engine" in call.kwargs or "deployment_id" in call.kwargs
        return False

    def _credential(
        self, key_code: Optional[str], api_type: Optional[str], api: str, is_async: bool
    ) -> Tuple[str, bool, Optional[str]]:
        """(credential code, needs scopes, note)."""
        deployment_style = self.config.endpoint_style != MODELS
        entra = (
            "AsyncDefaultAzureCredential()" if is_async else "DefaultAzureCredential()"
        )
        if self.config.credential == "entra":
            return entra, deployment_style, None
        if api_type in AAD_API_TYPES:
            return (
                entra,
                deployment_style,
                "api_type azure_ad: the Entra token in api_key is replaced by DefaultAzureCredential(); "
                "check that it finds the same identity",
            )
        if key_code is None:
            key_code = f'os.environ["{self.config.key_env_for(api)}"]'
        return f"AzureKeyCredential({key_code})", False, None

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
                value = cp.splat.values.get(k)  # type: ignore[attr-defined]
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
        credential, scopes, note = self._credential(
            key_code, api_type, call.api, call.is_async
        )
        env = self.config.endpoint_env_for(call.api)
        if note:
            cp.notes.append(note)
        cp.inline = bool(per_call)
        models_style = self.config.endpoint_style == MODELS
        parameterized = False
        if models_style:
            cp.keep_model = True
            endpoint = f'os.environ["{env}"]'
            if self.config.api_version is None:
                version_code = None
        elif base_code is not None and self._azure(call, api_type):
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
            if cp.inline or self.self_method is not None:
                if call.deployment_literal is None and self.self_method is not None:
                    cp.todo = (
                        f"the deployment comes from `{_code(call.deployment)}` and the client is built in "
                        f"{self.self_method.name.value}(): create one client per deployment there"
                    )
                    return
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
                    f"deployment is fixed by {env}: use one client per deployment"
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
        )

    def run(self) -> Plan:
        calls = list(self.facts.chat_calls.values())
        self._splat_deployments(calls)
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
        for call in calls:
            cp = CallPlan(call)
            self.plan.calls[call.node] = cp
            if _suppressed(
                call.node, self.parents, rule_code(call.api)
            ) or not self.config.rule_enabled(rule_code(call.api)):
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
        self._consume_config()
        return self.plan

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
        name = _fresh(base, self.taken)
        self.taken.add(name + "s")  # the async accessors' per-loop store
        self.plan.accessors[spec] = name

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
            return
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
            return updated
        if cp.todo is not None:
            if cp.todo:
                self.ctx.todo(rule_code(cp.call.api), original, cp.todo)
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
            self.ctx.todo(rule_code(spec.api), original, note)
        method = METHODS[spec.api]
        self.ctx.rewrite(
            rule_code(spec.api),
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

    def _imports(self, spec: ClientSpec) -> None:
        need_client_imports(self.ctx, spec)
        need = self.ctx.need_import
        if "os." in spec.endpoint or "os." in spec.credential:
            need("os")
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
            return updated
        defs = [
            src
            for spec, name in self.plan.accessors.items()
            if spec in used
            for src in accessor_source(spec, name)
        ]
        if not defs:
            return updated
        return insert_after_imports(updated, defs, self._config_comments)


def insert_after_imports(
    module: cst.Module, sources: List[str], above: Sequence[str] = ()
) -> cst.Module:
    """`sources` as statements after the module's imports, `above` as comments before them."""
    body = list(module.body)
    index = 0
    for i, stmt in enumerate(body):
        if _is_import_or_docstring(stmt, i):
            index = i + 1
        else:
            break
    new: List[cst.BaseStatement] = []
    for source in sources:
        stmt = cst.parse_module(source).body[0]
        # two blank lines around definitions; one between the imports and a plain
        # statement (as isort and black leave it)
        blank = 2 if new or isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) else 1
        stmt = stmt.with_changes(
            leading_lines=[cst.EmptyLine()] * blank if index > 0 or new else []
        )
        if not new:
            stmt = comments.with_comments_above(stmt, above)
        new.append(stmt)
    if index < len(body):
        following = body[index]
        blank = 0
        for line in following.leading_lines:
            if line.comment is None:
                blank += 1
            else:
                break
        if blank < 2:
            following = following.with_changes(
                leading_lines=[cst.EmptyLine()] * (2 - blank)
                + list(following.leading_lines)
            )
        body[index] = following
    return module.with_changes(body=body[:index] + new + body[index:])


def _is_import_or_docstring(stmt: cst.CSTNode, index: int) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            return True
        if index == 0 and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr):
            return isinstance(
                stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)
            )
    return False
