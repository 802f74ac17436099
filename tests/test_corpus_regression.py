"""Corpus regression: real modules from the standard library and site-packages.

A fixed, deterministic sample of the interpreter's own ``*.py`` files (sorted paths,
every k-th one, up to a size cap) goes through the engine twice:

* as it is: nothing changes and nothing fails (these modules hold no OpenAI code);
* with a v1 OpenAI client and chat call appended: no error, the output parses and
  compiles, a second run changes nothing, and every line that differs lies in the
  appended code or is a new import line (the import block); every other byte of the
  module is as it was.

``MIGRATE_INFERENCE_CORPUS_SAMPLE`` sets how many modules each half takes from each
source (default 200 as-is, 15 with the call; ``all`` takes every module under the cap),
``MIGRATE_INFERENCE_CORPUS_MAX_KB`` the size cap (default 16).  See docs/robustness.md.
"""

from __future__ import annotations

import difflib
import os
import re
import sysconfig
from pathlib import Path
from typing import List, Optional

import pytest

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source
from migrate_inference.findings import ERROR

SAMPLE = os.environ.get("MIGRATE_INFERENCE_CORPUS_SAMPLE", "")
MAX_BYTES = int(os.environ.get("MIGRATE_INFERENCE_CORPUS_MAX_KB", "16")) * 1024

CALL = '''

from openai import OpenAI as _MigrateProbeClient

_migrate_probe = _MigrateProbeClient()


def _migrate_probe_ask(question):
    response = _migrate_probe.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": question}],
        temperature=0,
    )
    return response.choices[0].message.content
'''

IMPORT_LINE = re.compile(r"^(?:import [\w.]+(?: as \w+)?|from [\w.]+ import [\w, ()]+)\s*$")
# Guards refuse some real modules before parsing (nesting CPython itself barely accepts).
ACCEPTED_ERRORS = {"MI001"}


def _modules(root: str, exclude: Optional[str], count: Optional[int]) -> List[Path]:
    paths = []
    for path in sorted(Path(root).rglob("*.py")):
        if exclude and str(path).startswith(exclude):
            continue
        try:
            size = path.stat().st_size
        except OSError:
            continue
        if 0 < size <= MAX_BYTES:
            paths.append(path)
    if count is None or count >= len(paths):
        return paths
    step = len(paths) / count
    return [paths[int(i * step)] for i in range(count)]


def sample(count_default: int) -> List[Path]:
    count = None if SAMPLE == "all" else int(SAMPLE or count_default)
    stdlib = sysconfig.get_paths()["stdlib"]
    site = sysconfig.get_paths()["purelib"]
    # The openai package's own modules are OpenAI code (they import and use the SDK),
    # so the tool rightly reports them (MI910/MI911): they are no "module without
    # OpenAI code" and stay out of the sample.
    own_sdk = os.path.join(site, "openai") + os.sep
    return _modules(stdlib, site, count) + _modules(site, own_sdk, count)


def read(path: Path) -> Optional[str]:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _imported(lines: List[str]) -> Optional[set]:
    """(module, name) pairs a run of import lines binds; None if a line is no import."""
    pairs = set()
    for line in lines:
        text = line.strip()
        if not text:
            continue
        if not IMPORT_LINE.match(line):
            return None
        if text.startswith("from "):
            module, names = text[5:].split(" import ", 1)
            for name in names.strip("() ").split(","):
                if name.strip():
                    pairs.add((module.strip(), name.strip()))
        else:
            pairs.add((text[7:].strip(), ""))
    return pairs


def _imports_kept(old: List[str], new: List[str]) -> bool:
    """Every import the old lines made is still made by the new lines."""
    before, after = _imported(old), _imported(new)
    return before is not None and after is not None and before <= after


def stray_changes(source: str, out: str, appended_at: int) -> List[str]:
    """Changed lines outside the appended code that are not new import lines."""
    a, b = source.splitlines(keepends=True), out.splitlines(keepends=True)
    bad = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or i1 >= appended_at:
            continue
        new_lines_are_imports = all(
            IMPORT_LINE.match(line) or not line.strip() for line in b[j1:j2]
        )
        if tag == "insert" and new_lines_are_imports:
            continue
        if tag == "replace" and new_lines_are_imports and _imports_kept(a[i1:i2], b[j1:j2]):
            continue  # a name added to an existing `from m import ...` line
        bad.append(f"{tag} input lines {i1 + 1}-{i2}: {a[i1:i2][:2]} -> {b[j1:j2][:2]}")
    return bad


def test_modules_without_openai_code_are_left_alone():
    paths = sample(200)
    assert len(paths) >= 300
    failures = []
    for path in paths:
        source = read(path)
        if source is None:
            continue
        result = migrate_source(source, Config(), str(path))
        errors = [f for f in result.findings if f.kind == ERROR and f.code not in ACCEPTED_ERRORS]
        if result.code != source or errors:
            failures.append(f"{path}: {'changed' if result.code != source else errors}")
    assert not failures, "\n".join(failures)


def test_an_appended_openai_call_changes_only_its_lines():
    paths = sample(15)
    assert len(paths) >= 30
    failures = []
    migrated = 0
    for path in paths:
        source = read(path)
        if source is None:
            continue
        base = source if source.endswith("\n") else source + "\n"
        appended_at = len(base.splitlines())
        probe = base + CALL
        result = migrate_source(probe, Config(), str(path))
        errors = [f for f in result.findings if f.kind == ERROR]
        if any(f.code not in ACCEPTED_ERRORS for f in errors):
            failures.append(f"{path}: {errors}")
            continue
        if errors:
            continue  # refused before parsing, left as it was
        out = result.code
        try:
            compile(out, str(path), "exec", dont_inherit=True)
        except SyntaxError as exc:
            failures.append(f"{path}: output does not compile: {exc}")
            continue
        if "_migrate_probe.complete(" not in out:
            if "TODO(migrate-inference)" not in out:
                failures.append(f"{path}: the call was neither migrated nor given a TODO")
                continue
        else:
            migrated += 1
        again = migrate_source(out, Config(), str(path)).code
        if again != out:
            failures.append(f"{path}: not idempotent")
        failures += [f"{path}: {line}" for line in stray_changes(probe, out, appended_at)]
    assert not failures, "\n".join(failures)
    assert migrated >= len(paths) // 2  # most modules really are rewritten


def test_stray_changes_checker_sees_an_edit_outside_the_call():
    """The checker must be able to fail."""
    source = "import os\nx = 1\n" + CALL
    assert stray_changes(source, "import os\nimport sys\n" + source[10:], 2) == []
    assert stray_changes(source, "import os\nx = 2\n" + CALL, 2)
    assert stray_changes(source, "x = 1\n" + CALL, 2)
    merged = "from a import b\nx = 1\n" + CALL
    assert stray_changes(merged, "from c import d\nfrom a import b, e\nx = 1\n" + CALL, 2) == []
    assert stray_changes(merged, "from c import d\nfrom a import e\nx = 1\n" + CALL, 2)
    assert stray_changes(merged, "from c import d\nfrom f import b\nx = 1\n" + CALL, 2)
