"""New imports placed where isort places them.

A rewrite needs imports (`import os`, `from azure.ai.inference import ChatCompletionsClient`).
They go into the module's top-level import block the way isort (default profile, and
`--profile black`) would put them, so that a file whose imports were isort-clean stays so:

- the block is split into groups at blank lines, and each group gets a section as isort sees
  it: `__future__`, standard library, third party, first party (a module beside the file or in
  the working directory), local (relative imports);
- a standard-library import joins the standard-library group, a third-party one the group of
  the SDK imports (`openai`, `azure`) or else the first third-party group; a section with no
  group gets a new one, between the groups of the sections before and after it, with one blank
  line on each side (never above `__future__` imports, never below first-party/local ones);
- within a group, `import x` lines come before `from x import y` lines, each sorted by module
  name ignoring case (isort's `force_sort_within_sections=False`, `case_sensitive=False`);
- a name imported from a module that the section already imports from is merged into that
  `from` line, at its sorted place (constants, then classes, then functions, as isort's
  `order_by_type` sorts them);
- an import that is already there anywhere at module level is not added again.

Nothing else in the block moves: a group that was not sorted is left as it was, and the new
line goes before the first line that sorts after it.
"""

from __future__ import annotations

import os
import sys
from typing import Iterable, List, Optional, Sequence, Set, Tuple

import libcst as cst

FUTURE, STDLIB, THIRD_PARTY, FIRST_PARTY, LOCAL = range(5)

# The SDKs a migration goes between: their imports mark the third-party group.
SDK_ROOTS = ("openai", "azure")

_STDLIB: Set[str] = set(getattr(sys, "stdlib_module_names", ())) or {
    # Python 3.9 has no sys.stdlib_module_names: the modules a rewrite may import, and
    # the ones user code most often has beside them.
    "abc", "argparse", "asyncio", "base64", "collections", "contextlib", "copy",
    "dataclasses", "datetime", "enum", "functools", "glob", "hashlib", "inspect", "io",
    "itertools", "json", "logging", "math", "os", "pathlib", "pickle", "random", "re",
    "shutil", "signal", "string", "subprocess", "sys", "tempfile", "textwrap", "threading",
    "time", "traceback", "types", "typing", "unittest", "urllib", "uuid", "warnings",
    "weakref",
}  # fmt: skip


class Need:
    """One import to add: `import module` or `from module import obj [as asname]`."""

    def __init__(self, module: str, obj: Optional[str] = None, asname: Optional[str] = None):
        self.module, self.obj, self.asname = module, obj, asname


def add_imports(
    module: cst.Module,
    needs: Iterable[object],
    filename: Optional[str] = None,
    original: str = "",
) -> cst.Module:
    """`module` with every import of `needs` (objects with .module, .obj, .asname) present.

    `original` (the file's text before the rewrite) tells the wrapping style of a `from`
    line too long for one line when no isort configuration says it (see `style_for`)."""
    style: List[Style] = []

    def wrap(length: int) -> Optional[Style]:
        """The style for a line of `length` characters (None: it fits, whatever the style;
        the file is only black-checked when a line is long enough for it to matter)."""
        if style:
            return style[0]
        if length <= DEFAULT.line_length and _isort_settings(filename) is None:
            return None
        style.append(style_for(filename, original))
        return style[0]

    for need in needs:
        module = _add_one(module, need, filename, wrap)
    return module


# --- line length and wrapping ---------------------------------------------------------


class Style:
    """How isort wraps a `from` line longer than `line_length`: black's vertical hanging
    indent with a trailing comma (`--profile black`), or its default grid."""

    def __init__(self, line_length: int, vertical: bool) -> None:
        self.line_length, self.vertical = line_length, vertical

    def __repr__(self) -> str:  # pragma: no cover - for test messages
        return f"Style({self.line_length}, vertical={self.vertical})"


BLACK = Style(88, True)
DEFAULT = Style(79, False)
_CONFIG_FILES = (
    ("pyproject.toml", ("tool.isort",)),
    (".isort.cfg", ("settings", "isort")),
    ("setup.cfg", ("isort", "tool:isort")),
    ("tox.ini", ("isort", "tool:isort")),
)


def style_for(filename: Optional[str], original: str) -> Style:
    """The isort settings of the file's project (the nearest configuration file with an
    isort section, as isort finds it: profile, line_length, multi_line_output); without
    one, black's style when the file was black-clean (black re-wraps the output of such a
    file anyway), else isort's defaults."""
    found = _isort_settings(filename)
    if found is None:
        return BLACK if _black_clean(original) else DEFAULT
    base = BLACK if str(found.get("profile", "")).strip("'\"") == "black" else DEFAULT
    try:
        length = int(found.get("line_length", base.line_length))
    except (TypeError, ValueError):
        length = base.line_length
    mode = str(found.get("multi_line_output", "")).strip("'\"").upper()
    vertical = base.vertical
    if mode in ("3", "VERTICAL_HANGING_INDENT"):
        vertical = True
    elif mode in ("0", "GRID"):
        vertical = False
    return Style(length, vertical)


def _isort_settings(filename: Optional[str]) -> Optional[dict]:
    if not filename or filename.startswith("<"):
        return None
    folder = os.path.dirname(os.path.abspath(filename))
    while True:
        for name, sections in _CONFIG_FILES:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                settings = _read_settings(path, sections)
                if settings is not None:
                    return settings
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def _read_settings(path: str, sections: Tuple[str, ...]) -> Optional[dict]:
    try:
        text = open(path, encoding="utf-8").read()
    except (OSError, UnicodeDecodeError):
        return None
    if path.endswith(".toml"):
        try:
            import tomlkit

            data = tomlkit.parse(text).unwrap()
        except Exception:
            return None
        isort_section = data.get("tool", {}).get("isort")
        return dict(isort_section) if isinstance(isort_section, dict) else None
    import configparser

    parser = configparser.ConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    for section in sections:
        if parser.has_section(section):
            return dict(parser.items(section))
    return None


def _black_clean(source: str) -> bool:
    try:
        import black

        return black.format_str(source, mode=black.Mode()) == source
    except Exception:
        return False


def _fitted(line: cst.SimpleStatementLine, wrap) -> cst.SimpleStatementLine:
    """A `from` line wrapped as isort wraps it when it is longer than the line length
    (never one with comments inside: those stay as they are)."""
    small = line.body[0]
    if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
        return line
    if any(isinstance(n, cst.Comment) for n in _walk(small)):
        return line
    dots = "".join(d.value for d in small.relative)
    head = f"from {dots}{_dotted(small.module)} import "
    names = [
        _dotted(a.name) + (f" as {a.asname.name.value}" if a.asname else "")  # type: ignore[union-attr]
        for a in small.names  # type: ignore[union-attr]
    ]
    flat = head + ", ".join(names)
    style = wrap(len(flat))
    if style is None or len(flat) <= style.line_length:
        text = flat
    elif style.vertical:
        text = head + "(\n" + "".join(f"    {n},\n" for n in names) + ")"
    elif len(names) == 1:
        text = head + "\\\n    " + names[0]
    else:
        text = head + "(" + names[0]
        indent = " " * len(head + "(")
        for name in names[1:]:
            if len(text.split("\n")[-1] + ", " + name) + 1 > style.line_length:
                text += ",\n" + indent + name
            else:
                text += ", " + name
        text += ")"
    if text == cst.Module([]).code_for_node(line.with_changes(leading_lines=())).rstrip("\n"):
        return line
    new = cst.parse_statement(text + "\n")
    return new.with_changes(leading_lines=line.leading_lines)  # type: ignore[return-value]


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        item = stack.pop()
        yield item
        stack.extend(item.children)


# --- sections -------------------------------------------------------------------------


def section_of(name: str, relative: bool = False, filename: Optional[str] = None) -> int:
    if relative:
        return LOCAL
    top = name.split(".")[0]
    if top == "__future__":
        return FUTURE
    if top in _STDLIB:
        return STDLIB
    if top in SDK_ROOTS:
        return THIRD_PARTY
    if _is_first_party(top, filename):
        return FIRST_PARTY
    return THIRD_PARTY  # isort's default_section


def _is_first_party(top: str, filename: Optional[str]) -> bool:
    """A module isort finds in its src_paths (the working directory, and `src/` in it),
    or beside the file being migrated."""
    places = [os.getcwd(), os.path.join(os.getcwd(), "src")]
    if filename and not filename.startswith("<"):
        places.append(os.path.dirname(os.path.abspath(filename)))
    for place in places:
        if os.path.isfile(os.path.join(place, top + ".py")) or os.path.isdir(
            os.path.join(place, top)
        ):
            return True
    return False


def _dotted(node: Optional[cst.BaseExpression]) -> str:
    if node is None:
        return ""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _import_of(stmt: cst.CSTNode) -> Optional[cst.BaseSmallStatement]:
    if (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))
    ):
        return stmt.body[0]
    return None


def _module_name(small: cst.BaseSmallStatement) -> Tuple[str, bool]:
    """(dotted module, relative?) of an import line (its first name for `import a, b`)."""
    if isinstance(small, cst.Import):
        return _dotted(small.names[0].name), False
    assert isinstance(small, cst.ImportFrom)
    return _dotted(small.module), bool(small.relative)


def _line_key(small: cst.BaseSmallStatement) -> Tuple[int, str]:
    name, relative = _module_name(small)
    dots = len(small.relative) if isinstance(small, cst.ImportFrom) else 0
    return (1 if isinstance(small, cst.ImportFrom) else 0, "." * dots + name.lower())


def name_key(name: str) -> str:
    """isort's order_by_type key of an imported name."""
    if name.isupper() and len(name) > 1:
        prefix = "A"
    elif name[:1].isupper():
        prefix = "B"
    else:
        prefix = "C"
    return prefix + name.lower()


# --- the block ------------------------------------------------------------------------


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _starts_group(stmt: cst.CSTNode) -> bool:
    lines = getattr(stmt, "leading_lines", ())
    return any(line.comment is None for line in lines)


def _groups(body: Sequence[cst.CSTNode]) -> List[List[int]]:
    """Groups (lists of body indexes) of the module's first top-level import run, in order.

    Only the first run: an import further down (`import pprint` after the code that
    needs it) is below statements a new import may be needed by."""
    groups: List[List[int]] = []
    previous_import = False
    for index, stmt in enumerate(body):
        if _import_of(stmt) is None:
            if groups:
                break
            previous_import = False
            continue
        if not previous_import or _starts_group(stmt):
            groups.append([])
        groups[-1].append(index)
        previous_import = True
    return groups


def _already(body: Sequence[cst.CSTNode], need) -> bool:
    for stmt in body:
        small = _import_of(stmt) if isinstance(stmt, cst.SimpleStatementLine) else None
        if small is None and isinstance(stmt, cst.SimpleStatementLine):
            for other in stmt.body:
                if isinstance(other, (cst.Import, cst.ImportFrom)) and _provides(other, need):
                    return True
            continue
        if small is not None and _provides(small, need):
            return True
    return False


def _provides(small: cst.BaseSmallStatement, need) -> bool:
    def asname(alias: cst.ImportAlias) -> Optional[str]:
        return alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]

    if need.obj is None:
        return isinstance(small, cst.Import) and any(
            _dotted(a.name) == need.module and asname(a) == need.asname for a in small.names
        )
    if not isinstance(small, cst.ImportFrom) or small.relative:
        return False
    if _dotted(small.module) != need.module or isinstance(small.names, cst.ImportStar):
        return False
    return any(
        _dotted(a.name) == need.obj and asname(a) == need.asname for a in small.names
    )


def _new_line(need) -> cst.SimpleStatementLine:
    asname = cst.AsName(cst.Name(need.asname)) if need.asname else None
    if need.obj is None:
        small: cst.BaseSmallStatement = cst.Import(
            names=[cst.ImportAlias(cst.parse_expression(need.module), asname=asname)]  # type: ignore[arg-type]
        )
    else:
        small = cst.ImportFrom(
            module=cst.parse_expression(need.module),  # type: ignore[arg-type]
            names=[cst.ImportAlias(cst.Name(need.obj), asname=asname)],
        )
    return cst.SimpleStatementLine(body=[small])


def _add_one(module: cst.Module, need, filename: Optional[str], wrap) -> cst.Module:
    body = list(module.body)
    if _already(body, need):
        return module
    section = section_of(need.module, filename=filename)
    groups = _groups(body)

    def group_section(group: List[int]) -> int:
        small = _import_of(body[group[0]])
        name, relative = _module_name(small)  # type: ignore[arg-type]
        return section_of(name, relative, filename)

    sections = [group_section(g) for g in groups]

    # merge into a `from` line of the same module in the same section
    if need.obj is not None:
        for group, sec in zip(groups, sections):
            if sec != section:
                continue
            for index in group:
                small = _import_of(body[index])
                if (
                    isinstance(small, cst.ImportFrom)
                    and not small.relative
                    and _dotted(small.module) == need.module
                    and not isinstance(small.names, cst.ImportStar)
                ):
                    merged = body[index].with_changes(body=[_merged(small, need)])
                    body[index] = _fitted(merged, wrap)
                    return module.with_changes(body=body)

    target: Optional[List[int]] = None
    if section == THIRD_PARTY:
        for group, sec in zip(groups, sections):
            if sec == THIRD_PARTY and any(
                _module_name(_import_of(body[i]))[0].split(".")[0] in SDK_ROOTS  # type: ignore[arg-type]
                for i in group
            ):
                target = group
                break
    if target is None:
        for group, sec in zip(groups, sections):
            if sec == section:
                target = group
                break
    line = _fitted(_new_line(need), wrap)
    if target is not None:
        key = _line_key(line.body[0])
        at = next(
            (i for i in target if _line_key(_import_of(body[i])) > key),  # type: ignore[arg-type]
            None,
        )
        if at is None:
            body.insert(target[-1] + 1, line)
        elif at == target[0]:
            first = body[at]
            blanks, rest = _split_blank(first.leading_lines)
            body[at] = first.with_changes(leading_lines=rest)
            body.insert(at, line.with_changes(leading_lines=blanks))
        else:
            body.insert(at, line)
        return module.with_changes(body=body)
    return _new_group(module, body, groups, sections, section, line)


def _new_group(
    module: cst.Module,
    body: List[cst.CSTNode],
    groups: List[List[int]],
    sections: List[int],
    section: int,
    line: cst.SimpleStatementLine,
) -> cst.Module:
    """A group of its own for `line`: before the first group of a later section of the
    first import run, else after that run's last group, else at the top."""
    blank = cst.EmptyLine()
    first_run: List[List[int]] = []
    for group in groups:
        if first_run and group[0] != first_run[-1][-1] + 1:
            break
        first_run.append(group)
    after = [g for g in first_run if sections[groups.index(g)] > section]
    if after:
        at = after[0][0]
        first = body[at]
        # the blank lines above the later group go above the new one; one stays between
        blanks, rest = _split_blank(first.leading_lines)
        body[at] = first.with_changes(leading_lines=[blank, *rest])
        body.insert(at, line.with_changes(leading_lines=blanks))
        return module.with_changes(body=body)
    if first_run:
        end = first_run[-1][-1] + 1
        body.insert(end, line.with_changes(leading_lines=[blank]))
        return module.with_changes(body=body)
    # no import at module level: after the docstring, above the code
    at = 1 if body and _is_docstring(body[0]) else 0
    if at < len(body):
        follower = body[at]
        wanted = 2 if isinstance(follower, (cst.FunctionDef, cst.ClassDef)) else 1
        blanks, rest = _split_blank(follower.leading_lines)
        body[at] = follower.with_changes(
            leading_lines=[*([blank] * max(wanted, len(blanks))), *rest]
        )
        body.insert(at, line.with_changes(leading_lines=blanks if at else ()))
    else:
        body.insert(at, line.with_changes(leading_lines=[blank] if at else ()))
    return module.with_changes(body=body)


def _split_blank(lines: Sequence[cst.EmptyLine]) -> Tuple[list, list]:
    """The blank lines above a statement's own comments, and the rest."""
    cut = 0
    while cut < len(lines) and lines[cut].comment is None:
        cut += 1
    return list(lines[:cut]), list(lines[cut:])


def _merged(small: cst.ImportFrom, need) -> cst.ImportFrom:
    names = list(small.names)  # type: ignore[arg-type]
    asname = cst.AsName(cst.Name(need.asname)) if need.asname else None
    key = name_key(need.obj)
    at = next(
        (i for i, a in enumerate(names) if name_key(_dotted(a.name)) > key), len(names)
    )
    with_comma = [a.comma for a in names if isinstance(a.comma, cst.Comma)]
    comma = with_comma[0] if with_comma else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    new = cst.ImportAlias(cst.Name(need.obj), asname=asname)
    if at < len(names):
        names.insert(at, new.with_changes(comma=comma))
    else:
        last = names[-1]
        names[-1] = last.with_changes(comma=comma)
        names.append(new.with_changes(comma=last.comma))
    return small.with_changes(names=names)
