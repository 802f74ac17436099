"""Put the rules' edits back into the original bytes, so nothing else changes.

LibCST's round trip is byte-exact almost everywhere, but not quite: it drops
the space in ``except Exception :`` (CPython's own ``webbrowser.py`` has one).
Code generated from the rewritten tree would carry such losses into every
line of the file, far from any edit.  So the generated text is not written as
it is; its edits are spliced into the original:

* ``roundtrip`` is what LibCST writes for the *unchanged* tree, ``generated``
  what it writes for the rewritten one: a line diff between them is exactly
  what the rules (and the import fixer) changed;
* a line diff between ``roundtrip`` and the ``original`` is exactly what the
  round trip lost (it never adds or removes lines in practice; if it did, the
  lines are mapped block by block);
* the output is ``generated`` where the rules changed lines, and the
  original's own lines everywhere else.

The result must mean what ``generated`` means: its syntax tree is compared
with the generated one, and if they differ (or it does not parse) the
generated text is returned as it was, which is still correct, only less tidy.
"""

from __future__ import annotations

import ast
import re
from difflib import SequenceMatcher
from typing import List, Optional, Tuple

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def lines_of(text: str) -> List[str]:
    """Lines with their own endings; only \\n, \\r\\n and \\r end a line (as Python's tokenizer)."""
    return _LINE.findall(text)


# A unit: roundtrip lines [r_start, r_end) that stand for original lines [s_start, s_end).
_Unit = Tuple[int, int, int, int]


def _units(roundtrip: List[str], original: List[str]) -> List[_Unit]:
    units: List[_Unit] = []
    matcher = SequenceMatcher(None, roundtrip, original, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            units += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]
        elif (
            tag == "insert"
        ):  # original lines the round trip lost: ride with a neighbour
            if units:
                r1, r2, s1, _ = units[-1]
                units[-1] = (r1, r2, s1, j2)
            else:
                units.append((i1, i1, j1, j2))
        else:
            units.append((i1, i2, j1, j2))
    merged: List[_Unit] = []
    for unit in units:  # a leading empty unit joins the next one
        if merged and merged[-1][0] == merged[-1][1]:
            _, _, s1, _ = merged.pop()
            unit = (unit[0], unit[1], s1, unit[3])
        merged.append(unit)
    return merged


def splice(original: str, roundtrip: str, generated: str) -> str:
    """``generated`` with the original's bytes on every line the rules did not change."""
    if roundtrip == original or generated == roundtrip:
        return generated if roundtrip == original else original
    spliced = _merge(lines_of(original), lines_of(roundtrip), lines_of(generated))
    if spliced is None or not _same_meaning(spliced, generated):
        return generated
    return spliced


def _merge(s_lines: List[str], r_lines: List[str], n_lines: List[str]) -> Optional[str]:
    units = _units(r_lines, s_lines)
    if any(r1 == r2 for r1, r2, _, _ in units):
        return None  # original lines with no round-trip line to hang on
    unit_at = {}
    for unit in units:
        for k in range(unit[0], unit[1]):
            unit_at[k] = unit
    out: List[str] = []
    edits = SequenceMatcher(None, r_lines, n_lines, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in edits:
        if tag != "equal":
            out += n_lines[j1:j2]
            continue
        k = i1
        while k < i2:
            unit = unit_at.get(k)
            if unit is None:
                return None
            r1, r2, s1, s2 = unit
            if r1 == k and r2 <= i2:
                out += s_lines[s1:s2]
                k = r2
            else:  # the unit is cut by an edit: the generated lines stand
                out.append(n_lines[j1 + (k - i1)])
                k += 1
    return "".join(out)


def _same_meaning(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
