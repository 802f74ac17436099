"""Options from ``[tool.migrate-inference]`` in the nearest pyproject.toml.

The search starts in a directory and walks upward.  It stops at the first
pyproject.toml it finds (a project's settings belong to that project, even when
the file has no ``[tool.migrate-inference]`` table) and never climbs out of a
repository: a directory holding ``.git`` or ``.hg`` is the last one searched.

Keys may be written in kebab case (``endpoint-style``) or snake case
(``endpoint_style``); they come back in snake case so the CLI can match them to
its parameters.  Values are returned as TOML gave them: the CLI converts and
validates them with the same types as the command-line options.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional, Union

SECTION = "migrate-inference"
REPOSITORY_MARKERS = (".git", ".hg")


class SettingsError(Exception):
    """pyproject.toml exists but cannot be read or parsed."""


def find_pyproject(start_dir: Union[str, "os.PathLike[str]"]) -> Optional[Path]:
    directory = Path(start_dir).resolve()
    for candidate_dir in (directory, *directory.parents):
        candidate = candidate_dir / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if any((candidate_dir / marker).exists() for marker in REPOSITORY_MARKERS):
            return None
    return None


def load_pyproject_config(start_dir: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """The ``[tool.migrate-inference]`` table of the nearest pyproject.toml, keys in snake case.

    An empty dict when there is no pyproject.toml or it has no such table.
    Raises SettingsError when the file cannot be read or is not valid TOML, or
    when the table is not a table: a broken configuration should stop the run,
    not be ignored.
    """
    path = find_pyproject(start_dir)
    if path is None:
        return {}
    document = _read_toml(path)
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise SettingsError(f"{path}: [tool] is not a table")
    table = tool.get(SECTION, tool.get(SECTION.replace("-", "_"), {}))
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.{SECTION}] is not a table")
    return {str(key).replace("-", "_"): value for key, value in table.items()}


def load_config_file(path: Union[str, "os.PathLike[str]"]) -> Dict[str, Any]:
    """The options of a file named with ``--config``, keys in snake case.

    A ``pyproject.toml`` (or any file with a ``[tool.migrate-inference]``
    table) gives that table; any other TOML file is read as the table itself
    (a standalone ``migrate-inference.toml``).
    """
    path = Path(path)
    if not path.is_file():
        raise SettingsError(f"{path}: no such configuration file")
    document = _read_toml(path)
    tool = document.get("tool", {})
    table: Any = None
    if isinstance(tool, dict):
        table = tool.get(SECTION, tool.get(SECTION.replace("-", "_")))
    if table is None:
        table = {} if path.name == "pyproject.toml" else document
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: [tool.{SECTION}] is not a table")
    return {str(key).replace("-", "_"): value for key, value in table.items()}


def _read_toml(path: Path) -> Dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not valid UTF-8: {exc.reason}") from exc
    try:
        import tomllib  # Python 3.11+

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: invalid TOML: {exc}") from exc
    except ImportError:  # pragma: no cover - Python < 3.11
        import tomlkit
        import tomlkit.exceptions

        try:
            return tomlkit.parse(text).unwrap()
        except tomlkit.exceptions.TOMLKitError as exc:
            raise SettingsError(f"{path}: invalid TOML: {exc}") from exc
