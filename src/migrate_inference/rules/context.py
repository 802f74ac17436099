"""The context a rule reports into: findings, the TODO notes of the statement being
visited, the imports the rewrite needs.  Kept apart from `rules/base.py` (which also
names every plan a rule reads) so that helpers and plans can take a `RuleContext`
without importing the modules that import them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata import CodeRange

from migrate_inference.config import Config
from migrate_inference.findings import REWRITE, TODO, Finding
from migrate_inference.redact import redact
from migrate_inference.rules.suppression import has_ignore

if TYPE_CHECKING:
    from migrate_inference.analysis.facts import Facts

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
        rng = self.positions.get(node)
        end = rng.end.line if rng is not None else line
        self.findings.append(Finding(code, kind, message, line, col, end))
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
        return any(has_ignore(stmt, code) for stmt, _ in self._statements)
