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

from migrate_inference.comments import comments_of_source
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
