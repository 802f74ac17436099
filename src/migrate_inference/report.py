"""What a run tells the user: findings, failures, diffs and the closing summary.

Four formats, each a ``Reporter`` that receives file outcomes one at a time and
writes as it goes, so a report over many files needs no more memory than one
over a few:

* ``text``: ``path:line:col: CODE message`` per TODO (and per rewrite with -v);
* ``json``: one document with ``files``, ``findings`` and ``summary``;
* ``sarif``: SARIF 2.1.0, TODOs as warnings and failures as errors;
* ``github``: workflow commands that GitHub Actions shows as annotations.

Failures are printed to stderr as ``path: error: reason`` in every format, by
the CLI, so that they are seen whatever the format.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from typing import IO, Dict, List, Optional
from urllib.parse import quote

from migrate_inference.findings import ERROR, REWRITE, TODO, WARNING, Finding
from migrate_inference.runner import CHANGED, FAILED, FileOutcome
from migrate_inference.review import file_header, hunk_findings
from migrate_inference.run_summary import DIFF, WRITE, Summary

FORMATS = ("text", "json", "sarif", "github")
TOOL_NAME = "migrate-inference"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
# The JSON report's schema version: bumped on any incompatible change to its shape.
JSON_VERSION = 1

# ---------------------------------------------------------------- colour


def color_wanted(flag: Optional[bool], stream: IO[str]) -> bool:
    """--color/--no-color decide; by default colour only a terminal, unless NO_COLOR is set."""
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


_RESET = "\x1b[0m"
_DIFF_STYLES = (
    ("+++", "\x1b[1m"),
    ("---", "\x1b[1m"),
    ("@@", "\x1b[36m"),
    ("+", "\x1b[32m"),
    ("-", "\x1b[31m"),
)


def colorize_diff(diff: str) -> str:
    out = []
    for line in diff.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        for prefix, style in _DIFF_STYLES:
            if body.startswith(prefix):
                out.append(f"{style}{body}{_RESET}{ending}")
                break
        else:
            out.append(line)
    return "".join(out)


# ----------------------------------------------------------------- paths


def relative_path(path: str) -> str:
    """The path relative to the working directory when it lies inside it, with forward slashes."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    try:
        inside = os.path.commonpath([absolute, cwd]) == cwd
    except ValueError:  # another drive on Windows
        inside = False
    shown = os.path.relpath(absolute, cwd) if inside else absolute
    return shown.replace(os.sep, "/")


# ------------------------------------------------------------- reporters


class Reporter:
    """Receives outcomes in order; writes the machine- or human-readable report to ``out``."""

    def __init__(self, out: IO[str], mode: str, verbose: bool = False) -> None:
        self.out = out
        self.mode = mode
        self.verbose = verbose

    def begin(self) -> None:
        pass

    def file(self, outcome: FileOutcome) -> None:
        pass

    def end(self, summary: Summary) -> None:
        pass


class TextReporter(Reporter):
    """``path:line:col: CODE message`` per TODO; with --diff, diffs on ``out`` and TODOs on ``err``."""

    def __init__(
        self,
        out: IO[str],
        mode: str,
        verbose: bool = False,
        *,
        err: IO[str],
        color: bool = False,
    ):
        super().__init__(out, mode, verbose)
        self.err = err
        self.color = color

    def file(self, outcome: FileOutcome) -> None:
        if outcome.diff:
            self.out.write(file_header(outcome.path, outcome.findings))
            self.out.write(colorize_diff(outcome.diff) if self.color else outcome.diff)
        findings_stream = self.err if self.mode == DIFF else self.out
        if outcome.status == FAILED:
            return
        for finding in outcome.findings:
            if finding.kind in (TODO, WARNING):
                findings_stream.write(
                    f"{outcome.path}:{finding.line}:{finding.column}: {finding.code} {finding.message}\n"
                )
            elif finding.kind == REWRITE and self.verbose:
                findings_stream.write(
                    f"{outcome.path}:{finding.line}:{finding.column}: {finding.code} migrated: {finding.message}\n"
                )


class GithubReporter(TextReporter):
    """GitHub Actions workflow commands; diffs (with --diff) are printed as in text."""

    def file(self, outcome: FileOutcome) -> None:
        if outcome.diff:
            self.out.write(file_header(outcome.path, outcome.findings))
            self.out.write(outcome.diff)
        path = relative_path(outcome.path)
        if outcome.status == FAILED:
            self.out.write(
                _workflow_command(
                    "error",
                    outcome.error or "failed",
                    file=path,
                    title=outcome.error_code,
                )
            )
            return
        if outcome.status == CHANGED and self.mode != WRITE:
            self.out.write(
                _workflow_command(
                    "notice", "this file would be migrated", file=path, title=TOOL_NAME
                )
            )
        for finding in outcome.findings:
            if finding.kind in (TODO, WARNING):
                self.out.write(
                    _workflow_command(
                        "warning",
                        finding.message,
                        file=path,
                        line=finding.line,
                        col=finding.column,
                        title=finding.code,
                    )
                )


def _workflow_command(command: str, message: str, **properties: object) -> str:
    props = ",".join(
        f"{key}={_escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return (
        f"::{command} {props}::{_escape_data(message)}\n"
        if props
        else f"::{command}::{_escape_data(message)}\n"
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class _Spool:
    """JSON values kept aside (in memory, then on disk) until the document reaches them."""

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(
            max_size=1024 * 1024, mode="w+", encoding="utf-8"
        )
        self.count = 0

    def add(self, value: object) -> None:
        self.file.write(json.dumps(value) + "\n")
        self.count += 1

    def write_array_items(self, out: IO[str], indent: str) -> None:
        self.file.seek(0)
        for index, line in enumerate(self.file):
            out.write(("," if index else "") + "\n" + indent + line.rstrip("\n"))
        self.file.close()


class JsonReporter(Reporter):
    """One JSON document, streamed: ``files`` as they come, then ``findings``, then ``summary``."""

    def begin(self) -> None:
        self.files_written = 0
        self.findings = _Spool()
        self.out.write(json_head(self.mode))

    def file(self, outcome: FileOutcome) -> None:
        entry: Dict[str, object] = {
            "path": outcome.path,
            "kind": outcome.kind,
            "status": outcome.status,
        }
        if outcome.index is not None:
            entry["index"] = outcome.index
        if outcome.error is not None:
            entry["error"] = outcome.error
            entry["error_code"] = outcome.error_code
        if outcome.diff is not None:
            entry["diff"] = outcome.diff
            if outcome.kind == "python":
                entry["hunks"] = hunk_findings(outcome.diff, outcome.findings)
        if outcome.new_env:
            entry["new_env"] = list(outcome.new_env)
        self.out.write(array_item(self.files_written, entry))
        self.files_written += 1
        for finding in _findings_of(outcome):
            self.findings.add({"path": outcome.path, **finding.as_dict()})

    def end(self, summary: Summary) -> None:
        self.out.write(JSON_FINDINGS_OPEN)
        self.findings.write_array_items(self.out, "    ")
        self.out.write(json_tail(summary.as_dict(self.mode)))


# The JSON and SARIF documents' text, piece by piece: the reporters stream
# them, and merging shard reports (migrate_inference.merge) writes the same bytes.
JSON_FINDINGS_OPEN = '\n  ],\n  "findings": ['


def json_head(mode: str) -> str:
    return '{\n  "version": %d,\n  "tool": %s,\n  "mode": %s,\n  "files": [' % (
        JSON_VERSION,
        json.dumps(TOOL_NAME),
        json.dumps(mode),
    )


def array_item(position: int, value: object) -> str:
    return ("," if position else "") + "\n    " + json.dumps(value)


def json_tail(summary: Dict[str, object]) -> str:
    return '\n  ],\n  "summary": %s\n}\n' % json.dumps(summary)


def sarif_head(run_head: Dict[str, object]) -> str:
    head = json.dumps(run_head, indent=2)[:-2]  # keep the run object open
    return '{\n"$schema": %s,\n"version": "2.1.0",\n"runs": [\n%s,\n  "results": [' % (
        json.dumps(SARIF_SCHEMA),
        head,
    )


def sarif_tail(invocation: Dict[str, object]) -> str:
    return '\n  ],\n  "invocations": [%s]\n}\n]\n}\n' % json.dumps(invocation)


def _findings_of(outcome: FileOutcome) -> List[Finding]:
    """The outcome's findings; a failure outside the engine becomes one error finding."""
    if outcome.status == FAILED and not any(f.kind == ERROR for f in outcome.findings):
        return list(outcome.findings) + [
            Finding(outcome.error_code or "MI004", ERROR, outcome.error or "failed")
        ]
    return list(outcome.findings)


class SarifReporter(Reporter):
    """SARIF 2.1.0: one run; rules from the registry; TODOs as warnings, failures as errors."""

    def begin(self) -> None:
        from migrate_inference import __version__
        from migrate_inference.rules import (
            DEPENDENCY_CODES,
            ERROR_CODES,
            RULES,
            UNKNOWN_CODE,
        )

        rules: List[Dict[str, object]] = []
        for rule in RULES:
            rules.append(_sarif_rule(rule.code, rule.name, rule.summary, "warning"))
        for code, summary in DEPENDENCY_CODES.items():
            rules.append(
                _sarif_rule(code, "dependencies-" + code.lower(), summary, "warning")
            )
        for code, summary in ERROR_CODES.items():
            level = "warning" if code == UNKNOWN_CODE else "error"
            rules.append(_sarif_rule(code, f"{level}-{code.lower()}", summary, level))
        from migrate_inference.to_openai.codes import (
            REVERSE_DEPENDENCY_CODES,
            REVERSE_RULES,
        )

        for rule in REVERSE_RULES:
            rules.append(_sarif_rule(rule.code, rule.name, rule.summary, "warning"))
        for code, summary in REVERSE_DEPENDENCY_CODES.items():
            rules.append(
                _sarif_rule(code, "dependencies-" + code.lower(), summary, "warning")
            )
        self.rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
        self.results_written = 0
        self.failed = False
        run_head = {
            "tool": {
                "driver": {"name": TOOL_NAME, "version": __version__, "rules": rules}
            },
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"SRCROOT": {"uri": _directory_uri(os.getcwd())}},
        }
        self.out.write(sarif_head(run_head))

    def file(self, outcome: FileOutcome) -> None:
        failed = outcome.status == FAILED
        self.failed = self.failed or failed
        pending = outcome.status == CHANGED and self.mode != WRITE
        if pending and not any(f.kind == REWRITE for f in outcome.findings):
            self._result(
                outcome.path,
                Finding("", REWRITE, "this file would be migrated"),
                "note",
                outcome.index,
            )
        for finding in _findings_of(outcome):
            if finding.kind in (TODO, WARNING) and not failed:
                self._result(outcome.path, finding, "warning", outcome.index)
            elif finding.kind == REWRITE and pending:
                self._result(
                    outcome.path,
                    Finding(
                        finding.code,
                        REWRITE,
                        "would be migrated: " + finding.message,
                        finding.line,
                        finding.column,
                    ),
                    "note",
                    outcome.index,
                )
            elif finding.kind == ERROR:
                message = (
                    outcome.error if (failed and outcome.error) else finding.message
                )
                self._result(
                    outcome.path,
                    Finding(finding.code, ERROR, message, finding.line, finding.column),
                    "error",
                    outcome.index,
                )

    def _result(
        self, path: str, finding: Finding, level: str, index: Optional[int] = None
    ) -> None:
        result: Dict[str, object] = {
            **({"ruleId": finding.code} if finding.code else {}),
            "level": level,
            "message": {"text": finding.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact_location(path),
                        "region": {
                            "startLine": max(1, finding.line),
                            "startColumn": max(1, finding.column),
                            **(
                                {"endLine": finding.end_line}
                                if finding.end_line > finding.line
                                else {}
                            ),
                        },
                    }
                }
            ],
        }
        if finding.code in self.rule_index:
            result["ruleIndex"] = self.rule_index[finding.code]
        if index is not None:
            result["properties"] = {"fileIndex": index}
        self.out.write(array_item(self.results_written, result))
        self.results_written += 1

    def end(self, summary: Summary) -> None:
        invocation = {
            "executionSuccessful": not (self.failed or summary.interrupted),
            "exitCode": summary.exit_code(self.mode),
        }
        self.out.write(sarif_tail(invocation))


def _sarif_rule(code: str, name: str, summary: str, level: str) -> Dict[str, object]:
    from migrate_inference.explain import explain

    text = explain(code) or summary
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": text.split("\n\n", 1)[0].strip()},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": level},
    }


def _directory_uri(path: str) -> str:
    uri = "file://" + quote(os.path.abspath(path).replace(os.sep, "/"))
    if not uri.startswith("file:///"):
        uri = "file:///" + uri[len("file://") :]
    return uri.rstrip("/") + "/"


def _artifact_location(path: str) -> Dict[str, str]:
    shown = relative_path(path)
    if os.path.isabs(shown):
        return {
            "uri": _directory_uri(os.path.dirname(shown))[:-1]
            + "/"
            + quote(os.path.basename(shown))
        }
    return {"uri": quote(shown), "uriBaseId": "SRCROOT"}


class StatisticsReporter(Reporter):
    """``--statistics``: how many findings each code has, most frequent first.

    Text: ``count  code  kind  summary`` lines; JSON: a list of objects with
    ``code``, ``kind``, ``count`` and ``summary``.  Diffs (with --diff) are
    printed as usual, before the table.
    """

    def __init__(self, out: IO[str], mode: str, fmt: str) -> None:
        super().__init__(out, mode)
        self.fmt = fmt
        self.counts: Dict[tuple, int] = {}

    def file(self, outcome: FileOutcome) -> None:
        if outcome.diff and self.fmt == "text":
            self.out.write(outcome.diff)
        for finding in _findings_of(outcome):
            key = (finding.code, finding.kind)
            self.counts[key] = self.counts.get(key, 0) + 1

    def end(self, summary: Summary) -> None:
        from migrate_inference.rules import RULES, non_rule_codes

        summaries = {rule.code: rule.summary for rule in RULES}
        summaries.update(non_rule_codes())
        rows = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        if self.fmt == "json":
            document = [
                {
                    "code": code,
                    "kind": kind,
                    "count": count,
                    "summary": summaries.get(code, ""),
                }
                for (code, kind), count in rows
            ]
            self.out.write(json.dumps(document, indent=2) + "\n")
            return
        width = max((len(str(count)) for _, count in rows), default=1)
        for (code, kind), count in rows:
            self.out.write(
                f"{count:>{width}}  {code}  {kind:<7}  {summaries.get(code, '')}\n"
            )


def make_reporter(
    fmt: str,
    mode: str,
    *,
    out: IO[str],
    err: IO[str],
    verbose: bool = False,
    color: bool = False,
    statistics: bool = False,
) -> Reporter:
    if statistics:
        return StatisticsReporter(out, mode, fmt)
    if fmt == "text":
        return TextReporter(out, mode, verbose, err=err, color=color)
    if fmt == "github":
        return GithubReporter(out, mode, verbose, err=err)
    if fmt == "json":
        return JsonReporter(out, mode, verbose)
    if fmt == "sarif":
        return SarifReporter(out, mode, verbose)
    raise ValueError(f"unknown format {fmt!r}")


# -------------------------------------------------------------- progress


class Progress:
    """A one-line counter on a terminal's stderr, for long runs only.

    It shows nothing until ``min_files`` files are done, redraws at most ten
    times a second, and is wiped before anything else is printed.
    """

    def __init__(self, stream: IO[str], enabled: bool, min_files: int = 50) -> None:
        self.stream = stream
        self.enabled = enabled
        self.min_files = min_files
        self.shown = False
        self.last_draw = 0.0

    def update(self, summary: Summary) -> None:
        if not self.enabled or summary.scanned < self.min_files:
            return
        now = time.monotonic()
        if self.shown and now - self.last_draw < 0.1:
            return
        self.last_draw = now
        self.stream.write(
            f"\r\x1b[K{TOOL_NAME}: {summary.scanned} files, {summary.changed} changed, {summary.failed} failed"
        )
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False
