"""Planning each call on a client: its keyword arguments, a literal body, the model
and the defaults that must read the same after the move.

Mixed into `Planner` (plan.py), whose state and name lookups (`qname`, `parent`,
`scopes`, ...) it reads through `self`.
"""

from __future__ import annotations

import builtins
from typing import Callable, List, Optional

import libcst as cst
from libcst.metadata import GlobalScope

from migrate_inference.analysis.names import code_of, literal_keys, string_value
from migrate_inference.to_openai import mapping, names
from migrate_inference.to_openai.codes import CHAT, EMBEDDINGS, RESPONSES
from migrate_inference.to_openai.component import ENV_READS, Component, Site, walk


def _is_none_literal(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


# nodes that never read the same in another place
NOT_PORTABLE = (
    cst.Lambda,
    cst.GeneratorExp,
    cst.ListComp,
    cst.DictComp,
    cst.SetComp,
    cst.NamedExpr,
    cst.Await,
    cst.Yield,
)
# string methods on a portable value give a portable value
STRING_METHODS = ("rstrip", "strip", "lstrip", "format", "lower", "replace")


class CallPlanning:
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
            elif key == "model_extras" or (
                row is not None and row.action == mapping.TODO
            ):
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
            if positional_body or (
                arg.keyword is not None and arg.keyword.value == "body"
            ):
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
        read = self.names_read(
            expr, lambda call: self.model_class(call.func) is not None
        )
        if read is None:
            return False
        for node in read:
            if node in comp.param_refs:
                continue  # the factory's parameter: its value at the call is substituted
            if not self._stable_name(node, same_scope):
                return False
        return True

    def names_read(
        self, expr: cst.BaseExpression, call_ok: Callable[[cst.Call], bool]
    ) -> Optional[List[cst.Name]]:
        """The names `expr` reads (attribute names, keywords, True/False/None left out),
        whose meaning decides whether it reads the same elsewhere; None when it holds
        something that never does: a lambda, a comprehension, an await, a call other
        than an environment read, a string method or one `call_ok` accepts."""
        read: List[cst.Name] = []
        for node in walk(expr):
            if isinstance(node, NOT_PORTABLE):
                return None
            if isinstance(node, cst.Call):
                if self.qname(node.func) in ENV_READS:
                    continue
                if (
                    isinstance(node.func, cst.Attribute)
                    and node.func.attr.value in STRING_METHODS
                ):
                    continue
                if call_ok(node):
                    continue
                return None
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
                read.append(node)
        return read

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
