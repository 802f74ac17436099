"""Edits are spliced into the original bytes: lines the rules did not change stay byte for byte.

LibCST's round trip drops the space in ``except Exception :``; the engine must
not carry that loss into lines it had no reason to touch.  Unit tests for
``splice`` and a property test: generated OpenAI modules with such lines put
in random places keep every one of them, and every line outside the OpenAI
code, byte for byte.
"""

from __future__ import annotations

import libcst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source
from migrate_inference.splice import lines_of, splice
from test_properties import PREAMBLE, openai_module

LOSSY = "try:\n    pass\nexcept Exception :\n    pass\n"


def test_libcst_still_drops_the_space_this_guards_against():
    assert libcst.parse_module(LOSSY).code != LOSSY  # else splice is moot, not wrong


def test_lossy_lines_far_from_the_edit_keep_their_bytes():
    source = (
        "from openai import OpenAI\n\n"
        + LOSSY
        + "\nclient = OpenAI()\n"
        + "r = client.chat.completions.create(model='m', messages=[])\n\n"
        + LOSSY.replace("Exception", "(ValueError, KeyError)")
    )
    result = migrate_source(source, Config())
    assert result.error is None and result.code != source
    assert "except Exception :\n" in result.code
    assert "except (ValueError, KeyError) :\n" in result.code
    assert "ChatCompletionsClient" in result.code


def test_a_file_that_does_not_change_keeps_every_byte():
    source = "import openai  # only imported\n" + LOSSY
    assert migrate_source(source, Config()).code == source
    source = "# mentions openai, never imports it\n" + LOSSY
    assert migrate_source(source, Config()).code == source


def test_splice_takes_original_lines_outside_the_edits():
    original = "a = 1\nexcept_line  = 2\nb = 3\n"
    roundtrip = "a = 1\nexcept_line = 2\nb = 3\n"
    generated = "a = 10\nexcept_line = 2\nb = 3\n"
    assert splice(original, roundtrip, generated) == "a = 10\nexcept_line  = 2\nb = 3\n"


def test_splice_keeps_generated_lines_where_the_loss_is_inside_an_edit():
    original = "x = f( 1 )\ny = 2\n"
    roundtrip = "x = f(1)\ny = 2\n"
    generated = "x = g(1)\ny = 2\n"
    assert splice(original, roundtrip, generated) == generated


def test_splice_falls_back_when_the_result_would_mean_something_else():
    # A round trip that (hypothetically) changed meaning on an unchanged line:
    # the original line would come back and change what the generated code means.
    original = "a = 1\nb = 2\n"
    roundtrip = "a = 1\nb = 3\n"
    generated = "a = 10\nb = 3\n"
    assert splice(original, roundtrip, generated) == generated


def test_splice_without_loss_or_without_edits():
    assert splice("a\n", "a\n", "b\n") == "b\n"
    assert splice("a  = 1\n", "a = 1\n", "a = 1\n") == "a  = 1\n"


def test_lines_of_splits_only_where_python_does():
    assert lines_of("a\r\nb\rc\nd\u2028e\x0cf") == [
        "a\r\n",
        "b\r",
        "c\n",
        "d\u2028e\x0cf",
    ]
    assert "".join(lines_of("x\n\n\ny")) == "x\n\n\ny"


LOSSY_LINES = [
    "try:\n    pass\nexcept Exception :\n    pass\n",
    "try:\n    pass\nexcept (KeyError, ValueError) :\n    pass\n",
    "def helper(values):\n    try:\n        return values[0]\n    except IndexError :\n        return None\n",
]


@st.composite
def module_with_lossy_lines(draw):
    source = draw(openai_module())
    statements = source.split("\n\n")  # top-level chunks of the generated module
    for _ in range(draw(st.integers(1, 3))):
        # only between top-level chunks (not between two methods of a class)
        places = [
            i
            for i in range(1, len(statements) + 1)
            if i == len(statements) or not statements[i][:1].isspace()
        ]
        where = draw(st.sampled_from(places))
        statements.insert(where, draw(st.sampled_from(LOSSY_LINES)).rstrip("\n"))
    return "\n\n".join(statements)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(source=module_with_lossy_lines())
def test_generated_modules_keep_every_line_outside_the_openai_code(source):
    compile(source, "<generated>", "exec")
    result = migrate_source(source, Config(), "generated.py")
    assert result.error is None, result.error
    for chunk in LOSSY_LINES:
        if chunk.rstrip("\n") in source:
            assert (
                chunk.rstrip("\n") in result.code
            ), f"{chunk!r} changed\n--- output ---\n{result.code}"
    # and every chunk the generator wrote that holds no OpenAI code (the
    # preamble's message and tool literals are the rules' business) comes out whole
    for chunk in source.split("\n\n"):
        if not chunk.strip() or chunk.strip() in PREAMBLE:
            continue
        if not any(word in chunk for word in ("openai", "oa.", "client", "Open")):
            assert chunk in result.code, chunk
