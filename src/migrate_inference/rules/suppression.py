"""Suppression comments: `# migrate-inference: ignore[...]` on a statement, and
`# migrate-inference: ignore-file[...]` for a whole module.  Not a rule: every rule asks
`RuleContext.suppressed(code)`, which reads these; the engine reads the file-level ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Set

import libcst as cst

from migrate_inference.findings import WARNING, Finding

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


def has_ignore(stmt: cst.CSTNode, code: Optional[str] = None) -> bool:
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
    if not is_statement(target):
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


def is_statement(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
