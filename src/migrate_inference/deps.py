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

import io
import os
import re
import tokenize
from dataclasses import dataclass
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

from migrate_inference.config import Config
from migrate_inference.findings import ERROR, REWRITE, TODO, Finding, Result

AZURE_INFERENCE = "azure-ai-inference"
AZURE_INFERENCE_MIN = ">=1.0.0b9"
AZURE_INFERENCE_REQUIREMENT = AZURE_INFERENCE + AZURE_INFERENCE_MIN

DEPENDENCY_REWRITE = "MI800"  # an openai requirement was replaced
DEPENDENCY_TODO = "MI801"  # an openai requirement was left for a person
READ_ERROR = "MI002"
INTERNAL_ERROR = "MI004"

REQUIREMENTS = "requirements"
PYPROJECT = "pyproject"
SETUP_CFG = "setup_cfg"


# ------------------------------------------------------------ what to add


def replacement_requirements(needs_async: bool, needs_identity: bool) -> List[str]:
    """The requirements that take ``openai``'s place in a dependency file."""
    wanted = [AZURE_INFERENCE_REQUIREMENT, "azure-core"]
    if needs_async:
        wanted.append("aiohttp")
    if needs_identity:
        wanted.append("azure-identity")
    return wanted


def notebook_requirements(needs_async: bool, needs_identity: bool) -> List[str]:
    """What a notebook's ``pip install`` installs instead of ``openai`` (azure-core comes with azure-ai-inference)."""
    return [
        r
        for r in replacement_requirements(needs_async, needs_identity)
        if r != "azure-core"
    ]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(text: str) -> Optional[str]:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return _canonical(Requirement(text).name)
    except InvalidRequirement:
        return None


def _marker_suffix(text: str) -> str:
    """The original ``; marker`` text (with the spacing before it), or ''."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return ""
    if requirement.marker is None:
        return ""
    semicolon = text.find(";", len(requirement.url or ""))
    if semicolon < 0:
        return ""
    before = text[:semicolon]
    return before[len(before.rstrip()) :] + text[semicolon:].rstrip()


# ----------------------------------------------- does code still use openai


def code_uses_openai(source: str) -> bool:
    """True when Python code names ``openai`` (an import, an attribute base, a parameter).

    Strings and comments do not count (``os.environ["OPENAI_API_KEY"]``, a
    TODO comment); ``langchain_openai`` is another name.  Code that does not
    tokenize is judged by a plain word search, which errs on the side of
    "still used".
    """
    if "openai" not in source:
        return False
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.NAME and token.string == "openai":
                return True
        return False
    except (tokenize.TokenError, SyntaxError):
        code = "\n".join(line.split("#", 1)[0] for line in source.split("\n"))
        return re.search(r"(?<![\w\-])openai(?![\w\-])", code) is not None


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
            return _migrate_pyproject(text, filename, wanted)
        if kind == SETUP_CFG:
            return _migrate_setup_cfg(text, filename, wanted)
        if kind == REQUIREMENTS or kind is None:
            return _migrate_requirements(text, filename, wanted)
    except _LeaveFile as exc:
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


class _LeaveFile(Exception):
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
            name = _requirement_name(requirement) or requirement
            if name in self.present or (name, marker.strip()) in self.emitted:
                continue
            self.emitted.add((name, marker.strip()))
            out.append(requirement + marker)
        return out


def _migrate_requirements(
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
        name = _requirement_name(spec)
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
        new = emitter.lines_for(_marker_suffix(requirement))
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


def _migrate_setup_cfg(
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
        name = _requirement_name(requirement)
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
        new = emitters[key].lines_for(_marker_suffix(requirement))
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


def _migrate_pyproject(
    text: str, filename: str, wanted: List[str], source: str = "openai"
) -> Result:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise _LeaveFile(f"not valid TOML: {exc}") from None
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
    names = [_requirement_name(e) if e is not None else None for e in entries]
    if source not in names:
        return []
    emitter = _Emitter(wanted, {n for n in names if n and n != source})
    findings = []
    position = 0
    while position < len(array):
        entry = str(array[position]) if isinstance(array[position], str) else None
        if entry is None or _requirement_name(entry) != source:
            position += 1
            continue
        raw = (
            array[position].as_string()
            if hasattr(array[position], "as_string")
            else repr(entry)
        )
        literal = raw.startswith("'")
        new = emitter.lines_for(_marker_suffix(entry))
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
                _canonical(next(g for g in key.groups() if g))
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
            optional_names.extend(_requirement_name(r) or r for r in new)
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

    name = _requirement_name(requirement) or requirement
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
            _canonical(k) == AZURE_INFERENCE for k in table
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


# ------------------------------------------------------------ pip commands

_SHELL_WORD = re.compile(r"""(?:[^\s'"]+|'[^']*'|"[^"]*")+""")
_VALUE_OPTIONS = frozenset(
    """-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f --find-links
    -t --target --prefix --root --src --upgrade-strategy --platform --python-version --implementation
    --abi --log --cache-dir --progress-bar --trusted-host --proxy --retries --timeout --exists-action
    -C --config-settings --global-option --report --python --cert --client-cert --only-binary
    --no-binary""".split()
)
_SHELL_STOP = re.compile(r"^(?:&&|\|\||;|\||\d?>.*|>.*|<.*|&)$")
_SAFE_WORD = re.compile(r"^[\w.\-\[\],=]+$")


def rewrite_pip_command(command: str, requirements: List[str]) -> Optional[str]:
    """``pip install -q "openai>=0.28.1,<1.0.0" tiktoken`` with openai swapped for ``requirements``; None if no openai.

    Understands ``pip``/``pip3``, ``python -m pip`` and ``{sys.executable} -m
    pip``, skips options and their values, stops at shell operators, and
    quotes what the shell would misread (``>=``).  Names already on the line
    are not added again.
    """
    words = [(m.group(), m.start(), m.end()) for m in _SHELL_WORD.finditer(command)]
    install = _install_position(words)
    if install is None:
        return None
    openai_words: List[int] = []
    present: Set[str] = set()
    k = install + 1
    while k < len(words):
        word = words[k][0]
        if _SHELL_STOP.match(word):
            break
        if word.startswith("-"):
            k += 2 if word in _VALUE_OPTIONS else 1
            continue
        name = _requirement_name(_unquote(word))
        if name == "openai":
            openai_words.append(k)
        elif name is not None:
            present.add(name)
        k += 1
    if not openai_words:
        return None
    quote = "'" if words[openai_words[0]][0].startswith("'") else '"'
    fresh = [r for r in requirements if (_requirement_name(r) or r) not in present]
    rendered = " ".join(
        r if _SAFE_WORD.match(r) else f"{quote}{r}{quote}" for r in fresh
    )
    out = command
    for k in reversed(openai_words):
        _, start, end = words[k]
        if k == openai_words[0] and rendered:
            out = out[:start] + rendered + out[end:]
        else:
            cut = start
            while cut > 0 and out[cut - 1] in " \t":
                cut -= 1
            out = out[:cut] + out[end:]
    return out


def _install_position(words: List[Tuple[str, int, int]]) -> Optional[int]:
    plain = [w[0] for w in words]
    for k, word in enumerate(plain):
        is_pip = re.fullmatch(r"pip(?:3(?:\.\d+)?)?", word) is not None or (
            word == "pip" and k >= 2 and plain[k - 1] == "-m"
        )
        if not is_pip:
            continue
        for j in range(k + 1, len(plain)):
            if plain[j] == "install":
                return j
            if not plain[j].startswith("-"):
                return None
    return None


def _unquote(word: str) -> str:
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return word
