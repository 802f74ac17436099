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
    # MI130 is a part of the call (its response reads): migrating the call without it
    # would be half a migration, so the call stays on OpenAI, and says why
    assert "openai.ChatCompletion.create(" in b_body and ".complete(" not in b_body
    assert "ignore[MI130]` comment in this function" in b_body
    assert [f.code for f in result.todos if f.line == 11] == ["MI100"]
    assert 'r["choices"][0]["message"]["content"]' in b_body
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


GUARDED = """import openai
from openai import OpenAI

client = OpenAI()


def f(p):
    try:
        r = client.chat.completions.create(model="gpt-4o", messages=[])
    except openai.APIError:  # migrate-inference: ignore[MI340]
        return None
    return r.choices[0].message.content


def g(p):
    return client.chat.completions.create(model="gpt-4o", messages=[], n=2)
"""


def test_an_ignored_part_keeps_the_whole_component_on_openai():
    """`ignore[MI340]` on the except line: the clause would no longer catch what the
    migrated call raises, so the call, and every call of its client, stays OpenAI."""
    result = migrate_source(GUARDED, Config(), "s.py")
    assert result.error is None
    assert ".complete(" not in result.code and "ChatCompletionsClient" not in result.code
    assert result.code.count("client.chat.completions.create(") == 2
    assert "except openai.APIError:  # migrate-inference: ignore[MI340]" in result.code
    f_todos = [t for t in result.todos if t.line == 9]
    assert f_todos and "ignore[MI340]" in f_todos[0].message
    assert any(t.line == 16 for t in result.todos)  # g's call says why it stays


def test_an_optional_part_ignored_still_migrates():
    """Message dicts are accepted by the Azure SDK as they are: ignore[MI120] keeps them."""
    source = GUARDED.replace("  # migrate-inference: ignore[MI340]", "").replace(
        'messages=[])\n    except', 'messages=[{"role": "user", "content": p}])  # migrate-inference: ignore[MI120]\n    except'
    )
    result = migrate_source(source, Config(), "s.py")
    assert 'client.complete(messages=[{"role": "user", "content": p}])' in result.code
