"""What a reviewer checks, measured on real code: a corpus of public files kept outside the
repository (it is not ours to ship).  Set ``MIGRATE_INFERENCE_CORPUS`` to a directory; every
``*.py`` under it (duplicates once) goes through the engine, and each check lists the files
that fail it.  Without the variable the tests are skipped (see tests/README.md).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Dict, List

import pytest

from migrate_inference.comments import TOOL_MARK, comments_of_source
from migrate_inference.engine import migrate_source
from migrate_inference.findings import Result

CORPUS = os.environ.get("MIGRATE_INFERENCE_CORPUS")

pytestmark = pytest.mark.skipif(
    not CORPUS,
    reason="MIGRATE_INFERENCE_CORPUS is not set (a directory of real OpenAI code, see tests/README.md)",
)


def _corpus_files() -> Dict[str, str]:
    seen, found = set(), {}
    for path in sorted(Path(CORPUS or ".").rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        digest = hashlib.sha1(text.encode()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            found[str(path)] = text
    return found


_RESULTS: Dict[str, Result] = {}


def _migrated() -> Dict[str, Result]:
    if not _RESULTS:
        for path, text in _corpus_files().items():
            _RESULTS[path] = migrate_source(text, None, path)
    return _RESULTS


def _report(problems: List[str], what: str) -> None:
    assert not problems, f"{len(problems)} files {what}:\n" + "\n".join(problems)


def test_corpus_loses_no_comment() -> None:
    problems = []
    for path, result in _migrated().items():
        if not result.changed:
            continue
        lost = comments_of_source(result.original) - comments_of_source(result.code)
        if lost:
            problems.append(f"{path}: {dict(lost)}")
    _report(problems, "lost comments")


def _todo_blocks(code: str) -> List[List[int]]:
    """Runs of consecutive tool-note lines (the notes written above one statement)."""
    blocks: List[List[int]] = []
    run: List[int] = []
    for number, line in enumerate(code.splitlines(), 1):
        if line.lstrip().startswith("#") and TOOL_MARK in line:
            run.append(number)
            continue
        if run:
            blocks.append(run)
        run = []
    if run:
        blocks.append(run)
    return blocks


def test_corpus_at_most_one_todo_per_statement() -> None:
    problems = []
    for path, result in _migrated().items():
        stacked = [block for block in _todo_blocks(result.code) if len(block) > 1]
        if stacked:
            problems.append(f"{path}: lines {[b[0] for b in stacked]}")
    _report(problems, "with more than one TODO above a statement")


def _blank_with_spaces(code: str) -> int:
    return sum(1 for line in code.splitlines() if line and not line.strip())


def test_corpus_inserts_no_whitespace_only_line() -> None:
    problems = []
    for path, result in _migrated().items():
        added = _blank_with_spaces(result.code) - _blank_with_spaces(result.original)
        if added > 0:
            problems.append(f"{path}: {added}")
    _report(problems, "with inserted whitespace-only lines")


def _black_clean(source: str) -> bool:
    import black

    try:
        return black.format_str(source, mode=black.Mode()) == source
    except Exception:
        return False


@pytest.mark.parametrize("profile", ["default", "black"])
def test_corpus_isort_clean_import_blocks_stay_clean(profile: str) -> None:
    """The corpus files come without their project's isort settings: isort's default
    profile is what applies to them, and `--profile black` is what a black-formatted file's
    project uses (a from-line too long for one line cannot be wrapped both ways at once)."""
    isort = pytest.importorskip("isort")
    config = isort.Config() if profile == "default" else isort.Config(profile="black")
    problems = []
    for path, result in _migrated().items():
        if not result.changed:
            continue
        if profile == "black" and not _black_clean(result.original):
            continue
        if isort.check_code(result.original, config=config, show_diff=False):
            if not isort.check_code(result.code, config=config, show_diff=False):
                problems.append(path)
    _report(problems, f"isort-clean ({profile}) before and not after")
