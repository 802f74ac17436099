"""A codemod that changes nothing: the baseline for `python -m libcst.tool codemod`.

    python -m libcst.tool codemod -x noop_codemod.NoOpCommand --no-format DIR

(with this directory on PYTHONPATH).  Every file is still read, parsed and
turned back into code by LibCST, which is the least any codemod run costs.
"""

from __future__ import annotations

from libcst.codemod import VisitorBasedCodemodCommand


class NoOpCommand(VisitorBasedCodemodCommand):
    DESCRIPTION = "Parse every file and write nothing back."
