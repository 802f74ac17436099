"""Stand-in engines for measuring the plumbing around the real one.

``parse_only`` does exactly what the lower bound L does to a candidate file
(LibCST parse and code generation) and changes nothing, so a run of the CLI
with it costs the plumbing (start-up, discovery, reading, prefilter, pool,
reporting) plus L's own parsing: ``plumbing / L`` is what the runner adds.
Workers import it by name, so it lives in a module of its own.
"""

from __future__ import annotations

from migrate_inference.findings import Result


def parse_only(source, config=None, filename="<string>"):
    import libcst

    code = libcst.parse_module(source).code
    return Result(original=source, code=code)


def unchanged(source, config=None, filename="<string>"):
    return Result(original=source, code=source)
