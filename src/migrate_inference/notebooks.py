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
would lose a package it still imports.

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
import re
from dataclasses import dataclass, field, replace
from json.decoder import scanstring
from typing import Any, Dict, List, Optional, Sequence, Tuple

from migrate_inference import engine
from migrate_inference.config import Config
from migrate_inference.deps import (
    DEPENDENCY_REWRITE,
    code_uses_openai,
    notebook_requirements,
    rewrite_pip_command,
)
from migrate_inference.findings import ERROR, REWRITE, TODO, Finding, Result

NOTEBOOK_ERROR = "MI002"
INTERNAL_ERROR = "MI004"
SYNTAX_ERROR = "MI001"

# Cell magics whose body is ordinary Python run in the notebook's namespace.
PYTHON_BODY_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "memit", "mprun"}
)
# Cell magics whose body is a shell script: their pip lines are rewritten too.
SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system", "!"})

_BOM = "\ufeff"
_JSON_WS = " \t\n\r"
_DECODER = json.JSONDecoder()

# A line IPython treats as a command rather than Python.
_MAGIC_LINE = re.compile(
    r"""^[ \t]*(?:
        (?:[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*)?[!%]  # !cmd, %magic, x = !cmd
      | \?{1,2}[\w.*\[\]]                       # ?obj, ??obj
      | [\w.*\[\]()]+\?{1,2}[ \t]*$            # obj?, obj??
      | (?:pip3?|conda|mamba)[ \t]+install\b   # automagic pip install
    )""",
    re.VERBOSE,
)
_PIP_LINE = re.compile(r"^(?P<lead>[ \t]*(?:!|%)?[ \t]*)(?P<cmd>.*)$", re.DOTALL)


# ------------------------------------------------------------------ entry


def migrate_notebook(
    text: str, config: Optional[Config] = None, filename: str = "<notebook>"
) -> Result:
    """Migrate a notebook's code cells; never raises on bad input."""
    config = config or Config()
    try:
        return _migrate(text, config, filename)
    except _NotebookError as exc:
        return _error(text, NOTEBOOK_ERROR, f"{filename}: {exc}")
    except Exception as exc:  # a bug here must cost one file, not the run
        message = f"{filename}: internal error in notebook handling: {type(exc).__name__}: {exc}"
        return _error(text, INTERNAL_ERROR, message)


def notebook_uses_openai(text: str) -> bool:
    """Whether a notebook's Python cells reference ``openai``; a notebook that cannot be read counts as using it."""
    try:
        notebook = _load(text)
    except _NotebookError:
        return "openai" in text
    token = _unique_token([text])
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        masked = _mask(index, _source_text(cell), token)
        if masked.kind == _PYTHON and code_uses_openai(masked.masked):
            return True
        if _other_code_uses_openai(masked):
            return True
    return False


# ------------------------------------------------------------ the flow


class _NotebookError(Exception):
    """The text is not a notebook this module can handle."""


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
    layout = _Layout.scan(text)
    cells = notebook["cells"]
    token = _unique_token([_source_text(c) for c in cells if isinstance(c, dict)])
    masked = [
        _mask(i, _source_text(cell), token)
        for i, cell in enumerate(cells)
        if cell.get("cell_type") == "code"
    ]
    findings: List[Finding] = []
    for cell in masked:
        if cell.kind == _BROKEN and code_uses_openai(cell.original):
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
    python_cells = [c for c in masked if c.kind == _PYTHON]
    new_masked, engine_findings, error = _run_engine(
        python_cells, config, filename, token, layout
    )
    findings.extend(engine_findings)

    changed = any(new_masked[c.index] != c.masked for c in python_cells)
    if changed and _loses_openai_import(masked, new_masked):
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
        and config.rule_enabled(DEPENDENCY_REWRITE)
        and not _still_uses_openai(masked, new_masked)
    ):
        findings.extend(_rewrite_pip_lines(masked, layout, config, new_masked))

    new_sources: Dict[int, str] = {}
    for cell in masked:
        if cell.kind == _PYTHON:
            restored = _unmask(new_masked.get(cell.index, cell.masked), cell, token)
            if restored is None:
                message = "an IPython line could not be put back after migration; cell left unchanged"
                findings.append(
                    _cell_finding(
                        layout, cell, 1, Finding(INTERNAL_ERROR, TODO, message)
                    )
                )
                continue
        elif cell.kind == _SHELL:
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
    new_text = _splice(text, notebook, layout, new_sources)
    return Result(original=text, code=new_text, findings=findings)


def _load(text: str) -> Dict[str, Any]:
    body = text[1:] if text.startswith(_BOM) else text
    try:
        notebook = json.loads(body)
    except ValueError as exc:
        raise _NotebookError(f"not a valid notebook: bad JSON ({exc})") from None
    except RecursionError:
        raise _NotebookError("not a valid notebook: JSON nested too deeply") from None
    if not isinstance(notebook, dict):
        raise _NotebookError("not a valid notebook: the top level is not a JSON object")
    if "cells" not in notebook:
        if "worksheets" in notebook:
            raise _NotebookError(
                "nbformat 3 notebooks are not supported; convert with `jupyter nbconvert --to notebook`"
            )
        raise _NotebookError('not a valid notebook: no "cells" list')
    cells = notebook["cells"]
    if not isinstance(cells, list):
        raise _NotebookError('not a valid notebook: "cells" is not a list')
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise _NotebookError(
                f"not a valid notebook: cell {number} is not a JSON object"
            )
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            if not isinstance(source, str) and not (
                isinstance(source, list) and all(isinstance(s, str) for s in source)
            ):
                raise _NotebookError(
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


# ------------------------------------------------------------- masking

_PYTHON = "python"  # Python, possibly with masked IPython lines
_SHELL = "shell"  # a %%bash-like cell
_OPAQUE = "opaque"  # another cell magic: left alone
_BROKEN = "broken"  # does not parse: left alone


@dataclass
class _MaskedCell:
    index: int
    original: str
    kind: str = _PYTHON
    masked: str = ""
    magics: List[str] = field(
        default_factory=list
    )  # original text of each masked line (joined continuation lines)
    magic_lines: List[int] = field(
        default_factory=list
    )  # the line (1-based) in the cell where each magic starts
    origin: List[int] = field(
        default_factory=list
    )  # masked line k (0-based) -> line in the original cell (1-based)
    magic_name: str = ""  # the cell magic, for cells that start with one
    broken_reason: str = ""
    broken_line: int = 1
    shell_rewritten: Optional[str] = None
    wrappers: List[str] = field(
        default_factory=list
    )  # the async def lines put around top-level await


def _mask(index: int, source: str, token: str) -> _MaskedCell:
    cell = _MaskedCell(index, source)
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    out: List[str] = []
    i = 0
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].lstrip()[2:].split(maxsplit=1)
        magic = name[0] if name else ""
        cell.magic_name = magic
        if magic in SHELL_CELL_MAGICS:
            cell.kind = _SHELL
            return cell
        if magic not in PYTHON_BODY_CELL_MAGICS:
            cell.kind = _OPAQUE
            return cell
    while i < len(lines):
        line = lines[i]
        if _MAGIC_LINE.match(line) or (i == first and line.lstrip().startswith("%%")):
            start = i
            while lines[i].endswith("\\") and i + 1 < len(lines):
                i += 1
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}import {token}_m{len(cell.magics)}")
            cell.magics.append("\n".join(lines[start : i + 1]))
            cell.magic_lines.append(start + 1)
            cell.origin.append(start + 1)
        else:
            out.append(line)
            cell.origin.append(i + 1)
        i += 1
    cell.masked = "\n".join(out)
    problem = _parse_problem(cell.masked)
    if problem is not None:
        cell.kind = _BROKEN
        cell.broken_reason, masked_line = problem
        cell.broken_line = cell.origin[min(max(masked_line, 1), len(cell.origin)) - 1]
    return cell


def _parse_problem(code: str) -> Optional[Tuple[str, int]]:
    import libcst

    from migrate_inference.guards import refusal

    refused = refusal(code, "cell.ipynb")  # known crashers never reach LibCST
    if refused:
        return refused, 1
    try:
        libcst.parse_module(code)
    except libcst.ParserSyntaxError as exc:
        return (
            exc.message.splitlines()[0] if exc.message else "syntax error"
        ), exc.raw_line
    except Exception as exc:  # libcst may raise other errors on odd input
        return f"{type(exc).__name__}: {exc}", 1
    return None


def _unmask(code: str, cell: _MaskedCell, token: str) -> Optional[str]:
    """Put the masked IPython lines back; None when a placeholder is missing or doubled."""
    pattern = re.compile(rf"^([ \t]*)import {re.escape(token)}_m(\d+)[ \t]*$")
    lines = code.split("\n")
    seen: List[int] = []
    for k, line in enumerate(lines):
        if token not in line:
            continue
        match = pattern.match(line)
        if match is None:
            return None
        number = int(match.group(2))
        if number >= len(cell.magics):
            return None
        seen.append(number)
        original = cell.magics[number]
        old_indent = original[: len(original) - len(original.lstrip())]
        new_indent = match.group(1)
        lines[k] = (
            original
            if new_indent == old_indent
            else new_indent + original[len(old_indent) :]
        )
    if sorted(seen) != list(range(len(cell.magics))):
        return None
    return "\n".join(lines)


# --------------------------------------------------------- running the engine


def _run_engine(
    cells: List[_MaskedCell],
    config: Config,
    filename: str,
    token: str,
    layout: "_Layout",
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
    awaiting = {c.index for c in cells if _has_top_level_await(c.masked)}
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
    cells: List[_MaskedCell],
    config: Config,
    filename: str,
    token: str,
    layout: "_Layout",
    wrap: Sequence[int] = (),
) -> Optional[Tuple[Dict[int, str], List[Finding]]]:
    """All ``cells`` as one module; ``wrap``: cells with top-level await, each put in an ``async def`` body."""
    used = [_wrap_await(c, token) if c.index in wrap else c for c in cells]
    joined, origin = _join(used, token)
    result = _call_engine(joined, config, filename)
    if result.error is not None:
        return None
    pieces = _split(result.code, used, token)
    if pieces is None:
        return None
    for cell in used:
        if not cell.wrappers:
            continue
        unwrapped = _unwrap_await(pieces[cell.index], token, cell)
        if unwrapped is None:
            return None
        pieces[cell.index] = unwrapped
    if any(_unmask(pieces[c.index], c, token) is None for c in cells):
        return None
    return pieces, [_map_finding(layout, used, origin, f) for f in result.findings]


_WRAP_INDENT = "    "


def _wrap_await(cell: _MaskedCell, token: str) -> _MaskedCell:
    """Each top-level statement that only IPython compiles (``await``, ``async for``/``with``) as the
    body of its own ``async def``, with ``global`` for the names it binds, so the rest of the cell
    stays at module level and the compiler accepts the module; lines still map to the cell.
    """
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider

    wrapper = MetadataWrapper(libcst.parse_module(cell.masked))
    positions = wrapper.resolve(PositionProvider)
    spans: Dict[int, Tuple[int, List[str]]] = (
        {}
    )  # first line (0-based) -> (last line, names bound)
    for statement in wrapper.module.body:
        if _has_top_level_await(wrapper.module.code_for_node(statement)):
            position = positions[statement]
            spans[position.start.line - 1] = (
                position.end.line - 1,
                _bound_names(statement),
            )
    lines = cell.masked.split("\n")
    out: List[str] = []
    origin: List[int] = []
    headers: List[str] = []
    end = -1
    for number, line in enumerate(lines):
        if number in spans:
            end, names = spans[number]
            head = [f"async def {token}_a{cell.index}_{len(headers)}():"]
            if names:
                head.append(f"{_WRAP_INDENT}global {', '.join(names)}")
            headers.append("\n".join(head))
            out.extend(head)
            origin.extend([cell.origin[number]] * len(head))
        out.append(_WRAP_INDENT + line if number <= end and line.strip() else line)
        origin.append(cell.origin[number])
    return replace(cell, masked="\n".join(out), origin=origin, wrappers=headers)


def _bound_names(statement: Any) -> List[str]:
    """Names a top-level statement binds (assignment, for, with ... as, :=), not inside nested scopes."""
    import libcst

    names: List[str] = []

    class Binder(libcst.CSTVisitor):
        def _add(self, target: Any) -> None:
            if isinstance(target, libcst.Name):
                if target.value not in names:
                    names.append(target.value)
            elif isinstance(target, (libcst.Tuple, libcst.List)):
                for element in target.elements:
                    self._add(element.value)
            elif isinstance(target, libcst.StarredElement):
                self._add(target.value)

        def visit_AssignTarget(self, node: Any) -> None:
            self._add(node.target)

        def visit_AnnAssign(self, node: Any) -> None:
            self._add(node.target)

        def visit_AugAssign(self, node: Any) -> None:
            self._add(node.target)

        def visit_For(self, node: Any) -> None:
            self._add(node.target)

        def visit_AsName(self, node: Any) -> None:
            self._add(node.name)

        def visit_NamedExpr(self, node: Any) -> None:
            self._add(node.target)

        def visit_FunctionDef(self, node: Any) -> bool:
            self._add(node.name)
            return False

        def visit_ClassDef(self, node: Any) -> bool:
            self._add(node.name)
            return False

        def visit_Lambda(self, node: Any) -> bool:
            return False

        def visit_ListComp(self, node: Any) -> bool:
            return False

        def visit_SetComp(self, node: Any) -> bool:
            return False

        def visit_DictComp(self, node: Any) -> bool:
            return False

        def visit_GeneratorExp(self, node: Any) -> bool:
            return False

    statement.visit(Binder())
    return names


def _unwrap_await(code: str, token: str, cell: _MaskedCell) -> Optional[str]:
    """Undo ``_wrap_await`` on the engine's output; None when a wrapper is missing or was changed."""
    lines = code.split("\n")
    out: List[str] = []
    seen = 0
    i = 0
    while i < len(lines):
        if seen < len(cell.wrappers):
            head = cell.wrappers[seen].split("\n")
            if lines[i : i + len(head)] == head:
                seen += 1
                i += len(head)
                while i < len(lines) and (
                    not lines[i].strip() or lines[i].startswith(_WRAP_INDENT)
                ):
                    out.append(
                        lines[i][len(_WRAP_INDENT) :] if lines[i].strip() else lines[i]
                    )
                    i += 1
                continue
        if token in lines[i] and " def " in f" {lines[i]}":
            return None
        out.append(lines[i])
        i += 1
    return "\n".join(out) if seen == len(cell.wrappers) else None


def _has_top_level_await(code: str) -> bool:
    """Whether the code compiles only as IPython compiles it (top-level await, async for, async with)."""
    import ast

    try:
        compile(code, "<cell>", "exec", dont_inherit=True)
        return False
    except SyntaxError:
        pass
    except Exception:
        return False
    try:
        compile(
            code,
            "<cell>",
            "exec",
            flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
            dont_inherit=True,
        )
        return True
    except Exception:
        return False


def _run_per_cell(
    cells: List[_MaskedCell],
    config: Config,
    filename: str,
    token: str,
    layout: "_Layout",
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
        if _unmask(result.code, cell, token) is None:
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


def _marker(token: str, index: int, import_style: bool) -> str:
    return f"import {token}_c{index}" if import_style else f"{token}_c{index} = {index}"


def _join(cells: List[_MaskedCell], token: str) -> Tuple[str, List[Tuple[int, int]]]:
    """One module; ``origin[k]`` is the (cell index, cell line) of joined line k+1.

    A marker is an ``import`` when the cell after it starts with an import (or
    a masked magic), so a run of leading import cells stays one import block
    and the engine's new imports are placed after it; otherwise the marker is a
    plain assignment, which ends the block.
    """
    parts: List[str] = []
    origin: List[Tuple[int, int]] = []
    for n, cell in enumerate(cells):
        if n:
            parts.append(
                _marker(token, cell.index, _starts_with_import(cell.masked)) + "\n"
            )
            origin.append((cell.index, 1))
        text = (
            cell.masked
            if cell.masked.endswith("\n") or not cell.masked
            else cell.masked + "\n"
        )
        parts.append(text)
        origin.extend((cell.index, line) for line in cell.origin[: text.count("\n")])
    return "".join(parts), origin


def _starts_with_import(code: str) -> bool:
    for line in code.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith(("import ", "from ")) and not line[:1].isspace()
    return False


def _split(code: str, cells: List[_MaskedCell], token: str) -> Optional[Dict[int, str]]:
    """Cut the engine's output back into cells; None unless every marker is there once, in order."""
    pattern = re.compile(
        rf"^(?:import {re.escape(token)}_c(\d+)|{re.escape(token)}_c(\d+) = \d+)[ \t]*$"
    )
    segments: List[List[str]] = [[]]
    found: List[int] = []
    lines = code.split("\n")
    for line in lines:
        if token in line and "_c" in line:
            match = pattern.match(line)
            if match is not None:
                found.append(int(match.group(1) or match.group(2)))
                segments.append([])
                continue
        segments[-1].append(line)
    if found != [c.index for c in cells[1:]]:
        return None
    pieces: Dict[int, str] = {}
    for cell, segment in zip(cells, segments):
        pieces[cell.index] = _fit_ends(cell.masked, "\n".join(segment))
    return pieces


def _fit_ends(old: str, new: str) -> str:
    """Give a split-off cell the original's trailing newlines (the join and the engine may add blank lines there)."""
    old_core = old.rstrip("\n")
    tail = old[len(old_core) :]
    core = new.rstrip("\n")
    old_blank_tail = old_core.endswith("\n") and not old_core.split("\n")[-1].strip()
    while not old_blank_tail and "\n" in core and not core.split("\n")[-1].strip():
        core = core[: core.rfind("\n")].rstrip("\n")
    if not core.strip() and not old_core.strip():
        return old
    return core + tail


# ---------------------------------------------------------------- pip lines


def _still_uses_openai(cells: List[_MaskedCell], new_masked: Dict[int, str]) -> bool:
    for cell in cells:
        if cell.kind == _PYTHON:
            if code_uses_openai(new_masked.get(cell.index, cell.masked)):
                return True
        elif _other_code_uses_openai(cell):
            return True
    return False


# Cell magics that write a Python file: the file may still need the openai package.
_FILE_CELL_MAGICS = frozenset({"writefile", "file"})


def _other_code_uses_openai(cell: _MaskedCell) -> bool:
    """For a cell left out of the migration: does it still need openai (in this kernel or in a file it writes)?"""
    if cell.kind == _BROKEN or (
        cell.kind == _OPAQUE and cell.magic_name in _FILE_CELL_MAGICS
    ):
        return code_uses_openai(cell.original)
    return False


_OPENAI_IMPORT = re.compile(
    r"^[ \t]*(?:import[ \t]+openai\b|from[ \t]+openai\b)", re.MULTILINE
)


def _loses_openai_import(cells: List[_MaskedCell], new_masked: Dict[int, str]) -> bool:
    """True when some cell still uses openai but the migration removed every ``import openai``."""

    def new_code(cell: _MaskedCell) -> str:
        return (
            new_masked.get(cell.index, cell.masked)
            if cell.kind == _PYTHON
            else cell.original
        )

    before = any(
        _OPENAI_IMPORT.search(c.masked if c.kind == _PYTHON else c.original)
        for c in cells
    )
    after = any(_OPENAI_IMPORT.search(new_code(c)) for c in cells)
    still_used = any(
        (
            code_uses_openai(new_code(c))
            if c.kind == _PYTHON
            else (c.kind == _BROKEN and code_uses_openai(c.original))
        )
        for c in cells
    )
    return before and still_used and not after


def _rewrite_pip_lines(
    cells: List[_MaskedCell],
    layout: "_Layout",
    config: Config,
    new_masked: Dict[int, str],
) -> List[Finding]:
    new_code = "\n".join(new_masked.values())
    requirements = notebook_requirements(
        needs_async="azure.ai.inference.aio" in new_code,
        needs_identity=config.credential == "entra" or "azure.identity" in new_code,
    )
    findings: List[Finding] = []
    for cell in cells:
        if cell.kind == _PYTHON:
            for number, magic in enumerate(cell.magics):
                rewritten = _rewrite_pip_magic(magic, requirements)
                if rewritten is not None:
                    cell.magics[number] = rewritten
                    findings.append(
                        _pip_finding(
                            layout, cell, cell.magic_lines[number], requirements
                        )
                    )
        elif cell.kind == _SHELL:
            lines = cell.original.split("\n")
            for k, line in enumerate(lines):
                if k == 0 or line.lstrip().startswith("%%"):
                    continue
                rewritten = _rewrite_pip_magic(line, requirements)
                if rewritten is not None:
                    lines[k] = rewritten
                    findings.append(_pip_finding(layout, cell, k + 1, requirements))
            cell.shell_rewritten = "\n".join(lines)
    return findings


def _rewrite_pip_magic(magic: str, requirements: List[str]) -> Optional[str]:
    match = _PIP_LINE.match(magic)
    if match is None:
        return None
    command = rewrite_pip_command(match.group("cmd"), requirements)
    if command is None:
        return None
    return match.group("lead") + command


def _pip_finding(
    layout: "_Layout", cell: _MaskedCell, line: int, requirements: List[str]
) -> Finding:
    wanted = ", ".join(requirements)
    return _cell_finding(
        layout,
        cell,
        line,
        Finding(
            DEPENDENCY_REWRITE, "rewrite", f"pip install: openai replaced with {wanted}"
        ),
    )


# ------------------------------------------------------------ findings


def _map_finding(
    layout: "_Layout",
    cells: List[_MaskedCell],
    origin: List[Tuple[int, int]],
    finding: Finding,
) -> Finding:
    if not origin:
        return finding
    index, line = origin[min(max(finding.line, 1), len(origin)) - 1]
    return _located(layout, index, line, finding)


def _cell_finding(
    layout: "_Layout", cell: _MaskedCell, line: int, finding: Finding
) -> Finding:
    return _located(layout, cell.index, line, finding)


def _located(layout: "_Layout", index: int, line: int, finding: Finding) -> Finding:
    return replace(
        finding,
        message=f"cell {index + 1}, line {line}: {finding.message}",
        line=layout.json_line(index, line),
        column=1,
    )


# ------------------------------------------------------- the JSON text


@dataclass
class _SourceSpan:
    start: int  # the value's span in the text
    end: int
    key_line_start: int  # where the line holding the "source" key begins
    items: Optional[List[Tuple[int, int]]]  # spans of list elements; None for a string


class _Layout:
    """Where each cell's ``"source"`` value sits in the notebook text, found by a small JSON walker."""

    def __init__(self, text: str, spans: Dict[int, _SourceSpan]) -> None:
        self.text = text
        self.spans = spans
        self._line_starts: Optional[List[int]] = None

    @classmethod
    def scan(cls, text: str) -> "_Layout":
        spans: Dict[int, _SourceSpan] = {}
        i = _skip_ws(text, 1 if text.startswith(_BOM) else 0)
        if text[i : i + 1] != "{":
            raise _NotebookError(
                "not a valid notebook: the top level is not a JSON object"
            )
        for key, start in _object_members(text, i):
            if key != "cells":
                continue
            spans = {}
            for number, cell_start in enumerate(_array_members(text, start)):
                if text[cell_start] != "{":
                    continue
                for cell_key, value_start in _object_members(text, cell_start):
                    if cell_key == "source":
                        spans[number] = _source_span(text, value_start)
        return cls(text, spans)

    def json_line(self, index: int, cell_line: int) -> int:
        span = self.spans.get(index)
        if span is None:
            return 1
        position = span.start
        if span.items:
            # Element k holds some lines of the cell; find the one holding cell_line.
            seen = 0
            for item_start, item_end in span.items:
                position = item_start
                seen += json.loads(self.text[item_start:item_end]).count("\n")
                if seen >= cell_line:
                    break
        return self.text.count("\n", 0, position) + 1


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _JSON_WS:
        i += 1
    return i


def _skip_value(text: str, i: int) -> int:
    if text[i] == '"':
        return scanstring(text, i + 1)[1]
    return _DECODER.raw_decode(text, i)[1]


def _object_members(text: str, i: int):
    """(key, value start) for each member of the object at ``i``; consumes the object."""
    i = _skip_ws(text, i + 1)
    if text[i] == "}":
        return
    while True:
        key, i = scanstring(text, i + 1)
        i = _skip_ws(text, _skip_ws(text, i) + 1)  # past ':'
        yield key, i
        i = _skip_ws(text, _skip_value(text, i))
        if text[i] == "}":
            return
        i = _skip_ws(text, i + 1)  # past ','


def _array_members(text: str, i: int):
    i = _skip_ws(text, i + 1)
    if text[i] == "]":
        return
    while True:
        yield i
        i = _skip_ws(text, _skip_value(text, i))
        if text[i] == "]":
            return
        i = _skip_ws(text, i + 1)


def _source_span(text: str, start: int) -> _SourceSpan:
    key_line_start = text.rfind("\n", 0, start) + 1
    if text[start] == "[":
        items: List[Tuple[int, int]] = []
        i = _skip_ws(text, start + 1)
        if text[i] != "]":
            while True:
                end = _skip_value(text, i)
                items.append((i, end))
                i = _skip_ws(text, end)
                if text[i] == "]":
                    break
                i = _skip_ws(text, i + 1)
        return _SourceSpan(start, i + 1, key_line_start, items)
    return _SourceSpan(start, _skip_value(text, start), key_line_start, None)


# ------------------------------------------------------------- splicing


def _splice(
    text: str, notebook: Dict[str, Any], layout: _Layout, new_sources: Dict[int, str]
) -> str:
    """Replace the changed cells' source values in the original text; check the result."""
    if not new_sources:
        return text
    style = _JsonStyle.detect(text)
    pieces: List[str] = []
    position = 0
    for index in sorted(new_sources):
        span = layout.spans[index]
        pieces.append(text[position : span.start])
        pieces.append(style.source_value(text, span, new_sources[index]))
        position = span.end
    pieces.append(text[position:])
    new_text = "".join(pieces)

    expected = json.loads(json.dumps(notebook))
    for index, source in new_sources.items():
        cell = expected["cells"][index]
        cell["source"] = (
            source if isinstance(cell.get("source"), str) else _source_lines(source)
        )
    body = new_text[1:] if new_text.startswith(_BOM) else new_text
    if json.loads(body) != expected:
        raise AssertionError(
            "the rewritten notebook JSON does not match the migrated cells"
        )
    return new_text


def _source_lines(source: str) -> List[str]:
    """Jupyter's split: every line keeps its newline, the last one may have none."""
    parts = source.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


@dataclass
class _JsonStyle:
    ensure_ascii: bool
    indent_unit: str
    compact_separator: str
    newline: str = "\n"

    @classmethod
    def detect(cls, text: str) -> "_JsonStyle":
        escaped = any(
            int(m.group(1), 16) >= 0x80
            for m in re.finditer(r"(?<!\\)(?:\\\\)*\\u([0-9a-fA-F]{4})", text)
        )
        raw = any(ord(ch) > 0x7F for ch in text.lstrip(_BOM))
        ensure_ascii = escaped and not raw
        newline = text.find("\n")
        unit = " "
        if 0 <= newline < len(text) - 1:
            following = text[newline + 1 :]
            width = len(following) - len(following.lstrip(" \t"))
            if width:
                unit = following[:width]
        separator = ", " if re.search(r'[\]}"\d],\s"', text) else ","
        return cls(ensure_ascii, unit, separator, "\r\n" if "\r\n" in text else "\n")

    def encode(self, value: str) -> str:
        return json.dumps(value, ensure_ascii=self.ensure_ascii)

    def source_value(self, text: str, span: _SourceSpan, source: str) -> str:
        if span.items is None:
            old = json.loads(text[span.start : span.end])
            return text[span.start : span.end] if old == source else self.encode(source)
        reuse: Dict[str, str] = {}
        for item_start, item_end in span.items:
            raw = text[item_start:item_end]
            reuse.setdefault(json.loads(raw), raw)
        tokens = [
            reuse.get(line) or self.encode(line) for line in _source_lines(source)
        ]
        old_value = text[span.start : span.end]
        if not tokens:
            return "[]"
        if "\n" not in old_value and span.items:
            return "[" + self.compact_separator.join(tokens) + "]"
        key_indent = _indent_of(text, span.key_line_start)
        if span.items:
            first = span.items[0][0]
            item_indent = text[text.rfind("\n", 0, first) + 1 : first]
            closing = span.end - 1
            line_start = text.rfind("\n", 0, closing) + 1
            close_indent = (
                text[line_start:closing]
                if not text[line_start:closing].strip()
                else key_indent
            )
        elif "\n" in text[: span.start] or text.count("\n") > 1:
            item_indent, close_indent = key_indent + self.indent_unit, key_indent
        else:
            return "[" + self.compact_separator.join(tokens) + "]"
        nl = self.newline
        return (
            "["
            + nl
            + ("," + nl).join(item_indent + t for t in tokens)
            + nl
            + close_indent
            + "]"
        )


def _indent_of(text: str, line_start: int) -> str:
    end = line_start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[line_start:end]
