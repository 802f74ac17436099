"""Dependency files for `--to openai`: ``azure-ai-inference`` becomes ``openai>=1.106``.

Same formats and the same care as `migrate_inference.deps` (requirements files,
PEP 621 / PEP 735 arrays in pyproject.toml, setup.cfg; markers and comments
kept, nothing else touched).  ``azure-identity`` and ``azure-core`` stay where
the file lists them: Entra ID code still uses azure-identity's credentials and
``get_bearer_token_provider``.  openai 1.106 is the first release that takes a
callable ``api_key`` (the token provider).

The runner calls these only when no migrated code file still uses
azure-ai-inference and some code uses openai.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

from migrate_inference import deps
from migrate_inference.config import Config
from migrate_inference.findings import ERROR, Finding, Result
from migrate_inference.to_openai.codes import DEPENDENCIES
from migrate_inference.to_openai.mapping import MIN_OPENAI

SOURCE = "azure-ai-inference"
OPENAI_REQUIREMENT = "openai" + MIN_OPENAI


def migrate_dependency_file(text: str, filename: str) -> Result:
    """Rewrite the ``azure-ai-inference`` requirement in one dependency file; never raises."""
    kind = deps.kind_of_dependency_file(filename)
    wanted = [OPENAI_REQUIREMENT]
    try:
        if kind == deps.PYPROJECT:
            result = deps.edit_pyproject(text, filename, wanted, SOURCE)
        elif kind == deps.SETUP_CFG:
            result = deps.edit_setup_cfg(text, filename, wanted, SOURCE)
        else:
            result = deps.edit_requirements(text, filename, wanted, SOURCE)
    except deps.LeaveFile as exc:
        message = f"{filename}: {exc}"
        return Result(
            text, text, [Finding(deps.READ_ERROR, ERROR, message)], error=message
        )
    except Exception as exc:  # a bug here must cost one file, not the run
        message = f"{filename}: internal error while rewriting dependencies: {type(exc).__name__}: {exc}"
        return Result(
            text, text, [Finding(deps.INTERNAL_ERROR, ERROR, message)], error=message
        )
    result.findings = [_reverse(f) for f in result.findings]
    return result


def _reverse(finding: Finding) -> Finding:
    message = finding.message.replace("openai requirement", f"{SOURCE} requirement", 1)
    if finding.code == deps.DEPENDENCY_REWRITE:
        message = message.replace(
            f"(already lists {deps.AZURE_INFERENCE})", "(already lists openai)"
        )
        return replace(finding, code=DEPENDENCIES, message=message)
    return replace(finding, message=message)


def _runner_entry(default_filename: str) -> Callable[..., Result]:
    def migrate(
        text: str,
        config: Optional[Config] = None,
        filename: str = default_filename,
        *,
        needs_async: bool = False,
        needs_identity: Optional[bool] = None,
    ) -> Result:
        """`migrate_dependency_file` in the engine's (text, config, filename) shape."""
        if config is not None and not config.rule_enabled(DEPENDENCIES):
            return Result(text, text)
        return migrate_dependency_file(text, filename)

    return migrate


migrate_requirements = _runner_entry("requirements.txt")
migrate_pyproject = _runner_entry("pyproject.toml")
migrate_setup_cfg = _runner_entry("setup.cfg")
