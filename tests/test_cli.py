import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

import fake_engines
import migrate_inference
from migrate_inference import cli, cli_run
from migrate_inference.config import Config
from migrate_inference.rules import ERROR_CODES, RULES

SRC = Path(migrate_inference.__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
REPO = SRC.parent


@pytest.fixture(autouse=True)
def project(tmp_path, monkeypatch):
    """Each test runs in a fresh repository of its own, away from this project's pyproject.toml."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def run(capsys, *args, engine=fake_engines.rename_engine):
    code = cli.main(list(args), engine=engine)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def subprocess_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(TESTS)])
    env.pop("NO_COLOR", None)
    return env


# ------------------------------------------------------------------ help and rules


def test_help_documents_exit_codes(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "Usage: migrate-inference [OPTIONS] PATH..." in out
    assert re.search(r"0\s+nothing left to do", out)
    assert re.search(r"1\s+changes are pending", out)
    assert re.search(r"2\s+some file could not be processed", out)


def test_help_does_not_import_heavy_modules():
    probe = (
        "import sys\n"
        "from migrate_inference.cli import main\n"
        "assert main(['--help']) == 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] == 'libcst'"
        " or m in ('migrate_inference.engine', 'migrate_inference.runner', 'concurrent.futures.process'))\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe],
        capture_output=True,
        text=True,
        env=subprocess_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout
    assert "libcst" not in result.stderr  # -X importtime lists every module imported


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert (code, out) == (0, f"migrate-inference {migrate_inference.__version__}\n")


def test_list_rules(capsys):
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    for rule in RULES:
        assert re.search(rf"^{rule.code}\s+{rule.name}\s+", out, re.M)
    for error_code in ERROR_CODES:
        assert re.search(rf"^{error_code}\s+\(error\)", out, re.M)


def test_explain(capsys):
    rule = RULES[0]
    code, out, _ = run(capsys, "--explain", rule.code.lower())
    assert code == 0 and out.startswith(f"{rule.code} ({rule.name}): {rule.summary}")
    code, out, _ = run(capsys, "--explain", "MI001")
    assert code == 0 and ERROR_CODES["MI001"] in out
    code, _, err = run(capsys, "--explain", "MI999")
    assert code == 2 and "unknown rule code 'MI999'" in err


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "Missing argument 'PATH...'"),
        (("--bogus", "."), "--bogus"),
        (("--endpoint-style", "cloud", "."), "Invalid value for '--endpoint-style'"),
        (("--format", "xml", "."), "Invalid value for '--format'"),
        (("-j", "0", "."), "Invalid value for '-j' / '--jobs'"),
        (("-q", "-v", "."), "--quiet and --verbose cannot be used together"),
        (("--select", "MI100,XX1", "."), "--select: unknown rule code 'XX1'"),
        (("--ignore", "nope", "."), "--ignore: unknown rule code 'NOPE'"),
    ],
)
def test_usage_errors_exit_2(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2
    assert message in err


def test_usable_cores():
    expected = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    assert cli_run.usable_cores() == expected


# ------------------------------------------------------------------ modes


def test_write_mode_migrates_in_place(capsys, project):
    a = write(project / "pkg" / "a.py", "import openai\n")
    b = write(project / "pkg" / "b.py", "import os\n")
    code, out, err = run(capsys, ".")
    assert code == 0
    assert a.read_text() == "import azure_ai\n" and b.read_text() == "import os\n"
    assert out == ""
    assert err == (
        f"{os.path.join('pkg', 'a.py')}: migrated\n"
        "2 files scanned: 1 file changed, 1 unchanged, 0 failed; 1 call site migrated (1 rewrite in all); 0 TODOs left.\n"
    )


def test_todo_left_exits_1_in_write_mode(capsys, project):
    write(project / "a.py", "import openai\nimages()  # TODO_HERE\n")
    code, out, err = run(capsys, "a.py")
    assert code == 1
    assert out == "a.py:2:13: MI900 needs a person\n"
    assert "1 TODO left." in err


def test_check_lists_pending_files_and_touches_nothing(capsys, project):
    a = write(project / "a.py", "import openai\n")
    os.utime(a, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000))
    code, out, err = run(capsys, "--check", ".")
    assert code == 1
    assert a.read_bytes() == b"import openai\n"
    assert os.stat(a).st_mtime_ns == 1_500_000_000_000_000_000
    assert "a.py: would change\n" in err
    assert "1 file would change" in err and "1 call site to migrate" in err
    write(project / "a.py", "import os\n")
    assert run(capsys, "--check", ".")[0] == 0


def test_diff_prints_a_patch_and_touches_nothing(capsys, project):
    a = write(project / "a.py", "import openai\r\nx = 1\r\n")
    os.utime(a, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000))
    code, out, err = run(capsys, "--diff", "a.py")
    assert code == 1
    assert (
        out
        == "# migrate-inference: a.py: 1 rewrite (MI100 v0_chat x1)\n"
        "--- a.py\n+++ a.py\n@@ -1,2 +1,2 @@ MI100\n-import openai\r\n+import azure_ai\r\n x = 1\r\n"
    )
    assert a.read_bytes() == b"import openai\r\nx = 1\r\n"
    assert os.stat(a).st_mtime_ns == 1_500_000_000_000_000_000
    code, out, _ = run(capsys, "--diff", "--color", "a.py")
    assert (
        "\x1b[31m-import openai\x1b[0m\r\n" in out and "\x1b[32m+import azure_ai" in out
    )
    code, out, _ = run(capsys, "--diff", "--no-color", "a.py")
    assert "\x1b[" not in out


def test_diff_colour_is_automatic_on_a_terminal_unless_no_color(
    capsys, project, monkeypatch
):
    write(project / "a.py", "import openai\n")

    class TtyOut(io.StringIO):
        def isatty(self):
            return True

    for no_color, coloured in (("", True), ("1", False)):
        monkeypatch.setenv("NO_COLOR", no_color)
        fake_out = TtyOut()
        monkeypatch.setattr(sys, "stdout", fake_out)
        assert cli.main(["--diff", "a.py"], engine=fake_engines.rename_engine) == 1
        assert ("\x1b[31m" in fake_out.getvalue()) is coloured


def test_quiet_and_verbose(capsys, project):
    write(project / "a.py", "import openai\n")
    write(project / "b.py", "import os\n")
    code, out, err = run(capsys, "--check", "-q", ".")
    assert (code, out, err) == (1, "", "")
    code, out, err = run(capsys, "--check", "-v", ".")
    assert "a.py:1:1: MI100 migrated: renamed\n" in out
    assert "b.py: unchanged: no OpenAI reference\n" in err


def test_keyboard_interrupt_stops_cleanly(capsys, project):
    write(project / "a.py", "import openai\n")

    def interrupted(source, config, filename):
        raise KeyboardInterrupt

    code, _, err = run(capsys, "-j1", "a.py", engine=interrupted)
    assert code == 130
    assert err.startswith("Interrupted. 0 files scanned")


# ------------------------------------------------------------------ bad input


def bad_tree(root: Path):
    """Good files and one of each kind of bad input; returns {path: reason}."""
    write(root / "good1.py", "import openai\n")
    write(root / "empty.py", b"")
    write(root / "nul.py", b"import openai\x00\n")
    write(root / "undecodable.py", b"import openai\nx = '\xff'\n")
    write(root / "binary.py", bytes(range(256)) + b"OpenAI")
    write(root / "syntax.py", "import openai SYNTAX_ERROR\n")
    write(root / "big.py", b"import openai\n" + b"#" * (10 * 1024 * 1024) + b"\n")
    os.symlink(root / "nowhere.py", root / "broken.py")
    os.symlink(root / "loop.py", root / "loop.py")
    write(
        root / "x.py" / "inner.py", "import openai\n"
    )  # a directory named x.py is walked
    write(root / "zgood2.py", "from openai import OpenAI\n")
    return {
        "binary.py": "contains NUL bytes (a binary file?)",
        "big.py": "file is larger than 2 MB (10485775 bytes); skipped",
        "broken.py": "broken symbolic link (its target does not exist)",
        "loop.py": "symbolic link loop (too many levels of symbolic links)",
        "nul.py": "contains NUL bytes (a binary file?)",
        "syntax.py": "syntax error at line 1: invalid syntax",
        "undecodable.py": "cannot decode as utf-8: byte 0xff at line 2 (invalid start byte)",
    }


def error_lines(err):
    return [line for line in err.splitlines() if ": error: " in line]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_bad_input_is_one_line_and_the_rest_is_processed(capsys, project, jobs):
    expected = bad_tree(project)
    code, out, err = run(capsys, "-j", jobs, ".", "missing.py")
    expected["missing.py"] = "no such file or directory"
    assert code == 2
    assert sorted(error_lines(err)) == sorted(
        f"{path}: error: {reason}" for path, reason in expected.items()
    )
    assert (project / "good1.py").read_text() == "import azure_ai\n"
    assert (project / "zgood2.py").read_text() == "from azure_ai import AzureAI\n"
    assert (project / "x.py" / "inner.py").read_text() == "import azure_ai\n"
    assert (project / "empty.py").read_bytes() == b""
    assert (project / "nul.py").read_bytes() == b"import openai\x00\n"
    assert "3 files changed" in err and f"{len(expected)} failed" in err


def test_unreadable_file_is_one_line_and_the_rest_is_processed(
    capsys, project, monkeypatch
):
    import builtins

    write(project / "a.py", "import openai\n")
    secret = write(project / "secret.py", "import openai\n")
    real_open = builtins.open

    def guarded_open(file, *args, **kwargs):
        if os.path.abspath(str(file)) == str(secret):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    code, _, err = run(capsys, "-j1", ".")
    assert code == 2
    assert error_lines(err) == ["secret.py: error: permission denied"]
    assert (project / "a.py").read_text() == "import azure_ai\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_chmod_000_file(
    capsys, project
):  # pragma: no cover - the test machine runs as root
    write(project / "a.py", "import openai\n")
    write(project / "secret.py", "import openai\n").chmod(0)
    code, _, err = run(capsys, ".")
    assert code == 2 and error_lines(err) == ["secret.py: error: permission denied"]


def test_bad_input_in_json_keeps_stdout_a_document(capsys, project):
    bad_tree(project)
    code, out, err = run(capsys, "--format", "json", "--check", ".")
    document = json.loads(out)
    assert code == 2
    failed = {f["path"] for f in document["files"] if f["status"] == "failed"}
    assert "nul.py" in failed and "big.py" in failed
    assert "nul.py: error: contains NUL bytes (a binary file?)" in err
    assert document["summary"]["exit_code"] == 2


# ------------------------------------------------------------------ formats


def test_sarif_and_github_from_the_command_line(capsys, project):
    write(project / "a.py", "import openai  # TODO_HERE\n")
    write(project / "nul.py", b"openai\x00")
    code, out, _ = run(capsys, "--format", "sarif", ".")
    assert code == 2
    results = json.loads(out)["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("MI900", "warning"),
        ("MI002", "error"),
    ]
    write(project / "a.py", "import openai  # TODO_HERE\n")
    code, out, _ = run(capsys, "--format", "github", "--check", ".")
    assert out.splitlines() == [
        "::notice file=a.py,title=migrate-inference::this file would be migrated",
        "::warning file=a.py,line=1,col=18,title=MI900::needs a person",
        "::error file=nul.py,title=MI002::contains NUL bytes (a binary file?)",
    ]


class TtyErr(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize(
    "args, shown",
    [
        ((), True),
        (("--no-progress",), False),
        (("--format", "json"), False),
        (("-q",), False),
    ],
)
def test_progress_only_on_a_terminal_for_long_text_runs(
    project, monkeypatch, args, shown
):
    for index in range(60):
        write(project / f"f{index:02d}.py", "import os\n")
    fake_err = TtyErr()
    monkeypatch.setattr(sys, "stderr", fake_err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    cli.main(["--check", *args, "."], engine=fake_engines.rename_engine)
    assert ("migrate-inference: 50 files" in fake_err.getvalue()) is shown


def test_no_progress_when_stderr_is_not_a_terminal(capsys, project):
    for index in range(60):
        write(project / f"f{index:02d}.py", "import os\n")
    _, _, err = run(capsys, "--check", ".")
    assert "\r" not in err


# ------------------------------------------------------------------ pyproject.toml


def test_pyproject_options_kebab_and_snake_case(capsys, project):
    write(
        project / "pyproject.toml",
        (
            "[tool.migrate-inference]\n"
            'endpoint-style = "models"\n'
            'key_env = "MY_KEY"\n'
            'select = ["MI1"]\n'
            'ignore = "MI120"\n'
            'credential = "entra"\n'
        ),
    )
    write(project / "a.py", "import openai\n")
    code, out, _ = run(
        capsys,
        "-j1",
        "--format",
        "json",
        "--credential",
        "key",
        "a.py",
        engine=fake_engines.config_engine,
    )
    assert code == 1  # the engine's report is a TODO finding
    seen = [f["message"] for f in json.loads(out)["findings"]]
    assert seen == [
        repr(
            Config(
                endpoint_style="models",
                credential="key",
                key_env="MY_KEY",
                select=frozenset({"MI1"}),
                ignore=frozenset({"MI120"}),
            ).normalized()  # a call code selected brings the parts of its calls
        )
    ]


def test_pyproject_sets_format_mode_and_globs_and_the_command_line_wins(
    capsys, project
):
    write(
        project / "pyproject.toml",
        '[tool.migrate-inference]\nformat = "json"\ncheck = true\nexclude = ["gen/"]\n',
    )
    a = write(project / "a.py", "import openai\n")
    write(project / "gen" / "b.py", "import openai\n")
    code, out, _ = run(capsys, ".")
    document = json.loads(out)
    assert code == 1 and [
        f["path"] for f in document["files"] if f["kind"] == "python"
    ] == ["a.py"]
    assert a.read_text() == "import openai\n"
    code, out, _ = run(capsys, "--format", "text", ".")
    assert code == 1 and not out.startswith("{")


def test_pyproject_flags_colour_and_jobs(capsys, project):
    write(
        project / "pyproject.toml",
        "[tool.migrate-inference]\ndiff = true\ncolor = true\njobs = 1\nno-progress = true\n",
    )
    write(project / "a.py", "import openai\n")
    code, out, _ = run(capsys, "a.py")
    assert code == 1 and "\x1b[31m-import openai" in out
    code, out, _ = run(capsys, "--no-color", "a.py")
    assert code == 1 and "\x1b[" not in out


def test_pyproject_is_found_upward_from_the_working_directory(
    capsys, project, monkeypatch
):
    write(project / "pyproject.toml", "[tool.migrate_inference]\ncheck = true\n")
    a = write(project / "src" / "a.py", "import openai\n")
    monkeypatch.chdir(project / "src")
    assert run(capsys, "a.py")[0] == 1
    assert a.read_text() == "import openai\n"


def test_pyproject_without_the_table_changes_nothing(capsys, project):
    write(project / "pyproject.toml", "[project]\nname = 'x'\n")
    write(project / "a.py", "import openai\n")
    assert run(capsys, "a.py")[0] == 0


@pytest.mark.parametrize(
    "table, message",
    [
        ("colour = true", "unknown option 'colour' in [tool.migrate-inference]"),
        ("list-rules = true", "unknown option 'list_rules'"),
        ('endpoint-style = "cloud"', "invalid value for 'endpoint_style'"),
        ('jobs = "many"', "invalid value for 'jobs'"),
        ("exclude = 3", "exclude must be a list of strings"),
        ('select = "ZZ9"', "unknown rule code 'ZZ9'"),
        ("this is not toml", "invalid TOML"),
    ],
)
def test_bad_pyproject_settings_exit_2(capsys, project, table, message):
    write(project / "pyproject.toml", "[tool.migrate-inference]\n" + table + "\n")
    write(project / "a.py", "import openai\n")
    code, _, err = run(capsys, "a.py")
    assert code == 2
    assert message in err
    assert (project / "a.py").read_text() == "import openai\n"


# ------------------------------------------------------------------ the real engine


def test_real_engine_on_openai_code(capsys, project):
    a = write(
        project / "app.py",
        (
            "import openai\n"
            "\n"
            "response = openai.ChatCompletion.create(\n"
            '    model="gpt-4o",\n'
            '    messages=[{"role": "user", "content": "hi"}],\n'
            ")\n"
            'print(response["choices"][0]["message"]["content"])\n'
        ),
    )
    b = write(
        project / "look_alike.py",
        "from langchain.adapters import openai as lc_openai\nx = 1\n",
    )
    before_b = b.read_bytes()
    code, _, err = run(capsys, "-j1", ".", engine=None)
    assert code in (0, 1), err
    assert "azure.ai.inference" in a.read_text()
    assert b.read_bytes() == before_b
    assert error_lines(err) == []


def test_real_engine_on_a_syntax_error(capsys, project):
    write(project / "broken.py", "import openai\ndef f(:\n    pass\n")
    write(project / "fine.py", "import os\n")
    code, _, err = run(capsys, "-j1", ".", engine=None)
    assert code == 2
    lines = error_lines(err)
    assert len(lines) == 1 and lines[0].startswith("broken.py: error: ")


def test_real_notebook_handler_is_dispatched(capsys, project):
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": [
                    "import openai\n",
                    "r = openai.ChatCompletion.create(model='m', messages=[])\n",
                ],
            }
        ],
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    write(project / "nb.ipynb", json.dumps(notebook, indent=1) + "\n")
    code, out, err = run(capsys, "--format", "json", "--check", ".", engine=None)
    files = json.loads(out)["files"]
    assert files[0]["path"] == "nb.ipynb" and files[0]["kind"] == "notebook"
    assert files[0]["status"] != "failed", err


# ------------------------------------------------------------------ docs


def test_every_option_is_documented_in_usage_md():
    usage = (REPO / "docs" / "usage.md").read_text()
    for param in cli.command.params:
        if isinstance(param, click.Option):
            for name in param.opts + param.secondary_opts:
                assert (
                    f"`{name}" in usage or f"{name}`" in usage or f"`{name} " in usage
                ), name
    for error_code in ("0", "1", "2"):
        assert re.search(rf"^\| *`?{error_code}`? *\|", usage, re.M), error_code


def test_a_closed_stdout_pipe_ends_the_run_quietly(project):
    for index in range(40):
        write(project / f"f{index:02d}.py", "import openai\n" * 200)
    driver = (
        "import sys, fake_engines\n"
        "from migrate_inference.cli import main\n"
        "sys.exit(main(sys.argv[1:], engine=fake_engines.rename_engine))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", driver, "--diff", "."],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=subprocess_env(),
    )
    process.stdout.read(100)
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait() == 1
    assert "Traceback" not in err and "Exception ignored" not in err


# ------------------------------------------------------------------ killed runs


def test_killed_runs_leave_every_file_original_or_fully_migrated(tmp_path):
    """SIGKILL the whole run at random moments: no file may ever be half written."""
    tree = tmp_path / "tree"
    tree.mkdir()
    count = 2000
    original = {
        f"f{i:04d}.py": f"import openai\nclient = openai.OpenAI()  # {i}\n".encode()
        for i in range(count)
    }
    migrated = {
        name: data.replace(b"openai", b"azure_ai").replace(b"OpenAI", b"AzureAI")
        for name, data in original.items()
    }

    def reset():
        for name, data in original.items():
            path = tree / name
            try:
                if path.read_bytes() == data:
                    continue
            except FileNotFoundError:
                pass
            path.write_bytes(data)

    def check():
        done = 0
        for name in original:
            data = (tree / name).read_bytes()
            assert data in (
                original[name],
                migrated[name],
            ), f"{name} is neither original nor migrated: {data!r}"
            done += data == migrated[name]
        return done

    command = [
        sys.executable,
        "-c",
        "import sys, fake_engines\n"
        "from migrate_inference.cli import main\n"
        "sys.exit(main(sys.argv[1:], engine=fake_engines.rename_engine))\n",
        "-q",
        "--no-progress",
        "-j",
        "2",
        str(tree),
    ]
    env = subprocess_env()
    reset()
    started = time.monotonic()
    subprocess.run(command, env=env, check=False, capture_output=True)
    full_run = time.monotonic() - started
    assert check() == count

    rng = random.Random(20240601)
    partial = 0
    for _ in range(20):
        reset()
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            process.wait(timeout=rng.uniform(0.0, 0.9 * full_run))
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:  # the run ended before the kill
            pass
        process.wait()
        done = check()
        partial += 0 < done < count
    assert partial >= 3, "the kills should land in the middle of runs"
    leftovers = [name for name in os.listdir(tree) if name not in original]
    assert all(name.endswith(".migrate-inference.tmp") for name in leftovers), leftovers
