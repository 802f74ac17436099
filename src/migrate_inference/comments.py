"""Comments survive every rewrite.

A rule rebuilds a call, drops a keyword or removes a config line; the comments written on
those pieces must not go with them.  The rules' single pass (`rules.base.CompositeTransformer`)
checks each statement a rule changed: every comment the statement held itself (outside its
nested statements) must still be in what replaced it.  A comment that is not is put back
above the new statement, next to the code it described; the comments of a statement that was
removed go above the statement that follows it in the same block (or at the end of the
block).  A rule that knows a better home for a comment (the client that replaces a removed
`openai.api_key = ...` line) places it itself and says so with `RuleContext.keep_comments`.

`TODO(migrate-inference)` notes are the tool's own and are not counted.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, List, Sequence, Union

import libcst as cst

TOOL_MARK = "TODO(migrate-inference)"


def is_statement(node: cst.CSTNode) -> bool:
    return isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))


def own_comments(node: cst.CSTNode) -> Counter:
    """The comments `node` holds outside its nested statements (user comments only)."""
    found: Counter = Counter()
    stack: List[cst.CSTNode] = list(node.children)
    while stack:
        child = stack.pop()
        if isinstance(child, cst.Comment):
            if TOOL_MARK not in child.value:
                found[child.value] += 1
        elif not is_statement(child):
            stack.extend(child.children)
    return found


def result_comments(
    result: Union[cst.CSTNode, cst.FlattenSentinel, cst.RemovalSentinel],
) -> Counter:
    if isinstance(result, cst.FlattenSentinel):
        total: Counter = Counter()
        for node in result.nodes:
            total += own_comments(node)
        return total
    if isinstance(result, cst.CSTNode):
        return own_comments(result)
    return Counter()


def in_order(original: cst.CSTNode, lost: Counter) -> List[str]:
    """The lost comments in the order they appeared in `original`."""
    order: List[str] = []
    left = Counter(lost)

    def walk(node: cst.CSTNode) -> None:
        for child in node.children:
            if isinstance(child, cst.Comment):
                if left[child.value] > 0:
                    left[child.value] -= 1
                    order.append(child.value)
            elif not is_statement(child):
                walk(child)

    walk(original)
    return order


def comment_lines(comments: Iterable[str]) -> List[cst.EmptyLine]:
    return [cst.EmptyLine(comment=cst.Comment(c)) for c in comments]


def with_comments_above(stmt: cst.CSTNode, comments: Sequence[str]) -> cst.CSTNode:
    """`stmt` with `comments` as the last lines above it (before any tool note)."""
    if not comments:
        return stmt
    lines = list(getattr(stmt, "leading_lines", ()))
    cut = len(lines)
    while (
        cut > 0 and lines[cut - 1].comment and TOOL_MARK in lines[cut - 1].comment.value
    ):
        cut -= 1
    return stmt.with_changes(
        leading_lines=[*lines[:cut], *comment_lines(comments), *lines[cut:]]
    )


def with_comments_in_footer(block: cst.CSTNode, comments: Sequence[str]) -> cst.CSTNode:
    """An indented block or module with `comments` at its end."""
    if not comments:
        return block
    return block.with_changes(footer=[*block.footer, *comment_lines(comments)])


def comments_of_source(source: str) -> Counter:
    """Every user comment of a module's text (for checks over whole files)."""
    import io
    import tokenize

    found: Counter = Counter()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT and TOOL_MARK not in token.string:
                found[token.string.strip()] += 1
    except (tokenize.TokenError, SyntaxError):  # not Python: nothing to compare
        return Counter()
    return found
