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
_NOT_CONFIGURABLE = frozenset({"paths", "list_rules", "explain", "version", "help"})

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
    "--diff", is_flag=True, help="Print unified diffs to stdout; write nothing."
)
@click.option(
    "--check", is_flag=True, help="Write nothing; list the files that would change."
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
    help="Skip matching files and directories (repeatable).",
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
    "-q", "--quiet", is_flag=True, help="Print only findings, diffs and errors."
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Also print each call site migrated and why files were skipped.",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour diffs (default: on a terminal, unless NO_COLOR is set).",
)
@click.option("--no-progress", is_flag=True, help="Never show the progress line.")
@click.version_option(__version__, prog_name=PROG, message="%(prog)s %(version)s")
@click.pass_context
def command(ctx: click.Context, **options: Any) -> int:
    """Rewrite OpenAI SDK chat-completion and embeddings code to azure-ai-inference.

    Migrates the Python files, notebooks and dependency files under each PATH in place.
    """
    _apply_pyproject(ctx, options)
    if options["quiet"] and options["verbose"]:
        raise click.UsageError("--quiet and --verbose cannot be used together")
    if options["list_rules"]:
        return _list_rules()
    if options["explain"]:
        return _explain(options["explain"])
    if not options["paths"]:
        raise click.UsageError("Missing argument 'PATH...'.")
    engine = (ctx.obj or {}).get("engine")
    return _run(options, engine)


# ------------------------------------------------------------ configuration


def _apply_pyproject(ctx: click.Context, options: Dict[str, Any]) -> None:
    """Fill options not given on the command line from [tool.migrate-inference]."""
    from migrate_inference.settings import (
        SettingsError,
        find_pyproject,
        load_pyproject_config,
    )

    try:
        file_options = load_pyproject_config(os.getcwd())
    except SettingsError as exc:
        raise ConfigurationError(str(exc)) from exc
    if not file_options:
        return
    source = find_pyproject(os.getcwd())
    params = {param.name: param for param in ctx.command.params}
    for key, value in file_options.items():
        param = params.get(key)
        if param is None or key in _NOT_CONFIGURABLE:
            raise ConfigurationError(
                f"{source}: unknown option {key!r} in [tool.migrate-inference]"
            )
        if ctx.get_parameter_source(key) not in (
            ParameterSource.DEFAULT,
            ParameterSource.DEFAULT_MAP,
        ):
            continue  # the command line wins
        options[key] = _convert(ctx, param, _normalise(key, value), source)


def _normalise(key: str, value: Any) -> Any:
    if key in ("select", "ignore") and isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    if key in ("exclude", "include") and isinstance(value, str):
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

    known = [rule.code for rule in RULES] + list(non_rule_codes())
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
    return Config(
        select=_codes(options["select"], "--select"),
        ignore=_codes(options["ignore"], "--ignore"),
        **fields,
    )


# ------------------------------------------------------------- rules


def _list_rules() -> int:
    from migrate_inference.rules import DEPENDENCY_CODES, ERROR_CODES, RULES

    width = max(len(rule.name) for rule in RULES)
    for rule in RULES:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.summary}")
    for code, summary in DEPENDENCY_CODES.items():
        click.echo(f"{code}  {'(deps)':<{width}}  {summary}")
    for code, summary in ERROR_CODES.items():
        click.echo(f"{code}  {'(error)':<{width}}  {summary}")
    return 0


def _explain(code: str) -> int:
    from migrate_inference.rules import DEPENDENCY_CODES, ERROR_CODES, RULES

    wanted = code.strip().upper()
    for rule in RULES:
        if rule.code == wanted:
            click.echo(f"{rule.code} ({rule.name}): {rule.summary}")
            click.echo(f"Details and examples: docs/rules.md, section '{rule.name}'.")
            return 0
    if wanted in ERROR_CODES:
        click.echo(f"{wanted} (error): {ERROR_CODES[wanted]}")
        return 0
    if wanted in DEPENDENCY_CODES:
        click.echo(f"{wanted} (dependencies): {DEPENDENCY_CODES[wanted]}")
        click.echo("Details: docs/dependencies.md.")
        return 0
    raise click.UsageError(f"unknown rule code {code!r} (see --list-rules)")


# --------------------------------------------------------------- a run


def _run(options: Dict[str, Any], engine: Optional[Callable[..., Any]]) -> int:
    from migrate_inference.discover import discover
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
        RunSettings,
        iter_outcomes,
    )

    config = _config(options)
    config = replace(config, project=_project_index(options["paths"]))
    mode = DIFF if options["diff"] else CHECK if options["check"] else WRITE
    settings = RunSettings(
        config=config, write=mode == WRITE, want_diff=mode == DIFF, engine=engine
    )
    out, err = sys.stdout, sys.stderr
    fmt, quiet, verbose = options["format"], options["quiet"], options["verbose"]
    reporter = make_reporter(
        fmt,
        mode,
        out=out,
        err=err,
        verbose=verbose,
        color=color_wanted(options["color"], out),
    )
    progress = Progress(
        err,
        enabled=fmt == "text"
        and not quiet
        and not options["no_progress"]
        and _isatty(err),
    )
    summary = Summary()
    jobs = options["jobs"] or _usable_cores()
    discovered = discover(
        options["paths"], exclude=options["exclude"], include=options["include"]
    )
    reporter.begin()
    try:
        for outcome in iter_outcomes(discovered, settings, jobs=jobs):
            summary.add(outcome)
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
    if not quiet:
        err.write(summary.text(mode) + "\n")
    out.flush()
    err.flush()
    return 130 if summary.interrupted else summary.exit_code(mode)


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
    try:
        result = command.main(
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
