"""Byte fidelity: lines the rules do not touch come out byte for byte as they went in.

Each source below mixes an OpenAI call the engine rewrites with lines it has
no business changing.  The sources vary the things editors and platforms
vary: CRLF endings, mixed CRLF/LF endings, tab indentation, trailing
whitespace, no final newline, non-ASCII text (including U+2028 inside a
string, which str.splitlines would treat as a line break).  Every untouched
line must still be in the output, in the same order, with its own line
ending.  (Byte-order marks and coding cookies are handled by the runner and
tested with it.)
"""

from __future__ import annotations

import re
from typing import List, Tuple

import pytest

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

KEEP, TOUCH = True, False

# (text, keep): `keep` marks lines no rule should change.  Blank lines are
# never marked: the engine may add or remove blank lines around what it writes.
V0_LINES: List[Tuple[str, bool]] = [
    ('"""Nightly report — ünïcödé, 日本語, emoji 🚀."""', KEEP),
    ("import os", KEEP),
    ("import openai", TOUCH),
    ("", TOUCH),
    ('openai.api_key = os.getenv("OPENAI_API_KEY")', TOUCH),
    ("", TOUCH),
    ('GREETING = "naïve café \u2028 line-separator inside a string"   \t', KEEP),
    ("RATIO = 0.5  # trailing spaces after a comment   ", KEEP),
    ("", TOUCH),
    ("", TOUCH),
    ("def helper(values):", KEEP),
    ("\t# tab-indented comment — «quoted»", KEEP),
    ("\ttotal = 0   \t", KEEP),
    ("\tfor value in values:", KEEP),
    ("\t\ttotal += value", KEEP),
    ("\treturn total", KEEP),
    ("", TOUCH),
    ("", TOUCH),
    ("def ask(question):", KEEP),
    ("\tresponse = openai.ChatCompletion.create(", TOUCH),
    ('\t\tmodel="gpt-3.5-turbo",', TOUCH),
    ('\t\tmessages=[{"role": "user", "content": question}],', TOUCH),
    ("\t\ttemperature=0,", TOUCH),
    ("\t)", TOUCH),
    ('\treturn response["choices"][0]["message"]["content"]', TOUCH),
    ("", TOUCH),
    ("", TOUCH),
    ("class Settings:", KEEP),
    ('    """Settings — 設定 (spaces here, tabs above)."""', KEEP),
    ("    retries = 3  # Größe   ", KEEP),
    ("", TOUCH),
    ("", TOUCH),
    ('if __name__ == "__main__":', KEEP),
    ("    print(helper([1, 2, 3]), GREETING)", KEEP),
    ('    print(ask("¿Qué tal?"))', KEEP),
    ("    print(Settings.retries)  ", KEEP),
]

V1_LINES: List[Tuple[str, bool]] = [
    ("# -*- a comment, not a coding cookie: çà -*-", KEEP),
    ("import json", KEEP),
    ("from openai import OpenAI", TOUCH),
    ("", TOUCH),
    ("client = OpenAI()", TOUCH),
    ("", TOUCH),
    ("PROMPTS = {  \t", KEEP),
    ('\t"fr": "Résumé du texte",', KEEP),
    ('\t"ja": "要約してください",', KEEP),
    ("}", KEEP),
    ("", TOUCH),
    ("", TOUCH),
    ("def summarize(lang, text):", KEEP),
    ("    completion = client.chat.completions.create(", TOUCH),
    ('        model="gpt-4o-mini",', TOUCH),
    ('        messages=[{"role": "user", "content": PROMPTS[lang] + text}],', TOUCH),
    ("        max_tokens=50,", TOUCH),
    ("    )", TOUCH),
    ("    return completion.choices[0].message.content", TOUCH),
    ("", TOUCH),
    ("", TOUCH),
    ("def dump(data):   ", KEEP),
    ("    return json.dumps(data, ensure_ascii=False)  # → UTF-8 \t ", KEEP),
    ("", TOUCH),
    ("", TOUCH),
    ('print(dump({"ok": "✓"}))', KEEP),
]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+\Z")


def split_lines(text: str) -> List[str]:
    """Lines with their endings.  Only CR, LF and CRLF end a line, as for Python."""
    return _LINE.findall(text)


def build(
    lines: List[Tuple[str, bool]], endings: List[str], final_newline: bool
) -> Tuple[str, List[str]]:
    """The source text and the untouched lines (each with its ending)."""
    rendered = []
    for index, (text, _) in enumerate(lines):
        ending = endings[index % len(endings)]
        if index == len(lines) - 1 and not final_newline:
            ending = ""
        rendered.append(text + ending)
    kept = [line for line, (_, keep) in zip(rendered, lines) if keep]
    return "".join(rendered), kept


VARIANTS = {
    "lf": (["\n"], True),
    "crlf": (["\r\n"], True),
    "mixed": (["\r\n", "\n", "\n", "\r\n", "\n"], True),
    "crlf-no-final-newline": (["\r\n"], False),
    "lf-no-final-newline": (["\n"], False),
    "mixed-no-final-newline": (["\n", "\r\n"], False),
}


def assert_kept_in_order(kept: List[str], output: str) -> None:
    out_lines = split_lines(output)
    position = 0
    for line in kept:
        try:
            position = out_lines.index(line, position) + 1
        except ValueError:
            near = [l for l in out_lines if l.strip() == line.strip()]
            raise AssertionError(
                f"untouched line {line!r} is not in the output verbatim (in order); "
                f"similar output lines: {near!r}\n--- output ---\n{output!r}"
            ) from None


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("sample", ["v0", "v1"])
def test_untouched_lines_are_byte_identical(sample: str, variant: str) -> None:
    lines = V0_LINES if sample == "v0" else V1_LINES
    endings, final_newline = VARIANTS[variant]
    source, kept = build(lines, endings, final_newline)
    compile(source, "<source>", "exec")

    result = migrate_source(source, Config(), "fidelity.py")

    assert result.error is None, result.error
    assert (
        result.changed
    ), "the engine did not rewrite the call, so this check would prove nothing"
    compile(result.code, "<migrated>", "exec")
    assert_kept_in_order(kept, result.code)
    if not final_newline:
        assert result.code.endswith(
            kept[-1]
        ), "the last line (no newline) should stay last, still without a newline"


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("sample", ["v0", "v1"])
def test_written_lines_follow_the_file_newline(sample: str, newline: str) -> None:
    """In a file with one newline style, new and rewritten lines use that style too."""
    lines = V0_LINES if sample == "v0" else V1_LINES
    source, _ = build(lines, [newline], True)
    result = migrate_source(source, Config(), "fidelity.py")
    assert (
        result.changed
    ), "the engine did not rewrite the call, so this check would prove nothing"
    endings = {m.group(0) for m in re.finditer(r"\r\n|\r|\n", result.code)}
    assert endings == {
        newline
    }, f"line endings in output: {sorted(endings)!r}\n--- output ---\n{result.code!r}"


def test_split_lines_keeps_endings_and_ignores_unicode_separators() -> None:
    assert split_lines("a\r\nb\u2028c\nd") == ["a\r\n", "b\u2028c\n", "d"]
