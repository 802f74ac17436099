"""Carries out the plan of `migrate_inference.to_openai.plan` in one LibCST pass."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from migrate_inference.analysis.names import code_of, py_string, string_value
from migrate_inference.rules.base import CompositeTransformer, RuleContext
from migrate_inference.to_openai import helpers, mapping, names
from migrate_inference.to_openai.codes import (
    CHAT,
    CLIENTS,
    EMBEDDINGS,
    ERRORS,
    MESSAGES,
    REQUEST_MODELS,
    RESPONSES,
)
from migrate_inference.to_openai.component import Component, Site

Node = cst.CSTNode


def _string(value: str) -> cst.SimpleString:
    return cst.SimpleString(py_string(value))


def _kw(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )


def _dotted(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)


def _dict(items: Sequence[Tuple[str, cst.BaseExpression]]) -> cst.Dict:
    elements = []
    for i, (key, value) in enumerate(items):
        comma = (
            cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if i < len(items) - 1
            else cst.MaybeSentinel.DEFAULT
        )
        elements.append(cst.DictElement(key=_string(key), value=value, comma=comma))
    return cst.Dict(elements=elements)


def _comment_of(arg: Optional[cst.Arg]) -> Optional[cst.TrailingWhitespace]:
    comma = getattr(arg, "comma", None)
    ws = getattr(comma, "whitespace_after", None)
    if (
        isinstance(ws, cst.ParenthesizedWhitespace)
        and ws.first_line.comment is not None
    ):
        return ws.first_line
    return None


def relayout(
    original: Sequence[cst.Arg],
    new: List[Tuple[cst.Arg, Optional[cst.Arg]]],
    dropped: Sequence[cst.Arg] = (),
    call: Optional[cst.Call] = None,
) -> Tuple[List[cst.Arg], List[str]]:
    """Commas for `new` copied from the original argument list's layout (one line or
    one per line); a comment after an argument stays with the argument it belonged
    to.  Returns the arguments and the comments of dropped arguments."""
    lost = [
        c.comment.value
        for c in map(_comment_of, dropped)
        if c is not None and c.comment
    ]
    if not new:
        return [], lost
    if not original:
        inner: Union[cst.Comma, cst.MaybeSentinel] = cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" ")
        )
        last: Union[cst.Comma, cst.MaybeSentinel] = cst.MaybeSentinel.DEFAULT
    else:
        template = original[0] if len(original) > 1 else None
        inner = (
            template.comma
            if template is not None and isinstance(template.comma, cst.Comma)
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        last = original[-1].comma
        if isinstance(last, cst.Comma) and len(original) == 1:
            inner = last
        elif (
            len(original) == 1
            and call is not None
            and isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace)
        ):
            inner = cst.Comma(whitespace_after=call.whitespace_before_args)
    plain = _without_comment(inner)
    plain_last = _without_comment(last)
    out = []
    for i, (arg, src) in enumerate(new):
        comma = plain if i < len(new) - 1 else plain_last
        comment = _comment_of(src)
        if comment is not None:
            if isinstance(comma, cst.Comma) and isinstance(
                comma.whitespace_after, cst.ParenthesizedWhitespace
            ):
                comma = comma.with_changes(
                    whitespace_after=comma.whitespace_after.with_changes(
                        first_line=comment
                    )
                )
            else:
                comma = src.comma  # type: ignore[union-attr]
        after = (
            original[-1].whitespace_after_arg
            if original and i == len(new) - 1
            else cst.SimpleWhitespace("")
        )
        out.append(arg.with_changes(comma=comma, whitespace_after_arg=after))
    return out, lost


def _without_comment(comma):
    if isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        ws = comma.whitespace_after
        if ws.first_line.comment is not None:
            return comma.with_changes(
                whitespace_after=ws.with_changes(first_line=cst.TrailingWhitespace())
            )
    return comma


class Rewriter(CompositeTransformer):
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
            return _string(self.plan.enum_refs[original])
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
                    cst.Arg(updated.func.value, comma=_comma()),  # type: ignore[attr-defined]
                    cst.Arg(
                        original.args[0].value, comma=_comma()
                    ),  # its own quotes: f-strings
                    cst.Arg(cst.Name("None")),
                ],
            )
        if original in plan.as_dicts:
            return updated.with_changes(
                func=updated.func.with_changes(attr=cst.Name("model_dump")),  # type: ignore[attr-defined]
                args=[_kw("exclude_unset", cst.Name("True"))],
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
            args=[cst.Arg(value, comma=_comma()), cst.Arg(_dotted(utc))],
        )

    def _model_dict(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        cls = self.plan.model_calls[original]
        fixed, positional, allowed = names.MODEL_DICTS[cls]
        items: List[Tuple[str, cst.BaseExpression]] = list(
            (k, _string(v)) for k, v in fixed
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
        return _dict(items)

    def _json_schema(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        inner = [(a.keyword.value, a.value) for a in updated.args if a.keyword is not None]  # type: ignore[union-attr]
        self.ctx.rewrite(
            REQUEST_MODELS,
            original,
            'JsonSchemaFormat(...) became {"type": "json_schema", "json_schema": {...}}',
        )
        return _dict([("type", _string("json_schema")), ("json_schema", _dict(inner))])

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

    # ------------------------------------------------------------ clients

    def _updated_kwargs(
        self,
        original: cst.Call,
        updated: cst.Call,
        names_by_pos=("endpoint", "credential"),
    ) -> Dict[str, cst.Arg]:
        out: Dict[str, cst.Arg] = {}
        positional = list(names_by_pos)
        for arg in updated.args:
            if arg.keyword is None:
                out[positional.pop(0)] = arg
            else:
                out[arg.keyword.value] = arg
        return out

    def _client(
        self, comp: Component, original: cst.Call, updated: cst.Call
    ) -> cst.Call:
        kwargs = self._updated_kwargs(original, updated)
        endpoint = comp.endpoint
        assert endpoint is not None and comp.credential is not None
        if endpoint.base_url is not None and string_value(endpoint.expr) is not None:
            base_url: cst.BaseExpression = _string(endpoint.base_url)
        else:
            self.plan.helpers.add(helpers.BASE_URL)
            value = kwargs["endpoint"].value
            if endpoint.base_expr is not None:
                # <base> + "/openai/deployments/..." (updated): the base is enough
                value = value.left  # type: ignore[attr-defined]
                if endpoint.deployment_expr is not None:
                    value = value.left  # type: ignore[attr-defined]
            base_url = cst.Call(func=cst.Name(helpers.BASE_URL), args=[cst.Arg(value)])
        new: List[Tuple[cst.Arg, Optional[cst.Arg]]] = [
            (_kw("base_url", base_url), kwargs["endpoint"])
        ]
        used = {"endpoint", "credential", "headers", "read_timeout", "retry_total"}
        if comp.credential.kind == "key":
            new.append(
                (
                    _kw("api_key", self._key(comp, kwargs["credential"].value)),
                    kwargs["credential"],
                )
            )
        else:
            provider = self.plan.provider_name(comp.aio)
            args = [cst.Arg(kwargs["credential"].value, comma=_comma())]
            scopes = kwargs.get("credential_scopes")
            if scopes is None:
                args.append(cst.Arg(_string(mapping.AZURE_OPENAI_SCOPE)))
            elif (
                isinstance(scopes.value, (cst.List, cst.Tuple))
                and scopes.value.elements
            ):
                elements = scopes.value.elements
                for i, element in enumerate(elements):
                    args.append(
                        cst.Arg(
                            element.value,
                            star="*" if isinstance(element, cst.StarredElement) else "",
                            comma=(
                                _comma()
                                if i < len(elements) - 1
                                else cst.MaybeSentinel.DEFAULT
                            ),
                        )
                    )
            else:
                args.append(cst.Arg(scopes.value, star="*"))
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            new.append(
                (
                    _kw("api_key", cst.Call(func=cst.Name(provider), args=args)),
                    kwargs["credential"],
                )
            )
        if "headers" in kwargs:
            new.append(
                (_kw("default_headers", kwargs["headers"].value), kwargs["headers"])
            )
        timeout = self._timeout(kwargs)
        if timeout is not None:
            new.append(
                (
                    _kw("timeout", timeout),
                    kwargs.get("read_timeout") or kwargs.get("connection_timeout"),
                )
            )
        retries = kwargs.get("retry_total")
        new.append(
            (
                _kw(
                    "max_retries",
                    (
                        retries.value
                        if retries is not None
                        else cst.Integer(str(mapping.AZURE_CORE_DEFAULT_RETRIES))
                    ),
                ),
                retries,
            )
        )
        dropped = [a for k, a in kwargs.items() if k not in used]
        cls = "AsyncOpenAI" if comp.aio else "OpenAI"
        func = self.plan.openai_name(cls)
        self.ctx.rewrite(
            CLIENTS,
            original,
            f"{code_of(original.func)}(...) became {cls}(...) on the /openai/v1/ endpoint",
        )
        args, lost = relayout(updated.args, new, dropped, updated)
        self.keep_comments(lost)
        return updated.with_changes(func=func, args=args)

    def _key(
        self, comp: Component, credential: cst.BaseExpression
    ) -> cst.BaseExpression:
        """The key inside AzureKeyCredential(key) (converted), or `<name>.key` for a credential variable."""
        if isinstance(credential, cst.Call):
            positional = [a for a in credential.args if a.keyword is None]
            for a in credential.args:
                if a.keyword is not None and a.keyword.value == "key":
                    return a.value
            return positional[0].value
        return comp.credential.expr.deep_clone()  # type: ignore[union-attr]

    def _timeout(self, kwargs: Dict[str, cst.Arg]) -> Optional[cst.BaseExpression]:
        read = kwargs.get("read_timeout")
        connect = kwargs.get("connection_timeout")
        if connect is None:
            return read.value if read is not None else None
        self.ctx.need_import("openai", "Timeout")
        return cst.Call(
            func=cst.Name("Timeout"),
            args=[
                cst.Arg(
                    read.value if read is not None else cst.Float("300.0"),
                    comma=_comma(),
                ),
                _kw("connect", connect.value),
            ],
        )

    # ------------------------------------------------------------ calls

    def _site(
        self, comp: Component, site: Site, original: cst.Call, updated: cst.Call
    ) -> cst.Call:
        func = updated.func
        assert isinstance(func, cst.Attribute)
        if comp.api == "chat":
            new_func = cst.Attribute(
                value=cst.Attribute(
                    value=cst.Attribute(value=func.value, attr=cst.Name("chat")),
                    attr=cst.Name("completions"),
                ),
                attr=cst.Name("create"),
            )
            request = mapping.CHAT_REQUEST
            table = mapping.CHAT
            keywords = mapping.MODEL_EXTRAS_KEYWORDS
        else:
            new_func = cst.Attribute(
                value=cst.Attribute(value=func.value, attr=cst.Name("embeddings")),
                attr=cst.Name("create"),
            )
            request = mapping.EMBEDDINGS_REQUEST
            table = mapping.EMBEDDINGS
            keywords = mapping.EMBEDDINGS_EXTRAS_KEYWORDS
        new: List[Tuple[cst.Arg, Optional[cst.Arg]]] = []
        dropped: List[cst.Arg] = []
        body_at = None
        if site.body is not None:
            body_at = site.call.args.index(site.body)
            dropped.append(updated.args[body_at])
        updated_kwargs = {
            a.keyword.value: a
            for i, a in enumerate(updated.args)
            if a.keyword is not None and i != body_at
        }
        values: Dict[str, cst.BaseExpression] = {}
        order: List[str] = []
        for name, arg in updated_kwargs.items():
            order.append(name)
            values[name] = arg.value
        if body_at is not None:
            # the body's entries, converted, in place of the keywords they stand for
            body = updated.args[body_at].value
            assert isinstance(body, cst.Dict)
            extras = []
            for element in body.elements:
                assert isinstance(element, cst.DictElement)
                key = string_value(element.key)
                if key in site.body_keywords:
                    order.append(key)  # type: ignore[arg-type]
                    values[key] = element.value  # type: ignore[index]
                else:
                    extras.append(element.with_changes(comma=cst.MaybeSentinel.DEFAULT))
            if extras:
                order.append("model_extras")
                values["model_extras"] = cst.Dict(
                    elements=[e.with_changes(comma=_comma()) for e in extras[:-1]]
                    + extras[-1:]
                )
        # client-level defaults the call does not set (not with a body: azure-ai-inference
        # sends a body as it is)
        for name, arg in comp.kwargs.items() if body_at is None else ():
            if name in request and name not in values and name != "model":
                if _is_none(arg.value):
                    continue
                order.append(name)
                values[name] = self.copy(arg.value, comp, site)
        model = self._model_value(comp, site, values)
        new.append((_kw("model", model), updated_kwargs.get("model")))
        extras_keys = set()
        for name in order:
            value = values[name]
            if name == "model":
                continue
            src = updated_kwargs.get(name)
            if _is_none(value):
                if src is not None:
                    dropped.append(src)
                continue  # azure-ai-inference drops None; openai would send null
            row = table[name]
            if row.action == mapping.RESPONSE_FORMAT:
                text = string_value(value)
                if text is not None:
                    value = _dict([("type", _string(text))])
                new.append((_kw("response_format", value), src))
            elif row.action == mapping.EXTRAS:
                source_keys = site.extras if name in site.kwargs else None
                if name not in site.kwargs and name in comp.kwargs:
                    source = comp.kwargs[name].value
                    if isinstance(source, cst.Dict):
                        from migrate_inference.analysis.names import literal_keys

                        source_keys = literal_keys(source)
                if isinstance(value, cst.Dict) and source_keys is not None:
                    rest = []
                    for element in value.elements:
                        assert isinstance(element, cst.DictElement)
                        key = string_value(element.key)
                        if (
                            key in keywords
                            and key not in values
                            and key not in extras_keys
                        ):
                            extras_keys.add(key)
                            new.append((_kw(key, element.value), None))
                        else:
                            rest.append(element)
                    if rest:
                        rest[-1] = rest[-1].with_changes(
                            comma=cst.MaybeSentinel.DEFAULT
                        )
                        new.append(
                            (_kw("extra_body", value.with_changes(elements=rest)), src)
                        )
                    elif src is not None:
                        dropped.append(src)
                else:
                    new.append((_kw("extra_body", value), src))
            elif row.action in (mapping.RENAME,):
                new.append((_kw(row.target, value), src))  # type: ignore[arg-type]
            elif row.action == mapping.TIMEOUT:
                if name == "read_timeout" and "connection_timeout" in values:
                    if src is not None:
                        dropped.append(src)
                    continue
                timeout = self._timeout(
                    {
                        k: cst.Arg(values[k])
                        for k in ("read_timeout", "connection_timeout")
                        if k in values
                    }
                )
                new.append((_kw("timeout", timeout), src))  # type: ignore[arg-type]
            else:
                new.append((_kw(name, value), src))
        api = "chat.completions.create" if comp.api == "chat" else "embeddings.create"
        self.ctx.rewrite(
            CHAT if comp.api == "chat" else EMBEDDINGS,
            original,
            f"{names.CALL_METHOD[comp.api]}(...) became {api}(...)",
        )
        args, lost = relayout(updated.args, new, dropped, updated)
        self.keep_comments(lost)
        return updated.with_changes(func=new_func, args=args)

    def _model_value(
        self, comp: Component, site: Site, values: Dict[str, cst.BaseExpression]
    ) -> cst.BaseExpression:
        endpoint = comp.endpoint
        assert endpoint is not None
        given: Optional[cst.BaseExpression] = values.get("model")
        if given is None and "model" in comp.kwargs and site.body is None:
            given = self.copy(comp.kwargs["model"].value, comp, site)
        if endpoint.deployment is not None:
            return _string(endpoint.deployment)
        if endpoint.static is not None:
            assert given is not None
            return given
        if endpoint.deployment_expr is not None:
            return self.copy(endpoint.deployment_expr, comp, site)
        self.plan.helpers.add(helpers.DEPLOYMENT)
        args = [cst.Arg(self.copy(endpoint.expr, comp, site))]
        if given is not None:
            args = [args[0].with_changes(comma=_comma()), cst.Arg(given)]
        return cst.Call(func=cst.Name(helpers.DEPLOYMENT), args=args)

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


def _comma() -> cst.Comma:
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


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
            return _string(self.owner.plan.enum_refs[original])
        return updated

    def leave_Call(self, original, updated):
        plan = self.owner.plan
        if original in plan.model_calls:
            return self.owner._model_dict(original, updated)
        if original in plan.json_formats:
            return self.owner._json_schema(original, updated)
        return updated
