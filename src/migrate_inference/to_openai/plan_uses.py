"""Planning the uses of a client: every reference to its value (a name, `self.x`,
a factory's result, an accessor, a parameter) and the functions it is passed to.

Mixed into `Planner` (plan.py), whose state and name lookups (`qname`, `parent`,
`scopes`, ...) it reads through `self`.
"""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from migrate_inference.analysis.names import code_of, string_value
from migrate_inference.to_openai import names
from migrate_inference.to_openai.codes import CLIENTS, NO_EQUIVALENT, RESPONSES
from migrate_inference.to_openai.component import Component, Node, Site, walk


class UsePlanning:
    # ------------------------------------------------------------ uses

    def _binding_refs(self, comp: Component) -> List[Node]:
        call = comp.node
        parent = self.parent(call)
        if isinstance(parent, cst.Attribute) and parent.value is call:
            return [call]
        if isinstance(parent, cst.WithItem) and parent.item is call:
            if parent.asname is None:
                comp.block(
                    call,
                    CLIENTS,
                    "the client is built in a with statement without `as`",
                )
                return []
            target = parent.asname.name
            if not isinstance(target, cst.Name):
                comp.block(
                    call, CLIENTS, "the client is bound to something other than a name"
                )
                return []
            return self._name_refs(comp, target)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
            if isinstance(target, cst.Name):
                refs = self._accessor_refs(comp, parent, target)
                if refs is not None:
                    return refs
                return self._name_refs(comp, target)
            if (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == "self"
            ):
                return self._self_refs(comp, target)
        if isinstance(parent, cst.AnnAssign) and isinstance(parent.target, cst.Name):
            return self._name_refs(comp, parent.target)
        if isinstance(parent, cst.Return):
            refs = self._factory_refs(comp, parent)
            if refs is not None:
                return refs
        comp.block(
            call,
            CLIENTS,
            "the client value is not stored in a variable the tool can follow (returned, passed on or put in a container): migrate it with its users by hand",
        )
        return []

    def _factory_refs(self, comp: Component, ret: cst.Return) -> Optional[List[Node]]:
        """`def f(params): return Client(...)` (cached or not): the calls `f(...)`, or None."""
        func = self._enclosing(ret, cst.FunctionDef)
        if not isinstance(func, cst.FunctionDef) or not isinstance(
            func.body, cst.IndentedBlock
        ):
            return None
        body = [
            stmt
            for stmt in func.body.body
            if not (
                isinstance(stmt, cst.SimpleStatementLine)
                and all(isinstance(b, cst.Expr) for b in stmt.body)
            )
        ]
        if (
            len(body) != 1
            or not isinstance(body[0], cst.SimpleStatementLine)
            or body[0].body[0] is not ret
        ):
            return None
        return self._factory_calls(comp, func)

    def _accessor_refs(
        self, comp: Component, assign: cst.Assign, target: cst.Name
    ) -> Optional[List[Node]]:
        """A cached accessor (the forward migration's per-event-loop one):

            def f(params):
                cache = <store>.setdefault(<loop>, {})
                if <key> not in cache:
                    client = Client(...)
                    ...  # uses of `client`: only client.close()
                    cache[<key>] = client, <anything>
                return cache[<key>][0]

        The client is reached only through calls of `f`, like a factory's: those calls,
        or None when the function does not have this shape."""
        func = self._enclosing(assign, cst.FunctionDef)
        if not isinstance(func, cst.FunctionDef) or not isinstance(
            func.body, cst.IndentedBlock
        ):
            return None
        last = func.body.body[-1]
        if not (
            isinstance(last, cst.SimpleStatementLine)
            and len(last.body) == 1
            and isinstance(last.body[0], cst.Return)
        ):
            return None
        value = last.body[0].value
        if not (
            isinstance(value, cst.Subscript)
            and len(value.slice) == 1
            and code_of(value.slice[0]) == "0"
            and isinstance(value.value, cst.Subscript)
            and len(value.value.slice) == 1
            and isinstance(value.value.value, cst.Name)
        ):
            return None
        cache = value.value.value.value
        key = code_of(value.value.slice[0])
        cache_value = None
        for stmt in func.body.body:
            if (
                isinstance(stmt, cst.SimpleStatementLine)
                and isinstance(stmt.body[0], cst.Assign)
                and len(stmt.body[0].targets) == 1
                and code_of(stmt.body[0].targets[0].target) == cache
            ):
                cache_value = stmt.body[0].value
        if not (
            isinstance(cache_value, cst.Call)
            and isinstance(cache_value.func, cst.Attribute)
            and cache_value.func.attr.value == "setdefault"
        ):
            return None
        scope = self.scopes.get(target)
        if scope is None or len(scope.assignments[target.value]) != 1:
            return None
        if len(scope.assignments[cache]) != 1:
            return None
        stored = False
        for access in next(iter(scope.assignments[target.value])).references:
            ref = access.node
            parent = self.parent(ref)
            grand = self.parent(parent) if parent is not None else None
            if (
                isinstance(parent, cst.Element)
                and isinstance(grand, cst.Tuple)
                and grand.elements[0] is parent
            ):
                store = self.parent(grand)
                if (
                    isinstance(store, cst.Assign)
                    and len(store.targets) == 1
                    and isinstance(store.targets[0].target, cst.Subscript)
                    and code_of(store.targets[0].target) == f"{cache}[{key}]"
                ):
                    stored = True
                    continue
            if (
                isinstance(parent, cst.Attribute)
                and parent.attr.value == "close"
                and isinstance(grand, cst.Call)
                and grand.func is parent
            ):
                continue
            return None
        if not stored:
            return None
        return self._factory_calls(comp, func)

    def _factory_calls(
        self, comp: Component, func: cst.FunctionDef
    ) -> Optional[List[Node]]:
        params = func.params
        if (
            params.star_arg not in (None, cst.MaybeSentinel.DEFAULT)
            or params.star_kwarg
            or params.kwonly_params
            or params.posonly_params
        ):
            return None
        scope = self.scopes.get(func)
        if scope is None or len(scope.assignments[func.name.value]) != 1:
            return None
        comp.factory = func
        names_of = {p.name.value for p in params.params}
        for node in walk(comp.node):
            if isinstance(node, cst.Name) and node.value in names_of:
                parent = self.parent(node)
                if isinstance(parent, cst.Attribute) and parent.attr is node:
                    continue
                if isinstance(parent, cst.Arg) and parent.keyword is node:
                    continue
                comp.param_refs[node] = node.value
        refs: List[Node] = []
        for assignment in scope.assignments[func.name.value]:
            for access in assignment.references:
                ref = access.node
                parent = self.parent(ref)
                if isinstance(parent, cst.Call) and parent.func is ref:
                    refs.append(parent)
                elif isinstance(parent, cst.Decorator):
                    continue
                else:
                    comp.block(
                        ref,
                        CLIENTS,
                        f"`{func.name.value}` is used here other than called: the tool cannot follow the clients it makes",
                    )
        return refs

    def _bind_factory(self, comp: Component, site: Site, call: cst.Call) -> None:
        assert comp.factory is not None
        params = comp.factory.params.params
        positional = [a for a in call.args if a.keyword is None]
        if any(a.star for a in call.args) or len(positional) > len(params):
            comp.block(
                call,
                CLIENTS,
                "the factory's arguments cannot be matched to its parameters",
            )
            return
        for param, arg in zip(params, positional):
            site.bindings[param.name.value] = arg.value
        for arg in call.args:
            if arg.keyword is not None:
                site.bindings[arg.keyword.value] = arg.value
        for param in params:
            name = param.name.value
            if name not in site.bindings and param.default is not None:
                site.bindings[name] = param.default
        for name in set(comp.param_refs.values()):
            value = site.bindings.get(name)
            if value is None or not _simple(value):
                comp.block(
                    call,
                    CLIENTS,
                    f"the factory's {name} is not a plain value here: the tool cannot copy it into the call",
                )

    def _response_refs(self, comp: Component, target: cst.Name) -> List[Node]:
        """Reads of a name a response (or part of one) is assigned to.  The name may be
        assigned again (`response = client.complete(...)` twice): a read that may see
        another value is followed only when every value it may see is also a
        complete()/embed() result or a read of one."""
        scope = self.scopes.get(target)
        if scope is None:
            return []
        mine = [
            a
            for a in scope.assignments[target.value]
            if getattr(a, "node", None) is target
        ]
        refs: List[Node] = []
        for assignment in mine:
            for access in assignment.references:
                others = [r for r in access.referents if r is not assignment]
                if all(self._response_like(r) for r in others):
                    refs.append(access.node)
                else:
                    comp.block(
                        access.node,
                        RESPONSES,
                        f"`{target.value}` here may hold a response or another value: openai responses are read by attribute only; the tool cannot rewrite this read safely",
                    )
        return refs

    def _response_like(self, assignment) -> bool:
        node = getattr(assignment, "node", None)
        parent = self.parent(node) if node is not None else None
        grand = self.parent(parent) if parent is not None else None
        if not (isinstance(parent, cst.AssignTarget) and isinstance(grand, cst.Assign)):
            return False
        value = grand.value
        if isinstance(value, cst.Await):
            value = value.expression
        while isinstance(value, (cst.Attribute, cst.Subscript)):
            value = value.value
        return (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in ("complete", "embed")
        )

    def _name_refs(self, comp: Component, target: cst.Name) -> List[Node]:
        scope = self.scopes.get(target)
        if scope is None:
            comp.block(target, CLIENTS, "no scope")
            return []
        assignments = list(scope.assignments[target.value])
        if len(assignments) != 1:
            comp.block(
                target,
                CLIENTS,
                f"`{target.value}` is assigned more than once: the tool cannot tell which client each use means",
            )
            return []
        refs = []
        for access in assignments[0].references:
            if len(access.referents) != 1:
                comp.block(
                    access.node,
                    CLIENTS,
                    f"`{target.value}` here may be another value too",
                )
                continue
            refs.append(access.node)
        return refs

    def _self_refs(self, comp: Component, target: cst.Attribute) -> List[Node]:
        cls = self._enclosing(target, cst.ClassDef)
        if cls is None:
            comp.block(target, CLIENTS, "`self.<client>` outside a class")
            return []
        attr = target.attr.value
        found: List[Node] = []
        stores = 0
        for node in walk(cls):
            if (
                isinstance(node, cst.Attribute)
                and node.attr.value == attr
                and isinstance(node.value, cst.Name)
                and node.value.value == "self"
            ):
                parent = self.parent(node)
                if isinstance(parent, cst.AssignTarget) or (
                    isinstance(parent, (cst.AugAssign, cst.AnnAssign))
                    and parent.target is node
                ):
                    stores += 1
                    continue
                found.append(node)
        if stores != 1:
            comp.block(
                target,
                CLIENTS,
                f"`self.{attr}` is assigned more than once in the class: the tool cannot tell which client each use means",
            )
            return []
        comp.notes.append(f"self.{attr}")
        return found

    def _enclosing(self, node: Node, kind: type) -> Optional[Node]:
        current = self.parent(node)
        while current is not None and not isinstance(current, kind):
            current = self.parent(current)
        return current

    def _classify_use(self, comp: Component, ref: Node) -> Optional[List[Node]]:
        """Plans one use of the client; returns further references to it (a parameter
        it is passed to), if any."""
        parent = self.parent(ref)
        method = names.CALL_METHOD[comp.api]
        if isinstance(parent, cst.Attribute) and parent.value is ref:
            grand = self.parent(parent)
            is_call = isinstance(grand, cst.Call) and grand.func is parent
            name = parent.attr.value
            if name == method and is_call:
                site = Site(call=grand, api=comp.api, scope=self.scopes.get(grand))
                if comp.factory is not None and isinstance(ref, cst.Call):
                    site.factory_call = ref
                    self._bind_factory(comp, site, ref)
                comp.sites.append(site)
                self.site_of[grand] = (comp, site)
                return
            if name == "close" and is_call:
                return
            if name == "get_model_info":
                comp.block(parent, NO_EQUIVALENT, names.GET_MODEL_INFO)
                return
            comp.block(
                parent,
                CLIENTS,
                f"`{code_of(parent)}` has no openai equivalent the tool knows: this client is left as it is",
            )
            return
        if (
            isinstance(parent, cst.WithItem)
            and parent.item is ref
            and parent.asname is None
        ):
            return
        if isinstance(parent, cst.Await):  # `await client` makes no sense; be safe
            comp.block(ref, CLIENTS, "unexpected use of the client")
            return
        if isinstance(parent, cst.Arg) and parent.value is ref and not parent.star:
            call = self.parent(parent)
            if isinstance(call, cst.Call) and parent in call.args:
                refs = self._parameter_refs(comp, call, parent)
                if refs is not None:
                    return refs
        comp.block(
            ref,
            CLIENTS,
            f"`{code_of(ref)}` is used as a value here (passed on, returned or stored): the tool cannot see what is done with it, so this client is left as it is",
        )

    # ------------------------------------------------------------ passed on

    def _function_of(self, func: cst.BaseExpression) -> Optional[cst.FunctionDef]:
        """The function of this module a called name is bound to (bound once, by its def)."""
        if not isinstance(func, cst.Name):
            return None
        node = getattr(self.sole_assignment(func), "node", None)
        if (
            not isinstance(node, cst.FunctionDef)
            or node.decorators
            or isinstance(self.parent(self.parent(node)), cst.ClassDef)
        ):
            return None
        return node

    @staticmethod
    def _parameter_for(
        function: cst.FunctionDef, call: cst.Call, arg: cst.Arg
    ) -> Optional[cst.Param]:
        params = function.params
        if any(a.star for a in call.args):
            return None
        if arg.keyword is None:
            index = [a for a in call.args if a.keyword is None].index(arg)
            positional = [*params.posonly_params, *params.params]
            return positional[index] if index < len(positional) else None
        for param in [*params.params, *params.kwonly_params]:
            if param.name.value == arg.keyword.value:
                return param
        return None

    def _parameter_refs(
        self, comp: Component, call: cst.Call, arg: cst.Arg
    ) -> Optional[List[Node]]:
        """`f(client)` with `def f(c)` in this module: the references to `c` in `f`, which
        join the component (every call of `f` must pass this client: checked at the end).
        """
        function = self._function_of(call.func)
        if function is None:
            return None
        param = self._parameter_for(function, call, arg)
        if param is None:
            return None
        key = (function, param.name.value)
        if key in comp.passed_to:
            comp.passed_to[key].append(call)
            return []
        comp.passed_to[key] = [call]
        if param.annotation is not None:
            if not self._client_annotation(comp, param.annotation):
                comp.block(
                    param.annotation,
                    CLIENTS,
                    f"the parameter's annotation `{code_of(param.annotation.annotation)}` names azure-ai-inference in a way the tool cannot rewrite: annotate it with openai's client by hand",
                )
        scope = self.scopes.get(function.body)
        if scope is None:
            return None
        assignments = list(scope.assignments[param.name.value])
        if len(assignments) != 1 or getattr(assignments[0], "node", None) is not param:
            comp.block(
                param,
                CLIENTS,
                f"the parameter `{param.name.value}` is assigned again in `{function.name.value}`: the tool cannot tell which client each use means",
            )
            return []
        refs: List[Node] = []
        for access in assignments[0].references:
            if len(access.referents) != 1:
                comp.block(
                    access.node,
                    CLIENTS,
                    f"`{param.name.value}` here may be another value too",
                )
                continue
            refs.append(access.node)
        return refs

    def _client_annotation(self, comp: Component, annotation: cst.Annotation) -> bool:
        """A parameter annotated with the client's own class becomes openai's; an
        annotation that names no azure-ai-inference class is kept.  False otherwise."""
        if isinstance(
            annotation.annotation, (cst.SimpleString, cst.ConcatenatedString)
        ):
            return not self._names_inference(annotation.annotation)
        name = self.qname(annotation.annotation)
        if name in names.CLIENT_CLASSES:
            if names.CLIENT_CLASSES[name][1] != comp.aio:
                return False
            comp.annotations.add(annotation)
            return True
        return not any(
            (self.qname(node) or "").startswith(names.INFERENCE)
            for node in walk(annotation)
            if isinstance(node, (cst.Name, cst.Attribute))
        )

    def _names_inference(self, text_node: cst.BaseExpression) -> bool:
        """Whether a string annotation names something imported from azure-ai-inference
        (pyflakes checks the names in string annotations too)."""
        text = string_value(text_node)
        if text is None:
            return True
        try:
            expr = cst.parse_expression(text)
        except cst.ParserSyntaxError:
            return True
        module = self.wrapper.module
        scope = self.scopes.get(module.body[0]) if module.body else None
        if scope is None:
            return True
        for node in walk(expr):
            if isinstance(node, cst.Name):
                for assignment in scope.assignments[node.value]:
                    imported = getattr(assignment, "node", None)
                    if isinstance(imported, (cst.Import, cst.ImportFrom)) and (
                        names.INFERENCE in code_of(imported)
                    ):
                        return True
        return False

    def _check_passed_to(self, comp: Component) -> None:
        for (function, param), calls in comp.passed_to.items():
            scope = self.scopes.get(function)
            if scope is None:
                comp.block(function, CLIENTS, "no scope")
                continue
            for assignment in scope.assignments[function.name.value]:
                for access in assignment.references:
                    ref = access.node
                    call = self.parent(ref)
                    if not (isinstance(call, cst.Call) and call.func is ref):
                        comp.block(
                            ref,
                            CLIENTS,
                            f"`{function.name.value}` takes the client and is used here other than called: the tool cannot see which client it gets",
                        )
                        continue
                    if call in calls:
                        continue
                    comp.block(
                        call,
                        CLIENTS,
                        f"`{function.name.value}` takes the client as `{param}`, and this call passes it another value (or none): migrate the clients it gets together by hand",
                    )


def _simple(node: cst.BaseExpression) -> bool:
    return isinstance(
        node,
        (
            cst.SimpleString,
            cst.Integer,
            cst.Float,
            cst.Name,
            cst.Attribute,
            cst.ConcatenatedString,
        ),
    )
