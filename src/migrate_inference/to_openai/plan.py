"""Read-only planning for `--to openai`: which client components migrate, and every edit they need.

A component is one azure-ai-inference client value (a ChatCompletionsClient or
EmbeddingsClient construction, sync or aio), every call made on it, the
responses of those calls and what reads them.  The planner visits the module
once, finds each component, and either plans every edit it needs or records why
it cannot migrate (a blocker, which becomes one TODO at that point); a component
with a blocker is left exactly as it was.  The rewriter then only carries out the
plan.

This module holds the entry, the name lookups and the clients shared across files;
the rest of `Planner` comes from its parts: plan_clients.py (a construction's
endpoint and credential), plan_uses.py (every use of a client value),
plan_calls.py (each call's arguments) and plan_responses.py (what reads a
response or stream).  The plan's data types live in component.py.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import (
    BaseAssignment,
    GlobalScope,
    ParentNodeProvider,
    QualifiedNameProvider,
    QualifiedNameSource,
    ScopeProvider,
)
from libcst.metadata.base_provider import LazyValue

from migrate_inference.analysis.names import code_of
from migrate_inference.config import Config
from migrate_inference.to_openai import names
from migrate_inference.to_openai.codes import CHAT, CLIENTS, EMBEDDINGS, NO_EQUIVALENT
from migrate_inference.to_openai.component import Component, Node, Site, walk
from migrate_inference.to_openai.plan_calls import CallPlanning
from migrate_inference.to_openai.plan_clients import ClientPlanning
from migrate_inference.to_openai.plan_responses import ResponsePlanning
from migrate_inference.to_openai.plan_uses import UsePlanning


class Planner(ClientPlanning, UsePlanning, CallPlanning, ResponsePlanning):
    def __init__(
        self,
        wrapper: cst.MetadataWrapper,
        config: Config,
        filename: Optional[str] = None,
    ) -> None:
        self.wrapper = wrapper
        self.config = config
        self.filename = filename
        self.project = config.project if filename is not None else None
        # shared clients this file only imports (for other files to import from it)
        self.imports_only: Set[Tuple[str, str]] = set()
        self.qn = wrapper.resolve(QualifiedNameProvider)
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.components: List[Component] = []
        self.site_of: Dict[cst.Call, Tuple[Component, Site]] = {}
        self.model_calls: Dict[cst.Call, str] = {}  # construction -> class name
        self.json_formats: Set[cst.Call] = set()
        self.enum_refs: Dict[cst.Attribute, str] = {}
        self.handlers: List[cst.ExceptHandler] = []
        self.free_todos: List[Tuple[Node, str, str]] = []  # not tied to a component
        self.loaders: List[cst.Call] = []
        # nodes the planner makes (a body dict's entries as keywords) -> an original node
        self.made_parents: Dict[Node, Node] = {}

    # ------------------------------------------------------------ names

    def qnames(self, node: Node) -> Set[str]:
        found = set()
        value = self.qn.get(node, ())
        if isinstance(value, LazyValue):
            value = value()
        for q in value:
            if q.source == QualifiedNameSource.IMPORT:
                name = q.name
                if name.startswith(names.MODELS):
                    rest = name[len(names.MODELS) :].split(".")
                    if rest and rest[0].startswith("_"):  # models._models.X
                        name = names.MODELS + ".".join(rest[1:])
                found.add(name)
        return found

    def qname(self, node: Node) -> Optional[str]:
        found = self.qnames(node)
        return next(iter(found)) if len(found) == 1 else None

    def model_class(self, node: Node) -> Optional[str]:
        name = self.qname(node)
        if name and name.startswith(names.MODELS):
            rest = name[len(names.MODELS) :]
            return rest if "." not in rest else None
        return None

    def original(self, node: Node) -> Node:
        """`node`, or the original node a node the planner made stands for."""
        while node in self.made_parents:
            node = self.made_parents[node]
        return node

    def parent(self, node: Node) -> Optional[Node]:
        made = self.made_parents.get(node)
        if made is not None:
            return made
        return self.parents.get(node)

    # ------------------------------------------------------------ entry

    def run(self) -> "Planner":
        module = self.wrapper.module
        collector = _Collector(self)
        module.visit(collector)
        for call, (api, aio) in collector.constructions:
            self.components.append(self._component(call, api, aio))
        if self.project is not None and self.project.inference_exports:
            self._remote_components()
        for call, message in collector.no_equivalent:
            self.free_todos.append((call, NO_EQUIVALENT, message))
        return self

    # ------------------------------------------------------------ components

    def _component(self, call: cst.Call, api: str, aio: bool) -> Component:
        comp = Component(node=call, api=api, aio=aio, scope=self.scopes.get(call))
        self._constructor_args(comp)
        refs = self._binding_refs(comp)
        comp.refs.update(refs)
        pending = list(refs)
        while pending:  # references through parameters are added as they are found
            ref = pending.pop(0)
            for more in self._classify_use(comp, ref) or ():
                if more not in comp.refs:
                    comp.refs.add(more)
                    pending.append(more)
        self._check_passed_to(comp)
        comp.shared = self._shared_key(call)
        if comp.factory is not None:
            places = self._factory_users(comp.factory)
            if places:
                comp.block(
                    call,
                    CLIENTS,
                    f"`{comp.factory.name.value}` returns this client and other files of the project call it ({places}): clients made by a function and used across files are not migrated automatically; migrate it with all its users by hand",
                )
        if not comp.sites and not comp.blockers and comp.shared is None:
            comp.block(
                call,
                CLIENTS,
                "the client is never called where the tool can see it (no complete()/embed() on it in this module): migrate it by hand",
            )
        for site in comp.sites:
            self._site(comp, site)
        if not self.config.rule_enabled(CLIENTS) or not self.config.rule_enabled(
            CHAT if api == "chat" else EMBEDDINGS
        ):
            comp.block(
                call,
                CLIENTS,
                "the rules needed to migrate this client are turned off (--select/--ignore)",
            )
        return comp

    # ------------------------------------------------------------ across files

    def _shared_key(self, call: cst.Call) -> Optional[Tuple[str, str]]:
        """(real path, name) when `name = Client(...)` at module level is used by other
        files of the project (the project index), else None."""
        if self.project is None or self.filename is None:
            return None
        parent = self.parent(call)
        if isinstance(parent, cst.AnnAssign):
            target = parent.target
        elif isinstance(parent, cst.Assign) and len(parent.targets) == 1:
            target = parent.targets[0].target
        else:
            return None
        if not isinstance(target, cst.Name) or not isinstance(
            self.scopes.get(call), GlobalScope
        ):
            return None
        key = (os.path.realpath(self.filename), target.value)
        return key if self.project.inference_importers.get(key) else None

    def _factory_users(self, func: cst.FunctionDef) -> str:
        """Where other files of the project use the function `func` (a client factory)."""
        if self.project is None or self.filename is None:
            return ""
        if not isinstance(self.scopes.get(func), GlobalScope):
            return ""
        places = self.project.inference_importers.get(
            (os.path.realpath(self.filename), func.name.value), []
        )
        shown = ", ".join(places[:3])
        if len(places) > 3:
            shown += f" and {len(places) - 3} more"
        return shown

    def _remote_components(self) -> None:
        """The clients other files of the project build, used here: one component each,
        made of this file's uses and planned with the construction's keywords."""
        from migrate_inference.to_openai import shared

        project = self.project
        groups: Dict[Tuple[str, str], List[Node]] = {}
        imported: Set[Tuple[str, str]] = set()
        for node in walk(self.wrapper.module):
            if isinstance(node, cst.ImportFrom) and not isinstance(
                node.names, cst.ImportStar
            ):
                base = "." * len(node.relative) + (
                    code_of(node.module) if node.module is not None else ""
                )
                for alias in node.names:
                    q = (
                        f"{base}.{code_of(alias.name)}"
                        if base.strip(".")
                        else base + code_of(alias.name)
                    )
                    found = project.inference_client(self.filename, q)
                    if found is not None:
                        imported.add((found[0], found[1]))
                continue
            if not isinstance(node, (cst.Name, cst.Attribute)):
                continue
            parent = self.parent(node)
            if isinstance(parent, cst.Attribute) and parent.attr is node:
                continue
            for q in self.qnames(node):
                found = project.inference_client(self.filename, q)
                if found is not None:
                    groups.setdefault((found[0], found[1]), []).append(node)
                    break
        self.imports_only = imported - set(groups)
        for key, refs in groups.items():
            comp = Component(
                node=refs[0],  # type: ignore[arg-type]
                api="chat",
                aio=False,
                scope=self.scopes.get(refs[0]),
                remote=key,
                local_name=code_of(refs[0]),
            )
            self.components.append(comp)
            comp.refs.update(refs)
            for ref in refs:
                if isinstance(ref, cst.Name) and not self._only_the_import(ref):
                    comp.block(
                        ref,
                        CLIENTS,
                        f"`{ref.value}` here may be another value too (it is assigned in this file as well as imported): the tool cannot tell which client each use means",
                    )
            cycle = shared.in_progress(project, key[0])
            info = shared.definition(project, self.config, *key)
            if info is None:
                if cycle:  # files that use each other's clients: never migrated
                    comp.block(
                        refs[0],
                        CLIENTS,
                        f"`{key[1]}` is built in {project.shown(key[0])}, which uses a client of this file in turn: clients shared both ways between files are not migrated automatically",
                    )
                continue  # the verdict says why; every reference gets a TODO
            comp.api, comp.aio = info.api, info.aio
            comp.kwargs = info.kwargs
            comp.endpoint = info.endpoint  # type: ignore[assignment]
            comp.credential = info.credential  # type: ignore[assignment]
            comp.foreign = info.foreign
            pending = list(refs)
            while pending:
                ref = pending.pop(0)
                for more in self._classify_use(comp, ref) or ():
                    if more not in comp.refs:
                        comp.refs.add(more)
                        pending.append(more)
            self._check_passed_to(comp)
            for site in comp.sites:
                self._site(comp, site)
            if not self.config.rule_enabled(CLIENTS) or not self.config.rule_enabled(
                CHAT if comp.api == "chat" else EMBEDDINGS
            ):
                comp.block(
                    refs[0],
                    CLIENTS,
                    "the rules needed to migrate this client are turned off (--select/--ignore)",
                )

    def sole_assignment(self, name: cst.Name) -> Optional[BaseAssignment]:
        """The one assignment the read `name` refers to, when there is exactly one and its
        scope binds the name only there; else None."""
        scope = self.scopes.get(name)
        if scope is None:
            return None
        referents = [a.referents for a in scope.accesses[name.value] if a.node is name]
        if len(referents) != 1 or len(referents[0]) != 1:
            return None
        assignment = next(iter(referents[0]))
        if len(assignment.scope.assignments[name.value]) != 1:
            return None
        return assignment

    def _only_the_import(self, name: cst.Name) -> bool:
        """Whether every value `name` may have here comes from an import."""
        scope = self.scopes.get(name)
        if scope is None:
            return False
        for access in scope.accesses[name.value]:
            if access.node is name:
                referents = list(access.referents)
                return bool(referents) and all(
                    isinstance(getattr(r, "node", None), (cst.Import, cst.ImportFrom))
                    for r in referents
                )
        return False

    def _inside(self, node: Node, ancestor: Node) -> bool:
        current: Optional[Node] = node
        while current is not None:
            if current is ancestor:
                return True
            current = self.parent(current)
        return False

    def portable_anywhere(self, expr: cst.BaseExpression) -> bool:
        """Whether `expr`, written at the construction, reads the same in any other file
        of the project: literals, environment reads (`os.environ[...]`, `os.getenv(...)`
        with literal arguments) and string operations on them."""
        read = self.names_read(expr, lambda call: False)
        return read is not None and all(
            node.value == "os" and self.qname(node) == "os" for node in read
        )


class _Collector(cst.CSTVisitor):
    def __init__(self, planner: Planner) -> None:
        super().__init__()
        self.p = planner
        self.constructions: List[Tuple[cst.Call, Tuple[str, bool]]] = []
        self.no_equivalent: List[Tuple[Node, str]] = []

    def visit_Call(self, node: cst.Call) -> None:
        name = self.p.qname(node.func)
        if name is None:
            return
        if name in names.CLIENT_CLASSES:
            self.constructions.append((node, names.CLIENT_CLASSES[name]))
        elif name in names.NO_EQUIVALENT and isinstance(node.func, cst.Attribute):
            self.no_equivalent.append((node, names.NO_EQUIVALENT[name]))
        elif name in names.LOADERS:
            self.p.loaders.append(node)
        elif name.startswith(names.MODELS):
            cls = name[len(names.MODELS) :]
            if cls in names.MODEL_DICTS:
                self.p.model_calls[node] = cls
            elif cls == names.JSON_SCHEMA_FORMAT:
                self.p.json_formats.add(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = self.p.qname(node)
        if name and name.startswith(names.MODELS):
            parts = name[len(names.MODELS) :].split(".")
            if (
                len(parts) == 2
                and parts[0] in names.ENUMS
                and parts[1] in names.ENUMS[parts[0]]
            ):
                self.p.enum_refs[node] = names.ENUMS[parts[0]][parts[1]]

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is not None:
            self.p.handlers.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        parent = self.p.parent(node)
        if isinstance(parent, cst.ImportAlias) or (
            isinstance(parent, cst.Attribute) and parent.attr is node
        ):
            return
        name = self.p.qname(node)
        if name in names.NO_EQUIVALENT:
            self.no_equivalent.append((node, names.NO_EQUIVALENT[name]))
