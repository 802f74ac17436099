"""Where a module refers to OpenAI exception classes (except clauses, isinstance, retry
decorators, raises, bases, annotations): a read-only pass, `collect_error_sites`, that
the errors rule (rules/errors.py) carries out.  What it finds is described by the types
of analysis/error_refs.py."""

from __future__ import annotations

from typing import List, Optional, Set, Tuple, Union

import libcst as cst
from libcst.metadata import (
    ParentNodeProvider,
    QualifiedNameProvider,
    QualifiedNameSource,
    ScopeProvider,
)

from migrate_inference.analysis.errors_tables import (
    ANNOTATION,
    AZURE,
    AZURE_PARENT,
    BACKOFF,
    BACKOFF_FUNCS,
    BASE,
    CATCH_ALL,
    ERRORS_CODE,
    EXCEPT,
    HANDLER_ATTRS,
    ISINSTANCE,
    PLAIN,
    RAISE,
    RESPONSE_SAME,
    TENACITY,
    TENACITY_FUNCS,
    exception_name,
    target_for,
)
from migrate_inference.analysis.error_refs import (
    Entry,
    ErrorSites,
    Ref,
    Spec,
    dotted_text,
    split_elements,
)
from migrate_inference.analysis.names import referents
from migrate_inference.rules.suppression import has_ignore


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
            ) and has_ignore(current, ERRORS_CODE):
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
            for element in split_elements(
                later.type, isinstance(later.type, cst.Tuple)
            ):
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
        module = dotted_text(node.module) if node.module is not None else ""
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
