import io
import json
import os

import pytest

from migrate_inference.findings import ERROR, REWRITE, TODO, Finding
from migrate_inference.report import (
    Progress,
    color_wanted,
    colorize_diff,
    make_reporter,
)
from migrate_inference.rules import DEPENDENCY_CODES, ERROR_CODES, RULES
from migrate_inference.run_summary import CHECK, DIFF, WRITE, Summary
from migrate_inference.runner import CHANGED, FAILED, UNCHANGED, FileOutcome

DIFF_TEXT = "--- a.py\n+++ a.py\n@@ -1 +1 @@\n-import openai\n+import azure\n"
# What --diff prints above a file's patch (src/migrate_inference/review.py).
HEADER = "# migrate-inference: src/a.py: 1 rewrite (MI100 v0_chat x1); 1 TODO (MI900 out_of_scope x1)\n"


def outcomes():
    return [
        FileOutcome(
            "src/a.py",
            "python",
            CHANGED,
            findings=[
                Finding("MI100", REWRITE, "chat call migrated", 3, 1),
                Finding("MI900", TODO, "images.generate has no equivalent", 7, 5),
            ],
            diff=DIFF_TEXT,
        ),
        FileOutcome("src/b.py", "python", UNCHANGED, note="no OpenAI reference"),
        FileOutcome(
            "src/c.py",
            "python",
            FAILED,
            findings=[Finding("MI001", ERROR, "syntax error", 2, 4)],
            error="syntax error",
            error_code="MI001",
        ),
        FileOutcome(
            "src/d d.py",
            "python",
            FAILED,
            error="permission denied",
            error_code="MI002",
        ),
    ]


def render(fmt, mode=WRITE, verbose=False, color=False, items=None):
    out, err = io.StringIO(), io.StringIO()
    reporter = make_reporter(fmt, mode, out=out, err=err, verbose=verbose, color=color)
    summary = Summary()
    reporter.begin()
    for outcome in outcomes() if items is None else items:
        summary.add(outcome)
        reporter.file(outcome)
    reporter.end(summary)
    return out.getvalue(), err.getvalue(), summary


# ------------------------------------------------------------------ summary


def test_summary_counts_and_text():
    _, _, summary = render("text")
    assert (summary.scanned, summary.changed, summary.unchanged, summary.failed) == (
        4,
        1,
        1,
        2,
    )
    assert (summary.rewrites, summary.todos) == (1, 1)
    assert summary.text(WRITE) == (
        "4 files scanned: 1 file changed, 1 unchanged, 2 failed; 1 call site migrated (1 rewrite in all); 1 TODO left."
    )
    assert summary.text(CHECK) == (
        "4 files scanned: 1 file would change, 1 unchanged, 2 failed; 1 call site to migrate (1 rewrite in all); 1 TODO left."
    )


@pytest.mark.parametrize(
    "counts, mode, code",
    [
        ({}, WRITE, 0),
        ({"changed": 3, "rewrites": 4}, WRITE, 0),
        ({"changed": 3}, CHECK, 1),
        ({"changed": 3}, DIFF, 1),
        ({"todos": 1}, WRITE, 1),
        ({"todos": 1, "failed": 1}, CHECK, 2),
        ({"failed": 1}, WRITE, 2),
    ],
)
def test_exit_codes(counts, mode, code):
    assert Summary(**counts).exit_code(mode) == code


# ------------------------------------------------------------------ text


def test_text_lists_todos_only_unless_verbose():
    out, err, _ = render("text")
    assert out == HEADER + DIFF_TEXT + "src/a.py:7:5: MI900 images.generate has no equivalent\n"
    assert err == ""
    out, _, _ = render("text", verbose=True)
    assert "src/a.py:3:1: MI100 migrated: chat call migrated\n" in out


def test_text_with_diff_keeps_stdout_a_patch():
    out, err, _ = render("text", mode=DIFF)
    assert out == HEADER + DIFF_TEXT
    assert err == "src/a.py:7:5: MI900 images.generate has no equivalent\n"


def test_diff_colours():
    coloured = colorize_diff(DIFF_TEXT + " same\r\n")
    assert "\x1b[1m--- a.py\x1b[0m\n" in coloured
    assert "\x1b[36m@@ -1 +1 @@\x1b[0m\n" in coloured
    assert "\x1b[31m-import openai\x1b[0m\n" in coloured
    assert "\x1b[32m+import azure\x1b[0m\n" in coloured
    assert coloured.endswith(" same\r\n")
    out, _, _ = render("text", color=True)
    assert "\x1b[31m" in out
    out, _, _ = render("text", color=False)
    assert "\x1b[" not in out


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_colour_decision(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert color_wanted(None, Tty()) is True
    assert color_wanted(None, io.StringIO()) is False
    assert color_wanted(True, io.StringIO()) is True
    assert color_wanted(False, Tty()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert color_wanted(None, Tty()) is False
    assert color_wanted(True, Tty()) is True
    monkeypatch.setenv("NO_COLOR", "")
    assert color_wanted(None, Tty()) is True


# ------------------------------------------------------------------ json


def test_json_is_one_document_with_files_findings_and_summary():
    out, err, _ = render("json", mode=DIFF)
    document = json.loads(out)
    assert err == ""
    assert document["mode"] == "diff"
    assert [f["path"] for f in document["files"]] == [
        "src/a.py",
        "src/b.py",
        "src/c.py",
        "src/d d.py",
    ]
    assert document["files"][0]["diff"] == DIFF_TEXT
    assert document["files"][2] == {
        "path": "src/c.py",
        "kind": "python",
        "status": "failed",
        "error": "syntax error",
        "error_code": "MI001",
    }
    assert document["findings"] == [
        {
            "path": "src/a.py",
            "code": "MI100",
            "kind": "rewrite",
            "message": "chat call migrated",
            "line": 3,
            "column": 1,
            "end_line": 3,
        },
        {
            "path": "src/a.py",
            "code": "MI900",
            "kind": "todo",
            "message": "images.generate has no equivalent",
            "line": 7,
            "column": 5,
            "end_line": 7,
        },
        {
            "path": "src/c.py",
            "code": "MI001",
            "kind": "error",
            "message": "syntax error",
            "line": 2,
            "column": 4,
            "end_line": 2,
        },
        {
            "path": "src/d d.py",
            "code": "MI002",
            "kind": "error",
            "message": "permission denied",
            "line": 1,
            "column": 1,
            "end_line": 1,
        },
    ]
    assert document["summary"] == {
        "mode": "diff",
        "scanned": 4,
        "changed": 1,
        "unchanged": 1,
        "failed": 2,
        "rewrites": 1,
        "call_sites": 1,
        "todos": 1,
        "new_env": [],
        "exit_code": 2,
    }


def test_json_with_no_files_and_many_findings():
    document = json.loads(render("json", items=[])[0])
    assert document["files"] == [] and document["findings"] == []
    many = [
        FileOutcome(
            f"f{i}.py",
            "python",
            UNCHANGED,
            findings=[Finding("MI900", TODO, "x" * 500, i, 1)],
        )
        for i in range(3000)
    ]
    document = json.loads(render("json", items=many)[0])  # spills the spool to disk
    assert (
        len(document["findings"]) == 3000 and document["findings"][-1]["line"] == 2999
    )


# ------------------------------------------------------------------ sarif


def check_sarif(document):
    """The structure SARIF 2.1.0 requires of what this tool emits (§3.13-3.33 of the spec)."""
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(document["runs"], list) and len(document["runs"]) == 1
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "migrate-inference" and isinstance(driver["version"], str)
    ids = [rule["id"] for rule in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in (
            "none",
            "note",
            "warning",
            "error",
        )
    bases = run.get("originalUriBaseIds", {})
    for base in bases.values():
        assert base["uri"].startswith("file:///") and base["uri"].endswith("/")
    assert run["columnKind"] in ("utf16CodeUnits", "unicodeCodePoints")
    for result in run["results"]:
        assert result["message"]["text"]
        assert result["level"] in ("none", "note", "warning", "error")
        if "ruleIndex" in result:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        for location in result["locations"]:
            physical = location["physicalLocation"]
            artifact = physical["artifactLocation"]
            assert " " not in artifact["uri"]
            if "uriBaseId" in artifact:
                assert artifact["uriBaseId"] in bases
                assert not artifact["uri"].startswith("/")
            region = physical["region"]
            assert region["startLine"] >= 1 and region["startColumn"] >= 1
    for invocation in run["invocations"]:
        assert isinstance(invocation["executionSuccessful"], bool)
    return run


def test_sarif_structure_rules_and_results():
    out, _, _ = render("sarif")
    run = check_sarif(json.loads(out))
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    from migrate_inference.to_openai.codes import (
        REVERSE_DEPENDENCY_CODES,
        REVERSE_RULES,
    )

    assert ids == [rule.code for rule in RULES] + list(DEPENDENCY_CODES) + list(
        ERROR_CODES
    ) + [rule.code for rule in REVERSE_RULES] + list(REVERSE_DEPENDENCY_CODES)
    results = [
        (
            r["ruleId"],
            r["level"],
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        )
        for r in run["results"]
    ]
    assert results == [
        ("MI900", "warning", "src/a.py"),
        ("MI001", "error", "src/c.py"),
        ("MI002", "error", "src/d%20d.py"),
    ]
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7,
        "startColumn": 5,
    }
    assert run["invocations"][0]["executionSuccessful"] is False


def test_sarif_validates_against_the_schema_when_available():
    jsonschema = pytest.importorskip("jsonschema")
    # The official schema is not shipped (no network in tests); validate the
    # parts it pins down that a hand-written document most often gets wrong.
    schema = {
        "type": "object",
        "required": ["version", "runs"],
        "properties": {
            "version": {"const": "2.1.0"},
            "runs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["tool"],
                    "properties": {
                        "tool": {
                            "type": "object",
                            "required": ["driver"],
                            "properties": {
                                "driver": {
                                    "type": "object",
                                    "required": ["name"],
                                    "properties": {
                                        "rules": {
                                            "type": "array",
                                            "items": {"required": ["id"]},
                                        }
                                    },
                                }
                            },
                        },
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["message"],
                                "properties": {
                                    "message": {"type": "object", "required": ["text"]},
                                    "ruleIndex": {"type": "integer", "minimum": -1},
                                    "locations": {"type": "array"},
                                },
                            },
                        },
                        "invocations": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["executionSuccessful"],
                            },
                        },
                    },
                },
            },
        },
    }
    jsonschema.validate(json.loads(render("sarif")[0]), schema)


def test_sarif_for_a_clean_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out, _, _ = render(
        "sarif", items=[FileOutcome(str(tmp_path / "x.py"), "python", UNCHANGED)]
    )
    run = check_sarif(json.loads(out))
    assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is True


def test_sarif_path_outside_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outside = os.path.join(os.path.dirname(str(tmp_path)), "elsewhere", "y.py")
    item = FileOutcome(
        outside, "python", UNCHANGED, findings=[Finding("MI900", TODO, "t", 1, 1)]
    )
    run = check_sarif(json.loads(render("sarif", items=[item])[0]))
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "file://" + outside}


# ------------------------------------------------------------------ github


def test_github_annotations():
    out, _, _ = render("github")
    assert out.splitlines() == [
        HEADER.rstrip("\n"),
        "--- a.py",
        "+++ a.py",
        "@@ -1 +1 @@",
        "-import openai",
        "+import azure",
        "::warning file=src/a.py,line=7,col=5,title=MI900::images.generate has no equivalent",
        "::error file=src/c.py,title=MI001::syntax error",
        "::error file=src/d d.py,title=MI002::permission denied",
    ]


def test_github_escaping_and_pending_notice():
    item = FileOutcome(
        "a,b:c.py",
        "python",
        CHANGED,
        findings=[Finding("MI900", TODO, "50% done\nnext: line", 1, 2)],
    )
    out, _, _ = render("github", mode=CHECK, items=[item])
    assert out.splitlines() == [
        "::notice file=a%2Cb%3Ac.py,title=migrate-inference::this file would be migrated",
        "::warning file=a%2Cb%3Ac.py,line=1,col=2,title=MI900::50%25 done%0Anext: line",
    ]


# ------------------------------------------------------------------ progress


def test_progress_waits_for_fifty_files_and_clears():
    stream = Tty()
    progress = Progress(stream, enabled=True)
    summary = Summary()
    for _ in range(49):
        summary.scanned += 1
        progress.update(summary)
    assert stream.getvalue() == ""
    summary.scanned += 1
    progress.update(summary)
    assert (
        stream.getvalue() == "\r\x1b[Kmigrate-inference: 50 files, 0 changed, 0 failed"
    )
    progress.clear()
    assert stream.getvalue().endswith("\r\x1b[K")
    progress.clear()
    assert stream.getvalue().count("\r\x1b[K") == 2


def test_progress_disabled_writes_nothing():
    stream = Tty()
    progress = Progress(stream, enabled=False)
    progress.update(Summary(scanned=500))
    progress.clear()
    assert stream.getvalue() == ""


def test_formats_match_the_cli():
    from migrate_inference import cli, report

    assert cli.FORMATS == report.FORMATS


def test_new_env_lists_what_the_migration_makes_the_code_read(tmp_path, monkeypatch, capsys):
    """Names the output reads and the input did not; reused names are not listed."""
    from migrate_inference import cli

    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reuse.py").write_text(
        "import os\nfrom openai import OpenAI\n"
        'client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])\n'
        'r = client.chat.completions.create(model="gpt-4o", messages=[])\n'
    )
    (tmp_path / "fresh.py").write_text(
        "from openai import OpenAI\nclient = OpenAI()\n"
        'e = client.embeddings.create(model="text-embedding-3-small", input=["a"])\n'
    )
    (tmp_path / "clean.py").write_text('import os\nprint(os.environ["HOME"])\n')
    code = cli.main(["--check", "--format", "json", "."])
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    by_path = {f["path"]: f for f in document["files"]}
    assert by_path["reuse.py"]["new_env"] == ["AZURE_OPENAI_CHAT_ENDPOINT"]
    assert by_path["fresh.py"]["new_env"] == [
        "AZURE_OPENAI_EMBEDDINGS_ENDPOINT",
        "AZURE_OPENAI_EMBEDDINGS_KEY",
    ]
    assert "new_env" not in by_path["clean.py"]
    assert document["summary"]["new_env"] == [
        "AZURE_OPENAI_CHAT_ENDPOINT",
        "AZURE_OPENAI_EMBEDDINGS_ENDPOINT",
        "AZURE_OPENAI_EMBEDDINGS_KEY",
    ]
    assert code == 1
    cli.main(["--check", "."])
    text = capsys.readouterr().err
    assert (
        "reads environment variables the original did not: AZURE_OPENAI_CHAT_ENDPOINT, "
        "AZURE_OPENAI_EMBEDDINGS_ENDPOINT, AZURE_OPENAI_EMBEDDINGS_KEY" in text
    )


def test_env_reads_spots_every_read_form_and_escaped_quotes():
    from migrate_inference.envvars import env_reads, new_env

    text = 'os.environ["A"]; os.getenv("B"); os.environ.get(\'C\', "x"); "os.environ[\\"D\\"]"'
    assert env_reads(text) == {"A", "B", "C", "D"}
    assert new_env('os.getenv("A")', 'os.environ["A"] + os.environ["E"]') == ["E"]
