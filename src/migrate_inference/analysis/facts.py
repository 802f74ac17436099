"""The analysis pass: facts about OpenAI usage in one module, gathered before any rewrite.

Everything here is read-only and keyed by the original CST nodes, which the rules
receive again as ``original_node`` in the single rewriting pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

import libcst as cst
from libcst.metadata import (
    ParentNodeProvider,
    QualifiedNameProvider,
    ScopeProvider,
)

from migrate_inference.analysis.names import (
    imported_names,
    is_global,
    referents,
    string_value,
)
from migrate_inference.analysis.responses import ResponseTypes
from migrate_inference.mapping import MODULE_CONFIG

# qualified name -> (api, is_async, generation).  `openai.chat.completions.create` is v1's
# module-level client, configured like v0 by `openai.api_key = ...`.
V0_CALLS = {
    "openai.ChatCompletion.create": ("chat", False, "v0"),
    "openai.ChatCompletion.acreate": ("chat", True, "v0"),
    "openai.Embedding.create": ("embeddings", False, "v0"),
    "openai.Embedding.acreate": ("embeddings", True, "v0"),
    "openai.chat.completions.create": ("chat", False, "v1"),
    "openai.embeddings.create": ("embeddings", False, "v1"),
}
V0_OUT_OF_SCOPE_PREFIXES = (
    "openai.Completion.",
    "openai.Edit.",
    "openai.Image.",
    "openai.Model.",
    "openai.Moderation.",
    "openai.Audio.",
    "openai.File.",
    "openai.FineTune.",
    "openai.FineTuningJob.",
    "openai.Engine.",
    "openai.Deployment.",
    "openai.Customer.",
)
BLOCKING_CONFIG = ("api_key", "api_base", "base_url", "api_type", "api_version")
AZURE_API_TYPES = {"azure", "azure_ad", "azuread"}
AAD_API_TYPES = {"azure_ad", "azuread"}
ENV_READERS = {"os.getenv", "os.environ.get", "os.environ"}


@dataclass
class ConfigAssign:
    attr: str
    value: cst.BaseExpression
    statement: cst.SimpleStatementLine
    small: cst.Assign
    at_module_level: bool
    unconditional: bool  # a direct statement of the module or of a function body
    portable: bool  # the value can be evaluated anywhere in the module (no locals)
    simple: bool  # a literal, a name, an attribute chain or an environment read
    # X of `os.getenv("X")` / `os.environ.get("X")` with no default: None when X is unset
    optional_env: Optional[str] = None


@dataclass
class ChatCall:
    """One call of the module-level API (v0, or v1's module client): chat or embeddings."""

    node: cst.Call
    is_async: bool
    api: str  # "chat" or "embeddings"
    generation: str  # "v0" or "v1"
    kwargs: Dict[str, cst.Arg]
    has_splat: bool
    has_positional: bool
    deployment: Optional[cst.BaseExpression]  # engine=/deployment_id=/model= value
    deployment_literal: Optional[str]
    per_call_client: bool  # api_key=/api_base=/api_type=/api_version= on the call
    stream: Optional[bool]  # True/False when literal, None when unknown or absent


@dataclass
class Facts:
    chat_calls: Dict[cst.Call, ChatCall] = field(default_factory=dict)
    chat_refs: List[cst.CSTNode] = field(default_factory=list)  # create used as a value
    module_aliases: List[cst.CSTNode] = field(default_factory=list)  # `x = openai`
    json_calls: Set[cst.Call] = field(default_factory=set)  # json.dumps/json.dump
    str_names: Set[cst.Name] = field(
        default_factory=set
    )  # uses of parameters annotated `str`
    # `response_format=NAME` where NAME is bound once, to a dict literal, and used only as
    # a response_format: the dict it holds
    response_formats: Dict[cst.Name, cst.Dict] = field(default_factory=dict)
    out_of_scope: Dict[cst.Call, str] = field(default_factory=dict)
    config: Dict[str, List[ConfigAssign]] = field(default_factory=dict)
    config_reads: Dict[str, List[cst.CSTNode]] = field(default_factory=dict)
    # other files of the project that set the openai module's configuration (project index)
    config_elsewhere: List[str] = field(default_factory=list)
    # functions of this file that forward **kwargs to OpenAI, imported by other files
    forwarders_elsewhere: Dict[str, List[str]] = field(default_factory=dict)
    module_names: Set[str] = field(default_factory=set)  # every name bound anywhere
    messages: Dict[cst.Dict, str] = field(default_factory=dict)  # dict -> message class
    request_literals: Dict[cst.CSTNode, str] = field(
        default_factory=dict
    )  # tools, tool_choice, content parts
    responses: Optional[ResponseTypes] = None
    v1: Optional["object"] = None  # analysis.v1.V1Facts
    splats: Optional["object"] = None  # analysis.splats.SplatDicts
    functions: Optional["object"] = None  # analysis.functions_plan.FunctionsPlan

    def config_value(self, attr: str) -> Optional[ConfigAssign]:
        values = self.config.get(attr, [])
        return values[-1] if values else None

    def config_ambiguous(self) -> Optional[str]:
        """Why the module config cannot be turned into one client, or None."""
        for attr in BLOCKING_CONFIG:
            values = self.config.get(attr, [])
            codes = {cst.Module([]).code_for_node(v.value) for v in values}
            if len(codes) > 1:
                return f"openai.{attr} is set to different values in this file"
            for v in values:
                if not v.unconditional:
                    return f"openai.{attr} is set inside a condition, loop or try block (chosen at run time)"
                if not v.portable:
                    return f"openai.{attr} is set from a value local to a function (a parameter, `self`, a local)"
        return None

    def api_type(self) -> Optional[str]:
        value = self.config_value("api_type")
        if value is None:
            return None
        literal = string_value(value.value)
        return literal.lower() if literal is not None else "unknown"


def _literal_bool(node: cst.BaseExpression) -> Optional[bool]:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, ParentNodeProvider)

    def __init__(self, facts: Facts) -> None:
        super().__init__()
        self.facts = facts

    def _imported(self, node: cst.CSTNode) -> Set[str]:
        return imported_names(self.get_metadata(QualifiedNameProvider, node, set()))

    # -- calls ------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        names = self._imported(node.func)
        if names & {"json.dumps", "json.dump"}:
            self.facts.json_calls.add(node)
        for name in names:
            if name in V0_CALLS:
                self.facts.chat_calls[node] = self._chat_call(node, *V0_CALLS[name])
                return
            if name.startswith(V0_OUT_OF_SCOPE_PREFIXES):
                self.facts.out_of_scope[node] = name
                return

    def _chat_call(
        self, node: cst.Call, api: str, is_async: bool, generation: str
    ) -> ChatCall:
        kwargs: Dict[str, cst.Arg] = {}
        has_splat = has_positional = False
        for arg in node.args:
            if arg.star:
                has_splat = True
            elif arg.keyword is None:
                has_positional = True
            else:
                kwargs[arg.keyword.value] = arg
        deployment = None
        for key in ("deployment_id", "engine", "model"):
            if key in kwargs:
                deployment = kwargs[key].value
                break
        stream_arg = kwargs.get("stream")
        return ChatCall(
            node=node,
            is_async=is_async,
            api=api,
            generation=generation,
            kwargs=kwargs,
            has_splat=has_splat,
            has_positional=has_positional,
            deployment=deployment,
            deployment_literal=(
                string_value(deployment) if deployment is not None else None
            ),
            per_call_client=any(
                k in kwargs for k in ("api_key", "api_base", "api_type", "api_version")
            ),
            stream=_literal_bool(stream_arg.value) if stream_arg is not None else False,
        )

    # -- the openai module itself used as a value (`self.llm = openai`) ----------
    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(
            node.value, (cst.Name, cst.Attribute)
        ) and "openai" in self._imported(node.value):
            self.facts.module_aliases.append(node.value)

    # -- references to create that are not calls ----------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        names = self._imported(node)
        if not names:
            return
        parent = self.get_metadata(ParentNodeProvider, node, None)
        if names & set(V0_CALLS):
            if not (isinstance(parent, cst.Call) and parent.func is node):
                self.facts.chat_refs.append(node)
            return
        for name in names:
            if name.startswith("openai.") and name.count(".") == 1:
                attr = name.split(".", 1)[1]
                if attr in MODULE_CONFIG and not self._is_assign_target(node, parent):
                    self.facts.config_reads.setdefault(attr, []).append(node)

    @staticmethod
    def _is_assign_target(node: cst.CSTNode, parent: Optional[cst.CSTNode]) -> bool:
        return isinstance(parent, cst.AssignTarget) and parent.target is node

    # -- module config ------------------------------------------------------
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        for small in node.body:
            if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                continue
            target = small.targets[0].target
            if not isinstance(target, cst.Attribute):
                continue
            names = self._imported(target)
            attr = next(
                (
                    n.split(".", 1)[1]
                    for n in names
                    if n.startswith("openai.") and n.count(".") == 1
                ),
                None,
            )
            if attr is None or attr not in MODULE_CONFIG:
                continue
            self.facts.config.setdefault(attr, []).append(
                self._config_assign(attr, node, small)
            )

    def _config_assign(
        self, attr: str, stmt: cst.SimpleStatementLine, small: cst.Assign
    ) -> ConfigAssign:
        parent = self.get_metadata(ParentNodeProvider, stmt, None)
        at_module = isinstance(parent, cst.Module)
        unconditional = at_module or (
            isinstance(parent, cst.IndentedBlock)
            and isinstance(
                self.get_metadata(ParentNodeProvider, parent, None), cst.FunctionDef
            )
        )
        portable = unconditional and self._portable(small.value)
        return ConfigAssign(
            attr=attr,
            value=small.value,
            statement=stmt,
            small=small,
            at_module_level=at_module,
            unconditional=unconditional,
            portable=portable,
            simple=self._simple(small.value),
            optional_env=self._optional_env(small.value),
        )

    def _optional_env(self, expr: cst.BaseExpression) -> Optional[str]:
        """The variable of `os.getenv("X")` / `os.environ.get("X")` (None when unset), else None.

        `rules/v1_constructor.py` has its own: it also takes `os.environ("X")` (see there)."""
        if not (isinstance(expr, cst.Call) and len(expr.args) == 1):
            return None
        if not self._imported(expr.func) & {"os.getenv", "os.environ.get"}:
            return None
        return string_value(expr.args[0].value)

    def _portable(self, expr: cst.BaseExpression) -> bool:
        """No name in `expr` refers to a function local, a parameter or `self`."""
        ok = True

        collector = self

        class Names(cst.CSTVisitor):
            def visit_Name(self, name: cst.Name) -> None:
                nonlocal ok
                scope = collector.get_metadata(ScopeProvider, name, None)
                refs = referents(scope, name)
                if refs is None:
                    return  # an attribute name or keyword, not an access
                for ref in refs:
                    if not is_global(ref.scope):
                        ok = False

            def visit_Lambda(self, node: cst.Lambda) -> bool:
                nonlocal ok
                ok = False
                return False

        expr.visit(Names())
        return ok

    def _simple(self, expr: cst.BaseExpression) -> bool:
        """Cheap and side-effect free to evaluate again later: literal, name, attribute, env read."""
        if isinstance(
            expr,
            (
                cst.SimpleString,
                cst.ConcatenatedString,
                cst.Integer,
                cst.Name,
                cst.Attribute,
            ),
        ):
            return True
        if isinstance(expr, cst.Call):
            names = self._imported(expr.func)
            return bool(names & ENV_READERS) and all(
                self._simple(a.value) for a in expr.args
            )
        if isinstance(expr, cst.Subscript):
            return bool(self._imported(expr.value) & ENV_READERS)
        if isinstance(expr, cst.FormattedString):
            return all(
                self._simple(part.expression)
                for part in expr.parts
                if isinstance(part, cst.FormattedStringExpression)
            )
        return False

    # -- every bound name, to avoid collisions ---------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        self.facts.module_names.add(node.value)
        scope = self.get_metadata(ScopeProvider, node, None)
        refs = referents(scope, node)
        if refs and len(refs) == 1:
            param = getattr(next(iter(refs)), "node", None)
            if isinstance(param, cst.Param) and param.annotation is not None:
                annotation = param.annotation.annotation
                if isinstance(annotation, cst.Name) and annotation.value == "str":
                    self.facts.str_names.add(node)  # a parameter annotated `str`
        if refs and len(refs) == 1 and self._is_response_format(node):
            value = self._dict_constant(next(iter(refs)))
            if value is not None:
                self.facts.response_formats[node] = value

    def _is_response_format(self, node: cst.CSTNode) -> bool:
        arg = self.get_metadata(ParentNodeProvider, node, None)
        return (
            isinstance(arg, cst.Arg)
            and arg.value is node
            and arg.keyword is not None
            and arg.keyword.value == "response_format"
        )

    def _dict_constant(self, assignment: object) -> Optional[cst.Dict]:
        """The dict literal a name is bound to once, when every use is a response_format."""
        target = getattr(assignment, "node", None)
        if not isinstance(target, cst.Name):
            return None
        assign_target = self.get_metadata(ParentNodeProvider, target, None)
        assign = (
            self.get_metadata(ParentNodeProvider, assign_target, None)
            if isinstance(assign_target, cst.AssignTarget)
            else None
        )
        if not (
            isinstance(assign, cst.Assign)
            and len(assign.targets) == 1
            and isinstance(assign.value, cst.Dict)
        ):
            return None
        scope = getattr(assignment, "scope", None)
        if scope is None or len(scope.assignments[target.value]) != 1:
            return None
        uses = getattr(assignment, "references", ())
        if not all(self._is_response_format(use.node) for use in uses):
            return None
        return assign.value


def collect(wrapper: cst.MetadataWrapper) -> Facts:
    facts = Facts()
    wrapper.visit(_Collector(facts))
    return facts
