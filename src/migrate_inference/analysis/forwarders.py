"""Wrappers that forward their keyword arguments to an OpenAI call.

    @retry(stop=stop_after_attempt(3))
    def chat(**kwargs):
        return openai.ChatCompletion.create(**kwargs)

    chat(model="gpt-4", messages=msgs, n=2)

The call's parameters are the callers' keywords.  When every caller is in sight, the
wrapper and its callers are one component: the call inside becomes `complete(**kwargs)`
and each caller's keywords are moved by the mapping table where they are written.  That
is the case when:

- the wrapper is a module-level function whose `**kwargs` is used only by that call
  (not read, not changed, not passed elsewhere), decorated by nothing or by a retry
  decorator (tenacity, backoff), which calls it with the same arguments;
- it is used only as the callee of calls in this file, each with plain arguments (no
  `*args`/`**kwargs`), and no other file of the project imports it (project index);
- no caller passes what configures the client (`api_key`, `api_base`, `engine`, ...),
  a `stream` (the result would change type), or `functions`.

Read-only: the v0 planner decides with it, the v0 rule rewrites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Union

import libcst as cst
from libcst.metadata import QualifiedNameProvider, ScopeProvider

from migrate_inference.analysis.facts import ChatCall
from migrate_inference.analysis.names import qualified_names, string_value
from migrate_inference.mapping import EXTRAS, MERGE_EXTRAS
from migrate_inference.rules import params_code

# decorators that call the function again with the same arguments
RETRY_PREFIXES = ("tenacity.", "backoff.", "retry.", "retrying.")
# caller keywords the wrapper's call cannot take through **kwargs after the migration
BLOCKING = {
    "api_key": "configures the client",
    "api_base": "configures the client",
    "api_type": "configures the client",
    "api_version": "configures the client",
    "organization": "configures the client",
    "engine": "names the deployment, which is the client's endpoint",
    "deployment_id": "names the deployment, which is the client's endpoint",
    "stream": "changes what the call returns",
    "functions": "is converted to tools with the call",
    "function_call": "is converted to tool_choice with the call",
}


@dataclass
class Forwarder:
    function: cst.FunctionDef
    call: cst.Call  # the OpenAI call inside
    params: Set[str]  # the wrapper's own parameter names: not forwarded
    callers: List[cst.Call] = field(default_factory=list)


def _kwargs_param(function: cst.FunctionDef) -> Optional[str]:
    star = function.params.star_kwarg
    return star.name.value if isinstance(star, cst.Param) else None


def _enclosing(node: cst.CSTNode, parents) -> Optional[cst.CSTNode]:
    current = parents.get(node)
    while current is not None and not isinstance(current, (cst.FunctionDef, cst.Lambda)):
        current = parents.get(current)
    return current


def find_forwarders(
    wrapper: cst.MetadataWrapper,
    calls: List[cst.Call],
    parents,
    imported_elsewhere: Dict[str, List[str]],
) -> Dict[cst.Call, Union[Forwarder, str]]:
    """For each OpenAI call that forwards a wrapper's `**kwargs`: the wrapper, or why its
    callers cannot be migrated with it.  `imported_elsewhere`: {function name: places in
    other files that import it}."""
    scopes = wrapper.resolve(ScopeProvider)
    names = wrapper.resolve(QualifiedNameProvider)
    found: Dict[cst.Call, Union[Forwarder, str]] = {}
    for call in calls:
        stars = [a for a in call.args if a.star]
        if len(stars) != 1 or stars[0].star != "**" or not isinstance(stars[0].value, cst.Name):
            continue
        function = _enclosing(call, parents)
        if not isinstance(function, cst.FunctionDef):
            continue
        kw = _kwargs_param(function)
        if kw is None or stars[0].value.value != kw:
            continue
        found[call] = _assess(function, call, stars[0].value, scopes, names, parents, imported_elsewhere)
    return found


def _assess(function, call, splat, scopes, names, parents, imported_elsewhere):
    name = function.name.value
    where = f"`{name}()` forwards its **kwargs to this call"
    if not isinstance(parents.get(function), cst.Module):
        return f"{where} and is not a module-level function: migrate it and its callers by hand"
    body_scope = scopes.get(splat)
    param = function.params.star_kwarg
    bound = [
        a
        for a in (body_scope.assignments[splat.value] if body_scope is not None else [])
        if getattr(a, "node", None) is param
    ]
    if len(bound) != 1 or len(bound[0].references) != 1:
        return f"{where} and also reads or changes them: migrate it and its callers by hand"
    for decorator in function.decorators:
        target = decorator.decorator
        target = target.func if isinstance(target, cst.Call) else target
        qualified = {q.name for q in qualified_names(names, target)}
        if not any(q.startswith(RETRY_PREFIXES) for q in qualified):
            return (
                f"{where} and is decorated (its callers may be elsewhere): migrate it and its "
                "callers by hand"
            )
    if name in imported_elsewhere:
        shown = ", ".join(imported_elsewhere[name][:3])
        return f"{where} and other files call it ({shown}): migrate them together by hand"
    own = {p.name.value for p in list(function.params.params) + list(function.params.kwonly_params)}
    fw = Forwarder(function=function, call=call, params=own)
    module_scope = scopes.get(function)
    assignments = [a for a in module_scope.assignments[name]] if module_scope is not None else []
    if len(assignments) != 1 or getattr(assignments[0], "node", None) is not function:
        return f"{where} and its name is bound more than once: migrate it and its callers by hand"
    for ref in assignments[0].references:
        node = ref.node
        parent = parents.get(node)
        if not (isinstance(parent, cst.Call) and parent.func is node):
            return (
                f"{where} and is also used as a value (its callers are not all in sight): "
                "migrate it and its callers by hand"
            )
        if any(a.star for a in parent.args):
            return f"{where} and a caller passes *args or **kwargs: migrate it and its callers by hand"
        for arg in parent.args:
            key = arg.keyword.value if arg.keyword is not None else None
            if key in BLOCKING and key not in own:
                return (
                    f"{where} and a caller passes `{key}=`, which {BLOCKING[key]}: migrate it and "
                    "its callers by hand"
                )
        fw.callers.append(parent)
    if not fw.callers:
        return f"{where} and nothing in this file calls it: migrate it with its callers by hand"
    return fw


def _caller_models(fw: Forwarder) -> List[cst.BaseExpression]:
    return [
        a.value for c in fw.callers for a in c.args if a.keyword and a.keyword.value == "model"
    ]


def forwarded_model(call: ChatCall, fw: Union[Forwarder, str, None]) -> None:
    """A wrapper's callers name the model: one literal for all of them chooses the client
    as a `model=` on the call would."""
    if not isinstance(fw, Forwarder) or call.deployment is not None:
        return
    models = _caller_models(fw)
    literals = {string_value(m) for m in models}
    if len(models) == len(fw.callers) and len(literals) == 1 and None not in literals:
        call.deployment = models[0]
        call.deployment_literal = literals.pop()


def forward_blocked(call: ChatCall, fw: Forwarder, models_style: bool) -> Optional[str]:
    """Why the wrapper and its callers cannot be migrated together, or None."""
    where = f"`{fw.function.name.value}()` forwards its **kwargs to this call"
    if "model" in fw.params:
        return None  # the wrapper's own parameter: read where the call names it
    models = _caller_models(fw)
    if "model" in call.kwargs:
        if models:  # Python refuses it too: model= given twice
            return f"{where} and names model= itself too: migrate it and its callers by hand"
    elif not models_style and (len(models) != len(fw.callers) or call.deployment_literal is None):
        return (
            f"{where} and its callers name different models, or a model held in a variable: "
            "with a deployment endpoint each needs its own client; migrate them by hand (or "
            "with --endpoint-style models, where the model travels with each call)"
        )
    lookup = params_code.lookup(call.api, call.generation)

    def extra(key: str) -> bool:
        row = lookup(key)
        return row is None or row.action in (EXTRAS, MERGE_EXTRAS)

    own_extras = any(extra(k) for k in call.kwargs)
    callers_extras = any(
        a.keyword is not None and a.keyword.value not in fw.params and extra(a.keyword.value)
        for c in fw.callers
        for a in c.args
    )
    if own_extras and callers_extras:
        return (
            f"{where} and both it and its callers pass parameters that go into model_extras: "
            "merge them by hand"
        )
    return None
