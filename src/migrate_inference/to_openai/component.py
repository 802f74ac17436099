"""The data of a `--to openai` plan: the components (one client value each), their
call sites, endpoint and credential, the module's edits (`Plan`), and the tree walk
the planner uses everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import Scope

from migrate_inference.rules.base import RuleContext

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


ENV_READS = frozenset({"os.getenv", "os.environ.get", "os.environ"})


def walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


@dataclass
class Plan:
    clients: Dict[cst.Call, Component] = field(default_factory=dict)
    sites: Dict[cst.Call, Tuple[Component, Site]] = field(default_factory=dict)
    subscripts: Set[cst.Subscript] = field(default_factory=set)
    gets: Set[cst.Call] = field(default_factory=set)
    as_dicts: Set[cst.Call] = field(default_factory=set)
    created: Set[cst.Attribute] = field(default_factory=set)
    annotations: Dict[cst.Annotation, str] = field(default_factory=dict)  # -> class
    loops: Dict[Node, str] = field(default_factory=dict)
    model_calls: Dict[cst.Call, str] = field(default_factory=dict)
    json_formats: Set[cst.Call] = field(default_factory=set)
    enum_refs: Dict[cst.Attribute, str] = field(default_factory=dict)
    handler_types: Dict[cst.ExceptHandler, cst.BaseExpression] = field(
        default_factory=dict
    )
    todo_at: Dict[Node, List[Tuple[str, str]]] = field(default_factory=dict)
    helpers: Set[str] = field(default_factory=set)
    datetime_form: str = "module"
    openai_module_free: bool = True
    ctx: Optional[RuleContext] = None
    both_providers: bool = False

    def todo(self, node: Node, code: str, message: str) -> None:
        notes = self.todo_at.setdefault(node, [])
        if (code, message) not in notes:
            notes.append((code, message))

    def provider_name(self, aio: bool) -> str:
        assert self.ctx is not None
        if aio:
            if self.both_providers:
                self.ctx.need_import(
                    "azure.identity.aio",
                    "get_bearer_token_provider",
                    "get_async_bearer_token_provider",
                )
                return "get_async_bearer_token_provider"
            self.ctx.need_import("azure.identity.aio", "get_bearer_token_provider")
        else:
            self.ctx.need_import("azure.identity", "get_bearer_token_provider")
        return "get_bearer_token_provider"

    def openai_name(self, cls: str) -> cst.BaseExpression:
        assert self.ctx is not None
        self.ctx.need_import("openai", cls)
        return cst.Name(cls)

    def exception(self, cls: str) -> cst.BaseExpression:
        assert self.ctx is not None
        if self.openai_module_free:
            self.ctx.need_import("openai")
            return cst.Attribute(value=cst.Name("openai"), attr=cst.Name(cls))
        self.ctx.need_import("openai", cls)
        return cst.Name(cls)
