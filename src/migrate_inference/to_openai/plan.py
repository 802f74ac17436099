"""Read-only planning for `--to openai`: which client components migrate, and every edit they need.

A component is one azure-ai-inference client value (a ChatCompletionsClient or
EmbeddingsClient construction, sync or aio), every call made on it, the
responses of those calls and what reads them.  The planner visits the module
once, finds each component, and either plans every edit it needs or records why
it cannot migrate (a blocker, which becomes one TODO at that point); a component
with a blocker is left exactly as it was.  The rewriter then only carries out the
plan.
"""

from __future__ import annotations

import builtins
import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple, Union
from urllib.parse import urlsplit

import libcst as cst
from libcst.metadata.base_provider import LazyValue
from libcst.metadata import (
    GlobalScope,
    ParentNodeProvider,
    QualifiedNameProvider,
    QualifiedNameSource,
    Scope,
    ScopeProvider,
)

from migrate_inference.analysis.names import code_of, literal_keys, string_value
from migrate_inference.config import Config
from migrate_inference.to_openai import mapping, names
from migrate_inference.to_openai.codes import (
    CHAT,
    CLIENTS,
    EMBEDDINGS,
    ERRORS,
    MESSAGES,
    NO_EQUIVALENT,
    REQUEST_MODELS,
    RESPONSES,
)

Node = cst.CSTNode


@dataclass
class Endpoint:
    expr: cst.BaseExpression  # the original expression
    static: Optional[str] = None  # its value when known statically
    base_url: Optional[str] = None  # the new base URL when static
    deployment: Optional[str] = None  # the deployment named in a static URL
    # `<base> + "/openai/deployments/" + <expr>`: the deployment, as an expression
    deployment_expr: Optional[cst.BaseExpression] = None
    # the part before "/openai/deployments/...", when the endpoint is built that way
    base_expr: Optional[cst.BaseExpression] = None


@dataclass
class Credential:
    kind: str  # "key" or "token"
    expr: cst.BaseExpression  # key expression (key) or credential expression (token)
    aio: Optional[bool] = None  # token credentials: from azure.identity.aio?


@dataclass
class Site:
    """One complete()/embed() call on a component."""

    call: cst.Call
    api: str
    stream: bool = False
    kwargs: Dict[str, cst.Arg] = field(default_factory=dict)
    extras: Optional[Dict[str, cst.BaseExpression]] = None  # literal model_extras
    scope: Optional[Scope] = None
    factory_call: Optional[cst.Call] = (
        None  # `_client(...)` when the client comes from a factory
    )
    bindings: Dict[str, cst.BaseExpression] = field(
        default_factory=dict
    )  # factory params
    # complete({...}) / complete(body={...}): the literal body dict, whose keys stand
    # for the call's keywords (azure-ai-inference then sends the body as it is and
    # applies no client-level default)
    body: Optional[cst.Arg] = None
    body_keywords: Tuple[str, ...] = ()  # body keys passed as keywords, in order


@dataclass
class Component:
    node: cst.Call  # the construction
    api: str
    aio: bool
    kwargs: Dict[str, cst.Arg] = field(default_factory=dict)
    endpoint: Optional[Endpoint] = None
    credential: Optional[Credential] = None
    sites: List[Site] = field(default_factory=list)
    blockers: List[Tuple[Node, str, str]] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    scope: Optional[Scope] = None
    factory: Optional[cst.FunctionDef] = None  # `def f(...): return Client(...)`
    param_refs: Dict[cst.Name, str] = field(
        default_factory=dict
    )  # names of its parameters
    # edits on response reads, planned here, applied only when the component migrates
    subscripts: Set[cst.Subscript] = field(default_factory=set)
    gets: Set[cst.Call] = field(default_factory=set)
    as_dicts: Set[cst.Call] = field(default_factory=set)
    created: Set[cst.Attribute] = field(default_factory=set)
    loops: Dict[Node, str] = field(default_factory=dict)  # For / CompFor -> target name
    todos: List[Tuple[Node, str, str]] = field(default_factory=list)  # non-blocking
    # functions of the module the client is passed to: (function, parameter) -> the
    # calls that pass it; every call of the function must pass this client there
    passed_to: Dict[Tuple[cst.FunctionDef, str], List[cst.Call]] = field(
        default_factory=dict
    )
    refs: Set[Node] = field(default_factory=set)  # every reference to the client
    annotations: Set[cst.Annotation] = field(default_factory=set)  # `p: Client`
    # a module-level client other files of the project use: (real path, name)
    shared: Optional[Tuple[str, str]] = None
    # a client another file builds, used here: (its real path, its name); `node` is
    # then the first reference, and kwargs/endpoint/credential are that file's nodes
    remote: Optional[Tuple[str, str]] = None
    # remote: the construction's expressions that read the same in this file
    foreign: Optional[Set[Node]] = None
    local_name: str = ""

    def block(self, node: Node, code: str, message: str) -> None:
        self.blockers.append((node, code, message))

    @property
    def migrates(self) -> bool:
        return not self.blockers


SCALAR_FIELDS = frozenset(
    {
        "content",
        "id",
        "model",
        "finish_reason",
        "role",
        "arguments",
        "name",
        "total_tokens",
        "prompt_tokens",
        "completion_tokens",
        "index",
        "embedding",
        "object",
        "type",
        "tool_call_id",
        "system_fingerprint",
        "created",
    }
)
HARMLESS_CONSUMERS = frozenset({"print", "len", "str", "repr", "bool", "isinstance"})
ENV_READS = frozenset({"os.getenv", "os.environ.get", "os.environ"})


def _is_none_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


class Planner:
    def __init__(
        self,
        wrapper: cst.MetadataWrapper,
        config: Config,
        filename: Optional[str] = None,
    ) -> None:
        self.wrapper = wrapper
        self.config = config
        self.filename = filename
        self.project = config.project if filename is not None else None
        # shared clients this file only imports (for other files to import from it)
        self.imports_only: Set[Tuple[str, str]] = set()
        self.qn = wrapper.resolve(QualifiedNameProvider)
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.components: List[Component] = []
        self.site_of: Dict[cst.Call, Tuple[Component, Site]] = {}
        self.model_calls: Dict[cst.Call, str] = {}  # construction -> class name
        self.json_formats: Set[cst.Call] = set()
        self.enum_refs: Dict[cst.Attribute, str] = {}
        self.handlers: List[cst.ExceptHandler] = []
        self.free_todos: List[Tuple[Node, str, str]] = []  # not tied to a component
        self.loaders: List[cst.Call] = []
        # nodes the planner makes (a body dict's entries as keywords) -> an original node
        self.made_parents: Dict[Node, Node] = {}

    # ------------------------------------------------------------ names

    def qnames(self, node: Node) -> Set[str]:
        found = set()
        value = self.qn.get(node, ())
        if isinstance(value, LazyValue):
            value = value()
        for q in value:
            if q.source == QualifiedNameSource.IMPORT:
                name = q.name
                if name.startswith(names.MODELS):
                    rest = name[len(names.MODELS) :].split(".")
                    if rest and rest[0].startswith("_"):  # models._models.X
                        name = names.MODELS + ".".join(rest[1:])
                found.add(name)
        return found

    def qname(self, node: Node) -> Optional[str]:
        found = self.qnames(node)
        return next(iter(found)) if len(found) == 1 else None

    def model_class(self, node: Node) -> Optional[str]:
        name = self.qname(node)
        if name and name.startswith(names.MODELS):
            rest = name[len(names.MODELS) :]
            return rest if "." not in rest else None
        return None

    def original(self, node: Node) -> Node:
        """`node`, or the original node a node the planner made stands for."""
        while node in self.made_parents:
            node = self.made_parents[node]
        return node

    def parent(self, node: Node) -> Optional[Node]:
        made = self.made_parents.get(node)
        if made is not None:
            return made
        return self.parents.get(node)

    # ------------------------------------------------------------ entry

    def run(self) -> "Planner":
        module = self.wrapper.module
        collector = _Collector(self)
        module.visit(collector)
        for call, (api, aio) in collector.constructions:
            self.components.append(self._component(call, api, aio))
        if self.project is not None and self.project.inference_exports:
            self._remote_components()
        for call, message in collector.no_equivalent:
            self.free_todos.append((call, NO_EQUIVALENT, message))
        return self

    # ------------------------------------------------------------ components

    def _component(self, call: cst.Call, api: str, aio: bool) -> Component:
        comp = Component(node=call, api=api, aio=aio, scope=self.scopes.get(call))
        self._constructor_args(comp)
        refs = self._binding_refs(comp)
        comp.refs.update(refs)
        pending = list(refs)
        while pending:  # references through parameters are added as they are found
            ref = pending.pop(0)
            for more in self._classify_use(comp, ref) or ():
                if more not in comp.refs:
                    comp.refs.add(more)
                    pending.append(more)
        self._check_passed_to(comp)
        comp.shared = self._shared_key(call)
        if comp.factory is not None:
            places = self._factory_users(comp.factory)
            if places:
                comp.block(
                    call,
                    CLIENTS,
                    f"`{comp.factory.name.value}` returns this client and other files of the project call it ({places}): clients made by a function and used across files are not migrated automatically; migrate it with all its users by hand",
                )
        if not comp.sites and not comp.blockers and comp.shared is None:
            comp.block(
                call,
                CLIENTS,
                "the client is never called where the tool can see it (no complete()/embed() on it in this module): migrate it by hand",
            )
        for site in comp.sites:
            self._site(comp, site)
        if not self.config.rule_enabled(CLIENTS) or not self.config.rule_enabled(
            CHAT if api == "chat" else EMBEDDINGS
        ):
            comp.block(
                call,
                CLIENTS,
                "the rules needed to migrate this client are turned off (--select/--ignore)",
            )
        return comp

    # ------------------------------------------------------------ across files

    def _shared_key(self, call: cst.Call) -> Optional[Tuple[str, str]]:
        """(real path, name) when `name = Client(...)` at module level is used by other
        files of the project (the project index), else None."""
        if self.project is None or self.filename is None:
            return None
        parent = self.parent(call)
        if isinstance(parent, cst.AnnAssign):
            target = parent.target
        elif isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
        else:
            return None
        if not isinstance(target, cst.Name) or not isinstance(
            self.scopes.get(call), GlobalScope
        ):
            return None
        key = (os.path.realpath(self.filename), target.value)
        return key if self.project.inference_importers.get(key) else None

    def _factory_users(self, func: cst.FunctionDef) -> str:
        """Where other files of the project use the function `func` (a client factory)."""
        if self.project is None or self.filename is None:
            return ""
        if not isinstance(self.scopes.get(func), GlobalScope):
            return ""
        places = self.project.inference_importers.get(
            (os.path.realpath(self.filename), func.name.value), []
        )
        shown = ", ".join(places[:3])
        if len(places) > 3:
            shown += f" and {len(places) - 3} more"
        return shown

    def _remote_components(self) -> None:
        """The clients other files of the project build, used here: one component each,
        made of this file's uses and planned with the construction's keywords."""
        from migrate_inference.to_openai import shared

        project = self.project
        groups: Dict[Tuple[str, str], List[Node]] = {}
        imported: Set[Tuple[str, str]] = set()
        for node in _walk(self.wrapper.module):
            if isinstance(node, cst.ImportFrom) and not isinstance(
                node.names, cst.ImportStar
            ):
                base = "." * len(node.relative) + (
                    code_of(node.module) if node.module is not None else ""
                )
                for alias in node.names:
                    q = f"{base}.{code_of(alias.name)}" if base.strip(".") else base + code_of(alias.name)
                    found = project.inference_client(self.filename, q)
                    if found is not None:
                        imported.add((found[0], found[1]))
                continue
            if not isinstance(node, (cst.Name, cst.Attribute)):
                continue
            parent = self.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                continue
            for q in self.qnames(node):
                found = project.inference_client(self.filename, q)
                if found is not None:
                    groups.setdefault((found[0], found[1]), []).append(node)
                    break
        self.imports_only = imported - set(groups)
        for key, refs in groups.items():
            comp = Component(
                node=refs[0],  # type: ignore[arg-type]
                api="chat",
                aio=False,
                scope=self.scopes.get(refs[0]),
                remote=key,
                local_name=code_of(refs[0]),
            )
            self.components.append(comp)
            comp.refs.update(refs)
            for ref in refs:
                if isinstance(ref, cst.Name) and not self._only_the_import(ref):
                    comp.block(
                        ref,
                        CLIENTS,
                        f"`{ref.value}` here may be another value too (it is assigned in this file as well as imported): the tool cannot tell which client each use means",
                    )
            cycle = shared.in_progress(project, key[0])
            info = shared.definition(project, self.config, *key)
            if info is None:
                if cycle:  # files that use each other's clients: never migrated
                    comp.block(
                        refs[0],
                        CLIENTS,
                        f"`{key[1]}` is built in {project.shown(key[0])}, which uses a client of this file in turn: clients shared both ways between files are not migrated automatically",
                    )
                continue  # the verdict says why; every reference gets a TODO
            comp.api, comp.aio = info.api, info.aio
            comp.kwargs = info.kwargs
            comp.endpoint = info.endpoint  # type: ignore[assignment]
            comp.credential = info.credential  # type: ignore[assignment]
            comp.foreign = info.foreign
            pending = list(refs)
            while pending:
                ref = pending.pop(0)
                for more in self._classify_use(comp, ref) or ():
                    if more not in comp.refs:
                        comp.refs.add(more)
                        pending.append(more)
            self._check_passed_to(comp)
            for site in comp.sites:
                self._site(comp, site)
            if not self.config.rule_enabled(CLIENTS) or not self.config.rule_enabled(
                CHAT if comp.api == "chat" else EMBEDDINGS
            ):
                comp.block(
                    refs[0],
                    CLIENTS,
                    "the rules needed to migrate this client are turned off (--select/--ignore)",
                )

    def _only_the_import(self, name: cst.Name) -> bool:
        """Whether every value `name` may have here comes from an import."""
        scope = self.scopes.get(name)
        if scope is None:
            return False
        for access in scope.accesses[name.value]:
            if access.node is name:
                referents = list(access.referents)
                return bool(referents) and all(
                    isinstance(getattr(r, "node", None), (cst.Import, cst.ImportFrom))
                    for r in referents
                )
        return False

    def _inside(self, node: Node, ancestor: Node) -> bool:
        current: Optional[Node] = node
        while current is not None:
            if current is ancestor:
                return True
            current = self.parent(current)
        return False

    def portable_anywhere(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr`, written at the construction, reads the same in any other file
        of the project: literals, environment reads (`os.environ[...]`, `os.getenv(...)`
        with literal arguments) and string operations on them."""
        for node in _walk(expr):
            if isinstance(
                node,
                (
                    cst.Lambda,
                    cst.GeneratorExp,
                    cst.ListComp,
                    cst.DictComp,
                    cst.SetComp,
                    cst.NamedExpr,
                    cst.Await,
                    cst.Yield,
                ),
            ):
                return False
            if isinstance(node, cst.Call):
                if self.qname(node.func) in ENV_READS:
                    continue
                if isinstance(node.func, cst.Attribute) and node.func.attr.value in (
                    "rstrip",
                    "strip",
                    "lstrip",
                    "format",
                    "lower",
                    "replace",
                ):
                    continue
                return False
            if isinstance(node, cst.Name):
                parent = self.parent(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                if (
                    isinstance(parent, (cst.Arg, cst.DictElement))
                    and getattr(parent, "keyword", None) is node
                ):
                    continue
                if node.value in ("True", "False", "None"):
                    continue
                if node.value == "os" and self.qname(node) == "os":
                    continue
                return False
        return True

    def _constructor_args(self, comp: Component) -> None:
        call = comp.node
        positional = ["endpoint", "credential"]
        for arg in call.args:
            if arg.star:
                comp.block(
                    arg,
                    CLIENTS,
                    f"`{code_of(arg)}` hides the constructor's keywords: pass them by name",
                )
                continue
            if arg.keyword is None:
                if not positional:
                    comp.block(arg, CLIENTS, "unexpected positional argument")
                    continue
                comp.kwargs[positional.pop(0)] = arg
                continue
            name = arg.keyword.value
            if name in positional:
                positional.remove(name)
            comp.kwargs[name] = arg
        table = mapping.CLIENT
        request = (
            mapping.CHAT_REQUEST if comp.api == "chat" else mapping.EMBEDDINGS_REQUEST
        )
        for name, arg in comp.kwargs.items():
            if name in request or name in table and table[name].action != mapping.TODO:
                continue
            if name in table:
                comp.block(
                    arg,
                    CLIENTS,
                    f"{name}= has no openai equivalent here: {table[name].note}",
                )
            else:
                comp.block(
                    arg,
                    CLIENTS,
                    f"{name}= is not a keyword the tool knows for this client",
                )
        if "endpoint" not in comp.kwargs or "credential" not in comp.kwargs:
            comp.block(call, CLIENTS, "the endpoint or the credential is missing")
            return
        comp.endpoint = self._endpoint(comp, comp.kwargs["endpoint"].value)
        comp.credential = self._credential(comp, comp.kwargs["credential"].value)

    def _endpoint(self, comp: Component, expr: cst.BaseExpression) -> Endpoint:
        endpoint = Endpoint(expr=expr)
        value = self._static_string(expr)
        text = value if value is not None else _static_text(expr)
        host = ""
        if text is not None:
            try:
                host = (urlsplit(text).hostname or "").lower()
            except ValueError:
                host = ""
        if host.endswith(names.SERVERLESS_SUFFIX) or host.endswith(
            names.MANAGED_COMPUTE_SUFFIX
        ):
            comp.block(
                expr,
                NO_EQUIVALENT,
                "this endpoint is a serverless (*.models.ai.azure.com) or managed-compute (*.inference.ml.azure.com) deployment, not an Azure OpenAI resource: /openai/v1/ is not served there. Check whether the model is (or can be) deployed in an Azure OpenAI / Foundry resource and use that resource's https://<resource>.openai.azure.com/openai/v1/, or keep azure-ai-inference for it",
            )
            return endpoint
        if host in names.GITHUB_MODELS_HOSTS:
            comp.block(
                expr,
                NO_EQUIVALENT,
                'GitHub Models moved from models.inference.ai.azure.com to https://models.github.ai/inference, with publisher-prefixed model ids (model="openai/gpt-4o") and a GitHub token as api_key: migrate this client by hand',
            )
            return endpoint
        if value is None:
            if isinstance(expr, cst.BinaryOperation) and isinstance(
                expr.operator, cst.Add
            ):
                tail = string_value(expr.right) or ""
                match = re.fullmatch(r"/?openai/deployments/([^/?]+)/?", tail)
                left = expr.left
                if match:  # <base> + "/openai/deployments/gpt-4o"
                    endpoint.deployment = match.group(1)
                    endpoint.base_expr = left
                elif (
                    isinstance(left, cst.BinaryOperation)
                    and isinstance(left.operator, cst.Add)
                    and re.fullmatch(
                        r"/?openai/deployments/", string_value(left.right) or ""
                    )
                ):  # <base> + "/openai/deployments/" + deployment
                    endpoint.deployment_expr = expr.right
                    endpoint.base_expr = left.left
            return endpoint
        endpoint.static = value
        parts = urlsplit(value)
        path = parts.path.rstrip("/")
        prefix = None
        if "/openai/deployments/" in path:
            prefix, _, rest = path.partition("/openai/deployments/")
            endpoint.deployment = rest.split("/")[0] or None
        elif path.endswith("/openai/v1"):
            prefix = path[: -len("/openai/v1")]
        elif path.endswith("/models"):
            prefix = path[: -len("/models")]
        if prefix is None or not parts.scheme or not parts.netloc:
            comp.block(
                expr,
                CLIENTS,
                f"the endpoint {value!r} is neither .../models nor .../openai/deployments/<deployment>: the tool cannot tell its /openai/v1/ URL",
            )
            return endpoint
        endpoint.base_url = f"{parts.scheme}://{parts.netloc}{prefix}/openai/v1/"
        return endpoint

    def _static_string(self, expr: cst.BaseExpression) -> Optional[str]:
        value = string_value(expr)
        if value is not None:
            return value
        if isinstance(expr, cst.Name):
            assigned = self._single_global_value(expr)
            if assigned is not None:
                return string_value(assigned)
        return None

    def _single_global_value(self, name: cst.Name) -> Optional[cst.BaseExpression]:
        """The value of a module-level name assigned exactly once (`ENDPOINT = "..."`)."""
        scope = self.scopes.get(name)
        if scope is None:
            return None
        referents = None
        for access in scope.accesses[name.value]:
            if access.node is name:
                referents = list(access.referents)
        if not referents or len(referents) != 1:
            return None
        assignment = referents[0]
        if (
            not isinstance(assignment.scope, GlobalScope)
            or len(assignment.scope.assignments[name.value]) != 1
        ):
            return None
        node = getattr(assignment, "node", None)
        parent = self.parent(node) if node is not None else None
        grand = self.parent(parent) if parent is not None else None
        if (
            isinstance(parent, cst.AssignTarget)
            and isinstance(grand, cst.Assign)
            and len(grand.targets) == 1
        ):
            return grand.value
        if isinstance(parent, cst.AnnAssign) and parent.value is not None:
            return parent.value
        return None

    def _assigned_value(self, name: cst.Name) -> Optional[cst.BaseExpression]:
        """The value of a name bound exactly once by a plain assignment, in any scope."""
        scope = self.scopes.get(name)
        if scope is None:
            return None
        referents = None
        for access in scope.accesses[name.value]:
            if access.node is name:
                referents = list(access.referents)
        if not referents or len(referents) != 1:
            return None
        assignment = referents[0]
        if len(assignment.scope.assignments[name.value]) != 1:
            return None
        node = getattr(assignment, "node", None)
        parent = self.parent(node) if node is not None else None
        grand = self.parent(parent) if parent is not None else None
        if (
            isinstance(parent, cst.AssignTarget)
            and isinstance(grand, cst.Assign)
            and len(grand.targets) == 1
        ):
            return grand.value
        if isinstance(parent, cst.AsName) and isinstance(grand, cst.WithItem):
            return grand.item
        return None

    def _credential(
        self, comp: Component, expr: cst.BaseExpression
    ) -> Optional[Credential]:
        target = expr
        via_name = False
        if isinstance(expr, cst.Name):
            value = self._assigned_value(expr)
            if isinstance(value, cst.Call):
                target, via_name = value, True
        if isinstance(target, cst.Call):
            name = self.qname(target.func) or ""
            if name == names.KEY_CREDENTIAL:
                if via_name:
                    return Credential(
                        "key", cst.Attribute(value=expr, attr=cst.Name("key"))
                    )
                key = _arg(target, 0, "key")
                if key is None:
                    comp.block(expr, CLIENTS, "AzureKeyCredential without its key")
                    return None
                return Credential("key", key)
            if name.startswith(names.IDENTITY):
                aio = name.startswith(names.IDENTITY_AIO)
                if comp.aio and not aio:
                    comp.block(
                        expr,
                        CLIENTS,
                        "an aio client needs an azure.identity.aio credential: AsyncOpenAI awaits its token provider, so it needs azure.identity.aio.get_bearer_token_provider over an aio credential (a sync provider raises TypeError at the first request)",
                    )
                    return None
                if not comp.aio and aio:
                    comp.block(
                        expr,
                        CLIENTS,
                        "a sync client with an azure.identity.aio credential: use the sync azure.identity credential",
                    )
                    return None
                return Credential("token", expr, aio)
            local = self._local_token_credential(target.func)
            if local is not None:
                if comp.aio != local:
                    comp.block(
                        expr,
                        CLIENTS,
                        "an aio client needs an AsyncTokenCredential: AsyncOpenAI awaits its token provider, so it needs azure.identity.aio.get_bearer_token_provider over an async credential (a sync provider raises TypeError at the first request)"
                        if comp.aio
                        else "a sync client with an AsyncTokenCredential: use a sync TokenCredential",
                    )
                    return None
                return Credential("token", expr, local)
        comp.block(
            expr,
            CLIENTS,
            f"the tool cannot tell whether `{code_of(expr)}` is an AzureKeyCredential or a token credential: pass api_key=<key> or api_key=get_bearer_token_provider(<credential>, <scope>) by hand",
        )
        return None

    def _local_token_credential(
        self, func: cst.BaseExpression, seen: Optional[Set[cst.ClassDef]] = None
    ) -> Optional[bool]:
        """Whether `func` names a class of this module that derives (directly or through
        other classes of the module) from azure-core's TokenCredential (False) or
        AsyncTokenCredential (True); None when it does not, or cannot be told."""
        if not isinstance(func, cst.Name):
            return None
        scope = self.scopes.get(func)
        if scope is None:
            return None
        referents = [
            a.referents for a in scope.accesses[func.value] if a.node is func
        ]
        if len(referents) != 1 or len(referents[0]) != 1:
            return None
        assignment = next(iter(referents[0]))
        node = getattr(assignment, "node", None)
        if not isinstance(node, cst.ClassDef) or (
            len(assignment.scope.assignments[func.value]) != 1
        ):
            return None
        seen = seen or set()
        if node in seen:
            return None
        seen.add(node)
        flavours = set()
        for base in node.bases:
            if base.keyword is not None:
                continue
            name = self.qname(base.value)
            if name in names.TOKEN_CREDENTIAL_BASES:
                flavours.add(names.TOKEN_CREDENTIAL_BASES[name])
                continue
            inherited = self._local_token_credential(base.value, seen)
            if inherited is not None:
                flavours.add(inherited)
        return flavours.pop() if len(flavours) == 1 else None

    # ------------------------------------------------------------ uses

    def _binding_refs(self, comp: Component) -> List[Node]:
        call = comp.node
        parent = self.parent(call)
        if isinstance(parent, cst.Attribute) and parent.value is call:
            return [call]
        if isinstance(parent, cst.WithItem) and parent.item is call:
            if parent.asname is None:
                comp.block(
                    call,
                    CLIENTS,
                    "the client is built in a with statement without `as`",
                )
                return []
            target = parent.asname.name
            if not isinstance(target, cst.Name):
                comp.block(
                    call, CLIENTS, "the client is bound to something other than a name"
                )
                return []
            return self._name_refs(comp, target)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
            if isinstance(target, cst.Name):
                refs = self._accessor_refs(comp, parent, target)
                if refs is not None:
                    return refs
                return self._name_refs(comp, target)
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == "self"
            ):
                return self._self_refs(comp, target)
        if isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
            return self._name_refs(comp, parent.target)
        if isinstance(parent, cst.Return):
            refs = self._factory_refs(comp, parent)
            if refs is not None:
                return refs
        comp.block(
            call,
            CLIENTS,
            "the client value is not stored in a variable the tool can follow (returned, passed on or put in a container): migrate it with its users by hand",
        )
        return []

    def _factory_refs(self, comp: Component, ret: cst.Return) -> Optional[List[Node]]:
        """`def f(params): return Client(...)` (cached or not): the calls `f(...)`, or None."""
        func = self._enclosing(ret, cst.FunctionDef)
        if not isinstance(func, cst.FunctionDef) or not isinstance(
            func.body, cst.IndentedBlock
        ):
            return None
        body = [
            stmt
            for stmt in func.body.body
            if not (
                isinstance(stmt, cst.SimpleStatementLine)
                and all(isinstance(b, cst.Expr) for b in stmt.body)
            )
        ]
        if (
            len(body) != 1
            or not isinstance(body[0], cst.SimpleStatementLine)
            or body[0].body[0] is not ret
        ):
            return None
        return self._factory_calls(comp, func)

    def _accessor_refs(
        self, comp: Component, assign: cst.Assign, target: cst.Name
    ) -> Optional[List[Node]]:
        """A cached accessor (the forward migration's per-event-loop one):

            def f(params):
                cache = <store>.setdefault(<loop>, {})
                if <key> not in cache:
                    client = Client(...)
                    ...  # uses of `client`: only client.close()
                    cache[<key>] = client, <anything>
                return cache[<key>][0]

        The client is reached only through calls of `f`, like a factory's: those calls,
        or None when the function does not have this shape."""
        func = self._enclosing(assign, cst.FunctionDef)
        if not isinstance(func, cst.FunctionDef) or not isinstance(
            func.body, cst.IndentedBlock
        ):
            return None
        last = func.body.body[-1]
        if not (
            isinstance(last, cst.SimpleStatementLine)
            and len(last.body) == 1
            and isinstance(last.body[0], cst.Return)
        ):
            return None
        value = last.body[0].value
        if not (
            isinstance(value, cst.Subscript)
            and len(value.slice) == 1
            and code_of(value.slice[0]) == "0"
            and isinstance(value.value, cst.Subscript)
            and len(value.value.slice) == 1
            and isinstance(value.value.value, cst.Name)
        ):
            return None
        cache = value.value.value.value
        key = code_of(value.value.slice[0])
        cache_value = None
        for stmt in func.body.body:
            if (
                isinstance(stmt, cst.SimpleStatementLine)
                and isinstance(stmt.body[0], cst.Assign)
                and len(stmt.body[0].targets) == 1
                and code_of(stmt.body[0].targets[0].target) == cache
            ):
                cache_value = stmt.body[0].value
        if not (
            isinstance(cache_value, cst.Call)
            and isinstance(cache_value.func, cst.Attribute)
            and cache_value.func.attr.value == "setdefault"
        ):
            return None
        scope = self.scopes.get(target)
        if scope is None or len(scope.assignments[target.value]) != 1:
            return None
        if len(scope.assignments[cache]) != 1:
            return None
        stored = False
        for access in next(iter(scope.assignments[target.value])).references:
            ref = access.node
            parent = self.parent(ref)
            grand = self.parent(parent) if parent is not None else None
            if (
                isinstance(parent, cst.Element)
                and isinstance(grand, cst.Tuple)
                and grand.elements[0] is parent
            ):
                store = self.parent(grand)
                if (
                    isinstance(store, cst.Assign)
                    and len(store.targets) == 1
                    and isinstance(store.targets[0].target, cst.Subscript)
                    and code_of(store.targets[0].target) == f"{cache}[{key}]"
                ):
                    stored = True
                    continue
            if (
                isinstance(parent, cst.Attribute)
                and parent.attr.value == "close"
                and isinstance(grand, cst.Call)
                and grand.func is parent
            ):
                continue
            return None
        if not stored:
            return None
        return self._factory_calls(comp, func)

    def _factory_calls(
        self, comp: Component, func: cst.FunctionDef
    ) -> Optional[List[Node]]:
        params = func.params
        if (
            params.star_arg not in (None, cst.MaybeSentinel.DEFAULT)
            or params.star_kwarg
            or params.kwonly_params
            or params.posonly_params
        ):
            return None
        scope = self.scopes.get(func)
        if scope is None or len(scope.assignments[func.name.value]) != 1:
            return None
        comp.factory = func
        names_of = {p.name.value for p in params.params}
        for node in _walk(comp.node):
            if isinstance(node, cst.Name) and node.value in names_of:
                parent = self.parent(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                if isinstance(parent, cst.Arg) and parent.keyword is node:
                    continue
                comp.param_refs[node] = node.value
        refs: List[Node] = []
        for assignment in scope.assignments[func.name.value]:
            for access in assignment.references:
                ref = access.node
                parent = self.parent(ref)
                if isinstance(parent, cst.Call) and parent.func is ref:
                    refs.append(parent)
                elif isinstance(parent, cst.Decorator):
                    continue
                else:
                    comp.block(
                        ref,
                        CLIENTS,
                        f"`{func.name.value}` is used here other than called: the tool cannot follow the clients it makes",
                    )
        return refs

    def _bind_factory(self, comp: Component, site: Site, call: cst.Call) -> None:
        assert comp.factory is not None
        params = comp.factory.params.params
        positional = [a for a in call.args if a.keyword is None]
        if any(a.star for a in call.args) or len(positional) > len(params):
            comp.block(
                call,
                CLIENTS,
                "the factory's arguments cannot be matched to its parameters",
            )
            return
        for param, arg in zip(params, positional):
            site.bindings[param.name.value] = arg.value
        for arg in call.args:
            if arg.keyword is not None:
                site.bindings[arg.keyword.value] = arg.value
        for param in params:
            name = param.name.value
            if name not in site.bindings and param.default is not None:
                site.bindings[name] = param.default
        for name in set(comp.param_refs.values()):
            value = site.bindings.get(name)
            if value is None or not _simple(value):
                comp.block(
                    call,
                    CLIENTS,
                    f"the factory's {name} is not a plain value here: the tool cannot copy it into the call",
                )

    def _response_refs(self, comp: Component, target: cst.Name) -> List[Node]:
        """Reads of a name a response (or part of one) is assigned to.  The name may be
        assigned again (`response = client.complete(...)` twice): a read that may see
        another value is followed only when every value it may see is also a
        complete()/embed() result or a read of one."""
        scope = self.scopes.get(target)
        if scope is None:
            return []
        mine = [
            a
            for a in scope.assignments[target.value]
            if getattr(a, "node", None) is target
        ]
        refs: List[Node] = []
        for assignment in mine:
            for access in assignment.references:
                others = [r for r in access.referents if r is not assignment]
                if all(self._response_like(r) for r in others):
                    refs.append(access.node)
                else:
                    comp.block(
                        access.node,
                        RESPONSES,
                        f"`{target.value}` here may hold a response or another value: openai responses are read by attribute only; the tool cannot rewrite this read safely",
                    )
        return refs

    def _response_like(self, assignment) -> bool:
        node = getattr(assignment, "node", None)
        parent = self.parent(node) if node is not None else None
        grand = self.parent(parent) if parent is not None else None
        if not (isinstance(parent, cst.AssignTarget) and isinstance(grand, cst.Assign)):
            return False
        value = grand.value
        if isinstance(value, cst.Await):
            value = value.expression
        while isinstance(value, (cst.Attribute, cst.Subscript)):
            value = value.value
        return (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in ("complete", "embed")
        )

    def _name_refs(self, comp: Component, target: cst.Name) -> List[Node]:
        scope = self.scopes.get(target)
        if scope is None:
            comp.block(target, CLIENTS, "no scope")
            return []
        assignments = list(scope.assignments[target.value])
        if len(assignments) != 1:
            comp.block(
                target,
                CLIENTS,
                f"`{target.value}` is assigned more than once: the tool cannot tell which client each use means",
            )
            return []
        refs = []
        for access in assignments[0].references:
            if len(access.referents) != 1:
                comp.block(
                    access.node,
                    CLIENTS,
                    f"`{target.value}` here may be another value too",
                )
                continue
            refs.append(access.node)
        return refs

    def _self_refs(self, comp: Component, target: cst.Attribute) -> List[Node]:
        cls = self._enclosing(target, cst.ClassDef)
        if cls is None:
            comp.block(target, CLIENTS, "`self.<client>` outside a class")
            return []
        attr = target.attr.value
        found: List[Node] = []
        stores = 0
        for node in _walk(cls):
            if (
                isinstance(node, cst.Attribute)
                and node.attr.value == attr
                and isinstance(node.value, cst.Name)
                and node.value.value == "self"
            ):
                parent = self.parent(node)
                if isinstance(parent, cst.AssignTarget) or (
                    isinstance(parent, (cst.AugAssign, cst.AnnAssign))
                    and parent.target is node
                ):
                    stores += 1
                    continue
                found.append(node)
        if stores != 1:
            comp.block(
                target,
                CLIENTS,
                f"`self.{attr}` is assigned more than once in the class: the tool cannot tell which client each use means",
            )
            return []
        comp.notes.append(f"self.{attr}")
        return found

    def _enclosing(self, node: Node, kind: type) -> Optional[Node]:
        current = self.parent(node)
        while current is not None and not isinstance(current, kind):
            current = self.parent(current)
        return current

    def _classify_use(self, comp: Component, ref: Node) -> Optional[List[Node]]:
        """Plans one use of the client; returns further references to it (a parameter
        it is passed to), if any."""
        parent = self.parent(ref)
        method = names.CALL_METHOD[comp.api]
        if isinstance(parent, cst.Attribute) and parent.value is ref:
            grand = self.parent(parent)
            is_call = isinstance(grand, cst.Call) and grand.func is parent
            name = parent.attr.value
            if name == method and is_call:
                site = Site(call=grand, api=comp.api, scope=self.scopes.get(grand))
                if comp.factory is not None and isinstance(ref, cst.Call):
                    site.factory_call = ref
                    self._bind_factory(comp, site, ref)
                comp.sites.append(site)
                self.site_of[grand] = (comp, site)
                return
            if name == "close" and is_call:
                return
            if name == "get_model_info":
                comp.block(parent, NO_EQUIVALENT, names.GET_MODEL_INFO)
                return
            comp.block(
                parent,
                CLIENTS,
                f"`{code_of(parent)}` has no openai equivalent the tool knows: this client is left as it is",
            )
            return
        if (
            isinstance(parent, cst.WithItem)
            and parent.item is ref
            and parent.asname is None
        ):
            return
        if isinstance(parent, cst.Await):  # `await client` makes no sense; be safe
            comp.block(ref, CLIENTS, "unexpected use of the client")
            return
        if isinstance(parent, cst.Arg) and parent.value is ref and not parent.star:
            call = self.parent(parent)
            if isinstance(call, cst.Call) and parent in call.args:
                refs = self._parameter_refs(comp, call, parent)
                if refs is not None:
                    return refs
        comp.block(
            ref,
            CLIENTS,
            f"`{code_of(ref)}` is used as a value here (passed on, returned or stored): the tool cannot see what is done with it, so this client is left as it is",
        )

    # ------------------------------------------------------------ passed on

    def _function_of(self, func: cst.BaseExpression) -> Optional[cst.FunctionDef]:
        """The function of this module a called name is bound to (bound once, by its def)."""
        if not isinstance(func, cst.Name):
            return None
        scope = self.scopes.get(func)
        if scope is None:
            return None
        referents = [a.referents for a in scope.accesses[func.value] if a.node is func]
        if len(referents) != 1 or len(referents[0]) != 1:
            return None
        assignment = next(iter(referents[0]))
        node = getattr(assignment, "node", None)
        if (
            not isinstance(node, cst.FunctionDef)
            or len(assignment.scope.assignments[func.value]) != 1
            or node.decorators
            or isinstance(self.parent(self.parent(node)), cst.ClassDef)
        ):
            return None
        return node

    @staticmethod
    def _parameter_for(
        function: cst.FunctionDef, call: cst.Call, arg: cst.Arg
    ) -> Optional[cst.Param]:
        params = function.params
        if any(a.star for a in call.args):
            return None
        if arg.keyword is None:
            index = [a for a in call.args if a.keyword is None].index(arg)
            positional = [*params.posonly_params, *params.params]
            return positional[index] if index < len(positional) else None
        for param in [*params.params, *params.kwonly_params]:
            if param.name.value == arg.keyword.value:
                return param
        return None

    def _parameter_refs(
        self, comp: Component, call: cst.Call, arg: cst.Arg
    ) -> Optional[List[Node]]:
        """`f(client)` with `def f(c)` in this module: the references to `c` in `f`, which
        join the component (every call of `f` must pass this client: checked at the end)."""
        function = self._function_of(call.func)
        if function is None:
            return None
        param = self._parameter_for(function, call, arg)
        if param is None:
            return None
        key = (function, param.name.value)
        if key in comp.passed_to:
            comp.passed_to[key].append(call)
            return []
        comp.passed_to[key] = [call]
        if param.annotation is not None:
            if not self._client_annotation(comp, param.annotation):
                comp.block(
                    param.annotation,
                    CLIENTS,
                    f"the parameter's annotation `{code_of(param.annotation.annotation)}` names azure-ai-inference in a way the tool cannot rewrite: annotate it with openai's client by hand",
                )
        scope = self.scopes.get(function.body)
        if scope is None:
            return None
        assignments = list(scope.assignments[param.name.value])
        if len(assignments) != 1 or getattr(assignments[0], "node", None) is not param:
            comp.block(
                param,
                CLIENTS,
                f"the parameter `{param.name.value}` is assigned again in `{function.name.value}`: the tool cannot tell which client each use means",
            )
            return []
        refs: List[Node] = []
        for access in assignments[0].references:
            if len(access.referents) != 1:
                comp.block(
                    access.node,
                    CLIENTS,
                    f"`{param.name.value}` here may be another value too",
                )
                continue
            refs.append(access.node)
        return refs

    def _client_annotation(self, comp: Component, annotation: cst.Annotation) -> bool:
        """A parameter annotated with the client's own class becomes openai's; an
        annotation that names no azure-ai-inference class is kept.  False otherwise."""
        if isinstance(annotation.annotation, (cst.SimpleString, cst.ConcatenatedString)):
            return not self._names_inference(annotation.annotation)
        name = self.qname(annotation.annotation)
        if name in names.CLIENT_CLASSES:
            if names.CLIENT_CLASSES[name][1] != comp.aio:
                return False
            comp.annotations.add(annotation)
            return True
        return not any(
            (self.qname(node) or "").startswith(names.INFERENCE)
            for node in _walk(annotation)
            if isinstance(node, (cst.Name, cst.Attribute))
        )

    def _names_inference(self, text_node: cst.BaseExpression) -> bool:
        """Whether a string annotation names something imported from azure-ai-inference
        (pyflakes checks the names in string annotations too)."""
        text = string_value(text_node)
        if text is None:
            return True
        try:
            expr = cst.parse_expression(text)
        except cst.ParserSyntaxError:
            return True
        module = self.wrapper.module
        scope = self.scopes.get(module.body[0]) if module.body else None
        if scope is None:
            return True
        for node in _walk(expr):
            if isinstance(node, cst.Name):
                for assignment in scope.assignments[node.value]:
                    imported = getattr(assignment, "node", None)
                    if isinstance(imported, (cst.Import, cst.ImportFrom)) and (
                        names.INFERENCE in code_of(imported)
                    ):
                        return True
        return False

    def _check_passed_to(self, comp: Component) -> None:
        for (function, param), calls in comp.passed_to.items():
            scope = self.scopes.get(function)
            if scope is None:
                comp.block(function, CLIENTS, "no scope")
                continue
            for assignment in scope.assignments[function.name.value]:
                for access in assignment.references:
                    ref = access.node
                    call = self.parent(ref)
                    if not (isinstance(call, cst.Call) and call.func is ref):
                        comp.block(
                            ref,
                            CLIENTS,
                            f"`{function.name.value}` takes the client and is used here other than called: the tool cannot see which client it gets",
                        )
                        continue
                    if call in calls:
                        continue
                    comp.block(
                        call,
                        CLIENTS,
                        f"`{function.name.value}` takes the client as `{param}`, and this call passes it another value (or none): migrate the clients it gets together by hand",
                    )

    # ------------------------------------------------------------ call sites

    # Body keys that stand for a first-class keyword; any other key is sent in the
    # JSON body as it is, which model_extras' handling does (keyword or extra_body).
    BODY_KEYWORDS = (
        mapping.KEEP,
        mapping.MODEL,
        mapping.MESSAGES,
        mapping.RESPONSE_FORMAT,
        mapping.TOOLS,
        mapping.TOOL_CHOICE,
        mapping.STREAM,
        mapping.ENCODING,
    )

    def _body(self, comp: Component, site: Site, arg: cst.Arg) -> List[cst.Arg]:
        """The entries of a literal body dict as keyword arguments (made nodes whose
        parent is their dict entry), or [] with a blocker when it is not one."""
        code = CHAT if comp.api == "chat" else EMBEDDINGS
        api = "chat.completions.create" if comp.api == "chat" else "embeddings.create"
        table = mapping.CHAT if comp.api == "chat" else mapping.EMBEDDINGS
        request = (
            mapping.CHAT_REQUEST if comp.api == "chat" else mapping.EMBEDDINGS_REQUEST
        )
        value = arg.value
        keys = literal_keys(value) if isinstance(value, cst.Dict) else None
        if keys is None or not all(k.isidentifier() for k in keys):
            comp.block(
                arg,
                code,
                f"a body that is not a literal dict with string keys: pass its keys as keywords of {api}",
            )
            return []
        if site.body is not None:
            comp.block(arg, code, "two request bodies")
            return []
        site.body = arg
        made: List[cst.Arg] = []
        extras: List[cst.DictElement] = []
        for element in value.elements:  # type: ignore[attr-defined]
            key = string_value(element.key)
            if _is_none_literal(element.value):
                comp.block(
                    element,
                    code,
                    f"{key}: None in a body is sent as null; openai leaves a None keyword out: decide by hand",
                )
                return []
            row = table.get(key)
            first_class = row is not None and row.action in self.BODY_KEYWORDS
            if first_class and (key in request or key in ("stream", "input")):
                made_arg = cst.Arg(keyword=cst.Name(key), value=element.value)
                self.made_parents[made_arg] = element
                made.append(made_arg)
            elif key == "model_extras" or (row is not None and row.action == mapping.TODO):
                comp.block(
                    element,
                    code,
                    f"the body's {key!r} has no openai keyword: pass the request by hand",
                )
                return []
            else:
                extras.append(element)
        site.body_keywords = tuple(a.keyword.value for a in made)  # type: ignore[union-attr]
        if extras:
            extras_dict = cst.Dict(elements=extras)
            self.made_parents[extras_dict] = value
            made_arg = cst.Arg(keyword=cst.Name("model_extras"), value=extras_dict)
            self.made_parents[made_arg] = value
            made.append(made_arg)
        return made

    def _site(self, comp: Component, site: Site) -> None:
        call = site.call
        table = mapping.CHAT if comp.api == "chat" else mapping.EMBEDDINGS
        request = (
            mapping.CHAT_REQUEST if comp.api == "chat" else mapping.EMBEDDINGS_REQUEST
        )
        args = list(call.args)
        for index, arg in enumerate(call.args):
            positional_body = index == 0 and arg.keyword is None and not arg.star
            if positional_body or (arg.keyword is not None and arg.keyword.value == "body"):
                made = self._body(comp, site, arg)
                args = [a for a in args if a is not arg] + made
                if not made:
                    continue
                given = [
                    a.keyword.value
                    for a in call.args
                    if a.keyword is not None
                    and (a.keyword.value in request or a.keyword.value == "stream")
                ]
                if given:
                    comp.block(
                        arg,
                        CHAT if comp.api == "chat" else EMBEDDINGS,
                        f"a request body and {', '.join(k + '=' for k in given)}: azure-ai-inference sends the body and ignores those keywords; keep one by hand",
                    )
        for arg in args:
            if arg.star:
                comp.block(
                    arg,
                    CHAT if comp.api == "chat" else EMBEDDINGS,
                    f"`{code_of(arg)}` hides the call's keywords: pass them by name (the tool maps each keyword)",
                )
                continue
            if arg.keyword is None:
                comp.block(
                    arg,
                    CHAT if comp.api == "chat" else EMBEDDINGS,
                    f"a positional body: pass its keys as keywords of {'chat.completions.create' if comp.api == 'chat' else 'embeddings.create'}",
                )
                continue
            name = arg.keyword.value
            site.kwargs[name] = arg
            row = table.get(name)
            if row is None:
                comp.block(
                    arg,
                    CHAT if comp.api == "chat" else EMBEDDINGS,
                    f"{name}= is not a keyword the tool knows for this call",
                )
            elif row.action == mapping.TODO:
                comp.block(
                    arg,
                    CHAT if comp.api == "chat" else EMBEDDINGS,
                    f"{name}= has no direct openai equivalent: {row.note}",
                )
        code = CHAT if comp.api == "chat" else EMBEDDINGS
        if (
            comp.api == "embeddings"
            and "input" not in site.kwargs
            and not comp.blockers
        ):
            comp.block(call, code, "embed() without input=")
        for name in ("input_type",):
            if comp.api == "embeddings" and name in comp.kwargs:
                comp.block(
                    comp.kwargs[name],
                    EMBEDDINGS,
                    "input_type (query/document/text) has no openai equivalent: the service may or may not accept it in extra_body; decide by hand",
                )
        for source in (
            site.kwargs.get("encoding_format"),
            comp.kwargs.get("encoding_format"),
        ):
            if source is not None:
                value = self._static_enum_or_string(source.value)
                if value not in names.OPENAI_ENCODINGS:
                    comp.block(
                        source,
                        EMBEDDINGS,
                        (
                            "encoding_format other than float/base64 (binary, int8, ubinary, uint8) has no openai equivalent"
                            if value
                            else "encoding_format is not a literal the tool can check (openai takes only float or base64)"
                        ),
                    )
        extras = site.kwargs.get("model_extras")
        if extras is not None and isinstance(extras.value, cst.Dict):
            keys = literal_keys(extras.value)
            if keys is None:
                comp.block(
                    extras,
                    code,
                    "model_extras with keys the tool cannot read: use extra_body={...} by hand",
                )
            else:
                site.extras = keys
        stream = site.kwargs.get("stream")
        if stream is not None:
            if isinstance(stream.value, cst.Name) and stream.value.value in (
                "True",
                "False",
                "None",
            ):
                site.stream = stream.value.value == "True"
            else:
                comp.block(
                    stream,
                    RESPONSES,
                    "stream= is not a literal True/False: a stream needs a loop guard the tool adds only where it knows the call streams",
                )
        self._portable_defaults(comp, site)
        self._model(comp, site)
        self._response(comp, site)

    def _static_enum_or_string(self, expr: cst.BaseExpression) -> Optional[str]:
        value = string_value(expr)
        if value is not None:
            return value
        name = self.qname(expr)
        if name and name.startswith(names.MODELS):
            parts = name[len(names.MODELS) :].split(".")
            if len(parts) == 2 and parts[0] in names.ENUMS:
                return names.ENUMS[parts[0]].get(parts[1])
        return None

    def _portable_defaults(self, comp: Component, site: Site) -> None:
        request = (
            mapping.CHAT_REQUEST if comp.api == "chat" else mapping.EMBEDDINGS_REQUEST
        )
        if site.body is not None:
            return  # with a body, azure-ai-inference applies no client-level default
        for name, arg in comp.kwargs.items():
            if name in request and name not in site.kwargs and name != "model":
                if not self.portable(arg.value, comp, site):
                    comp.block(
                        arg,
                        CHAT if comp.api == "chat" else EMBEDDINGS,
                        f"the client-level {name}= must be passed on every call with openai, and `{code_of(arg.value)}` cannot be evaluated at the call: pass it on each call by hand",
                    )

    def _model(self, comp: Component, site: Site) -> None:
        code = CHAT if comp.api == "chat" else EMBEDDINGS
        endpoint = comp.endpoint
        if endpoint is None:
            return
        model = site.kwargs.get("model")
        if model is None and site.body is None:
            model = comp.kwargs.get("model")
        if (
            model is not None
            and model is comp.kwargs.get("model")
            and not self.portable(model.value, comp, site)
        ):
            comp.block(
                model,
                code,
                f"openai needs model= on every call and the client-level `{code_of(model.value)}` cannot be evaluated at the call: pass model= on each call by hand",
            )
            return
        if endpoint.static is not None:
            if endpoint.deployment is None and model is None:
                comp.block(
                    site.call,
                    code,
                    'openai needs model= (the deployment name) on every call, and neither the call, the client nor the endpoint names one: add model="<deployment>"',
                )
            return
        if endpoint.deployment is not None:
            return
        if endpoint.deployment_expr is not None and self.portable(
            endpoint.deployment_expr, comp, site
        ):
            return
        if not self.portable(endpoint.expr, comp, site):
            comp.block(
                site.call,
                code,
                f'openai needs model= on every call: the deployment may be in the endpoint URL, but `{code_of(endpoint.expr)}` cannot be evaluated at the call: pass model="<deployment>" by hand',
            )

    def portable(self, expr: cst.BaseExpression, comp: Component, site: Site) -> bool:
        """Whether `expr`, written at the client's construction, means the same at the call site."""
        if comp.foreign is not None:  # built in another file
            return expr in comp.foreign
        same_scope = comp.scope is site.scope
        for node in _walk(expr):
            if isinstance(
                node,
                (
                    cst.Lambda,
                    cst.GeneratorExp,
                    cst.ListComp,
                    cst.DictComp,
                    cst.SetComp,
                    cst.NamedExpr,
                    cst.Await,
                    cst.Yield,
                ),
            ):
                return False
            if isinstance(node, cst.Call):
                func = self.qname(node.func)
                if func in ENV_READS:
                    continue
                if isinstance(node.func, cst.Attribute) and node.func.attr.value in (
                    "rstrip",
                    "strip",
                    "lstrip",
                    "format",
                    "lower",
                    "replace",
                ):
                    continue
                if self.model_class(node.func) is not None:
                    continue
                return False
            if isinstance(node, cst.Name):
                if node in comp.param_refs:
                    continue  # the factory's parameter: its value at the call is substituted
                parent = self.parent(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                if (
                    isinstance(parent, (cst.Arg, cst.DictElement))
                    and getattr(parent, "keyword", None) is node
                ):
                    continue
                if node.value in ("True", "False", "None"):
                    continue
                if not self._stable_name(node, same_scope):
                    return False
        return True

    def _stable_name(self, name: cst.Name, same_scope: bool) -> bool:
        scope = self.scopes.get(name)
        if scope is None:
            return False
        referents = None
        for access in scope.accesses[name.value]:
            if access.node is name:
                referents = list(access.referents)
        if referents is None:
            return False
        if not referents:
            return hasattr(builtins, name.value)
        if len(referents) != 1:
            return False
        assignment = referents[0]
        if isinstance(assignment.scope, GlobalScope):
            return len(assignment.scope.assignments[name.value]) == 1
        return same_scope and len(assignment.scope.assignments[name.value]) == 1

    # ------------------------------------------------------------ responses

    def _response(self, comp: Component, site: Site) -> None:
        node: Node = site.call
        parent = self.parent(node)
        if isinstance(parent, cst.Await):
            node, parent = parent, self.parent(parent)
        kind = (
            "update"
            if site.stream
            else ("completion" if comp.api == "chat" else "embeddings")
        )
        if site.stream:
            self._stream_consumers(comp, node)
        else:
            self._track(comp, node, kind)

    def _stream_consumers(self, comp: Component, node: Node) -> None:
        parent = self.parent(node)
        if isinstance(parent, (cst.For,)) and parent.iter is node:
            self._stream_loop(comp, parent, parent.target)
            return
        if isinstance(parent, cst.CompFor) and parent.iter is node:
            self._stream_loop(comp, parent, parent.target)
            return
        targets: List[cst.Name] = []
        if (
            isinstance(parent, cst.Assign)
            and len(parent.targets) == 1
            and isinstance(parent.targets[0].target, cst.Name)
        ):
            targets.append(parent.targets[0].target)
        elif (
            isinstance(parent, cst.WithItem)
            and parent.item is node
            and parent.asname is not None
            and isinstance(parent.asname.name, cst.Name)
        ):
            targets.append(parent.asname.name)
        if not targets:
            comp.block(
                node,
                RESPONSES,
                "the stream is consumed where the tool cannot add the guard openai needs (Azure sends chunks with choices == [], which azure-ai-inference dropped): iterate it in a for loop here, or add `if not chunk.choices and not chunk.usage: continue` by hand",
            )
            return
        for ref in self._name_refs(comp, targets[0]):
            parent = self.parent(ref)
            if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is ref:
                self._stream_loop(comp, parent, parent.target)
            elif isinstance(parent, cst.Attribute) and parent.attr.value == "close":
                continue
            elif isinstance(parent, cst.WithItem):
                continue
            else:
                comp.block(
                    ref,
                    RESPONSES,
                    "the stream is consumed where the tool cannot add the guard openai needs (Azure sends chunks with choices == [], which azure-ai-inference dropped): iterate it in a for loop here, or add `if not chunk.choices and not chunk.usage: continue` by hand",
                )

    def _stream_loop(
        self, comp: Component, loop: Node, target: cst.BaseExpression
    ) -> None:
        if not isinstance(target, cst.Name):
            comp.block(
                loop,
                RESPONSES,
                "the loop over the stream unpacks its items: the tool cannot add the guard openai needs",
            )
            return
        comp.loops[loop] = target.value
        for ref in self._loop_target_refs(loop, target):
            self._track(comp, ref, "update")

    def _loop_target_refs(self, loop: Node, target: cst.Name) -> List[Node]:
        scope = self.scopes.get(target)
        if scope is None:
            return []
        refs = []
        for assignment in scope.assignments[target.value]:
            if getattr(assignment, "node", None) is target:
                refs.extend(a.node for a in assignment.references)
        return refs

    def _track(self, comp: Component, start: Node, kind: str) -> None:
        work: List[Tuple[Node, str]] = [(start, kind)]
        seen: Set[int] = set()
        while work:
            node, kind = work.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            parent = self.parent(node)
            if isinstance(parent, cst.Attribute) and parent.value is node:
                attr = parent.attr.value
                grand = self.parent(parent)
                is_call = isinstance(grand, cst.Call) and grand.func is parent
                if attr == "as_dict" and is_call:
                    comp.as_dicts.add(grand)
                    continue
                if attr == "get" and is_call:
                    args = grand.args
                    key = (
                        string_value(args[0].value)
                        if args and not args[0].keyword
                        else None
                    )
                    if key is None or len(args) != 1 or not key.isidentifier():
                        comp.block(
                            grand,
                            RESPONSES,
                            f"`{code_of(grand)}`: openai responses are objects, not mappings (no .get); read the attribute by hand",
                        )
                        continue
                    comp.gets.add(grand)
                    if key not in SCALAR_FIELDS:
                        work.append((grand, "other"))
                    continue
                if attr in (
                    "keys",
                    "items",
                    "values",
                    "__getitem__",
                    "__contains__",
                    "update",
                    "pop",
                    "setdefault",
                ):
                    comp.block(
                        parent,
                        RESPONSES,
                        f"`{code_of(parent)}`: openai responses are objects, not mappings; use .model_dump() by hand",
                    )
                    continue
                if attr == "created" and kind in ("completion", "update"):
                    comp.created.add(parent)
                    continue
                if attr in SCALAR_FIELDS:
                    continue
                work.append((parent, "other"))
                continue
            if isinstance(parent, cst.Subscript) and parent.value is node:
                key = None
                if len(parent.slice) == 1 and isinstance(
                    parent.slice[0].slice, cst.Index
                ):
                    key = string_value(parent.slice[0].slice.value)
                if key is not None:
                    if not key.isidentifier():
                        comp.block(
                            parent,
                            RESPONSES,
                            f"`{code_of(parent)}`: openai responses are objects, not mappings",
                        )
                        continue
                    grand = self.parent(parent)
                    if (
                        isinstance(grand, (cst.AssignTarget, cst.Del))
                        or isinstance(grand, cst.AugAssign)
                        and grand.target is parent
                    ):
                        comp.block(
                            parent,
                            RESPONSES,
                            "writing into a response: openai responses are objects",
                        )
                        continue
                    comp.subscripts.add(parent)
                    if key not in SCALAR_FIELDS:
                        work.append((parent, "other"))
                    continue
                work.append((parent, "other"))
                continue
            if isinstance(parent, cst.Assign) and parent.value is node:
                if len(parent.targets) == 1 and isinstance(
                    parent.targets[0].target, cst.Name
                ):
                    for ref in self._response_refs(comp, parent.targets[0].target):
                        work.append((ref, kind))
                else:
                    comp.todos.append(
                        (
                            parent,
                            RESPONSES,
                            "a response is stored where the tool cannot follow it: openai responses are read by attribute only (no ['key'], no .get()); check the reads",
                        )
                    )
                continue
            if isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node:
                if isinstance(parent.target, cst.Name):
                    for ref in self._loop_target_refs(parent, parent.target):
                        work.append((ref, "other"))
                continue
            if isinstance(parent, cst.Comparison) or isinstance(
                parent, cst.ComparisonTarget
            ):
                continue
            if isinstance(parent, cst.Arg):
                call = self.parent(parent)
                func = getattr(call, "func", None)
                if (
                    isinstance(func, cst.Name)
                    and func.value in HARMLESS_CONSUMERS
                    and self.qname(func) is None
                ):
                    continue
                if kind == "other" and _is_list_append(call, parent):
                    continue
                if call in self.model_calls:
                    continue  # becomes a value in a message dict openai serializes
            if isinstance(
                parent, (cst.Return, cst.Yield, cst.Arg, cst.Element, cst.DictElement)
            ):
                comp.todos.append(
                    (
                        node,
                        RESPONSES,
                        f"{_what(node, parent)} openai responses are read by attribute only (no ['key'], .get() or .as_dict(); .created is an int): check the code that reads it",
                    )
                )
                continue


def _what(node: Node, parent: Optional[Node]) -> str:
    text = (
        code_of(node) if not isinstance(node, (cst.Call, cst.Await)) else "the response"
    )
    if len(text) > 40:
        text = "the response"
    if isinstance(parent, cst.Return):
        return f"{text} is returned:"
    if isinstance(parent, cst.Yield):
        return f"{text} is yielded:"
    return f"{text} is passed on:"


def _simple(node: cst.BaseExpression) -> bool:
    return isinstance(
        node,
        (
            cst.SimpleString,
            cst.Integer,
            cst.Float,
            cst.Name,
            cst.Attribute,
            cst.ConcatenatedString,
        ),
    )


def _is_list_append(call: Optional[Node], arg: cst.Arg) -> bool:
    return (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "append"
    )


def _arg(call: cst.Call, index: int, keyword: str) -> Optional[cst.BaseExpression]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for a in call.args:
        if a.keyword is not None and a.keyword.value == keyword:
            return a.value
    if len(positional) > index:
        return positional[index].value
    return None


def _static_text(expr: cst.BaseExpression) -> Optional[str]:
    """The literal text an f-string or concatenation starts with (enough to see its host)."""
    if isinstance(expr, cst.FormattedString):
        text = ""
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                text += part.value
            else:
                break
        return text or None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return (
            string_value(expr.left)
            if isinstance(expr.left, (cst.SimpleString, cst.ConcatenatedString))
            else _static_text(expr.left)
        )
    return None


def _walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


class _Collector(cst.CSTVisitor):
    def __init__(self, planner: Planner) -> None:
        super().__init__()
        self.p = planner
        self.constructions: List[Tuple[cst.Call, Tuple[str, bool]]] = []
        self.no_equivalent: List[Tuple[Node, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        name = self.p.qname(node.func)
        if name is None:
            return
        if name in names.CLIENT_CLASSES:
            self.constructions.append((node, names.CLIENT_CLASSES[name]))
        elif name in names.NO_EQUIVALENT and isinstance(node.func, cst.Attribute):
            self.no_equivalent.append((node, names.NO_EQUIVALENT[name]))
        elif name in names.LOADERS:
            self.p.loaders.append(node)
        elif name.startswith(names.MODELS):
            cls = name[len(names.MODELS) :]
            if cls in names.MODEL_DICTS:
                self.p.model_calls[node] = cls
            elif cls == names.JSON_SCHEMA_FORMAT:
                self.p.json_formats.add(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = self.p.qname(node)
        if name and name.startswith(names.MODELS):
            parts = name[len(names.MODELS) :].split(".")
            if (
                len(parts) == 2
                and parts[0] in names.ENUMS
                and parts[1] in names.ENUMS[parts[0]]
            ):
                self.p.enum_refs[node] = names.ENUMS[parts[0]][parts[1]]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is not None:
            self.p.handlers.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        parent = self.p.parent(node)
        if isinstance(parent, cst.ImportAlias) or (
            isinstance(parent, cst.Attribute) and parent.attr is node
        ):
            return
        name = self.p.qname(node)
        if name in names.NO_EQUIVALENT:
            self.no_equivalent.append((node, names.NO_EQUIVALENT[name]))
