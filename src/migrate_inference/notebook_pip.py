"""A notebook's pip lines and whether its cells still need openai (notebooks.py).

``pip install openai`` lines (``!pip``, ``%pip``, ``!python -m pip``, a bare
``pip install`` and lines in ``%%bash`` cells) are rewritten only when the migrated
code no longer references ``openai``; `--to openai` turns ``pip install
azure-ai-inference`` back into openai the same way.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional

from migrate_inference.config import Config
from migrate_inference.findings import Finding
from migrate_inference.notebook_cells import BROKEN, OPAQUE, PYTHON, SHELL, MaskedCell
from migrate_inference.notebook_json import Layout, located
from migrate_inference.pip_requirements import (
    DEPENDENCY_REWRITE,
    code_uses_openai,
    notebook_requirements,
    rewrite_pip_command,
)

_PIP_LINE = re.compile(r"^(?P<lead>[ \t]*(?:!|%)?[ \t]*)(?P<cmd>.*)$", re.DOTALL)


def still_uses_openai(cells: List[MaskedCell], new_masked: Dict[int, str]) -> bool:
    for cell in cells:
        if cell.kind == PYTHON:
            if code_uses_openai(new_masked.get(cell.index, cell.masked)):
                return True
        elif other_code_uses_openai(cell):
            return True
    return False


# Cell magics that write a Python file: the file may still need the openai package.
_FILE_CELL_MAGICS = frozenset({"writefile", "file"})


def other_code_uses_openai(cell: MaskedCell) -> bool:
    """For a cell left out of the migration: does it still need openai (in this kernel or in a file it writes)?"""
    if cell.kind == BROKEN or (
        cell.kind == OPAQUE and cell.magic_name in _FILE_CELL_MAGICS
    ):
        return code_uses_openai(cell.original)
    return False


_OPENAI_IMPORT = re.compile(
    r"^[ \t]*(?:import[ \t]+openai\b|from[ \t]+openai\b)", re.MULTILINE
)


def loses_openai_import(cells: List[MaskedCell], new_masked: Dict[int, str]) -> bool:
    """True when some cell still uses openai but the migration removed every ``import openai``."""

    def new_code(cell: MaskedCell) -> str:
        return (
            new_masked.get(cell.index, cell.masked)
            if cell.kind == PYTHON
            else cell.original
        )

    before = any(
        _OPENAI_IMPORT.search(c.masked if c.kind == PYTHON else c.original)
        for c in cells
    )
    after = any(_OPENAI_IMPORT.search(new_code(c)) for c in cells)
    still_used = any(
        (
            code_uses_openai(new_code(c))
            if c.kind == PYTHON
            else (c.kind == BROKEN and code_uses_openai(c.original))
        )
        for c in cells
    )
    return before and still_used and not after


def still_uses_inference(cells: List[MaskedCell], new_masked: Dict[int, str]) -> bool:
    """After `--to openai`, does a cell still name azure-ai-inference (a call left with a
    TODO keeps its import)? Then its pip lines stay."""
    return any(
        "azure.ai.inference" in new_masked.get(c.index, c.masked)
        for c in cells
        if c.kind == PYTHON
    ) or any("azure.ai.inference" in c.original for c in cells if c.kind == BROKEN)


def rewrite_pip_lines_back(
    cells: List[MaskedCell], layout: "Layout", config: Config
) -> List[Finding]:
    """`--to openai`: ``pip install azure-ai-inference`` installs openai instead."""
    from migrate_inference.to_openai.codes import DEPENDENCIES
    from migrate_inference.to_openai.deps import OPENAI_REQUIREMENT, SOURCE

    if not config.rule_enabled(DEPENDENCIES):
        return []
    return rewrite_pip_lines(
        cells, layout, config, {}, [OPENAI_REQUIREMENT], SOURCE, DEPENDENCIES
    )


def rewrite_pip_lines(
    cells: List[MaskedCell],
    layout: "Layout",
    config: Config,
    new_masked: Dict[int, str],
    requirements: Optional[List[str]] = None,
    source: str = "openai",
    code: str = DEPENDENCY_REWRITE,
) -> List[Finding]:
    if requirements is None:
        new_code = "\n".join(new_masked.values())
        requirements = notebook_requirements(
            needs_async="azure.ai.inference.aio" in new_code,
            needs_identity=config.credential == "entra" or "azure.identity" in new_code,
        )

    def finding(cell: MaskedCell, line: int) -> Finding:
        return _pip_finding(layout, cell, line, requirements, source, code)

    findings: List[Finding] = []
    for cell in cells:
        if cell.kind == PYTHON:
            for number, magic in enumerate(cell.magics):
                rewritten = _rewrite_pip_magic(magic, requirements, source)
                if rewritten is not None:
                    cell.magics[number] = rewritten
                    findings.append(finding(cell, cell.magic_lines[number]))
        elif cell.kind == SHELL:
            lines = cell.original.split("\n")
            for k, line in enumerate(lines):
                if k == 0 or line.lstrip().startswith("%%"):
                    continue
                rewritten = _rewrite_pip_magic(line, requirements, source)
                if rewritten is not None:
                    lines[k] = rewritten
                    findings.append(finding(cell, k + 1))
            cell.shell_rewritten = "\n".join(lines)
    return findings


def _rewrite_pip_magic(
    magic: str, requirements: List[str], source: str = "openai"
) -> Optional[str]:
    match = _PIP_LINE.match(magic)
    if match is None:
        return None
    command = rewrite_pip_command(match.group("cmd"), requirements, source)
    if command is None:
        return None
    return match.group("lead") + command


def _pip_finding(
    layout: "Layout",
    cell: MaskedCell,
    line: int,
    requirements: List[str],
    source: str = "openai",
    code: str = DEPENDENCY_REWRITE,
) -> Finding:
    wanted = ", ".join(requirements)
    return located(
        layout,
        cell.index,
        line,
        Finding(code, "rewrite", f"pip install: {source} replaced with {wanted}"),
    )
