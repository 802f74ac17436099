"""The golden fixtures: each .before.py migrates to its reviewed .after.py; .noop.py stays as it is."""

from __future__ import annotations

import ast

import pytest

from fixture_cases import cases, options, read
from migrate_inference.engine import migrate_source
from migrate_inference.findings import ERROR

CASES = cases()


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.kind == "rewrite"], ids=lambda c: c.id
)
def test_rewrite(case):
    source = read(case.path)
    assert case.after.exists(), f"{case.id} has no reviewed .after.py"
    expected = read(case.after)
    config = options(source)
    result = migrate_source(source, config, str(case.path))
    assert result.error is None, result.error
    assert result.code == expected
    assert (
        result.code != source
    ), "a .before fixture must change; use .noop.py for leave-alone cases"
    ast.parse(result.code)
    again = migrate_source(result.code, config, str(case.after))
    assert again.code == result.code, "a second run must change nothing"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.kind == "noop"], ids=lambda c: c.id
)
def test_leave_alone(case):
    source = read(case.path)
    result = migrate_source(source, options(source), str(case.path))
    assert result.code == source
    assert not [f for f in result.findings if f.kind == ERROR]


def test_enough_cases():
    assert len(CASES) >= 40
