"""docs/design.md's "Adding a rule", done: a throwaway rule in a temporary module is
registered, run by the engine (its transformer in the pass, its check after the pass),
checked by the fixtures runner and documented by the docs generator, with no edit
anywhere else."""

from __future__ import annotations

import textwrap

import pytest

import fixture_cases
import test_fixtures
from migrate_inference import docgen, explain, pipeline, rules
from migrate_inference.engine import migrate_source
from migrate_inference.findings import WARNING

RULE_MODULE = '''
"""Deployment notes: a TODO on every migrated chat call (a throwaway rule for a test).

Each call the other rules migrate gets a note to check its deployment.
"""

from migrate_inference.findings import WARNING, Finding
from migrate_inference.rules.base import RuleState

CODE = "MI990"
NAME = "deployment_notes"
DOC_EXAMPLE = "v1_call"
WHEN_TODO = "Always: every migrated call gets one."


class DeploymentNotesRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.roots = state.roots

    def leave_Call(self, original, updated):
        if original in self.roots and not self.ctx.suppressed(CODE):
            self.ctx.todo(CODE, original, "check that the deployment serves this model")
        return updated


def notes_left(original, code, findings, config, filename):
    """After the pass: one finding counting the notes the output still carries."""
    count = code.count(f"[{CODE}]")
    if not count or not config.rule_enabled(CODE):
        return code, []
    return code, [Finding(CODE, WARNING, f"{count} deployment note(s) to check")]
'''

BEFORE = '''\
from openai import OpenAI

client = OpenAI()


def ask(question):
    reply = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content
'''

LOOK_ALIKE = '''\
from langchain.adapters import openai

reply = openai.ChatCompletion.create(messages=[{"role": "user", "content": "hi"}])
'''

NOTE = "# TODO(migrate-inference): check that the deployment serves this model [MI990]"


@pytest.fixture
def throwaway_rule(tmp_path, monkeypatch):
    """The three things a rule is: a module, a registry row, a fixtures folder."""
    (tmp_path / "deployment_notes_rule.py").write_text(textwrap.dedent(RULE_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = tmp_path / "fixtures" / "deployment_notes"
    folder.mkdir(parents=True)
    (folder / "v1_call.before.py").write_text(BEFORE)
    (folder / "langchain_adapter.noop.py").write_text(LOOK_ALIKE)
    info = rules.register(
        rules.RuleInfo(
            "deployment_notes",
            "MI990",
            "a TODO on every migrated chat call",
            transformer="DeploymentNotesRule",
            step=95,
            after_pass="notes_left",
            module="deployment_notes_rule",
            fixtures=str(tmp_path / "fixtures"),
        )
    )
    try:
        yield info, tmp_path / "fixtures"
    finally:
        rules.RULES.remove(info)


def test_the_registry_runs_it_in_its_step(throwaway_rule):
    info, _ = throwaway_rule
    names = [r.name for r in rules.transformers()]
    assert names.index("out_of_scope") < names.index(info.name) < names.index("errors")
    result = migrate_source(BEFORE, None, "ask.py")
    assert NOTE in result.code.splitlines()[-3]
    assert "MI990" in [f.code for f in result.findings]


def test_the_registry_runs_its_after_pass_check(throwaway_rule):
    info, _ = throwaway_rule
    assert [r.name for r in rules.after_passes()] == ["leftover_calls", info.name]
    result = migrate_source(BEFORE, None, "ask.py")
    assert ("MI990", WARNING, "1 deployment note(s) to check") in [
        (f.code, f.kind, f.message) for f in result.findings
    ]


def test_the_pipeline_reads_only_what_an_earlier_step_wrote():
    assert pipeline.unmet_reads() == []
    late = pipeline.Step("too_early", lambda work: None, ("roots",), ())
    assert pipeline.unmet_reads([late, *pipeline.PIPELINE]) == ["too_early: roots"]


def test_it_is_off_when_ignored_and_absent_when_unregistered(throwaway_rule):
    from migrate_inference.config import Config

    info, _ = throwaway_rule
    ignored = migrate_source(BEFORE, Config(ignore=frozenset({"MI990"})))
    assert NOTE not in ignored.code
    assert "MI990" not in [f.code for f in ignored.findings]
    rules.RULES.remove(info)
    try:
        result = migrate_source(BEFORE)
        assert NOTE not in result.code
        assert "MI990" not in [f.code for f in result.findings]
    finally:
        rules.RULES.append(info)


def test_the_fixtures_runner_runs_its_fixtures(throwaway_rule):
    _, root = throwaway_rule
    found = fixture_cases.cases(root)
    assert sorted(c.id for c in found) == [
        "deployment_notes/langchain_adapter",
        "deployment_notes/v1_call",
    ]
    fixture_cases.write_afters(found)
    (rewrite,) = [c for c in found if c.kind == "rewrite"]
    assert NOTE in rewrite.after.read_text()
    test_fixtures.test_rewrite(rewrite)
    for case in found:
        if case.kind == "noop":
            test_fixtures.test_leave_alone(case)


def test_the_docs_generator_documents_it(throwaway_rule):
    _, root = throwaway_rule
    fixture_cases.write_afters(fixture_cases.cases(root))
    text = docgen.rules_markdown()
    assert "| MI990 | [deployment_notes](#deployment_notes) |" in text
    section = text.split("## deployment_notes\n", 1)[1].split("\n## ", 1)[0]
    assert "Each call the other rules migrate gets a note" in section
    assert "**When it leaves a TODO:** Always: every migrated call gets one." in section
    assert NOTE in section  # the example's after, from its own fixtures
    assert "1 rewrites (v1_call); 1 left alone (langchain_adapter)" in section
    assert "deployment_notes" in explain.explain("MI990")
