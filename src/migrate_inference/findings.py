"""Findings: what the engine did or could not do at one place in one file.

Every finding carries a stable rule code so reports, suppressions and `--select`
can name it.  `kind` says what the user must do:

* ``rewrite``: the tool changed the code; nothing to do but review the diff.
* ``todo``: the tool left the code (or part of it) for a person, with a
  ``# TODO(migrate-inference): ...`` comment at the site.
* ``error``: the file could not be processed at all; it was left as it was.
* ``warning``: something in the file deserves a look (an unknown code in a
  suppression comment); it changes neither the rewrite nor the exit status.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import List, Optional

from migrate_inference.redact import redact

REWRITE = "rewrite"
TODO = "todo"
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    kind: str
    message: str
    line: int = 1
    column: int = 1
    # The last line of the code the finding is about (0: the same as `line`).
    end_line: int = 0

    def __post_init__(self) -> None:
        # A message may quote the user's code: never carry a credential out of it.
        object.__setattr__(self, "message", redact(self.message))
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Result:
    """What `migrate_source` returns: the new text and what happened."""

    original: str
    code: str
    findings: List[Finding] = field(default_factory=list)
    error: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.error is None and self.code != self.original

    @property
    def todos(self) -> List[Finding]:
        return [f for f in self.findings if f.kind == TODO]

    @property
    def rewrites(self) -> List[Finding]:
        return [f for f in self.findings if f.kind == REWRITE]
