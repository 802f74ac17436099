"""v1 client objects: where `OpenAI()`/`AzureOpenAI()`/... are bound, and every call made through them.

Qualified names do not follow `client = OpenAI()`, so this pass tracks the
bindings itself: a module or function name, `self.<attr>` set in a method and
used in the class's other methods, a `with ... as client` target, a parameter
annotated with one of the classes, or the constructor used inline.  A call site
`<receiver>.chat.completions.create(...)` is matched by resolving its receiver to
one of those bindings (scope analysis), never by how the receiver is spelled.
What it finds (`Binding`, `V1Call`, `V1Facts`) is defined in `analysis/v1_model.py`.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import ParentNodeProvider, QualifiedNameProvider, ScopeProvider

from migrate_inference.analysis.names import imported_names, referents
from migrate_inference.analysis.v1_model import Binding, V1Call, V1Facts
from migrate_inference import mapping

# qualified name -> (is_async, is_azure)
V1_CLASSES: Dict[str, Tuple[bool, bool]] = {
    "openai.OpenAI": (False, False),
    "openai.Client": (False, False),
    "openai.AsyncOpenAI": (True, False),
    "openai.AsyncClient": (True, False),
    "openai.AzureOpenAI": (False, True),
    "openai.AsyncAzureOpenAI": (True, True),
    "openai.lib.azure.AzureOpenAI": (False, True),
    "openai.lib.azure.AsyncAzureOpenAI": (True, True),
}

# attribute chain after the receiver -> what the call is
CHAINS: Dict[Tuple[str, ...], str] = {
    ("chat", "completions", "create"): "chat",
    ("embeddings", "create"): "embeddings",
    ("beta", "chat", "completions", "parse"): "parse",
    ("chat", "completions", "parse"): "parse",
    ("chat", "completions", "with_raw_response", "create"): "raw",
    ("chat", "completions", "with_streaming_response", "create"): "raw",
    ("embeddings", "with_raw_response", "create"): "raw",
    ("chat", "completions", "stream"): "stream_helper",
    ("beta", "chat", "completions", "stream"): "stream_helper",
}
CLEANUP_METHODS = {"close", "aclose"}

# `client.with_options(<option>=...)` for one call -> the per-call keyword azure-core takes.
WITH_OPTIONS = {
    name: row.target
    for name, row in mapping.WITH_OPTIONS.items()
    if row.action == mapping.RENAME
}
# the call's own keywords that would meet an option (OpenAI merges or overrides them)
_OPTION_CLASHES = {"timeout", "extra_headers", "extra_query"}


def with_options(
    receiver: cst.BaseExpression, call: cst.Call
) -> Optional[Tuple[cst.BaseExpression, Optional[Dict[str, cst.BaseExpression]], str]]:
    """`(client, {azure keyword: value}, "")` for `client.with_options(...)` as a call's
    receiver; the options are None, with the reason, when they cannot be carried."""
    if not (
        isinstance(receiver, cst.Call)
        and isinstance(receiver.func, cst.Attribute)
        and receiver.func.attr.value == "with_options"
    ):
        return None
    inner = receiver.func.value
    options: Dict[str, cst.BaseExpression] = {}
    for arg in receiver.args:
        name = arg.keyword.value if arg.keyword is not None else None
        if name is None or arg.star:
            return inner, None, "with_options(...) takes positional or ** arguments here"
        if name not in WITH_OPTIONS:
            return inner, None, f"with_options({name}=...) has no per-call azure-core equivalent"
        value = arg.value
        if name == "timeout" and not isinstance(value, (cst.Integer, cst.Float)):
            return inner, None, "with_options(timeout=...) is not a number (an httpx.Timeout has no equivalent)"
        if not isinstance(value, (cst.Integer, cst.Float, cst.Name, cst.Dict, cst.Attribute)):
            return inner, None, f"with_options({name}=...) is computed in place"
        options[WITH_OPTIONS[name]] = value
    clash = sorted(
        a.keyword.value
        for a in call.args
        if a.keyword is not None and a.keyword.value in _OPTION_CLASHES
    )
    if clash or any(a.star for a in call.args):
        return inner, None, "the call passes its own timeout/extra_headers/extra_query (or **) beside with_options(...)"
    return inner, options, ""


def _chain(node: cst.BaseExpression) -> Tuple[cst.BaseExpression, Tuple[str, ...]]:
    names: List[str] = []
    while isinstance(node, cst.Attribute):
        names.insert(0, node.attr.value)
        node = node.value
    return node, tuple(names)


def _split(node: cst.BaseExpression) -> Optional[Tuple[cst.BaseExpression, str]]:
    """(receiver, kind) when `node` is `<receiver>.<one of CHAINS>`."""
    for chain, kind in CHAINS.items():
        current = node
        ok = True
        for name in reversed(chain):
            if not (isinstance(current, cst.Attribute) and current.attr.value == name):
                ok = False
                break
            current = current.value
        if ok:
            return current, kind
    return None


class _Collector(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, ScopeProvider, ParentNodeProvider)

    def __init__(self, remote: Optional[Dict[str, Tuple[str, str]]] = None) -> None:
        super().__init__()
        self.remote = (
            remote or {}
        )  # local name -> (file, name) of a client built elsewhere
        self.remote_bindings: Dict[str, Binding] = {}
        self.facts = V1Facts()
        self.by_node: Dict[cst.CSTNode, Binding] = {}  # Name target / Param -> binding
        # every constructor assigned to self.<attr> in a class, in source order
        self.by_attr: Dict[Tuple[cst.ClassDef, str], List[Binding]] = {}
        self.by_dotted: Dict[str, List[Binding]] = {}
        self.dotted_uses: List[Tuple[str, cst.Attribute]] = []
        self.classes: List[cst.ClassDef] = []
        self.self_uses: List[Tuple[cst.ClassDef, str, cst.Attribute]] = []
        self.receivers: Set[cst.CSTNode] = set()
        self.pending: List[Tuple[cst.CSTNode, str, cst.BaseExpression, bool]] = []
        self.ambiguous_receivers: Set[cst.CSTNode] = set()
        self.options: Dict[cst.Call, Dict[str, cst.BaseExpression]] = {}

    def _class_of(self, node: cst.CSTNode) -> Optional[cst.ClassDef]:
        return self.classes[-1] if self.classes else None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()

    def _v1_class(self, node: cst.CSTNode) -> Optional[str]:
        names = imported_names(self.get_metadata(QualifiedNameProvider, node, set()))
        return next((n for n in names if n in V1_CLASSES), None)

    # -- constructors -------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        cls = self._v1_class(node.func)
        if cls is not None:
            self._constructor(node, cls)
        split = _split(node.func)
        if split is not None:
            receiver, kind = split
            wrapped = with_options(receiver, node)
            if wrapped is not None and kind in ("chat", "embeddings"):
                inner, options, why = wrapped
                self.receivers.add(receiver)
                if options is None:
                    self.facts.unsupported_options[node] = why
                    return  # `inner` stays an unknown use: its component stays OpenAI
                self.options[node] = options
                receiver = inner
            self.pending.append((node, kind, receiver, True))
            self.receivers.add(receiver)
        elif (
            isinstance(node.func, cst.Attribute)
            and node.func.attr.value in CLEANUP_METHODS
        ):
            self.receivers.add(node.func.value)
            self.pending.append((node, "cleanup", node.func.value, True))

    def _constructor(self, node: cst.Call, cls: str) -> None:
        is_async, is_azure = V1_CLASSES[cls]
        kwargs = {a.keyword.value: a for a in node.args if a.keyword is not None}
        has_splat = any(a.star for a in node.args) or any(
            a.keyword is None for a in node.args
        )
        parent = self.get_metadata(ParentNodeProvider, node, None)
        injected = None
        if isinstance(parent, (cst.BooleanOperation, cst.IfExp)):
            # `client or OpenAI()`, `OpenAI() if x is None else x`: the value may be injected
            holder = parent
            while isinstance(holder, (cst.BooleanOperation, cst.IfExp)):
                holder = self.get_metadata(ParentNodeProvider, holder, None)
            if isinstance(holder, cst.Assign) and holder.value is not None:
                injected = cst.Module([]).code_for_node(holder.value)
                parent = holder
        common = dict(
            cls=cls,
            is_async=is_async,
            is_azure=is_azure,
            ctor=node,
            kwargs=kwargs,
            has_splat=has_splat,
            injected=(
                f"`{injected}` may hold a client passed in by a caller, which would still be "
                "an OpenAI client (pass azure-ai-inference clients from every caller, then migrate)"
                if injected
                else None
            ),
        )
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
            statement = self.get_metadata(ParentNodeProvider, parent, None)
            if isinstance(target, cst.Name):
                binding = Binding(
                    kind="name", target=target.value, statement=statement, **common
                )
                self.by_node[target] = binding
                self.facts.bindings.append(binding)
            elif (
                isinstance(target, cst.Attribute)
                and isinstance(target.value, cst.Name)
                and target.value.value == "self"
                and self._class_of(node) is not None
            ):
                binding = Binding(
                    kind="attr",
                    target=f"self.{target.attr.value}",
                    statement=statement,
                    **common,
                )
                self.by_attr.setdefault(
                    (self._class_of(node), target.attr.value), []
                ).append(binding)
                self.facts.bindings.append(binding)
            elif isinstance(target, cst.Attribute) and isinstance(
                target.value, cst.Name
            ):
                # `bp.openai_client = AsyncAzureOpenAI(...)`: an attribute of a module-level object
                key = f"{target.value.value}.{target.attr.value}"
                binding = Binding(
                    kind="attr", target=key, statement=statement, **common
                )
                self.by_dotted.setdefault(key, []).append(binding)
                self.facts.bindings.append(binding)
        elif isinstance(parent, cst.Return):
            self.facts.returned.append(node)
        elif isinstance(parent, cst.WithItem) and parent.asname is not None:
            name = parent.asname.name
            if isinstance(name, cst.Name):
                binding = Binding(
                    kind="with", target=name.value, statement=parent, **common
                )
                self.by_node[name] = binding
                self.facts.bindings.append(binding)
        elif isinstance(parent, cst.Attribute):
            binding = Binding(kind="inline", target="", **common)
            self.by_node[node] = binding
            self.facts.bindings.append(binding)

    def visit_Param(self, node: cst.Param) -> None:
        if node.annotation is None:
            return
        cls = self._v1_class(node.annotation.annotation)
        if cls is None:
            return
        is_async, is_azure = V1_CLASSES[cls]
        binding = Binding(
            kind="param",
            cls=cls,
            is_async=is_async,
            is_azure=is_azure,
            ctor=None,
            target=node.name.value,
            param=node,
        )
        self.by_node[node] = binding
        self.facts.bindings.append(binding)

    # -- references to create, and uses of self.<attr> ---------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        if (
            isinstance(node.value, cst.Name)
            and node.value.value == "self"
            and self.classes
        ):
            self.self_uses.append((self.classes[-1], node.attr.value, node))
        elif isinstance(node.value, cst.Name):
            self.dotted_uses.append((f"{node.value.value}.{node.attr.value}", node))
        split = _split(node)
        if split is not None and split[1] == "chat":
            parent = self.get_metadata(ParentNodeProvider, node, None)
            if not (isinstance(parent, cst.Call) and parent.func is node):
                self.pending.append((node, "ref", split[0], False))
                self.receivers.add(split[0])

    # -- resolution -----------------------------------------------------------
    def _binding_of(self, receiver: cst.BaseExpression) -> Optional[Binding]:
        if isinstance(receiver, cst.Call):
            return self.by_node.get(receiver)
        if isinstance(receiver, cst.Name):
            refs = referents(self.get_metadata(ScopeProvider, receiver, None), receiver)
            if not refs:
                return None
            found = {self.by_node.get(r.node) for r in refs}
            if (
                len(refs) == 1
                and receiver.value in self.remote
                and isinstance(
                    getattr(next(iter(refs)), "node", None),
                    (cst.Import, cst.ImportFrom),
                )
            ):
                return self._remote(receiver.value)
            if len(found) == 1:
                return found.pop()
            if None not in found and all(b.kind == "name" for b in found):
                # bound in branches (`if ...: client = OpenAI(...) else: ...`): one component
                return self._group(sorted(found, key=self._order))
            if any(b is not None for b in found):
                self.ambiguous_receivers.add(receiver)
            return None
        if (
            isinstance(receiver, cst.Attribute)
            and isinstance(receiver.value, cst.Name)
            and receiver.value.value == "self"
        ):
            for (cls, attr), bindings in self.by_attr.items():
                if attr == receiver.attr.value and self._inside(receiver, cls):
                    return self._group(bindings)
        if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            found = self.by_dotted.get(
                f"{receiver.value.value}.{receiver.attr.value}", []
            )
            if len(found) == 1:
                return found[0]
        return None

    def _remote(self, name: str) -> Binding:
        """The client another file of the project builds, imported here."""
        binding = self.remote_bindings.get(name)
        if binding is None:
            where, original = self.remote[name]
            binding = Binding(
                kind="remote",
                cls="openai.OpenAI",
                is_async=False,
                is_azure=False,
                ctor=None,
                target=name,
                elsewhere=(
                    f"`{name}` is the OpenAI client `{original}` built in {where} and shared by several "
                    "files: it stays an OpenAI client in every one of them (migrating a client shared "
                    "across files is not automated yet)"
                ),
            )
            self.remote_bindings[name] = binding
            self.facts.bindings.append(binding)
        return binding

    def _order(self, binding: Binding) -> int:
        return self.facts.bindings.index(binding)

    @staticmethod
    def _group(bindings: List[Binding]) -> Binding:
        """The first binding stands for all: calls attach to it, the others are its siblings."""
        primary, *rest = bindings
        for other in rest:
            if other not in primary.siblings:
                primary.siblings.append(other)
        return primary

    def _inside(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        current = node
        while current is not None:
            if current is ancestor:
                return True
            current = self.get_metadata(ParentNodeProvider, current, None)
        return False

    def leave_Module(self, original_node: cst.Module) -> None:
        self.finish()  # metadata is only available while visiting

    def finish(self) -> V1Facts:
        for node, kind, receiver, is_call in self.pending:
            binding = self._binding_of(receiver)
            if binding is None:
                if (
                    receiver in self.ambiguous_receivers
                    and kind in ("chat", "embeddings")
                    and isinstance(node, cst.Call)
                ):
                    self.facts.ambiguous[node] = cst.Module([]).code_for_node(receiver)
                continue
            if kind == "cleanup":
                binding.cleanup.append(node)
            elif kind == "ref":
                assert isinstance(node, cst.Attribute)
                calls = self._calls_through(node)
                if calls is None:
                    binding.refs.append(node)
                    self.facts.refs[node] = binding
                    continue
                self.facts.ref_rewrites[node] = binding
                for call in calls:
                    v1 = self._v1_call(call, "chat", binding, receiver)
                    v1.via_ref = node
                    binding.calls.append(v1)
                    self.facts.calls[call] = v1
            else:
                assert isinstance(node, cst.Call)
                v1 = self._v1_call(node, kind, binding, receiver)
                v1.options = self.options.get(node, {})
                binding.calls.append(v1)
                self.facts.calls[node] = v1
        self._unknown_uses()
        return self.facts

    @staticmethod
    def _v1_call(
        call: cst.Call, kind: str, binding: Binding, receiver: cst.BaseExpression
    ) -> V1Call:
        return V1Call(
            node=call,
            kind=kind,
            binding=binding,
            receiver=receiver,
            kwargs={a.keyword.value: a for a in call.args if a.keyword is not None},
            has_splat=any(a.star for a in call.args),
            has_positional=any(a.keyword is None and not a.star for a in call.args),
        )

    def _calls_through(self, ref: cst.Attribute) -> Optional[List[cst.Call]]:
        """The calls of `f` after `f = client.chat.completions.create`, when f is used for nothing else."""
        assign = self.get_metadata(ParentNodeProvider, ref, None)
        if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1):
            return None
        target = assign.targets[0].target
        if not isinstance(target, cst.Name):
            return None
        scope = self.get_metadata(ScopeProvider, target, None)
        if scope is None:
            return None
        calls: List[cst.Call] = []
        for assignment in scope.assignments[target.value]:
            if assignment.node is not target:
                if getattr(assignment, "node", None) is not None:
                    return None  # f is bound to something else too
                continue
            for access in assignment.references:
                call = self.get_metadata(ParentNodeProvider, access.node, None)
                if not (isinstance(call, cst.Call) and call.func is access.node):
                    return None
                calls.append(call)
        return calls or None

    def _handoff(self, node: cst.CSTNode) -> Optional[Binding]:
        """The annotated parameter binding `node` is passed to, in a call of a local function."""
        arg = self.get_metadata(ParentNodeProvider, node, None)
        call = (
            self.get_metadata(ParentNodeProvider, arg, None)
            if isinstance(arg, cst.Arg)
            else None
        )
        if (
            not isinstance(call, cst.Call)
            or not isinstance(call.func, cst.Name)
            or arg.star
        ):
            return None
        refs = referents(self.get_metadata(ScopeProvider, call.func, None), call.func)
        if not refs or len(refs) != 1:
            return None
        function = getattr(next(iter(refs)), "node", None)
        if not isinstance(function, cst.FunctionDef):
            return None
        params = list(function.params.posonly_params) + list(function.params.params)
        if arg.keyword is not None:
            chosen = next(
                (
                    p
                    for p in params + list(function.params.kwonly_params)
                    if p.name.value == arg.keyword.value
                ),
                None,
            )
        else:
            index = [a for a in call.args if a.keyword is None].index(arg)
            chosen = params[index] if index < len(params) else None
        binding = self.by_node.get(chosen) if chosen is not None else None
        return binding if binding is not None and binding.kind == "param" else None

    def _unknown_uses(self) -> None:
        scopes = {}
        for binding in self.facts.bindings:
            if binding.kind in ("name", "with", "param"):
                key = (
                    binding.param
                    if binding.kind == "param"
                    else next(n for n, b in self.by_node.items() if b is binding)
                )
                scope = self.get_metadata(ScopeProvider, key, None)
                if scope is None:
                    continue
                for assignment in scope.assignments[binding.target]:
                    if assignment.node is not key:
                        continue
                    for access in assignment.references:
                        if access.node in self.receivers:
                            continue
                        target = self._handoff(access.node)
                        if target is not None and isinstance(access.node, cst.Name):
                            binding.handoffs.append((access.node, target))
                        else:
                            binding.unknown_uses.append(access.node)
        for cls, attr, node in self.self_uses:
            bindings = self.by_attr.get((cls, attr))
            if not bindings or node in self.receivers:
                continue
            binding = self._group(bindings)
            parent = self.get_metadata(ParentNodeProvider, node, None)
            if isinstance(parent, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign)):
                assign = (
                    self.get_metadata(ParentNodeProvider, parent, None)
                    if isinstance(parent, cst.AssignTarget)
                    else parent
                )
                statement = self.get_metadata(ParentNodeProvider, assign, None)
                if not any(b.statement is statement for b in bindings):
                    value = getattr(assign, "value", None)
                    shown = cst.Module([]).code_for_node(value) if value else "?"
                    binding.injected = binding.injected or (
                        f"`self.{attr}` is also assigned `{shown}`, which may be an OpenAI client "
                        "passed in by a caller (pass azure-ai-inference clients from every caller, "
                        "then migrate)"
                    )
                continue
            binding.unknown_uses.append(node)
        for key, node in self.dotted_uses:
            found = self.by_dotted.get(key, [])
            if len(found) != 1 or node in self.receivers:
                continue
            parent = self.get_metadata(ParentNodeProvider, node, None)
            if isinstance(parent, cst.AssignTarget):
                continue
            found[0].unknown_uses.append(node)
        del scopes


def collect_v1(
    wrapper: cst.MetadataWrapper, remote: Optional[Dict[str, Tuple[str, str]]] = None
) -> V1Facts:
    collector = _Collector(remote)
    wrapper.visit(collector)
    return collector.facts
