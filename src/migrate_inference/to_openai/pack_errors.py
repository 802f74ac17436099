"""Planning the `except` clauses of a `--to openai` migration: which handlers catch
azure-core errors raised by a migrating client, what they become in openai, and the
reads of a caught error that openai's errors answer differently."""

from __future__ import annotations

from typing import List, Optional, Set

import libcst as cst

from migrate_inference.analysis.names import code_of
from migrate_inference.to_openai import names
from migrate_inference.to_openai.codes import ERRORS
from migrate_inference.to_openai.component import Component, Plan, walk
from migrate_inference.to_openai.plan import Planner

Node = cst.CSTNode


def plan_errors(
    planner: Planner, plan: Plan, migrating: List[Component], blocked: List[Component]
) -> None:
    migrated_sites = {s.call: c for c in migrating for s in c.sites}
    blocked_sites = {s.call for c in blocked for s in c.sites}
    functions: Set[str] = set()
    for call in migrated_sites:
        current = planner.parent(call)
        while current is not None:
            if isinstance(current, cst.FunctionDef):
                functions.add(current.name.value)
            current = planner.parent(current)
    for handler in planner.handlers:
        types = _exception_names(planner, handler.type)
        if not types:
            continue
        try_node = planner.parent(handler)
        if not isinstance(try_node, cst.Try):
            continue
        connected: List[Component] = []
        other_azure = False
        for node in walk(try_node.body):
            if isinstance(node, cst.Call):
                if node in migrated_sites:
                    connected.append(migrated_sites[node])
                elif node in blocked_sites:
                    other_azure = True
                else:
                    func = node.func
                    fname = (
                        func.value
                        if isinstance(func, cst.Name)
                        else (
                            func.attr.value if isinstance(func, cst.Attribute) else None
                        )
                    )
                    qualified = planner.qname(func) or ""
                    if fname in functions and not qualified:
                        connected.append(migrating[0])
                    elif qualified.startswith("azure.") and not qualified.startswith(
                        (
                            "azure.ai.inference",
                            "azure.core.credentials",
                            "azure.identity",
                        )
                    ):
                        other_azure = True
        if not connected:
            plan.todo(
                handler,
                ERRORS,
                f"this handler catches azure-core errors; the migrated openai calls raise openai exceptions ({', '.join(sorted({names.EXCEPTIONS[t] for t in types if t in names.EXCEPTIONS}))}...): check whether it guards one of them",
            )
            continue
        if not planner.config.rule_enabled(ERRORS):
            continue
        entra = any(
            c.credential is not None and c.credential.kind == "token" for c in connected
        )
        new_elements: List[cst.BaseExpression] = []
        shown: List[str] = []

        def add(expr: cst.BaseExpression) -> None:
            text = code_of(expr)
            if text not in shown:
                shown.append(text)
                new_elements.append(expr)

        originals = _type_nodes(handler.type)
        for node in originals:
            name = _exception_name(planner, node)
            if name is None:
                add(node.deep_clone())
                continue
            keep = other_azure or (entra and name in names.CREDENTIAL_ERRORS)
            if keep:
                add(node.deep_clone())
            target = names.EXCEPTIONS.get(name)
            if target is None:
                plan.todo(
                    handler,
                    ERRORS,
                    f"{name} has no openai counterpart the tool knows: check this handler",
                )
                add(node.deep_clone())
                continue
            add(plan.exception(target))
        if len(new_elements) == 1:
            new_type: cst.BaseExpression = new_elements[0]
        else:
            new_type = cst.Tuple(
                elements=[
                    cst.Element(
                        e,
                        comma=(
                            cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                            if i < len(new_elements) - 1
                            else cst.MaybeSentinel.DEFAULT
                        ),
                    )
                    for i, e in enumerate(new_elements)
                ]
            )
        plan.handler_types[handler] = new_type
        _handler_reads(planner, plan, handler)


def _type_nodes(node: cst.BaseExpression) -> List[cst.BaseExpression]:
    if isinstance(node, cst.Tuple):
        return [e.value for e in node.elements]
    return [node]


def _exception_name(planner: Planner, node: Node) -> Optional[str]:
    name = planner.qname(node)
    if name and name.startswith(names.AZURE_EXCEPTIONS):
        return name[len(names.AZURE_EXCEPTIONS) :]
    return None


def _exception_names(planner: Planner, node: Optional[cst.BaseExpression]) -> List[str]:
    if node is None:
        return []
    return [n for n in (_exception_name(planner, t) for t in _type_nodes(node)) if n]


def _handler_reads(planner: Planner, plan: Plan, handler: cst.ExceptHandler) -> None:
    if handler.name is None or not isinstance(handler.name.name, cst.Name):
        return
    target = handler.name.name
    scope = planner.scopes.get(target)
    if scope is None:
        return
    for assignment in scope.assignments[target.value]:
        if getattr(assignment, "node", None) is not target:
            continue
        for access in assignment.references:
            parent = planner.parent(access.node)
            if (
                isinstance(parent, cst.Attribute)
                and parent.value is access.node
                and parent.attr.value in ("reason", "error", "exc_msg", "model")
            ):
                plan.todo(
                    parent,
                    ERRORS,
                    f"`{code_of(parent)}` is azure-core only: openai's APIStatusError has .status_code, .message, .code, .body and .response",
                )
