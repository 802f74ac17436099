"""The review view: `--diff` says per file what changed and why, each hunk names its codes,
and `--format json` carries each finding's line range and each hunk's findings."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from migrate_inference import cli
from migrate_inference.findings import Finding
from migrate_inference.review import annotate, file_header, hunk_findings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASE = FIXTURES / "chat_params" / "unknown_keyword.before.py"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(CASE, tmp_path / "app.py")
    return tmp_path


def _run(capsys, *args):
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_diff_has_a_header_per_file_and_codes_per_hunk(capsys, project):
    code, out, err = _run(capsys, "--diff", "app.py")
    assert code == 1
    first, rest = out.split("\n", 1)
    assert first.startswith("# migrate-inference: app.py: ")
    assert "rewrites (" in first and "MI100 v0_chat x1" in first
    assert "2 TODOs (MI100 v0_chat x1, MI110 chat_params x1)" in first
    assert rest.startswith("--- app.py\n+++ app.py\n@@ ")
    headers = [line for line in rest.splitlines() if line.startswith("@@ ")]
    assert headers and all(line.count("@@") == 2 for line in headers)
    assert any(line.split("@@")[-1].strip() for line in headers)
    # docs/usage.md shows this very run
    usage = (FIXTURES.parent / "docs" / "usage.md").read_text(encoding="utf-8")
    assert first + "\n--- app.py\n+++ app.py\n" + headers[0] + "\n" in usage


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
def test_the_annotated_diff_still_applies_with_patch(capsys, project):
    _, out, _ = _run(capsys, "--diff", "app.py")
    (project / "review.patch").write_text(out)
    subprocess.run(["patch", "-p0", "-i", "review.patch"], cwd=project, check=True,
                   capture_output=True)
    code, _, _ = _run(capsys, "--diff", "app.py")
    assert code == 1  # only the TODOs are left: nothing more to change
    code, out, _ = _run(capsys, "--diff", "app.py")
    assert "--- app.py" not in out


def test_json_carries_line_ranges_and_hunks(capsys, project):
    _, out, _ = _run(capsys, "--diff", "--format", "json", "app.py")
    doc = json.loads(out)
    findings = doc["findings"]
    assert all("end_line" in f and f["end_line"] >= f["line"] for f in findings)
    assert any(f["end_line"] > f["line"] for f in findings)  # the multi-line call
    (entry,) = doc["files"]
    shown = [f for hunk in entry["hunks"] for f in hunk["findings"]]
    assert {f["code"] for f in shown} >= {"MI100", "MI110", "MI120", "MI130"}
    for hunk in entry["hunks"]:
        old_first, old_last = hunk["old_lines"]
        for f in hunk["findings"]:
            assert f["line"] <= old_last + 1 and f["end_line"] >= old_first


def test_a_hunk_names_only_the_findings_on_its_lines() -> None:
    diff = (
        "--- a.py\n+++ a.py\n"
        "@@ -1,3 +1,3 @@\n x = 1\n-y = openai.a()\n+y = client.a()\n z = 3\n"
        "@@ -20,3 +20,4 @@\n p = 1\n+# TODO(migrate-inference): why [MI110]\n q = 2\n r = 3\n"
    )
    findings = [
        Finding("MI100", "rewrite", "r", 2, 5),
        Finding("MI110", "todo", "why", 21, 1),
        Finding("MI200", "rewrite", "elsewhere", 10, 1),
    ]
    hunks = hunk_findings(diff, findings)
    assert [[f["code"] for f in h["findings"]] for h in hunks] == [["MI100"], ["MI110"]]
    annotated = annotate(diff, findings)
    assert "@@ -1,3 +1,3 @@ MI100\n" in annotated and "@@ -20,3 +20,4 @@ MI110\n" in annotated
    assert file_header("a.py", findings) == (
        "# migrate-inference: a.py: 2 rewrites (MI100 v0_chat x1, MI200 v1_clients x1); "
        "1 TODO (MI110 chat_params x1)\n"
    )
    assert file_header("a.py", []) == ""
