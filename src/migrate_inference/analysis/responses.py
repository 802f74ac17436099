"""Which expressions hold a chat result, and what part of it.

The azure-ai-inference models are mappings *and* objects, but only declared
fields are attributes (`sdk-reference.md` §3).  This pass types names bound to a
migrated call's result (and names bound to parts of it: `msg = r["choices"][0]["message"]`,
`for choice in r.choices`, `for chunk in stream`) so the responses rule can
rewrite each access to the form the Azure models support.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set

import libcst as cst
from libcst.metadata import ScopeProvider

from migrate_inference.analysis.names import referents, string_value

RESULT = "result"
EMBEDDINGS_RESULT = "embeddings_result"
CREATED = "created"  # int on OpenAI; a datetime attribute on Azure (raw int under ["created"])
RAW = "raw"  # an enum attribute on Azure that prints as `CompletionsFinishReason.STOPPED`; the raw str under [...]
SCALAR = "scalar"

# type -> {field: type of the field}; list types map to their element type under "[]".
SCHEMA: Dict[str, Dict[str, str]] = {
    RESULT: {
        "id": SCALAR,
        "created": CREATED,
        "model": SCALAR,
        "choices": "choices",
        "usage": "usage",
    },
    "choices": {"[]": "choice"},
    "choice": {
        "index": SCALAR,
        "finish_reason": RAW,
        "message": "message",
        "delta": "message",
    },
    "message": {"role": RAW, "content": SCALAR, "tool_calls": "tool_calls"},
    "tool_calls": {"[]": "tool_call"},
    # `type` is declared on a result's tool calls but not on a stream's (b9's
    # StreamingChatResponseToolCallUpdate has id and function only): read with .get everywhere
    "tool_call": {"id": SCALAR, "function": "function"},
    "function": {"name": SCALAR, "arguments": SCALAR},
    "usage": {
        "prompt_tokens": SCALAR,
        "completion_tokens": SCALAR,
        "total_tokens": SCALAR,
    },
    EMBEDDINGS_RESULT: {
        "id": SCALAR,
        "model": SCALAR,
        "data": "embedding_items",
        "usage": "embedding_usage",
    },
    "embedding_items": {"[]": "embedding_item"},
    "embedding_item": {"embedding": SCALAR, "index": SCALAR},
    "embedding_usage": {"prompt_tokens": SCALAR, "total_tokens": SCALAR},
}
ROOTS = {"chat": RESULT, "embeddings": EMBEDDINGS_RESULT}

# Fields OpenAI's objects have that the Azure models do not declare: present in the
# mapping when the service sends them, so `.get("<field>")` reads them (None when absent,
# as OpenAI's optional fields were).  Any other attribute was never a field: a TODO.
OPENAI_ONLY_FIELDS = {
    RESULT: {
        "object",
        "system_fingerprint",
        "service_tier",
        "prompt_filter_results",
        "citations",
    },
    "choice": {"logprobs", "content_filter_results"},
    "message": {
        "refusal",
        "function_call",
        "audio",
        "annotations",
        "name",
        "context",
        "reasoning_content",
    },
    "usage": {"completion_tokens_details", "prompt_tokens_details"},
    "tool_call": {"index", "type"},
    EMBEDDINGS_RESULT: {"object"},
    "embedding_item": {"object"},
}

# Methods of the mapping protocol: left as they are.
MAPPING_METHODS = {
    "get",
    "keys",
    "items",
    "values",
    "pop",
    "setdefault",
    "update",
    "copy",
    "as_dict",
}
# Serialising methods of OpenAI objects with an azure equivalent.
TO_DICT_METHODS = {"to_dict_recursive", "to_dict", "model_dump"}
TO_JSON_METHODS = {"model_dump_json", "to_json", "json"}
# pydantic machinery on OpenAI v1 objects: not response fields, no mapping key to read instead
PYDANTIC_ATTRIBUTES = {
    "model_extra",
    "model_fields",
    "model_fields_set",
    "model_config",
    "model_computed_fields",
}


def field_type(owner: Optional[str], name: str) -> Optional[str]:
    if owner is None or owner not in SCHEMA:
        return None
    return SCHEMA[owner].get(name)


def element_type(owner: Optional[str]) -> Optional[str]:
    if owner == RESULT:  # iterating a stream yields updates shaped like the result
        return RESULT
    return SCHEMA.get(owner or "", {}).get("[]")


class ResponseTypes:
    """Typed Name accesses, computed once on the original tree."""

    def __init__(
        self, wrapper: cst.MetadataWrapper, result_calls: Dict[cst.Call, str]
    ) -> None:
        self.scopes = wrapper.resolve(ScopeProvider)
        self.result_calls: Dict[cst.Call, str] = dict(result_calls)
        self.self_calls: Dict[cst.Call, cst.FunctionDef] = {}
        self.escapes: Dict[cst.Call, str] = {}
        self.target_types: Dict[cst.Name, str] = {}
        self.name_types: Dict[cst.Name, str] = {}
        # functions every `return <value>` of which returns the same kind of result: what
        # their calls in this file hold (`r = ask(...)`, `ask(...).choices[0]`)
        self.function_types: Dict[cst.FunctionDef, str] = {}
        if not self.result_calls:
            return
        bindings = _Bindings()
        wrapper.module.visit(bindings)
        # `self.ask(q)` inside a class whose own method `ask` returns a result
        self.self_calls = bindings.self_calls
        self._bind_params(bindings)
        for _ in range(6):  # fixpoint over chains of assignments and returns
            changed = False
            for target, value, iterates in bindings.items:
                kind = self.static_type(value)
                if iterates:
                    kind = element_type(kind)
                if kind is not None and self.target_types.get(target) != kind:
                    self.target_types[target] = kind
                    changed = True
            for param, args in bindings.param_args.items():
                kind = _one({self.static_type(a) for a in args})
                if kind is not None and self.target_types.get(param) != kind:
                    self.target_types[param] = kind
                    changed = True
            for function, values in bindings.returns.items():
                kind = _one({self.static_type(v) for v in values})
                if kind is not None and self.function_types.get(function) != kind:
                    self.function_types[function] = kind
                    changed = True
            if not changed:
                break
        self._type_accesses(bindings.names)
        self.escapes = self._escapes(bindings)

    def call_type(self, call: cst.Call) -> Optional[str]:
        """The kind a call of one of this file's functions returns (None: not one of ours)."""
        if call in self.result_calls or not self.function_types:
            return None
        return self.static_type(call)

    def _escapes(self, bindings: "_Bindings") -> Dict[cst.Call, str]:
        """Calls of this file's functions passed a result whose parameter is not typed
        (the function is passed on, decorated, or also called with other values): the
        reads in there are not rewritten, so the call gets a TODO."""
        found: Dict[cst.Call, str] = {}
        for call in bindings.calls:
            if not isinstance(call.func, cst.Name):
                continue
            refs = referents(self.scopes.get(call.func), call.func) or set()
            functions = [getattr(r, "node", None) for r in refs]
            if not functions or not all(isinstance(f, cst.FunctionDef) for f in functions):
                continue
            typed = {
                self.target_types.get(p.name)
                for f in functions
                for p in list(f.params.params) + list(f.params.kwonly_params)
            }
            for arg in call.args:
                kind = self.static_type(arg.value)
                if kind is None or kind == SCALAR or kind in (CREATED, RAW):
                    continue
                if kind not in typed:
                    found[call] = call.func.value
                    break
        return found

    def _bind_params(self, bindings: "_Bindings") -> None:
        """What each parameter of this file's functions receives, from every call of them.

        Only for a function (not a method) that is used as nothing but the callee of calls
        in this file (not passed on, not decorated) and called with plain arguments: a
        parameter then holds a result when every call passes one (`show(response)`).
        Calls from other files are not seen (docs/automation.md lists the limit)."""
        for function, calls in self._calls_of(bindings).items():
            if function.decorators or function in bindings.method_of:
                continue  # a method's callers may be anywhere (`bot.show(r)`)
            if isinstance(function.params.star_arg, cst.Param) or function.params.posonly_params:
                continue
            params = list(function.params.params)
            named = params + list(function.params.kwonly_params)
            args_of: Dict[cst.Name, List[cst.BaseExpression]] = {p.name: [] for p in named}
            bound = [_bind(call, params, named) for call in calls]
            if not calls or None in bound:
                continue
            for values in bound:
                for name, value in values.items():
                    args_of[name].append(value)
            bindings.param_args.update(args_of)

    def _calls_of(self, bindings: "_Bindings") -> Dict[cst.FunctionDef, List[cst.Call]]:
        """Every call of each function of this file, when those calls are all its uses."""
        found: Dict[cst.FunctionDef, List[cst.Call]] = {}
        blocked: set = set()
        for call in bindings.calls:
            targets = []
            if isinstance(call.func, cst.Name):
                refs = referents(self.scopes.get(call.func), call.func) or set()
                targets = [getattr(r, "node", None) for r in refs]
                if len(targets) != 1:
                    blocked.update(t for t in targets if isinstance(t, cst.FunctionDef))
                    continue
            for target in targets:
                if isinstance(target, cst.FunctionDef):
                    found.setdefault(target, []).append(call)
        defined = {f.name.value for f in found}
        for name in bindings.names:
            if name.value not in defined or name in bindings.callee_names:
                continue
            for ref in referents(self.scopes.get(name), name) or set():
                node = getattr(ref, "node", None)
                if isinstance(node, cst.FunctionDef):
                    blocked.add(node)  # passed on, stored, decorated: callers unknown
        return {f: calls for f, calls in found.items() if f not in blocked}

    def _type_accesses(self, names: List[cst.Name]) -> None:
        for name in names:
            kind = self._name_type(name)
            if kind is not None:
                self.name_types[name] = kind

    def _name_type(self, name: cst.Name) -> Optional[str]:
        def kind(node: object) -> Optional[str]:
            if isinstance(node, cst.Param):
                node = node.name  # a parameter every call passes a result to
            return self.target_types.get(node) if isinstance(node, cst.Name) else None

        return self._referred_kind(name, kind)

    def _returned_type(self, func: cst.Name) -> Optional[str]:
        """The kind a call of the function named `func` returns, when it is one of ours."""
        return self._referred_kind(
            func,
            lambda node: self.function_types.get(node) if isinstance(node, cst.FunctionDef) else None,
        )

    def _referred_kind(self, name: cst.Name, kind_of) -> Optional[str]:
        """The one kind every assignment `name` may refer to has (`kind_of` of its node)."""
        refs = referents(self.scopes.get(name), name)
        if not refs:
            return None
        kinds = {kind_of(getattr(ref, "node", None)) for ref in refs}
        return None if None in kinds else _one(kinds)

    def static_type(self, expr: cst.BaseExpression) -> Optional[str]:
        if isinstance(expr, cst.Call) and expr in self.result_calls:
            return self.result_calls[expr]
        if isinstance(expr, cst.Call) and self.function_types:
            if isinstance(expr.func, cst.Name):
                return self._returned_type(expr.func)
            method = self.self_calls.get(expr)
            return self.function_types.get(method) if method is not None else None
        if isinstance(expr, cst.Await):
            return self.static_type(expr.expression)
        if isinstance(expr, cst.IfExp):
            kind = self.static_type(expr.body)
            return kind if kind == self.static_type(expr.orelse) else None
        if (
            isinstance(expr, cst.BooleanOperation)
            and isinstance(expr.operator, cst.Or)
            and isinstance(expr.right, (cst.List, cst.Tuple))
            and not expr.right.elements
        ):
            # `delta.tool_calls or []`: the list, or nothing to iterate
            kind = self.static_type(expr.left)
            return kind if kind is not None and "[]" in SCHEMA.get(kind, {}) else None
        if isinstance(expr, cst.Name):
            return self._name_type(expr)
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            owner = self.static_type(expr.value)
            index = expr.slice[0].slice
            if not isinstance(index, cst.Index):
                return None
            key = string_value(index.value)
            if key is not None:
                return field_type(owner, key)
            return element_type(owner) if owner != RESULT else None
        if isinstance(expr, cst.Attribute):
            return field_type(self.static_type(expr.value), expr.attr.value)
        if (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get"
            and expr.args
        ):
            key = string_value(expr.args[0].value)
            return field_type(self.static_type(expr.func.value), key) if key else None
        return None


class _Bindings(cst.CSTVisitor):
    """Single-name assignments and for-loops, in source order, plus every Name, and the
    values each function returns (`return None` and a bare `return` aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.items: List[tuple] = []
        self.names: List[cst.Name] = []
        self.returns: Dict[cst.FunctionDef, List[cst.BaseExpression]] = {}
        self._functions: List[Optional[cst.FunctionDef]] = []
        self._generators: Set[cst.FunctionDef] = set()
        self._classes: List[cst.ClassDef] = []
        self.self_calls: Dict[cst.Call, cst.FunctionDef] = {}
        self.calls: List[cst.Call] = []
        self.callee_names: Set[cst.Name] = set()
        self.param_args: Dict[cst.Name, List[cst.BaseExpression]] = {}
        self.method_of: Dict[cst.FunctionDef, cst.ClassDef] = {}

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_Call(self, node: cst.Call) -> None:
        """`self.<method>(...)` in a method of the class that defines <method>."""
        self.calls.append(node)
        if isinstance(node.func, cst.Name):
            self.callee_names.add(node.func)
        function = self._functions[-1] if self._functions else None
        func = node.func
        if not (
            self._classes
            and function is not None
            and isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and function.params.params
            and func.value.value == function.params.params[0].name.value
            and func.value.value in ("self", "cls")
        ):
            return
        cls = self._classes[-1]
        if self.method_of.get(function) is not cls:
            return
        for stmt in _methods(cls):
            if stmt.name.value == func.attr.value:
                self.self_calls[node] = stmt
                return

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self._classes and node in _methods(self._classes[-1]):
            self.method_of[node] = self._classes[-1]
        self._functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._functions.pop()
        if original_node in self._generators:
            self.returns.pop(original_node, None)  # a call makes a generator

    def visit_Yield(self, node: cst.Yield) -> None:
        if self._functions and self._functions[-1] is not None:
            self._generators.add(self._functions[-1])

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._functions.append(None)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._functions.pop()

    def visit_Return(self, node: cst.Return) -> None:
        function = self._functions[-1] if self._functions else None
        value = node.value
        if function is None or value is None:
            return
        if isinstance(value, cst.Name) and value.value == "None":
            return
        self.returns.setdefault(function, []).append(value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.items.append((node.targets[0].target, node.value, False))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and isinstance(node.target, cst.Name):
            self.items.append((node.target, node.value, False))

    def visit_For(self, node: cst.For) -> None:
        if isinstance(node.target, cst.Name):
            self.items.append((node.target, node.iter, True))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        # `[tc.model_dump() for tc in message.tool_calls]`
        if isinstance(node.target, cst.Name):
            self.items.append((node.target, node.iter, True))

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node)


def _methods(cls: cst.ClassDef) -> List[cst.FunctionDef]:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else []
    return [stmt for stmt in body if isinstance(stmt, cst.FunctionDef)]


def _one(kinds: Set[Optional[str]]) -> Optional[str]:
    """The kind when there is exactly one, else None."""
    return next(iter(kinds)) if len(kinds) == 1 else None


def _bind(
    call: cst.Call, params: List[cst.Param], named: List[cst.Param]
) -> Optional[Dict[cst.Name, cst.BaseExpression]]:
    """Each parameter's value in `call` (its default when not passed), or None when the
    call passes `*`/`**` or an argument no parameter takes."""
    by_name = {p.name.value: p for p in named}
    values: Dict[cst.Name, cst.BaseExpression] = {}
    for i, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            param = params[i] if i < len(params) else None
        else:
            param = by_name.get(arg.keyword.value)
        if param is None:
            return None
        values[param.name] = arg.value
    for param in named:
        values.setdefault(param.name, param.default or cst.Name("None"))
    return values
