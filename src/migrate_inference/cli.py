"""The ``migrate-inference`` command: options in, files migrated, an exit code out.

The command is thin: it turns options (and ``[tool.migrate-inference]``) into a
Config, hands the discovered files to the runner, and passes each outcome to a
reporter.  Everything heavy is imported inside the command so that ``--help``
stays fast and never loads LibCST.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import Any, Callable, Dict, List, Optional, Sequence

import click
from click.core import ParameterSource

from migrate_inference import __version__

PROG = "migrate-inference"
FORMATS = ("text", "json", "sarif", "github")

# Options that make sense only on the command line.
_NOT_CONFIGURABLE = frozenset(
    {
        "paths",
        "list_rules",
        "explain",
        "version",
        "help",
        "config",
        "isolated",
        "stdin_filename",
        "files_from",
        "shard",
        "output_file",
    }
)
# Keys of [tool.migrate-inference] that are not command-line options.
_CONFIG_ONLY = frozenset({"per_file_ignores"})

EXIT_CODES_HELP = """\b
Exit status:
  0  nothing left to do
  1  changes are pending (with --check or --diff), or TODO findings remain
  2  some file could not be processed (all others were), or bad usage
\b
Options can also be set in [tool.migrate-inference] of the nearest
pyproject.toml; the command line wins.
"""


class ConfigurationError(click.ClickException):
    """A bad [tool.migrate-inference]: reported without the usage text, exit status 2."""

    exit_code = 2


def _usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@click.command(
    name=PROG,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option(
    "--diff/--no-diff",
    default=False,
    help="Print unified diffs to stdout; write nothing.",
)
@click.option(
    "--check/--no-check",
    default=False,
    help="Write nothing; list the files that would change.",
)
@click.option(
    "--to",
    "to",
    type=click.Choice(["azure-ai-inference", "openai"]),
    help="Direction: openai code to azure-ai-inference (default), or azure-ai-inference code "
    "to the openai SDK on Azure's /openai/v1/ endpoint (azure-ai-inference was retired on 2026-08-26).",
)
@click.option(
    "--endpoint-style",
    type=click.Choice(["deployment", "models"]),
    help="Azure OpenAI deployment endpoints (default) or a models endpoint (Azure AI Foundry / serverless).",
)
@click.option(
    "--credential",
    type=click.Choice(["key", "entra"]),
    help="Authenticate with an API key (default) or Microsoft Entra ID (DefaultAzureCredential).",
)
@click.option(
    "--api-version", metavar="TEXT", help="api_version for deployment endpoints."
)
@click.option(
    "--endpoint-env",
    metavar="NAME",
    help="Environment variable that holds the chat endpoint URL.",
)
@click.option(
    "--key-env",
    metavar="NAME",
    help="Environment variable that holds the chat API key.",
)
@click.option(
    "--embeddings-endpoint-env",
    metavar="NAME",
    help="Environment variable that holds the embeddings endpoint URL.",
)
@click.option(
    "--embeddings-key-env",
    metavar="NAME",
    help="Environment variable that holds the embeddings API key.",
)
@click.option(
    "--select",
    metavar="CODES",
    help="Apply only these rules (comma-separated codes or prefixes).",
)
@click.option(
    "--ignore",
    metavar="CODES",
    help="Skip these rules (comma-separated codes or prefixes).",
)
@click.option(
    "--list-rules", is_flag=True, help="List the rules and error codes, then exit."
)
@click.option(
    "--explain", metavar="CODE", help="Explain one rule or error code, then exit."
)
@click.option(
    "--format",
    "format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format on stdout.",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip matching files and directories (repeatable); replaces the configuration's exclude.",
)
@click.option(
    "--extend-exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip these too, in addition to exclude (repeatable).",
)
@click.option(
    "--force-exclude/--no-force-exclude",
    default=False,
    help="Apply exclusions to paths given on the command line too (for pre-commit).",
)
@click.option(
    "--include",
    multiple=True,
    metavar="GLOB",
    help="Only process matching files (repeatable).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Worker processes (default: the usable CPU cores).",
)
@click.option(
    "--timeout-per-file",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Time budget of one file, plus as much again per MiB of it; a file over it is an "
    "error (MI006) and the rest go on. 0: no limit.",
)
@click.option(
    "-q",
    "--quiet/--no-quiet",
    default=False,
    help="Print only findings, diffs and errors.",
)
@click.option(
    "-v",
    "--verbose/--no-verbose",
    default=False,
    help="Also print each call site migrated and why files were skipped.",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour diffs (default: on a terminal, unless NO_COLOR is set).",
)
@click.option(
    "--progress/--no-progress",
    default=True,
    help="Show a progress line on a terminal for long runs (default) or never.",
)
@click.option(
    "--exit-zero/--no-exit-zero",
    default=False,
    help="Exit 0 even when changes are pending, TODOs remain or files failed.",
)
@click.option(
    "--statistics/--no-statistics",
    default=False,
    help="Print how many findings each code has, instead of each finding.",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    metavar="FILE",
    help="Write the report (and diffs) to FILE instead of stdout.",
)
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Read options from FILE (a pyproject.toml or a migrate-inference.toml) instead of the nearest pyproject.toml.",
)
@click.option(
    "--isolated",
    is_flag=True,
    help="Ignore every configuration file.",
)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="With '-' as the PATH: the name of the code read from stdin (for its kind, exclusions and reports).",
)
@click.option(
    "--files-from",
    type=click.File("r", encoding="utf-8", errors="surrogateescape"),
    metavar="FILE",
    help="Also process the paths listed in FILE, one a line as git ls-files prints them ('-': stdin).",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Process only shard K of N: a stable split of the files by a hash of their path.",
)
@click.version_option(__version__, prog_name=PROG, message="%(prog)s %(version)s")
@click.pass_context
def command(ctx: click.Context, **options: Any) -> int:
    """Rewrite OpenAI SDK chat-completion and embeddings code to azure-ai-inference,
    or, with --to openai, azure-ai-inference code to the openai SDK.

    Migrates the Python files, notebooks and dependency files under each PATH in place.
    """
    _apply_pyproject(ctx, options)
    if options["quiet"] and options["verbose"]:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    if options["list_rules"]:
        return _list_rules()
    if options["explain"]:
        return _explain(options["explain"])
    if not options["paths"] and options["files_from"] is None:
        raise click.UsageError("Missing argument 'PATH...'.")
    if options["statistics"] and options["format"] not in ("text", "json"):
        raise click.UsageError("--statistics works with --format text or json")
    if options["shard"] is not None:
        from migrate_inference.discover import parse_shard

        try:
            options["shard"] = parse_shard(options["shard"])
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--shard'") from exc
    engine = (ctx.obj or {}).get("engine")
    if "-" in options["paths"]:
        if len(options["paths"]) > 1 or options["files_from"] is not None:
            raise click.UsageError("'-' (stdin) cannot be combined with other paths")
        return _run_stdin(options, engine)
    if options["stdin_filename"] is not None:
        raise click.UsageError("--stdin-filename needs '-' as the PATH")
    return _run(options, engine)


# ------------------------------------------------------------ configuration


def _apply_pyproject(ctx: click.Context, options: Dict[str, Any]) -> None:
    """Fill options not given on the command line from the configuration file.

    That is ``--config FILE``, else [tool.migrate-inference] of the nearest
    pyproject.toml; ``--isolated`` reads none.  The file's directory is the
    project root that exclude and per-file-ignores globs are relative to
    (else the working directory).
    """
    from migrate_inference.settings import (
        SettingsError,
        find_pyproject,
        load_config_file,
        load_pyproject_config,
    )

    options["root"] = os.getcwd()
    options["per_file_ignores"] = []
    if options["isolated"] and options["config"]:
        raise click.UsageError("--config and --isolated cannot be used together")
    if options["isolated"]:
        return
    try:
        if options["config"]:
            source: Any = os.path.abspath(options["config"])
            file_options = load_config_file(source)
        else:
            file_options = load_pyproject_config(os.getcwd())
            source = find_pyproject(os.getcwd())
    except SettingsError as exc:
        raise ConfigurationError(str(exc)) from exc
    if source is not None:
        options["root"] = os.path.dirname(str(source))
    if not file_options:
        return
    params = {param.name: param for param in ctx.command.params}
    if "no_progress" in file_options:  # the older spelling of progress = false
        value = file_options.pop("no_progress")
        if not isinstance(value, bool):
            raise ConfigurationError(f"{source}: no-progress must be true or false")
        file_options.setdefault("progress", not value)
    for key, value in file_options.items():
        if key == "per_file_ignores":
            options[key] = _per_file_ignores(value, source)
            continue
        param = params.get(key)
        if param is None or key in _NOT_CONFIGURABLE:
            raise ConfigurationError(
                f"{source}: unknown option {key!r} in [tool.migrate-inference]"
            )
        converted = _convert(ctx, param, _normalise(key, value), source)
        if ctx.get_parameter_source(key) not in (
            ParameterSource.DEFAULT,
            ParameterSource.DEFAULT_MAP,
        ):
            if key == "extend_exclude":  # extend-exclude adds up, as in ruff
                options[key] = tuple(converted) + tuple(options[key])
            continue  # the command line wins
        options[key] = converted


def _per_file_ignores(value: Any, source: Any) -> List[Any]:
    """``{"tests/**" = ["MI9"], ...}`` -> [(glob, codes)]."""
    if not isinstance(value, dict):
        raise ConfigurationError(
            f"{source}: per-file-ignores must be a table of glob = [codes]"
        )
    out = []
    for glob, codes in value.items():
        if isinstance(codes, str):
            codes = codes.split(",")
        if not isinstance(codes, (list, tuple)) or not all(
            isinstance(c, str) for c in codes
        ):
            raise ConfigurationError(
                f"{source}: per-file-ignores: {glob!r} must map to a list of codes"
            )
        try:
            ignored = _codes(",".join(codes), "per-file-ignores")
            from migrate_inference.config import Config

            problem = Config(ignore=ignored).coupling_problem()
            if problem:
                raise click.UsageError(f"{source}: per-file-ignores: {glob!r}: {problem}")
            out.append((str(glob), ignored))
        except click.UsageError as exc:
            raise ConfigurationError(f"{source}: {exc.message}") from exc
    return out


def _normalise(key: str, value: Any) -> Any:
    if key in ("select", "ignore") and isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    if key in ("exclude", "extend_exclude", "include") and isinstance(value, str):
        return [value]
    return value


def _convert(
    ctx: click.Context, param: click.Parameter, value: Any, source: Any
) -> Any:
    if param.multiple and not isinstance(value, (list, tuple)):
        raise ConfigurationError(f"{source}: {param.name} must be a list of strings")
    try:
        return param.type_cast_value(ctx, value)
    except click.BadParameter as exc:
        raise ConfigurationError(
            f"{source}: invalid value for {param.name!r}: {exc.message}"
        ) from exc


def _codes(value: Optional[str], option: str) -> frozenset:
    from migrate_inference.rules import RULES, non_rule_codes
    from migrate_inference.to_openai.codes import (
        REVERSE_DEPENDENCY_CODES,
        REVERSE_RULES,
    )

    known = (
        [rule.code for rule in RULES]
        + [rule.code for rule in REVERSE_RULES]
        + list(non_rule_codes())
        + list(REVERSE_DEPENDENCY_CODES)
    )
    codes = frozenset(
        code.strip().upper() for code in (value or "").split(",") if code.strip()
    )
    for code in sorted(codes):
        if not any(k.startswith(code) for k in known):
            raise click.UsageError(
                f"{option}: unknown rule code {code!r} (see --list-rules)"
            )
    return codes


def _config(options: Dict[str, Any]) -> Any:
    from migrate_inference.config import Config

    fields = {
        name: options[name]
        for name in (
            "endpoint_style",
            "credential",
            "api_version",
            "endpoint_env",
            "key_env",
            "embeddings_endpoint_env",
            "embeddings_key_env",
        )
        if options[name] is not None
    }
    if options.get("to") is not None:
        fields["target"] = options["to"]
    config = Config(
        select=_codes(options["select"], "--select"),
        ignore=_codes(options["ignore"], "--ignore"),
        **fields,
    ).normalized()
    problem = config.coupling_problem()
    if problem:
        raise click.UsageError(problem)
    return config


# ------------------------------------------------------------- rules


def _list_rules() -> int:
    from migrate_inference.rules import DEPENDENCY_CODES, ERROR_CODES, RULES
    from migrate_inference.to_openai.codes import (
        REVERSE_DEPENDENCY_CODES,
        REVERSE_RULES,
    )

    width = max(len(rule.name) for rule in [*RULES, *REVERSE_RULES])
    for rule in [*RULES, *REVERSE_RULES]:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.summary}")
    for code, summary in {**DEPENDENCY_CODES, **REVERSE_DEPENDENCY_CODES}.items():
        click.echo(f"{code}  {'(deps)':<{width}}  {summary}")
    for code, summary in ERROR_CODES.items():
        click.echo(f"{code}  {'(error)':<{width}}  {summary}")
    return 0


def _explain(code: str) -> int:
    from migrate_inference.explain import explain

    text = explain(code)
    if text is None:
        raise click.UsageError(f"unknown rule code {code!r} (see --list-rules)")
    click.echo(text, nl=False)
    return 0


# --------------------------------------------------------------- a run


def _run(options: Dict[str, Any], engine: Optional[Callable[..., Any]]) -> int:
    from migrate_inference.discover import discover, indexed, read_files_from
    from migrate_inference.report import (
        CHECK,
        DIFF,
        WRITE,
        Progress,
        Summary,
        color_wanted,
        make_reporter,
    )
    from migrate_inference.runner import (
        CHANGED,
        FAILED,
        UNCHANGED,
        FileOutcome,
        RunSettings,
        iter_outcomes,
    )

    from dataclasses import replace

    config = _config(options)
    config = replace(config, project=_project_index(options["paths"]))
    mode = DIFF if options["diff"] else CHECK if options["check"] else WRITE
    settings = RunSettings(
        config=config, write=mode == WRITE, want_diff=mode == DIFF, engine=engine
    )
    settings = replace(settings, timeout_per_file=options["timeout_per_file"] or None)
    with _report_stream(options["output_file"]) as out:
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
        jobs = options["jobs"] or _usable_cores()
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


class _report_stream:
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


def _run_stdin(options: Dict[str, Any], engine: Optional[Callable[..., Any]]) -> int:
    """``-``: migrate the code read from stdin; the result (or its diff) goes to stdout.

    In write mode stdout holds the migrated code, so the report goes to stderr
    (or to --output-file); with --diff the diff is on stdout as usual.
    """
    from dataclasses import replace

    from migrate_inference.discover import PYTHON, Candidate, _Walker, kind_of
    from migrate_inference.report import (
        CHECK,
        DIFF,
        WRITE,
        Summary,
        make_reporter,
    )
    from migrate_inference.runner import (
        CHANGED,
        FAILED,
        UNCHANGED,
        FileOutcome,
        _Failure,
        _handler,
        decode_source,
        encode_source,
        failed,
        unified_diff,
    )

    name = options["stdin_filename"] or "-"
    kind = kind_of(name) or PYTHON
    config = _config(options)
    mode = DIFF if options["diff"] else CHECK if options["check"] else WRITE
    data = sys.stdin.buffer.read()
    walker = _Walker(
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

            handler = _handler(kind, RunSettings(config=config, engine=settings_engine))
            if handler is None:
                raise _Failure(f"no {kind} support installed")
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
        except _Failure as exc:
            outcome = failed(name, kind, str(exc), "MI002")
    err = sys.stderr
    report_to_stdout = mode != WRITE and options["output_file"] in (None, "-")
    summary = Summary()
    summary.add(outcome)
    with _report_stream(options["output_file"]) as out:
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
    from migrate_inference.discover import _Globs, project_relative

    return _Globs([glob]).matches(project_relative(path, root), False)


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


# ------------------------------------------------------- merge-reports

MERGE_COMMAND = "merge-reports"


@click.command(
    name=f"{PROG} {MERGE_COMMAND}",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.argument(
    "reports",
    nargs=-1,
    required=True,
    type=click.File("r", encoding="utf-8"),
    metavar="REPORT...",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False, allow_dash=True),
    metavar="FILE",
    help="Write the merged report to FILE instead of stdout.",
)
def merge_reports(reports: Any, output_file: Optional[str]) -> int:
    """Merge the JSON (or SARIF) reports of --shard K/N runs into one.

    The result is the report one unsharded run writes; its exit status is
    that run's (0, 1 or 2), taken from the merged summary.
    """
    from migrate_inference.merge import MergeError, merge_texts

    try:
        text = merge_texts([(r.name, r.read()) for r in reports])
    except MergeError as exc:
        raise ConfigurationError(str(exc)) from exc
    with _report_stream(output_file) as out:
        out.write(text)
    import json

    document = json.loads(text)
    if "runs" in document:
        return int(document["runs"][0]["invocations"][0]["exitCode"])
    return int(document["summary"]["exit_code"])


# --------------------------------------------------------------- entry


def main(
    argv: Optional[Sequence[str]] = None, *, engine: Optional[Callable[..., Any]] = None
) -> int:
    """Run the command and return its exit status instead of exiting.

    ``engine`` replaces ``migrate_inference.engine.migrate_source`` for Python
    files, for embedding and for tests; with more than one job it must be a
    module-level function of an importable module (workers import it by name).
    """
    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    chosen = command
    if args and args[0] == MERGE_COMMAND:
        chosen, args = merge_reports, args[1:]
    try:
        result = chosen.main(
            args=args, prog_name=PROG, standalone_mode=False, obj={"engine": engine}
        )
    except click.ClickException as exc:
        exc.show()
        return 2
    except click.Abort:
        click.echo("Aborted!", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except SystemExit as exc:  # click exits this way when stdout is a closed pipe
        return exc.code if isinstance(exc.code, int) else 1
    return result if isinstance(result, int) else 0
