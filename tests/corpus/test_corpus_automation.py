"""The automation rate on real code, measured by tests/corpus/measure.py.

Runs only when ``MIGRATE_INFERENCE_CORPUS`` points at a corpus directory laid out as
measure.py describes (`files/<owner>+<repo>/...`, `repos/<owner>+<repo>/`, a
MANIFEST.tsv); it is kept outside the repository (third-party code), see
docs/automation.md. The figures themselves are reported in docs/automation.md; these
tests hold what must be true on any corpus: no file crashes, every written file parses,
and no OpenAI call site is left without a finding.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import measure

CORPUS = os.environ.get("MIGRATE_INFERENCE_CORPUS")

pytestmark = pytest.mark.skipif(
    not CORPUS or not (Path(CORPUS) / "MANIFEST.tsv").is_file(),
    reason="MIGRATE_INFERENCE_CORPUS does not name a corpus directory with a MANIFEST.tsv "
    "(real public code kept outside the repository; see docs/automation.md)",
)


@pytest.fixture(scope="module")
def result():
    return measure.measure(Path(CORPUS or "."))


def test_corpus_is_big_enough(result):
    assert result["total"]["files_with_sites"] >= 60
    repos = [u for u in measure.units(Path(CORPUS or ".")) if u.parent.name == "repos"]
    assert len(repos) >= 5


def test_no_file_crashes_or_is_left_unparseable(result):
    bad = [f["path"] for f in result["files"] if f["crashed"] or f["unparseable"]]
    assert bad == []


def test_no_openai_call_site_is_silent(result):
    silent = [(f["path"], f["silent_lines"]) for f in result["files"] if f["silent"]]
    assert silent == []


def test_every_site_is_accounted_for(result):
    for f in result["files"]:
        assert f["migrated"] + f["todo"] + f["silent"] >= f["sites"] or f["crashed"], f


def test_no_file_keeps_openai_without_a_finding(result):
    assert [f["path"] for f in result["files"] if f["silent_file"]] == []
