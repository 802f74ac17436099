"""MI912 leftover_todos: a TODO(migrate-inference) note already in the code is reported again on every run.

A `# TODO(migrate-inference): ...` comment that an earlier run left (and that this run's
rules did not report again themselves) gets an MI912 finding at its line, so a second
run, a pre-commit hook or `--check` in CI keeps failing until a person has dealt with
the note and deleted the comment. Nothing is rewritten.
"""

from __future__ import annotations

CODE = "MI912"
NAME = "leftover_todos"
DOC_EXAMPLE = "second_run_keeps_failing"
WHEN_TODO = "Always: every open `TODO(migrate-inference)` comment is a finding until it is removed."
