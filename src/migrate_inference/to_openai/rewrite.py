"""Carries out the plan of `migrate_inference.to_openai.plan` in one LibCST pass.

The rewriting of constructions and calls is in rewrite_calls.py (mixed into
`Rewriter`); the builders of new nodes both use are in nodes.py.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from migrate_inference.analysis.names import code_of, string_value
from migrate_inference.rules.base import CompositeTransformer, RuleContext
from migrate_inference.to_openai import helpers, names
from migrate_inference.to_openai.codes import (
    CLIENTS,
    ERRORS,
    MESSAGES,
    REQUEST_MODELS,
    RESPONSES,
)
from migrate_inference.to_openai.component import Component, Site
from migrate_inference.to_openai.nodes import comma, dict_node, kw, string_node
from migrate_inference.to_openai.rewrite_calls import CallRewriting

Node = cst.CSTNode


def _dotted(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


class Rewriter(CallRewriting, CompositeTransformer):
    def __init__(self, ctx: RuleContext, planner, plan) -> None:
        super().__init__(ctx, [])
        self.rules = [self]
        self.p = planner
        self.plan = plan
        self.value_rewriter = _ValueRewriter(self)
        self._kept: Dict[int, List[str]] = {}

    # ------------------------------------------------------------ TODOs

    def keep_comments(self, comments: List[str]) -> None:
        """Comments of arguments that disappear move above their statement."""
        if comments and self.ctx._statements:
            self._kept.setdefault(id(self.ctx._statements[-1][0]), []).extend(comments)

    def on_leave(self, original_node: Node, updated_node: Node):
        result = super().on_leave(original_node, updated_node)
        kept = self._kept.pop(id(original_node), None)
        if kept and isinstance(
            result, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ):
            # the engine's transformer may have kept them already (a changed statement
            # keeps every comment it had): add each one once
            present = [
                line.comment.value for line in result.leading_lines if line.comment
            ]
            for line in getattr(original_node, "leading_lines", ()):
                if line.comment and line.comment.value in present:
                    present.remove(line.comment.value)  # the user's own, not kept ones
            for comment in present:
                if comment in kept:
                    kept.remove(comment)
            lines = [cst.EmptyLine(comment=cst.Comment(c)) for c in kept]
            result = result.with_changes(leading_lines=[*result.leading_lines, *lines])
        return result

    def on_visit(self, node: Node) -> bool:
        result = super().on_visit(node)
        for code, message in self.plan.todo_at.get(node, ()):
            self.ctx.todo(code, node, message)
        return result

    # ------------------------------------------------------------ expressions

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute):
        if original in self.plan.enum_refs:
            return string_node(self.plan.enum_refs[original])
        if original in self.plan.created:
            self.ctx.rewrite(
                RESPONSES,
                original,
                "created is an int in openai: converted to the datetime azure-ai-inference returned",
            )
            return self._fromtimestamp(updated)
        return updated

    def leave_Annotation(self, original: cst.Annotation, updated: cst.Annotation):
        cls = self.plan.annotations.get(original)
        if cls is None:
            return updated
        self.ctx.rewrite(
            CLIENTS,
            original,
            f"the parameter that takes the client is annotated {cls}",
        )
        return updated.with_changes(annotation=self.plan.openai_name(cls))

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript):
        if original in self.plan.subscripts:
            key = string_value(original.slice[0].slice.value)  # type: ignore[union-attr]
            return cst.Attribute(value=updated.value, attr=cst.Name(key))
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call):
        plan = self.plan
        if original in plan.clients:
            return self._client(plan.clients[original], original, updated)
        if original in plan.sites:
            comp, site = plan.sites[original]
            return self._site(comp, site, original, updated)
        if original in plan.gets:
            return cst.Call(
                func=cst.Name("getattr"),
                args=[
                    cst.Arg(updated.func.value, comma=comma()),  # type: ignore[attr-defined]
                    cst.Arg(
                        original.args[0].value, comma=comma()
                    ),  # its own quotes: f-strings
                    cst.Arg(cst.Name("None")),
                ],
            )
        if original in plan.as_dicts:
            return updated.with_changes(
                func=updated.func.with_changes(attr=cst.Name("model_dump")),  # type: ignore[attr-defined]
                args=[kw("exclude_unset", cst.Name("True"))],
            )
        if original in plan.model_calls:
            return self._model_dict(original, updated)
        if original in plan.json_formats:
            return self._json_schema(original, updated)
        return updated

    def _fromtimestamp(self, value: cst.BaseExpression) -> cst.Call:
        module_form = self.plan.datetime_form == "module"
        func = (
            "datetime.datetime.fromtimestamp"
            if module_form
            else "datetime.fromtimestamp"
        )
        utc = "datetime.timezone.utc" if module_form else "timezone.utc"
        if module_form:
            self.ctx.need_import("datetime")
        else:
            self.ctx.need_import("datetime", "timezone")
        return cst.Call(
            func=_dotted(func),
            args=[cst.Arg(value, comma=comma()), cst.Arg(_dotted(utc))],
        )

    def _model_dict(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        cls = self.plan.model_calls[original]
        fixed, positional, allowed = names.MODEL_DICTS[cls]
        items: List[Tuple[str, cst.BaseExpression]] = list(
            (k, string_node(v)) for k, v in fixed
        )
        pos = [a for a in updated.args if a.keyword is None]
        for name, arg in zip(positional, pos):
            items.append((name, arg.value))
        for arg in updated.args:
            if arg.keyword is not None:
                items.append((arg.keyword.value, arg.value))
        if cls in (
            "ImageContentItem",
            "AudioContentItem",
            "ChatCompletionsToolDefinition",
            "ChatCompletionsNamedToolChoice",
        ):
            pass
        code = (
            MESSAGES
            if cls in names.ROLE_OF_MESSAGE
            or cls.endswith(("ContentItem", "Url", "Audio"))
            else REQUEST_MODELS
        )
        self.ctx.rewrite(code, original, f"{cls}(...) became a dict")
        return dict_node(items)

    def _json_schema(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        inner = [(a.keyword.value, a.value) for a in updated.args if a.keyword is not None]  # type: ignore[union-attr]
        self.ctx.rewrite(
            REQUEST_MODELS,
            original,
            'JsonSchemaFormat(...) became {"type": "json_schema", "json_schema": {...}}',
        )
        return dict_node(
            [("type", string_node("json_schema")), ("json_schema", dict_node(inner))]
        )

    def copy(
        self,
        node: cst.BaseExpression,
        comp: Optional[Component] = None,
        site: Optional[Site] = None,
    ) -> cst.BaseExpression:
        """A converted copy of an original expression (a client default copied into a
        call), with a factory's parameters replaced by the call's arguments."""
        rewriter = self.value_rewriter
        if comp is not None and site is not None and comp.param_refs:
            rewriter = _ValueRewriter(
                self,
                {
                    n: site.bindings[v]
                    for n, v in comp.param_refs.items()
                    if v in site.bindings
                },
            )
        return node.visit(rewriter)  # type: ignore[return-value]

    # ------------------------------------------------------------ streams

    def leave_For(self, original: cst.For, updated: cst.For):
        target = self.plan.loops.get(original)
        if target is None:
            return updated
        if _guarded(updated.body, target):
            return updated
        guard = cst.parse_statement(
            f"if not {target}.choices and not {target}.usage:\n    continue\n"
        )
        body = updated.body
        if isinstance(body, cst.IndentedBlock):
            body = body.with_changes(body=[guard, *body.body])
        else:
            body = cst.IndentedBlock(
                body=[guard, cst.SimpleStatementLine(body=body.body)]
            )
        self.ctx.rewrite(
            RESPONSES,
            original,
            "the stream loop skips chunks without choices (Azure sends one first; azure-ai-inference dropped them)",
        )
        return updated.with_changes(body=body)

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor):
        target = self.plan.loops.get(original)
        if target is None:
            return updated
        condition = cst.parse_expression(f"{target}.choices or {target}.usage")
        ifs = [
            cst.CompIf(test=condition, whitespace_before=cst.SimpleWhitespace(" ")),
            *updated.ifs,
        ]
        self.ctx.rewrite(
            RESPONSES, original, "the stream comprehension skips chunks without choices"
        )
        return updated.with_changes(ifs=ifs)

    # ------------------------------------------------------------ errors

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ):
        new_type = self.plan.handler_types.get(original)
        if new_type is None:
            return updated
        self.ctx.rewrite(ERRORS, original, f"except {code_of(original.type)} became except {code_of(new_type)}")  # type: ignore[arg-type]
        return updated.with_changes(type=new_type)

    # ------------------------------------------------------------ module

    def leave_Module(self, original: cst.Module, updated: cst.Module):
        if not self.plan.helpers:
            return updated
        body = list(updated.body)
        end = 0
        while end < len(body) and _is_header(body[end]):
            end += 1
        new = [
            helpers.statements(name)
            for name in helpers.ORDER
            if name in self.plan.helpers
        ]
        if end < len(body):
            nxt = body[end]
            lines = list(getattr(nxt, "leading_lines", ()))
            if (
                len([l for l in lines if l.comment is None and not l.whitespace.value])
                < 2
            ):
                body[end] = nxt.with_changes(
                    leading_lines=[
                        cst.EmptyLine(),
                        cst.EmptyLine(),
                        *[
                            l
                            for l in lines
                            if l.comment is not None or l.whitespace.value
                        ],
                    ]
                )
        return updated.with_changes(body=[*body[:end], *new, *body[end:]])


def _guarded(body: cst.BaseSuite, target: str) -> bool:
    """The loop body is all `if <target>.choices: ...` already (no else), or starts
    with `if not <target>.choices: continue` (which skips the usage chunk as well)."""
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return False
    stmt = body.body[0]
    if (
        isinstance(stmt, cst.If)
        and stmt.orelse is None
        and " ".join(code_of(stmt.test).split())
        in (f"not {target}.choices", f"not {target}.choices and not {target}.usage")
        and isinstance(stmt.body, cst.IndentedBlock)
        and len(stmt.body.body) == 1
        and isinstance(stmt.body.body[0], cst.SimpleStatementLine)
        and len(stmt.body.body[0].body) == 1
        and isinstance(stmt.body.body[0].body[0], cst.Continue)
    ):
        return True
    if len(body.body) != 1:
        return False
    return (
        isinstance(stmt, cst.If)
        and stmt.orelse is None
        and isinstance(stmt.test, cst.Attribute)
        and isinstance(stmt.test.value, cst.Name)
        and stmt.test.value.value == target
        and stmt.test.attr.value == "choices"
    )


def _is_header(stmt: cst.CSTNode) -> bool:
    if not isinstance(stmt, cst.SimpleStatementLine):
        return False
    return all(
        isinstance(s, (cst.Import, cst.ImportFrom))
        or (
            isinstance(s, cst.Expr)
            and isinstance(s.value, (cst.SimpleString, cst.ConcatenatedString))
        )
        for s in stmt.body
    )


class _ValueRewriter(cst.CSTTransformer):
    """The expression conversions alone, for copies of client defaults."""

    def __init__(self, owner: Rewriter, bindings=None) -> None:
        super().__init__()
        self.owner = owner
        self.bindings = bindings or {}

    def leave_Name(self, original, updated):
        if original in self.bindings:
            return self.bindings[original].deep_clone()
        return updated

    def leave_Attribute(self, original, updated):
        if original in self.owner.plan.enum_refs:
            return string_node(self.owner.plan.enum_refs[original])
        return updated

    def leave_Call(self, original, updated):
        plan = self.owner.plan
        if original in plan.model_calls:
            return self.owner._model_dict(original, updated)
        if original in plan.json_formats:
            return self.owner._json_schema(original, updated)
        return updated
