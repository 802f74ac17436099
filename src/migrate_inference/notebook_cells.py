"""A notebook's cells as Python the engine can read: IPython lines masked behind
placeholders (and put back), top-level awaits wrapped (and unwrapped), the cells
joined into one module with markers between them (and split again).  Used by
notebooks.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Tuple

# Cell magics whose body is ordinary Python run in the notebook's namespace.
PYTHON_BODY_CELL_MAGICS = frozenset(
    {"time", "timeit", "capture", "prun", "debug", "memit", "mprun"}
)
# Cell magics whose body is a shell script: their pip lines are rewritten too.
SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system", "!"})


# A line IPython treats as a command rather than Python.
MAGIC_LINE = re.compile(
    r"""^[ \t]*(?:
        (?:[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*)?[!%]  # !cmd, %magic, x = !cmd
      | \?{1,2}[\w.*\[\]]                       # ?obj, ??obj
      | [\w.*\[\]()]+\?{1,2}[ \t]*$            # obj?, obj??
      | (?:pip3?|conda|mamba)[ \t]+install\b   # automagic pip install
    )""",
    re.VERBOSE,
)


# ------------------------------------------------------------- masking

PYTHON = "python"  # Python, possibly with masked IPython lines
SHELL = "shell"  # a %%bash-like cell
OPAQUE = "opaque"  # another cell magic: left alone
BROKEN = "broken"  # does not parse: left alone


@dataclass
class MaskedCell:
    index: int
    original: str
    kind: str = PYTHON
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


def mask_cell(index: int, source: str, token: str) -> MaskedCell:
    cell = MaskedCell(index, source)
    lines = source.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    out: List[str] = []
    i = 0
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = lines[first].lstrip()[2:].split(maxsplit=1)
        magic = name[0] if name else ""
        cell.magic_name = magic
        if magic in SHELL_CELL_MAGICS:
            cell.kind = SHELL
            return cell
        if magic not in PYTHON_BODY_CELL_MAGICS:
            cell.kind = OPAQUE
            return cell
    while i < len(lines):
        line = lines[i]
        if MAGIC_LINE.match(line) or (i == first and line.lstrip().startswith("%%")):
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
        cell.kind = BROKEN
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


def unmask(code: str, cell: MaskedCell, token: str) -> Optional[str]:
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


_WRAP_INDENT = "    "


def wrap_await(cell: MaskedCell, token: str) -> MaskedCell:
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
        if has_top_level_await(wrapper.module.code_for_node(statement)):
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


def unwrap_await(code: str, token: str, cell: MaskedCell) -> Optional[str]:
    """Undo ``wrap_await`` on the engine's output; None when a wrapper is missing or was changed."""
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


def has_top_level_await(code: str) -> bool:
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


def _marker(token: str, index: int, import_style: bool) -> str:
    return f"import {token}_c{index}" if import_style else f"{token}_c{index} = {index}"


def join_cells(
    cells: List[MaskedCell], token: str
) -> Tuple[str, List[Tuple[int, int]]]:
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


def split_cells(
    code: str, cells: List[MaskedCell], token: str
) -> Optional[Dict[int, str]]:
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
