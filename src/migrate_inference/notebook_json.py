"""A notebook's JSON text, read and written in place: where each cell's source
lies, and new sources spliced in with the file's own escaping and layout, so a
migration changes only the cells it rewrote (notebooks.py)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from json.decoder import scanstring
from typing import Any, Dict, List, Optional, Tuple

from migrate_inference.findings import Finding

BOM = "\ufeff"
_JSON_WS = " \t\n\r"
_DECODER = json.JSONDecoder()


class NotebookError(Exception):
    """The text is not a notebook this module can handle."""


# ------------------------------------------------------- the JSON text


@dataclass
class _SourceSpan:
    start: int  # the value's span in the text
    end: int
    key_line_start: int  # where the line holding the "source" key begins
    items: Optional[List[Tuple[int, int]]]  # spans of list elements; None for a string


class Layout:
    """Where each cell's ``"source"`` value sits in the notebook text, found by a small JSON walker."""

    def __init__(self, text: str, spans: Dict[int, _SourceSpan]) -> None:
        self.text = text
        self.spans = spans
        self._line_starts: Optional[List[int]] = None

    @classmethod
    def scan(cls, text: str) -> "Layout":
        spans: Dict[int, _SourceSpan] = {}
        i = _skip_ws(text, 1 if text.startswith(BOM) else 0)
        if text[i : i + 1] != "{":
            raise NotebookError(
                "not a valid notebook: the top level is not a JSON object"
            )
        for key, start in _object_members(text, i):
            if key != "cells":
                continue
            spans = {}
            for number, cell_start in enumerate(_array_members(text, start)):
                if text[cell_start] != "{":
                    continue
                for cell_key, value_start in _object_members(text, cell_start):
                    if cell_key == "source":
                        spans[number] = _source_span(text, value_start)
        return cls(text, spans)

    def json_line(self, index: int, cell_line: int) -> int:
        span = self.spans.get(index)
        if span is None:
            return 1
        position = span.start
        if span.items:
            # Element k holds some lines of the cell; find the one holding cell_line.
            seen = 0
            for item_start, item_end in span.items:
                position = item_start
                seen += json.loads(self.text[item_start:item_end]).count("\n")
                if seen >= cell_line:
                    break
        return self.text.count("\n", 0, position) + 1


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _JSON_WS:
        i += 1
    return i


def _skip_value(text: str, i: int) -> int:
    if text[i] == '"':
        return scanstring(text, i + 1)[1]
    return _DECODER.raw_decode(text, i)[1]


def _object_members(text: str, i: int):
    """(key, value start) for each member of the object at ``i``; consumes the object."""
    i = _skip_ws(text, i + 1)
    if text[i] == "}":
        return
    while True:
        key, i = scanstring(text, i + 1)
        i = _skip_ws(text, _skip_ws(text, i) + 1)  # past ':'
        yield key, i
        i = _skip_ws(text, _skip_value(text, i))
        if text[i] == "}":
            return
        i = _skip_ws(text, i + 1)  # past ','


def _array_members(text: str, i: int):
    i = _skip_ws(text, i + 1)
    if text[i] == "]":
        return
    while True:
        yield i
        i = _skip_ws(text, _skip_value(text, i))
        if text[i] == "]":
            return
        i = _skip_ws(text, i + 1)


def _source_span(text: str, start: int) -> _SourceSpan:
    key_line_start = text.rfind("\n", 0, start) + 1
    if text[start] == "[":
        items: List[Tuple[int, int]] = []
        i = _skip_ws(text, start + 1)
        if text[i] != "]":
            while True:
                end = _skip_value(text, i)
                items.append((i, end))
                i = _skip_ws(text, end)
                if text[i] == "]":
                    break
                i = _skip_ws(text, i + 1)
        return _SourceSpan(start, i + 1, key_line_start, items)
    return _SourceSpan(start, _skip_value(text, start), key_line_start, None)


# ------------------------------------------------------------- splicing


def splice_sources(
    text: str, notebook: Dict[str, Any], layout: Layout, new_sources: Dict[int, str]
) -> str:
    """Replace the changed cells' source values in the original text; check the result."""
    if not new_sources:
        return text
    style = _JsonStyle.detect(text)
    pieces: List[str] = []
    position = 0
    for index in sorted(new_sources):
        span = layout.spans[index]
        pieces.append(text[position : span.start])
        pieces.append(style.source_value(text, span, new_sources[index]))
        position = span.end
    pieces.append(text[position:])
    new_text = "".join(pieces)

    expected = json.loads(json.dumps(notebook))
    for index, source in new_sources.items():
        cell = expected["cells"][index]
        cell["source"] = (
            source if isinstance(cell.get("source"), str) else source_lines(source)
        )
    body = new_text[1:] if new_text.startswith(BOM) else new_text
    if json.loads(body) != expected:
        raise AssertionError(
            "the rewritten notebook JSON does not match the migrated cells"
        )
    return new_text


def source_lines(source: str) -> List[str]:
    """Jupyter's split: every line keeps its newline, the last one may have none."""
    parts = source.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


@dataclass
class _JsonStyle:
    ensure_ascii: bool
    indent_unit: str
    compact_separator: str
    newline: str = "\n"

    @classmethod
    def detect(cls, text: str) -> "_JsonStyle":
        escaped = any(
            int(m.group(1), 16) >= 0x80
            for m in re.finditer(r"(?<!\\)(?:\\\\)*\\u([0-9a-fA-F]{4})", text)
        )
        raw = any(ord(ch) > 0x7F for ch in text.lstrip(BOM))
        ensure_ascii = escaped and not raw
        newline = text.find("\n")
        unit = " "
        if 0 <= newline < len(text) - 1:
            following = text[newline + 1 :]
            width = len(following) - len(following.lstrip(" \t"))
            if width:
                unit = following[:width]
        separator = ", " if re.search(r'[\]}"\d],\s"', text) else ","
        return cls(ensure_ascii, unit, separator, "\r\n" if "\r\n" in text else "\n")

    def encode(self, value: str) -> str:
        return json.dumps(value, ensure_ascii=self.ensure_ascii)

    def source_value(self, text: str, span: _SourceSpan, source: str) -> str:
        if span.items is None:
            old = json.loads(text[span.start : span.end])
            return text[span.start : span.end] if old == source else self.encode(source)
        reuse: Dict[str, str] = {}
        for item_start, item_end in span.items:
            raw = text[item_start:item_end]
            reuse.setdefault(json.loads(raw), raw)
        tokens = [reuse.get(line) or self.encode(line) for line in source_lines(source)]
        old_value = text[span.start : span.end]
        if not tokens:
            return "[]"
        if "\n" not in old_value and span.items:
            return "[" + self.compact_separator.join(tokens) + "]"
        key_indent = _indent_of(text, span.key_line_start)
        if span.items:
            first = span.items[0][0]
            item_indent = text[text.rfind("\n", 0, first) + 1 : first]
            closing = span.end - 1
            line_start = text.rfind("\n", 0, closing) + 1
            close_indent = (
                text[line_start:closing]
                if not text[line_start:closing].strip()
                else key_indent
            )
        elif "\n" in text[: span.start] or text.count("\n") > 1:
            item_indent, close_indent = key_indent + self.indent_unit, key_indent
        else:
            return "[" + self.compact_separator.join(tokens) + "]"
        nl = self.newline
        return (
            "["
            + nl
            + ("," + nl).join(item_indent + t for t in tokens)
            + nl
            + close_indent
            + "]"
        )


def _indent_of(text: str, line_start: int) -> str:
    end = line_start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[line_start:end]


def located(layout: Layout, index: int, line: int, finding: Finding) -> Finding:
    """`finding`, said to be at line `line` of cell `index` (from 0), placed on the line of
    the notebook's JSON text that holds that source line."""
    return replace(
        finding,
        message=f"cell {index + 1}, line {line}: {finding.message}",
        line=layout.json_line(index, line),
        column=1,
    )
