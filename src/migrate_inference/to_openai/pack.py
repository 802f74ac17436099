"""`--to openai`: azure-ai-inference code to the openai SDK on Azure's /openai/v1/ endpoint.

    migrate_module(module, config, filename) -> (new code, findings)

The engine (`migrate_inference.engine.migrate_source`) calls this when
``Config.target == "openai"`` and then verifies the output as it does for the
forward pack (it parses, compiles, and adds no undefined name).  Planning
(`plan.py`) decides per client component, all or nothing; `rewrite.py` carries
out the plan; the handlers of the errors it raises are planned in
`pack_errors.py`.  A client shared with other files of the project is decided for all
of them at once (`shared.py`): the per-file plan (`plan_locally`) is what that
decision reads, and `_settle_shared` applies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Set

import libcst as cst
from libcst.metadata import GlobalScope, MetadataWrapper

from migrate_inference.analysis.names import code_of, string_value
from migrate_inference.config import Config
from migrate_inference.rules.base import RuleContext, has_ignore, position_map
from migrate_inference.to_openai import helpers, names
from migrate_inference.to_openai.codes import (
    CHAT,
    CLIENTS,
    MESSAGES,
    REQUEST_MODELS,
    RESPONSES,
)
from migrate_inference.to_openai.component import Component, Plan, Site, walk
from migrate_inference.to_openai.pack_errors import plan_errors
from migrate_inference.to_openai.plan import Planner

Node = cst.CSTNode


@dataclass
class LocalPlan:
    """A file planned on its own: every component with the blockers found in this file
    (a client shared with other files is not settled yet: `shared.py`)."""

    wrapper: MetadataWrapper
    planner: Planner


def plan_locally(
    module: cst.Module, config: Config, filename: Optional[str] = None
) -> LocalPlan:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    planner = Planner(wrapper, config, filename).run()
    _local_blocks(planner, wrapper)
    return LocalPlan(wrapper, planner)


def migrate_module(module: cst.Module, config: Config, filename: Optional[str] = None):
    local = plan_locally(module, config, filename)
    wrapper, planner = local.wrapper, local.planner
    ctx = RuleContext(config=config, facts=None, positions=position_map(wrapper))
    plan = Plan(ctx=ctx)
    _settle_shared(planner, plan, wrapper)
    _finish(planner, plan, wrapper)
    if not plan.clients and not plan.sites and not plan.todo_at:
        return module.code, []
    from migrate_inference.engine import fix_imports
    from migrate_inference.to_openai.rewrite import Rewriter

    new_module = wrapper.module.visit(Rewriter(ctx, planner, plan))
    if (
        any(comp.remote is not None for comp, _ in plan.sites.values())
        and _global_binding(wrapper, planner, "os") is None
        and any(isinstance(n, cst.Name) and n.value == "os" for n in walk(new_module))
    ):
        ctx.need_import("os")  # a setting of another file's client read from os.environ
    if plan.clients or plan.sites:
        new_module = fix_imports(
            new_module, ctx, module, always_removable=_is_inference
        )
    return new_module.code, ctx.findings


def _is_inference(shown: str) -> bool:
    return shown.startswith("azure.ai.inference")


def _global_binding(
    wrapper: MetadataWrapper, planner: Planner, name: str
) -> Optional[str]:
    """What a module-level name is bound to: None (unbound), "import:<qualified>" or "other"."""
    scope = None
    for node, s in planner.scopes.items():
        if isinstance(s, GlobalScope):
            scope = s
            break
    if scope is None or name not in scope.assignments:
        return None
    kinds = set()
    for assignment in scope.assignments[name]:
        node = getattr(assignment, "node", None)
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            kinds.add("import:" + _imported_as(node, name))
        else:
            kinds.add("other")
    return kinds.pop() if len(kinds) == 1 else "other"


def _imported_as(node, name: str) -> str:
    if isinstance(node, cst.Import):
        for alias in node.names:
            shown = alias.asname.name.value if alias.asname else code_of(alias.name).split(".")[0]  # type: ignore[union-attr]
            if shown == name:
                return code_of(alias.name)
    elif isinstance(node, cst.ImportFrom) and not isinstance(
        node.names, cst.ImportStar
    ):
        module = code_of(node.module) if node.module else ""
        for alias in node.names:
            shown = alias.asname.name.value if alias.asname else code_of(alias.name)  # type: ignore[union-attr]
            if shown == name:
                return f"{module}.{code_of(alias.name)}"
    return "?"


def _statement_of(planner: Planner, node: Node) -> Optional[Node]:
    current: Optional[Node] = node
    while current is not None and not isinstance(
        current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
    ):
        current = planner.parent(current)
    return current


def _suppressed(planner: Planner, node: Node, code: str) -> bool:
    current: Optional[Node] = node
    while current is not None:
        if isinstance(
            current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
        ) and has_ignore(current, code):
            return True
        current = planner.parent(current)
    return False


def _local_blocks(planner: Planner, wrapper: MetadataWrapper) -> None:
    """The blockers a component gets from the rest of its file (names the generated code
    needs, suppression comments)."""
    comps = planner.components
    # names the generated code introduces must be free
    for cls, aio in (("OpenAI", False), ("AsyncOpenAI", True)):
        binding = _global_binding(wrapper, planner, cls)
        if binding not in (None, f"import:openai.{cls}"):
            for comp in comps:
                if comp.aio == aio and (comp.remote is None or comp.annotations):
                    comp.block(
                        comp.node,
                        CLIENTS,
                        f"the name {cls} is already used in this module for something else",
                    )
    for helper in helpers.ORDER:
        if _global_binding(wrapper, planner, helper) is not None:
            for comp in comps:
                if comp.endpoint is not None and comp.endpoint.static is None:
                    comp.block(
                        comp.node,
                        CLIENTS,
                        f"the name {helper} is already used in this module",
                    )
    os_binding = _global_binding(wrapper, planner, "os")
    for comp in comps:
        if comp.remote is not None and os_binding not in (None, "import:os"):
            if any(_names_os(e) for e in (comp.foreign or ())):
                comp.block(
                    comp.node,
                    CLIENTS,
                    "the client's settings read os.environ, and the name os is already used in this module for something else",
                )
    for comp in comps:
        for site in comp.sites:
            _check_response_format(planner, comp, site)
        for node in [comp.node, *(s.call for s in comp.sites)]:
            if _suppressed(planner, node, CLIENTS) or _suppressed(planner, node, CHAT):
                comp.blockers.append((node, "", ""))  # silent: the user asked


def _names_os(expr: Node) -> bool:
    return any(isinstance(n, cst.Name) and n.value == "os" for n in walk(expr))


def _settle_shared(planner: Planner, plan: Plan, wrapper: MetadataWrapper) -> None:
    """A client shared across files migrates in every file or in none (`shared.py`)."""
    from migrate_inference.to_openai import shared

    project = planner.project
    if project is None:
        return
    viewer = planner.filename or ""
    for comp in planner.components:
        key = comp.shared or comp.remote
        if key is None:
            continue
        verdict = shared.verdict(project, planner.config, *key)
        if verdict.migrates:
            if comp.remote is not None and comp.foreign is None:  # be safe
                comp.block(
                    comp.node,
                    CLIENTS,
                    f"the tool cannot follow the construction of `{verdict.name}` in {verdict.shown}: migrate this client by hand",
                )
            continue
        why = verdict.why(project, viewer)
        if comp.shared is not None:
            comp.block(
                comp.node,
                CLIENTS,
                f"`{verdict.name}` is also used by other files of the project ({verdict.places_text()}): a client migrates with all its uses or not at all, and {why}; it stays an azure-ai-inference client in every file",
            )
            continue
        others = verdict.places_text(project, viewer)
        also = f" and also used in {others}" if others else ""
        if verdict.factory:
            message = f"left as it is: `{comp.local_name}` is the function `{verdict.name}` of {verdict.shown} that returns an azure-ai-inference client{also}; clients made by a function and used across files are not migrated automatically: migrate it with all its users by hand"
        else:
            message = f"left as it is: `{comp.local_name}` is the azure-ai-inference client `{verdict.name}` built in {verdict.shown}{also}; it stays an azure-ai-inference client in every file, as a whole, because {why}"
        if comp.sites:
            for site in comp.sites:
                comp.block(site.call, CLIENTS, message)
        else:
            for ref in sorted(comp.refs or {comp.node}, key=_position(plan)):
                comp.block(ref, CLIENTS, message)


def _position(plan: Plan):
    def key(node: Node):
        assert plan.ctx is not None
        pos = plan.ctx.positions.get(node) if plan.ctx.positions else None
        return (pos.start.line, pos.start.column) if pos is not None else (0, 0)

    return key


def _finish(planner: Planner, plan: Plan, wrapper: MetadataWrapper) -> None:
    comps = planner.components
    openai_binding = _global_binding(wrapper, planner, "openai")
    plan.openai_module_free = openai_binding in (None, "import:openai")
    dt = _global_binding(wrapper, planner, "datetime")
    tz = _global_binding(wrapper, planner, "timezone")
    if dt in (None, "import:datetime"):
        plan.datetime_form = "module"
    elif dt == "import:datetime.datetime" and tz in (None, "import:datetime.timezone"):
        plan.datetime_form = "class"
    else:
        for comp in comps:
            if comp.created:
                comp.block(
                    next(iter(comp.created)),
                    RESPONSES,
                    "created is an int in openai and the name datetime is taken here: convert with datetime.fromtimestamp(..., timezone.utc) by hand",
                )
    own = [c for c in comps if c.remote is None]
    aio_token = [
        c for c in own if c.credential and c.credential.kind == "token" and c.aio
    ]
    sync_token = [
        c for c in own if c.credential and c.credential.kind == "token" and not c.aio
    ]
    plan.both_providers = bool(aio_token and sync_token) or (
        bool(aio_token)
        and _global_binding(wrapper, planner, "get_bearer_token_provider")
        == "import:azure.identity.get_bearer_token_provider"
    )
    migrating = [c for c in comps if c.migrates]
    blocked = [c for c in comps if not c.migrates]
    for comp in blocked:
        for node, code, message in comp.blockers:
            if not message:
                continue
            node = planner.original(node)
            if comp.remote is not None and node not in planner.parents:
                # a keyword of the construction, in the other file: said at each call
                assert planner.project is not None
                where = planner.project.shown(comp.remote[0])
                for site in comp.sites or []:
                    plan.todo(
                        site.call,
                        code,
                        f"{message} (set where the client is built, in {where})",
                    )
                if not comp.sites:
                    plan.todo(
                        comp.node,
                        code,
                        f"{message} (set where the client is built, in {where})",
                    )
                continue
            plan.todo(node, code, message)
    for node, code, message in planner.free_todos:
        plan.todo(node, code, message)
    for call in planner.loaders:
        if migrating:
            plan.todo(call, MESSAGES, names.LOADERS[planner.qname(call.func) or ""])
    if not migrating:
        return
    for comp in migrating:
        if comp.remote is None:
            plan.clients[comp.node] = comp
        for site in comp.sites:
            plan.sites[site.call] = (comp, site)
        plan.subscripts |= comp.subscripts
        plan.gets |= comp.gets
        plan.as_dicts |= comp.as_dicts
        plan.created |= comp.created
        for annotation in comp.annotations:
            plan.annotations[annotation] = "AsyncOpenAI" if comp.aio else "OpenAI"
        plan.loops.update(comp.loops)
        for node, code, message in (
            (planner.original(n), c, m) for n, c, m in comp.todos
        ):
            plan.todo(node, code, message)
    # Model classes and enum members become dicts and strings module-wide when no
    # component stays behind (azure-ai-inference takes the dicts too); otherwise only
    # inside what the migrated components pass.
    inside = _inside_migrated(planner, migrating)
    whole = not blocked
    for call, cls in planner.model_calls.items():
        if whole or call in inside:
            if _attribute_read(planner, call):
                plan.todo(
                    call,
                    MESSAGES,
                    f"{cls}(...) is read by attribute later: it stays an azure-ai-inference object (openai accepts it as a mapping); make it a dict by hand to drop azure-ai-inference",
                )
                continue
            plan.model_calls[call] = cls
    for call in planner.json_formats:
        if whole or call in inside:
            plan.json_formats.add(call)
    for attr, value in planner.enum_refs.items():
        if whole or attr in inside:
            plan.enum_refs[attr] = value
    plan_errors(planner, plan, migrating, blocked)


def _check_response_format(planner: Planner, comp: Component, site: Site) -> None:
    if site.body is not None:
        # a body is sent as written (REST JSON), which is the form openai takes;
        # client-level defaults do not apply to it
        return
    arg = site.kwargs.get("response_format") or comp.kwargs.get("response_format")
    if arg is None:
        return
    value = arg.value
    if string_value(value) in ("text", "json_object") or (
        isinstance(value, cst.Name) and value.value == "None"
    ):
        return
    target = value
    if isinstance(value, cst.Name):
        assigned = planner.assigned_value(value)
        if assigned is not None:
            target = assigned
    if isinstance(target, cst.Call) and target in planner.json_formats:
        return
    comp.block(
        arg,
        REQUEST_MODELS,
        f'response_format=`{code_of(value)}` is not a literal "json_object"/"text" or a JsonSchemaFormat(...) the tool can see: openai takes {{"type": "json_object"}} or {{"type": "json_schema", "json_schema": {{...}}}}',
    )


def _inside_migrated(planner: Planner, migrating: List[Component]) -> Set[Node]:
    inside: Set[Node] = set()
    for comp in migrating:
        roots: List[Node] = [a.value for a in comp.kwargs.values()]
        roots += [a.value for s in comp.sites for a in s.kwargs.values()]
        for root in roots:
            for node in walk(root):
                inside.add(node)
            if isinstance(root, cst.Name):
                assigned = planner.assigned_value(root)
                if assigned is not None:
                    for node in walk(assigned):
                        inside.add(node)
    return inside


def _attribute_read(planner: Planner, call: cst.Call) -> bool:
    parent = planner.parent(call)
    if not (
        isinstance(parent, cst.Assign)
        and len(parent.targets) == 1
        and isinstance(parent.targets[0].target, cst.Name)
    ):
        return False
    target = parent.targets[0].target
    scope = planner.scopes.get(target)
    if scope is None:
        return False
    for assignment in scope.assignments[target.value]:
        for access in assignment.references:
            ref_parent = planner.parent(access.node)
            if (
                isinstance(ref_parent, cst.Attribute)
                and ref_parent.value is access.node
            ):
                return True
    return False
