"""The command-line conventions a ruff user expects, each tried through the CLI.

--force-exclude, --exclude / --extend-exclude, --no-<flag>, --config / --isolated,
per-file-ignores, file-level and statement-level suppression, stdin, --exit-zero,
--statistics, the versioned JSON report, --output-file, the warning when no file
is found, --explain, SARIF for pending files, positions of syntax errors, the
partial-view warning for dependency files, --files-from, --shard and
merge-reports.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fake_engines
import migrate_inference
from migrate_inference import cli, cli_config

SRC = Path(migrate_inference.__file__).resolve().parent.parent
REPO = SRC.parent
FIXTURES = REPO / "fixtures"

OPENAI = 'import openai\nr = openai.ChatCompletion.create(model="m", messages=[])\n'


@pytest.fixture(autouse=True)
def project(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def write(path, text):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run(capsys, *args, engine=fake_engines.rename_engine):
    code = cli.main(list(args), engine=engine)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def report(capsys, *args, engine=fake_engines.rename_engine):
    code, out, err = run(capsys, "--format", "json", *args, engine=engine)
    return code, json.loads(out), err


def py_paths(doc):
    return {f["path"] for f in doc["files"] if f["kind"] == "python"}


# ------------------------------------------------------------ exclusions


def test_force_exclude_applies_config_excludes_to_paths_on_the_command_line(
    capsys, project
):
    write(
        project / "pyproject.toml", '[tool.migrate-inference]\nexclude = ["legacy/"]\n'
    )
    write(project / "legacy/old.py", OPENAI)
    write(project / "src/app.py", OPENAI)
    code, doc, _ = report(capsys, "--check", "legacy/old.py", "src/app.py")
    assert sorted(py_paths(doc)) == ["legacy/old.py", "src/app.py"]
    code, doc, _ = report(
        capsys, "--check", "--force-exclude", "legacy/old.py", "src/app.py"
    )
    assert sorted(py_paths(doc)) == ["src/app.py"]
    # a directory named on the command line is pruned the same way
    code, doc, _ = report(capsys, "--check", "--force-exclude", "legacy", "src")
    assert sorted(py_paths(doc)) == ["src/app.py"]
    # and --no-force-exclude turns a configured force-exclude off
    write(
        project / "pyproject.toml",
        '[tool.migrate-inference]\nexclude = ["legacy/"]\nforce-exclude = true\n',
    )
    code, doc, _ = report(capsys, "--check", "--no-force-exclude", "legacy/old.py")
    assert sorted(py_paths(doc)) == ["legacy/old.py"]


def test_force_exclude_globs_are_relative_to_the_project_root(capsys, project):
    write(
        project / "pyproject.toml",
        '[tool.migrate-inference]\nexclude = ["/gen/*.py"]\n',
    )
    write(project / "gen/a.py", OPENAI)
    write(project / "pkg/gen/b.py", OPENAI)
    os.chdir(project / "pkg")  # the root stays the pyproject.toml's directory
    code, doc, _ = report(
        capsys, "--check", "--force-exclude", "../gen/a.py", "gen/b.py"
    )
    assert sorted(py_paths(doc)) == ["gen/b.py"]


def test_cli_exclude_replaces_the_config_and_extend_exclude_adds(capsys, project):
    write(project / "pyproject.toml", '[tool.migrate-inference]\nexclude = ["a/"]\n')
    for name in ("a", "b", "c"):
        write(project / name / "x.py", OPENAI)
    _, doc, _ = report(capsys, "--check", ".")
    assert py_paths(doc) == {"b/x.py", "c/x.py"}
    _, doc, _ = report(capsys, "--check", "--exclude", "b/", ".")
    assert py_paths(doc) == {"a/x.py", "c/x.py"}
    _, doc, _ = report(capsys, "--check", "--extend-exclude", "b/", ".")
    assert py_paths(doc) == {"c/x.py"}
    write(
        project / "pyproject.toml",
        '[tool.migrate-inference]\nexclude = ["a/"]\nextend-exclude = ["b/"]\n',
    )
    _, doc, _ = report(capsys, "--check", "--extend-exclude", "c/", ".")
    assert py_paths(doc) == set()


def test_the_pre_commit_hooks_pass_force_exclude():
    text = (REPO / ".pre-commit-hooks.yaml").read_text()
    entries = [
        line.split(":", 1)[1].split()
        for line in text.splitlines()
        if line.strip().startswith("entry:")
    ]
    assert entries and all("--force-exclude" in entry for entry in entries)


# ------------------------------------------------------------ --no-<flag>, config files


def test_every_boolean_option_has_a_no_form():
    flags = [
        p
        for p in cli.command.params
        if getattr(p, "is_flag", False) and p.name not in cli_config.NOT_CONFIGURABLE
    ]
    assert flags
    for param in flags:
        assert param.secondary_opts, f"--{param.name} has no --no- form"


def test_no_check_turns_off_check_from_the_config(capsys, project):
    write(project / "pyproject.toml", "[tool.migrate-inference]\ncheck = true\n")
    app = write(project / "app.py", OPENAI)
    code, _, err = run(capsys, "app.py")
    assert "would change" in err and "openai" in app.read_text()
    code, _, err = run(capsys, "--no-check", "app.py")
    assert code == 0 and "migrated" in err and "azure_ai" in app.read_text()


def test_legacy_no_progress_key_still_works(capsys, project):
    write(project / "pyproject.toml", "[tool.migrate-inference]\nno-progress = true\n")
    write(project / "app.py", "x = 1\n")
    assert run(capsys, "app.py")[0] == 0


def test_config_file_and_isolated(capsys, project):
    write(project / "pyproject.toml", "[tool.migrate-inference]\ncheck = true\n")
    write(project / "ci/migrate-inference.toml", 'format = "json"\ncheck = true\n')
    write(project / "app.py", OPENAI)
    code, out, _ = run(capsys, "--config", "ci/migrate-inference.toml", "app.py")
    assert json.loads(out)["mode"] == "check"
    code, out, err = run(capsys, "--isolated", "app.py")
    assert "migrated" in err  # the pyproject's check = true was not read
    code, _, err = run(capsys, "--isolated", "--config", "x.toml", "app.py")
    assert code == 2 and "cannot be used together" in err
    code, _, err = run(capsys, "--config", "missing.toml", "app.py")
    assert code == 2 and "no such configuration file" in err


def test_per_file_ignores(capsys, project):
    # ruff's semantics: the codes listed for a glob are ignored in the files it matches,
    # and only there.  Checked on the outcome (files run in worker processes).
    write(
        project / "pyproject.toml",
        "[tool.migrate-inference]\n"
        '[tool.migrate-inference.per-file-ignores]\n"tests/**" = ["MI1", "MI2", "MI9"]\n',
    )
    test_file = write(project / "tests/t.py", OPENAI)
    src_file = write(project / "src/a.py", OPENAI)
    code, doc, err = report(capsys, "-j", "1", ".", engine=None)
    assert test_file.read_text() == OPENAI  # every MI1xx ignored there: left as it was
    assert "ChatCompletionsClient" in src_file.read_text()  # migrated elsewhere
    codes = {(f["path"], f["code"][:3]) for f in doc["findings"]}
    assert ("src/a.py", "MI1") in codes and ("tests/t.py", "MI1") not in codes
    status = {f["path"]: f["status"] for f in doc["files"]}
    assert status == {
        "src/a.py": "changed",
        "tests/t.py": "unchanged",
        "pyproject.toml": "unchanged",
    }
    write(
        project / "pyproject.toml",
        '[tool.migrate-inference.per-file-ignores]\n"tests/**" = ["XX1"]\n',
    )
    code, _, err = run(capsys, ".")
    assert code == 2 and "unknown rule code" in err


# ------------------------------------------------------------ suppression (real engine)

MULTILINE = """import openai


def a(q):
    return openai.ChatCompletion.create(  # migrate-inference: ignore
        model="gpt-4",
        messages=[{"role": "user", "content": q}],
    )


def b(q):
    return openai.ChatCompletion.create(  # migrate-inference: ignore[MI120]
        model="gpt-4",
        messages=[{"role": "user", "content": q}],
    )


def c(q):
    return openai.ChatCompletion.create(
        model="gpt-4",  # migrate-inference: ignore[MI999]
        messages=[{"role": "user", "content": q}],
    )
"""


def test_suppression_on_the_first_line_of_a_multiline_call(capsys, project):
    path = write(project / "s.py", MULTILINE)
    code, doc, err = report(capsys, "s.py", engine=None)
    new = path.read_text()
    a_body = new.split("def a(q):")[1].split("def b")[0]
    assert "openai.ChatCompletion.create(  # migrate-inference: ignore\n" in a_body
    b_body = new.split("def b(q):")[1].split("def c")[0]
    assert ".complete(" in b_body and '{"role": "user", "content": q}' in b_body
    assert (
        "# migrate-inference: ignore[MI120]" in b_body
    )  # kept, though the call changed
    c_body = new.split("def c(q):")[1]
    assert "# migrate-inference: ignore[MI999]" in c_body
    compile(new, "s.py", "exec")
    warnings = [f for f in doc["findings"] if f["code"] == "MI005"]
    assert len(warnings) == 1 and warnings[0]["kind"] == "warning"
    assert warnings[0]["line"] == 20 and "MI999" in warnings[0]["message"]
    assert not [f for f in doc["findings"] if f["line"] == 5]


def test_unknown_code_warning_in_text_output(capsys, project):
    write(project / "s.py", MULTILINE)
    code, out, _ = run(capsys, "--check", "s.py", engine=None)
    assert "s.py:20:25: MI005 unknown rule code 'MI999'" in out


def test_file_level_suppression(capsys, project):
    whole = write(project / "whole.py", "# migrate-inference: ignore-file\n" + OPENAI)
    part = write(
        project / "part.py",
        OPENAI.replace("messages=[]", 'messages=[{"role": "user", "content": "x"}]')
        + "# migrate-inference: ignore-file[MI120]\n",
    )
    code, doc, _ = report(capsys, "whole.py", "part.py", engine=None)
    assert whole.read_text() == "# migrate-inference: ignore-file\n" + OPENAI
    assert ".complete(" in part.read_text() and '"role": "user"' in part.read_text()
    statuses = {f["path"]: f["status"] for f in doc["files"]}
    assert statuses == {"whole.py": "unchanged", "part.py": "changed"}


# ------------------------------------------------------------ positions


def test_syntax_error_line_and_column_are_pythons(capsys, project):
    write(project / "bad.py", "import openai\nx = 1\ny = (\nz = 2\n")
    code, doc, err = report(capsys, "bad.py", engine=None)
    assert code == 2
    (finding,) = doc["findings"]
    assert finding["code"] == "MI001" and (finding["line"], finding["column"]) == (3, 5)
    assert "syntax error at line 3" in err
    code, out, _ = run(capsys, "--format", "sarif", "bad.py", engine=None)
    region = json.loads(out)["runs"][0]["results"][0]["locations"][0][
        "physicalLocation"
    ]["region"]
    assert region == {"startLine": 3, "startColumn": 5}


# ------------------------------------------------------------ stdin


def test_stdin_write_mode_prints_the_migrated_code(capsys, project, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _stdin(OPENAI))
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", _Stdout(out))
    code = cli.main(
        ["-", "--stdin-filename", "app.py"], engine=fake_engines.rename_engine
    )
    assert code == 0
    assert out.getvalue().decode() == OPENAI.replace("openai", "azure_ai")


def test_stdin_excluded_name_passes_through(capsys, project, monkeypatch):
    write(
        project / "pyproject.toml", '[tool.migrate-inference]\nexclude = ["legacy/"]\n'
    )
    monkeypatch.setattr(sys, "stdin", _stdin(OPENAI))
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", _Stdout(out))
    code = cli.main(
        ["--force-exclude", "-", "--stdin-filename", "legacy/x.py"],
        engine=fake_engines.rename_engine,
    )
    assert code == 0 and out.getvalue().decode() == OPENAI


def test_stdin_diff_and_check(capsys, project, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _stdin(OPENAI))
    code, out, _ = run(capsys, "--diff", "-", "--stdin-filename", "app.py")
    assert code == 1 and out.startswith("# migrate-inference: app.py: 2 rewrites")
    assert "\n--- app.py\n+++ app.py\n" in out
    monkeypatch.setattr(sys, "stdin", _stdin(OPENAI))
    code, out, _ = run(capsys, "--check", "--format", "json", "-")
    assert code == 1 and json.loads(out)["files"][0]["status"] == "changed"
    code, _, err = run(capsys, "--stdin-filename", "x.py", "app.py")
    assert code == 2 and "needs '-'" in err


class _Stdout(io.TextIOWrapper):
    def __init__(self, raw):
        super().__init__(raw, encoding="utf-8")


def _stdin(text):
    return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8")


# ------------------------------------------------------------ reports


def test_exit_zero(capsys, project):
    write(project / "app.py", OPENAI)
    write(project / "bad.py", "openai SYNTAX_ERROR\n")
    assert run(capsys, "--check", "app.py", "bad.py")[0] == 2
    assert run(capsys, "--check", "--exit-zero", "app.py", "bad.py")[0] == 0
    assert run(capsys, "--check", "--exit-zero", "--no-exit-zero", "app.py")[0] == 1


def test_statistics(capsys, project):
    write(project / "a.py", "import openai\nopenai.x  # TODO_HERE\n")
    write(project / "b.py", "import openai\n")
    code, out, _ = run(capsys, "--check", "--statistics", "a.py", "b.py")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["3", "MI100", "rewrite"]
    assert lines[1].split()[:3] == ["1", "MI900", "todo"]
    code, out, _ = run(capsys, "--check", "--statistics", "--format", "json", "a.py")
    assert json.loads(out)[0] == {
        "code": "MI100",
        "kind": "rewrite",
        "count": 2,
        "summary": "openai.ChatCompletion.create/acreate to ChatCompletionsClient.complete",
    }
    assert run(capsys, "--statistics", "--format", "sarif", "a.py")[0] == 2


def test_json_report_is_versioned_and_output_file(capsys, project):
    write(project / "app.py", OPENAI)
    code, out, _ = run(capsys, "--check", "--format", "json", "-o", "r.json", "app.py")
    assert out == ""
    doc = json.loads((project / "r.json").read_text())
    assert doc["version"] == 1 and list(doc)[:3] == ["version", "tool", "mode"]
    assert doc["files"][0]["index"] == 0


def test_warning_when_no_file_is_found(capsys, project):
    (project / "empty").mkdir()
    code, _, err = run(capsys, "empty")
    assert code == 0 and "warning: no Python file" in err


def test_explain_prints_the_full_rule_text_from_the_package(capsys):
    code, out, _ = run(capsys, "--explain", "mi130")
    assert code == 0
    assert out.startswith("MI130 (responses):")
    assert "When it leaves a TODO:" in out and "docs/" not in out
    assert len(out.splitlines()) > 5
    code, out, _ = run(capsys, "--explain", "MI800")
    assert "azure-ai-inference>=1.0.0b9" in out


def test_sarif_reports_pending_files_and_rule_help(capsys, project):
    write(project / "app.py", OPENAI)
    code, out, _ = run(capsys, "--check", "--format", "sarif", "app.py")
    run_ = json.loads(out)["runs"][0]
    notes = [r for r in run_["results"] if r["level"] == "note"]
    assert notes and notes[0]["ruleId"] == "MI100"
    assert notes[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    rule = next(r for r in run_["tool"]["driver"]["rules"] if r["id"] == "MI130")
    assert "When it leaves a TODO" in rule["help"]["text"]
    code, out, _ = run(
        capsys, "--format", "sarif", "app.py"
    )  # written: nothing pending
    assert json.loads(out)["runs"][0]["results"] == []


def test_warning_for_dependency_files_rewritten_from_a_partial_view(capsys, project):
    write(project / "requirements.txt", "openai>=1\n")
    write(project / "a.py", "import openai\n")
    write(project / "other.py", "import openai\n")
    code, _, err = run(
        capsys, "--check", "a.py", "requirements.txt", engine=fake_engines.azure_engine
    )
    assert "requirements.txt would be rewritten from a partial view" in err
    assert "other.py" in err
    code, _, err = run(capsys, "--check", ".", engine=fake_engines.azure_engine)
    assert "partial view" not in err


# ------------------------------------------------------------ sharding


def test_files_from_reads_git_ls_files_output(capsys, project):
    write(project / "a b.py", OPENAI)
    write(project / "c.py", OPENAI)
    write(project / "list.txt", "a b.py\n\nc.py\n")
    _, doc, _ = report(capsys, "--check", "--files-from", "list.txt")
    assert sorted(py_paths(doc)) == ["a b.py", "c.py"]


def test_shard_option_is_checked(capsys):
    for bad in ("0/4", "5/4", "x", "1/0"):
        code, _, err = run(capsys, "--shard", bad, ".")
        assert code == 2 and "--shard" in err


def _tree(root: Path) -> None:
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for rule in ("v0_chat", "v1_clients", "responses", "errors", "embeddings"):
        for before in sorted((FIXTURES / rule).glob("*.before.py"))[:5]:
            shutil.copy(before, root / f"{rule}__{before.name}")
    write(root / "pkg/requirements.txt", "openai>=1\n")
    write(root / "pkg/broken.py", "import openai\ndef f(:\n")
    write(root / "pkg/clean.py", "x = 1\n")


def _snapshot(root: Path) -> dict:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.run(
        [sys.executable, "-m", "migrate_inference", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_four_shards_equal_one_full_run(tmp_path, fmt):
    """The docs/ci.md matrix, run locally: 4 shards, in the same checkout path, then merged."""
    original = tmp_path / "original"
    original.mkdir()
    _tree(original)
    work = tmp_path / "work"

    def fresh() -> None:
        if work.exists():
            shutil.rmtree(work)
        shutil.copytree(original, work)

    fresh()
    listing = subprocess.run(
        ["git", "ls-files", "--others"], cwd=work, capture_output=True, text=True
    ).stdout
    (tmp_path / "files.txt").write_text(listing)
    full = _cli(work, "--check", "--format", fmt, "-q", ".")
    assert full.returncode == 2, full.stderr  # pkg/broken.py
    assert _cli(work, "-q", ".").returncode == 2
    full_tree = _snapshot(work)

    combined = _snapshot(original)
    seen: set = set()
    reports = []
    for k in range(1, 5):
        fresh()
        out = tmp_path / f"shard{k}.{fmt}"
        shard = _cli(
            work,
            "--check",
            "--format",
            fmt,
            "-q",
            "--shard",
            f"{k}/4",
            "-o",
            str(out),
            ".",
        )
        assert shard.returncode in (0, 1, 2), shard.stderr
        reports.append(str(out))
        before = _snapshot(work)
        _cli(work, "-q", "--shard", f"{k}/4", ".")
        after = _snapshot(work)
        changed = {name: data for name, data in after.items() if before[name] != data}
        assert not set(changed) & seen, "two shards rewrote the same file"
        seen |= set(changed)
        combined.update(changed)
    assert combined == full_tree  # byte-identical rewrites
    merged = _cli(tmp_path, "merge-reports", *reports)
    assert merged.returncode == 2, merged.stderr
    assert merged.stdout == full.stdout  # one report, byte for byte the full run's

    # --files-from with git ls-files output shards the same way
    fresh()
    parts = []
    for k in range(1, 5):
        out = tmp_path / f"list{k}.{fmt}"
        _cli(
            work,
            "--check",
            "--format",
            fmt,
            "-q",
            "--shard",
            f"{k}/4",
            "--files-from",
            str(tmp_path / "files.txt"),
            "-o",
            str(out),
        )
        parts.append(str(out))
    unsharded = _cli(
        work,
        "--check",
        "--format",
        fmt,
        "-q",
        "--files-from",
        str(tmp_path / "files.txt"),
    )
    assert _cli(tmp_path, "merge-reports", *parts).stdout == unsharded.stdout


def test_merge_reports_refuses_mixed_inputs(capsys, project):
    write(project / "app.py", OPENAI)
    run(capsys, "--check", "--format", "json", "-o", "a.json", "app.py")
    run(capsys, "--check", "--format", "sarif", "-o", "a.sarif", "app.py")
    code, _, err = run(capsys, "merge-reports", "a.json", "a.sarif")
    assert code == 2 and "cannot merge" in err
    run(capsys, "--format", "json", "-o", "b.json", "app.py")
    code, _, err = run(capsys, "merge-reports", "a.json", "b.json")
    assert code == 2 and "different modes" in err


# ------------------------------------------------------------ select/ignore act on components

HALVES = """import openai

openai.api_key = "k"


def ask(q):
    r = openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": q}], n=2)
    return r["choices"][0]["message"]["content"]
"""


@pytest.mark.parametrize("code", ["MI110", "MI130", "MI340", "MI350", "MI320", "MI3"])
def test_ignoring_a_part_of_migrated_calls_is_refused(capsys, project, code):
    path = write(project / "a.py", HALVES)
    status, _, err = run(capsys, "--ignore", code, "a.py", engine=None)
    assert status == 2 and "cannot be turned off while calls are migrated" in err
    assert path.read_text() == HALVES


def test_ignoring_the_calls_too_is_accepted_and_changes_nothing(capsys, project):
    path = write(project / "a.py", HALVES)
    status, _, err = run(
        capsys, "--ignore", "MI100,MI200,MI210,MI230,MI130,MI9", "a.py", engine=None
    )
    assert status == 0, err
    assert path.read_text() == HALVES


def test_per_file_ignore_of_a_part_is_refused(capsys, project):
    write(
        project / "pyproject.toml",
        '[tool.migrate-inference.per-file-ignores]\n"tests/**" = ["MI130"]\n',
    )
    write(project / "a.py", HALVES)
    status, _, err = run(capsys, "a.py", engine=None)
    assert status == 2 and "'tests/**'" in err and "MI130 cannot be turned off" in err


def test_select_of_a_call_code_brings_its_parts(capsys, project):
    path = write(project / "a.py", HALVES)
    status, _, err = run(capsys, "--select", "MI100", "a.py", engine=None)
    new = path.read_text()
    assert status == 0, err
    assert 'model_extras={"n": 2}' in new and "UserMessage(" in new  # MI110, MI120 came along
    assert 'r.choices[0].message.content' in new  # MI130 came along


V1_PAIR = """from openai import OpenAI

client = OpenAI()


def ask(q):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])


def embed(t):
    return client.embeddings.create(model="text-embedding-3-small", input=[t])
"""


@pytest.mark.parametrize("code", ["MI210", "MI200"])
def test_ignoring_a_call_code_keeps_its_whole_component(capsys, project, code):
    path = write(project / "a.py", V1_PAIR)
    # MI9: the calls kept on OpenAI are not also noted as left over (MI910)
    status, _, err = run(capsys, "--ignore", f"{code},MI9", "a.py", engine=None)
    # the embeddings call shares the client with the chat calls kept on OpenAI: kept too
    new = path.read_text()
    if code == "MI200":  # the client rule is off: nothing of it is written
        assert new == V1_PAIR
    else:  # the client stays, and says why, once
        todo = new.splitlines()[2]
        assert "kept on OpenAI by a `migrate-inference: ignore` comment or by --ignore" in todo
        assert new.replace(todo + "\n", "", 1) == V1_PAIR


def test_file_level_ignore_of_a_part_leaves_the_file_with_a_warning(capsys, project):
    text = "# migrate-inference: ignore-file[MI130]\n" + HALVES
    path = write(project / "a.py", text)
    status, doc, _ = report(capsys, "a.py", engine=None)
    assert path.read_text() == text
    assert [f["code"] for f in doc["findings"]] == ["MI008"]
