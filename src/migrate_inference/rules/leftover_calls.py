"""MI910 leftover_calls: an OpenAI API call still in the code after migration is reported, never silent.

After the other rules, every chain shaped like the OpenAI SDK that is left in the file
(`<client>.chat.completions.create/parse/stream`, `<client>.embeddings.create`,
`with_raw_response`, `with_streaming_response`, `with_options`, `beta.*`, `images`,
`audio`, `files`, `models`, `moderations`, `responses`, legacy `completions.create`,
`openai.ChatCompletion`/`Completion`/`Embedding`/...) whose receiver resolves to the
openai module or to an OpenAI client built in the file gets an MI910 finding and a TODO
comment above its statement, unless the statement already carries a
`TODO(migrate-inference)` note (the rule that kept the call said why). A file with no
such call and no TODO at all that still uses the openai package (module configuration
for calls made elsewhere, a client other files import, `isinstance(x, AsyncOpenAI)`) gets
one MI910 finding at its first use; `openai.__version__` and the classes of `except`
clauses (MI340 decides those) do not count, nor does a file with a
`# migrate-inference: ignore` comment (an unused openai import is pyflakes' business).
A file whose only use is in type annotations (`client: AsyncOpenAI`, an
`openai.types` class) gets that finding too, at the first annotation: the annotation
describes an OpenAI object and must change with the client it describes. Nothing is rewritten. Receivers that name resolution proves to be another library's objects
(litellm, anthropic, groq, huggingface_hub, azure-ai-inference's own clients, ...) or
instances of a class of the file that does not derive from an OpenAI client are left
alone. `--check` exits 1 while any such finding is left.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from typing import Dict, List, Sequence, Tuple

import libcst as cst

from migrate_inference.analysis import leftover_uses, leftovers
from migrate_inference.config import Config
from migrate_inference.findings import TODO, Finding
from migrate_inference.rules.base import with_notes
from migrate_inference.rules.suppression import (
    IGNORE_RE,
    has_ignore,
    statement_comments,
)
from migrate_inference.splice import splice

CODE = "MI910"
NAME = "leftover_calls"
DOC_EXAMPLE = "image_and_raw_response"
WHEN_TODO = (
    "Always: the call is left as it is (no rule migrated it) and its statement has no "
    "TODO from another rule yet."
)
UNRESOLVED_CODE = "MI911"
TODO_LEFT_CODE = "MI912"

OPENAI_IMPORT = re.compile(
    r"(?:^|;)[ \t]*(?:from[ \t]+openai\b|import[ \t]+[^\n#;]*\bopenai\b)", re.MULTILINE
)


def _message(site: leftovers.Site) -> Tuple[str, str]:
    what = f"`{site.shown}`"
    if site.receiver == leftovers.OPENAI:
        return CODE, (
            f"{what} is an OpenAI API call that was not migrated; the code still needs "
            "the openai package here"
        )
    return UNRESOLVED_CODE, (
        f"{what} looks like an OpenAI API call, and `{site.receiver_shown}` could not be "
        "resolved (a parameter, an attribute set elsewhere, a value from another module): "
        "possibly an OpenAI client; migrate it with its client, or mark it "
        f"`# migrate-inference: ignore[{UNRESOLVED_CODE}]` if it is not one"
    )


def _file_still_uses_openai(
    module: cst.Module, notes: Dict[cst.CSTNode, List[str]], new: List[Finding]
) -> None:
    """No call is left, no TODO either, and yet the file uses openai (module config for
    calls elsewhere, a client other files import, a type check): one finding, at the
    first use."""
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    use = leftover_uses.first_openai_use(wrapper)
    if use is None or has_ignore(use.statement, CODE):
        return
    if use.in_annotation:
        message = (
            f"the file still uses the openai package in type annotations (`{use.shown}`, "
            "here first): they describe OpenAI objects; change them with the clients "
            "they describe when those are migrated, or keep the openai package for them"
        )
    else:
        message = (
            f"the file still uses the openai package (`{use.shown}`, here first) and "
            "nothing in it says why: migrate what uses it here or in the files that "
            "import it, or remove it"
        )
    notes.setdefault(use.statement, []).append(f"{message} [{CODE}]")
    new.append(Finding(CODE, TODO, message, use.line, use.column))


def _has_tool_note(stmt: cst.CSTNode) -> bool:
    return any(leftovers.TODO_MARK in c for c in statement_comments(stmt))


def mark_leftovers(
    original: str,
    code: str,
    findings: Sequence[Finding],
    config: Config,
    filename: str = "<string>",
) -> Tuple[str, List[Finding]]:
    """The text with a TODO above each unreported OpenAI-shaped site, and the new findings
    (MI910, MI911; MI912 for TODO comments no finding of this run accounts for)."""
    if config.to_openai or not (
        leftovers.quick_match(code) or OPENAI_IMPORT.search(code)
    ):
        return code, []
    before = code
    project_clients = (
        set(config.project.imports_of(filename))
        if config.project is not None
        else set()
    )
    imports_openai = OPENAI_IMPORT.search(code) is not None
    look_for_use = (
        imports_openai
        and config.rule_enabled(CODE)
        and not any(f.kind == TODO for f in findings)
        and leftovers.TODO_MARK not in code
        and IGNORE_RE.search(code) is None  # someone went through the file already
        and leftover_uses.may_use_openai(code)
    )
    module = None
    if leftovers.QUICK.search(code) or look_for_use:
        try:
            module = cst.parse_module(code)
        except Exception:  # the engine's own output parses; a failure changes nothing
            module = None
    new: List[Finding] = []
    notes: Dict[cst.CSTNode, List[str]] = {}
    if module is not None and leftovers.QUICK.search(code):
        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        sites = leftovers.find_sites(
            wrapper, OPENAI_IMPORT.search(code) is not None, project_clients
        )
        for site in sites:
            rule, message = _message(site)
            if not config.rule_enabled(rule) or has_ignore(site.statement, rule):
                continue
            if _has_tool_note(site.statement):
                continue  # the rule that kept it left its reason there
            message = " ".join(message.split())
            note = f"{message} [{rule}]"
            pending = notes.setdefault(site.statement, [])
            if note not in pending:
                pending.append(note)
                new.append(Finding(rule, TODO, message, site.line, site.column))
    if module is not None and look_for_use and not new:
        _file_still_uses_openai(module, notes, new)
    if config.rule_enabled(TODO_LEFT_CODE):
        accounted = Counter(
            f"{f.message} [{f.code}]" for f in findings if f.kind == TODO
        )
        for line, column, note in leftovers.todo_comments(code):
            if accounted[note] > 0:
                accounted[note] -= 1
                continue
            new.append(
                Finding(
                    TODO_LEFT_CODE,
                    TODO,
                    f"a TODO(migrate-inference) note is still open here: {note}",
                    line,
                    column,
                )
            )
    if (
        notes and module is not None
    ):  # the notes in the text's own bytes (LibCST's round trip is not exact)
        code = splice(before, module.code, module.visit(_AddNotes(notes)).code)
    if original != before and new:
        mapping = _line_map(before, original)
        new = [
            Finding(f.code, f.kind, f.message, mapping.get(f.line, f.line), f.column)
            for f in new
        ]
    return code, new


def _line_map(new: str, old: str) -> Dict[int, int]:
    """Line numbers of `new` to the lines of `old` they come from (or stand in for)."""
    a, b = old.splitlines(), new.splitlines()
    out: Dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(j2 - j1):
            out[j1 + k + 1] = min(i1 + k, max(i2 - 1, i1)) + 1
    return out


class _AddNotes(cst.CSTTransformer):
    def __init__(self, notes: Dict[cst.CSTNode, List[str]]) -> None:
        super().__init__()
        self.notes = notes

    def on_leave(self, original, updated):
        pending = self.notes.get(original)
        if pending:
            return with_notes(updated, pending)
        return updated
