"""The except-clause half of the errors rule (rules/errors.py): `try` statements and
their handlers, rewritten from the plan (analysis/error_plans.py).  Not a rule: a mixin
of `ErrorsRule`, and the small code helpers both halves use."""

from __future__ import annotations

from typing import List, Optional, Tuple, Union

import libcst as cst

from migrate_inference.analysis.errors_tables import (
    ERRORS_CODE,
    HTTP,
    code_of,
    is_sub,
)
from migrate_inference.analysis.error_plans import Clause
from migrate_inference.rules.error_conditions import predicate, reraise_test
from migrate_inference.rules.suppression import has_ignore


class ClauseRewrites:
    """`ErrorsRule`'s hooks for try statements and except clauses."""

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
            f"except {code_of(original.type)}: {function}() is given {HTTP} for {status.describe()}",
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
        if original not in self.sites.tries or self.ctx.suppressed(ERRORS_CODE):
            return updated
        if any(has_ignore(h, ERRORS_CODE) for h in original.handlers):
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
                        code_of(e.expr) for e in spec.entries if e.kind == "openai"
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
                code_of(c.handler.type)
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
        before = code_of(original.type) if original.type is not None else ""
        handler = handler.with_changes(type=self._type_node(order))
        if not statuses:
            self._rewrite(
                original, f"except {before} -> except {code_of(handler.type)}"
            )
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
            f"except {before} -> except {code_of(handler.type)}: {test} re-raises",
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
        unnamed = [code_of(h.body) for h in handlers if h.name is None]
        var = (
            next(iter(names))
            if len(names) == 1
            and not any(mentions_name(b, next(iter(names))) for b in unnamed)
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
            code_of(c.handler.type) if c.handler.type is not None else "bare except"
            for c in clauses
        )
        self._rewrite(
            clauses[0].handler,
            f"except clauses ({before}) -> one except {code_of(except_type)} that dispatches",
        )
        return merged

    def _notes_on(
        self, clause: Clause, handler: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        for note in clause.notes:
            handler = self._handler_todo(clause.handler, handler, note)
        return handler


def is_plain_reference(node: cst.BaseExpression) -> bool:
    """A name or an attribute chain on a name: cheap and safe to evaluate twice."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)


def mentions_name(code: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![\w.]){re.escape(name)}\b", code) is not None


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


def append_keyword(
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
