"""Planning for the errors rule (rules/errors.py): what each try statement's clauses
become, and what keeps the file's exceptions OpenAI's.  Read-only decisions, made before
the pass (`attribute_block`, `block_calls`: pipeline.py) or asked by the rule; the code
written for status conditions is in rules/error_conditions.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

import libcst as cst

from migrate_inference.analysis.error_refs import (
    Entry,
    ErrorSites,
    Ref,
    Spec,
    dotted_text,
)
from migrate_inference.analysis.errors_tables import (
    ATTR_MAPS,
    ATTR_TODOS,
    AZURE_PARENT,
    HTTP,
    Status,
    attribute_mapping,
    classes_overlap,
    code_of,
    is_sub,
    openai_sub,
)
from migrate_inference.rules import rule_code

if TYPE_CHECKING:
    from migrate_inference.rules.context import RuleContext

# ---------------------------------------------------------------------------
# Planning a try statement
# ---------------------------------------------------------------------------


def _depth(cls: str) -> int:
    depth, current = 0, AZURE_PARENT.get(cls)
    while current is not None:
        depth, current = depth + 1, AZURE_PARENT.get(current)
    return depth


@dataclass
class Clause:
    """One except clause as azure sees it."""

    handler: cst.ExceptHandler
    spec: Spec
    classes: List[Tuple[str, Optional[str]]] = field(
        default_factory=list
    )  # (azure class, OpenAI origin)
    statuses: List[Status] = field(default_factory=list)
    status_origins: List[str] = field(default_factory=list)
    catch_all: bool = False
    kept: List[Entry] = field(default_factory=list)  # entries written back as they are
    notes: List[str] = field(default_factory=list)

    @property
    def guarded(self) -> bool:
        return bool(self.statuses)

    @property
    def azure(self) -> List[str]:
        return [c for c, _ in self.classes]

    @property
    def pure(self) -> bool:
        """Only usable OpenAI classes: its place among such clauses did not matter."""
        return not self.kept and bool(self.classes or self.statuses)

    @property
    def rewritten(self) -> bool:
        return any(
            e.kind == "openai" and e.ref is not None and e.ref.usable
            for e in self.spec.entries
        )

    def caught(self) -> List[Tuple[str, Optional[str]]]:
        """(azure class, OpenAI origin) for everything the rewritten except type names."""
        return self.classes + [
            (HTTP, o) for o in (self.status_origins if self.guarded else [])
        ]

    @property
    def http_only(self) -> bool:
        """Everything the rewritten clause lets through is an HttpResponseError."""
        return (
            not self.catch_all
            and all(is_sub(c, HTTP) for c, _ in self.caught())
            and all(
                e.kind == "azure" and e.azure and is_sub(e.azure, HTTP)
                for e in self.kept
            )
        )

    def specificity(self) -> float:
        depths = [float(_depth(c)) for c in self.azure] + (
            [1.5] if self.guarded else []
        )
        return min(depths) if depths else 0.0

    def origins(self) -> List[str]:
        return [e.ref.qname for e in self.spec.entries if e.ref is not None]


def build_clause(handler: cst.ExceptHandler, spec: Spec) -> Clause:
    clause = Clause(handler, spec)
    for entry in spec.entries:
        if entry.kind == "openai":
            ref = entry.ref
            assert ref is not None
            if not ref.usable:
                clause.kept.append(entry)
                clause.notes.append(unusable_note(ref))
                continue
            assert ref.target is not None
            if ref.target.status is None:
                clause.classes.extend((cls, ref.qname) for cls in ref.target.classes)
            else:
                clause.statuses.append(ref.target.status)
                clause.status_origins.append(ref.qname)
        else:
            clause.kept.append(entry)
            if entry.kind == "catchall":
                clause.catch_all = True
            elif entry.kind == "azure" and entry.azure:
                clause.classes.append((entry.azure, None))
    if clause.catch_all or any(is_sub(HTTP, c) for c in clause.azure):
        clause.statuses, clause.status_origins = (
            [],
            [],
        )  # it already catches every HTTP error
    return clause


def unusable_note(ref: Ref) -> str:
    if ref.ambiguous:
        return f"`{code_of(ref.node)}` may not be the OpenAI class here: migrate it by hand"
    return f"{ref.qname} has no azure.core.exceptions counterpart: remove it or catch an Azure class"


@dataclass
class TryPlan:
    clauses: List[Clause]  # in the order they are written back
    region: Optional[Tuple[int, int]] = (
        None  # clauses merged into one dispatching clause
    )
    reordered: bool = False
    todo: Optional[str] = None


def _conflict(first: Clause, later: Clause) -> bool:
    """Would `first`, rewritten in place, change which clause handles something `later` handles?"""
    if first.catch_all:
        return False  # it caught everything before the rewrite too
    if first.guarded and (
        later.catch_all or any(classes_overlap(c, HTTP) for c, _ in later.caught())
    ):
        return True  # its re-raise would skip `later`
    for c_late, origin_late in later.caught():
        for c_first, origin_first in first.classes:
            if (
                is_sub(c_late, c_first)
                and origin_late
                and origin_first
                and not openai_sub(origin_late, origin_first)
            ):
                return True  # the rename puts a subclass after its base
    return False


def _disjoint(a: Clause, b: Clause) -> bool:
    """Both clauses name only OpenAI classes and none derives from another: their order is free."""
    if not (a.pure and b.pure):
        return False
    return not any(
        openai_sub(x, y) or openai_sub(y, x) for x in a.origins() for y in b.origins()
    )


def _has_conflict(clauses: List[Clause]) -> bool:
    return any(
        _conflict(clauses[i], clauses[j])
        for i in range(len(clauses))
        for j in range(i + 1, len(clauses))
    )


def _most_specific_first(clauses: List[Clause]) -> List[Clause]:
    """Stable sort of adjacent clauses whose order did not matter, deepest Azure classes first."""
    out = list(clauses)
    changed = True
    while changed:
        changed = False
        for i in range(len(out) - 1):
            a, b = out[i], out[i + 1]
            if b.specificity() > a.specificity() and _disjoint(a, b):
                out[i], out[i + 1] = b, a
                changed = True
    return out


def plan_try(node, specs: Dict[cst.CSTNode, Spec]) -> TryPlan:
    clauses = [build_clause(h, specs[h]) for h in node.handlers]
    plan = TryPlan(clauses)
    if isinstance(node, cst.TryStar) and any(c.guarded for c in clauses):
        plan.region = (0, len(clauses) - 1)
        plan.todo = (
            "except* receives an exception group: catch HttpResponseError with except* and check "
            "status_code on each exception of the group by hand"
        )
        return plan
    if not _has_conflict(clauses):
        return plan
    ordered = _most_specific_first(clauses)
    if ordered != clauses:
        plan.clauses, plan.reordered = ordered, True
        clauses = ordered
    n = len(clauses)
    pairs = [
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if _conflict(clauses[i], clauses[j])
    ]
    if not pairs:
        return plan
    lo, hi = min(i for i, _ in pairs), max(j for _, j in pairs)
    changed = True
    while changed:
        changed = False
        union = [c for k in range(lo, hi + 1) for c, _ in clauses[k].caught()]
        for k in range(hi + 1, n):
            if clauses[k].catch_all or any(
                classes_overlap(a, b) for a, _ in clauses[k].caught() for b in union
            ):
                hi, changed = k, True
        for k in range(lo):
            if any(_conflict(clauses[k], clauses[m]) for m in range(lo, hi + 1)):
                lo, changed = k, True
    plan.region = (lo, hi)
    if isinstance(node, cst.TryStar):
        plan.todo = "except* clauses cannot be merged into one dispatching clause: rewrite them by hand"
    elif any(c.catch_all for c in clauses[lo:hi]):
        plan.todo = "a catch-all clause comes before other clauses of this try: reorder them by hand"
    return plan


# ---------------------------------------------------------------------------
# What keeps the file's exceptions OpenAI's
# ---------------------------------------------------------------------------


def blocking_reasons(
    ctx: "RuleContext", sites: ErrorSites, plan, v1_plan=None
) -> List[str]:
    """Why this file's exceptions must stay OpenAI's (empty: they can move)."""
    facts = ctx.facts
    config = ctx.config
    migrated: Set[cst.CSTNode] = set()
    if plan is not None and config.rule_enabled(rule_code("v0_chat")):
        migrated.update(plan.migrated)
    v1_enabled = v1_plan is not None and all(
        config.rule_enabled(c) for c in _v1_codes()
    )
    if v1_enabled:
        migrated.update(v1_plan.migrated)
    reasons = []

    for call in getattr(facts, "chat_calls", {}):
        if call not in migrated:
            reasons.append(f"{dotted_text(call.func) or 'a call'} is not migrated")
    v1 = getattr(facts, "v1", None)
    for call in getattr(v1, "calls", {}):
        if call not in migrated:
            reasons.append(f"{dotted_text(call.func) or 'a call'} is not migrated")
    for binding in getattr(v1, "bindings", []):
        bp = v1_plan.bindings.get(id(binding)) if v1_enabled else None
        if (
            bp is None
            or bp.todo is not None
            or (not bp.replace and binding.kind != "param")
        ):
            node = binding.ctor if binding.ctor is not None else binding.param
            what = binding.target or binding.cls
            reasons.append(f"the OpenAI client `{what}` stays an OpenAI client")
    for node in getattr(v1, "refs", {}):
        reasons.append(f"{dotted_text(node)} is used as a value")
    for call, name in getattr(facts, "out_of_scope", {}).items():
        reasons.append(f"{name} is not migrated")
    for node in getattr(facts, "chat_refs", []):
        reasons.append(f"{dotted_text(node)} is used as a value")
    for node, qname in sites.unhandled:
        reasons.append(f"{qname} is not migrated")
    return reasons


def attribute_block(sites: ErrorSites) -> Optional[str]:
    """Why no call of this file may migrate: a handler reads an attribute with no azure equal."""
    http_only: Dict[cst.CSTNode, bool] = {}
    for node in sites.tries:
        for clause in plan_try(node, sites.specs).clauses:
            http_only[clause.handler] = clause.http_only
    for node, (handler, attr) in sites.attrs.items():
        generation = sites.generations.get(node, "v1")
        if attribute_mapping(attr, generation, http_only.get(handler, False)) is None:
            var = code_of(node.value)
            hint = ATTR_TODOS.get(attr, "nothing").format(v=var)
            if attr in ATTR_MAPS[generation]:
                hint = "the clause also catches errors that carry no HTTP response"
            return (
                f"an except clause reads `{var}.{attr}`, which has no equal on "
                f"azure exceptions ({hint}): rewrite that read, then migrate the calls and the clause together"
            )
    return None


def block_calls(plan, v1_plan, reason: str) -> None:
    """Keep every call (and client) of the file on OpenAI, each with `reason` as its TODO."""
    if plan is not None:
        for cp in plan.calls.values():
            if cp.todo is None:
                cp.todo = reason
        plan.consumed_config.clear()
        plan.renamed_config.clear()
        plan.splats.clear()
    if v1_plan is not None:
        for cp in v1_plan.calls.values():
            if cp.todo is None:
                cp.todo = reason
            cp.client = None
        for bp in v1_plan.bindings.values():
            if bp.todo is None:
                bp.todo = ""  # the calls carry the TODO
            bp.clients.clear()
        v1_plan.splats.clear()


def _v1_codes() -> List[str]:
    return [rule_code("v1_chat"), rule_code("v1_clients")]
