"""The docs are generated from the code and the fixtures; these tests keep them in step."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from migrate_inference import docgen
from migrate_inference.rules import RULES

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("rel", sorted(docgen.GENERATED))
def test_generated_docs_are_current(rel):
    committed = (ROOT / rel).read_text(encoding="utf-8")
    assert (
        committed == docgen.GENERATED[rel]()
    ), f"run: python -m migrate_inference.docgen ({rel} is stale)"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_rule_name_links_module_code_fixtures_and_docs(rule):
    module = importlib.import_module(f"migrate_inference.rules.{rule.name}")
    assert module.CODE == rule.code
    assert module.NAME == rule.name
    assert module.WHEN_TODO
    folder = ROOT / "fixtures" / rule.name
    assert list(folder.glob("*.before.py")), f"{rule.name} has no rewrite fixtures"
    assert list(folder.glob("*.noop.py")), f"{rule.name} has no leave-alone fixtures"
    assert f"## {rule.name}\n" in (ROOT / "docs" / "rules.md").read_text(
        encoding="utf-8"
    )


def test_codes_are_unique():
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))


def test_every_reverse_rule_has_text_and_a_section():
    from migrate_inference.to_openai.codes import REVERSE_RULE_TEXT, REVERSE_RULES

    assert sorted(REVERSE_RULE_TEXT) == sorted(r.name for r in REVERSE_RULES)
    text = (ROOT / "docs" / "to-openai.md").read_text(encoding="utf-8")
    for rule in REVERSE_RULES:
        assert f"### {rule.name}\n" in text
        assert rule.name in docgen.TO_OPENAI_EXAMPLES
        assert (
            ROOT / "fixtures" / "to_openai" / rule.name
            / f"{docgen.TO_OPENAI_EXAMPLES[rule.name]}.before.py"
        ).exists()


def test_readme_says_which_direction():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "**Which direction?**" in readme
    assert "docs/to-openai.md" in readme
