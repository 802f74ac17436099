"""One TODO comment per statement (src/migrate_inference/todos.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrate_inference.analysis.leftovers import todo_comments
from migrate_inference.engine import migrate_source
from migrate_inference.todos import merge_stacked_todos, split_notes

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MARK = "TODO(migrate-inference)"


def test_split_notes_cuts_after_each_code() -> None:
    assert split_notes("a; b [MI100]; c [MI200, MI210]") == [
        "a; b [MI100]",
        "c [MI200, MI210]",
    ]
    assert split_notes("only one [MI910]") == ["only one [MI910]"]
    # a bracketed code inside a note that is not followed by the separator stays inside
    assert split_notes("x `d[MI1]` y [MI100]") == ["x `d[MI1]` y [MI100]"]


def test_stacked_notes_become_one_comment_each_note_once() -> None:
    code = (
        "def f():\n"
        "    # keep me\n"
        "    # TODO(migrate-inference): first [MI100]\r\n"
        "    # TODO(migrate-inference): second [MI110]\n"
        "    # TODO(migrate-inference): first [MI100]\n"
        "    return 1\n"
    )
    out = merge_stacked_todos(code)
    assert out == (
        "def f():\n"
        "    # keep me\n"
        "    # TODO(migrate-inference): first [MI100]; second [MI110]\r\n"
        "    return 1\n"
    )
    assert merge_stacked_todos(out) == out


def test_notes_of_different_statements_or_indents_stay_apart() -> None:
    code = (
        "# TODO(migrate-inference): a [MI100]\n"
        "x = 1\n"
        "# TODO(migrate-inference): b [MI100]\n"
        "if x:\n"
        "    # TODO(migrate-inference): c [MI100]\n"
        "    y = 2\n"
    )
    assert merge_stacked_todos(code) == code


def test_a_mark_inside_a_string_is_not_a_comment() -> None:
    code = (
        's = """\n'
        "# TODO(migrate-inference): a [MI100]\n"
        "# TODO(migrate-inference): b [MI100]\n"
        '"""\n'
    )
    assert merge_stacked_todos(code) == code


def test_merged_notes_are_read_back_one_by_one() -> None:
    code = "# TODO(migrate-inference): first [MI100]; second [MI110]\nx = 1\n"
    assert [note for _, _, note in todo_comments(code)] == ["first [MI100]", "second [MI110]"]


def _after_files():
    return sorted(FIXTURES.rglob("*.after.py"))


@pytest.mark.parametrize("path", _after_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_fixture_output_stacks_two_todo_lines(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, (this, following) in enumerate(zip(lines, lines[1:]), 1):
        stacked = this.lstrip().startswith("#") and MARK in this
        stacked = stacked and following.lstrip().startswith("#") and MARK in following
        assert not stacked, f"{path}:{number}: two TODO comments above one statement"


def test_a_second_run_over_merged_notes_changes_nothing() -> None:
    before = (FIXTURES / "chat_params" / "unknown_keyword.before.py").read_text()
    first = migrate_source(before)
    assert sum(MARK in line for line in first.code.splitlines()) < len(first.todos)
    second = migrate_source(first.code)
    assert second.code == first.code
