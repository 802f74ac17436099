"""The review view of a diff: what changed in a file and why, per file and per hunk.

`--diff` prints, above each file's patch, one header line with the findings of the file by
kind and code (``# migrate-inference: app.py: 3 rewrites (MI100 v0_chat 1, MI120 messages
2); 1 TODO (MI110 chat_params 1)``), and each hunk header names the codes of the findings
on the lines it changes (``@@ -3,7 +3,9 @@ MI100, MI120``: the text after the second
``@@`` is the section heading of a unified diff, which ``patch`` and ``git apply`` ignore).
`--format json` carries the same as data: each finding's ``line``..``end_line`` (in the
original file) and, with `--diff`, each hunk's line ranges and the findings it shows.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Dict, Iterable, List, Sequence, Tuple

from migrate_inference.findings import REWRITE, TODO, Finding

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _name(code: str) -> str:
    from migrate_inference.rules import non_rule_codes, rule_by_code

    try:
        return rule_by_code(code).name
    except KeyError:
        return non_rule_codes().get(code, "")


def _span(start: int, count: int) -> Tuple[int, int]:
    """The first and last line of a hunk side (an empty side sits after line `start`)."""
    return (start, start + count - 1) if count else (start + 1, start)


def hunks(diff: str) -> List[Tuple[int, int, Tuple[int, int], Tuple[int, int]]]:
    """(line index in `diff`, its hunk's old span, new span) of each hunk header."""
    found = []
    for index, line in enumerate(diff.splitlines()):
        match = HUNK.match(line)
        if match:
            a, b, c, d = match.groups()
            old = _span(int(a), int(b) if b is not None else 1)
            new = _span(int(c), int(d) if d is not None else 1)
            found.append((index, old, new))
    return found


def _changed_old_lines(diff_lines: Sequence[str], header: int) -> Tuple[int, int]:
    """The old lines a hunk removes, or sits on: a line added above old line N counts N
    (a TODO above a statement, a keyword inserted in a call)."""
    match = HUNK.match(diff_lines[header])
    assert match is not None
    line = int(match.group(1))
    touched: List[int] = []
    for text in diff_lines[header + 1 :]:
        if text.startswith(("@@", "--- ", "+++ ")):
            break
        if text.startswith("-"):
            touched.append(line)
            line += 1
        elif text.startswith("+"):
            touched.append(line)
        elif text.startswith(" "):
            line += 1
    if not touched:
        return (line, line - 1)
    return (min(touched), max(touched))


def _overlaps(finding: Finding, span: Tuple[int, int]) -> bool:
    end = finding.end_line or finding.line
    return finding.line <= span[1] and end >= span[0]


def _shown(findings: Iterable[Finding]) -> List[Finding]:
    return [f for f in findings if f.kind in (REWRITE, TODO)]


def hunk_findings(diff: str, findings: Sequence[Finding]) -> List[Dict[str, object]]:
    """Each hunk of `diff` with the findings on the old lines it changes (JSON-ready)."""
    lines = diff.splitlines()
    out = []
    shown = _shown(findings)
    for index, old, new in hunks(diff):
        changed = _changed_old_lines(lines, index)
        here = [f for f in shown if _overlaps(f, changed)]
        out.append(
            {
                "old_lines": list(old),
                "new_lines": list(new),
                "findings": [
                    {
                        "code": f.code,
                        "kind": f.kind,
                        "line": f.line,
                        "end_line": f.end_line,
                        "message": f.message,
                    }
                    for f in here
                ],
            }
        )
    return out


def annotate(diff: str, findings: Sequence[Finding]) -> str:
    """`diff` with each hunk header naming the codes of its findings."""
    if not diff or not _shown(findings):
        return diff
    lines = diff.splitlines(keepends=True)
    for (index, _, _), hunk in zip(hunks(diff), hunk_findings(diff, findings)):
        codes = sorted({str(f["code"]) for f in hunk["findings"]})  # type: ignore[union-attr]
        if codes:
            header = lines[index]
            ending = header[len(header.rstrip("\r\n")) :]
            match = HUNK.match(header)
            assert match is not None
            lines[index] = match.group(0) + " " + ", ".join(codes) + ending
    return "".join(lines)


def _by_code(findings: Sequence[Finding]) -> str:
    counts = Counter(f.code for f in findings)
    return ", ".join(
        f"{code} {_name(code)} x{count}".replace("  ", " ")
        for code, count in sorted(counts.items())
    )


def file_header(path: str, findings: Sequence[Finding]) -> str:
    """The line printed above a file's patch (empty when there is nothing to say)."""
    rewrites = [f for f in findings if f.kind == REWRITE]
    todos = [f for f in findings if f.kind == TODO]
    parts = []
    if rewrites:
        noun = "rewrite" if len(rewrites) == 1 else "rewrites"
        parts.append(f"{len(rewrites)} {noun} ({_by_code(rewrites)})")
    if todos:
        noun = "TODO" if len(todos) == 1 else "TODOs"
        parts.append(f"{len(todos)} {noun} ({_by_code(todos)})")
    if not parts:
        return ""
    return f"# migrate-inference: {path}: " + "; ".join(parts) + "\n"
