"""The openai module configured inside the functions that call it (key rotation).

    def summarize(self, text):
        openai.api_key = self.keys[self.turn]   # a value local to the function
        self.turn += 1
        return openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=...)

The module config is one global value, but here every call is made by a function that
sets it first, from its own values: each call sees the value its own function set.
Such a file migrates when, for every config attribute set from a function's values:

- every value is a direct statement of a function body (not under `if`/`for`/`try`);
- every call of the file is made in a function that sets it once, before the statement
  holding the call (a call elsewhere would see whichever value was set last);
- nothing else reads the module config or uses the openai module (`openai.Model.list`,
  `x = openai`, `create` as a value): they would see the value too.

The config line becomes a local variable (`openai_api_key = self.keys[self.turn]`,
evaluated where and when it was) and each call builds its client from it.  One
exception: a non-Azure `api_base` set in another function (`__init__`) is not read by
the migrated calls at all (the endpoint comes from the environment, with a note), so it
does not block.  Read-only: the v0 planner carries the decision out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

import libcst as cst

from migrate_inference.analysis.facts import AZURE_API_TYPES, BLOCKING_CONFIG, Facts
from migrate_inference.analysis.names import enclosing_function, fresh_name

# config a non-Azure call never reads: the endpoint comes from the environment instead
_DROPPED_WHEN_NOT_AZURE = ("api_base", "base_url")


@dataclass
class LocalConfig:
    # attr -> the local variable each function's config line becomes
    names: Dict[str, str] = field(default_factory=dict)
    # config line -> that variable
    statements: Dict[cst.SimpleStatementLine, str] = field(default_factory=dict)
    # config lines set in another function that the migrated calls do not read
    unread: List[cst.SimpleStatementLine] = field(default_factory=list)
    # set: the config is set in functions, but a call or another use does not fit; why
    blocked: Optional[str] = None


def _function_of(stmt: cst.CSTNode, parents) -> Optional[cst.FunctionDef]:
    block = parents.get(stmt)
    function = parents.get(block) if isinstance(block, cst.IndentedBlock) else None
    return function if isinstance(function, cst.FunctionDef) else None


def _top_statement(
    node: cst.CSTNode, function: cst.FunctionDef, parents
) -> Optional[cst.CSTNode]:
    """The statement of `function`'s own body that holds `node` (None: a decorator, a default)."""
    current: Optional[cst.CSTNode] = node
    while current is not None and parents.get(parents.get(current)) is not function:
        current = parents.get(current)
    return current


def _azure_calls(facts: Facts) -> bool:
    api_type = facts.api_type()
    if api_type in AZURE_API_TYPES or api_type == "unknown":
        return True
    return any(
        "engine" in c.kwargs or "deployment_id" in c.kwargs
        for c in facts.chat_calls.values()
    )


def local_config(facts: Facts, parents, taken: Set[str]) -> Optional[LocalConfig]:
    """The per-function config of the file (`blocked` says why a call cannot use it), or
    None when the config is not set that way."""
    if not facts.chat_calls:
        return None
    local: Dict[str, Dict[cst.FunctionDef, cst.SimpleStatementLine]] = {}
    unread: List[cst.SimpleStatementLine] = []
    for attr in BLOCKING_CONFIG:
        values = facts.config.get(attr, [])
        if all(v.portable for v in values):
            # module-wide values: the module config handles them, when they are one value
            if len({cst.Module([]).code_for_node(v.value) for v in values}) > 1:
                return None
            if not all(v.unconditional for v in values):
                return None
            continue
        if facts.config_reads.get(attr):
            return None
        if attr == "api_type":
            return None  # whether a call is Azure would depend on the function
        if attr in _DROPPED_WHEN_NOT_AZURE and not _azure_calls(facts):
            if all(v.unconditional for v in values):
                unread.extend(v.statement for v in values)
                continue
            return None
        per_function: Dict[cst.FunctionDef, cst.SimpleStatementLine] = {}
        for value in values:
            function = _function_of(value.statement, parents)
            if function is None or function in per_function:
                return None  # module level mixed with local values, or set twice
            per_function[function] = value.statement
        local[attr] = per_function
    if not local:
        return None
    found = LocalConfig(unread=unread)
    found.blocked = _blocked(facts, local, parents)
    if found.blocked is not None:
        return found
    for attr, per_function in local.items():
        name = fresh_name(f"openai_{attr}", taken)
        found.names[attr] = name
        for stmt in per_function.values():
            found.statements[stmt] = name
    return found


def _blocked(
    facts: Facts, local: Dict[str, Dict[cst.FunctionDef, cst.SimpleStatementLine]], parents
) -> Optional[str]:
    attr, per_function = next(iter(local.items()))
    where = ", ".join(sorted(f"{f.name.value}()" for f in per_function))
    setting = f"openai.{attr} is set in {where} from that function's own values"
    other = facts.out_of_scope and next(iter(facts.out_of_scope.values()))
    if other or facts.chat_refs or facts.module_aliases:
        shown = f" ({other})" if other else ""
        return (
            f"{setting}, and another use of the openai module in this file{shown} reads it "
            "too and stays on OpenAI"
        )
    for call in facts.chat_calls.values():
        function = enclosing_function(call.node, parents)
        body = (
            list(function.body.body)
            if function is not None and isinstance(function.body, cst.IndentedBlock)
            else []
        )
        top = _top_statement(call.node, function, parents) if function is not None else None
        for per_function in local.values():
            stmt = per_function.get(function) if function is not None else None
            if top is None or top not in body or stmt is None or body.index(stmt) >= body.index(top):
                return (
                    f"{setting}, and a call is made where its own function has not set it "
                    "first (it sees whichever value was set last)"
                )
    return None
