"""Golden fixtures: fixtures/<rule>/<case>.before.py + .after.py, and <case>.noop.py.

A first line `# fixture-options: key=value, key=value` sets Config fields for a case.
`python tests/fixture_cases.py` writes the .after.py of cases that have none
(never overwriting one), for a person to review before committing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SKIP_DIRS = {
    "e2e",
    "to_openai",
    "e2e_to_openai",
}  # to_openai: tests/test_to_openai_fixtures.py


@dataclass
class Case:
    rule: str
    name: str
    path: Path
    kind: str  # "rewrite" or "noop"

    @property
    def id(self) -> str:
        return f"{self.rule}/{self.name}"

    @property
    def after(self) -> Path:
        return self.path.with_name(self.name + ".after.py")


def cases(root: Path = FIXTURES) -> List[Case]:
    """Every case under `root` (the project's fixtures/, or a rule's own folder)."""
    found = []
    for rule_dir in sorted(
        p for p in root.iterdir() if p.is_dir() and p.name not in SKIP_DIRS
    ):
        for path in sorted(rule_dir.glob("*.before.py")):
            found.append(
                Case(rule_dir.name, path.name[: -len(".before.py")], path, "rewrite")
            )
        for path in sorted(rule_dir.glob("*.noop.py")):
            found.append(
                Case(rule_dir.name, path.name[: -len(".noop.py")], path, "noop")
            )
    return found


def options(source: str):
    from migrate_inference.config import Config

    first = source.splitlines()[0] if source else ""
    prefix = "# fixture-options:"
    if not first.startswith(prefix):
        return Config()
    values = {}
    for item in first[len(prefix) :].split(","):
        key, _, value = item.strip().partition("=")
        values[key.strip()] = value.strip()
    return Config(**values)


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def write_afters(found: List[Case], force: bool = False) -> None:
    """Writes the .after.py of each rewrite case that has none (all of them with `force`)."""
    from migrate_inference.engine import migrate_source

    for case in found:
        if case.kind != "rewrite" or (case.after.exists() and not force):
            continue
        source = read(case.path)
        result = migrate_source(source, options(source), str(case.path))
        case.after.write_bytes(result.code.encode("utf-8"))
        print(
            "wrote",
            case.after.relative_to(ROOT) if ROOT in case.after.parents else case.after,
            "(error: %s)" % result.error if result.error else "",
        )


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    write_afters(cases(), force="--force" in sys.argv)
