"""Dependency files: swap the ``openai`` requirement for ``azure-ai-inference``.

    migrate_dependency_file(text, filename, *, needs_async, needs_identity) -> Result

Handles ``requirements*.txt`` (and ``*.txt``/``*.in`` under a ``requirements/``
folder), ``pyproject.toml`` (PEP 621 ``[project] dependencies`` and
``optional-dependencies``, PEP 735 ``[dependency-groups]``, Poetry
``[tool.poetry.dependencies]``, ``dev-dependencies`` and groups) and
``setup.cfg`` (``[options] install_requires`` and
``[options.extras_require]``).

An ``openai`` requirement (any version, extras or environment marker) becomes
``azure-ai-inference>=1.0.0b9`` plus ``azure-core``, ``aiohttp`` when async
clients were migrated and ``azure-identity`` when the credential mode is
``entra``; each new line keeps the original's environment marker and trailing
comment.  A package the file already lists is not added twice.  Everything
else in the file stays byte for byte as it was.

This module never decides WHEN to rewrite: dropping ``openai`` while code
still imports it would break the project.  The caller first checks the
migrated code of the whole tree (``code_facts`` per file, then
``dependency_plan``; or ``tree_still_uses_openai`` on the results) and calls
``migrate_dependency_file`` only when no OpenAI usage is left.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Optional, Tuple, Union

from migrate_inference.config import Config
from migrate_inference.dep_files import (  # noqa: F401
    LeaveFile,
    edit_pyproject,
    edit_requirements,
    edit_setup_cfg,
)
from migrate_inference.findings import ERROR, Finding, Result

# Also imported from here by callers (runner, notebooks' callers, to_openai/deps.py).
from migrate_inference.pip_requirements import (  # noqa: F401
    AZURE_INFERENCE,
    DEPENDENCY_REWRITE,
    INTERNAL_ERROR,
    PYPROJECT,
    READ_ERROR,
    REQUIREMENTS,
    SETUP_CFG,
    code_uses_openai,
    notebook_requirements,
    replacement_requirements,
    rewrite_pip_command,
)


@dataclass(frozen=True)
class CodeFacts:
    """What one migrated file tells the dependency decision; small and picklable."""

    uses_openai: bool = False
    uses_azure_inference: bool = False
    uses_async: bool = False
    uses_identity: bool = False


@dataclass(frozen=True)
class DependencyPlan:
    needs_async: bool
    needs_identity: bool


def code_facts(text: str, filename: str) -> CodeFacts:
    """Facts about a file's (migrated) text: a notebook when the name ends in .ipynb, else Python."""
    if filename.endswith(".ipynb"):
        from migrate_inference.notebooks import notebook_uses_openai

        uses_openai = notebook_uses_openai(text)
    elif kind_of_dependency_file(filename) is not None:
        return CodeFacts()
    else:
        uses_openai = code_uses_openai(text)
    return CodeFacts(
        uses_openai=uses_openai,
        uses_azure_inference="azure.ai.inference" in text,
        uses_async="azure.ai.inference.aio" in text,
        uses_identity="azure.identity" in text,
    )


def dependency_plan(
    facts: Iterable[CodeFacts], config: Optional[Config] = None
) -> Optional[DependencyPlan]:
    """What to write into dependency files, or None when they must keep ``openai``.

    None when any file still uses ``openai``, and also when no file uses
    ``azure.ai.inference`` (nothing was migrated, so a dependency file's
    ``openai`` may serve code outside the paths looked at).
    """
    facts = list(facts)
    if any(f.uses_openai for f in facts) or not any(
        f.uses_azure_inference for f in facts
    ):
        return None
    entra = config is not None and config.credential == "entra"
    return DependencyPlan(
        needs_async=any(f.uses_async for f in facts),
        needs_identity=entra or any(f.uses_identity for f in facts),
    )


ResultsArg = Union[Mapping[str, Result], Iterable[Tuple[str, Result]]]


def tree_still_uses_openai(results: ResultsArg) -> bool:
    """Whether any file's migrated code still uses ``openai``; takes ``{path: Result}`` or (path, Result) pairs."""
    return any(code_facts(text, path).uses_openai for path, text in _texts(results))


def dependency_plan_for_results(
    results: ResultsArg, config: Optional[Config] = None
) -> Optional[DependencyPlan]:
    """``dependency_plan`` straight from ``{path: Result}`` (or pairs): the one call for a caller that keeps results."""
    return dependency_plan(
        (code_facts(text, path) for path, text in _texts(results)), config
    )


def _texts(results: ResultsArg) -> Iterable[Tuple[str, str]]:
    pairs = results.items() if isinstance(results, Mapping) else results
    for path, result in pairs:
        # A file that could not be migrated still holds its original code.
        yield os.fspath(path), (
            result.original if result.error is not None else result.code
        )


# -------------------------------------------------------------- entry points


def kind_of_dependency_file(filename: str) -> Optional[str]:
    """``requirements``, ``pyproject`` or ``setup_cfg`` from the file name; None for anything else."""
    name = os.path.basename(filename)
    if name == "pyproject.toml":
        return PYPROJECT
    if name == "setup.cfg":
        return SETUP_CFG
    if name.endswith((".txt", ".in")):
        if name.startswith("requirements") or name.endswith(
            ("-requirements.txt", "_requirements.txt")
        ):
            return REQUIREMENTS
        if os.path.basename(os.path.dirname(filename)) == "requirements":
            return REQUIREMENTS
    return None


def is_dependency_file(filename: str) -> bool:
    return kind_of_dependency_file(filename) is not None


def migrate_dependency_file(
    text: str, filename: str, *, needs_async: bool, needs_identity: bool
) -> Result:
    """Rewrite the ``openai`` requirement in one dependency file; never raises.

    Call only when no OpenAI usage remains in the tree (see ``dependency_plan``).
    """
    kind = kind_of_dependency_file(filename)
    wanted = replacement_requirements(needs_async, needs_identity)
    try:
        if kind == PYPROJECT:
            return edit_pyproject(text, filename, wanted)
        if kind == SETUP_CFG:
            return edit_setup_cfg(text, filename, wanted)
        if kind == REQUIREMENTS or kind is None:
            return edit_requirements(text, filename, wanted)
    except LeaveFile as exc:
        message = f"{filename}: {exc}"
        return Result(text, text, [Finding(READ_ERROR, ERROR, message)], error=message)
    except Exception as exc:  # a bug here must cost one file, not the run
        message = f"{filename}: internal error while rewriting dependencies: {type(exc).__name__}: {exc}"
        return Result(
            text, text, [Finding(INTERNAL_ERROR, ERROR, message)], error=message
        )
    raise AssertionError(kind)


def _runner_entry(default_filename: str) -> Callable[..., Result]:
    def migrate(
        text: str,
        config: Optional[Config] = None,
        filename: str = default_filename,
        *,
        needs_async: bool = False,
        needs_identity: Optional[bool] = None,
    ) -> Result:
        """``migrate_dependency_file`` in the engine's (text, config, filename) shape.

        Rewrites whenever called (the caller decides when); does nothing when
        ``--select``/``--ignore`` turn off MI800.
        """
        if not _enabled(config):
            return Result(text, text)
        return migrate_dependency_file(
            text,
            filename,
            needs_async=needs_async,
            needs_identity=_identity(config, needs_identity),
        )

    return migrate


# What the runner calls, one per kind of dependency file: the same behaviour, each
# with its own default file name.
migrate_requirements = _runner_entry("requirements.txt")
migrate_pyproject = _runner_entry("pyproject.toml")
migrate_setup_cfg = _runner_entry("setup.cfg")


def _enabled(config: Optional[Config]) -> bool:
    return config is None or config.rule_enabled(DEPENDENCY_REWRITE)


def _identity(config: Optional[Config], needs_identity: Optional[bool]) -> bool:
    if needs_identity is not None:
        return needs_identity
    return config is not None and config.credential == "entra"
