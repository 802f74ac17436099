"""The mapping table applied to one call's keywords: not a rule.

This is the work of the chat_params (MI110) and embeddings (MI230) rules, which have no
transformer of their own: the call rules (v0_chat, v1_clients, v1_chat) run it on each
call they migrate, and report under those codes.  What only embeddings calls need (their
table, `input` as a list, the base64 TODO) is rules/embeddings_code.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import libcst as cst

from migrate_inference import mapping
from migrate_inference.analysis.names import code_of as _code_of
from migrate_inference.rules import embeddings_code, rule_code
from migrate_inference.rules.context import RuleContext
from migrate_inference.rules.codegen import is_str
from migrate_inference.rules.codegen import response_format as _response_format
from migrate_inference.rules.functions_code import (
    FUNCTIONS_CODE,
    tool_choice_from_function_call,
    tools_from_functions,
)
from migrate_inference.wording import unknown_parameters_note

PARAMS_CODE = rule_code("chat_params")
# The embeddings rule's code, under the name the planners and the call rules use here.
EMBEDDINGS_CODE = embeddings_code.EMBEDDINGS_CODE

# Parameters the call rule handles itself (they choose or build the client).
CLIENT_PARAMS = {"api_key", "api_base", "api_type", "api_version"}


@dataclass
class MappedArgs:
    args: List[cst.Arg]
    notes: List[str] = field(default_factory=list)


def _kw(name: str, value: cst.BaseExpression, like: Optional[cst.Arg]) -> cst.Arg:
    arg = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )
    if like is not None:
        arg = arg.with_changes(
            comma=like.comma, whitespace_after_arg=like.whitespace_after_arg
        )
    return arg


def lookup(api: str, generation: str) -> Callable[[str], Optional[mapping.Row]]:
    """The table for one kind of call: chat or embeddings, v0 or v1 semantics."""
    if api == embeddings_code.API:
        return embeddings_code.lookup(generation)
    return lambda param: mapping.chat_row(param, generation)


def colliding_keywords(
    names: Iterable[str], lookup: Callable[[str], Optional[mapping.Row]]
) -> Optional[str]:
    """Why the call cannot be mapped when two of its keywords would become the same
    keyword of complete()/embed() (`headers=` and `extra_headers=`), else None."""
    seen: Dict[str, str] = {}
    for name in names:
        row = lookup(name)
        if row is None:
            continue
        target = (
            row.target if row.action in (mapping.RENAME, mapping.PIPELINE) else name
        )
        if target in seen and seen[target] != name:
            return (
                f"`{seen[target]}=` and `{name}=` would both become `{target}=`: "
                "keep one, then migrate"
            )
        seen.setdefault(target, name)
    return None


def map_arguments(
    ctx: RuleContext,
    call: cst.Call,
    original: cst.Call,
    *,
    lookup: Callable[[str], Optional[mapping.Row]],
    keep_model: bool,
    drop: Tuple[str, ...] = (),
    code: str = PARAMS_CODE,
    functions_to_tools: bool = False,
    functions_reason: Optional[str] = None,
    pipeline: Sequence[Tuple[str, cst.BaseExpression]] = (),
    keep: Tuple[str, ...] = (),
) -> Tuple[List[cst.Arg], Optional[cst.BaseParenthesizableWhitespace]]:
    """The keywords of `complete()`/`embed()` for one OpenAI call, per the mapping table,
    and the whitespace to put after `(` when the first keyword moved away.

    `keep_model`: the model/engine/deployment_id value goes to `model=` (models
    style) instead of into the endpoint.  `drop`: keywords the caller consumed.
    `pipeline`: azure-core keywords to add (a `with_options(...)` receiver's options).
    `keep`: keywords left as they are (a forwarding wrapper's own parameters, at its callers).
    """
    out: List[cst.Arg] = []
    unknown: List[str] = []
    extras: List[cst.DictElement] = []
    merged_extras: List[cst.BaseExpression] = []
    last_arg = call.args[-1] if call.args else None
    model_written = False
    sources: List[int] = (
        []
    )  # for each output arg, the index of the input arg it came from

    def emit(new_arg: cst.Arg) -> None:
        out.append(new_arg)
        sources.append(index)

    for index, arg in enumerate(call.args):
        if arg.keyword is None:
            emit(arg)
            continue
        name = arg.keyword.value
        if name in keep:
            emit(arg)
            continue
        if name in drop or name in CLIENT_PARAMS:
            continue
        row = lookup(name)
        if row is None:
            extras.append(_extra(name, arg.value, _end_comment(arg)))
            unknown.append(name)
            continue
        action = row.action
        if action == mapping.KEEP:
            if name == "encoding_format":
                embeddings_code.encoding_format_note(ctx, code, original, arg.value)
            emit(arg)
        elif action == mapping.LIST:
            source = (
                original.args[index].value
                if len(original.args) == len(call.args)
                else None
            )
            emit(embeddings_code.input_list(ctx, arg, source))
        elif action == mapping.STOP:
            if is_str(arg.value):
                arg = arg.with_changes(value=cst.List([cst.Element(arg.value)]))
            emit(arg)
        elif action == mapping.RESPONSE_FORMAT:
            value = _response_format(ctx, arg.value)
            held = (
                getattr(ctx.facts, "response_formats", {}).get(original.args[index].value)
                if value is None and len(original.args) == len(call.args)
                else None
            )
            if held is not None:
                value = _response_format(ctx, held)
                if value is not None:
                    ctx.rewrite(
                        code,
                        original,
                        f"response_format={_code_of(arg.value)}: the dict it holds, in the SDK's form",
                    )
            if value is None:
                emit(arg)
                ctx.todo(
                    code,
                    original,
                    f"response_format={_code_of(arg.value)} must be \"text\", \"json_object\" or "
                    "JsonSchemaFormat(name=..., schema=..., strict=...) from azure.ai.inference.models "
                    "(a dict raises ValueError): pass one of those",
                )
            else:
                emit(arg.with_changes(value=value))
        elif action in (mapping.MODEL, mapping.DEPLOYMENT):
            if keep_model and not model_written:
                emit(
                    _kw("model", arg.value, arg).with_changes(
                        equal=arg.equal,
                        comma=arg.comma,
                        whitespace_after_arg=arg.whitespace_after_arg,
                    )
                )
                model_written = True
        elif (
            action == mapping.EXTRAS
            and name in ("functions", "function_call")
            and functions_to_tools
        ):
            if name == "functions":
                emit(
                    arg.with_changes(
                        keyword=cst.Name("tools"),
                        value=tools_from_functions(arg.value),
                    )
                )
            else:
                emit(
                    arg.with_changes(
                        keyword=cst.Name("tool_choice"),
                        value=tool_choice_from_function_call(arg.value),
                    )
                )
            ctx.rewrite(
                FUNCTIONS_CODE,
                original,
                f"legacy `{name}` -> {'tools' if name == 'functions' else 'tool_choice'}",
            )
        elif action == mapping.EXTRAS:
            extras.append(_extra(name, arg.value, _end_comment(arg)))
            if name in ("functions", "function_call"):
                why = f", not converted: {functions_reason}" if functions_reason else ""
                ctx.todo(
                    FUNCTIONS_CODE,
                    original,
                    f"legacy `{name}` is sent in model_extras{why}; convert it to "
                    + (
                        "tools=[ChatCompletionsToolDefinition(...)]"
                        if name == "functions"
                        else "tool_choice="
                    )
                    + " and read message.tool_calls",
                )
        elif action == mapping.MERGE_EXTRAS:
            merged_extras.append(arg.value)
        elif action in (mapping.RENAME, mapping.PIPELINE):
            emit(arg.with_changes(keyword=cst.Name(row.target)))
        elif action == mapping.DROP:
            ctx.rewrite(code, original, f"dropped `{name}`: {row.note}")
        elif action == mapping.TODO:
            emit(arg)
            ctx.todo(
                code,
                original,
                f"`{name}` has no azure-ai-inference equivalent: {row.note}",
            )
    if unknown:  # one note for all of them
        ctx.todo(code, original, unknown_parameters_note(unknown))
    for name, value in pipeline:
        out.append(_kw(name, value, last_arg))
        sources.append(len(call.args) - 1)
    if extras or merged_extras:
        value: cst.BaseExpression = _extras_dict(extras, call)
        if len(merged_extras) == 1 and not extras:
            value = merged_extras[
                0
            ]  # extra_body={...} alone: the same dict, as it was written
        elif merged_extras:
            for merged in merged_extras:
                if isinstance(merged, cst.Dict) and all(
                    isinstance(e, cst.DictElement) for e in merged.elements
                ):
                    extras.extend(e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in merged.elements)  # type: ignore[misc]
                else:
                    if not merged.lpar and not isinstance(
                        merged, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Dict)
                    ):  # `**a if c else b` would not parse: `**(a if c else b)`
                        merged = merged.with_changes(
                            lpar=[cst.LeftParen()], rpar=[cst.RightParen()]
                        )
                    extras.append(cst.StarredDictElement(merged))  # type: ignore[arg-type]
            value = _extras_dict(extras, call)
        out.append(_kw("model_extras", value, last_arg))
    lead = _keep_following_comments(
        out, sources, list(call.args), call.whitespace_before_args
    )
    return _drop_moved_comment(_fix_commas(out, last_arg, list(call.args)), last_arg), lead


def _drop_moved_comment(out: List[cst.Arg], last_arg: cst.Arg) -> List[cst.Arg]:
    """The last keyword's end-of-line comment went with it into `model_extras`: the comma
    the new last keyword took over from it must not carry that comment a second time."""
    comment = _end_comment(last_arg)
    if comment is None or not out or out[-1] is last_arg:
        return out
    tail = out[-1]
    if (
        not isinstance(tail.comma, cst.Comma)
        or not isinstance(tail.comma.whitespace_after, cst.ParenthesizedWhitespace)
        or tail.comma.whitespace_after.first_line.comment is None
        or tail.comma.whitespace_after.first_line.comment.value != comment.value
        or tail.keyword is None
        or tail.keyword.value != "model_extras"
        or comment.value not in cst.Module([]).code_for_node(tail.value)
    ):
        return out  # the comment is not in the dict: it stays where it is
    ws = tail.comma.whitespace_after.with_changes(first_line=cst.TrailingWhitespace())
    return out[:-1] + [tail.with_changes(comma=tail.comma.with_changes(whitespace_after=ws))]


def _keep_following_comments(
    out: List[cst.Arg],
    sources: List[int],
    args: List[cst.Arg],
    opening_ws: Optional[cst.BaseParenthesizableWhitespace] = None,
) -> Optional[cst.BaseParenthesizableWhitespace]:
    """When a keyword leaves its place, the comment on the line after it belongs to the next
    keyword: move its comma (which holds that comment) to the keyword before it, and drop the
    comma that held the leaving keyword's own comment."""
    lead = None
    for index, arg in enumerate(args):
        if (
            index in sources
            or not isinstance(arg.comma, cst.Comma)
            or index == len(args) - 1
        ):
            continue  # kept, or the last one (what follows it is the closing parenthesis)
        after = arg.comma.whitespace_after
        if not isinstance(after, cst.ParenthesizedWhitespace):
            continue  # all on one line: nothing to carry
        # the comment at the end of the leaving keyword's line was about it: it goes too
        after = after.with_changes(first_line=cst.TrailingWhitespace())
        previous = max(
            (pos for pos, src in enumerate(sources) if src < index), default=None
        )
        if previous is None:
            opening = lead if lead is not None else opening_ws
            if isinstance(opening, cst.ParenthesizedWhitespace):
                after = after.with_changes(
                    first_line=opening.first_line
                )  # `create(  # ...`
            lead = after
            continue
        kept = out[previous]
        own = kept.comma.whitespace_after if isinstance(kept.comma, cst.Comma) else None
        if isinstance(own, cst.ParenthesizedWhitespace):
            after = after.with_changes(
                first_line=own.first_line
            )  # the kept keyword's own end-of-line comment
        comma = kept.comma if isinstance(kept.comma, cst.Comma) else arg.comma
        out[previous] = kept.with_changes(
            comma=comma.with_changes(whitespace_after=after)
        )
    return lead


def _extra(
    name: str, value: cst.BaseExpression, comment: Optional[cst.Comment] = None
) -> cst.DictElement:
    element = cst.DictElement(cst.SimpleString(f'"{name}"'), value)
    if comment is not None:  # the keyword's end-of-line comment moves with it
        element = element.with_changes(
            comma=cst.Comma(
                whitespace_after=cst.ParenthesizedWhitespace(
                    first_line=cst.TrailingWhitespace(
                        whitespace=cst.SimpleWhitespace("  "), comment=comment
                    )
                )
            )
        )
    return element


def _end_comment(arg: cst.Arg) -> Optional[cst.Comment]:
    """The comment at the end of the line a keyword ends (after its comma, or after it)."""
    for ws in (
        arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else None,
        arg.whitespace_after_arg,
    ):
        if isinstance(ws, cst.ParenthesizedWhitespace) and ws.first_line.comment:
            return ws.first_line.comment
    return None


def _keyword_indent(call: cst.Call) -> Optional[str]:
    """The indentation (past the block's) of a call written one keyword per line."""
    for ws in [call.whitespace_before_args] + [
        a.comma.whitespace_after for a in call.args if isinstance(a.comma, cst.Comma)
    ]:
        if isinstance(ws, cst.ParenthesizedWhitespace):
            return ws.last_line.value
    return None


def _extras_dict(elements: List[cst.BaseDictElement], call: cst.Call) -> cst.Dict:
    """`{...}` on one line, or one item per line when an item carries a comment."""
    outer = _keyword_indent(call)
    commented = any(
        isinstance(e.comma, cst.Comma)
        and isinstance(e.comma.whitespace_after, cst.ParenthesizedWhitespace)
        for e in elements
    )
    if not commented or outer is None:
        return cst.Dict(
            [
                (
                    e.with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    if isinstance(e.comma, cst.Comma)
                    and isinstance(
                        e.comma.whitespace_after, cst.ParenthesizedWhitespace
                    )
                    else e
                )
                for e in elements
            ]
        )
    inner = outer + "    "

    def line_break(
        comment: Optional[cst.Comment], last: bool
    ) -> cst.ParenthesizedWhitespace:
        return cst.ParenthesizedWhitespace(
            first_line=(
                cst.TrailingWhitespace(
                    whitespace=cst.SimpleWhitespace("  "), comment=comment
                )
                if comment is not None
                else cst.TrailingWhitespace()
            ),
            indent=True,
            last_line=cst.SimpleWhitespace(outer if last else inner),
        )

    laid_out = []
    for i, e in enumerate(elements):
        ws = e.comma.whitespace_after if isinstance(e.comma, cst.Comma) else None
        comment = (
            ws.first_line.comment
            if isinstance(ws, cst.ParenthesizedWhitespace)
            else None
        )
        laid_out.append(
            e.with_changes(
                comma=cst.Comma(
                    whitespace_after=line_break(comment, i == len(elements) - 1)
                )
            )
        )
    return cst.Dict(
        laid_out,
        lbrace=cst.LeftCurlyBrace(whitespace_after=line_break(None, False)),
    )


def _fix_commas(
    args: List[cst.Arg], last_original: Optional[cst.Arg], originals: List[cst.Arg]
) -> List[cst.Arg]:
    """Keep the original layout: args between others take the comma (and line break) of the
    original args between others; the last keeps the original last arg's trailing comma.
    """
    if not args:
        return args
    middle = next(
        (a.comma for a in originals[:-1] if isinstance(a.comma, cst.Comma)),
        cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    if isinstance(middle.whitespace_after, cst.ParenthesizedWhitespace):
        # the layout of that comma, not the comments it holds: they stay where they were
        middle = middle.with_changes(
            whitespace_after=middle.whitespace_after.with_changes(
                first_line=cst.TrailingWhitespace(), empty_lines=[]
            )
        )
    last_comma = (
        last_original.comma if last_original is not None else cst.MaybeSentinel.DEFAULT
    )
    closing = (
        last_original.whitespace_after_arg
        if last_original is not None
        else cst.SimpleWhitespace("")
    )
    fixed = []
    for i, arg in enumerate(args):
        if i < len(args) - 1:
            if arg.comma is cst.MaybeSentinel.DEFAULT or arg.comma is last_comma:
                arg = arg.with_changes(comma=middle)
            if isinstance(arg.whitespace_after_arg, cst.ParenthesizedWhitespace):
                # the line break before `)` belongs to the last keyword, wherever it went
                arg = arg.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
        else:
            arg = arg.with_changes(comma=last_comma, whitespace_after_arg=closing)
        fixed.append(arg)
    return fixed
