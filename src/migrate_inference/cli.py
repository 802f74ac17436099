"""The ``migrate-inference`` command: options in, files migrated, an exit code out.

The command is thin: it turns options (and ``[tool.migrate-inference]``) into a
Config, hands the discovered files to the runner, and passes each outcome to a
reporter.  Everything heavy is imported inside the command so that ``--help``
stays fast and never loads LibCST.  The options' configuration-file side is
``cli_config.py``, a run itself ``cli_run.py``; this module holds the click
commands and the entry point.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, List, Optional, Sequence

import click

from migrate_inference import __version__
from migrate_inference.cli_config import ConfigurationError, apply_pyproject
from migrate_inference.cli_run import report_stream, run, run_stdin

PROG = "migrate-inference"
FORMATS = ("text", "json", "sarif", "github")

EXIT_CODES_HELP = """\b
Exit status:
  0  nothing left to do
  1  changes are pending (with --check or --diff), or TODO findings remain
  2  some file could not be processed (all others were), or bad usage
\b
Options can also be set in [tool.migrate-inference] of the nearest
pyproject.toml; the command line wins.
"""


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
    apply_pyproject(ctx, options)
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
        return run_stdin(options, engine)
    if options["stdin_filename"] is not None:
        raise click.UsageError("--stdin-filename needs '-' as the PATH")
    return run(options, engine)


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
    with report_stream(output_file) as out:
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
