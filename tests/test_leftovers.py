"""Nothing OpenAI-shaped is silent (MI910, MI911, MI912), through the engine and the CLI.

The golden fixtures (tests/test_fixtures.py) hold the text; these tests hold the
findings: which code each fixture reports, that look-alikes report nothing, that a
second run keeps reporting the notes the first one left, and docs/ci.md's exit codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixture_cases import FIXTURES, options, read
from migrate_inference import cli
from migrate_inference.engine import migrate_source
from migrate_inference.findings import TODO
from migrate_inference.rules import RULES

NEW_CODES = {"leftover_calls": "MI910", "unresolved_clients": "MI911", "leftover_todos": "MI912"}
LEFTOVER = set(NEW_CODES.values())


def _findings(path: Path):
    source = read(path)
    result = migrate_source(source, options(source), str(path))
    return result, [f for f in result.findings if f.code in LEFTOVER]


@pytest.mark.parametrize("rule", sorted(NEW_CODES))
def test_rewrite_fixtures_report_their_code(rule):
    befores = sorted((FIXTURES / rule).glob("*.before.py"))
    assert befores
    for path in befores:
        result, found = _findings(path)
        assert NEW_CODES[rule] in {f.code for f in found}, path.name
        assert all(f.kind == TODO for f in found)


def test_look_alikes_report_nothing():
    noops = sorted(
        p for rule in NEW_CODES for p in (FIXTURES / rule).glob("*.noop.py")
    )
    assert len(noops) >= 8
    for path in noops:
        result, found = _findings(path)
        assert found == [], (path.name, found)
        assert result.code == read(path)


def test_every_new_code_is_a_rule_with_docs():
    codes = {r.code: r.name for r in RULES}
    for name, code in NEW_CODES.items():
        assert codes[code] == name


def test_one_finding_per_site_and_its_line():
    source = (
        "def ask(client, embedder, q):\n"
        "    a = client.chat.completions.create(model='m', messages=[])\n"
        "    b = embedder.embeddings.create(input=[q], model='e')\n"
        "    return a, b\n"
    )
    result = migrate_source(source)
    found = [(f.code, f.line) for f in result.findings]
    assert found == [("MI911", 2), ("MI911", 3)]
    assert result.code.count("# TODO(migrate-inference):") == 2


def test_openai_receiver_is_mi910_and_unresolved_is_mi911():
    source = (
        "import openai\n"
        "from openai import OpenAI\n"
        "\n"
        "client = OpenAI()\n"
        "\n"
        "\n"
        "def draw(p, other):\n"
        "    client.images.generate(prompt=p)\n"
        "    other.images.generate(prompt=p)\n"
        "    return openai.Image.create(prompt=p)\n"
    )
    result = migrate_source(source)
    codes = [(f.code, f.line) for f in result.findings if f.code in LEFTOVER]
    assert ("MI910", 8) in codes and ("MI911", 9) in codes
    # openai.Image.create already carries out_of_scope's TODO: no second note
    assert "MI900" in {f.code for f in result.findings}
    assert not any(line == 10 for code, line in codes)


def test_second_run_reports_every_note_left_by_the_first():
    path = FIXTURES / "v1_clients" / "client_passed_to_function.before.py"
    source = read(path)
    config = options(source)
    first = migrate_source(source, config, str(path))
    notes = first.code.count("# TODO(migrate-inference):")
    assert notes >= 1 and len(first.todos) == notes
    second = migrate_source(first.code, config, str(path))
    assert second.code == first.code
    assert len(second.todos) == notes
    assert {f.code for f in second.todos} <= LEFTOVER | {"MI110", "MI200", "MI210"}
    assert "MI912" in {f.code for f in second.todos}


def test_ignore_comment_and_deselection():
    source = "def f(c):\n    return c.chat.completions.create(model='m', messages=[])\n"
    assert migrate_source(source).todos
    from migrate_inference.config import Config

    assert not migrate_source(source, Config(ignore=frozenset({"MI911"}))).todos
    quiet = source.replace("[])\n", "[])  # migrate-inference: ignore[MI911]\n")
    assert migrate_source(quiet).code == quiet and not migrate_source(quiet).todos


# ------------------------------------------------------------------ CLI, docs/ci.md


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(capsys, *args):
    code = cli.main(["-j", "1", *args])
    out = capsys.readouterr().out
    return code, out


def test_check_fails_while_a_todo_is_left_and_passes_once_resolved(tree, capsys):
    helper = tree / "helpers.py"  # no "openai" anywhere: the client is handed in
    helper.write_text(
        "def summarize(client, text):\n"
        "    r = client.chat.completions.create(model='m', messages=[text])\n"
        "    return r.choices[0].message.content\n",
        encoding="utf-8",
    )
    code, _ = _run(capsys, "--check", "--format", "json", ".")
    assert code == 1
    code, _ = _run(capsys, ".")  # rewrites: the TODO goes in, the exit says TODOs are left
    assert code == 1 and "# TODO(migrate-inference):" in helper.read_text()
    code, out = _run(capsys, "--check", "--format", "json", ".")
    assert code == 1  # the second run still fails: the note is reported again
    report = json.loads(out)
    codes = [f["code"] for f in report["findings"]]
    assert codes == ["MI912"]
    # a person decides: not an OpenAI client here; the note goes, the suppression stays
    helper.write_text(
        "def summarize(client, text):\n"
        "    r = client.chat.completions.create(model='m', messages=[text])  # migrate-inference: ignore[MI911]\n"
        "    return r.choices[0].message.content\n",
        encoding="utf-8",
    )
    code, _ = _run(capsys, "--check", ".")
    assert code == 0


def test_check_fails_on_an_openai_call_the_tool_keeps(tree, capsys):
    (tree / "draw.py").write_text(
        "from openai import OpenAI\n\nclient = OpenAI()\n\n"
        "def draw(p):\n    return client.images.generate(prompt=p).data[0].url\n",
        encoding="utf-8",
    )
    code, out = _run(capsys, "--check", "--format", "json", ".")
    assert code == 1
    report = json.loads(out)
    codes = [f["code"] for f in report["findings"]]
    assert "MI910" in codes


def test_check_passes_on_look_alikes(tree, capsys):
    (tree / "other.py").write_text(
        "from groq import Groq\n\nclient = Groq()\n\n"
        "def ask(q):\n    return client.chat.completions.create(model='m', messages=[q])\n",
        encoding="utf-8",
    )
    code, _ = _run(capsys, "--check", ".")
    assert code == 0


def test_explain_knows_the_new_codes(capsys):
    for code in sorted(LEFTOVER):
        status = cli.main(["--explain", code])
        out = capsys.readouterr().out
        assert status == 0 and out.startswith(code)
