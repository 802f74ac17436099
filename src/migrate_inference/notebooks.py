"""Jupyter notebooks: migrate the code cells, leave every other byte alone.

    migrate_notebook(text, config, filename) -> Result

A notebook's code cells share one namespace: ``openai.api_key`` set in cell 1
is used by the call in cell 3.  So the code cells go to the engine as ONE
module, joined with marker lines, and the engine's output is split back at the
markers.  When that cannot be matched back exactly (a marker went missing or
moved), or the engine refuses the joined module, each cell is migrated on its
own instead.

IPython syntax is not Python: ``%pip install openai``, ``!ls``, ``x = !cmd``,
``obj?`` and cell magics such as ``%%time`` are swapped for placeholder
statements before parsing and put back, byte for byte, afterwards.  A cell
whose magic makes it another language (``%%bash``, ``%%writefile``, ...) or
that does not parse is left untouched.  The placeholders are ``import``
statements, so new imports the engine adds land after the notebook's leading
import cells, not above a ``%pip install`` line.

``pip install openai`` lines (``!pip``, ``%pip``, ``!python -m pip``, a bare
``pip install`` and lines in ``%%bash`` cells) are rewritten to
``azure-ai-inference>=1.0.0b9`` only when the migration changed the code and the
migrated code no longer references ``openai`` at all; otherwise the notebook
would lose a package it still imports (notebook_pip.py).

The JSON is never re-serialized: only the ``"source"`` values of cells whose
code changed are replaced in the original text, in the notebook's own
indentation and escaping style (unchanged lines keep their exact original
JSON), so outputs, metadata, execution counts, key order and the trailing
newline stay as they were.

Findings say where they are in the message (``cell 3, line 2: ...``; cells are
counted from 1 over all cells, markdown included, lines from 1 within the
cell), and their ``line`` is the line of the ``.ipynb`` file that holds that
source line, so annotations land on the right place of the JSON file.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

from migrate_inference import engine
from migrate_inference.config import Config
from migrate_inference.findings import ERROR, REWRITE, TODO, Finding, Result
from migrate_inference.notebook_cells import (
    BROKEN,
    PYTHON,
    SHELL,
    MaskedCell,
    has_top_level_await,
    join_cells,
    mask_cell,
    split_cells,
    unmask,
    unwrap_await,
    wrap_await,
)
from migrate_inference.notebook_json import (
    BOM,
    Layout,
    NotebookError,
    located,
    source_lines,
    splice_sources,
)
from migrate_inference.notebook_pip import (
    loses_openai_import,
    other_code_uses_openai,
    rewrite_pip_lines,
    rewrite_pip_lines_back,
    still_uses_inference,
    still_uses_openai,
)
from migrate_inference.pip_requirements import DEPENDENCY_REWRITE, code_uses_openai

# The cell masking and the JSON splicing under their former names here (tests read them).
_mask, _source_lines = mask_cell, source_lines

NOTEBOOK_ERROR = "MI002"
INTERNAL_ERROR = "MI004"
SYNTAX_ERROR = "MI001"

# ------------------------------------------------------------------ entry


def migrate_notebook(
    text: str, config: Optional[Config] = None, filename: str = "<notebook>"
) -> Result:
    """Migrate a notebook's code cells; never raises on bad input."""
    config = config or Config()
    try:
        return _migrate(text, config, filename)
    except NotebookError as exc:
        return _error(text, NOTEBOOK_ERROR, f"{filename}: {exc}")
    except Exception as exc:  # a bug here must cost one file, not the run
        message = f"{filename}: internal error in notebook handling: {type(exc).__name__}: {exc}"
        return _error(text, INTERNAL_ERROR, message)


def notebook_uses_openai(text: str) -> bool:
    """Whether a notebook's Python cells reference ``openai``; a notebook that cannot be read counts as using it."""
    try:
        notebook = _load(text)
    except NotebookError:
        return "openai" in text
    token = _unique_token([text])
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        masked = mask_cell(index, _source_text(cell), token)
        if masked.kind == PYTHON and code_uses_openai(masked.masked):
            return True
        if other_code_uses_openai(masked):
            return True
    return False


# ------------------------------------------------------------ the flow


def _error(text: str, code: str, message: str) -> Result:
    return Result(
        original=text,
        code=text,
        findings=[Finding(code, ERROR, message)],
        error=message,
    )


def _migrate(text: str, config: Config, filename: str) -> Result:
    notebook = _load(text)
    if not _is_python_notebook(notebook):
        return Result(original=text, code=text)
    layout = Layout.scan(text)
    cells = notebook["cells"]
    token = _unique_token([_source_text(c) for c in cells if isinstance(c, dict)])
    masked = [
        mask_cell(i, _source_text(cell), token)
        for i, cell in enumerate(cells)
        if cell.get("cell_type") == "code"
    ]
    findings: List[Finding] = []
    for cell in masked:
        if cell.kind == BROKEN and code_uses_openai(cell.original):
            findings.append(
                _cell_finding(
                    layout,
                    cell,
                    cell.broken_line,
                    Finding(
                        SYNTAX_ERROR,
                        TODO,
                        f"not valid Python ({cell.broken_reason}); cell left unchanged",
                    ),
                )
            )
    python_cells = [c for c in masked if c.kind == PYTHON]
    new_masked, engine_findings, error = _run_engine(
        python_cells, config, filename, token, layout
    )
    findings.extend(engine_findings)

    changed = any(new_masked[c.index] != c.masked for c in python_cells)
    if changed and loses_openai_import(masked, new_masked):
        return Result(
            original=text,
            code=text,
            findings=[f for f in findings if f.kind != REWRITE]
            + [
                Finding(
                    "MI003",
                    TODO,
                    "cells that still use openai would lose their `import openai`; notebook left unchanged",
                )
            ],
        )
    if (
        changed
        and not config.to_openai
        and config.rule_enabled(DEPENDENCY_REWRITE)
        and not still_uses_openai(masked, new_masked)
    ):
        findings.extend(rewrite_pip_lines(masked, layout, config, new_masked))
    elif changed and config.to_openai and not still_uses_inference(masked, new_masked):
        findings.extend(rewrite_pip_lines_back(masked, layout, config))

    new_sources: Dict[int, str] = {}
    for cell in masked:
        if cell.kind == PYTHON:
            restored = unmask(new_masked.get(cell.index, cell.masked), cell, token)
            if restored is None:
                message = "an IPython line could not be put back after migration; cell left unchanged"
                findings.append(
                    _cell_finding(
                        layout, cell, 1, Finding(INTERNAL_ERROR, TODO, message)
                    )
                )
                continue
        elif cell.kind == SHELL:
            restored = (
                cell.shell_rewritten
                if cell.shell_rewritten is not None
                else cell.original
            )
        else:
            continue
        if restored != cell.original and cell.index in layout.spans:
            new_sources[cell.index] = restored

    if error is not None and not new_sources:
        return Result(original=text, code=text, findings=findings, error=error)
    new_text = splice_sources(text, notebook, layout, new_sources)
    return Result(original=text, code=new_text, findings=findings)


def _load(text: str) -> Dict[str, Any]:
    body = text[1:] if text.startswith(BOM) else text
    try:
        notebook = json.loads(body)
    except ValueError as exc:
        raise NotebookError(f"not a valid notebook: bad JSON ({exc})") from None
    except RecursionError:
        raise NotebookError("not a valid notebook: JSON nested too deeply") from None
    if not isinstance(notebook, dict):
        raise NotebookError("not a valid notebook: the top level is not a JSON object")
    if "cells" not in notebook:
        if "worksheets" in notebook:
            raise NotebookError(
                "nbformat 3 notebooks are not supported; convert with `jupyter nbconvert --to notebook`"
            )
        raise NotebookError('not a valid notebook: no "cells" list')
    cells = notebook["cells"]
    if not isinstance(cells, list):
        raise NotebookError('not a valid notebook: "cells" is not a list')
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise NotebookError(
                f"not a valid notebook: cell {number} is not a JSON object"
            )
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            if not isinstance(source, str) and not (
                isinstance(source, list) and all(isinstance(s, str) for s in source)
            ):
                raise NotebookError(
                    f'not a valid notebook: cell {number} "source" is neither a string nor a list of strings'
                )
    return notebook


def _is_python_notebook(notebook: Dict[str, Any]) -> bool:
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for key, inner in (("kernelspec", "language"), ("language_info", "name")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(inner), str):
            return section[inner].lower() in (
                "python",
                "python3",
                "ipython",
                "ipython3",
            )
    return True


def _source_text(cell: Dict[str, Any]) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _unique_token(texts: Sequence[str]) -> str:
    token, counter = "__migrate_inference", 0
    while any(token in t for t in texts):
        counter += 1
        token = f"__migrate_inference{counter}"
    return token


# --------------------------------------------------------- running the engine


def _run_engine(
    cells: List[MaskedCell],
    config: Config,
    filename: str,
    token: str,
    layout: "Layout",
) -> Tuple[Dict[int, str], List[Finding], Optional[str]]:
    """New masked text per cell index, findings, and an error when nothing could be migrated.

    First all cells as one module.  If the engine refuses that, the cells that
    cannot be in it (top-level ``await``, which only IPython accepts, or cells
    the engine refuses on their own) are set aside, the others are tried as
    one module again, and the cells set aside are migrated one by one.  Failing
    that, every cell is migrated on its own.
    """
    if not cells:
        return {}, [], None
    joined = _try_joined(cells, config, filename, token, layout)
    awaiting = {c.index for c in cells if has_top_level_await(c.masked)}
    if joined is None and awaiting:
        joined = _try_joined(cells, config, filename, token, layout, wrap=awaiting)
    if joined is not None:
        return joined[0], joined[1], None
    solo: Dict[int, Result] = {}
    excluded = set(awaiting)
    if not excluded:
        solo = {c.index: _call_engine(c.masked, config, filename) for c in cells}
        excluded = {index for index, result in solo.items() if result.error is not None}
    rest = [c for c in cells if c.index not in excluded]
    if excluded and rest:
        joined = _try_joined(rest, config, filename, token, layout)
        if joined is not None:
            pieces, findings = joined
            aside = [c for c in cells if c.index in excluded]
            more, more_findings, _ = _run_per_cell(
                aside, config, filename, token, layout, solo, others_migrated=True
            )
            pieces.update(more)
            findings.extend(more_findings)
            for cell in aside:
                if (
                    pieces[cell.index] == cell.masked
                    and code_uses_openai(cell.masked)
                    and cell.index in awaiting
                ):
                    findings.append(
                        _cell_finding(
                            layout,
                            cell,
                            1,
                            Finding(
                                "MI003",
                                TODO,
                                "top-level await: this cell could not be migrated together with the "
                                "notebook's other cells; cell left unchanged",
                            ),
                        )
                    )
            return pieces, findings, None
    return _run_per_cell(cells, config, filename, token, layout, solo)


def _try_joined(
    cells: List[MaskedCell],
    config: Config,
    filename: str,
    token: str,
    layout: "Layout",
    wrap: Sequence[int] = (),
) -> Optional[Tuple[Dict[int, str], List[Finding]]]:
    """All ``cells`` as one module; ``wrap``: cells with top-level await, each put in an ``async def`` body."""
    used = [wrap_await(c, token) if c.index in wrap else c for c in cells]
    joined, origin = join_cells(used, token)
    result = _call_engine(joined, config, filename)
    if result.error is not None:
        return None
    pieces = split_cells(result.code, used, token)
    if pieces is None:
        return None
    for cell in used:
        if not cell.wrappers:
            continue
        unwrapped = unwrap_await(pieces[cell.index], token, cell)
        if unwrapped is None:
            return None
        pieces[cell.index] = unwrapped
    if any(unmask(pieces[c.index], c, token) is None for c in cells):
        return None
    return pieces, [_map_finding(layout, used, origin, f) for f in result.findings]


def _run_per_cell(
    cells: List[MaskedCell],
    config: Config,
    filename: str,
    token: str,
    layout: "Layout",
    solo: Optional[Dict[int, Result]] = None,
    others_migrated: bool = False,
) -> Tuple[Dict[int, str], List[Finding], Optional[str]]:
    pieces: Dict[int, str] = {}
    findings: List[Finding] = []
    errors: List[Finding] = []
    for cell in cells:
        result = (solo or {}).get(cell.index) or _call_engine(
            cell.masked, config, filename
        )
        origin = [(cell.index, line) for line in cell.origin]
        mapped = [_map_finding(layout, cells, origin, f) for f in result.findings]
        if result.error is not None:
            pieces[cell.index] = cell.masked
            errors.extend(f for f in mapped if f.kind == ERROR)
            findings.extend(f for f in mapped if f.kind != ERROR)
            continue
        if unmask(result.code, cell, token) is None:
            pieces[cell.index] = cell.masked
            findings.append(
                _cell_finding(
                    layout,
                    cell,
                    1,
                    Finding(
                        INTERNAL_ERROR,
                        TODO,
                        "an IPython line was lost in migration; cell left unchanged",
                    ),
                )
            )
            continue
        pieces[cell.index] = result.code
        findings.extend(mapped)
    if (
        errors
        and not others_migrated
        and all(pieces[c.index] == c.masked for c in cells)
    ):
        return pieces, findings + errors, errors[0].message
    # Some cells migrated: a cell the engine could not handle is left for a person.
    findings.extend(
        replace(f, kind=TODO, message=f"{f.message}; cell left unchanged")
        for f in errors
    )
    return pieces, findings, None


def _call_engine(code: str, config: Config, filename: str) -> Result:
    try:
        return engine.migrate_source(code, config, filename)
    except (
        Exception
    ) as exc:  # the engine should never raise; if it does, this notebook must not crash the run
        message = f"internal error: {type(exc).__name__}: {exc}"
        return Result(
            original=code,
            code=code,
            findings=[Finding(INTERNAL_ERROR, ERROR, message)],
            error=message,
        )


# ------------------------------------------------------------ findings


def _map_finding(
    layout: "Layout",
    cells: List[MaskedCell],
    origin: List[Tuple[int, int]],
    finding: Finding,
) -> Finding:
    if not origin:
        return finding
    index, line = origin[min(max(finding.line, 1), len(origin)) - 1]
    return located(layout, index, line, finding)


def _cell_finding(
    layout: "Layout", cell: MaskedCell, line: int, finding: Finding
) -> Finding:
    return located(layout, cell.index, line, finding)
