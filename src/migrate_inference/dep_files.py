"""The dependency-file formats, rewritten line by line (``requirements*.txt``,
``setup.cfg``, ``pyproject.toml`` PEP 621/735 arrays and Poetry tables).  deps.py
decides when; this module only rewrites."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Sequence, Set, Tuple

from migrate_inference.findings import REWRITE, TODO, Finding, Result
from migrate_inference.pip_requirements import (
    AZURE_INFERENCE,
    DEPENDENCY_REWRITE,
    DEPENDENCY_TODO,
    canonical_name,
    marker_suffix,
    requirement_name,
)


class LeaveFile(Exception):
    """The file cannot be read as what its name says."""


def _rewrite_finding(line: int, added: Sequence[str]) -> Finding:
    what = ", ".join(added) if added else f"nothing (already lists {AZURE_INFERENCE})"
    return Finding(
        DEPENDENCY_REWRITE, REWRITE, f"openai requirement replaced with {what}", line
    )


def _todo(line: int, why: str) -> Finding:
    return Finding(
        DEPENDENCY_TODO, TODO, f"openai requirement left as it is: {why}", line
    )


# ------------------------------------------------------- line-based formats


@dataclass
class _Line:
    text: str  # without its line ending
    ending: str


def _split_lines(text: str) -> List[_Line]:
    lines = []
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append(_Line(body, raw[len(body) :]))
    return lines


def _join_lines(lines: List[_Line]) -> str:
    return "".join(line.text + line.ending for line in lines)


def _ending(replaced: _Line, k: int, count: int, default: str) -> str:
    """The line ending of new line k of ``count`` that replace one line: the last keeps the original's."""
    if k == count - 1:
        return replaced.ending
    return replaced.ending or default


def _dominant_ending(lines: List[_Line]) -> str:
    ended = [line for line in lines if line.ending]
    return (
        "\r\n"
        if sum(1 for line in ended if line.ending == "\r\n") * 2 > len(ended)
        else "\n"
    )


_REQ_COMMENT = re.compile(r"(^|\s+)#.*$")


def _split_comment(content: str) -> Tuple[str, str]:
    """``openai>=1  # llm`` -> (``openai>=1``, ``  # llm``)."""
    match = _REQ_COMMENT.search(content)
    if match is None:
        return content.rstrip(), content[len(content.rstrip()) :]
    return (
        content[: match.start()].rstrip(),
        content[len(content[: match.start()].rstrip()) :],
    )


class _Emitter:
    """Builds replacement lines, never adding a name the file already has (or just got)."""

    def __init__(self, wanted: List[str], present: Set[str]) -> None:
        self.wanted = wanted
        self.present = present
        self.emitted: Set[Tuple[str, str]] = set()

    def lines_for(self, marker: str) -> List[str]:
        out = []
        for requirement in self.wanted:
            name = requirement_name(requirement) or requirement
            if name in self.present or (name, marker.strip()) in self.emitted:
                continue
            self.emitted.add((name, marker.strip()))
            out.append(requirement + marker)
        return out


def edit_requirements(
    text: str, filename: str, wanted: List[str], source: str = "openai"
) -> Result:
    lines = _split_lines(text)
    targets: List[int] = []
    present: Set[str] = set()
    findings: List[Finding] = []
    hashed = False
    i = 0
    while i < len(lines):
        start = i
        logical = lines[i].text
        while logical.endswith("\\") and i + 1 < len(lines):
            i += 1
            logical = logical[:-1] + " " + lines[i].text
        i += 1
        requirement, _ = _split_comment(logical.strip())
        if not requirement or requirement.startswith("-"):
            continue
        spec = re.split(r"\s+--?[A-Za-z]", requirement, maxsplit=1)[0]
        name = requirement_name(spec)
        if name is None:
            continue
        if name != source:
            present.add(name)
            continue
        if "--hash" in requirement:
            hashed = True
            why = "the file pins hashes (pip-compile output?); regenerate it from its source"
            findings.append(_todo(start + 1, why))
        elif i - start > 1 or spec != requirement:
            findings.append(
                _todo(
                    start + 1,
                    "a requirement spread over several lines or with per-requirement options",
                )
            )
        else:
            targets.append(start)
    if hashed or not targets:
        return Result(text, text, findings)
    emitter = _Emitter(wanted, present)
    ending = _dominant_ending(lines)
    out: List[_Line] = []
    for index, line in enumerate(lines):
        if index not in targets:
            out.append(line)
            continue
        indent = line.text[: len(line.text) - len(line.text.lstrip())]
        requirement, comment = _split_comment(line.text.strip())
        new = emitter.lines_for(marker_suffix(requirement))
        findings.append(_rewrite_finding(index + 1, new))
        for k, entry in enumerate(new):
            out.append(
                _Line(
                    indent + entry + (comment if k == 0 else ""),
                    _ending(line, k, len(new), ending),
                )
            )
    return Result(text, _join_lines(out), findings)


_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_CFG_KEY = re.compile(r"^([^\s=:#;][^=:]*?)\s*[=:]\s?(.*)$")


def edit_setup_cfg(
    text: str, filename: str, wanted: List[str], source: str = "openai"
) -> Result:
    lines = _split_lines(text)
    # (line index, value start column) of every requirement in install_requires / extras_require.
    values: List[Tuple[int, int, str]] = []  # (line, column, key)
    section, key = "", None
    for index, line in enumerate(lines):
        body = line.text
        match = _SECTION.match(body)
        if match:
            section, key = match.group(1).strip().lower(), None
            continue
        if not body.strip() or body.lstrip().startswith(("#", ";")):
            continue
        if body[:1].isspace():
            if key is not None:
                values.append((index, len(body) - len(body.lstrip()), key))
            continue
        key = None
        match = _CFG_KEY.match(body)
        if match is None:
            continue
        name = match.group(1).strip().lower()
        if (
            section == "options" and name == "install_requires"
        ) or section == "options.extras_require":
            key = f"{section}:{name}"
            if match.group(2).strip():
                values.append((index, match.start(2), key))
    by_key: Dict[str, Set[str]] = {}
    targets: Dict[int, Tuple[int, str]] = {}
    findings: List[Finding] = []
    for index, column, key in values:
        requirement, _ = _split_comment(lines[index].text[column:])
        name = requirement_name(requirement)
        if name is None:
            if re.search(rf"(?<![\w-]){re.escape(source)}(?![\w-])", requirement):
                findings.append(
                    _todo(index + 1, "the value is not one requirement per line")
                )
            continue
        if name == source:
            targets[index] = (column, key)
        else:
            by_key.setdefault(key, set()).add(name)
    if not targets:
        return Result(text, text, findings)
    emitters = {
        key: _Emitter(wanted, by_key.get(key, set())) for _, key in targets.values()
    }
    ending = _dominant_ending(lines)
    out: List[_Line] = []
    for index, line in enumerate(lines):
        if index not in targets:
            out.append(line)
            continue
        column, key = targets[index]
        head = line.text[:column]
        requirement, comment = _split_comment(line.text[column:])
        new = emitters[key].lines_for(marker_suffix(requirement))
        findings.append(_rewrite_finding(index + 1, new))
        on_key_line = bool(head.strip())
        indent = _continuation_indent(lines, index) if on_key_line else head
        if not new and on_key_line:
            out.append(
                _Line(
                    head.rstrip() if head.rstrip().endswith(("=", ":")) else head,
                    line.ending,
                )
            )
            continue
        for k, entry in enumerate(new):
            prefix = head if k == 0 else indent
            out.append(
                _Line(
                    prefix + entry + (comment if k == 0 else ""),
                    _ending(line, k, len(new), ending),
                )
            )
    return Result(text, _join_lines(out), findings)


def _continuation_indent(lines: List[_Line], index: int) -> str:
    following = lines[index + 1].text if index + 1 < len(lines) else ""
    if following[:1].isspace() and following.strip():
        return following[: len(following) - len(following.lstrip())]
    return "    "


# ------------------------------------------------------------ pyproject.toml


def edit_pyproject(
    text: str, filename: str, wanted: List[str], source: str = "openai"
) -> Result:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise LeaveFile(f"not valid TOML: {exc}") from None
    findings: List[Finding] = []
    locator = _Locator(text)
    for array in _pep621_arrays(document):
        findings.extend(_rewrite_array(array, wanted, locator, source))
    new_text = document.as_string()
    if source != "openai":  # Poetry tables: the openai direction only
        return Result(text, new_text, findings)
    poetry_text, poetry_findings = _rewrite_poetry(new_text, wanted, locator)
    findings.extend(poetry_findings)
    return Result(text, poetry_text, findings)


def _pep621_arrays(document: Any) -> List[Any]:
    arrays = []
    project = document.get("project")
    if isinstance(project, dict):
        if isinstance(project.get("dependencies"), list):
            arrays.append(project["dependencies"])
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            arrays.extend(v for v in optional.values() if isinstance(v, list))
    groups = document.get("dependency-groups")
    if isinstance(groups, dict):
        arrays.extend(v for v in groups.values() if isinstance(v, list))
    return arrays


class _Locator:
    """Line numbers for findings: where a TOML string or key first appears in the original text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.used: Set[int] = set()

    def line_of(self, needle: str) -> int:
        start = 0
        while True:
            position = self.text.find(needle, start)
            if position < 0:
                return 1
            if position not in self.used:
                self.used.add(position)
                return self.text.count("\n", 0, position) + 1
            start = position + 1


def _rewrite_array(
    array: Any, wanted: List[str], locator: _Locator, source: str = "openai"
) -> List[Finding]:
    import tomlkit

    entries = [str(item) if isinstance(item, str) else None for item in array]
    names = [requirement_name(e) if e is not None else None for e in entries]
    if source not in names:
        return []
    emitter = _Emitter(wanted, {n for n in names if n and n != source})
    findings = []
    position = 0
    while position < len(array):
        entry = str(array[position]) if isinstance(array[position], str) else None
        if entry is None or requirement_name(entry) != source:
            position += 1
            continue
        raw = (
            array[position].as_string()
            if hasattr(array[position], "as_string")
            else repr(entry)
        )
        literal = raw.startswith("'")
        new = emitter.lines_for(marker_suffix(entry))
        findings.append(_rewrite_finding(locator.line_of(raw), new))
        if not new:
            del array[position]
            continue
        for k, value in enumerate(new):
            item = tomlkit.string(value, literal=literal and "'" not in value)
            if k == 0:
                array[position] = item
            else:
                array.insert(position + k, item)
        position += len(new)
    return findings


_POETRY_TABLE = re.compile(
    r"^tool\.poetry\.(dependencies|dev-dependencies|group\.[^.]+\.dependencies)$"
)
_TOML_HEADER = re.compile(r"^\s*\[(?!\[)\s*([^\]]+?)\s*\]\s*(?:#.*)?$")
_POETRY_OPENAI = re.compile(
    r"""^(?P<indent>\s*)(?P<key>openai|"openai"|'openai')(?P<eq>\s*=\s*)(?P<value>.*)$"""
)
_POETRY_KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_.-]+))\s*=""")
_CARRIED_KEYS = ("optional", "python", "markers")


def _rewrite_poetry(
    text: str, wanted: List[str], locator: _Locator
) -> Tuple[str, List[Finding]]:
    import tomlkit

    lines = _split_lines(text)
    section = ""
    keys_by_section: Dict[str, Set[str]] = {}
    targets: List[Tuple[int, str]] = []
    findings: List[Finding] = []
    for index, line in enumerate(lines):
        header = _TOML_HEADER.match(line.text)
        if header:
            section = (
                re.sub(r"\s*\.\s*", ".", header.group(1))
                .replace('"', "")
                .replace("'", "")
            )
            if section.endswith(".openai") and _POETRY_TABLE.match(
                section[: -len(".openai")]
            ):
                findings.append(
                    _todo(
                        locator.line_of(line.text),
                        f"the [{section}] table form; edit it by hand",
                    )
                )
            continue
        if not _POETRY_TABLE.match(section):
            continue
        key = _POETRY_KEY.match(line.text)
        if key:
            keys_by_section.setdefault(section, set()).add(
                canonical_name(next(g for g in key.groups() if g))
            )
        if _POETRY_OPENAI.match(line.text):
            targets.append((index, section))
    if not targets:
        return text, findings
    emitters = {
        s: _Emitter(wanted, keys_by_section[s] - {"openai"}) for _, s in targets
    }
    optional_names: List[str] = []
    replacements: Dict[int, List[str]] = {}
    for index, section in targets:
        match = _POETRY_OPENAI.match(lines[index].text)
        assert match is not None
        try:
            value = tomlkit.parse("v = " + match.group("value"))["v"]
        except Exception:
            findings.append(
                _todo(
                    locator.line_of(lines[index].text),
                    "a value spread over several lines",
                )
            )
            continue
        carried = {
            k: value[k] for k in _CARRIED_KEYS if isinstance(value, dict) and k in value
        }
        comment = _toml_trailing_comment(match.group("value"))
        new = emitters[section].lines_for("")
        if carried.get("optional"):
            optional_names.extend(requirement_name(r) or r for r in new)
        rendered = [_poetry_entry(match.group("indent"), r, carried) for r in new]
        if rendered:
            rendered[0] += comment
        replacements[index] = rendered
        findings.append(_rewrite_finding(locator.line_of(lines[index].text), new))
    out: List[_Line] = []
    ending = _dominant_ending(lines)
    for index, line in enumerate(lines):
        if index not in replacements:
            out.append(line)
            continue
        new_lines = replacements[index]
        for k, entry in enumerate(new_lines):
            out.append(_Line(entry, _ending(line, k, len(new_lines), ending)))
    new_text = _join_lines(out)
    if optional_names:
        new_text = _rewrite_poetry_extras(new_text, optional_names)
    _check_poetry(new_text, [s for _, s in targets])
    return new_text, findings


def _poetry_entry(indent: str, requirement: str, carried: Dict[str, Any]) -> str:
    import tomlkit

    name = requirement_name(requirement) or requirement
    version = requirement[len(name) :] if requirement.lower().startswith(name) else ""
    version = version or "*"
    if not carried:
        return f"{indent}{name} = {tomlkit.string(version).as_string()}"
    table = tomlkit.inline_table()
    table["version"] = version
    for key, value in carried.items():
        table[key] = value
    return f"{indent}{name} = {table.as_string()}"


def _toml_trailing_comment(value: str) -> str:
    import tomlkit

    for cut in [m.start() for m in re.finditer(r"\s*#", value)]:
        try:
            tomlkit.parse("v = " + value[:cut])
        except Exception:
            continue
        return value[cut:]
    return ""


def _rewrite_poetry_extras(text: str, names: List[str]) -> str:
    import tomlkit

    document = tomlkit.parse(text)
    extras = document.get("tool", {}).get("poetry", {}).get("extras")
    if not isinstance(extras, dict):
        return text
    for values in extras.values():
        if isinstance(values, list) and "openai" in [str(v) for v in values]:
            position = [str(v) for v in values].index("openai")
            fresh = [n for n in names if n not in [str(v) for v in values]]
            if not fresh:
                del values[position]
                continue
            values[position] = fresh[0]
            for k, name in enumerate(fresh[1:], start=1):
                values.insert(position + k, name)
    return document.as_string()


def _check_poetry(text: str, sections: List[str]) -> None:
    import tomlkit

    document = tomlkit.parse(text)
    for section in sections:
        table: Any = document
        for part in _dotted(section):
            table = table.get(part, {}) if isinstance(table, dict) else {}
        if "openai" in table or not any(
            canonical_name(k) == AZURE_INFERENCE for k in table
        ):
            raise AssertionError(
                f"the rewritten [{section}] table does not hold {AZURE_INFERENCE} alone"
            )


def _dotted(section: str) -> List[str]:
    return (
        section.split(".")
        if not section.startswith("tool.poetry.group.")
        else [
            "tool",
            "poetry",
            "group",
            section[len("tool.poetry.group.") : -len(".dependencies")],
            "dependencies",
        ]
    )
