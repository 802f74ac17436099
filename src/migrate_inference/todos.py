"""One TODO comment per statement.

Rules write their notes independently: the client rule, the call rule and the leftover pass
may each have something to say about the same statement, and an `except` line can collect
one note per guarded call.  Stacked `# TODO(migrate-inference): ...` lines above one
statement read as noise, so the last step of a run merges every run of consecutive TODO
lines (same indentation, nothing between them) into one comment: the notes in their order,
each once, joined by ``"; "``.  Each note keeps its own ``[MIxxx]`` code, which is how
`split_notes` (and so the MI912 re-report of an earlier run's notes) finds them again.

The pass works on the text (tokens), never on strings: a ``#`` inside a string literal is
not a comment.  Merging is idempotent: a merged comment is split into its notes before
the run is merged again.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import List, Optional, Tuple

from migrate_inference.comments import TOOL_MARK

PREFIX = "# " + TOOL_MARK + ": "
SEPARATOR = "; "
# The end of one note: its code in brackets, then the separator or the end of the text.
_NOTE_END = re.compile(r"\[MI\d+[A-Z]?(?:,\s*MI\d+[A-Z]?)*\](?=;\s|\s*$)")


def split_notes(text: str) -> List[str]:
    """The notes of one TODO comment's text (what follows ``TODO(migrate-inference):``)."""
    notes: List[str] = []
    start = 0
    for match in _NOTE_END.finditer(text):
        note = text[start : match.end()].strip()
        if note:
            notes.append(note)
        start = match.end()
        if text.startswith(";", start):
            start += 1
    rest = text[start:].strip()
    if rest:
        notes.append(rest)
    return notes


def note_text(comment: str) -> Optional[str]:
    """What a tool comment says after its mark, None for any other comment."""
    body = comment.lstrip("#").strip()
    if not body.startswith(TOOL_MARK):
        return None
    return body[len(TOOL_MARK) :].lstrip(":").strip()


def _own_line_notes(code: str) -> List[Tuple[int, int, str]]:
    """(line, column, text) of each tool comment alone on its line."""
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type != tokenize.COMMENT or TOOL_MARK not in tok.string:
                continue
            if tok.line[: tok.start[1]].strip():
                continue  # after code on the same line: not a note above a statement
            text = note_text(tok.string)
            if text is not None:
                found.append((tok.start[0], tok.start[1], text))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    return found


def merge_stacked_todos(code: str) -> str:
    """`code` with every run of consecutive TODO lines merged into one comment line."""
    if code.count(TOOL_MARK) < 2:
        return code
    notes = _own_line_notes(code)
    runs: List[List[Tuple[int, int, str]]] = []
    for note in notes:
        last = runs[-1][-1] if runs else None
        if last is not None and last[0] + 1 == note[0] and last[1] == note[1]:
            runs[-1].append(note)
        else:
            runs.append([note])
    runs = [run for run in runs if len(run) > 1]
    if not runs:
        return code
    lines = code.splitlines(keepends=True)
    for run in reversed(runs):
        merged: List[str] = []
        for _, _, text in run:
            for part in split_notes(text):
                if part not in merged:
                    merged.append(part)
        first = run[0][0] - 1
        line = lines[first]
        ending = line[len(line.rstrip("\r\n")) :]
        indent = line[: run[0][1]]
        lines[first : run[-1][0]] = [indent + PREFIX + SEPARATOR.join(merged) + ending]
    return "".join(lines)
