"""What every rule shares: the context it reports into, and the one pass that runs them.

All rules run in a single LibCST pass (`CompositeTransformer`), in the order the
registry gives (`rules.transformers()`), so analysis facts keyed by original nodes
stay valid and scope resolution runs once per file.  A rule is a class built from one
read-only `RuleState`, with LibCST-style ``visit_<Node>`` / ``leave_<Node>`` methods;
it reports through the shared `RuleContext` (``state.ctx``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import (
    TYPE_CHECKING,
    Dict,
    FrozenSet,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
)

import libcst as cst
from libcst.metadata import CodeRange, PositionProvider

from migrate_inference import comments
from migrate_inference.config import Config
from migrate_inference.findings import REWRITE, TODO, WARNING, Finding
from migrate_inference.redact import redact

if TYPE_CHECKING:  # types only: the modules below import this one
    from migrate_inference.analysis.components import GuardRegions
    from migrate_inference.analysis.error_sites import ErrorSites
    from migrate_inference.analysis.facts import Facts
    from migrate_inference.analysis.responses import ResponseTypes
    from migrate_inference.analysis.splats import SplatDicts
    from migrate_inference.analysis.v1 import V1Facts
    from migrate_inference.rules.functions import FunctionsPlan
    from migrate_inference.rules.v0_chat import Plan
    from migrate_inference.rules.v1_clients import V1Plan

TODO_PREFIX = "# TODO(migrate-inference): "


def tool_note(text: str) -> str:
    """The text of a TODO comment the tool writes (credential-looking values redacted)."""
    return TODO_PREFIX + redact(" ".join(text.split()))


@dataclass
class ImportNeed:
    module: str
    obj: Optional[str] = None
    asname: Optional[str] = None


@dataclass
class RuleContext:
    config: Config
    facts: "Facts"
    positions: Dict[cst.CSTNode, CodeRange]
    findings: List[Finding] = field(default_factory=list)
    imports: List[ImportNeed] = field(default_factory=list)
    # Statements (innermost last) currently being visited, with the TODO notes for each.
    _statements: List[Tuple[cst.CSTNode, List[str]]] = field(default_factory=list)
    _seen: Set[Tuple[str, int, int, str]] = field(default_factory=set)
    # Whether the module has any `migrate-inference: ignore` comment to keep.
    has_ignore_comments: bool = False
    # Comments a rule placed itself (see `keep_comments`), and comments of removed
    # statements waiting for the next statement of their block: (depth, texts).
    _kept_comments: Counter = field(default_factory=Counter)
    _orphans: List[Tuple[int, List[str]]] = field(default_factory=list)
    _dirty: List[bool] = field(default_factory=list)

    def position(self, node: cst.CSTNode) -> Tuple[int, int]:
        rng = self.positions.get(node)
        if rng is None:
            return (1, 1)
        return (rng.start.line, rng.start.column + 1)

    def _add(self, code: str, kind: str, node: cst.CSTNode, message: str) -> bool:
        # Quoted code may span lines (a comment cannot) and may hold a credential.
        message = redact(" ".join(message.split()))
        line, col = self.position(node)
        key = (code, line, col, message)
        if key in self._seen:
            return False
        self._seen.add(key)
        self.findings.append(Finding(code, kind, message, line, col))
        return True

    def rewrite(self, code: str, node: cst.CSTNode, message: str) -> None:
        self._add(code, REWRITE, node, message)

    def todo(self, code: str, node: cst.CSTNode, message: str) -> None:
        """Report a site left for a person, with a comment above its statement."""
        message = redact(" ".join(message.split()))
        if self._add(code, TODO, node, message) and self._statements:
            note = f"{message} [{code}]"
            notes = self._statements[-1][1]
            if note not in notes:
                notes.append(note)

    def keep_comments(self, comments: Sequence[str]) -> None:
        """A rule moved these comments somewhere of its choosing: do not put them back."""
        self._kept_comments.update(comments)

    def need_import(
        self, module: str, obj: Optional[str] = None, asname: Optional[str] = None
    ) -> None:
        need = ImportNeed(module, obj, asname)
        if need not in self.imports:
            self.imports.append(need)

    def suppressed(self, code: Optional[str] = None) -> bool:
        """True when an enclosing statement carries `# migrate-inference: ignore` (bare, or
        naming `code`: `# migrate-inference: ignore[MI100,MI130]`)."""
        return any(_has_ignore(stmt, code) for stmt, _ in self._statements)


@dataclass(frozen=True)
class RuleState:
    """Everything a rule of one file gets, in one read-only object: the facts the analysis
    gathered and the plans made from them.  A rule carries these out; it does not decide
    anew.  `ctx` is where it reports (findings, TODO notes, imports): the only part that
    changes during the pass.

    Every transformer named in `rules.RULES` is built as `RuleClass(state)`; a new rule
    that needs a new fact adds a field here and fills it in `engine._rule_state`.
    """

    ctx: RuleContext
    facts: "Facts"
    v1: "V1Facts"
    plan: "Plan"  # v0 module-level calls (rules/v0_chat.py: Planner)
    v1_plan: "V1Plan"  # v1 clients and their calls (rules/v1_clients.py: V1Planner)
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


IGNORE_RE = re.compile(r"migrate-inference:\s*ignore(?![-\w])(?:\[([^\]]*)\])?")
# On a line of its own, anywhere in the module: the whole file (or these codes in it).
FILE_IGNORE_RE = re.compile(
    r"^#\s*migrate-inference:\s*ignore-file(?![-\w])(?:\[([^\]]*)\])?"
)


@dataclass
class Directives:
    """What the module's `# migrate-inference: ...` comments ask for as a whole."""

    skip_file: bool = False
    file_ignores: FrozenSet[str] = frozenset()
    warnings: List[Finding] = field(default_factory=list)


def suppression_directives(source: str) -> Directives:
    """File-level suppressions, and a warning for each unknown code any suppression names."""
    out = Directives()
    if "migrate-inference:" not in source:
        return out
    import io
    import tokenize

    from migrate_inference.rules import RULES, UNKNOWN_CODE, non_rule_codes

    known = [rule.code for rule in RULES] + list(non_rule_codes())
    ignores_: Set[str] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return out
    for token in tokens:
        if token.type != tokenize.COMMENT or "migrate-inference:" not in token.string:
            continue
        line, column = token.start[0], token.start[1] + 1
        matches = []
        own_line = token.line[: token.start[1]].strip() == ""
        file_match = FILE_IGNORE_RE.match(token.string) if own_line else None
        if file_match is not None:
            if file_match.group(1) is None:
                out.skip_file = True
            matches.append(file_match)
        matches += list(IGNORE_RE.finditer(token.string))
        for match in matches:
            for raw in (match.group(1) or "").split(","):
                code = raw.strip().upper()
                if not code:
                    continue
                if not any(k.startswith(code) for k in known):
                    out.warnings.append(
                        Finding(
                            UNKNOWN_CODE,
                            WARNING,
                            f"unknown rule code {code!r} in a migrate-inference "
                            "suppression comment: it suppresses nothing (see --list-rules)",
                            line,
                            column,
                        )
                    )
                elif match is file_match:
                    ignores_.add(code)
    out.file_ignores = frozenset(ignores_)
    return out


def ignores(comment: str, code: Optional[str]) -> bool:
    """Whether one comment suppresses `code` (None: only a bare ignore counts)."""
    for match in IGNORE_RE.finditer(comment):
        codes = match.group(1)
        if codes is None:
            return True
        if code is not None and any(
            code.startswith(c.strip().upper()) for c in codes.split(",") if c.strip()
        ):
            return True
    return False


def _has_ignore(stmt: cst.CSTNode, code: Optional[str] = None) -> bool:
    """Whether a comment on any line of the statement (or the line above) suppresses `code`.

    For a simple statement that is every line it spans, the first line of a
    multi-line call included; for a compound statement (``if``, ``with``,
    ``def``...) it is its header, not its body.
    """
    return any(ignores(c, code) for c in statement_comments(stmt))


def statement_comments(stmt: cst.CSTNode) -> List[str]:
    """The comments on the statement's own lines and on the lines just above it."""
    out: List[str] = []
    stack = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Comment):
            out.append(node.value)
            continue
        for child in reversed(node.children):
            if node is not stmt or not _is_body(child):
                stack.append(child)
    body = getattr(stmt, "body", None)
    header = getattr(body, "header", None)
    if header is not None and header.comment:
        out.append(header.comment.value)
    return out


def _is_body(node: cst.CSTNode) -> bool:
    """A part of a compound statement that holds other statements (not its header)."""
    return isinstance(
        node,
        (
            cst.BaseSuite,
            cst.Else,
            cst.If,
            cst.ExceptHandler,
            cst.ExceptStarHandler,
            cst.Finally,
            cst.MatchCase,
        ),
    )


def keep_ignore_comments(original: cst.CSTNode, result: cst.CSTNode) -> cst.CSTNode:
    """Put back the ``migrate-inference: ignore`` comments a rewrite of the statement dropped.

    A lost comment goes to the end of the statement's last line when that has
    no comment, else on a line of its own above the statement: either way it
    stays on the statement, where it still applies.
    """
    wanted = [c for c in statement_comments(original) if IGNORE_RE.search(c)]
    if not wanted:
        return result
    target = result
    if isinstance(result, cst.FlattenSentinel):
        if not result.nodes:
            return result
        target = result.nodes[0]
    if not _is_statement(target):
        return result
    present = statement_comments(target)
    lost = [c for c in wanted if c not in present]
    if not lost:
        return result
    if isinstance(result, cst.FlattenSentinel):
        kept = [c for n in result.nodes[1:] for c in statement_comments(n)]
        lost = [c for c in lost if c not in kept]
        if not lost:
            return result
    trailing = getattr(target, "trailing_whitespace", None)
    if trailing is not None and trailing.comment is None and len(lost) == 1:
        new = target.with_changes(
            trailing_whitespace=trailing.with_changes(
                whitespace=cst.SimpleWhitespace("  "), comment=cst.Comment(lost[0])
            )
        )
    else:
        new = target.with_changes(
            leading_lines=[
                *target.leading_lines,
                *(cst.EmptyLine(comment=cst.Comment(c)) for c in lost),
            ]
        )
    if isinstance(result, cst.FlattenSentinel):
        return cst.FlattenSentinel([new, *result.nodes[1:]])
    return new


def _is_statement(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))


def _with_notes(stmt: cst.CSTNode, notes: Sequence[str]) -> cst.CSTNode:
    existing = {line.comment.value for line in stmt.leading_lines if line.comment}
    new_lines = [
        cst.EmptyLine(comment=cst.Comment(tool_note(note)))
        for note in notes
        if tool_note(note) not in existing
    ]
    if not new_lines:
        return stmt
    return stmt.with_changes(leading_lines=[*stmt.leading_lines, *new_lines])


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
        if _is_statement(node):
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
        if _is_statement(original_node):
            if self.ctx.has_ignore_comments and isinstance(
                result, (cst.CSTNode, cst.FlattenSentinel)
            ):
                result = keep_ignore_comments(original_node, result)
            _, notes = self.ctx._statements.pop()
            dirty = self.ctx._dirty.pop()
            if dirty or self.ctx._orphans:
                result = self._keep_comments(original_node, result, dirty)
            if notes and isinstance(result, cst.CSTNode) and _is_statement(result):
                result = _with_notes(result, notes)
            elif notes and isinstance(result, cst.FlattenSentinel) and result.nodes:
                first, *rest = result.nodes
                result = cst.FlattenSentinel([_with_notes(first, notes), *rest])
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
