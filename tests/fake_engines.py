"""Stand-ins for migrate_source, so plumbing tests do not depend on what the real engine does.

They are module-level functions of an importable module, so they can be handed
to ``cli.main(engine=...)`` and pickled into worker processes.  Markers in the
source choose the behaviour:

* ``openai`` -> ``azure_ai`` everywhere, one rewrite finding per line changed;
* ``TODO_HERE``: a TODO finding at that line;
* ``SYNTAX_ERROR``: an MI001 error result, as the engine gives for bad syntax;
* ``RAISE``: the engine raises (it must never, but the runner must survive it);
* ``CRASH_WORKER``: the process dies on the spot;
* ``NON_LATIN1``: the output gains a character latin-1 cannot encode.

``azure_engine`` writes real azure-ai-inference imports, for the dependency-file decisions.
"""

from __future__ import annotations

import os

from migrate_inference.findings import ERROR, REWRITE, TODO, Finding, Result

CONFIGS_SEEN = []


def rename_engine(source, config=None, filename="<string>", **dependency_plan):
    CONFIGS_SEEN.append(config)
    if "CRASH_WORKER" in source:
        os._exit(17)
    if "RAISE" in source:
        raise RuntimeError("engine exploded")
    if "SYNTAX_ERROR" in source:
        message = "syntax error at line 1: invalid syntax"
        return Result(
            source, source, [Finding("MI001", ERROR, message, 1, 1)], error=message
        )
    findings = []
    lines = source.splitlines(keepends=True)
    out = []
    for number, line in enumerate(lines, start=1):
        if "TODO_HERE" in line:
            findings.append(
                Finding(
                    "MI900", TODO, "needs a person", number, line.index("TODO_HERE") + 1
                )
            )
        new = line.replace("openai", "azure_ai").replace("OpenAI", "AzureAI")
        if new != line:
            findings.append(Finding("MI100", REWRITE, "renamed", number, 1))
        if "NON_LATIN1" in new:
            new = new.replace("NON_LATIN1", "\u2603")
        out.append(new)
    return Result(source, "".join(out), findings)


def azure_engine(source, config=None, filename="<string>"):
    """``import openai`` -> ``import azure.ai.inference``; KEEP_OPENAI leaves the file for a person."""
    if "KEEP_OPENAI" in source:
        return Result(
            source, source, [Finding("MI900", TODO, "left for a person", 1, 1)]
        )
    new = source.replace("import openai", "import azure.ai.inference")
    return Result(
        source,
        new,
        [Finding("MI100", REWRITE, "migrated", 1, 1)] if new != source else [],
    )


def config_engine(source, config=None, filename="<string>"):
    """Reports the Config it was given as a TODO finding (workers cannot append to CONFIGS_SEEN)."""
    return Result(source, source, [Finding("MI900", TODO, repr(config), 1, 1)])


def slow_engine(source, config=None, filename="<string>"):
    """Sleeps for the seconds after SLEEP_ in the source, then renames like rename_engine."""
    import re
    import time

    match = re.search(r"SLEEP_(\d+(?:\.\d+)?)", source)
    if match:
        time.sleep(float(match.group(1)))
    return rename_engine(source, config, filename)


def segfault_engine(source, config=None, filename="<string>"):
    """SEGFAULT in the source: the process dies of SIGSEGV, as LibCST's parser can."""
    if "SEGFAULT" in source:
        import ctypes

        ctypes.string_at(0)
    return rename_engine(source, config, filename)


def never_called(source, config=None, filename="<string>"):
    raise AssertionError(f"the engine was called for {filename}")


def touching_engine(source, config=None, filename="<string>"):
    """Edits the file on disk while 'migrating' it, like an editor saving meanwhile."""
    with open(filename, "ab") as handle:
        handle.write(b"# saved by an editor\n")
    return rename_engine(source, config, filename)
