"""Inline `# migrate-inference: ignore[CODE]` comments leave a site alone and keep it out of the counts."""

from __future__ import annotations

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

SOURCE = """import openai

openai.api_key = "k"


def a(q):
    return openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": q}])  # migrate-inference: ignore


def b(q):
    r = openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": q}])
    return r["choices"][0]["message"]["content"]  # migrate-inference: ignore[MI130]


def c(q):
    # migrate-inference: ignore[MI120]
    return openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": q}], n=2)
"""


def _line(code: str, text: str) -> str:
    return next(line for line in code.splitlines() if text in line)


def test_bare_ignore_leaves_the_call_and_reports_nothing_for_it():
    result = migrate_source(SOURCE, Config(), "s.py")
    assert result.error is None
    a_body = result.code.split("def a(q):")[1].split("def b")[0]
    assert "openai.ChatCompletion.create" in a_body
    assert not [
        f for f in result.findings if f.line == 7
    ]  # neither a rewrite nor a TODO for the ignored site
    # the module keeps what the ignored call needs
    assert "import openai" in result.code and 'openai.api_key = "k"' in result.code


def test_ignore_with_a_code_suppresses_only_that_rule():
    result = migrate_source(SOURCE, Config(), "s.py")
    b_body = result.code.split("def b(q):")[1].split("def c")[0]
    assert ".complete(" in b_body  # MI100 still applies
    assert (
        'r["choices"][0]["message"]["content"]' in b_body
    )  # MI130 suppressed on that line
    c_body = result.code.split("def c(q):")[1]
    assert (
        ".complete(" in c_body and '{"role": "user", "content": q}' in c_body
    )  # MI120 suppressed
    assert 'model_extras={"n": 2}' in c_body  # MI110 still applies


def test_suppressed_site_is_not_pending():
    only_ignored = SOURCE.split("\n\n\ndef b")[0] + "\n"
    result = migrate_source(only_ignored, Config(), "s.py")
    assert result.code == only_ignored
    assert result.findings == []
