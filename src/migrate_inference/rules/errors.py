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

from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from migrate_inference.analysis.error_refs import Spec, split_elements
from migrate_inference.analysis.errors_tables import (
    ANNOTATION,
    ATTR_TODOS,
    AZURE,
    BASE,
    ERRORS_CODE,
    EXCEPT,
    HTTP,
    OWNED,
    RAISE,
    Status,
    attribute_mapping,
    code_of,
    is_sub,
)
from migrate_inference.analysis.error_plans import (
    TryPlan,
    blocking_reasons,
    plan_try,
    unusable_note,
)
from migrate_inference.findings import TODO
from migrate_inference.rules.base import RuleState, tool_note
from migrate_inference.rules.error_calls import CallRewrites
from migrate_inference.rules.error_clauses import ClauseRewrites, mentions_name

CODE = ERRORS_CODE  # "MI340"
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


class ErrorsRule(ClauseRewrites, CallRewrites):
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
            if not any(mentions_name(code, candidate) for code in codes):
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
            code = code_of(item)
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
        current = split_elements(updated_expr, spec.is_tuple)
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
                self.ctx.todo(CODE, original, unusable_note(entry.ref))

    def _conditions(
        self, new: Sequence[str], kept: Sequence[cst.BaseExpression], kept_azure
    ):
        """(class codes for isinstance, HttpResponseError subclasses among them, all of them are HTTP)."""
        classes = [self._cls(c) for c in self._minimal(new)] + [
            code_of(k) for k in kept
        ]
        http_subclasses = [
            self._cls(c) for c in self._minimal(new) if is_sub(c, HTTP) and c != HTTP
        ]
        http_subclasses += [
            code_of(expr)
            for cls, expr in kept_azure
            if is_sub(cls, HTTP) and cls != HTTP
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
                CODE, original, f"`{code_of(original)}` is left as it is: {blocked}"
            )
            return updated
        if ref.context in OWNED:
            return updated  # the enclosing call rewrites it
        if not ref.usable:
            self.ctx.todo(CODE, original, unusable_note(ref))
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
        var = code_of(updated.value)
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
