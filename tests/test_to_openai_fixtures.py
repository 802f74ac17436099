"""Golden fixtures of `--to openai`: fixtures/to_openai/<rule>/<case>.before.py -> .after.py; .noop.py stays.

Every case runs with ``Config(target="openai")`` (a first line
``# fixture-options: key=value`` adds other Config fields).  A rewrite must parse,
change the file, add no undefined name (the engine's verification) and be
idempotent; a leave-alone case must come back byte for byte.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

from fixture_cases import options, read
from migrate_inference.engine import migrate_source, undefined_names
from migrate_inference.findings import ERROR

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "to_openai"


def _cases(pattern):
    return sorted(ROOT.glob(f"*/{pattern}"))


def _config(source):
    return replace(options(source), target="openai")


def _id(path):
    return f"{path.parent.name}/{path.name.split('.')[0]}"


@pytest.mark.parametrize("before", _cases("*.before.py"), ids=_id)
def test_rewrite(before):
    source = read(before)
    after = before.with_name(before.name.replace(".before.py", ".after.py"))
    assert after.exists(), f"{_id(before)} has no reviewed .after.py"
    config = _config(source)
    result = migrate_source(source, config, str(before))
    assert result.error is None, result.error
    assert result.code == read(after)
    assert result.code != source, "a .before fixture must change; use .noop.py"
    ast.parse(result.code)
    assert not undefined_names(result.code) - undefined_names(source)
    again = migrate_source(result.code, config, str(after))
    assert again.code == result.code, "a second run must change nothing"


@pytest.mark.parametrize("noop", _cases("*.noop.py"), ids=_id)
def test_leave_alone(noop):
    source = read(noop)
    result = migrate_source(source, _config(source), str(noop))
    assert result.code == source
    assert not [f for f in result.findings if f.kind == ERROR]


def test_every_rule_has_rewrites_and_leave_alone_cases():
    from migrate_inference.to_openai.codes import REVERSE_RULES

    for rule in REVERSE_RULES:
        folder = ROOT / rule.name
        assert list(folder.glob("*.before.py")), f"{rule.name} has no rewrite fixtures"
        assert list(
            folder.glob("*.noop.py")
        ), f"{rule.name} has no leave-alone fixtures"
