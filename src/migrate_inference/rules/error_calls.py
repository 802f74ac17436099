"""The isinstance, tenacity and backoff half of the errors rule (rules/errors.py): a
call that names OpenAI exception classes (`isinstance(e, openai.RateLimitError)`,
`retry_if_exception_type(...)`, `backoff.on_exception(...)`) rewritten to the Azure
classes, with a status test where a status class has no Azure class of its own.  Not
a rule: a mixin of `ErrorsRule`, which gives it the class codes, the spec parts and the
conditions (`_cls`, `_parts`, `_conditions`, `_type_node`)."""

from __future__ import annotations

import libcst as cst

from migrate_inference.analysis.errors_tables import (
    ERRORS_CODE,
    HTTP,
    ISINSTANCE,
    TENACITY,
    code_of,
)
from migrate_inference.rules.error_clauses import append_keyword, is_plain_reference
from migrate_inference.rules.error_conditions import (
    paren_and,
    predicate,
    reraise_test,
    status_test,
)

CODE = ERRORS_CODE


class CallRewrites:
    """`ErrorsRule`'s hooks for the calls that name exception classes."""

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
                f"{code_of(original.func)}: OpenAI classes -> azure.core.exceptions",
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
        if not is_plain_reference(subject):
            self.ctx.todo(
                CODE,
                original,
                f"isinstance of an expression against {', '.join(code_of(e.expr) for e in self.sites.specs[original].entries)}: "
                f"assign it to a name, then check isinstance(name, {HTTP}) and name.status_code",
            )
            return updated
        classes, _, _ = self._conditions(new, kept, kept_azure)
        self._cls(HTTP)
        code = predicate(code_of(subject), classes, statuses, check_http=True)
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
            f"{code_of(original.func)} -> retry_if_exception(lambda {var}: {test})",
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
        old = code_of(args[giveup].value) if giveup is not None else None
        var = self._lambda_var([code_of(k) for k in kept] + ([old] if old else []))
        test = reraise_test(var, http_subclasses, statuses, check_http=not all_http)
        if giveup is not None:
            assert old is not None
            call = (
                f"{old}({var})"
                if is_plain_reference(args[giveup].value)
                else f"({old})({var})"
            )
            lam = f"lambda {var}: {paren_and(test)} or {call}"
            args[giveup] = args[giveup].with_changes(value=cst.parse_expression(lam))
        else:
            lam = f"lambda {var}: {test}"
            args = append_keyword(args, "giveup", cst.parse_expression(lam))
        self._rewrite(original, f"on_exception: {HTTP} with giveup={lam}")
        return updated.with_changes(args=args)
