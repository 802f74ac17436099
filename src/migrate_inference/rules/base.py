"""What every rule shares: the context it reports into, and the one pass that runs them.

All rules run in a single LibCST pass (`CompositeTransformer`), in the order the
registry gives (`rules.transformers()`), so analysis facts keyed by original nodes
stay valid and scope resolution runs once per file.  A rule is a class built from one
read-only `RuleState`, with LibCST-style ``visit_<Node>`` / ``leave_<Node>`` methods;
it reports through the shared `RuleContext` (``state.ctx``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Dict,
    List,
    Mapping,
    Optional,
    Sequence,
)

import libcst as cst
from libcst.metadata import CodeRange, PositionProvider

from migrate_inference import comments
from migrate_inference.config import Config
from migrate_inference.rules.suppression import (
    has_ignore,
    is_statement,
    keep_ignore_comments,
)
from migrate_inference.rules.context import RuleContext, tool_note

if TYPE_CHECKING:  # types only: the modules below import this one
    from migrate_inference.analysis.components import GuardRegions
    from migrate_inference.analysis.error_refs import ErrorSites
    from migrate_inference.analysis.facts import Facts
    from migrate_inference.analysis.functions_plan import FunctionsPlan
    from migrate_inference.analysis.responses import ResponseTypes
    from migrate_inference.analysis.splats import SplatDicts
    from migrate_inference.analysis.v0_plan import Plan
    from migrate_inference.analysis.v1_model import V1Facts
    from migrate_inference.analysis.v1_plan import V1Plan


@dataclass(frozen=True)
class RuleState:
    """Everything a rule of one file gets, in one read-only object: the facts the analysis
    gathered and the plans made from them.  A rule carries these out; it does not decide
    anew.  `ctx` is where it reports (findings, TODO notes, imports): the only part that
    changes during the pass.

    Every transformer named in `rules.RULES` is built as `RuleClass(state)`; a new rule
    that needs a new fact adds a field here, a step to `pipeline.PIPELINE` that computes
    it (with an analysis module), and passes it on in `pipeline.rule_state`.
    """

    ctx: RuleContext
    facts: "Facts"
    v1: "V1Facts"
    plan: "Plan"  # v0 module-level calls (analysis/v0_plan.py: Planner)
    v1_plan: "V1Plan"  # v1 clients and their calls (analysis/v1_plan.py: V1Planner)
    splats: "SplatDicts"
    # SplatDict -> (lookup, keep_model), for the `**params` dicts whose calls migrate
    splat_rewrites: Mapping[object, object]
    responses: "ResponseTypes"
    functions: "FunctionsPlan"
    # migrated call -> the response type it returns (analysis.responses.ROOTS)
    roots: Mapping[cst.Call, str]
    scopes: Mapping[cst.CSTNode, object]  # ScopeProvider's answer, per node
    error_sites: "ErrorSites"
    guards: Optional[
        "GuardRegions"
    ]  # per try block / decorated function, when errors are caught
    # why no call may migrate (an OpenAI exception attribute the errors rule cannot map)
    attribute_reason: Optional[str]

    @property
    def config(self) -> Config:
        return self.ctx.config


def with_notes(stmt: cst.CSTNode, notes: Sequence[str]) -> cst.CSTNode:
    existing = {line.comment.value for line in stmt.leading_lines if line.comment}
    new_lines = [
        cst.EmptyLine(comment=cst.Comment(tool_note(note)))
        for note in notes
        if tool_note(note) not in existing
    ]
    if not new_lines:
        return stmt
    return stmt.with_changes(leading_lines=[*stmt.leading_lines, *new_lines])


# Former private names, still imported from here (to_openai/pack.py, leftover_calls.py).
_has_ignore, _is_statement = has_ignore, is_statement


class CompositeTransformer(cst.CSTTransformer):
    """Runs every rule's hooks in one traversal, in rule order."""

    def __init__(self, ctx: RuleContext, rules: Sequence[object]) -> None:
        super().__init__()
        self.ctx = ctx
        self.rules = list(rules)
        self._visit_hooks: Dict[str, list] = {}
        self._leave_hooks: Dict[str, list] = {}

    def _hooks(self, table: Dict[str, list], prefix: str, node: cst.CSTNode) -> list:
        name = type(node).__name__
        hooks = table.get(name)
        if hooks is None:
            hooks = [
                getattr(r, prefix + name)
                for r in self.rules
                if hasattr(r, prefix + name)
            ]
            table[name] = hooks
        return hooks

    def on_visit(self, node: cst.CSTNode) -> bool:
        if is_statement(node):
            self.ctx._statements.append((node, []))
            self.ctx._dirty.append(False)
        for hook in self._hooks(self._visit_hooks, "visit_", node):
            hook(node)
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):
        result = updated_node
        for hook in self._hooks(self._leave_hooks, "leave_", original_node):
            if not isinstance(result, cst.CSTNode) or type(result) is not type(
                original_node
            ):
                break
            changed = hook(original_node, result)
            if changed is not result and self.ctx._dirty:
                self.ctx._dirty[:] = [True] * len(self.ctx._dirty)
            result = changed
        if isinstance(original_node, (cst.IndentedBlock, cst.Module)):
            result = self._place_orphans(result)
        if is_statement(original_node):
            if self.ctx.has_ignore_comments and isinstance(
                result, (cst.CSTNode, cst.FlattenSentinel)
            ):
                result = keep_ignore_comments(original_node, result)
            _, notes = self.ctx._statements.pop()
            dirty = self.ctx._dirty.pop()
            if dirty or self.ctx._orphans:
                result = self._keep_comments(original_node, result, dirty)
            if notes and isinstance(result, cst.CSTNode) and is_statement(result):
                result = with_notes(result, notes)
            elif notes and isinstance(result, cst.FlattenSentinel) and result.nodes:
                first, *rest = result.nodes
                result = cst.FlattenSentinel([with_notes(first, notes), *rest])
        if isinstance(result, cst.IndentedBlock) and not result.body:
            # A rule may remove every statement of a block (config lines): keep it valid.
            result = result.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        return result

    def _keep_comments(self, original: cst.CSTNode, result, dirty: bool):
        """Put back the comments `original` held that its replacement lost, and those of
        removed statements before it in its block."""
        ctx = self.ctx
        depth = len(ctx._statements)
        waiting = [c for d, texts in ctx._orphans if d == depth for c in texts]
        ctx._orphans = [(d, t) for d, t in ctx._orphans if d != depth]
        texts: List[str] = []
        if dirty:
            lost = comments.own_comments(original) - comments.result_comments(result)
            kept = ctx._kept_comments & lost
            ctx._kept_comments -= kept
            lost -= kept
            texts = comments.in_order(original, lost) if lost else []
        if isinstance(result, cst.RemovalSentinel) or (
            isinstance(result, cst.FlattenSentinel) and not result.nodes
        ):
            if waiting or texts:
                ctx._orphans.append((depth, [*waiting, *texts]))
            return result
        above = [*waiting, *texts]
        if isinstance(result, cst.FlattenSentinel):
            first, *rest = result.nodes
            return cst.FlattenSentinel(
                [comments.with_comments_above(first, above), *rest]
            )
        return comments.with_comments_above(result, above)

    def _place_orphans(self, block):
        """Comments of removed statements that no later statement of the block took."""
        ctx = self.ctx
        depth = len(ctx._statements)
        waiting = [c for d, texts in ctx._orphans if d == depth for c in texts]
        if not waiting or not isinstance(block, (cst.IndentedBlock, cst.Module)):
            return block
        ctx._orphans = [(d, t) for d, t in ctx._orphans if d != depth]
        return comments.with_comments_in_footer(block, waiting)


def position_map(wrapper: cst.MetadataWrapper) -> Dict[cst.CSTNode, CodeRange]:
    return wrapper.resolve(PositionProvider)  # type: ignore[return-value]
