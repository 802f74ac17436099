"""Rewritten code matches its surroundings: black-clean stays black-clean; other files are not reformatted."""

from __future__ import annotations

import black

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

BLACK_CLEAN = """import os

import openai

openai.api_key = os.getenv("OPENAI_API_KEY")


def ask(question):
    response = openai.ChatCompletion.create(
        model="gpt-3.5-turbo",
        messages=[{"role": "user", "content": question}],
        n=2,
        user="someone-with-a-rather-long-identifier",
    )
    return response["choices"][0]["message"]["content"]
"""

NOT_BLACK = """import os
import openai
openai.api_key=os.getenv('OPENAI_API_KEY')
CONFIG = { 'a':1,
   'b' : 2 }
def ask(question):
    response = openai.ChatCompletion.create(model='gpt-3.5-turbo', messages=[{'role':'user','content':question}])
    return response['choices'][0]['message']['content']
"""


def test_black_clean_input_gives_black_clean_output():
    assert black.format_str(BLACK_CLEAN, mode=black.Mode()) == BLACK_CLEAN
    result = migrate_source(BLACK_CLEAN, Config(), "clean.py")
    assert result.changed
    assert black.format_str(result.code, mode=black.Mode()) == result.code


def test_other_input_is_not_reformatted_wholesale():
    result = migrate_source(NOT_BLACK, Config(), "messy.py")
    assert result.changed
    # lines the rules do not touch keep their own style
    assert "CONFIG = { 'a':1,\n   'b' : 2 }\n" in result.code
    assert "messages=[UserMessage(content=question)]" in result.code
    assert black.format_str(result.code, mode=black.Mode()) != result.code


LAYOUT = '''from openai import OpenAI

client = OpenAI()


def f(p):
    r = client.chat.completions.create(model="gpt-4o", messages=[], n=2)
    s = client.chat.completions.create(
        model="gpt-4o",
        messages=[],
        user="me",
        temperature=0
    )
    t = client.chat.completions.create(
        model="gpt-4o",
        messages=[],
        user="me",  # who asks
        temperature=0,
    )
    return r, s, t
'''


def _call_lines(code: str, name: str) -> list:
    lines = code.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"    {name} = "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("    )") or (
        i == start and lines[i].rstrip().endswith(")")
    ))
    return lines[start : end + 1]


def test_moved_keywords_follow_the_call_layout():
    result = migrate_source(LAYOUT, Config(), "layout.py")
    assert result.changed
    # one line that still fits stays one line
    assert _call_lines(result.code, "r") == [
        '    r = client.complete(messages=[], model_extras={"n": 2})'
    ]
    # one keyword per line, no trailing comma: so it stays
    assert _call_lines(result.code, "s") == [
        "    s = client.complete(",
        "        messages=[],",
        "        temperature=0,",
        '        model_extras={"user": "me"}',
        "    )",
    ]
    # one keyword per line, trailing comma; the comment moves with its keyword
    assert _call_lines(result.code, "t") == [
        "    t = client.complete(",
        "        messages=[],",
        "        temperature=0,",
        "        model_extras={",
        '            "user": "me",  # who asks',
        "        },",
        "    )",
    ]


def _whitespace_only(code: str) -> int:
    return sum(1 for line in code.splitlines() if line and not line.strip())


def test_no_fixture_output_gains_a_whitespace_only_line():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "fixtures"
    for after in sorted(root.rglob("*.after.py")):
        before = after.with_name(after.name.replace(".after.py", ".before.py"))
        if not before.exists():
            continue
        gained = _whitespace_only(after.read_text()) - _whitespace_only(before.read_text())
        assert gained <= 0, f"{after}: {gained} whitespace-only lines inserted"
