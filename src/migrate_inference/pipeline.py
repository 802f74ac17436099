"""What the engine runs before its one pass: the analyses and plans of one file, in order.

``PIPELINE`` is the table.  Each `Step` is a named function of the file's `Work`: it reads
fields an earlier step (or the engine: ``INPUTS``) filled and fills its own, declared in
``reads`` and ``writes`` (in the manner of LibCST's ``METADATA_DEPENDENCIES``;
tests/test_add_a_rule.py checks that every read has a writer before it).  The deciding
code lives in ``analysis/``, the planners included; this module only calls it, in order.
A step that finds nothing for the rules to act on sets ``work.idle`` and the file is left
as it is.  `rule_state` then hands the rules their one read-only `RuleState`.

Not a rule: which rules run, in what order, and which checks run after the pass is the
registry's business (``rules.RULES``: ``transformer``, ``step``, ``after_pass``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Callable, Dict, List, Optional, Set, Tuple

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from migrate_inference.analysis.components import GuardRegions, guard_regions, settle_v1
from migrate_inference.analysis.error_plans import attribute_block, block_calls
from migrate_inference.analysis.error_refs import ErrorSites
from migrate_inference.analysis.error_sites import collect_error_sites
from migrate_inference.analysis.errors_tables import ERRORS_CODE
from migrate_inference.analysis.facts import Facts, collect
from migrate_inference.analysis.functions_plan import FunctionsPlan
from migrate_inference.analysis.messages import MessageDicts
from migrate_inference.analysis.request_literals import RequestLiterals
from migrate_inference.analysis.responses import ROOTS, ResponseTypes
from migrate_inference.analysis.splats import SplatDicts
from migrate_inference.analysis.v0_plan import Plan, Planner
from migrate_inference.analysis.v1 import collect_v1
from migrate_inference.analysis.v1_model import V1Facts
from migrate_inference.analysis.v1_plan import V1Plan, V1Planner
from migrate_inference.config import Config
from migrate_inference.rules.base import RuleContext, RuleState, position_map

# What the engine gives the first step.
INPUTS = ("wrapper", "config", "filename")


@dataclass(eq=False, repr=False)
class Work:
    """One file on its way to the pass: the engine's inputs, then each step's output.  A
    field without a default is set by the step that declares it in ``writes``."""

    wrapper: MetadataWrapper
    config: Config
    filename: str
    facts: Facts = field(init=False)
    v1: V1Facts = field(init=False)
    error_sites: ErrorSites = field(init=False)
    idle: bool = False  # nothing for the rules to act on: the file stays as it is
    splats: SplatDicts = field(init=False)
    plan: Plan = field(init=False)
    taken: Set[str] = field(init=False)  # names bound in the module or chosen by a plan
    v1_plan: V1Plan = field(init=False)
    attribute_reason: Optional[str] = None
    roots: Dict[cst.Call, str] = field(init=False)
    responses: ResponseTypes = field(init=False)
    functions: FunctionsPlan = field(init=False)
    guards: Optional[GuardRegions] = None


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Work], None]
    reads: Tuple[str, ...]
    writes: Tuple[str, ...]


def _mark_used_elsewhere(v1: V1Facts, elsewhere, module: cst.Module) -> None:
    """A module-level client that other files import is one component with their uses:
    those files are migrated on their own, so the client stays as it is, and says where.
    """
    top = set(module.body)
    for binding in v1.bindings:
        places = elsewhere.get(binding.target)
        if binding.kind == "name" and binding.statement in top and places:
            shown = ", ".join(places[:3]) + (
                f" and {len(places) - 3} more" if len(places) > 3 else ""
            )
            binding.elsewhere = (
                f"it is also used by other files of the project ({shown}), which would still call "
                "it as an OpenAI client; migrating a client shared across files is not automated yet"
            )


def _facts(work: Work) -> None:
    """The v0 module API's uses and the v1 clients; with a project, what other files share."""
    project, filename = work.config.project, work.filename
    work.facts = collect(work.wrapper)
    work.v1 = work.facts.v1 = collect_v1(
        work.wrapper, project.imports_of(filename) if project is not None else None
    )
    if project is not None:
        _mark_used_elsewhere(work.v1, project.uses_elsewhere(filename), work.wrapper.module)
        work.facts.config_elsewhere = project.config_elsewhere(filename)
        work.facts.forwarders_elsewhere = project.forwarders_used_elsewhere(filename)


def _error_sites(work: Work) -> None:
    """MI340: the OpenAI exception classes and the handlers that catch them."""
    work.error_sites = collect_error_sites(work.wrapper, work.facts)


def _anything_to_migrate(work: Work) -> None:
    facts, v1 = work.facts, work.v1
    work.idle = not (
        facts.chat_calls
        or facts.out_of_scope
        or facts.chat_refs
        or facts.module_aliases
        or v1.calls
        or v1.returned
        or v1.ambiguous
        or work.error_sites.active
    )


def _splats(work: Work) -> None:
    """The `**params` dicts of the calls, and whether each can be mapped."""
    candidates = [c.node for c in work.facts.chat_calls.values() if c.has_splat]
    candidates += [c.node for c in work.v1.calls.values() if c.has_splat]
    work.splats = work.facts.splats = SplatDicts(work.wrapper, candidates)


def _v0_plan(work: Work) -> None:
    planner = Planner(work.facts, work.config, work.wrapper)
    work.plan = planner.run()
    work.taken = planner.taken


def _v1_plan(work: Work) -> None:
    planner = V1Planner(work.v1, work.config, work.wrapper, work.taken, work.splats)
    work.v1_plan = planner.run()


def _error_block(work: Work) -> None:
    """An exception attribute the errors rule cannot map keeps every call on OpenAI."""
    if work.config.rule_enabled(ERRORS_CODE):
        work.attribute_reason = attribute_block(work.error_sites)
        if work.attribute_reason:
            block_calls(work.plan, work.v1_plan, work.attribute_reason)


def _components(work: Work) -> None:
    settle_v1(work.v1_plan)  # all or nothing, per client component


def _roots(work: Work) -> None:
    """Each migrated call -> the response type it returns."""
    plan, v1_plan = work.plan, work.v1_plan
    work.roots = {call: ROOTS[plan.calls[call].call.api] for call in plan.migrated}
    work.roots.update(
        {call: ROOTS[v1_plan.calls[call].call.kind] for call in v1_plan.migrated}
    )


def _chat_calls(work: Work) -> List[cst.Call]:
    return [c for c, root in work.roots.items() if root == ROOTS["chat"]]


def _messages(work: Work) -> None:
    """The message dicts sent by migrated chat calls, and by the callers of a wrapper that
    forwards its **kwargs to one."""
    forwarded = [c for c, cp in work.plan.forward_callers.items() if cp.call.api == "chat"]
    work.facts.messages = MessageDicts(work.wrapper, _chat_calls(work) + forwarded).found


def _responses(work: Work) -> None:
    work.responses = work.facts.responses = ResponseTypes(work.wrapper, work.roots)


def _functions(work: Work) -> None:
    """Which legacy function-calling calls convert to tools (they must not stream)."""
    plan, v1_plan = work.plan, work.v1_plan
    streams = {
        c: plan.calls[c].call.stream
        for c in plan.migrated
        if plan.calls[c].call.api == "chat"
    }
    streams.update(
        {
            c: v1_plan.calls[c].call.stream
            for c in v1_plan.migrated
            if v1_plan.calls[c].call.kind == "chat"
        }
    )
    work.functions = FunctionsPlan(work.wrapper, streams, work.responses)
    work.facts.functions = work.functions


def _request_literals(work: Work) -> None:
    work.facts.request_literals = RequestLiterals(
        work.wrapper, _chat_calls(work), work.facts.messages
    ).found


def _guards(work: Work) -> None:
    """Per try block and decorated function: what its code calls, when errors are caught."""
    if work.error_sites.active:
        work.guards = guard_regions(
            work.wrapper, work.facts, work.plan, work.v1_plan, work.error_sites
        )


PLANS = ("plan", "v1_plan")
PIPELINE: List[Step] = [
    Step("facts", _facts, INPUTS, ("facts", "v1")),
    Step("error_sites", _error_sites, ("wrapper", "facts"), ("error_sites",)),
    Step("anything_to_migrate", _anything_to_migrate, ("facts", "v1", "error_sites"), ("idle",)),
    Step("splats", _splats, ("wrapper", "facts", "v1"), ("splats",)),
    Step("v0_plan", _v0_plan, ("wrapper", "config", "facts"), ("plan", "taken")),
    Step("v1_plan", _v1_plan, ("wrapper", "config", "v1", "taken", "splats"), ("v1_plan",)),
    Step("error_block", _error_block, ("config", "error_sites", *PLANS), ("attribute_reason", *PLANS)),
    Step("components", _components, ("v1_plan",), ("v1_plan",)),
    Step("roots", _roots, PLANS, ("roots",)),
    Step("messages", _messages, ("wrapper", "roots", "plan", "facts"), ("facts",)),
    Step("responses", _responses, ("wrapper", "roots", "facts"), ("responses", "facts")),
    Step("functions", _functions, ("wrapper", *PLANS, "responses"), ("functions", "facts")),
    Step("request_literals", _request_literals, ("wrapper", "roots", "facts"), ("facts",)),
    Step("guards", _guards, ("wrapper", "facts", *PLANS, "error_sites"), ("guards",)),
]


def unmet_reads(pipeline: List[Step] = PIPELINE) -> List[str]:
    """`step: field` for each read that no earlier step (nor the engine) writes, and each
    field a step names that `Work` does not have (empty: the table is consistent)."""
    known = {f.name for f in fields(Work)}
    written, unmet = set(INPUTS), []
    for step in pipeline:
        unmet += [f"{step.name}: {name}" for name in step.reads if name not in written]
        unmet += [f"{step.name}: {name}" for name in step.writes if name not in known]
        written.update(step.writes)
    return unmet


def analyse(wrapper: MetadataWrapper, config: Config, filename: str) -> Optional[Work]:
    """The file's facts and plans, step by step; None when there is nothing to migrate."""
    work = Work(wrapper, config, filename)
    for step in PIPELINE:
        step.run(work)
        if work.idle:
            return None
    return work


def rule_state(work: Work, has_ignore_comments: bool) -> RuleState:
    """The one read-only object every rule of the pass is built from."""
    ctx = RuleContext(
        config=work.config,
        facts=work.facts,
        positions=position_map(work.wrapper),
        has_ignore_comments=has_ignore_comments,
    )
    return RuleState(
        ctx=ctx,
        facts=work.facts,
        v1=work.v1,
        plan=work.plan,
        v1_plan=work.v1_plan,
        splats=work.splats,
        splat_rewrites={**work.plan.splats, **work.v1_plan.splats},
        responses=work.responses,
        functions=work.functions,
        roots=work.roots,
        scopes=work.wrapper.resolve(ScopeProvider),
        error_sites=work.error_sites,
        guards=work.guards,
        attribute_reason=work.attribute_reason,
    )
