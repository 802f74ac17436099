"""``migrate-inference merge-reports``: one report from the reports of sharded runs.

Each shard of a ``--shard K/N`` run writes a JSON or SARIF report in which
every file carries its position in the full run's discovery order (``index``
in JSON, ``properties.fileIndex`` on SARIF results).  Merging puts the files
back in the order one unsharded run reports them (code files in discovery
order, then dependency files) and adds up the summary, so the merged report
is the one the unsharded run writes, byte for byte.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence, Tuple
from urllib.parse import unquote

from migrate_inference.discover import kind_of
from migrate_inference.report import (
    JSON_FINDINGS_OPEN,
    JSON_VERSION,
    SARIF_SCHEMA,
    array_item,
    json_head,
    json_tail,
    sarif_head,
    sarif_tail,
)
from migrate_inference.run_summary import Summary

DEPENDENCY_KINDS = frozenset({"requirements", "pyproject", "setup_cfg"})
_COUNTS = (
    "scanned",
    "changed",
    "unchanged",
    "failed",
    "rewrites",
    "call_sites",
    "todos",
)


class MergeError(Exception):
    """The reports cannot be merged (different formats, modes, or no file positions)."""


def merge_texts(texts: Sequence[Tuple[str, str]]) -> str:
    """(name, text) of each report -> the merged report's text (JSON or SARIF, as they are)."""
    documents = []
    for name, text in texts:
        try:
            documents.append((name, json.loads(text)))
        except ValueError as exc:
            raise MergeError(f"{name}: not a JSON document ({exc})") from exc
    if not documents:
        raise MergeError("no report to merge")
    sarif = ["runs" in doc for _, doc in documents]
    if all(sarif):
        return merge_sarif(documents)
    if any(sarif):
        raise MergeError("cannot merge SARIF and JSON reports together")
    return merge_json(documents)


def _order(kind: str, index: Any, name: str) -> Tuple[int, int]:
    if not isinstance(index, int):
        raise MergeError(
            f"{name}: a file has no position; write shard reports with this version"
        )
    return (1 if kind in DEPENDENCY_KINDS else 0, index)


def merge_json(documents: List[Tuple[str, Dict[str, Any]]]) -> str:
    modes = {doc.get("mode") for _, doc in documents}
    versions = {doc.get("version") for _, doc in documents}
    if versions != {JSON_VERSION}:
        raise MergeError(f"only JSON reports of version {JSON_VERSION} can be merged")
    if len(modes) != 1:
        raise MergeError(
            f"the reports come from different modes: {sorted(map(str, modes))}"
        )
    mode = modes.pop()
    files: List[Tuple[Tuple[int, int], Dict[str, Any]]] = []
    findings: Dict[str, List[Dict[str, Any]]] = {}
    totals = Summary()
    for name, doc in documents:
        for entry in doc["files"]:
            files.append((_order(entry["kind"], entry.get("index"), name), entry))
        for finding in doc["findings"]:
            findings.setdefault(finding["path"], []).append(finding)
        for key in _COUNTS:
            setattr(totals, key, getattr(totals, key) + int(doc["summary"][key]))
        totals.new_env.update(doc["summary"].get("new_env", []))
    files.sort(key=lambda item: item[0])
    out = [json_head(mode)]
    for position, (_, entry) in enumerate(files):
        out.append(array_item(position, entry))
    out.append(JSON_FINDINGS_OPEN)
    position = 0
    for _, entry in files:
        for finding in findings.pop(entry["path"], []):
            out.append(array_item(position, finding))
            position += 1
    out.append(json_tail(totals.as_dict(mode)))
    return "".join(out)


def merge_sarif(documents: List[Tuple[str, Dict[str, Any]]]) -> str:
    results: List[Tuple[Tuple[int, int], int, Dict[str, Any]]] = []
    successful = True
    exit_code = 0
    head = None
    for name, doc in documents:
        if doc.get("$schema") != SARIF_SCHEMA or len(doc.get("runs", [])) != 1:
            raise MergeError(f"{name}: not a SARIF log written by this tool")
        run = dict(doc["runs"][0])
        for invocation in run.pop("invocations", []):
            successful = successful and bool(invocation.get("executionSuccessful"))
            exit_code = max(exit_code, int(invocation.get("exitCode", 0)))
        for result in run.pop("results", []):
            index = (result.get("properties") or {}).get("fileIndex")
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            kind = kind_of(unquote(uri)) or ""
            results.append((_order(kind, index, name), len(results), result))
        if head is None:
            head = run
        elif run["tool"]["driver"] != head["tool"]["driver"]:
            raise MergeError(f"{name}: written by another version of the tool")
    assert head is not None
    results.sort(key=lambda item: (item[0], item[1]))
    out = [sarif_head(head)]
    for position, (_, _, result) in enumerate(results):
        out.append(array_item(position, result))
    out.append(sarif_tail({"executionSuccessful": successful, "exitCode": exit_code}))
    return "".join(out)
