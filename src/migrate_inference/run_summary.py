"""The closing summary of a run: what was scanned, changed and left, and the exit status.

Every reporter (`report.py`) and the merge of sharded reports (`merge.py`) end with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Set

from migrate_inference.findings import REWRITE, TODO
from migrate_inference.runner import CHANGED, FAILED, FileOutcome

# Modes of a run.
WRITE = "write"
CHECK = "check"
DIFF = "diff"


# Findings that stand for one OpenAI call rewritten (v0 chat, v1 chat, embeddings);
# the other rewrites (messages, parameters, response reads) are counted as rewrites.
CALL_SITE_CODES = frozenset({"MI100", "MI210", "MI230"})


@dataclass
class Summary:
    scanned: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    rewrites: int = 0
    call_sites: int = 0
    todos: int = 0
    interrupted: bool = False
    # environment variables the migrated code reads and the original did not
    new_env: Set[str] = field(default_factory=set)

    def add(self, outcome: FileOutcome) -> None:
        self.scanned += 1
        if outcome.status == FAILED:
            self.failed += 1
        elif outcome.status == CHANGED:
            self.changed += 1
        else:
            self.unchanged += 1
        if outcome.status != FAILED:
            self.rewrites += sum(1 for f in outcome.findings if f.kind == REWRITE)
            self.call_sites += sum(
                1
                for f in outcome.findings
                if f.kind == REWRITE and f.code in CALL_SITE_CODES
            )
            self.todos += sum(1 for f in outcome.findings if f.kind == TODO)
            self.new_env.update(outcome.new_env)

    def exit_code(self, mode: str) -> int:
        """2: a file could not be processed; 1: work is left (pending changes or TODOs); 0: none."""
        if self.failed:
            return 2
        if self.todos or (mode != WRITE and self.changed):
            return 1
        return 0

    def as_dict(self, mode: str) -> Dict[str, object]:
        return {
            "mode": mode,
            "scanned": self.scanned,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "rewrites": self.rewrites,
            "call_sites": self.call_sites,
            "todos": self.todos,
            "new_env": sorted(self.new_env),
            "exit_code": self.exit_code(mode),
        }

    def text(self, mode: str) -> str:
        pending = mode != WRITE
        parts = [
            f"{_count(self.changed, 'file')} {'would change' if pending else 'changed'}",
            f"{self.unchanged} unchanged",
            f"{self.failed} failed",
        ]
        sites = _count(self.call_sites, "call site")
        sites += " to migrate" if pending else " migrated"
        sites += f" ({_count(self.rewrites, 'rewrite')} in all)"
        line = (
            f"{_count(self.scanned, 'file')} scanned: {', '.join(parts)}; "
            f"{sites}; {_count(self.todos, 'TODO')} left."
        )
        if self.interrupted:
            line = "Interrupted. " + line
        if self.new_env:
            line += (
                "\nThe migrated code reads environment variables the original did not: "
                f"{', '.join(sorted(self.new_env))} (set them before running it)."
            )
        return line


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
