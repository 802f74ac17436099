"""MI340 errors: OpenAI exception classes to `azure.core.exceptions`.

Every reference that resolves to an OpenAI exception class (v0 `openai.error.X`,
`from openai.error import X`, top-level `openai.X`, v1 `from openai import X`) is
rewritten where it appears: `except` clauses (tuples too), `isinstance` checks,
`raise`, tenacity's `retry_if_exception_type(...)`, backoff's
`on_exception(wait, X)`, class bases and plain references (a tuple of classes kept
in a variable).  A name the user defined (`class RateLimitError(Exception)`,
`from mylib import APIError`) is never touched.

Classes with an Azure counterpart are renamed: `AuthenticationError` to
`ClientAuthenticationError`, `NotFoundError` to `ResourceNotFoundError`,
`ConflictError`/`TryAgain` to `ResourceExistsError`, `APIStatusError` and v0's
`openai.error.APIError` (any other HTTP status) to `HttpResponseError`,
`OpenAIError`/v1 `APIError` to `AzureError`, `Timeout`/`APITimeoutError` to
`(ServiceRequestTimeoutError, ServiceResponseTimeoutError)` and
`APIConnectionError` to `(ServiceRequestError, ServiceResponseError)`.

Classes that only meant one HTTP status have no Azure class: they become
`HttpResponseError` plus a status check, so the catch is not widened.
`RateLimitError` is 429, `BadRequestError` 400, v0 `InvalidRequestError` 400/404/415
(the statuses openai 0.28 raised it for), `UnprocessableEntityError` 422,
`PermissionError`/`PermissionDeniedError` 403, `ServiceUnavailableError` 503 and
`InternalServerError` 500 and above:

* `except RateLimitError as e:` becomes `except HttpResponseError as e:` whose first
  statement is `if e.status_code != 429: raise` (a name is added when the clause
  had none).  Clauses that named only unrelated OpenAI classes (so their order did not
  matter) are put most specific first where azure's classes nest
  (`except ClientAuthenticationError` before `except HttpResponseError`).  When a
  re-raise would still skip a later clause of the same `try` (another status clause,
  `except APIError`, `except Exception`), the clauses concerned are merged into one
  `except` that dispatches on `isinstance`/`status_code` with `if`/`elif`, in order,
  and ends in `else: raise`.
* A status class handed to a function of the same module that only uses that
  parameter as a whole except type (`@retry_on(RateLimitError)` over
  `except exception_type:`) becomes `HttpResponseError`, and those clauses re-raise
  an `HttpResponseError` of another status; only when every call of the function
  passes the same status class or a builtin exception class.
* `isinstance(e, RateLimitError)` becomes
  `(isinstance(e, HttpResponseError) and e.status_code == 429)`.
* `retry_if_exception_type(RateLimitError)` becomes
  `retry_if_exception(lambda e: isinstance(e, HttpResponseError) and e.status_code == 429)`;
  `backoff.on_exception(backoff.expo, RateLimitError)` becomes
  `backoff.on_exception(backoff.expo, HttpResponseError, giveup=lambda e: e.status_code != 429)`
  (an existing `giveup=` is kept, or-ed in).

Inside a rewritten clause, attributes of the caught exception are read where azure-core's
`HttpResponseError` holds the same value: `e.http_status` becomes `e.status_code` (or
`getattr(e, "status_code", None)` when the clause also catches non-HTTP errors), v1
`e.code` becomes `(e.error.code if e.error is not None else None)`, `e.request_id` becomes
`e.response.headers.get("x-request-id")` (v0: `"request-id"`), v0 `e.headers` becomes
`e.response.headers` and v0 `e.user_message` becomes `(e.error.message if e.error is not
None else e.message)`; `e.status_code`, `e.response.status_code`, `e.response.headers` and
`e.response.json()` are the same on both sides.  An attribute with no equal (v1 `e.message`,
whose text differs, `e.body`, `e.json_body`, `e.http_body`, `e.param`, `e.type`, v0 `e.code`,
any other `e.response.<x>`, or a response read in a clause that also catches connection
errors) keeps every call of the file on OpenAI, with a TODO at each call and clause: a clause
left catching OpenAI classes would no longer catch what migrated calls raise.

An `except` clause (and an `isinstance` inside it) follows what its `try` body calls,
and a tenacity/backoff decorator follows what the function it wraps calls (also
through functions of the same module): it is rewritten when every OpenAI call there is
migrated, and kept, with a TODO, when one of them stays OpenAI
(`analysis/components.py: GuardRegions`).  Any other reference, and a guard whose
region makes no OpenAI call the module can see, follows the file: it is rewritten only
when nothing in the file still calls OpenAI (every chat/embeddings call is migrated and
no out-of-scope API, no `openai.ChatCompletion` used as a value and no other `openai.`
use remains).  A file that only handles exceptions (a retry helper for calls made
elsewhere) is migrated, since those calls are migrated too.  Anything left in place
keeps its `openai` reference, so the `openai` import stays with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import (
    ParentNodeProvider,
    QualifiedNameProvider,
    QualifiedNameSource,
    ScopeProvider,
)

from migrate_inference.findings import TODO
from migrate_inference.analysis.names import dotted, referents
from migrate_inference.rules.base import RuleContext, RuleState, _has_ignore, tool_note

CODE = "MI340"
NAME = "errors"
DOC_EXAMPLE = "except_chain_v0"
WHEN_TODO = (
    "The code a guard protects (its try body, the function a retry decorator wraps; else the "
    "whole file) still calls OpenAI (an unmigrated or out-of-scope call), so its exceptions stay "
    "OpenAI's; the code raises an OpenAI exception itself; a status class (RateLimitError, ...) "
    "is used somewhere other than an except clause, isinstance, tenacity or backoff; the class "
    "has no Azure counterpart; or an attribute of the caught exception (`e.body`, `e.code`, ...) "
    "has no direct equivalent."
)

AZURE = "azure.core.exceptions"
HTTP = "HttpResponseError"

# azure-core's exception hierarchy (azure/core/exceptions.py): class -> base.
AZURE_PARENT: Dict[str, Optional[str]] = {
    "AzureError": None,
    "HttpResponseError": "AzureError",
    "ClientAuthenticationError": "HttpResponseError",
    "ResourceNotFoundError": "HttpResponseError",
    "ResourceExistsError": "HttpResponseError",
    "ResourceModifiedError": "HttpResponseError",
    "ResourceNotModifiedError": "HttpResponseError",
    "TooManyRedirectsError": "HttpResponseError",
    "ODataV4Error": "HttpResponseError",
    "DecodeError": "HttpResponseError",
    "IncompleteReadError": "DecodeError",
    "ServiceRequestError": "AzureError",
    "ServiceResponseError": "AzureError",
    "ServiceRequestTimeoutError": "ServiceRequestError",
    "ServiceResponseTimeoutError": "ServiceResponseError",
    "StreamConsumedError": "AzureError",
    "StreamClosedError": "AzureError",
    "ResponseNotReadError": "AzureError",
}


def is_sub(cls: str, base: str) -> bool:
    """`cls` is `base` or derives from it (unknown classes only equal themselves)."""
    current: Optional[str] = cls
    while current is not None:
        if current == base:
            return True
        current = AZURE_PARENT.get(current)
    return False


def _overlap(a: str, b: str) -> bool:
    return is_sub(a, b) or is_sub(b, a)


@dataclass(frozen=True)
class Status:
    """The statuses an OpenAI class stood for: `equals` or `>= at_least`."""

    equals: Tuple[int, ...] = ()
    at_least: Optional[int] = None

    def describe(self) -> str:
        if self.at_least is not None:
            return f"status >= {self.at_least}"
        return "status " + "/".join(str(v) for v in self.equals)


@dataclass(frozen=True)
class Target:
    classes: Tuple[str, ...]  # azure classes; HttpResponseError when `status` is set
    status: Optional[Status] = None

    def describe(self) -> str:
        if self.status is not None:
            return f"{HTTP} with {self.status.describe()}"
        return (
            self.classes[0]
            if len(self.classes) == 1
            else "(" + ", ".join(self.classes) + ")"
        )


TIMEOUTS = ("ServiceRequestTimeoutError", "ServiceResponseTimeoutError")
CONNECTION = ("ServiceRequestError", "ServiceResponseError")

RENAMES: Dict[str, Target] = {
    "AuthenticationError": Target(("ClientAuthenticationError",)),
    "NotFoundError": Target(("ResourceNotFoundError",)),
    "ConflictError": Target(("ResourceExistsError",)),
    "TryAgain": Target(("ResourceExistsError",)),
    "Timeout": Target(TIMEOUTS),
    "APITimeoutError": Target(TIMEOUTS),
    "APIConnectionError": Target(CONNECTION),
    "OpenAIError": Target(("AzureError",)),
    "APIError": Target(("AzureError",)),  # v1: the base of every API error
    "APIStatusError": Target((HTTP,)),
}
V0_API_ERROR = Target(
    (HTTP,)
)  # v0 openai.error.APIError: any status without its own class
STATUS_CLASSES: Dict[str, Target] = {
    "RateLimitError": Target((HTTP,), Status((429,))),
    "InvalidRequestError": Target((HTTP,), Status((400, 404, 415))),
    "BadRequestError": Target((HTTP,), Status((400,))),
    "UnprocessableEntityError": Target((HTTP,), Status((422,))),
    "PermissionError": Target((HTTP,), Status((403,))),
    "PermissionDeniedError": Target((HTTP,), Status((403,))),
    "ServiceUnavailableError": Target((HTTP,), Status((503,))),
    "InternalServerError": Target((HTTP,), Status(at_least=500)),
}
UNMAPPED = {
    "InvalidAPIType",
    "SignatureVerificationError",
    "APIResponseValidationError",
    "LengthFinishReasonError",
    "ContentFilterFinishReasonError",
}
KNOWN = set(RENAMES) | set(STATUS_CLASSES) | UNMAPPED

# v1's hierarchy (openai/_exceptions.py), to tell a chain the rename reorders from one
# that was already ordered that way.
V1_PARENT = {
    "APIError": "OpenAIError",
    "APIConnectionError": "APIError",
    "APITimeoutError": "APIConnectionError",
    "APIStatusError": "APIError",
    "APIResponseValidationError": "APIError",
    "BadRequestError": "APIStatusError",
    "AuthenticationError": "APIStatusError",
    "PermissionDeniedError": "APIStatusError",
    "NotFoundError": "APIStatusError",
    "ConflictError": "APIStatusError",
    "UnprocessableEntityError": "APIStatusError",
    "RateLimitError": "APIStatusError",
    "InternalServerError": "APIStatusError",
    "LengthFinishReasonError": "OpenAIError",
    "ContentFilterFinishReasonError": "OpenAIError",
}


def exception_name(qname: str) -> Optional[str]:
    """The class name when `qname` is an OpenAI exception class, else None."""
    parts = qname.split(".")
    if (
        len(parts) == 3
        and parts[0] == "openai"
        and parts[1] == "error"
        and parts[2][:1].isupper()
    ):
        return parts[2]
    if (
        len(parts) == 3
        and parts[0] == "openai"
        and parts[1] == "_exceptions"
        and parts[2] in KNOWN
    ):
        return parts[2]
    if len(parts) == 2 and parts[0] == "openai" and parts[1] in KNOWN:
        return parts[1]
    return None


def target_for(qname: str) -> Optional[Target]:
    name = exception_name(qname)
    if name is None:
        return None
    if name == "APIError" and qname.startswith("openai.error."):
        return V0_API_ERROR
    return RENAMES.get(name) or STATUS_CLASSES.get(name)


def _openai_sub(a: str, b: str) -> bool:
    """Did OpenAI class `b` catch everything `a` caught that azure can still raise?

    That is `a` subclassing (or being) `b`, plus v1's `APIError` standing for all of
    `OpenAIError`: the only v1 errors outside it are client-side parse errors azure
    does not have.
    """
    na, nb = exception_name(a) or a, exception_name(b) or b
    if na == nb or nb == "OpenAIError":
        return True
    if a.startswith("openai.error.") or b.startswith("openai.error."):
        return False  # v0: every class derives from OpenAIError only
    if nb == "APIError":
        return True
    current: Optional[str] = na
    while current is not None:
        if current == nb:
            return True
        current = V1_PARENT.get(current)
    return False


# Attributes of a caught OpenAI exception, read in a migrated handler.  Each mapping gives the
# same value on azure-core's HttpResponseError (checked against the real SDKs and a server
# returning errors, tests/test_errors_attributes.py); an attribute with no such equal keeps the
# whole file on OpenAI (`attribute_block`), since a clause left catching OpenAI classes would
# no longer catch what the migrated calls raise.
ATTR_MAPS = {
    # generation -> attribute -> replacement ({v}: the caught exception)
    "v0": {
        "user_message": "({v}.error.message if {v}.error is not None else {v}.message)",
        "_message": "({v}.error.message if {v}.error is not None else {v}.message)",
        "request_id": '{v}.response.headers.get("request-id")',
        "headers": "{v}.response.headers",
    },
    "v1": {
        "code": "({v}.error.code if {v}.error is not None else None)",
        "request_id": '{v}.response.headers.get("x-request-id")',
    },
}
ATTR_TODOS = {
    "body": 'the error object: {v}.response.json()["error"] (raises when the body is not JSON)',
    "json_body": "{v}.response.json() (raises when the body is not JSON)",
    "http_body": "{v}.response.text()",
    "code": "{v}.error.code ({v}.error is None when the body is not an error object); openai 0.28 set it only "
    "for InvalidRequestError",
    "headers": "{v}.response.headers",
    "param": '{v}.response.json()["error"].get("param")',
    "type": '{v}.response.json()["error"].get("type")',
    "message": "the text differs: OpenAI's is \"Error code: <status> - <message>\", azure's "
    '"(<code>) <message>\\nCode: ..."; {v}.error.message is the service\'s message',
    "error": "{v}.error is azure-core's ODataV4Format (code, message), not OpenAI's error object",
    "response": "{v}.response is azure-core's HttpResponse: .status_code, .headers and .json() agree, "
    ".text is a method",
    "organization": "no equivalent",
}
# `e.response.<x>` reads that give the same value on azure-core's HttpResponse.
RESPONSE_SAME = {"status_code", "headers", "json"}
HANDLER_ATTRS = {"http_status", "user_message", "_message", "request_id", *ATTR_TODOS}


def attribute_mapping(attr: str, generation: str, http_only: bool) -> Optional[str]:
    """The replacement template for `e.<attr>`, "" to keep it, None when it has no equal."""
    if attr == "http_status":
        return "{v}.status_code"
    mapped = ATTR_MAPS[generation].get(attr)
    if mapped is None:
        return None
    if "{v}.response" in mapped or "{v}.error" in mapped:
        # AzureError without a response (a connection error) has neither attribute
        return mapped if http_only else None
    return mapped


# Contexts a reference can appear in.
EXCEPT, ISINSTANCE, TENACITY, BACKOFF, RAISE, BASE, ANNOTATION, PLAIN = (
    "except",
    "isinstance",
    "tenacity",
    "backoff",
    "raise",
    "base",
    "annotation",
    "plain",
)
OWNED = (EXCEPT, ISINSTANCE, TENACITY, BACKOFF)  # rewritten by the enclosing node
TENACITY_FUNCS = {
    "tenacity.retry_if_exception_type": False,
    "tenacity.retry.retry_if_exception_type": False,
    "tenacity.retry_if_not_exception_type": True,
    "tenacity.retry.retry_if_not_exception_type": True,
}
BACKOFF_FUNCS = {"backoff.on_exception", "backoff._decorator.on_exception"}
CATCH_ALL = {"builtins.Exception", "builtins.BaseException"}


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


@dataclass
class Ref:
    """One reference to an OpenAI exception class."""

    node: cst.BaseExpression
    qname: str
    target: Optional[Target]  # None: no Azure counterpart
    ambiguous: bool  # the name may also be something else (a fallback definition)
    context: str = PLAIN
    in_sequence: bool = False  # an element of a tuple/list/set literal
    raise_simple: bool = False  # `raise X` / `raise X("message")`

    @property
    def name(self) -> str:
        return exception_name(self.qname) or self.qname

    @property
    def usable(self) -> bool:
        return self.target is not None and not self.ambiguous


@dataclass
class Entry:
    """One class in an exception spec (an except type, isinstance's second argument, ...)."""

    index: int  # position in the spec's tuple (0 for a single class)
    expr: cst.BaseExpression  # original node
    kind: str  # "openai", "catchall", "azure" (already azure-core), "other"
    ref: Optional[Ref] = None
    azure: Optional[str] = None


@dataclass
class Spec:
    expr: Optional[cst.BaseExpression]  # None: bare `except:`
    entries: List[Entry]
    is_tuple: bool

    @property
    def has_openai(self) -> bool:
        return any(e.kind == "openai" for e in self.entries)


@dataclass
class ErrorSites:
    """What the analysis pass found: the references, their specs and the handlers."""

    refs: Dict[cst.CSTNode, Ref] = field(default_factory=dict)
    uses: List[Tuple[cst.CSTNode, str]] = field(
        default_factory=list
    )  # other openai references
    specs: Dict[cst.CSTNode, Spec] = field(default_factory=dict)  # handler/call -> spec
    calls: Dict[cst.Call, str] = field(
        default_factory=dict
    )  # isinstance/tenacity/backoff call -> context
    negated: Set[cst.Call] = field(default_factory=set)  # retry_if_not_exception_type
    bare_ok: Set[cst.CSTNode] = field(
        default_factory=set
    )  # expressions that need no parentheses
    tries: Set[cst.CSTNode] = field(default_factory=set)
    attrs: Dict[cst.Attribute, Tuple[cst.ExceptHandler, str]] = field(
        default_factory=dict
    )
    generations: Dict[cst.Attribute, str] = field(default_factory=dict)  # "v0"/"v1"
    names: Set[str] = field(default_factory=set)  # every name in the module
    azure_imported: Set[str] = field(
        default_factory=set
    )  # from azure.core.exceptions import X
    unhandled: List[Tuple[cst.CSTNode, str]] = field(
        default_factory=list
    )  # set by collect_error_sites
    # A status class passed to a function of this module that only uses it as an except type
    # (`@retry_on(RateLimitError)`): the argument becomes HttpResponseError and those clauses get
    # the status check.
    param_args: Dict[cst.CSTNode, str] = field(
        default_factory=dict
    )  # ref -> function name
    param_guards: Dict[cst.ExceptHandler, Tuple[Status, str]] = field(
        default_factory=dict
    )

    @property
    def active(self) -> bool:
        """Worth running the rule: there are references and nothing else keeps OpenAI in use."""
        return bool(self.refs) and not self.unhandled


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, ParentNodeProvider)

    def __init__(self, sites: ErrorSites) -> None:
        super().__init__()
        self.sites = sites
        self.annotation = 0
        self.sequence_elements: Set[cst.CSTNode] = set()

    # -- a status class handed to a local function ------------------------------
    def leave_Module(self, original_node: cst.Module) -> None:
        done: Set[cst.CSTNode] = set()
        for ref in list(self.sites.refs.values()):
            if ref.node in done or ref.context != PLAIN or not ref.usable or ref.target.status is None:  # type: ignore[union-attr]
                continue
            found = self._param_use(ref)
            if found is None:
                continue
            name, args, handlers = found
            done.update(args)
            for arg in args:
                self.sites.param_args[arg] = name
            for handler in handlers:
                self.sites.param_guards[handler] = (ref.target.status, name)  # type: ignore[union-attr]

    def _parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.get_metadata(ParentNodeProvider, node, None)

    def _suppressed(self, node: cst.CSTNode) -> bool:
        current: Optional[cst.CSTNode] = node
        while current is not None:
            if isinstance(
                current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
            ) and _has_ignore(current, CODE):
                return True
            current = self._parent(current)
        return False

    def _param_use(self, ref: Ref):
        """(function name, status refs passed to it, its except clauses) when specializing is safe."""
        arg = self._parent(ref.node)
        call = self._parent(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Name):
            return None
        referents_ = referents(
            self.get_metadata(ScopeProvider, call.func, None), call.func
        )
        if not referents_ or len(referents_) != 1:
            return None
        assignment = next(iter(referents_))
        fdef = getattr(assignment, "node", None)
        if not isinstance(fdef, cst.FunctionDef):
            return None
        param = _param_for(fdef, call, arg)  # type: ignore[arg-type]
        if param is None:
            return None
        # every use of the parameter is a whole except type, last among the clauses that could overlap
        handlers: List[cst.ExceptHandler] = []
        scope = self.get_metadata(ScopeProvider, param.name, None)
        uses = [
            a
            for a in (scope.assignments[param.name.value] if scope else [])
            if getattr(a, "node", None) is param
        ]
        if len(uses) != 1:
            return None
        for access in uses[0].references:
            handler = self._parent(access.node)
            if not (
                isinstance(handler, cst.ExceptHandler) and handler.type is access.node
            ):
                return None
            if not self._last_overlapping(handler) or self._suppressed(handler):
                return None
            handlers.append(handler)
        if not handlers:
            return None
        # every call passes this status class, or a builtin exception class that is not a catch-all
        args: List[cst.CSTNode] = []
        for access in assignment.references:
            site = self._parent(access.node)
            if not (isinstance(site, cst.Call) and site.func is access.node):
                return None
            passed = _argument_for(fdef, site, param)
            if passed is None:
                return None
            other = self.sites.refs.get(passed)
            if other is not None:
                if not other.usable or other.target.status != ref.target.status or self._suppressed(passed):  # type: ignore[union-attr]
                    return None
                args.append(passed)
                continue
            names = self._qnames(passed)
            if not names or any(
                q.source != QualifiedNameSource.BUILTIN or q.name in CATCH_ALL
                for q in names
            ):
                return None
        return call.func.value, args, handlers

    def _last_overlapping(self, handler: cst.ExceptHandler) -> bool:
        """No later clause of its try could catch what a re-raise in `handler` lets go."""
        owner = self._parent(handler)
        handlers = list(getattr(owner, "handlers", ()))
        for later in handlers[handlers.index(handler) + 1 :]:
            if later.type is None:
                return False
            for element in _elements(later.type, isinstance(later.type, cst.Tuple)):
                names = {q.name for q in self._qnames(element)}
                if not names or names & CATCH_ALL or element in self.sites.refs:
                    return False
                if any(n.startswith(AZURE + ".") for n in names):
                    return False
        return True

    # -- resolution ---------------------------------------------------------
    def _qnames(self, node: cst.CSTNode):
        return self.get_metadata(QualifiedNameProvider, node, set())

    def _ref(self, node: cst.CSTNode) -> Optional[Ref]:
        """The Ref for `node` when it is an OpenAI exception class (recorded once)."""
        if node in self.sites.refs:
            return self.sites.refs[node]
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        qnames = self._qnames(node)
        exc = sorted(
            q.name
            for q in qnames
            if q.source == QualifiedNameSource.IMPORT and exception_name(q.name)
        )
        if not exc:
            return None
        targets = {target_for(q) for q in exc}
        ambiguous = len(qnames) != len(exc) or len(targets) > 1
        ref = Ref(
            node=node, qname=exc[0], target=target_for(exc[0]), ambiguous=ambiguous
        )
        ref.in_sequence = node in self.sequence_elements
        self.sites.refs[node] = ref
        return ref

    def _entries(self, expr: Optional[cst.BaseExpression]) -> Spec:
        if expr is None:
            return Spec(None, [Entry(0, cst.Name("BaseException"), "catchall")], False)
        is_tuple = isinstance(expr, cst.Tuple)
        elements = [e.value for e in expr.elements] if is_tuple else [expr]  # type: ignore[union-attr]
        entries = []
        for i, element in enumerate(elements):
            ref = self._ref(element)
            if ref is not None:
                entries.append(Entry(i, element, "openai", ref))
                continue
            names = {q.name for q in self._qnames(element)}
            if names & CATCH_ALL:
                entries.append(Entry(i, element, "catchall"))
            elif len(names) == 1 and next(iter(names)).startswith(AZURE + "."):
                cls = next(iter(names))[len(AZURE) + 1 :]
                entries.append(
                    Entry(
                        i, element, "azure", azure=cls if cls in AZURE_PARENT else None
                    )
                )
            else:
                entries.append(Entry(i, element, "other"))
        return Spec(expr, entries, is_tuple)

    # -- imports are declarations, not uses -----------------------------------
    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            self.sites.names.add(
                (alias.evaluated_alias or alias.evaluated_name).split(".")[0]
            )
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        module = _dotted(node.module) if node.module is not None else ""
        for alias in node.names:
            bound = alias.evaluated_alias or alias.evaluated_name
            self.sites.names.add(bound)
            if module == AZURE and alias.asname is None and not node.relative:
                self.sites.azure_imported.add(bound)
        return False

    # -- contexts -------------------------------------------------------------
    def visit_Try(self, node: cst.Try) -> None:
        self._try(node)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self._try(node)

    def _try(self, node) -> None:
        if any(_starred(h.type) for h in node.handlers):
            return  # `except (A, *more)`: each OpenAI class in it is handled as a plain reference
        found = False
        for handler in node.handlers:
            spec = self._entries(handler.type)
            self.sites.specs[handler] = spec
            for entry in spec.entries:
                if entry.ref is not None:
                    entry.ref.context = EXCEPT
            if spec.has_openai:
                found = True
                v0 = any(
                    e.ref is not None and e.ref.qname.startswith("openai.error.")
                    for e in spec.entries
                )
                self._handler_attrs(handler, "v0" if v0 else "v1")
        if found:
            self.sites.tries.add(node)

    def _handler_attrs(self, handler: cst.ExceptHandler, generation: str) -> None:
        if handler.name is None or not isinstance(handler.name.name, cst.Name):
            return
        binding = handler.name.name
        scope = self.get_metadata(ScopeProvider, binding, None)
        if scope is None:
            return
        for assignment in scope.assignments[binding.value]:
            if getattr(assignment, "node", None) is not binding:
                continue
            for access in assignment.references:
                parent = self.get_metadata(ParentNodeProvider, access.node, None)
                if (
                    isinstance(parent, cst.Attribute)
                    and parent.value is access.node
                    and parent.attr.value in HANDLER_ATTRS
                ):
                    if parent.attr.value == "response":
                        above = self.get_metadata(ParentNodeProvider, parent, None)
                        if (
                            isinstance(above, cst.Attribute)
                            and above.value is parent
                            and above.attr.value in RESPONSE_SAME
                        ):
                            continue
                    self.sites.attrs[parent] = (handler, parent.attr.value)
                    self.sites.generations[parent] = generation

    def visit_Call(self, node: cst.Call) -> None:
        names = {q.name for q in self._qnames(node.func)}
        context = None
        arg: Optional[cst.Arg] = None
        if (
            "builtins.isinstance" in names
            and len(node.args) == 2
            and not any(a.star for a in node.args)
        ):
            context, arg = ISINSTANCE, node.args[1]
        elif names & set(TENACITY_FUNCS):
            context, arg = TENACITY, _argument(node, 0, "exception_types")
            if any(TENACITY_FUNCS.get(n) for n in names):
                self.sites.negated.add(node)
        elif names & BACKOFF_FUNCS:
            context, arg = BACKOFF, _argument(node, 1, "exception")
        if context is None or arg is None:
            return
        if _starred(arg.value):
            return
        spec = self._entries(arg.value)
        if not spec.has_openai:
            return
        self.sites.specs[node] = spec
        self.sites.calls[node] = context
        for entry in spec.entries:
            if entry.ref is not None:
                entry.ref.context = context

    def visit_Raise(self, node: cst.Raise) -> None:
        exc = node.exc
        if exc is None:
            return
        target, simple = exc, True
        if isinstance(exc, cst.Call):
            target = exc.func
            simple = (
                all(a.keyword is None and not a.star for a in exc.args)
                and len(exc.args) <= 1
            )
        ref = self._ref(target)
        if ref is not None:
            ref.context = RAISE
            ref.raise_simple = simple

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for arg in node.bases:
            ref = self._ref(arg.value)
            if ref is not None:
                ref.context = BASE

    def visit_Annotation(self, node: cst.Annotation) -> None:
        self.annotation += 1

    def leave_Annotation(self, node: cst.Annotation) -> None:
        self.annotation -= 1

    def _sequence(self, node) -> None:
        for element in node.elements:
            if isinstance(element, cst.Element):
                self.sequence_elements.add(element.value)

    visit_Tuple = _sequence
    visit_List = _sequence
    visit_Set = _sequence

    def visit_If(self, node: cst.If) -> None:
        self.sites.bare_ok.add(node.test)

    def visit_While(self, node: cst.While) -> None:
        self.sites.bare_ok.add(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self.sites.bare_ok.add(node.test)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.sites.bare_ok.add(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.sites.bare_ok.add(node.value)

    # -- references -----------------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        self.sites.names.add(node.value)
        self._reference(node)

    def visit_Attribute(self, node: cst.Attribute) -> Optional[bool]:
        return self._reference(node)

    def _reference(self, node: Union[cst.Name, cst.Attribute]) -> Optional[bool]:
        ref = self._ref(node)
        if ref is not None:
            if ref.context == PLAIN and self.annotation:
                ref.context = ANNOTATION
            return False
        openai = [
            q.name
            for q in self._qnames(node)
            if q.source == QualifiedNameSource.IMPORT
            and (q.name == "openai" or q.name.startswith("openai."))
        ]
        if not openai:
            return None
        if any(
            exception_name(".".join(q.split(".")[:3]))
            or exception_name(".".join(q.split(".")[:2]))
            for q in openai
        ):
            return None  # an attribute of an exception class: look at the class itself
        self.sites.uses.append((node, openai[0]))
        if isinstance(node, cst.Attribute):
            self.sites.names.add(node.attr.value)
        return False


def _positional_params(fdef: cst.FunctionDef) -> List[cst.Param]:
    return [*fdef.params.posonly_params, *fdef.params.params]


def _param_for(
    fdef: cst.FunctionDef, call: cst.Call, arg: cst.Arg
) -> Optional[cst.Param]:
    """The parameter of `fdef` that `arg` of `call` binds (None when it cannot be told)."""
    if arg.star:
        return None
    if arg.keyword is not None:
        for param in [*fdef.params.params, *fdef.params.kwonly_params]:
            if param.name.value == arg.keyword.value:
                return param
        return None
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in positional[: positional.index(arg) + 1]):
        return None
    params = _positional_params(fdef)
    index = positional.index(arg)
    return params[index] if index < len(params) else None


def _argument_for(
    fdef: cst.FunctionDef, call: cst.Call, param: cst.Param
) -> Optional[cst.BaseExpression]:
    """The expression `call` passes for `param` (None when absent or hidden in *args/**kwargs)."""
    if any(a.star for a in call.args):
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param.name.value:
            return arg.value
    positional = [a for a in call.args if a.keyword is None]
    params = _positional_params(fdef)
    if param in params and params.index(param) < len(positional):
        return positional[params.index(param)].value
    return None


def _starred(node: Optional[cst.BaseExpression]) -> bool:
    return isinstance(node, cst.Tuple) and any(
        isinstance(e, cst.StarredElement) for e in node.elements
    )


def _dotted(node: cst.BaseExpression) -> str:
    return dotted(node) or ""


def _argument(call: cst.Call, position: int, keyword: str) -> Optional[cst.Arg]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    if any(a.star for a in call.args[: position + 1]):
        return None
    return positional[position] if len(positional) > position else None


HARMLESS = (
    "openai.types",
    "openai.__version__",
    "openai.version",
    "openai.NOT_GIVEN",
    "openai.NotGiven",
)


def collect_error_sites(wrapper: cst.MetadataWrapper, facts) -> ErrorSites:
    """The analysis for MI340; `facts` (analysis.facts) says which OpenAI uses other rules account for."""
    sites = ErrorSites()
    wrapper.visit(_Collector(sites))
    sites.unhandled = unhandled_uses(sites, facts)
    return sites


def unhandled_uses(sites: ErrorSites, facts) -> List[Tuple[cst.CSTNode, str]]:
    """OpenAI references that are neither exceptions nor something another rule accounts for."""
    handled: Set[cst.CSTNode] = set()
    for call in list(getattr(facts, "chat_calls", {})) + list(
        getattr(facts, "out_of_scope", {})
    ):
        handled.add(call.func)
    handled.update(getattr(facts, "chat_refs", []))
    for values in getattr(facts, "config", {}).values():
        for assign in values:
            for target in assign.small.targets:
                handled.add(target.target)
    for nodes in getattr(facts, "config_reads", {}).values():
        handled.update(nodes)
    v1 = getattr(facts, "v1", None)
    for binding in getattr(v1, "bindings", []):
        if not (binding.calls or binding.refs):
            continue  # a client used for nothing the tool migrates: it stays, and so do its exceptions
        if binding.ctor is not None:
            handled.add(binding.ctor.func)
        if binding.param is not None and binding.param.annotation is not None:
            handled.add(binding.param.annotation.annotation)
    return [
        (node, qname)
        for node, qname in sites.uses
        if node not in handled
        and not any(qname == h or qname.startswith(h + ".") for h in HARMLESS)
    ]


# ---------------------------------------------------------------------------
# Planning a try statement
# ---------------------------------------------------------------------------


def _depth(cls: str) -> int:
    depth, current = 0, AZURE_PARENT.get(cls)
    while current is not None:
        depth, current = depth + 1, AZURE_PARENT.get(current)
    return depth


@dataclass
class Clause:
    """One except clause as azure sees it."""

    handler: cst.ExceptHandler
    spec: Spec
    classes: List[Tuple[str, Optional[str]]] = field(
        default_factory=list
    )  # (azure class, OpenAI origin)
    statuses: List[Status] = field(default_factory=list)
    status_origins: List[str] = field(default_factory=list)
    catch_all: bool = False
    kept: List[Entry] = field(default_factory=list)  # entries written back as they are
    notes: List[str] = field(default_factory=list)

    @property
    def guarded(self) -> bool:
        return bool(self.statuses)

    @property
    def azure(self) -> List[str]:
        return [c for c, _ in self.classes]

    @property
    def pure(self) -> bool:
        """Only usable OpenAI classes: its place among such clauses did not matter."""
        return not self.kept and bool(self.classes or self.statuses)

    @property
    def rewritten(self) -> bool:
        return any(
            e.kind == "openai" and e.ref is not None and e.ref.usable
            for e in self.spec.entries
        )

    def caught(self) -> List[Tuple[str, Optional[str]]]:
        """(azure class, OpenAI origin) for everything the rewritten except type names."""
        return self.classes + [
            (HTTP, o) for o in (self.status_origins if self.guarded else [])
        ]

    @property
    def http_only(self) -> bool:
        """Everything the rewritten clause lets through is an HttpResponseError."""
        return (
            not self.catch_all
            and all(is_sub(c, HTTP) for c, _ in self.caught())
            and all(
                e.kind == "azure" and e.azure and is_sub(e.azure, HTTP)
                for e in self.kept
            )
        )

    def specificity(self) -> float:
        depths = [float(_depth(c)) for c in self.azure] + (
            [1.5] if self.guarded else []
        )
        return min(depths) if depths else 0.0

    def origins(self) -> List[str]:
        return [e.ref.qname for e in self.spec.entries if e.ref is not None]


def build_clause(handler: cst.ExceptHandler, spec: Spec) -> Clause:
    clause = Clause(handler, spec)
    for entry in spec.entries:
        if entry.kind == "openai":
            ref = entry.ref
            assert ref is not None
            if not ref.usable:
                clause.kept.append(entry)
                clause.notes.append(_unusable_note(ref))
                continue
            assert ref.target is not None
            if ref.target.status is None:
                clause.classes.extend((cls, ref.qname) for cls in ref.target.classes)
            else:
                clause.statuses.append(ref.target.status)
                clause.status_origins.append(ref.qname)
        else:
            clause.kept.append(entry)
            if entry.kind == "catchall":
                clause.catch_all = True
            elif entry.kind == "azure" and entry.azure:
                clause.classes.append((entry.azure, None))
    if clause.catch_all or any(is_sub(HTTP, c) for c in clause.azure):
        clause.statuses, clause.status_origins = (
            [],
            [],
        )  # it already catches every HTTP error
    return clause


def _unusable_note(ref: Ref) -> str:
    if ref.ambiguous:
        return (
            f"`{_code(ref.node)}` may not be the OpenAI class here: migrate it by hand"
        )
    return f"{ref.qname} has no azure.core.exceptions counterpart: remove it or catch an Azure class"


@dataclass
class TryPlan:
    clauses: List[Clause]  # in the order they are written back
    region: Optional[Tuple[int, int]] = (
        None  # clauses merged into one dispatching clause
    )
    reordered: bool = False
    todo: Optional[str] = None


def _conflict(first: Clause, later: Clause) -> bool:
    """Would `first`, rewritten in place, change which clause handles something `later` handles?"""
    if first.catch_all:
        return False  # it caught everything before the rewrite too
    if first.guarded and (
        later.catch_all or any(_overlap(c, HTTP) for c, _ in later.caught())
    ):
        return True  # its re-raise would skip `later`
    for c_late, origin_late in later.caught():
        for c_first, origin_first in first.classes:
            if (
                is_sub(c_late, c_first)
                and origin_late
                and origin_first
                and not _openai_sub(origin_late, origin_first)
            ):
                return True  # the rename puts a subclass after its base
    return False


def _disjoint(a: Clause, b: Clause) -> bool:
    """Both clauses name only OpenAI classes and none derives from another: their order is free."""
    if not (a.pure and b.pure):
        return False
    return not any(
        _openai_sub(x, y) or _openai_sub(y, x) for x in a.origins() for y in b.origins()
    )


def _has_conflict(clauses: List[Clause]) -> bool:
    return any(
        _conflict(clauses[i], clauses[j])
        for i in range(len(clauses))
        for j in range(i + 1, len(clauses))
    )


def _most_specific_first(clauses: List[Clause]) -> List[Clause]:
    """Stable sort of adjacent clauses whose order did not matter, deepest Azure classes first."""
    out = list(clauses)
    changed = True
    while changed:
        changed = False
        for i in range(len(out) - 1):
            a, b = out[i], out[i + 1]
            if b.specificity() > a.specificity() and _disjoint(a, b):
                out[i], out[i + 1] = b, a
                changed = True
    return out


def plan_try(node, specs: Dict[cst.CSTNode, Spec]) -> TryPlan:
    clauses = [build_clause(h, specs[h]) for h in node.handlers]
    plan = TryPlan(clauses)
    if isinstance(node, cst.TryStar) and any(c.guarded for c in clauses):
        plan.region = (0, len(clauses) - 1)
        plan.todo = (
            "except* receives an exception group: catch HttpResponseError with except* and check "
            "status_code on each exception of the group by hand"
        )
        return plan
    if not _has_conflict(clauses):
        return plan
    ordered = _most_specific_first(clauses)
    if ordered != clauses:
        plan.clauses, plan.reordered = ordered, True
        clauses = ordered
    n = len(clauses)
    pairs = [
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if _conflict(clauses[i], clauses[j])
    ]
    if not pairs:
        return plan
    lo, hi = min(i for i, _ in pairs), max(j for _, j in pairs)
    changed = True
    while changed:
        changed = False
        union = [c for k in range(lo, hi + 1) for c, _ in clauses[k].caught()]
        for k in range(hi + 1, n):
            if clauses[k].catch_all or any(
                _overlap(a, b) for a, _ in clauses[k].caught() for b in union
            ):
                hi, changed = k, True
        for k in range(lo):
            if any(_conflict(clauses[k], clauses[m]) for m in range(lo, hi + 1)):
                lo, changed = k, True
    plan.region = (lo, hi)
    if isinstance(node, cst.TryStar):
        plan.todo = "except* clauses cannot be merged into one dispatching clause: rewrite them by hand"
    elif any(c.catch_all for c in clauses[lo:hi]):
        plan.todo = "a catch-all clause comes before other clauses of this try: reorder them by hand"
    return plan


# ---------------------------------------------------------------------------
# Code for conditions
# ---------------------------------------------------------------------------


def _status_parts(var: str, statuses: Sequence[Status]) -> List[Tuple[str, str]]:
    """(positive, negative) pieces of a status check."""
    equals: List[int] = []
    at_least: Optional[int] = None
    for s in statuses:
        for v in s.equals:
            if v not in equals:
                equals.append(v)
        if s.at_least is not None:
            at_least = s.at_least if at_least is None else min(at_least, s.at_least)
    parts = []
    if len(equals) == 1:
        parts.append(
            (f"{var}.status_code == {equals[0]}", f"{var}.status_code != {equals[0]}")
        )
    elif equals:
        values = ", ".join(str(v) for v in equals)
        parts.append(
            (f"{var}.status_code in ({values})", f"{var}.status_code not in ({values})")
        )
    if at_least is not None:
        parts.append(
            (f"{var}.status_code >= {at_least}", f"{var}.status_code < {at_least}")
        )
    return parts


def status_test(var: str, statuses: Sequence[Status], negate: bool = False) -> str:
    parts = _status_parts(var, statuses)
    if len(parts) == 1:
        return parts[0][1 if negate else 0]
    positive = " or ".join(p for p, _ in parts)
    return f"not ({positive})" if negate else f"({positive})"


def _type_code(codes: Sequence[str]) -> str:
    return codes[0] if len(codes) == 1 else "(" + ", ".join(codes) + ")"


def _paren_and(term: str) -> str:
    return f"({term})" if " and " in term else term


def predicate(
    var: str, classes: Sequence[str], statuses: Sequence[Status], check_http: bool
) -> str:
    """True when `var` is one of `classes` or an HttpResponseError with one of `statuses`."""
    terms = []
    if classes:
        terms.append(f"isinstance({var}, {_type_code(classes)})")
    if statuses:
        test = status_test(var, statuses)
        terms.append(f"isinstance({var}, {HTTP}) and {test}" if check_http else test)
    if len(terms) == 1:
        return terms[0]
    return " or ".join(_paren_and(t) for t in terms)


def reraise_test(
    var: str,
    http_subclasses: Sequence[str],
    statuses: Sequence[Status],
    check_http: bool,
) -> str:
    """True when an exception the clause caught is not one it meant to catch."""
    parts = []
    if check_http:
        parts.append(f"isinstance({var}, {HTTP})")
    if http_subclasses:
        parts.append(f"not isinstance({var}, {_type_code(http_subclasses)})")
    parts.append(status_test(var, statuses, negate=True))
    return " and ".join(parts)


# ---------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------


def blocking_reasons(
    ctx: RuleContext, sites: ErrorSites, plan, v1_plan=None
) -> List[str]:
    """Why this file's exceptions must stay OpenAI's (empty: they can move)."""
    from migrate_inference.rules.v0_chat import CODE as V0_CODE

    facts = ctx.facts
    config = ctx.config
    migrated: Set[cst.CSTNode] = set()
    if plan is not None and config.rule_enabled(V0_CODE):
        migrated.update(plan.migrated)
    v1_enabled = v1_plan is not None and all(
        config.rule_enabled(c) for c in _v1_codes()
    )
    if v1_enabled:
        migrated.update(v1_plan.migrated)
    reasons = []

    for call in getattr(facts, "chat_calls", {}):
        if call not in migrated:
            reasons.append(f"{_dotted(call.func) or 'a call'} is not migrated")
    v1 = getattr(facts, "v1", None)
    for call in getattr(v1, "calls", {}):
        if call not in migrated:
            reasons.append(f"{_dotted(call.func) or 'a call'} is not migrated")
    for binding in getattr(v1, "bindings", []):
        bp = v1_plan.bindings.get(id(binding)) if v1_enabled else None
        if (
            bp is None
            or bp.todo is not None
            or (not bp.replace and binding.kind != "param")
        ):
            node = binding.ctor if binding.ctor is not None else binding.param
            what = binding.target or binding.cls
            reasons.append(f"the OpenAI client `{what}` stays an OpenAI client")
    for node in getattr(v1, "refs", {}):
        reasons.append(f"{_dotted(node)} is used as a value")
    for call, name in getattr(facts, "out_of_scope", {}).items():
        reasons.append(f"{name} is not migrated")
    for node in getattr(facts, "chat_refs", []):
        reasons.append(f"{_dotted(node)} is used as a value")
    for node, qname in sites.unhandled:
        reasons.append(f"{qname} is not migrated")
    return reasons


def attribute_block(sites: ErrorSites) -> Optional[str]:
    """Why no call of this file may migrate: a handler reads an attribute with no azure equal."""
    http_only: Dict[cst.CSTNode, bool] = {}
    for node in sites.tries:
        for clause in plan_try(node, sites.specs).clauses:
            http_only[clause.handler] = clause.http_only
    for node, (handler, attr) in sites.attrs.items():
        generation = sites.generations.get(node, "v1")
        if attribute_mapping(attr, generation, http_only.get(handler, False)) is None:
            var = _code(node.value)
            hint = ATTR_TODOS.get(attr, "nothing").format(v=var)
            if attr in ATTR_MAPS[generation]:
                hint = "the clause also catches errors that carry no HTTP response"
            return (
                f"an except clause reads `{var}.{attr}`, which has no equal on "
                f"azure exceptions ({hint}): rewrite that read, then migrate the calls and the clause together"
            )
    return None


def block_calls(plan, v1_plan, reason: str) -> None:
    """Keep every call (and client) of the file on OpenAI, each with `reason` as its TODO."""
    if plan is not None:
        for cp in plan.calls.values():
            if cp.todo is None:
                cp.todo = reason
        plan.consumed_config.clear()
        plan.renamed_config.clear()
        plan.splats.clear()
    if v1_plan is not None:
        for cp in v1_plan.calls.values():
            if cp.todo is None:
                cp.todo = reason
            cp.client = None
        for bp in v1_plan.bindings.values():
            if bp.todo is None:
                bp.todo = ""  # the calls carry the TODO
            bp.clients.clear()
        v1_plan.splats.clear()


def _v1_codes() -> List[str]:
    try:
        from migrate_inference.rules.v1_chat import CODE as CHAT
        from migrate_inference.rules.v1_clients import CODE as CLIENTS
    except ImportError:  # pragma: no cover - v1 rules absent
        return []
    return [CHAT, CLIENTS]


class ErrorsRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        ctx = self.ctx = state.ctx
        sites = self.sites = state.error_sites
        plan, v1_plan = state.plan, state.v1_plan
        attribute_reason = state.attribute_reason
        self.guards = state.guards  # per try block / decorated function
        self.changed = False
        self._splice: Dict[int, cst.CSTNode] = {}
        self._fstrings: List[str] = []  # openings of the f-strings being visited
        self._fresh: Optional[str] = None
        reasons = blocking_reasons(ctx, sites, plan, v1_plan)
        self.blocked: Optional[str] = None
        if reasons:
            more = f" and {len(reasons) - 1} more" if len(reasons) > 1 else ""
            self.blocked = (
                f"this file still calls OpenAI ({reasons[0]}{more}), which raises OpenAI exceptions; "
                "migrate that first"
            )
        if attribute_reason:
            self.blocked = attribute_reason
        self.plans: Dict[cst.CSTNode, TryPlan] = {}
        # rewritten handler -> everything it lets through is an HttpResponseError
        self.handlers: Dict[cst.ExceptHandler, bool] = {}
        for node in sites.tries:
            if self._blocked(node) is None:
                try_plan = plan_try(node, sites.specs)
                self.plans[node] = try_plan
                if try_plan.todo is None:
                    for clause in try_plan.clauses:
                        if clause.rewritten:
                            self.handlers[clause.handler] = clause.http_only

    # -- helpers ----------------------------------------------------------------
    def _blocked(self, node: cst.CSTNode) -> Optional[str]:
        """Why the OpenAI exception reference `node` must stay (None: it can move).

        A reference that guards a region (its `try` body, the function its retry decorator
        wraps) follows what that region calls; any other follows the file as a whole."""
        if self.guards is not None:
            verdict, what = self.guards.verdict(node)
            if verdict is True:
                return None
            if verdict is False:
                return (
                    f"the code it guards still calls OpenAI ({what} is not migrated), which raises "
                    "OpenAI exceptions; migrate that first"
                )
        return self.blocked

    def _cls(self, name: str) -> str:
        """Code for an azure.core.exceptions class, importing it."""
        if name in self.sites.names and name not in self.sites.azure_imported:
            self.ctx.need_import(AZURE)
            return f"{AZURE}.{name}"
        self.ctx.need_import(AZURE, name)
        return name

    def _var(self) -> str:
        """A name for the caught exception that the module uses nowhere."""
        if self._fresh is None:
            candidates = ["e", "exc", "err", "error"] + [
                f"exc_{i}" for i in range(2, 100)
            ]
            self._fresh = next(c for c in candidates if c not in self.sites.names)
        return self._fresh

    @staticmethod
    def _lambda_var(codes: Sequence[str]) -> str:
        for candidate in ("e", "exc", "err", "error", "exc_"):
            if not any(_mentions(code, candidate) for code in codes):
                return candidate
        return "exc__"

    def _rewrite(self, node: cst.CSTNode, message: str) -> None:
        self.changed = True
        self.ctx.rewrite(CODE, node, message)

    def _handler_todo(
        self, original: cst.ExceptHandler, handler: cst.ExceptHandler, message: str
    ) -> cst.ExceptHandler:
        """A finding, and a TODO comment above the `except` line it is about."""
        self.ctx._add(CODE, TODO, original, message)
        comment = tool_note(f"{message} [{CODE}]")
        if any(
            line.comment is not None and line.comment.value == comment
            for line in handler.leading_lines
        ):
            return handler
        return handler.with_changes(
            leading_lines=[
                *handler.leading_lines,
                cst.EmptyLine(comment=cst.Comment(comment)),
            ]
        )

    @staticmethod
    def _minimal(names: Sequence[str]) -> List[str]:
        """Class names without repeats and without those another one in the list covers."""
        out: List[str] = []
        for name in names:
            if name not in out and not any(
                is_sub(name, other) and name != other for other in names
            ):
                out.append(name)
        return out

    def _type_node(
        self, items: Sequence[Union[str, cst.BaseExpression]]
    ) -> cst.BaseExpression:
        """An exception spec, in the order given: azure class names (str) and kept expressions."""
        names = [i for i in items if isinstance(i, str)]
        keep = set(self._minimal(names))
        values: List[cst.BaseExpression] = []
        seen: Set[str] = set()
        for item in items:
            if isinstance(item, str):
                if item not in keep:
                    continue
                item = cst.parse_expression(self._cls(item))
            code = _code(item)
            if code not in seen:
                values.append(item)
                seen.add(code)
        if len(values) == 1:
            return values[0]
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        last = len(values) - 1
        return cst.Tuple(
            [
                cst.Element(v, comma=comma if i < last else cst.MaybeSentinel.DEFAULT)
                for i, v in enumerate(values)
            ]
        )

    def _parts(self, spec: Spec, updated_expr: Optional[cst.BaseExpression]):
        """(new azure classes, kept expressions, kept azure classes, statuses, spec items in order)."""
        current = _elements(updated_expr, spec.is_tuple)
        new: List[str] = []
        kept: List[cst.BaseExpression] = []
        kept_azure: List[Tuple[str, cst.BaseExpression]] = []
        statuses: List[Status] = []
        order: List[Union[str, cst.BaseExpression]] = []
        covers_http = False
        for entry in spec.entries:
            expr = current[entry.index] if entry.index < len(current) else entry.expr
            ref = entry.ref
            if entry.kind == "openai" and ref is not None and ref.usable:
                assert ref.target is not None
                if ref.target.status is not None:
                    statuses.append(ref.target.status)
                    order.append(HTTP)
                else:
                    new.extend(ref.target.classes)
                    order.extend(ref.target.classes)
                continue
            kept.append(expr)
            order.append(expr)
            if entry.kind == "azure" and entry.azure:
                kept_azure.append((entry.azure, expr))
                covers_http = covers_http or is_sub(HTTP, entry.azure)
            covers_http = covers_http or entry.kind == "catchall"
        if covers_http or any(is_sub(HTTP, c) for c in new):
            statuses = []
            if HTTP not in new:
                order = [i for i in order if i != HTTP]
        return new, kept, kept_azure, statuses, order

    def _spec_notes(self, original: cst.CSTNode, spec: Spec) -> None:
        for entry in spec.entries:
            if (
                entry.kind == "openai"
                and entry.ref is not None
                and not entry.ref.usable
            ):
                self.ctx.todo(CODE, original, _unusable_note(entry.ref))

    def _conditions(
        self, new: Sequence[str], kept: Sequence[cst.BaseExpression], kept_azure
    ):
        """(class codes for isinstance, HttpResponseError subclasses among them, all of them are HTTP)."""
        classes = [self._cls(c) for c in self._minimal(new)] + [_code(k) for k in kept]
        http_subclasses = [
            self._cls(c) for c in self._minimal(new) if is_sub(c, HTTP) and c != HTTP
        ]
        http_subclasses += [
            _code(expr) for cls, expr in kept_azure if is_sub(cls, HTTP) and cls != HTTP
        ]
        all_http = (
            all(is_sub(c, HTTP) for c in new)
            and len(kept_azure) == len(kept)
            and all(is_sub(c, HTTP) for c, _ in kept_azure)
        )
        return classes, http_subclasses, all_http

    # -- references ---------------------------------------------------------------
    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return self._reference(original, updated)

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        site = self.sites.attrs.get(original)
        if site is not None:
            return self._handler_attr(original, updated, *site)
        return self._reference(original, updated)

    def _reference(self, original, updated) -> cst.BaseExpression:
        ref = self.sites.refs.get(original)
        if ref is None or ref.context == EXCEPT or self.ctx.suppressed(CODE):
            return updated  # a try statement rewrites its own clauses
        blocked = self._blocked(original)
        if blocked is not None:
            self.ctx.todo(
                CODE, original, f"`{_code(original)}` is left as it is: {blocked}"
            )
            return updated
        if ref.context in OWNED:
            return updated  # the enclosing call rewrites it
        if not ref.usable:
            self.ctx.todo(CODE, original, _unusable_note(ref))
            return updated
        target = ref.target
        assert target is not None
        if ref.context == RAISE:
            if (
                target.status is not None
                or len(target.classes) != 1
                or not ref.raise_simple
            ):
                self.ctx.todo(
                    CODE,
                    original,
                    f"raises {ref.qname}, which the migrated code no longer catches: raise an "
                    f"azure.core.exceptions class ({target.describe()}) or an exception of your own",
                )
                return updated
        elif target.status is not None and original in self.sites.param_args:
            function = self.sites.param_args[original]
            self._rewrite(
                original,
                f"{ref.qname} -> {HTTP}: the except clauses of {function}() that receive it check "
                f"the status ({target.status.describe()}) and re-raise the rest",
            )
            return cst.parse_expression(self._cls(HTTP)).with_changes(
                lpar=updated.lpar, rpar=updated.rpar
            )
        elif target.status is not None:
            self.ctx.todo(
                CODE,
                original,
                f"{ref.qname} has no Azure class: azure raises {target.describe()}; catch {HTTP} and check "
                "e.status_code where this is used",
            )
            return updated
        elif len(target.classes) > 1 and ref.context in (BASE, ANNOTATION):
            self.ctx.todo(
                CODE,
                original,
                f"{ref.qname} became two Azure classes, {target.describe()}: pick one",
            )
            return updated
        self._rewrite(original, f"{ref.qname} -> {target.describe()}")
        if len(target.classes) == 1:
            node = cst.parse_expression(self._cls(target.classes[0]))
            return node.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        node = self._type_node(target.classes)
        if ref.in_sequence:
            self._splice[id(node)] = node  # kept alive: its id cannot be reused
            return node
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])

    def _flatten(self, updated):
        if not any(
            isinstance(e, cst.Element) and self._splice.get(id(e.value)) is e.value
            for e in updated.elements
        ):
            return updated
        elements: List[cst.BaseElement] = []
        for element in updated.elements:
            if (
                isinstance(element, cst.Element)
                and self._splice.get(id(element.value)) is element.value
            ):
                inner = list(element.value.elements)  # type: ignore[attr-defined]
                inner[-1] = inner[-1].with_changes(comma=element.comma)
                elements.extend(inner)
            else:
                elements.append(element)
        return updated.with_changes(elements=elements)

    def leave_Tuple(
        self, original: cst.Tuple, updated: cst.Tuple
    ) -> cst.BaseExpression:
        return self._flatten(updated)

    def leave_List(self, original: cst.List, updated: cst.List) -> cst.BaseExpression:
        return self._flatten(updated)

    def leave_Set(self, original: cst.Set, updated: cst.Set) -> cst.BaseExpression:
        return self._flatten(updated)

    # -- attributes of a caught exception -------------------------------------------
    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        self._fstrings.append(node.start)

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ):
        self._fstrings.pop()
        return updated

    def _handler_attr(
        self, original: cst.Attribute, updated: cst.Attribute, handler, attr: str
    ):
        if handler not in self.handlers or self.ctx.suppressed(CODE):
            return updated
        var = _code(updated.value)
        if attr == "http_status":
            self._rewrite(original, f"{var}.http_status -> {var}.status_code")
            if self.handlers[handler]:
                return updated.with_changes(attr=cst.Name("status_code"))
            quote = "'" if any('"' in start for start in self._fstrings) else '"'
            node = cst.parse_expression(
                f"getattr({var}, {quote}status_code{quote}, None)"
            )
            return node.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        template = attribute_mapping(
            attr, self.sites.generations.get(original, "v1"), self.handlers[handler]
        )
        if template is None:  # attribute_block kept the file on OpenAI: not reached
            replacement = ATTR_TODOS.get(attr, "nothing").format(v=var)
            self.ctx.todo(
                CODE,
                original,
                f"`{var}.{attr}` has no equal on azure exceptions: {replacement}",
            )
            return updated
        code = template.format(v=var)
        if any('"' in start for start in self._fstrings):
            code = code.replace('"', "'")
        self._rewrite(original, f"{var}.{attr} -> {code}")
        node = cst.parse_expression(code)
        if isinstance(node, cst.Attribute):
            return node.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return node

    # -- isinstance, tenacity, backoff ---------------------------------------------
    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        context = self.sites.calls.get(original)
        if (
            context is None
            or self._blocked(original) is not None
            or self.ctx.suppressed(CODE)
        ):
            return updated
        spec = self.sites.specs[original]
        index = next(i for i, a in enumerate(original.args) if a.value is spec.expr)
        self._spec_notes(original, spec)
        new, kept, kept_azure, statuses, order = self._parts(
            spec, updated.args[index].value
        )
        if not new and not statuses:
            return updated
        if not statuses:
            args = list(updated.args)
            args[index] = args[index].with_changes(value=self._type_node(order))
            self._rewrite(
                original,
                f"{_code(original.func)}: OpenAI classes -> azure.core.exceptions",
            )
            return updated.with_changes(args=args)
        if context == ISINSTANCE:
            return self._isinstance(original, updated, new, kept, kept_azure, statuses)
        if context == TENACITY:
            return self._tenacity(original, updated, new, kept, kept_azure, statuses)
        return self._backoff(
            original, updated, index, new, kept, kept_azure, statuses, order
        )

    def _isinstance(
        self, original, updated, new, kept, kept_azure, statuses
    ) -> cst.BaseExpression:
        subject = updated.args[0].value
        if not _is_reference(subject):
            self.ctx.todo(
                CODE,
                original,
                f"isinstance of an expression against {', '.join(_code(e.expr) for e in self.sites.specs[original].entries)}: "
                f"assign it to a name, then check isinstance(name, {HTTP}) and name.status_code",
            )
            return updated
        classes, _, _ = self._conditions(new, kept, kept_azure)
        self._cls(HTTP)
        code = predicate(_code(subject), classes, statuses, check_http=True)
        self._rewrite(original, f"isinstance -> {code}")
        expr = cst.parse_expression(code)
        if original not in self.sites.bare_ok:
            expr = expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return expr

    def _tenacity(
        self, original, updated, new, kept, kept_azure, statuses
    ) -> cst.BaseExpression:
        classes, _, _ = self._conditions(new, kept, kept_azure)
        self._cls(HTTP)
        var = self._lambda_var(classes)
        test = predicate(var, classes, statuses, check_http=True)
        if original in self.sites.negated:
            test = f"not ({test})"
        func = updated.func
        if isinstance(func, cst.Attribute):
            new_func: cst.BaseExpression = func.with_changes(
                attr=cst.Name("retry_if_exception")
            )
        else:
            self.ctx.need_import("tenacity", "retry_if_exception")
            new_func = cst.Name("retry_if_exception")
        self._rewrite(
            original,
            f"{_code(original.func)} -> retry_if_exception(lambda {var}: {test})",
        )
        arg = updated.args[0].with_changes(
            value=cst.parse_expression(f"lambda {var}: {test}"),
            keyword=None,
            equal=cst.MaybeSentinel.DEFAULT,
        )
        return updated.with_changes(func=new_func, args=[arg])

    def _backoff(
        self, original, updated, index, new, kept, kept_azure, statuses, order
    ) -> cst.BaseExpression:
        if any(a.star == "**" for a in updated.args):
            self.ctx.todo(
                CODE,
                original,
                f"on_exception with **kwargs: catch {HTTP} and add giveup=lambda e: "
                f"{status_test('e', statuses, negate=True)} by hand",
            )
            return updated
        _, http_subclasses, all_http = self._conditions(new, kept, kept_azure)
        self._cls(HTTP)
        args = list(updated.args)
        args[index] = args[index].with_changes(value=self._type_node(order))
        giveup = next(
            (
                i
                for i, a in enumerate(args)
                if a.keyword is not None and a.keyword.value == "giveup"
            ),
            None,
        )
        old = _code(args[giveup].value) if giveup is not None else None
        var = self._lambda_var([_code(k) for k in kept] + ([old] if old else []))
        test = reraise_test(var, http_subclasses, statuses, check_http=not all_http)
        if giveup is not None:
            assert old is not None
            call = (
                f"{old}({var})"
                if _is_reference(args[giveup].value)
                else f"({old})({var})"
            )
            lam = f"lambda {var}: {_paren_and(test)} or {call}"
            args[giveup] = args[giveup].with_changes(value=cst.parse_expression(lam))
        else:
            lam = f"lambda {var}: {test}"
            args = _append_keyword(args, "giveup", cst.parse_expression(lam))
        self._rewrite(original, f"on_exception: {HTTP} with giveup={lam}")
        return updated.with_changes(args=args)

    # -- except clauses -------------------------------------------------------------
    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        """`except exception_type:` in a function that is only given one status class."""
        guard = self.sites.param_guards.get(original)
        if guard is None or self._blocked(original) is not None:
            return updated
        status, function = guard
        var = updated.name.name.value if updated.name is not None else self._var()  # type: ignore[union-attr]
        if updated.name is None:
            updated = updated.with_changes(name=_as_name(var))
        test = reraise_test(var, [], [status], check_http=True)
        self._cls(HTTP)
        body = _indented(updated.body)
        statement = cst.parse_statement(f"if {test}:\n    raise\n")
        self._rewrite(
            original,
            f"except {_code(original.type)}: {function}() is given {HTTP} for {status.describe()}",
        )
        return updated.with_changes(
            body=body.with_changes(body=[statement, *body.body])
        )

    def leave_Try(self, original: cst.Try, updated: cst.Try) -> cst.BaseStatement:
        return self._try(original, updated)

    def leave_TryStar(
        self, original: cst.TryStar, updated: cst.TryStar
    ) -> cst.BaseStatement:
        return self._try(original, updated)

    def _try(self, original, updated):
        if original not in self.sites.tries or self.ctx.suppressed(CODE):
            return updated
        if any(_has_ignore(h, CODE) for h in original.handlers):
            return (
                updated  # the clauses of one try are rewritten together or not at all
            )
        current = dict(zip(original.handlers, updated.handlers))
        blocked = self._blocked(original)
        if blocked is not None:
            handlers = []
            for h in original.handlers:
                spec = self.sites.specs[h]
                if spec.has_openai:
                    names = ", ".join(
                        _code(e.expr) for e in spec.entries if e.kind == "openai"
                    )
                    handlers.append(
                        self._handler_todo(
                            h, current[h], f"`{names}` is left as it is: {blocked}"
                        )
                    )
                else:
                    handlers.append(current[h])
            return updated.with_changes(handlers=handlers)
        plan = self.plans[original]
        if plan.todo is not None:
            assert plan.region is not None
            first = plan.clauses[plan.region[0]].handler
            current[first] = self._handler_todo(first, current[first], plan.todo)
            return updated.with_changes(
                handlers=[current[h] for h in original.handlers]
            )
        out: List[cst.ExceptHandler] = []
        i = 0
        while i < len(plan.clauses):
            if plan.region is not None and i == plan.region[0]:
                lo, hi = plan.region
                members = plan.clauses[lo : hi + 1]
                out.append(self._merge(members, [current[c.handler] for c in members]))
                i = hi + 1
                continue
            clause = plan.clauses[i]
            out.append(self._in_place(clause, current[clause.handler]))
            i += 1
        if plan.reordered:
            order = ", ".join(
                _code(c.handler.type)
                for c in plan.clauses
                if c.handler.type is not None
            )
            self._rewrite(
                original, f"except clauses reordered, most specific first: {order}"
            )
        return updated.with_changes(handlers=out)

    def _clause_type(self, clause: Clause, handler: cst.ExceptHandler):
        return self._parts(clause.spec, handler.type)

    def _in_place(
        self, clause: Clause, handler: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        original = clause.handler
        for note in clause.notes:
            handler = self._handler_todo(original, handler, note)
        if not clause.rewritten:
            return handler
        new, kept, kept_azure, statuses, order = self._clause_type(clause, handler)
        before = _code(original.type) if original.type is not None else ""
        handler = handler.with_changes(type=self._type_node(order))
        if not statuses:
            self._rewrite(original, f"except {before} -> except {_code(handler.type)}")
            return handler
        var = handler.name.name.value if handler.name is not None else self._var()  # type: ignore[union-attr]
        if handler.name is None:
            handler = handler.with_changes(name=_as_name(var))
        _, http_subclasses, all_http = self._conditions(new, kept, kept_azure)
        test = reraise_test(var, http_subclasses, statuses, check_http=not all_http)
        guard = cst.parse_statement(f"if {test}:\n    raise\n")
        body = _indented(handler.body)
        handler = handler.with_changes(body=body.with_changes(body=[guard, *body.body]))
        self._rewrite(
            original,
            f"except {before} -> except {_code(handler.type)}: {test} re-raises",
        )
        return handler

    def _merge(
        self, clauses: List[Clause], handlers: List[cst.ExceptHandler]
    ) -> cst.ExceptHandler:
        handlers = [
            self._notes_on(clause, handler)
            for clause, handler in zip(clauses, handlers)
        ]
        names = {
            h.name.name.value
            for h in handlers
            if h.name is not None and isinstance(h.name.name, cst.Name)
        }
        unnamed = [_code(h.body) for h in handlers if h.name is None]
        var = (
            next(iter(names))
            if len(names) == 1
            and not any(_mentions(b, next(iter(names))) for b in unnamed)
            else self._var()
        )
        parts = [self._clause_type(c, h) for c, h in zip(clauses, handlers)]
        union_new = [
            c
            for new, _, _, statuses, _ in parts
            for c in [*new, *([HTTP] if statuses else [])]
        ]
        union_kept = [k for _, kept, _, _, _ in parts for k in kept]
        union_kept_azure = [k for _, _, ka, _, _ in parts for k in ka]
        union_order = [i for *_, order in parts for i in order]
        last = clauses[-1]
        if last.catch_all:
            except_type: cst.BaseExpression = handlers[-1].type or cst.Name(
                "BaseException"
            )
        else:
            except_type = self._type_node(union_order)
        _, _, union_http = self._conditions(union_new, union_kept, union_kept_azure)
        union_http = union_http and not last.catch_all
        union_classes = self._minimal(union_new)
        branches: List[Tuple[Optional[str], cst.ExceptHandler]] = []
        for k, (clause, handler) in enumerate(zip(clauses, handlers)):
            new, kept, kept_azure, statuses, _ = parts[k]
            covers = not statuses and (
                clause.catch_all
                or (
                    len(kept) == len(union_kept)
                    and all(any(is_sub(u, c) for c in new) for u in union_classes)
                )
            )
            if covers and k == len(clauses) - 1:
                branches.append((None, handler))
                break
            classes, _, _ = self._conditions(new, kept, kept_azure)
            if statuses:
                self._cls(HTTP)
            branches.append(
                (predicate(var, classes, statuses, check_http=not union_http), handler)
            )
        orelse: Union[cst.If, cst.Else, None] = None
        if branches[-1][0] is not None:
            orelse = cst.Else(
                body=cst.IndentedBlock([cst.SimpleStatementLine([cst.Raise()])])
            )
        for test, handler in reversed(branches):
            body = _indented(handler.body)
            if (
                handler.name is not None
                and isinstance(handler.name.name, cst.Name)
                and handler.name.name.value != var
            ):
                alias = cst.parse_statement(f"{handler.name.name.value} = {var}\n")
                body = body.with_changes(body=[alias, *body.body])
            if test is None:
                orelse = cst.Else(body=body, leading_lines=handler.leading_lines)
            else:
                orelse = cst.If(
                    test=cst.parse_expression(test),
                    body=body,
                    orelse=orelse,
                    leading_lines=handler.leading_lines,
                )
        assert isinstance(orelse, cst.If)
        merged = handlers[0].with_changes(
            type=except_type,
            name=_as_name(var),
            body=cst.IndentedBlock([orelse.with_changes(leading_lines=[])]),
            whitespace_after_except=cst.SimpleWhitespace(" "),
        )
        before = ", ".join(
            _code(c.handler.type) if c.handler.type is not None else "bare except"
            for c in clauses
        )
        self._rewrite(
            clauses[0].handler,
            f"except clauses ({before}) -> one except {_code(except_type)} that dispatches",
        )
        return merged

    def _notes_on(
        self, clause: Clause, handler: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        for note in clause.notes:
            handler = self._handler_todo(clause.handler, handler, note)
        return handler


def _is_reference(node: cst.BaseExpression) -> bool:
    """A name or an attribute chain on a name: cheap and safe to evaluate twice."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def _mentions(code: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![\w.]){re.escape(name)}\b", code) is not None


def _elements(
    expr: Optional[cst.BaseExpression], is_tuple: bool
) -> List[cst.BaseExpression]:
    if expr is None:
        return []
    if is_tuple and isinstance(expr, cst.Tuple):
        return [e.value for e in expr.elements]
    return [expr]


def _as_name(var: str) -> cst.AsName:
    return cst.AsName(
        name=cst.Name(var),
        whitespace_before_as=cst.SimpleWhitespace(" "),
        whitespace_after_as=cst.SimpleWhitespace(" "),
    )


def _indented(body: cst.BaseSuite) -> cst.IndentedBlock:
    if isinstance(body, cst.IndentedBlock):
        return body
    assert isinstance(body, cst.SimpleStatementSuite)
    statements = list(body.body)
    if statements:
        last = statements[-1]
        if isinstance(last, cst.BaseSmallStatement):
            statements[-1] = last.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
    return cst.IndentedBlock(
        body=[cst.SimpleStatementLine(statements)],
        header=body.trailing_whitespace,
    )


def _append_keyword(
    args: List[cst.Arg], name: str, value: cst.BaseExpression
) -> List[cst.Arg]:
    new = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    if not args:
        return [new]
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # multi-line call with a trailing comma: the new argument takes the same layout
        previous = (
            args[-2].comma
            if len(args) > 1 and isinstance(args[-2].comma, cst.Comma)
            else None
        )
        new = new.with_changes(comma=last.comma)
        if previous is not None:
            last = last.with_changes(comma=previous)
        else:
            last = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        return [*args[:-1], last, new]
    last = last.with_changes(
        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    )
    return [*args[:-1], last, new]
