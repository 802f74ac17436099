"""`**kwargs` dicts built in the same function: their keys can be mapped like keywords.

A call `create(**params)` is rewritable when `params` is bound exactly once, in the
same scope, to a dict literal with literal keys (or `dict(k=v, ...)`), is
changed afterwards only by `params["key"] = value`, and is used for nothing but
`**params` in OpenAI calls the tool migrates.  Then the table applies to its keys:
`n`/`user`/... move into a nested `"model_extras"` dict, `request_timeout` is
renamed, the deployment (`engine`/`deployment_id`/`model`) chooses the client.
Anything else (a dict from another module, `params.update(...)`, keys computed at
run time) keeps the TODO that names the keys to move.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Set

import libcst as cst
from libcst.metadata import ParentNodeProvider, ScopeProvider

from migrate_inference import mapping
from migrate_inference.analysis.names import literal_keys, referents, string_value


@dataclass(eq=False)
class SplatDict:
    name: str
    literal: cst.CSTNode  # the Dict literal, or the dict(...) call
    values: Dict[
        str, Optional[cst.BaseExpression]
    ]  # key -> value (None: set later by a subscript)
    subscripts: List[cst.Subscript] = field(
        default_factory=list
    )  # `params["key"]` assignment targets
    calls: List[cst.Call] = field(default_factory=list)

    def literal_value(self, key: str) -> Optional[str]:
        value = self.values.get(key)
        return string_value(value) if value is not None else None


def _dict_items(node: cst.BaseExpression) -> Optional[Dict[str, cst.BaseExpression]]:
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "dict"
    ):
        keywords: Dict[str, cst.BaseExpression] = {}
        for arg in node.args:
            if arg.keyword is None or arg.star:
                return None
            keywords[arg.keyword.value] = arg.value
        return keywords
    if isinstance(node, cst.Dict):
        return literal_keys(node)
    return None


class SplatDicts:
    def __init__(self, wrapper: cst.MetadataWrapper, calls: Iterable[cst.Call]) -> None:
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.calls: Set[cst.Call] = set(calls)
        self.by_call: Dict[cst.Call, SplatDict] = {}
        self.by_literal: Dict[cst.CSTNode, SplatDict] = {}
        self.by_subscript: Dict[cst.Subscript, SplatDict] = {}
        seen: Dict[cst.CSTNode, SplatDict] = {}
        for call in self.calls:
            stars = [a for a in call.args if a.star == "**"]
            if (
                len(stars) != 1
                or any(a.star == "*" for a in call.args)
                or not isinstance(stars[0].value, cst.Name)
            ):
                continue
            found = self._resolve(stars[0].value, seen)
            if found is not None:
                found.calls.append(call)
                self.by_call[call] = found
        for splat in seen.values():
            if splat is not None and all(c in self.by_call for c in splat.calls):
                self.by_literal[splat.literal] = splat
                for sub in splat.subscripts:
                    self.by_subscript[sub] = splat

    def _resolve(
        self, name: cst.Name, seen: Dict[cst.CSTNode, SplatDict]
    ) -> Optional[SplatDict]:
        refs = referents(self.scopes.get(name), name)
        if not refs or len(refs) != 1:
            return None
        ref = next(iter(refs))
        target = getattr(ref, "node", None)
        if not isinstance(target, cst.Name):
            return None
        assign = self.parents.get(self.parents.get(target))
        if not (isinstance(assign, cst.Assign) and len(assign.targets) == 1):
            return None
        if assign.value in seen:
            return seen[assign.value]
        items = _dict_items(assign.value)
        if items is None or len(ref.scope.assignments[name.value]) != 1:
            return None
        splat = SplatDict(name=name.value, literal=assign.value, values=dict(items))
        for access in ref.references:
            if not self._allowed_use(access.node, splat):
                return None
        seen[assign.value] = splat
        return splat

    def _allowed_use(self, node: cst.CSTNode, splat: SplatDict) -> bool:
        parent = self.parents.get(node)
        if isinstance(parent, cst.Arg) and parent.star == "**":
            return self.parents.get(parent) in self.calls
        if (
            isinstance(parent, cst.Subscript)
            and parent.value is node
            and len(parent.slice) == 1
        ):
            index = parent.slice[0].slice
            key = string_value(index.value) if isinstance(index, cst.Index) else None
            target = self.parents.get(parent)
            if key is not None and isinstance(target, cst.AssignTarget):
                splat.values.setdefault(key, None)
                splat.subscripts.append(parent)
                return True
        return False


Lookup = Callable[[str], Optional[mapping.Row]]
DEPLOYMENT_KEYS = ("deployment_id", "engine", "model")


def assess(
    splat: SplatDict, lookup: Lookup, call: cst.Call, client_keys: bool = False
) -> Optional[str]:
    """Why this dict cannot be rewritten for `call`, or None.

    `client_keys`: the call builds its own client from `api_key`/`api_base`/... found in the
    dict (v0, where these were per-call options), so they may be there if set in the literal.
    """
    late = {sub_key for sub_key, value in splat.values.items() if value is None}
    for key in splat.values:
        row = lookup(key)
        if (
            row is not None
            and row.action == mapping.CLIENT
            and (not client_keys or key in late)
        ):
            return f"the ** dict sets `{key}`, a client option: build the client from it by hand"
        if key in DEPLOYMENT_KEYS and key in late:
            return f"the ** dict sets `{key}` after it is built: the client cannot be chosen here"
        if key == "model_extras":
            return "the ** dict already has model_extras"
    call_extras = [
        a.keyword.value
        for a in call.args
        if a.keyword is not None
        and (lookup(a.keyword.value) is None or lookup(a.keyword.value).action in (mapping.EXTRAS, mapping.MERGE_EXTRAS))  # type: ignore[union-attr]
    ]
    dict_extras = [k for k in splat.values if lookup(k) is None or lookup(k).action in (mapping.EXTRAS, mapping.MERGE_EXTRAS)]  # type: ignore[union-attr]
    if call_extras and dict_extras:
        return (
            f"both the call ({', '.join(call_extras)}) and the ** dict ({', '.join(dict_extras)}) set "
            "model_extras values: merge them into one model_extras dict by hand"
        )
    return None


def deployment_of(splat: SplatDict) -> Optional[cst.BaseExpression]:
    for key in DEPLOYMENT_KEYS:
        value = splat.values.get(key)
        if value is not None:
            return value
    return None
