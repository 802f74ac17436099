"""One run of the command: files discovered, migrated by the runner, reported.

`run` handles PATHs (and ``--files-from``), `run_stdin` the code read from ``-``.
Everything heavy is imported inside them, so that ``--help`` never loads LibCST.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence

import click

from migrate_inference.cli_config import build_config


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run(options: Dict[str, Any], engine: Optional[Callable[..., Any]]) -> int:
    from migrate_inference.discover import discover, indexed, read_files_from
    from migrate_inference.report import Progress, color_wanted, make_reporter
    from migrate_inference.run_summary import CHECK, DIFF, WRITE, Summary
    from migrate_inference.runner import (
        CHANGED,
        FAILED,
        UNCHANGED,
        FileOutcome,
        RunSettings,
    )
    from migrate_inference.run_pool import iter_outcomes

    from dataclasses import replace

    config = build_config(options)
    config = replace(config, project=_project_index(options["paths"]))
    mode = DIFF if options["diff"] else CHECK if options["check"] else WRITE
    settings = RunSettings(
        config=config, write=mode == WRITE, want_diff=mode == DIFF, engine=engine
    )
    settings = replace(settings, timeout_per_file=options["timeout_per_file"] or None)
    with report_stream(options["output_file"]) as out:
        err = sys.stderr
        fmt, quiet, verbose = options["format"], options["quiet"], options["verbose"]
        reporter = make_reporter(
            fmt,
            mode,
            out=out,
            err=err,
            verbose=verbose,
            color=color_wanted(options["color"], out),
            statistics=options["statistics"],
        )
        progress = Progress(
            err,
            enabled=fmt == "text"
            and not quiet
            and options["progress"]
            and _isatty(err),
        )
        summary = Summary()
        jobs = options["jobs"] or usable_cores()
        paths: Any = options["paths"]
        if options["files_from"] is not None:
            paths = _chain(paths, read_files_from(options["files_from"]))
        positions: Dict[str, int] = {}
        discovered = discover(
            paths,
            exclude=tuple(options["exclude"]) + tuple(options["extend_exclude"]),
            include=options["include"],
            force_exclude=options["force_exclude"],
            root=options["root"],
            per_file_ignores=options["per_file_ignores"],
        )

        project = config.project
        if config.to_openai and project is not None and project.inference_importers:
            # clients shared across files are decided for the whole project, from the
            # files the run will migrate (and their per-file-ignores) as they are
            # before it rewrites any of them
            from migrate_inference.discover import Candidate
            from migrate_inference.to_openai.shared import precompute

            discovered = list(discovered)
            project.run_files = {
                os.path.realpath(item.path): item.ignore
                for _, item in indexed(discovered, options["shard"], options["root"])
                if isinstance(item, Candidate)
            }
            precompute(project, config)

        held_back: List[Any] = []  # dependency files of a sharded run

        def numbered() -> Any:
            for index, item in indexed(discovered, options["shard"], options["root"]):
                positions[item.path] = index
                if options["shard"] is not None and item.kind in _DEPENDENCY_KINDS:
                    held_back.append(item)
                else:
                    yield item

        def outcomes() -> Any:
            yield from iter_outcomes(numbered(), settings, jobs=jobs)
            for item in held_back:
                yield FileOutcome(
                    item.path,
                    item.kind,
                    UNCHANGED,
                    note="kept: a sharded run does not see all the code",
                )

        dependency_outcomes = []
        processed = set()
        reporter.begin()
        try:
            for outcome in outcomes():
                outcome.index = positions.pop(outcome.path, None)
                summary.add(outcome)
                processed.add(os.path.abspath(outcome.path))
                if outcome.kind in _DEPENDENCY_KINDS and outcome.status == CHANGED:
                    dependency_outcomes.append(outcome.path)
                if outcome.status != UNCHANGED or outcome.findings or verbose:
                    progress.clear()  # something may be printed: wipe the progress line first
                if outcome.status == FAILED:
                    err.write(f"{outcome.path}: error: {outcome.error}\n")
                elif fmt == "text" and not quiet:
                    if outcome.status == CHANGED:
                        err.write(
                            f"{outcome.path}: {'migrated' if mode == WRITE else 'would change'}\n"
                        )
                    elif verbose and outcome.note:
                        err.write(f"{outcome.path}: unchanged: {outcome.note}\n")
                reporter.file(outcome)
                progress.update(summary)
        except KeyboardInterrupt:
            summary.interrupted = True
        progress.clear()
        reporter.end(summary)
    if summary.scanned == 0 and not summary.interrupted:
        err.write(
            "warning: no Python file, notebook or dependency file found under the given paths\n"
        )
    if held_back:
        err.write(
            "warning: dependency files are kept in a sharded run (the decision needs all the "
            "code); run without --shard to migrate them\n"
        )
    for warning in _partial_view_warnings(dependency_outcomes, processed, mode):
        err.write(warning + "\n")
    if not quiet:
        err.write(summary.text(mode) + "\n")
    sys.stdout.flush()
    err.flush()
    if summary.interrupted:
        return 130
    return 0 if options["exit_zero"] else summary.exit_code(mode)


_DEPENDENCY_KINDS = frozenset({"requirements", "pyproject", "setup_cfg"})


def _chain(*iterables: Any) -> Any:
    for iterable in iterables:
        yield from iterable


class report_stream:
    """stdout, or the --output-file (written in full or not at all)."""

    def __init__(self, path: Optional[str]) -> None:
        self.path = None if path in (None, "-") else path
        self.file: Any = None

    def __enter__(self) -> Any:
        if self.path is None:
            return sys.stdout
        try:
            self.file = open(self.path, "w", encoding="utf-8", newline="")
        except OSError as exc:
            raise click.BadParameter(
                f"cannot write {self.path}: {exc.strerror or exc}",
                param_hint="'--output-file'",
            ) from exc
        return self.file

    def __exit__(self, *exc_info: Any) -> None:
        if self.file is not None:
            self.file.close()


def _partial_view_warnings(
    dependency_paths: List[str], processed: set, mode: str
) -> List[str]:
    """Dependency files rewritten while code outside the run still imports openai.

    Their openai requirement was dropped because no code *in this run* uses
    openai any more; code in the same project that the run did not look at
    (other paths, excluded files) may still need it.
    """
    if not dependency_paths:
        return []
    from migrate_inference.discover import PYTHON, Candidate, discover
    from migrate_inference.engine import OPENAI_IMPORT

    out = []
    for path in dependency_paths:
        directory = os.path.dirname(os.path.abspath(path))
        others = []
        for item in discover([directory]):
            if not isinstance(item, Candidate) or item.kind != PYTHON:
                continue
            if os.path.abspath(item.path) in processed:
                continue
            try:
                with open(item.path, "rb") as handle:
                    text = handle.read().decode("utf-8", "replace")
            except OSError:
                continue
            if OPENAI_IMPORT.search(text):
                others.append(item.path)
                if len(others) > 3:
                    break
        if others:
            verb = "rewritten" if mode == "write" else "would be rewritten"
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            out.append(
                f"warning: {path} {verb} from a partial view: files this run did not look "
                f"at still import openai ({shown}); run on the whole project"
            )
    return out


def run_stdin(options: Dict[str, Any], engine: Optional[Callable[..., Any]]) -> int:
    """``-``: migrate the code read from stdin; the result (or its diff) goes to stdout.

    In write mode stdout holds the migrated code, so the report goes to stderr
    (or to --output-file); with --diff the diff is on stdout as usual.
    """
    from dataclasses import replace

    from migrate_inference.discover import PYTHON, TreeWalker, kind_of
    from migrate_inference.report import make_reporter
    from migrate_inference.run_summary import CHECK, DIFF, WRITE, Summary
    from migrate_inference.runner import (
        CHANGED,
        FAILED,
        UNCHANGED,
        FileOutcome,
        failed,
        handler_for,
    )
    from migrate_inference.source_io import (
        FileFailure,
        decode_source,
        encode_source,
        unified_diff,
    )

    name = options["stdin_filename"] or "-"
    kind = kind_of(name) or PYTHON
    config = build_config(options)
    mode = DIFF if options["diff"] else CHECK if options["check"] else WRITE
    data = sys.stdin.buffer.read()
    walker = TreeWalker(
        tuple(options["exclude"]) + tuple(options["extend_exclude"]),
        (),
        options["force_exclude"],
        options["root"],
    )
    outcome: FileOutcome
    new_data = data
    if name != "-" and walker.forced_out(name, False):
        outcome = FileOutcome(name, kind, UNCHANGED, note="excluded")
    elif kind in _DEPENDENCY_KINDS:
        outcome = FileOutcome(
            name, kind, UNCHANGED, note="kept: dependency files need the whole tree"
        )
    else:
        ignores = [
            c
            for glob, c in options["per_file_ignores"]
            if name != "-" and _glob_matches(glob, name, options["root"])
        ]
        if ignores:
            config = replace(config, ignore=config.ignore.union(*ignores))
        settings_engine = engine
        try:
            text, encoding = decode_source(data, kind)
            from migrate_inference.runner import RunSettings

            handler = handler_for(
                kind, RunSettings(config=config, engine=settings_engine)
            )
            if handler is None:
                raise FileFailure(f"no {kind} support installed")
            result = handler(text, config, name)
            if result.error is not None:
                codes = [f.code for f in result.findings if f.kind == "error"]
                outcome = failed(
                    name, kind, result.error, codes[0] if codes else "MI004"
                )
                outcome.findings = list(result.findings)
            else:
                outcome = FileOutcome(
                    name, kind, UNCHANGED, findings=list(result.findings)
                )
                if result.code != text:
                    new_data = encode_source(result.code, encoding)
                    outcome.status = CHANGED
                    if mode == DIFF:
                        outcome.diff = unified_diff(name, text, result.code)
        except FileFailure as exc:
            outcome = failed(name, kind, str(exc), "MI002")
    err = sys.stderr
    report_to_stdout = mode != WRITE and options["output_file"] in (None, "-")
    summary = Summary()
    summary.add(outcome)
    with report_stream(options["output_file"]) as out:
        stream = (
            out
            if report_to_stdout or options["output_file"] not in (None, "-")
            else err
        )
        reporter = make_reporter(
            options["format"],
            mode,
            out=stream,
            err=err,
            verbose=options["verbose"],
            statistics=options["statistics"],
        )
        reporter.begin()
        reporter.file(outcome)
        reporter.end(summary)
    if outcome.status == FAILED:
        err.write(f"{name}: error: {outcome.error}\n")
    if mode == WRITE:
        sys.stdout.buffer.write(new_data)  # unchanged input passes through
        sys.stdout.flush()
    if not options["quiet"]:
        err.write(summary.text(mode) + "\n")
    return 0 if options["exit_zero"] else summary.exit_code(mode)


def _glob_matches(glob: str, path: str, root: str) -> bool:
    from migrate_inference.discover import GlobPatterns, project_relative

    return GlobPatterns([glob]).matches(project_relative(path, root), False)


def _project_index(paths: Sequence[str]) -> Any:
    """The project index (analysis/project.py), built from the project root of `paths`;
    None when it cannot be built (the engine then sees one file at a time)."""
    from migrate_inference.analysis.project import build_index

    try:
        return build_index(list(paths))
    except (OSError, ValueError, RecursionError):
        return None


def _isatty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
