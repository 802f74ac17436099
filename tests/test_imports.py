"""New imports go where isort puts them (issue 13, item 4).

The sweep migrates every fixture whose imports were isort-clean, in a project configured
for isort's default profile and in one configured with `--profile black`, and checks the
output with isort under that profile.  A black-clean file is re-formatted by black after the
rewrite, and black and isort's default profile disagree on how to wrap a line longer than 79
characters: for those files the default-profile check uses black's wrapping (88 characters,
vertical hanging indent), and nothing else of the default profile changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import fixture_cases
from migrate_inference.engine import migrate_source
from migrate_inference.imports import section_of, STDLIB, THIRD_PARTY, FIRST_PARTY

isort = pytest.importorskip("isort")
black = pytest.importorskip("black")

PROFILES = {
    "default": "[tool.isort]\nline_length = 79\n",
    "black": '[tool.isort]\nprofile = "black"\n',
}


def _isort_clean(
    source: str, profile: str, black_wrapped: bool = False, **more: object
) -> bool:
    options = {"quiet": True, **more}
    if profile == "black":
        options["profile"] = "black"
    elif black_wrapped:
        options.update(line_length=88, multi_line_output=3, include_trailing_comma=True)
    return isort.check_code(source, config=isort.Config(**options))


def _fixed(source: str, profile: str) -> str:
    options = {"profile": "black"} if profile == "black" else {}
    return isort.code(source, config=isort.Config(**options))


def _migrate(tmp_path: Path, source: str, config: str = "", name: str = "app.py") -> str:
    if config:
        (tmp_path / "pyproject.toml").write_text(config)
    path = tmp_path / name
    path.write_text(source)
    result = migrate_source(source, fixture_cases.options(source), str(path))
    assert result.error is None, result.error
    return result.code


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_isort_clean_fixtures_stay_isort_clean(tmp_path: Path, profile: str) -> None:
    checked, broken = 0, []
    for case in fixture_cases.cases():
        if case.kind != "rewrite":
            continue
        source = fixture_cases.read(case.path)
        if not _isort_clean(source, profile):
            continue
        checked += 1
        where = tmp_path / case.rule / case.name
        where.mkdir(parents=True)
        out = _migrate(where, source, PROFILES[profile])
        was_black = black.format_str(source, mode=black.Mode()) == source
        if not _isort_clean(out, profile, black_wrapped=was_black):
            broken.append(case.id)
    assert checked > 100  # most fixtures are isort-clean: the sweep must not go empty
    assert broken == []


STDLIB_ONLY = """\
import json
import sys

import openai

from myapp import settings

openai.api_key = settings.KEY


def ask(q):
    return openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": q}])
"""


def test_new_imports_join_their_groups_above_first_party(tmp_path: Path) -> None:
    (tmp_path / "myapp").mkdir()
    out = _migrate(tmp_path, STDLIB_ONLY)
    assert out.startswith("import functools\nimport json\nimport os\nimport sys\n\nfrom azure.ai.inference import")
    assert out.index("from azure.core.credentials") < out.index("\n\nfrom myapp import settings")
    assert _isort_clean(out, "default", src_paths=[str(tmp_path)]), _fixed(out, "default")
    assert "\n\n\n\n" not in out


def test_no_stdlib_group_gets_one_of_its_own(tmp_path: Path) -> None:
    source = (
        '"""Doc."""\n'
        "from __future__ import annotations\n"
        "\n"
        "import openai\n"
        "\n"
        "from .local import thing\n"
        "\n"
        "openai.api_key = 'k'\n"
        "\n"
        "\n"
        "def ask(q):\n"
        "    return openai.ChatCompletion.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
    )
    out = _migrate(tmp_path, source, name="mod.py")
    for profile in PROFILES:
        assert _isort_clean(out, profile), _fixed(out, profile)
    assert out.index("from __future__") < out.index("import os") < out.index("from azure")
    assert out.index("from azure") < out.index("from .local")
    assert "\n\n\n\n" not in out


def test_a_removed_import_that_began_a_group_leaves_the_groups_apart(
    tmp_path: Path,
) -> None:
    source = (
        "import os\n"
        "\n"
        "import openai\n"
        "import requests\n"
        "\n"
        "client = openai.OpenAI()\n"
        "\n"
        "\n"
        "def ask(q):\n"
        "    r = client.chat.completions.create(model='m', messages=[{'role': 'user', 'content': q}])\n"
        "    return r, requests, os\n"
    )
    out = _migrate(tmp_path, source)
    assert _isort_clean(out, "default"), _fixed(out, "default")
    assert out.startswith("import os\n\nimport requests\nfrom azure.ai.inference import")


def test_long_lines_wrap_as_the_configured_profile_wraps(tmp_path: Path) -> None:
    source = (
        "import openai\n"
        "\n"
        "try:\n"
        "    r = openai.ChatCompletion.create(model='m', messages=[{'role': 'system', 'content': 's'},"
        " {'role': 'user', 'content': 'u'}, {'role': 'assistant', 'content': 'a'}])\n"
        "except openai.error.RateLimitError:\n"
        "    r = None\n"
        "except openai.error.Timeout:\n"
        "    r = None\n"
        "except openai.error.APIConnectionError:\n"
        "    r = None\n"
    )
    for profile, config in PROFILES.items():
        where = tmp_path / profile
        where.mkdir()
        out = _migrate(where, source, config)
        assert _isort_clean(out, profile), (profile, _fixed(out, profile))


def test_sections() -> None:
    assert section_of("functools") == STDLIB
    assert section_of("azure.ai.inference") == THIRD_PARTY
    assert section_of("somepackage") == THIRD_PARTY
    assert section_of("tests", filename=str(Path(__file__))) == FIRST_PARTY


def test_new_imports_go_to_the_top_block_not_to_a_later_import() -> None:
    """An `import pprint` after the code (a real file does this) is no place for the
    `import os` the new client needs above it: the name would be used before it exists."""
    source = (
        "from openai import OpenAI\n"
        "\n"
        'client = OpenAI(api_key="k")\n'
        'completion = client.chat.completions.create(model="m", messages=[])\n'
        "import pprint\n"
        "\n"
        "pprint.pprint(completion.choices[0].message.content)\n"
    )
    result = migrate_source(source, None, "late_import.py")
    assert result.error is None, result.error
    assert result.code.startswith("import os\n\nfrom azure.ai.inference import ")
    assert result.code.count("import os") == 1
    assert "completion = client.complete(messages=[])\nimport pprint\n" in result.code
