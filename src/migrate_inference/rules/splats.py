"""MI350 splats: `**params` dicts built next to the call, rewritten by the same table.

`params = {"model": "gpt-4", "n": 2, "request_timeout": 30}` feeding
`openai.ChatCompletion.create(messages=m, **params)` becomes
`params = {"read_timeout": 30, "model_extras": {"n": 2}}` feeding
`client.complete(messages=m, **params)`: the deployment chooses the client
(deployment style) or stays as `"model"` (models style), extras move into a nested
`"model_extras"` dict, renamed keys are renamed, `api_key`/`api_base`/`api_version` (v0 per-call options)
build the call's own client and leave the dict, and `params["user"] = u` later
in the function becomes `params["model_extras"]["user"] = u`.  The dict must be
built in the same scope and used for nothing else (`analysis/splats.py`).
"""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from migrate_inference import mapping
from migrate_inference.analysis.names import string_value
from migrate_inference.analysis.splats import Lookup, SplatDict
from migrate_inference.rules.base import RuleState
from migrate_inference.wording import unknown_parameters_note

CODE = "MI350"
NAME = "splats"
DOC_EXAMPLE = "v0_params_dict"
WHEN_TODO = (
    "When the dict comes from elsewhere (a parameter, another module, `.update(...)`, a key computed at run "
    "time), sets `api_key`/`api_base`/... after it is built (or at all, for a v1 call), sets the model later "
    "than its literal, or the call "
    "itself also passes keywords that go into `model_extras`: the TODO names the keys to move."
)

def _layout(
    elements: List[cst.DictElement], originals: List[cst.BaseDictElement]
) -> List[cst.DictElement]:
    """Separators as in the original dict: the inner ones between elements, its last one last."""
    if not elements:
        return elements
    middle = next(
        (e.comma for e in originals[:-1] if isinstance(e.comma, cst.Comma)),
        cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    last = originals[-1].comma if originals else cst.MaybeSentinel.DEFAULT
    return [e.with_changes(comma=middle) for e in elements[:-1]] + [
        elements[-1].with_changes(comma=last)
    ]


class SplatsRule:
    code = CODE
    name = NAME

    def __init__(self, state: RuleState) -> None:
        self.ctx = state.ctx
        self.splats = state.splats
        # SplatDict -> (lookup, keep_model) for the dicts whose calls were migrated
        self.rewritten = state.splat_rewrites

    def _plan(self, original: cst.CSTNode):
        splat = self.splats.by_literal.get(original)
        return (
            (splat, self.rewritten.get(id(splat)))
            if splat is not None
            else (None, None)
        )

    def _new_key(self, key: str, lookup: Lookup, keep_model: bool) -> Optional[str]:
        """The key's new place: same name, another name, "model_extras.<key>", or None (removed)."""
        row = lookup(key)
        if row is None or row.action in (mapping.EXTRAS,):
            return f"model_extras.{key}"
        if row.action in (mapping.MODEL, mapping.DEPLOYMENT):
            return "model" if keep_model else None
        if row.action in (mapping.RENAME, mapping.PIPELINE):
            return row.target
        if row.action in (mapping.DROP, mapping.CLIENT):
            return None  # dropped, or moved into the client the call builds
        return key

    def _value(self, key: str, value: cst.BaseExpression) -> cst.BaseExpression:
        """A value in the form complete() takes: `stop` as a list, `response_format` as the SDK's form."""
        if key == "stop" and isinstance(
            value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)
        ):
            return cst.List([cst.Element(value)])
        if key == "response_format":
            from migrate_inference.rules.codegen import response_format as _response_format

            converted = _response_format(self.ctx, value)
            if converted is not None:
                return converted
            self.ctx.todo(
                CODE,
                value,
                'response_format must be "text", "json_object" or JsonSchemaFormat(...)',
            )
        return value

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        splat, how = self._plan(original)
        if how is None:
            return updated
        lookup, keep_model = how
        kept: List[cst.DictElement] = []
        extras: List[cst.DictElement] = []
        unknown: List[str] = []
        for element in updated.elements:
            assert isinstance(element, cst.DictElement)
            key = string_value(element.key) or ""
            place = self._new_key(key, lookup, keep_model)
            if place is None:
                continue
            value = self._value(key, element.value)
            if place.startswith("model_extras."):
                extras.append(
                    element.with_changes(comma=cst.MaybeSentinel.DEFAULT, value=value)
                )
                if key in ("functions", "function_call"):
                    self.ctx.todo(
                        CODE,
                        original,
                        f"legacy `{key}` is sent in model_extras; convert it to "
                        + (
                            "tools=[ChatCompletionsToolDefinition(...)]"
                            if key == "functions"
                            else "tool_choice="
                        )
                        + " and read message.tool_calls",
                    )
                elif lookup(key) is None:
                    unknown.append(key)
            else:
                kept.append(
                    element.with_changes(
                        key=cst.SimpleString(f'"{place}"'), value=value
                    )
                )
        if unknown:  # one note for all of them
            self.ctx.todo(CODE, original, unknown_parameters_note(unknown))
        late = self._late(splat, lookup, keep_model)
        if extras or any(place and place.startswith("model_extras.") for place in late):
            kept.append(
                cst.DictElement(cst.SimpleString('"model_extras"'), cst.Dict(extras))
            )
        self.ctx.rewrite(CODE, original, f"** dict `{splat.name}` mapped by the table")
        return updated.with_changes(elements=_layout(kept, list(updated.elements)))

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        """`dict(k=v, ...)`: the same mapping as a literal, written back as keywords."""
        splat, how = self._plan(original)
        if how is None:
            return updated
        lookup, keep_model = how
        eq = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))
        kept: List[cst.Arg] = []
        extras: List[cst.DictElement] = []
        for arg in updated.args:
            key = arg.keyword.value if arg.keyword is not None else ""
            place = self._new_key(key, lookup, keep_model)
            if place is None:
                continue
            value = self._value(key, arg.value)
            if place.startswith("model_extras."):
                extras.append(cst.DictElement(cst.SimpleString(f'"{key}"'), value))
            else:
                kept.append(arg.with_changes(keyword=cst.Name(place), value=value))
        late = self._late(splat, lookup, keep_model)
        if extras or any(place and place.startswith("model_extras.") for place in late):
            kept.append(
                cst.Arg(cst.Dict(extras), keyword=cst.Name("model_extras"), equal=eq)
            )
        if kept:
            middle = next(
                (a.comma for a in updated.args[:-1] if isinstance(a.comma, cst.Comma)),
                cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
            )
            last = updated.args[-1].comma if updated.args else cst.MaybeSentinel.DEFAULT
            kept = [a.with_changes(comma=middle) for a in kept[:-1]] + [
                kept[-1].with_changes(comma=last)
            ]
        self.ctx.rewrite(CODE, original, f"** dict `{splat.name}` mapped by the table")
        return updated.with_changes(args=kept)

    def _late(self, splat: SplatDict, lookup: Lookup, keep_model: bool):
        return [
            self._new_key(k, lookup, keep_model)
            for k, v in splat.values.items()
            if v is None
        ]

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        target = original.targets[0].target if len(original.targets) == 1 else None
        splat = self.splats.by_subscript.get(target) if target is not None else None
        if splat is None or self.rewritten.get(id(splat)) is None:
            return updated
        index = target.slice[0].slice  # type: ignore[union-attr]
        key = string_value(index.value) if isinstance(index, cst.Index) else None
        return updated.with_changes(value=self._value(key or "", updated.value))

    def leave_Subscript(
        self, original: cst.Subscript, updated: cst.Subscript
    ) -> cst.BaseExpression:
        splat = self.splats.by_subscript.get(original)
        how = self.rewritten.get(id(splat)) if splat is not None else None
        if how is None:
            return updated
        lookup, keep_model = how
        index = updated.slice[0].slice
        assert isinstance(index, cst.Index)
        key = string_value(index.value) or ""
        place = self._new_key(key, lookup, keep_model)
        if place is None:
            self.ctx.todo(
                CODE,
                original,
                f"`{key}` has no azure-ai-inference equivalent: remove this line",
            )
            return updated
        if place.startswith("model_extras."):
            inner = cst.Subscript(
                value=updated.value,
                slice=[
                    cst.SubscriptElement(cst.Index(cst.SimpleString('"model_extras"')))
                ],
            )
            return updated.with_changes(value=inner)
        if place != key:
            return updated.with_changes(
                slice=[cst.SubscriptElement(cst.Index(cst.SimpleString(f'"{place}"')))]
            )
        return updated
