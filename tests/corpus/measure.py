"""Count what the tool does to the OpenAI call sites of a corpus of real code.

    python3 tests/corpus/measure.py CORPUS [--json OUT] [--per-file] [--src SRC]

CORPUS holds `files/<owner>+<repo>/...` (single files gathered from public repositories)
and `repos/<owner>+<repo>/` (whole repositories); it stays outside this repository (see
docs/automation.md). Each `files/<owner>+<repo>` and each `repos/<owner>+<repo>` is one
project: it is copied to a temporary directory and migrated there by the real command
(`migrate-inference -j 1 --format json .`, which builds the project index), and the
copy is compared with the original.

An *OpenAI call site* is a call whose callee is an attribute chain ending the way the
OpenAI SDK's API methods do (`.chat.completions.create`, `.embeddings.create`,
`openai.ChatCompletion.create`, `.images.generate`, ...; `OPENAI_METHODS` below), in a
file that imports openai or calls one of the chains only the SDK has. It is counted
with the standard `ast` module, independently of the tool's own analysis. For each file:

* ``sites``: OpenAI call sites before;
* ``migrated``: sites gone after the run (rewritten to azure-ai-inference), of which
  ``migrated_todo`` are new `complete()`/`embed()` calls with a TODO note on their statement
  (migrated, but a person must look) and the rest ``migrated_clean``;
* ``todo``: sites still there with a `TODO(migrate-inference)` note on their statement or a
  finding at their line;
* ``silent``: sites still there with neither (the tool must leave none);
* ``silent_file``: the written file still uses a name it imports from openai, with no TODO note and no
  TODO finding (the tool must leave none);
* ``crashed``: the file failed (an error finding: MI001-MI007), ``unparseable``: the
  written file does not parse.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
TODO_MARK = "TODO(migrate-inference)"
ERROR_CODES = {"MI001", "MI002", "MI003", "MI004", "MI006", "MI007"}

# (chain suffix) -> counted as an OpenAI call site when a call's callee ends with it
OPENAI_METHODS: Tuple[Tuple[str, ...], ...] = (
    ("chat", "completions", "create"),
    ("chat", "completions", "parse"),
    ("chat", "completions", "stream"),
    ("with_raw_response", "create"),
    ("with_streaming_response", "create"),
    ("embeddings", "create"),
    ("completions", "create"),
    ("images", "generate"),
    ("images", "edit"),
    ("images", "create_variation"),
    ("moderations", "create"),
    ("responses", "create"),
    ("responses", "stream"),
    ("transcriptions", "create"),
    ("translations", "create"),
    ("speech", "create"),
    ("ChatCompletion", "create"),
    ("ChatCompletion", "acreate"),
    ("Completion", "create"),
    ("Completion", "acreate"),
    ("Embedding", "create"),
    ("Embedding", "acreate"),
    ("Image", "create"),
    ("Moderation", "create"),
    ("Audio", "transcribe"),
)
# the calls azure-ai-inference has an equivalent of (complete/embed); every other site is
# an API that stays on OpenAI whatever the tool does (Assistants, Responses, parse, images...)
WITH_EQUIVALENT: Tuple[Tuple[str, ...], ...] = (
    ("chat", "completions", "create"),
    ("embeddings", "create"),
    ("ChatCompletion", "create"),
    ("ChatCompletion", "acreate"),
    ("Embedding", "create"),
    ("Embedding", "acreate"),
)
STRONG = {("chat", "completions"), ("embeddings",), ("ChatCompletion",), ("Embedding",)}
MIGRATED_METHODS = {"complete", "embed"}


def _chain(node: ast.AST) -> List[str]:
    names: List[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            break
    return list(reversed(names))


def _statement_lines(tree: ast.AST) -> Dict[ast.AST, int]:
    """Each call -> the first line of its innermost statement (decorators included): a
    call in a compound statement's header belongs to that statement, as its TODO does."""
    out: Dict[ast.AST, int] = {}

    def visit(node: ast.AST, stmt_line: int) -> None:
        if isinstance(node, ast.stmt):
            decorators = getattr(node, "decorator_list", [])
            stmt_line = min([node.lineno] + [d.lineno for d in decorators])
        if isinstance(node, ast.Call):
            out[node] = stmt_line
        for child in ast.iter_child_nodes(node):
            visit(child, stmt_line)

    visit(tree, 1)
    return out


def openai_sites(tree: ast.AST, imports_openai: bool) -> List[Tuple[ast.Call, int]]:
    """(call, its statement's first line) for every OpenAI call site."""
    found = []
    for call, stmt_line in _statement_lines(tree).items():
        chain = _chain(call.func)
        for suffix in OPENAI_METHODS:
            if tuple(chain[-len(suffix) :]) == suffix and len(chain) > len(suffix) - 1:
                strong = any(
                    tuple(chain[-len(suffix) : -len(suffix) + len(s)]) == s for s in STRONG
                )
                if imports_openai or (strong and not _imports_other(tree)):
                    found.append((call, stmt_line))
                break
    return found


def has_equivalent(call: ast.Call) -> bool:
    """The site is a chat completion or an embeddings call (not `with_raw_response`,
    `beta.`/`parse`/`stream` helpers or another API): azure-ai-inference has an equivalent."""
    chain = _chain(call.func)
    if "beta" in chain or "with_raw_response" in chain or "with_streaming_response" in chain:
        return False
    return any(tuple(chain[-len(s) :]) == s for s in WITH_EQUIVALENT)


def migrated_calls(tree: ast.AST) -> List[Tuple[ast.Call, int]]:
    return [
        (call, line)
        for call, line in _statement_lines(tree).items()
        if isinstance(call.func, ast.Attribute) and call.func.attr in MIGRATED_METHODS
    ]


# a file that imports one of these and not openai: its OpenAI-shaped chains are theirs
OTHER_LIBRARIES = {"groq", "huggingface_hub", "litellm", "mistralai", "together", "anthropic"}


def _imports_other(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
        if any(n.split(".")[0] in OTHER_LIBRARIES for n in names):
            return True
    return False


def _imports_openai(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(
            a.name == "openai" or a.name.startswith("openai.") for a in node.names
        ):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "openai":
            return True
    return False


def _uses_openai(tree: ast.AST) -> bool:
    """A name bound by an openai import is read somewhere (an unused import is not a use)."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound |= {
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.split(".")[0] == "openai"
            }
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "openai":
            bound |= {a.asname or a.name for a in node.names}
    return any(isinstance(n, ast.Name) and n.id in bound for n in ast.walk(tree))


def _noted(lines: Sequence[str], stmt_line: int, call_line: int) -> bool:
    """A TODO note in the comment block right above the statement, or on its lines."""
    i = stmt_line - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        if TODO_MARK in lines[i]:
            return True
        i -= 1
    return any(TODO_MARK in lines[j] for j in range(stmt_line - 1, min(call_line, len(lines))))


@dataclass
class FileCount:
    path: str
    sites: int = 0
    # of the sites, those of an API azure-ai-inference has no equivalent of
    no_equivalent: int = 0
    migrated: int = 0
    migrated_clean: int = 0
    migrated_todo: int = 0
    todo: int = 0
    silent: int = 0
    crashed: bool = False
    unparseable: bool = False
    # still imports openai after the run, with no TODO note and no finding in the file
    silent_file: bool = False
    silent_lines: List[int] = field(default_factory=list)


def count_file(
    rel: str, before: str, after: str, findings: List[dict], error: bool
) -> FileCount:
    count = FileCount(rel, crashed=error)
    try:
        old = ast.parse(before)
    except SyntaxError:
        return count  # not Python 3 (a Python 2 script...): no sites to count
    sites = openai_sites(old, _imports_openai(old))
    count.sites = len(sites)
    count.no_equivalent = sum(1 for call, _ in sites if not has_equivalent(call))
    try:
        new = ast.parse(after)
    except SyntaxError:
        count.unparseable = True
        return count
    count.silent_file = (
        _uses_openai(new)
        and TODO_MARK not in after
        and not any(f.get("kind") == "todo" for f in findings)
        and not error
    )
    left = openai_sites(new, _imports_openai(new) or _imports_openai(old))
    lines = after.splitlines()
    finding_lines = {f.get("line") for f in findings if f.get("kind") == "todo"}
    for call, stmt_line in left:
        if _noted(lines, stmt_line, call.lineno):
            count.todo += 1
        elif not error and after == before and call.lineno in finding_lines:
            count.todo += 1
        elif error:
            count.todo += 1  # left unchanged with an error finding: not silent
        else:
            count.silent += 1
            count.silent_lines.append(call.lineno)
    count.migrated = max(count.sites - len(left), 0)
    new_calls = migrated_calls(new)
    noted_new = sum(1 for call, line in new_calls if _noted(lines, line, call.lineno))
    noted_old = sum(
        1 for call, line in migrated_calls(old) if _noted(before.splitlines(), line, call.lineno)
    )
    count.migrated_todo = min(max(noted_new - noted_old, 0), count.migrated)
    count.migrated_clean = count.migrated - count.migrated_todo
    return count


def units(corpus: Path) -> List[Path]:
    out = []
    for kind in ("files", "repos"):
        base = corpus / kind
        if base.is_dir():
            out += sorted(p for p in base.iterdir() if p.is_dir())
    return out


def python_files(root: Path) -> List[Path]:
    skip = {".git", "node_modules", "__pycache__", ".venv", "venv"}
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in skip)
        found += [Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py")]
    return found


def run_unit(
    unit: Path, command: Sequence[str], src: Path = ROOT / "src"
) -> Tuple[List[FileCount], dict]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / unit.name
        shutil.copytree(unit, work, symlinks=True)
        (work / ".git").mkdir(exist_ok=True)  # the project root is the unit
        env = dict(os.environ, PYTHONPATH=str(src))
        proc = subprocess.run(
            [*command, "-j", "1", "--format", "json", "--timeout-per-file", "0", "."],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        try:
            report = json.loads(proc.stdout[: proc.stdout.rindex("}") + 1])
        except ValueError:
            report = {"files": [], "findings": [], "summary": {}, "stderr": proc.stderr}
        by_path: Dict[str, List[dict]] = {}
        for f in report.get("findings", []):
            by_path.setdefault(f["path"], []).append(f)
        failed = {f["path"] for f in report.get("files", []) if f.get("status") == "failed"}
        counts = []
        for original in python_files(unit):
            rel = str(original.relative_to(unit))
            try:
                before = original.read_text(encoding="utf-8")
                after = (work / rel).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            found = by_path.get(rel, [])
            error = rel in failed or any(f["code"] in ERROR_CODES for f in found)
            c = count_file(f"{unit.parent.name}/{unit.name}/{rel}", before, after, found, error)
            if c.sites or c.crashed or c.silent_file:
                counts.append(c)
        return counts, report


def measure(
    corpus: Path, command: Optional[Sequence[str]] = None, src: Path = ROOT / "src"
) -> dict:
    command = list(command or [sys.executable, "-m", "migrate_inference"])
    files: List[FileCount] = []
    for unit in units(corpus):
        counts, _ = run_unit(unit, command, src)
        files += counts
    total = {
        key: sum(getattr(f, key) for f in files)
        for key in ("sites", "no_equivalent", "migrated", "migrated_clean", "migrated_todo", "todo", "silent")
    }
    total["files_with_sites"] = sum(1 for f in files if f.sites)
    total["silent_files"] = sum(1 for f in files if f.silent_file)
    total["crashed"] = sum(1 for f in files if f.crashed)
    total["unparseable"] = sum(1 for f in files if f.unparseable)
    total["units"] = len(units(corpus))
    sites = total["sites"] or 1
    total["automation_rate"] = round(total["migrated_clean"] / sites, 3)
    # the same, over the sites that have an azure-ai-inference equivalent only
    with_equivalent = (total["sites"] - total["no_equivalent"]) or 1
    total["automation_rate_with_equivalent"] = round(
        total["migrated_clean"] / with_equivalent, 3
    )
    total["marked_rate"] = round((total["migrated_todo"] + total["todo"]) / sites, 3)
    return {"total": total, "files": [asdict(f) for f in files]}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--json", type=Path, help="write the full result here")
    parser.add_argument("--per-file", action="store_true", help="print one line a file")
    parser.add_argument(
        "--endpoint-style",
        choices=("deployment", "models"),
        help="migrate with this endpoint style (default: the tool's default)",
    )
    parser.add_argument(
        "--src",
        type=Path,
        default=ROOT / "src",
        help="the migrate_inference package to measure (default: this checkout's src/)",
    )
    args = parser.parse_args(argv)
    command = [sys.executable, "-m", "migrate_inference"]
    if args.endpoint_style:
        command += ["--endpoint-style", args.endpoint_style]
    result = measure(args.corpus, command, src=args.src)
    if args.per_file:
        for f in result["files"]:
            flags = " CRASHED" if f["crashed"] else ""
            flags += " UNPARSEABLE" if f["unparseable"] else ""
            flags += " SILENT-FILE" if f["silent_file"] else ""
            silent = f" silent@{f['silent_lines']}" if f["silent"] else ""
            print(
                f"{f['path']}: sites={f['sites']} migrated={f['migrated_clean']}+{f['migrated_todo']}todo "
                f"todo={f['todo']} silent={f['silent']}{silent}{flags}"
            )
    print(json.dumps(result["total"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
