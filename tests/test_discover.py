import os
from pathlib import Path

import pytest

from migrate_inference.discover import (
    NOTEBOOK,
    PYPROJECT,
    PYTHON,
    REQUIREMENTS,
    SETUP_CFG,
    Candidate,
    DiscoveryError,
    discover,
    has_openai_bytes,
    kind_of,
)


def make(root: Path, *paths: str, content: str = "import openai\n") -> None:
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def found(root: Path, *args, **kwargs):
    """Discovered items as (path relative to root, kind) or ('error', path, reason)."""
    out = []
    for item in discover([str(root)] if not args else args, **kwargs):
        if isinstance(item, Candidate):
            out.append(os.path.relpath(item.path, root).replace(os.sep, "/"))
        else:
            out.append(
                (
                    "error",
                    os.path.relpath(item.path, root).replace(os.sep, "/"),
                    item.reason,
                )
            )
    return out


@pytest.mark.parametrize(
    "path, kind",
    [
        ("a.py", PYTHON),
        ("nb.ipynb", NOTEBOOK),
        ("requirements.txt", REQUIREMENTS),
        ("requirements-dev.txt", REQUIREMENTS),
        ("requirements/base.txt", REQUIREMENTS),
        ("requirements/base.in", REQUIREMENTS),
        ("requirements-dev.in", REQUIREMENTS),
        ("test-requirements.txt", REQUIREMENTS),
        ("pyproject.toml", PYPROJECT),
        ("setup.cfg", SETUP_CFG),
        ("a.pyi", None),
        ("notes.txt", None),
        ("setup.py.bak", None),
        ("tox.ini", None),
    ],
)
def test_kind_of(path, kind):
    assert kind_of(path) == kind


def test_walk_finds_supported_files_in_a_stable_order(tmp_path):
    make(
        tmp_path,
        "b.py",
        "a.py",
        "pkg/z.py",
        "pkg/sub/y.py",
        "nb.ipynb",
        "README.md",
        "stub.pyi",
    )
    make(
        tmp_path,
        "requirements.txt",
        "requirements/dev.txt",
        "pyproject.toml",
        "setup.cfg",
        "docs/notes.txt",
    )
    result = found(tmp_path)
    assert result == [
        "a.py",
        "b.py",
        "nb.ipynb",
        "pyproject.toml",
        "requirements.txt",
        "setup.cfg",
        "pkg/z.py",
        "pkg/sub/y.py",
        "requirements/dev.txt",
    ]
    assert result == found(tmp_path)


def test_kinds_are_tagged(tmp_path):
    make(
        tmp_path, "a.py", "nb.ipynb", "requirements.txt", "pyproject.toml", "setup.cfg"
    )
    kinds = {os.path.basename(c.path): c.kind for c in discover([str(tmp_path)])}
    assert kinds == {
        "a.py": PYTHON,
        "nb.ipynb": NOTEBOOK,
        "requirements.txt": REQUIREMENTS,
        "pyproject.toml": PYPROJECT,
        "setup.cfg": SETUP_CFG,
    }


@pytest.mark.parametrize(
    "skipped",
    [
        ".git",
        ".hg",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        "site-packages",
        "pkg.egg-info",
        "deep/down/node_modules",
    ],
)
def test_default_skipped_directories(tmp_path, skipped):
    make(tmp_path, "keep.py", f"{skipped}/x.py")
    assert found(tmp_path) == ["keep.py"]


@pytest.mark.parametrize("name", ["env", ".env", "my-environment"])
def test_virtual_environments_are_recognised_by_pyvenv_cfg(tmp_path, name):
    make(tmp_path, "keep.py", f"{name}/lib/x.py", f"{name}/pyvenv.cfg")
    assert found(tmp_path) == ["keep.py"]


def test_env_without_pyvenv_cfg_is_ordinary_code(tmp_path):
    make(tmp_path, "env/settings.py")
    assert found(tmp_path) == ["env/settings.py"]


def test_a_skipped_directory_named_explicitly_is_walked(tmp_path):
    make(tmp_path, "build/x.py")
    assert found(tmp_path, str(tmp_path / "build")) == ["build/x.py"]


def test_gitignore_nested_and_negated(tmp_path):
    make(
        tmp_path,
        "a.py",
        "gen.py",
        "logs/x.py",
        "pkg/keep.py",
        "pkg/drop.py",
        "pkg/inner/drop.py",
        "pkg/special.py",
    )
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("# comment\ngen.py\nlogs/\nspecial.py\n")
    (tmp_path / "pkg" / ".gitignore").write_text("drop.py\n!special.py\n")
    assert found(tmp_path) == ["a.py", "pkg/keep.py", "pkg/special.py"]


def test_gitignore_anchored_pattern_is_relative_to_its_own_directory(tmp_path):
    make(tmp_path, "pkg/top.py", "pkg/sub/top.py")
    (tmp_path / "pkg" / ".gitignore").write_text("/top.py\n")
    assert found(tmp_path) == ["pkg/sub/top.py"]


def test_gitignore_above_the_walked_directory_applies_inside_the_repository(tmp_path):
    make(tmp_path, "repo/src/gen/x.py", "repo/src/y.py")
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / "repo" / ".gitignore").write_text("src/gen/\n")
    assert found(tmp_path / "repo" / "src", str(tmp_path / "repo" / "src")) == ["y.py"]


def test_gitignore_outside_the_repository_is_not_read(tmp_path):
    make(tmp_path, "repo/x.py")
    (tmp_path / "repo" / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("x.py\n")
    assert found(tmp_path / "repo", str(tmp_path / "repo")) == ["x.py"]


def test_git_info_exclude(tmp_path):
    make(tmp_path, "a.py", "b.py")
    (tmp_path / ".git" / "info").mkdir(parents=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("b.py\n")
    assert found(tmp_path) == ["a.py"]


def test_exclude_globs_prune_files_and_directories(tmp_path):
    make(tmp_path, "a.py", "a_test.py", "legacy/x.py", "src/legacy/y.py", "src/z.py")
    assert found(tmp_path, str(tmp_path), exclude=["*_test.py", "legacy/"]) == [
        "a.py",
        "src/z.py",
    ]
    assert found(tmp_path, str(tmp_path), exclude=["/legacy"]) == [
        "a.py",
        "a_test.py",
        "src/z.py",
        "src/legacy/y.py",
    ]


def test_include_globs_keep_only_matching_files(tmp_path):
    make(tmp_path, "a.py", "src/b.py", "src/deep/c.py", "src/requirements.txt")
    assert found(tmp_path, str(tmp_path), include=["src/**/*.py"]) == [
        "src/b.py",
        "src/deep/c.py",
    ]
    assert found(tmp_path, str(tmp_path), include=["*.txt"]) == ["src/requirements.txt"]


def test_exclude_wins_over_include(tmp_path):
    make(tmp_path, "src/a.py", "src/gen/b.py")
    assert found(tmp_path, str(tmp_path), include=["*.py"], exclude=["gen/"]) == [
        "src/a.py"
    ]


def test_explicit_files_bypass_every_filter(tmp_path):
    make(tmp_path, "build/x.py", "ignored.py", "script")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    paths = [
        str(tmp_path / "build" / "x.py"),
        str(tmp_path / "ignored.py"),
        str(tmp_path / "script"),
    ]
    items = list(discover(paths, exclude=["*.py"], include=["nothing"]))
    assert [os.path.basename(i.path) for i in items] == ["x.py", "ignored.py", "script"]
    assert all(i.explicit and i.kind == PYTHON for i in items)


def test_missing_path_is_an_error_and_the_rest_continues(tmp_path):
    make(tmp_path, "a.py")
    items = list(discover([str(tmp_path / "nope.py"), str(tmp_path)]))
    assert (
        isinstance(items[0], DiscoveryError)
        and items[0].reason == "no such file or directory"
    )
    assert [i.path for i in items[1:]] == [str(tmp_path / "a.py")]


def test_broken_symlink_and_symlink_loop_are_errors_in_a_walk_and_explicitly(tmp_path):
    make(tmp_path, "a.py")
    os.symlink(tmp_path / "missing.py", tmp_path / "broken.py")
    os.symlink(tmp_path / "loop.py", tmp_path / "loop.py")
    assert found(tmp_path) == [
        "a.py",
        ("error", "broken.py", "broken symbolic link (its target does not exist)"),
        ("error", "loop.py", "symbolic link loop (too many levels of symbolic links)"),
    ]
    explicit = list(discover([str(tmp_path / "broken.py"), str(tmp_path / "loop.py")]))
    assert [type(i) for i in explicit] == [DiscoveryError, DiscoveryError]


def test_symlinks_inside_are_followed_once_outside_not_and_directories_never(tmp_path):
    make(tmp_path, "outside/o.py", "root/a.py", "root/pkg/b.py")
    root = tmp_path / "root"
    os.symlink(root / "a.py", root / "alias.py")
    os.symlink(tmp_path / "outside" / "o.py", root / "escape.py")
    os.symlink(root / "pkg", root / "linkdir")
    os.symlink(root, root / "pkg" / "cycle")
    assert found(root) == ["a.py", "pkg/b.py"]


def test_same_file_named_twice_is_processed_once(tmp_path):
    make(tmp_path, "a.py")
    items = list(
        discover([str(tmp_path / "a.py"), str(tmp_path), str(tmp_path / "a.py")])
    )
    assert len(items) == 1


def test_directory_named_like_a_python_file_is_walked(tmp_path):
    make(tmp_path, "x.py/inner.py")
    assert found(tmp_path) == ["x.py/inner.py"]
    assert found(tmp_path, str(tmp_path / "x.py")) == ["x.py/inner.py"]


def test_fifo_named_explicitly_is_not_read(tmp_path):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    items = list(discover([str(fifo)]))
    assert items == [DiscoveryError(str(fifo), "not a regular file")]
    assert found(tmp_path) == []


def test_relative_display_paths(tmp_path, monkeypatch):
    make(tmp_path, "pkg/a.py", "b.py")
    monkeypatch.chdir(tmp_path)
    assert [c.path for c in discover(["."])] == ["b.py", os.path.join("pkg", "a.py")]
    assert [c.path for c in discover(["pkg/"])] == [os.path.join("pkg", "a.py")]


def test_discovery_is_lazy(tmp_path):
    make(tmp_path, "a.py")
    iterator = discover([str(tmp_path), str(tmp_path / "does-not-exist-yet.py")])
    first = next(iterator)
    assert first.path.endswith("a.py")
    make(tmp_path, "does-not-exist-yet.py")
    assert next(iterator).path.endswith("does-not-exist-yet.py")


def test_unreadable_directory_is_an_error(tmp_path, monkeypatch):
    make(tmp_path, "a.py", "locked/b.py")
    real_scandir = os.scandir

    def scandir(path="."):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert found(tmp_path) == ["a.py", ("error", "locked", "permission denied")]


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"import openai", True),
        (b"from x import OpenAI", True),
        (b"OPENAI_KEY = 1", False),
        (b"", False),
    ],
)
def test_has_openai_bytes(data, expected):
    assert has_openai_bytes(data) is expected
