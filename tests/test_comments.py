"""No comment is lost: every comment of an input is in its migrated output.

The golden fixtures prove it for every rule (their `.after.py` files are the engine's output,
`test_fixtures.py` holds them to it); `test_properties.py` proves it for generated programs
with comments after keywords, above them, after `create(` and on the configuration lines;
`test_corpus.py` measures it on real code.
"""

from __future__ import annotations

import pytest
from fixture_cases import cases

from migrate_inference.comments import comments_of_source
from migrate_inference.engine import migrate_source

REWRITES = [c for c in cases() if c.kind == "rewrite" and c.after.exists()]


@pytest.mark.parametrize("case", REWRITES, ids=[c.id for c in REWRITES])
def test_fixture_keeps_every_comment(case) -> None:
    before = comments_of_source(case.path.read_text(encoding="utf-8"))
    after = comments_of_source(case.after.read_text(encoding="utf-8"))
    lost = before - after
    repeated = {c: n for c, n in (after - before).items() if c in before}
    assert not lost, f"comments lost: {dict(lost)}"
    assert not repeated, f"comments repeated: {repeated}"


def test_comment_of_a_keyword_moving_into_model_extras_moves_with_it() -> None:
    source = (
        "import openai\n"
        'openai.api_key = "k"\n'
        "out = openai.ChatCompletion.create(\n"
        '    model="gpt-4o",\n'
        "    messages=[],\n"
        '    logit_bias={"50256": -100},  # never end early\n'
        "    temperature=0,\n"
        ")\n"
    )
    code = migrate_source(source).code
    assert (
        "    model_extras={\n"
        '        "logit_bias": {"50256": -100},  # never end early\n'
        "    },\n"
    ) in code, code


def test_comment_on_a_removed_api_key_line_goes_above_the_client() -> None:
    source = (
        "import os\n"
        "import openai\n"
        "\n"
        "# the key of the team account\n"
        'openai.api_key = os.environ["OPENAI_API_KEY"]  # set in CI\n'
        "\n"
        "\n"
        "def ask(q):\n"
        '    return openai.ChatCompletion.create(model="gpt-4o", messages=q)\n'
    )
    code = migrate_source(source).code
    above = code.split("@functools.lru_cache")[0]
    assert above.endswith("# the key of the team account\n# set in CI\n"), code


def test_comments_of_a_removed_statement_stay_in_its_block() -> None:
    source = (
        "import openai\n"
        "def ask(q):\n"
        '    openai.api_key = "k"  # the key\n'
        '    return openai.ChatCompletion.create(model="gpt-4o", messages=q)\n'
    )
    assert comments_of_source(migrate_source(source).code)["# the key"] == 1
