"""Environment variables a migration makes the code read that it did not read before.

The migrated code reads its endpoints and keys with ``os.environ["NAME"]`` (or keeps
the user's own ``os.getenv``/``os.environ.get`` reads).  A name it reads that the
original did not is one the user must set before deploying: the run lists them
(``new_env`` in the JSON report, a line under the text summary).
"""

from __future__ import annotations

import re
from typing import List

# os.environ["X"], os.environ.get("X"), os.getenv("X"); quotes may be JSON-escaped (notebooks)
_READ = re.compile(
    r"""os\s*\.\s*(?:environ\s*\[|environ\s*\.\s*get\s*\(|getenv\s*\()\s*\\?["']([A-Za-z_][A-Za-z0-9_]*)\\?["']"""
)


def env_reads(text: str) -> set:
    """Names read with a literal key through ``os.environ``/``os.getenv`` in ``text``."""
    return set(_READ.findall(text))


def new_env(before: str, after: str) -> List[str]:
    """The variables ``after`` reads and ``before`` did not, sorted."""
    return sorted(env_reads(after) - env_reads(before))
