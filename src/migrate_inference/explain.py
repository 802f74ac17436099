"""The full text of a rule or code, from the installed package itself.

``--explain CODE`` and SARIF's rule help print this: the rule module's own
documentation (what it rewrites, and when it leaves a TODO), so nothing points
at a ``docs/`` folder that an installed copy does not have.
"""

from __future__ import annotations

import inspect
from typing import Optional

from migrate_inference.rules import DEPENDENCY_CODES, ERROR_CODES, RULES

DEPENDENCY_TEXT = """\
Dependency files (requirements*.txt/.in, pyproject.toml, setup.cfg) and the
`%pip install` lines of notebooks are handled after all the code. Their `openai`
requirement is replaced by `azure-ai-inference>=1.0.0b9` (plus `aiohttp` for
async code and `azure-identity` with Entra ID credentials) only when, after
migration, no code file under the given paths still uses `openai`, every code
file could be processed, and some code uses azure-ai-inference; otherwise they
are kept, and `-v` says why. An entry the tool cannot rewrite safely (a
hash-pinned file, an entry over several lines, a Poetry sub-table) is left with
an MI801 TODO."""

SUPPRESSION_TEXT = """\
Suppress a rule at one site with `# migrate-inference: ignore[CODE]` (or a bare
`# migrate-inference: ignore` for every rule) on any line of the statement, or
on the line above it; for a whole file, `# migrate-inference: ignore-file` or
`# migrate-inference: ignore-file[CODE,...]` on a line of its own."""


def explain(code: str) -> Optional[str]:
    """The text for one code (case-insensitive), or None for an unknown one."""
    wanted = code.strip().upper()
    for rule in RULES:
        if rule.code == wanted:
            module = rule.load()
            doc = inspect.cleandoc(module.__doc__ or "")
            body = doc.split("\n", 1)[1].strip() if "\n" in doc else ""
            parts = [f"{rule.code} ({rule.name}): {rule.summary}."]
            if body:
                parts.append(body)
            when = getattr(module, "WHEN_TODO", "")
            if when:
                parts.append("When it leaves a TODO: " + " ".join(when.split()))
            parts.append(SUPPRESSION_TEXT)
            return "\n\n".join(parts) + "\n"
    from migrate_inference.to_openai.codes import (
        REVERSE_DEPENDENCY_CODES,
        REVERSE_RULE_TEXT,
        REVERSE_RULES,
    )

    for rule in REVERSE_RULES:
        if rule.code == wanted:
            body, when = REVERSE_RULE_TEXT[rule.name]
            return (
                f"{rule.code} ({rule.name}): {rule.summary}.\n\n"
                "A rule of the reverse direction: it applies with `--to openai`, which "
                "rewrites azure-ai-inference code to the openai SDK on the endpoint's "
                "/openai/v1/ URL, per client component, all or nothing; what it cannot "
                "rewrite safely is left with a TODO naming the alternative.\n\n"
                + body
                + "\n\nWhen it leaves a TODO: "
                + when
                + "\n\n"
                + SUPPRESSION_TEXT
                + "\n"
            )
    if wanted in REVERSE_DEPENDENCY_CODES:
        return f"{wanted} (dependencies): {REVERSE_DEPENDENCY_CODES[wanted]}.\n"
    if wanted in ERROR_CODES:
        if wanted == "MI005":
            return f"{wanted} (warning): {ERROR_CODES[wanted]}.\n\n{SUPPRESSION_TEXT}\n"
        text = f"{wanted} (error): {ERROR_CODES[wanted]}.\n"
        return (
            text
            + "\nThe file is left exactly as it was and the run exits with status 2; "
            "every other file is still processed.\n"
        )
    if wanted in DEPENDENCY_CODES:
        return (
            f"{wanted} (dependencies): {DEPENDENCY_CODES[wanted]}.\n\n"
            + DEPENDENCY_TEXT
            + "\n"
        )
    return None
