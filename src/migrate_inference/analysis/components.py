"""Client components: one OpenAI client value and everything tied to it, decided together.

A component is every binding of one client value (all the branches that build it, a
parameter it is handed to) and every call made through it.  The per-binding planner
(`analysis/v1_plan.py: V1Planner`) proposes a plan for each binding; this module
settles the plan per component, all or nothing: when one member cannot be migrated
(a call with a TODO, a value that may be injected from outside, a branch built in a
way the others are not), no member is rewritten, and the blocking points say why.
A half-migrated client is a crash waiting in production: the receiver would be an
azure-ai-inference client for some calls and an OpenAI client for others.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

# calls that keep the OpenAI client by design: they use APIs azure-ai-inference does not have,
# so the client stays and the migrated calls use Azure clients built next to it
OTHER_API_KINDS = ("parse", "raw", "stream_helper")


class _Components:
    """Union-find over bindings (keyed by id)."""

    def __init__(self) -> None:
        self.parent: Dict[int, int] = {}

    def find(self, key: int) -> int:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def components(plan) -> List[List[object]]:
    """The binding plans of `plan` (a V1Plan), grouped by component, in source order."""
    groups = _Components()
    for key, bp in plan.bindings.items():
        groups.find(key)
        for sibling in bp.binding.siblings:
            if id(sibling) in plan.bindings:
                groups.union(key, id(sibling))
        for _, param in bp.binding.handoffs:
            if id(param) in plan.bindings:
                groups.union(key, id(param))
    out: Dict[int, List[object]] = {}
    for key, bp in plan.bindings.items():
        out.setdefault(groups.find(key), []).append(bp)
    return list(out.values())


def _blocker(plan, members) -> Optional[Tuple[str, cst.CSTNode]]:
    """Why the component cannot be migrated as a whole (and where), or None."""
    for bp in members:
        binding = bp.binding
        if binding.injected:
            return (f"{binding.injected}", binding.ctor or binding.param)
        if binding.elsewhere:
            return (binding.elsewhere, binding.ctor or binding.param)
    primary = next((bp for bp in members if bp.binding.siblings), None)
    if primary is not None:
        branch_members = [primary] + [
            bp for bp in members if bp.binding in primary.binding.siblings
        ]
        if not primary.replace:
            return (
                "it is chosen in branches and also used for other things (other OpenAI APIs, or passed on)",
                primary.binding.ctor,
            )
        apis = [api for api, _ in primary.clients]
        if len(apis) != len(set(apis)):
            return (
                "it is chosen in branches and used with several deployments",
                primary.binding.ctor,
            )
        for bp in branch_members:
            if bp.todo is not None or set(k[0] for k in bp.clients) != set(apis):
                why = bp.todo or "this branch's client cannot be built the same way"
                return (why, bp.binding.ctor)
    for bp in members:
        if bp.todo is not None:
            return (bp.todo, bp.binding.ctor or bp.binding.param)
        for cp in plan.calls.values():
            if cp.call.binding is not bp.binding or cp.client is not None:
                continue
            if cp.call.kind in OTHER_API_KINDS and not bp.replace:
                continue
            if cp.todo == "":  # kept by an ignore comment, or its code turned off
                return (
                    "a call made through it is kept on OpenAI by a `migrate-inference: ignore` "
                    "comment or by --ignore/--select",
                    cp.call.node,
                )
            return (
                "a call made through it cannot be migrated (see its TODO)",
                cp.call.node,
            )
        if bp.replace and bp.binding.refs:
            ref = bp.binding.refs[0]
            return ("its `create` is used as a value (see the TODO there)", ref)
    return None


def settle_v1(plan) -> None:
    """Make every component of `plan` (a V1Plan) all or nothing, in place."""
    for members in components(plan):
        if not any(bp.clients for bp in members):
            continue
        found = _blocker(plan, members)
        if found is None:
            continue
        reason, where = found
        _revert(plan, members, reason, where)


def _revert(plan, members, reason: str, where) -> None:
    primary = next((bp for bp in members if bp.binding.siblings), None) or next(
        (bp for bp in members if bp.binding.kind != "param"), members[0]
    )
    name = primary.binding.target or primary.binding.cls.rsplit(".", 1)[1]
    message = (
        f"`{name}` stays an OpenAI client, as a whole: {reason}. Its calls are left as they are "
        "(migrating only some would leave calls the new client cannot serve)"
    )
    for bp in members:
        bp.clients = {}
        bp.notes = []
    if primary.todo is None:
        primary.todo = message
    bindings = {id(bp.binding) for bp in members}
    for cp in plan.calls.values():
        if id(cp.call.binding) not in bindings or cp.client is None:
            continue
        cp.client = None
        cp.notes = []
        if cp.todo is None and primary.binding.kind == "remote":
            cp.todo = f"left as it is: {primary.binding.elsewhere}"
        elif cp.todo is None:
            cp.todo = (
                f"left as it is: its client `{name}` stays an OpenAI client "
                "(see the TODO where it is built)"
            )
        if cp.splat is not None:
            plan.splats.pop(id(cp.splat), None)


class GuardRegions:
    """What each `try` block and each decorated function can raise: OpenAI's exceptions or
    azure-ai-inference's.

    An `except`/`isinstance`/tenacity/backoff reference to an OpenAI exception class guards
    the calls of one region: the body of its `try`, or the function its retry decorator
    wraps.  The region's verdict is True when it makes OpenAI calls and every one of them
    (also through functions of this module it calls) is migrated, False when one of them
    stays OpenAI, and None when it makes no OpenAI call this module can see (the caller
    then decides for the file as a whole)."""

    def __init__(
        self,
        module: cst.Module,
        parents: Dict[cst.CSTNode, cst.CSTNode],
        migrated: List[cst.CSTNode],
        kept: Dict[cst.CSTNode, str],
    ) -> None:
        self.parents = parents
        self.has_migrated: Dict[cst.CSTNode, bool] = {}
        self.kept: Dict[cst.CSTNode, str] = {}  # region -> what stays OpenAI there
        functions: Dict[str, List[cst.FunctionDef]] = {}
        calls: List[cst.Call] = []

        class _Scan(cst.CSTVisitor):
            def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
                functions.setdefault(node.name.value, []).append(node)

            def visit_Call(self, node: cst.Call) -> None:
                if isinstance(node.func, cst.Name):
                    calls.append(node)

        module.visit(_Scan())
        pending_done = list(migrated)
        while pending_done:
            node = pending_done.pop()
            for region in self._regions(node):
                if region in self.has_migrated:
                    continue
                self.has_migrated[region] = True
                if isinstance(region, cst.FunctionDef):
                    # a call of this function raises azure-ai-inference's exceptions
                    pending_done.extend(
                        call
                        for call in calls
                        if call.func.value == region.name.value  # type: ignore[attr-defined]
                    )
        pending = list(kept.items())
        while pending:
            node, what = pending.pop()
            for region in self._regions(node):
                if region in self.kept:
                    continue
                self.kept[region] = what
                if isinstance(region, cst.FunctionDef):
                    # a call of this function raises what it raises
                    for call in calls:
                        if call.func.value == region.name.value:  # type: ignore[attr-defined]
                            pending.append(
                                (call, f"{region.name.value}() calls {what}")
                            )

    def _regions(self, node: cst.CSTNode):
        """The try bodies and functions `node` is inside (innermost first)."""
        child, current = node, self.parents.get(node)
        while current is not None:
            if isinstance(current, (cst.Try, cst.TryStar)) and child is current.body:
                yield current
            elif isinstance(current, (cst.FunctionDef, cst.Lambda)):
                yield current
            child, current = current, self.parents.get(current)

    def region_of(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        """The try statement whose clause holds `node`, or the function a decorator holding
        it wraps (None: `node` guards no region, e.g. a module-level tuple of classes).
        """
        if isinstance(node, (cst.Try, cst.TryStar)):
            return node
        current = node
        while current is not None:
            if isinstance(current, cst.ExceptHandler):
                parent = self.parents.get(current)
                if isinstance(parent, (cst.Try, cst.TryStar)):
                    return parent
            if isinstance(current, cst.Decorator):
                return self.parents.get(current)
            if isinstance(current, (cst.FunctionDef, cst.ClassDef)):
                return None
            current = self.parents.get(current)
        return None

    def verdict(self, node: cst.CSTNode) -> Tuple[Optional[bool], str]:
        """(True: every guarded call is migrated; False: one stays OpenAI, and which; None)."""
        region = self.region_of(node)
        if region is None:
            return None, ""
        if region in self.kept:
            return False, self.kept[region]
        if self.has_migrated.get(region):
            return True, ""
        return None, ""


def guard_regions(wrapper, facts, plan, v1_plan, error_sites) -> GuardRegions:
    """The regions of one module, from what the plans migrate and what they keep."""
    from libcst.metadata import ParentNodeProvider

    from migrate_inference.analysis.names import dotted

    migrated = list(plan.migrated) + list(v1_plan.migrated)
    done = set(migrated)
    kept: Dict[cst.CSTNode, str] = {}

    def name(node) -> str:
        func = node.func if isinstance(node, cst.Call) else node
        return dotted(func) or "a call"

    for call in (
        list(facts.chat_calls) + list(facts.v1.calls) + list(facts.v1.ambiguous)
    ):
        if call not in done:
            kept[call] = name(call)
    for call, what in facts.out_of_scope.items():
        kept[call] = what
    for node in list(facts.chat_refs) + list(facts.v1.refs):
        kept[node] = name(node)
    for node, qname in error_sites.unhandled:
        kept[node] = qname
    for binding in facts.v1.bindings:
        bp = v1_plan.bindings.get(id(binding))
        if bp is None or not bp.clients or not bp.replace:
            for node in binding.unknown_uses:
                kept[node] = f"the OpenAI client `{binding.target or binding.cls}`"
    return GuardRegions(
        wrapper.module, wrapper.resolve(ParentNodeProvider), migrated, kept
    )
