"""The real pre-commit, installing this repository's hooks, run on OpenAI code.

A throw-away git repository gets a ``.pre-commit-config.yaml`` whose ``repo:``
is this repository (its path) and whose ``rev:`` is this repository's HEAD, so
pre-commit clones the committed hooks, builds their virtualenv with
``pip install .`` and runs the ``migrate-inference`` console script on the
files, exactly as a user's pre-commit would.

Offline: the hook's dependencies are packed into a local wheelhouse from the
distributions installed in the interpreter running the tests (a virtual
environment or not, see ``wheelhouse.py``), with setuptools from the wheels
virtualenv carries, and pip is told to install from that wheelhouse only
(``PIP_NO_INDEX``, ``PIP_FIND_LINKS``, no pip configuration).  No network is
touched.  The tests skip, saying which, only when a distribution the hook
needs cannot be packed.

Most tests swap the engine for a textual stand-in inside the hook's process
(a ``sitecustomize`` module on ``PYTHONPATH`` that patches
``migrate_inference.engine.migrate_source`` when it is imported), so they pin
the hook wiring and not what the rules do; one test runs the real engine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from importlib.util import find_spec
from pathlib import Path
from typing import Dict, List, Optional

import pytest
from wheelhouse import pip_offline_env

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.skipif(
        find_spec("pre_commit") is None,
        reason="pre-commit is not installed (pip install -e '.[test]')",
    ),
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]

FAKE_ENGINE = '''
"""Loaded at interpreter start-up: swaps in a textual engine when migrate_inference.engine is imported."""
import importlib.abc
import importlib.machinery
import sys


def _fake_migrate_source(source, config=None, filename="<string>"):
    from migrate_inference.findings import Finding, Result

    code = source.replace("import openai", "import azure.ai.inference")
    code = code.replace("openai.ChatCompletion.create(", "azure.ai.inference.complete(")
    findings = [Finding("MI100", "rewrite", "fake rewrite", 1)] if code != source else []
    return Result(source, code, findings)


class _PatchEngine(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "migrate_inference.engine":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            module.migrate_source = _fake_migrate_source

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PatchEngine())
'''

APP = textwrap.dedent("""\
    import openai

    def ask(question):
        return openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": question}])
    """)
CLEAN = "def add(a, b):\n    return a + b\n"
README = "Uses openai.ChatCompletion.create(...) today.\n"


def notebook_text() -> str:
    cells = [
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": ["%pip install openai\n"],
        },
        {
            "cell_type": "code",
            "execution_count": 2,
            "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream", "text": ["ok\n"]}],
            "source": [
                "import openai\n",
                'r = openai.ChatCompletion.create(model="m", messages=[])',
            ],
        },
    ]
    nb = {
        "cells": cells,
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        "git",
        "-c",
        "user.name=Test",
        "-c",
        "user.email=test@example.com",
        "-c",
        "commit.gpgsign=false",
        *args,
    ]
    return subprocess.run(
        command, cwd=cwd, env=_clean_env(), capture_output=True, text=True, check=False
    )


def _clean_env() -> Dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))
    }
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    return env


@pytest.fixture(scope="module")
def hook_rev() -> str:
    if git(ROOT, "rev-parse", "--show-toplevel").returncode != 0:
        pytest.skip(
            "this checkout is not a git repository, so pre-commit cannot clone it"
        )
    if git(ROOT, "cat-file", "-e", "HEAD:.pre-commit-hooks.yaml").returncode != 0:
        pytest.fail(".pre-commit-hooks.yaml is not committed at HEAD")
    return git(ROOT, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> Path:
    from wheelhouse import Unavailable, build_wheelhouse

    directory = tmp_path_factory.mktemp("wheelhouse")
    try:
        build_wheelhouse(directory)
    except Unavailable as exc:
        pytest.skip(f"cannot install the hook offline: {exc}")
    return directory


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    """One hook installation shared by the tests of this module (installing takes a few seconds)."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def fake_engine_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("fake-engine")
    (directory / "sitecustomize.py").write_text(FAKE_ENGINE)
    return directory


class Project:
    def __init__(
        self, path: Path, home: Path, fake_engine: Optional[Path], wheelhouse: Path
    ) -> None:
        self.path = path
        self.home = home
        self.fake_engine = fake_engine
        self.wheelhouse = wheelhouse

    def env(self) -> Dict[str, str]:
        env = _clean_env()
        env.update(
            PRE_COMMIT_HOME=str(self.home),
            PRE_COMMIT_COLOR="never",
            NO_COLOR="1",
            **pip_offline_env(self.wheelhouse),
        )
        for name in list(env):
            if name.startswith(("PIP_", "VIRTUALENV_")) and name not in (
                pip_offline_env(self.wheelhouse)
            ):
                del env[name]
        if self.fake_engine is not None:
            env["PYTHONPATH"] = str(self.fake_engine)
        else:
            env.pop("PYTHONPATH", None)
        return env

    def pre_commit(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", *args],
            cwd=self.path,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def commit(self, message: str) -> subprocess.CompletedProcess:
        command = [
            "git",
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "commit",
            "-q",
            "-m",
            message,
        ]
        return subprocess.run(
            command,
            cwd=self.path,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def read(self, name: str) -> str:
        return (self.path / name).read_text()


def make_project(
    tmp_path: Path,
    home: Path,
    rev: str,
    hook_ids: List[str],
    fake_engine: Optional[Path],
    wheelhouse: Path,
) -> Project:
    path = tmp_path / "project"
    path.mkdir()
    assert git(path, "init", "-q").returncode == 0
    hooks = "".join(f"      - id: {hook_id}\n" for hook_id in hook_ids)
    (path / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {json.dumps(str(ROOT))}\n    rev: {rev}\n    hooks:\n{hooks}"
    )
    (path / "app.py").write_text(APP)
    (path / "clean.py").write_text(CLEAN)
    (path / "README.md").write_text(README)
    (path / "chat.ipynb").write_text(notebook_text())
    assert git(path, "add", "-A").returncode == 0
    return Project(path, home, fake_engine, wheelhouse)


def explain(run: subprocess.CompletedProcess, project: Project) -> str:
    log = project.home / "pre-commit.log"
    extra = log.read_text()[-4000:] if log.exists() else ""
    return (
        f"exit {run.returncode}\nstdout:\n{run.stdout}\nstderr:\n{run.stderr}\n{extra}"
    )


def test_rewrite_hook_rewrites_files_and_fails(
    tmp_path, pre_commit_home, hook_rev, fake_engine_dir, wheelhouse
):
    project = make_project(
        tmp_path,
        pre_commit_home,
        hook_rev,
        ["migrate-inference"],
        fake_engine_dir,
        wheelhouse,
    )
    run = project.pre_commit("run", "--all-files")
    assert run.returncode == 1, explain(run, project)
    assert "migrate-inference" in run.stdout and "Failed" in run.stdout, explain(
        run, project
    )
    assert "files were modified by this hook" in run.stdout, explain(run, project)

    assert project.read("app.py") == APP.replace(
        "import openai", "import azure.ai.inference"
    ).replace("openai.ChatCompletion.create(", "azure.ai.inference.complete(")
    notebook = json.loads(project.read("chat.ipynb"))
    assert notebook["cells"][0]["source"] == [
        '%pip install "azure-ai-inference>=1.0.0b9"\n'
    ]
    assert notebook["cells"][1]["source"] == [
        "import azure.ai.inference\n",
        'r = azure.ai.inference.complete(model="m", messages=[])',
    ]
    assert (
        notebook["cells"][1]["outputs"]
        == json.loads(notebook_text())["cells"][1]["outputs"]
    )
    assert project.read("clean.py") == CLEAN
    assert (
        project.read("README.md") == README
    ), "not a python or jupyter file: the hook never sees it"

    again = project.pre_commit("run", "--all-files")
    assert again.returncode == 0, explain(again, project)
    assert "Passed" in again.stdout


def test_check_hook_reports_and_never_writes(
    tmp_path, pre_commit_home, hook_rev, fake_engine_dir, wheelhouse
):
    project = make_project(
        tmp_path,
        pre_commit_home,
        hook_rev,
        ["migrate-inference-check"],
        fake_engine_dir,
        wheelhouse,
    )
    run = project.pre_commit("run", "--all-files")
    assert run.returncode == 1, explain(run, project)
    assert "Failed" in run.stdout and "files were modified" not in run.stdout, explain(
        run, project
    )
    assert "app.py" in run.stdout and "chat.ipynb" in run.stdout, explain(run, project)
    assert project.read("app.py") == APP
    assert project.read("chat.ipynb") == notebook_text()


def test_git_commit_is_stopped_until_the_rewrite_is_staged(
    tmp_path, pre_commit_home, hook_rev, fake_engine_dir, wheelhouse
):
    project = make_project(
        tmp_path,
        pre_commit_home,
        hook_rev,
        ["migrate-inference"],
        fake_engine_dir,
        wheelhouse,
    )
    installed = project.pre_commit("install")
    assert installed.returncode == 0, explain(installed, project)

    first = project.commit("add OpenAI code")
    assert first.returncode != 0, explain(first, project)
    assert "import azure.ai.inference" in project.read("app.py")
    assert (
        git(project.path, "rev-parse", "--verify", "-q", "HEAD").returncode != 0
    ), "nothing was committed"

    assert git(project.path, "add", "-A").returncode == 0
    second = project.commit("add migrated code")
    assert second.returncode == 0, explain(second, project)
    committed = git(project.path, "show", "HEAD:app.py").stdout
    assert "openai" not in committed


def test_real_engine_through_the_hook(tmp_path, pre_commit_home, hook_rev, wheelhouse):
    from migrate_inference.config import Config
    from migrate_inference.engine import migrate_source

    if not migrate_source(APP, Config(), "app.py").changed:
        pytest.skip(
            "the engine in this checkout does not migrate openai.ChatCompletion.create yet"
        )
    project = make_project(
        tmp_path, pre_commit_home, hook_rev, ["migrate-inference"], None, wheelhouse
    )
    run = project.pre_commit("run", "--files", "app.py")
    assert run.returncode == 1, explain(run, project)
    assert "files were modified by this hook" in run.stdout, explain(run, project)
    migrated = project.read("app.py")
    assert "import openai" not in migrated and "openai.ChatCompletion" not in migrated
    assert "azure.ai.inference" in migrated
    compile(migrated, "app.py", "exec")
