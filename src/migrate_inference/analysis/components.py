"""Client components: one OpenAI client value and everything tied to it, decided together.

A component is every binding of one client value (all the branches that build it, a
parameter it is handed to) and every call made through it.  The per-binding planner
(`rules/v1_clients.py: V1Planner`) proposes a plan for each binding; this module
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
    anchor = primary.binding.ctor or primary.binding.param
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
        if cp.todo is None:
            cp.todo = (
                f"left as it is: its client `{name}` stays an OpenAI client "
                "(see the TODO where it is built)"
            )
        if cp.splat is not None:
            plan.splats.pop(id(cp.splat), None)
