import builtins
import os
import stat
from pathlib import Path

import pytest

import fake_engines
from migrate_inference import runner, source_io
from migrate_inference.config import Config
from migrate_inference.discover import (
    NOTEBOOK,
    PYTHON,
    REQUIREMENTS,
    Candidate,
    DiscoveryError,
)
from migrate_inference.run_pool import iter_outcomes
from migrate_inference.runner import (
    CHANGED,
    FAILED,
    UNCHANGED,
    RunSettings,
    process,
)
from migrate_inference.source_io import decode_source, unified_diff

WRITE = RunSettings(engine=fake_engines.rename_engine)
CHECK = RunSettings(engine=fake_engines.rename_engine, write=False)
DIFF = RunSettings(engine=fake_engines.rename_engine, write=False, want_diff=True)


def run_one(path: Path, settings=WRITE, kind=PYTHON):
    return process(Candidate(str(path), kind), settings)


# ------------------------------------------------------------ round trips


@pytest.mark.parametrize(
    "before, after",
    [
        (b"import openai\r\nx = 1\r\n", b"import azure_ai\r\nx = 1\r\n"),
        (b"import openai\rx = 1\r", b"import azure_ai\rx = 1\r"),
        (b"import openai\nx = 1\r\ny = 2", b"import azure_ai\nx = 1\r\ny = 2"),
        (b"\xef\xbb\xbfimport openai\n", b"\xef\xbb\xbfimport azure_ai\n"),
        (
            b"\xef\xbb\xbfimport openai\r\ns = '\xc3\xa9'\r\n",
            b"\xef\xbb\xbfimport azure_ai\r\ns = '\xc3\xa9'\r\n",
        ),
        (
            b"# -*- coding: latin-1 -*-\nimport openai\ns = '\xe9t\xe9'\n",
            b"# -*- coding: latin-1 -*-\nimport azure_ai\ns = '\xe9t\xe9'\n",
        ),
        (
            b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\r\nimport openai  # \x93q\x94\r\n",
            b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\r\nimport azure_ai  # \x93q\x94\r\n",
        ),
    ],
    ids=[
        "crlf",
        "cr",
        "mixed-no-final-newline",
        "bom",
        "bom-crlf-utf8",
        "latin1-cookie",
        "cp1252-cookie",
    ],
)
def test_bytes_round_trip(tmp_path, before, after):
    path = tmp_path / "m.py"
    path.write_bytes(before)
    outcome = run_one(path)
    assert outcome.status == CHANGED, outcome.error
    assert path.read_bytes() == after


def test_decode_source_keeps_line_endings_and_reports_encoding():
    assert decode_source(b"a\r\nb\r") == ("a\r\nb\r", "utf-8")
    assert decode_source(b"\xef\xbb\xbfa\n") == ("a\n", "utf-8-sig")
    assert decode_source(b"# coding: latin-1\n\xe9\n") == (
        "# coding: latin-1\n\u00e9\n",
        "iso-8859-1",
    )
    assert decode_source(b"\xef\xbb\xbf{}", NOTEBOOK) == ("{}", "utf-8-sig")


def test_text_handed_to_the_engine_has_no_bom_and_raw_line_endings(tmp_path):
    seen = []

    def engine(source, config, filename):
        seen.append(source)
        return fake_engines.rename_engine(source, config, filename)

    path = tmp_path / "m.py"
    path.write_bytes(b"\xef\xbb\xbfimport openai\r\n")
    run_one(path, RunSettings(engine=engine))
    assert seen == ["import openai\r\n"]


def test_empty_file_is_unchanged(tmp_path):
    path = tmp_path / "empty.py"
    path.write_bytes(b"")
    outcome = run_one(path, RunSettings(engine=fake_engines.never_called))
    assert outcome.status == UNCHANGED and outcome.error is None
    assert path.read_bytes() == b""


def test_prefilter_skips_files_without_openai_and_never_calls_the_engine(tmp_path):
    path = tmp_path / "plain.py"
    path.write_bytes(b"import os\nOPENAI = 1\n\xff\xfe not even utf-8\n")
    outcome = run_one(path, RunSettings(engine=fake_engines.never_called))
    assert outcome.status == UNCHANGED
    assert outcome.note == "no OpenAI reference"


def test_unchanged_file_is_not_rewritten(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(
        b"# mentions openai only in a comment? no: engine keeps comments\n"
    )

    def identity(source, config, filename):
        return fake_engines.Result(source, source, [])

    before = os.stat(path)
    outcome = run_one(path, RunSettings(engine=identity))
    assert outcome.status == UNCHANGED
    assert (
        os.stat(path).st_mtime_ns == before.st_mtime_ns
        and os.stat(path).st_ino == before.st_ino
    )


# ------------------------------------------------------------ bad input


def failure(outcome):
    assert outcome.status == FAILED
    assert outcome.error and "\n" not in outcome.error
    return outcome.error


def test_nul_bytes(tmp_path):
    path = tmp_path / "nul.py"
    path.write_bytes(b"import openai\x00\n")
    assert failure(run_one(path)) == "contains NUL bytes (a binary file?)"
    assert path.read_bytes() == b"import openai\x00\n"


def test_binary_named_py(tmp_path):
    path = tmp_path / "blob.py"
    data = bytes(range(256)) * 4 + b"OpenAI"
    path.write_bytes(data)
    assert "NUL" in failure(run_one(path))
    assert path.read_bytes() == data


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "bad.py"
    path.write_bytes(b"import openai\nx = '\xff'\n")
    assert failure(run_one(path)).startswith(
        "cannot decode as utf-8: byte 0xff at line 2"
    )


def test_unknown_coding_cookie(tmp_path):
    path = tmp_path / "cookie.py"
    path.write_bytes(b"# coding: klingon\nimport openai\n")
    assert "unknown encoding" in failure(run_one(path))


def test_unencodable_output_is_a_failure_and_the_file_is_kept(tmp_path):
    path = tmp_path / "l1.py"
    data = b"# coding: latin-1\nimport openai  # NON_LATIN1\n"
    path.write_bytes(data)
    assert "cannot be encoded as iso-8859-1" in failure(run_one(path))
    assert path.read_bytes() == data


def test_unreadable_file(tmp_path, monkeypatch):
    path = tmp_path / "secret.py"
    path.write_bytes(b"import openai\n")
    real_open = builtins.open

    def fake_open(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    assert failure(run_one(path)) == "permission denied"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_for_real(
    tmp_path,
):  # pragma: no cover - tests usually run as root here
    path = tmp_path / "secret.py"
    path.write_bytes(b"import openai\n")
    path.chmod(0)
    assert failure(run_one(path)) == "permission denied"


def test_broken_symlink_loop_and_directory(tmp_path):
    os.symlink(tmp_path / "missing.py", tmp_path / "broken.py")
    os.symlink(tmp_path / "loop.py", tmp_path / "loop.py")
    (tmp_path / "dir.py").mkdir()
    assert (
        failure(run_one(tmp_path / "broken.py"))
        == "broken symbolic link (its target does not exist)"
    )
    assert failure(run_one(tmp_path / "loop.py")).startswith("symbolic link loop")
    assert failure(run_one(tmp_path / "dir.py")) == "is a directory"
    assert failure(run_one(tmp_path / "gone.py")) == "no such file or directory"


def test_discovery_error_becomes_a_failed_outcome():
    outcome = process(DiscoveryError("x.py", "permission denied"), WRITE)
    assert (outcome.status, outcome.error, outcome.error_code) == (
        FAILED,
        "permission denied",
        "MI002",
    )


def test_large_file_with_openai_is_skipped_with_a_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(runner, "_SCAN_CHUNK", 64)
    big = tmp_path / "big.py"
    data = b"x = 1\n" * 300 + b"import ope" + b"nai\n"
    big.write_bytes(data)
    assert failure(run_one(big)).startswith(
        "file is larger than 0 MB (1814 bytes); skipped"
    )
    assert big.read_bytes() == data


def test_large_file_without_openai_is_quietly_unchanged(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(runner, "_SCAN_CHUNK", 64)
    big = tmp_path / "big.py"
    big.write_bytes(b"x = 1\n" * 300)
    assert (
        run_one(big, RunSettings(engine=fake_engines.never_called)).status == UNCHANGED
    )


def test_engine_error_result(tmp_path):
    path = tmp_path / "syntax.py"
    path.write_bytes(b"import openai SYNTAX_ERROR\n")
    outcome = run_one(path)
    assert failure(outcome) == "syntax error at line 1: invalid syntax"
    assert outcome.error_code == "MI001"


def test_engine_exception_costs_one_file(tmp_path):
    path = tmp_path / "boom.py"
    path.write_bytes(b"import openai  # RAISE\n")
    outcome = run_one(path)
    assert failure(outcome) == "internal error: RuntimeError: engine exploded"
    assert outcome.error_code == "MI004"


# ------------------------------------------------------------ writing


def test_write_keeps_mode_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "tool.py"
    path.write_bytes(b"import openai\n")
    path.chmod(0o751)
    run_one(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert sorted(os.listdir(tmp_path)) == ["tool.py"]


def test_write_goes_through_a_symlink_and_keeps_it(tmp_path):
    target = tmp_path / "real.py"
    target.write_bytes(b"import openai\n")
    link = tmp_path / "link.py"
    os.symlink(target, link)
    run_one(link)
    assert link.is_symlink()
    assert target.read_bytes() == b"import azure_ai\n"


def test_check_and_diff_never_touch_the_disk(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"import openai\n")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    for settings in (CHECK, DIFF):
        outcome = run_one(path, settings)
        assert outcome.status == CHANGED
        assert path.read_bytes() == b"import openai\n"
        assert os.stat(path).st_mtime_ns == 1_000_000_000
    assert run_one(path, DIFF).diff == (
        f"--- {path}\n+++ {path}\n@@ -1 +1 @@ MI100\n-import openai\n+import azure_ai\n"
    )
    assert run_one(path, CHECK).diff is None


def test_file_changed_meanwhile_is_not_overwritten(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"import openai\n")
    outcome = run_one(path, RunSettings(engine=fake_engines.touching_engine))
    assert failure(outcome) == "file changed while it was being migrated; left as it is"
    assert path.read_bytes() == b"import openai\n# saved by an editor\n"


def test_failed_replace_keeps_the_original_and_cleans_up(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_bytes(b"import openai\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    assert failure(run_one(path)) == "cannot write: No space left on device"
    assert path.read_bytes() == b"import openai\n"
    assert os.listdir(tmp_path) == ["m.py"]


def test_read_only_directory_is_a_failure(tmp_path, monkeypatch):
    path = tmp_path / "m.py"
    path.write_bytes(b"import openai\n")

    def no_temp(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(source_io.tempfile, "mkstemp", no_temp)
    assert failure(run_one(path)) == "cannot write: permission denied"


# ------------------------------------------------------------ diffs


def test_unified_diff_marks_a_missing_final_newline():
    assert unified_diff("f.py", "a\nb", "a\nc") == (
        "--- f.py\n+++ f.py\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n"
    )


# ------------------------------------------------------------ other kinds


def test_missing_handler_module_skips_that_kind(tmp_path, monkeypatch):
    monkeypatch.setitem(
        runner._HANDLERS, NOTEBOOK, ("migrate_inference.no_such_module", "f")
    )
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b'{"cells": [], "openai": 1}')
    outcome = run_one(path, kind=NOTEBOOK)
    assert outcome.status == UNCHANGED
    assert outcome.note == "no notebook support installed"


def test_missing_handler_function_skips_that_kind(tmp_path, monkeypatch):
    monkeypatch.setitem(
        runner._HANDLERS, NOTEBOOK, ("migrate_inference.config", "no_such_function")
    )
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b'{"cells": [], "openai": 1}')
    assert run_one(path, kind=NOTEBOOK).status == UNCHANGED


def test_handler_is_called_for_its_kind_with_the_dependency_plan(tmp_path, monkeypatch):
    from migrate_inference.deps import DependencyPlan

    monkeypatch.setitem(
        runner._HANDLERS, REQUIREMENTS, ("fake_engines", "rename_engine")
    )
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"\xef\xbb\xbfopenai==0.28\r\n")
    assert run_one(path, kind=REQUIREMENTS).status == UNCHANGED  # no plan: kept
    settings = RunSettings(
        engine=fake_engines.rename_engine, dependency_plan=DependencyPlan(True, False)
    )
    assert run_one(path, settings, kind=REQUIREMENTS).status == CHANGED
    assert path.read_bytes() == b"\xef\xbb\xbfazure_ai==0.28\r\n"


def test_broken_import_inside_a_handler_is_a_failure_not_a_skip(tmp_path, monkeypatch):
    broken = tmp_path / "broken_handler_mod.py"
    broken.write_text("import no_such_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(runner._HANDLERS, NOTEBOOK, ("broken_handler_mod", "f"))
    path = tmp_path / "nb.ipynb"
    path.write_bytes(b'{"openai": 1}')
    assert failure(run_one(path, kind=NOTEBOOK)).startswith(
        "internal error: ModuleNotFoundError"
    )


# ------------------------------------------------------------ many files


def tree(root: Path, count: int, extra=()):
    paths = []
    for index in range(count):
        path = root / f"f{index:03d}.py"
        path.write_bytes(f"import openai\nx = {index}\n".encode())
        paths.append(path)
    for name, data in extra:
        (root / name).write_bytes(data)
        paths.append(root / name)
    return sorted(paths)


def test_pool_gives_the_same_outcomes_in_the_same_order(tmp_path):
    paths = tree(tmp_path, 40, [("zz_syntax.py", b"openai SYNTAX_ERROR\n")])
    items = [Candidate(str(p), PYTHON) for p in paths]
    serial = [(o.path, o.status, o.error) for o in iter_outcomes(items, CHECK, jobs=1)]
    parallel = [
        (o.path, o.status, o.error) for o in iter_outcomes(items, CHECK, jobs=2)
    ]
    assert serial == parallel
    assert [p for p, _, _ in parallel] == [str(p) for p in paths]


def test_a_dying_worker_costs_only_its_file(tmp_path):
    paths = tree(tmp_path, 30, [("f015_crash.py", b"import openai  # CRASH_WORKER\n")])
    items = [Candidate(str(p), PYTHON) for p in paths]
    outcomes = list(iter_outcomes(items, WRITE, jobs=2))
    assert [o.path for o in outcomes] == [str(p) for p in paths]
    failed = [o for o in outcomes if o.status == FAILED]
    assert [(os.path.basename(o.path), o.error_code, o.error) for o in failed] == [
        (
            "f015_crash.py",
            "MI007",
            "the worker process crashed (exit status 17) while migrating this file;"
            " file left unchanged",
        )
    ]
    assert sum(o.status == CHANGED for o in outcomes) == 30


def test_config_reaches_the_engine(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"import openai\n")
    config = Config(endpoint_style="models", select=frozenset({"MI1"}))
    fake_engines.CONFIGS_SEEN.clear()
    run_one(path, RunSettings(config=config, engine=fake_engines.rename_engine))
    assert fake_engines.CONFIGS_SEEN == [config]


# ------------------------------------------------------------ dependency files


def run_tree(root: Path, settings=None, jobs=1):
    from migrate_inference.discover import discover

    settings = settings or RunSettings(engine=fake_engines.azure_engine)
    return [
        (os.path.relpath(o.path, root), o.status, o.note)
        for o in iter_outcomes(discover([str(root)]), settings, jobs)
    ]


def test_dependency_files_come_last_and_are_rewritten_when_no_code_uses_openai(
    tmp_path,
):
    (tmp_path / "requirements.txt").write_bytes(b"openai>=1.0\nrequests\n")
    (tmp_path / "a.py").write_bytes(b"import openai\n")
    (tmp_path / "b.py").write_bytes(b"import os\n")
    assert run_tree(tmp_path) == [
        ("a.py", CHANGED, None),
        ("b.py", UNCHANGED, "no OpenAI reference"),
        ("requirements.txt", CHANGED, None),
    ]
    text = (tmp_path / "requirements.txt").read_text()
    assert (
        "openai" not in text
        and "azure-ai-inference>=1.0.0b9" in text
        and "aiohttp" not in text
    )


def test_async_code_migrated_earlier_still_counts(tmp_path):
    (tmp_path / "requirements.txt").write_bytes(b"openai\n")
    (tmp_path / "a.py").write_bytes(b"import openai\n")
    (tmp_path / "done.py").write_bytes(
        b"from azure.ai.inference.aio import ChatCompletionsClient\n"
    )
    run_tree(tmp_path)
    assert "aiohttp" in (tmp_path / "requirements.txt").read_text()


@pytest.mark.parametrize(
    "code, note",
    [
        (b"import openai  # KEEP_OPENAI\n", "kept: code still uses openai"),
        (
            b"import openai SYNTAX_ERROR\n",
            "kept: not every code file could be migrated",
        ),
        (None, "kept: no code uses azure-ai-inference"),
    ],
)
def test_dependency_files_are_kept_while_code_needs_openai(tmp_path, code, note):
    (tmp_path / "requirements.txt").write_bytes(b"openai\n")
    (tmp_path / "a.py").write_bytes(b"import openai\n" if code else b"import os\n")
    code = code or b"import os\n"
    (tmp_path / "b.py").write_bytes(code)

    def engine(source, config, filename):
        if "SYNTAX_ERROR" in source:
            return fake_engines.rename_engine(source, config, filename)
        return fake_engines.azure_engine(source, config, filename)

    result = run_tree(tmp_path, RunSettings(engine=engine))
    assert result[-1] == ("requirements.txt", UNCHANGED, note)
    assert (tmp_path / "requirements.txt").read_bytes() == b"openai\n"


def test_dependency_decision_with_a_pool_and_in_check_mode(tmp_path):
    for index in range(20):
        (tmp_path / f"m{index:02d}.py").write_bytes(b"import openai\n")
    (tmp_path / "pyproject.toml").write_bytes(
        b'[project]\nname = "x"\ndependencies = ["openai>=1"]\n'
    )
    settings = RunSettings(
        engine=fake_engines.azure_engine, write=False, want_diff=True
    )
    from migrate_inference.discover import discover

    outcomes = list(iter_outcomes(discover([str(tmp_path)]), settings, jobs=2))
    assert (
        outcomes[-1].path.endswith("pyproject.toml") and outcomes[-1].status == CHANGED
    )
    assert "+" in outcomes[-1].diff and "azure-ai-inference" in outcomes[-1].diff
    assert b"openai" in (tmp_path / "pyproject.toml").read_bytes()
