"""Rewriting the constructions and the calls of a migrating client: the keyword
arguments, endpoint, key and timeout of `OpenAI(...)`, and each call's arguments.

Mixed into `Rewriter` (rewrite.py), whose plan and `copy` it uses through `self`.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from migrate_inference.analysis.names import code_of, string_value
from migrate_inference.to_openai import helpers, mapping, names
from migrate_inference.to_openai.codes import CHAT, CLIENTS, EMBEDDINGS
from migrate_inference.to_openai.component import Component, Site
from migrate_inference.to_openai.nodes import (
    comma,
    dict_node,
    kw,
    relayout,
    string_node,
)


class CallRewriting:
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
            base_url: cst.BaseExpression = string_node(endpoint.base_url)
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
            (kw("base_url", base_url), kwargs["endpoint"])
        ]
        used = {"endpoint", "credential", "headers", "read_timeout", "retry_total"}
        if comp.credential.kind == "key":
            new.append(
                (
                    kw("api_key", self._key(comp, kwargs["credential"].value)),
                    kwargs["credential"],
                )
            )
        else:
            provider = self.plan.provider_name(comp.aio)
            args = [cst.Arg(kwargs["credential"].value, comma=comma())]
            scopes = kwargs.get("credential_scopes")
            if scopes is None:
                args.append(cst.Arg(string_node(mapping.AZURE_OPENAI_SCOPE)))
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
                                comma()
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
                    kw("api_key", cst.Call(func=cst.Name(provider), args=args)),
                    kwargs["credential"],
                )
            )
        if "headers" in kwargs:
            new.append(
                (kw("default_headers", kwargs["headers"].value), kwargs["headers"])
            )
        timeout = self._timeout(kwargs)
        if timeout is not None:
            new.append(
                (
                    kw("timeout", timeout),
                    kwargs.get("read_timeout") or kwargs.get("connection_timeout"),
                )
            )
        retries = kwargs.get("retry_total")
        new.append(
            (
                kw(
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
                    comma=comma(),
                ),
                kw("connect", connect.value),
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
                    elements=[e.with_changes(comma=comma()) for e in extras[:-1]]
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
        new.append((kw("model", model), updated_kwargs.get("model")))
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
                    value = dict_node([("type", string_node(text))])
                new.append((kw("response_format", value), src))
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
                            new.append((kw(key, element.value), None))
                        else:
                            rest.append(element)
                    if rest:
                        rest[-1] = rest[-1].with_changes(
                            comma=cst.MaybeSentinel.DEFAULT
                        )
                        new.append(
                            (kw("extra_body", value.with_changes(elements=rest)), src)
                        )
                    elif src is not None:
                        dropped.append(src)
                else:
                    new.append((kw("extra_body", value), src))
            elif row.action in (mapping.RENAME,):
                new.append((kw(row.target, value), src))  # type: ignore[arg-type]
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
                new.append((kw("timeout", timeout), src))  # type: ignore[arg-type]
            else:
                new.append((kw(name, value), src))
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
            return string_node(endpoint.deployment)
        if endpoint.static is not None:
            assert given is not None
            return given
        if endpoint.deployment_expr is not None:
            return self.copy(endpoint.deployment_expr, comp, site)
        self.plan.helpers.add(helpers.DEPLOYMENT)
        args = [cst.Arg(self.copy(endpoint.expr, comp, site))]
        if given is not None:
            args = [args[0].with_changes(comma=comma()), cst.Arg(given)]
        return cst.Call(func=cst.Name(helpers.DEPLOYMENT), args=args)


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
