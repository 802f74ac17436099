"""Builders of the new nodes a `--to openai` rewrite writes: strings, keyword
arguments, dicts, commas, and `relayout`, which keeps a call's layout and comments."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple, Union

import libcst as cst

from migrate_inference.analysis.names import py_string


def string_node(value: str) -> cst.SimpleString:
    return cst.SimpleString(py_string(value))


def kw(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )


def dict_node(items: Sequence[Tuple[str, cst.BaseExpression]]) -> cst.Dict:
    elements = []
    for i, (key, value) in enumerate(items):
        comma = (
            cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if i < len(items) - 1
            else cst.MaybeSentinel.DEFAULT
        )
        elements.append(cst.DictElement(key=string_node(key), value=value, comma=comma))
    return cst.Dict(elements=elements)


def _comment_of(arg: Optional[cst.Arg]) -> Optional[cst.TrailingWhitespace]:
    comma = getattr(arg, "comma", None)
    ws = getattr(comma, "whitespace_after", None)
    if (
        isinstance(ws, cst.ParenthesizedWhitespace)
        and ws.first_line.comment is not None
    ):
        return ws.first_line
    return None


def relayout(
    original: Sequence[cst.Arg],
    new: List[Tuple[cst.Arg, Optional[cst.Arg]]],
    dropped: Sequence[cst.Arg] = (),
    call: Optional[cst.Call] = None,
) -> Tuple[List[cst.Arg], List[str]]:
    """Commas for `new` copied from the original argument list's layout (one line or
    one per line); a comment after an argument stays with the argument it belonged
    to.  Returns the arguments and the comments of dropped arguments."""
    lost = [
        c.comment.value
        for c in map(_comment_of, dropped)
        if c is not None and c.comment
    ]
    if not new:
        return [], lost
    if not original:
        inner: Union[cst.Comma, cst.MaybeSentinel] = cst.Comma(
            whitespace_after=cst.SimpleWhitespace(" ")
        )
        last: Union[cst.Comma, cst.MaybeSentinel] = cst.MaybeSentinel.DEFAULT
    else:
        template = original[0] if len(original) > 1 else None
        inner = (
            template.comma
            if template is not None and isinstance(template.comma, cst.Comma)
            else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        last = original[-1].comma
        if isinstance(last, cst.Comma) and len(original) == 1:
            inner = last
        elif (
            len(original) == 1
            and call is not None
            and isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace)
        ):
            inner = cst.Comma(whitespace_after=call.whitespace_before_args)
    plain = _without_comment(inner)
    plain_last = _without_comment(last)
    out = []
    for i, (arg, src) in enumerate(new):
        comma = plain if i < len(new) - 1 else plain_last
        comment = _comment_of(src)
        if comment is not None:
            if isinstance(comma, cst.Comma) and isinstance(
                comma.whitespace_after, cst.ParenthesizedWhitespace
            ):
                comma = comma.with_changes(
                    whitespace_after=comma.whitespace_after.with_changes(
                        first_line=comment
                    )
                )
            else:
                comma = src.comma  # type: ignore[union-attr]
        after = (
            original[-1].whitespace_after_arg
            if original and i == len(new) - 1
            else cst.SimpleWhitespace("")
        )
        out.append(arg.with_changes(comma=comma, whitespace_after_arg=after))
    return out, lost


def _without_comment(comma):
    if isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        ws = comma.whitespace_after
        if ws.first_line.comment is not None:
            return comma.with_changes(
                whitespace_after=ws.with_changes(first_line=cst.TrailingWhitespace())
            )
    return comma


def comma() -> cst.Comma:
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
