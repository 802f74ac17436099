"""What is particular to embeddings calls (the embeddings rule, MI230): not a rule.

The call rules migrate `openai.Embedding.create/acreate` (v0_chat) and v1's
`<client>.embeddings.create` (v1_chat) as they migrate chat calls, from the same plans
and with the same client code; what makes it an embeddings call is here: the client
classes and `embed`, the table of `embed()`'s keywords (`mapping.EMBEDDINGS`), the
string `input` made a one-item list, and the TODO for `encoding_format="base64"`
(`params_code.map_arguments` applies those two as it maps the keywords).
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from migrate_inference import mapping
from migrate_inference.analysis.names import string_value
from migrate_inference.rules import rule_code
from migrate_inference.rules.codegen import is_str
from migrate_inference.rules.context import RuleContext

EMBEDDINGS_CODE = rule_code("embeddings")

API = "embeddings"  # the api of an embeddings call in the plans and ClientSpecs
CLIENT_CLASSES = {(API, False): "EmbeddingsClient", (API, True): "AsyncEmbeddingsClient"}
METHOD = "embed"
V1_CREATE = "embeddings.create"  # v1's method chain on a client


def lookup(generation: str) -> Callable[[str], Optional[mapping.Row]]:
    """The rows of `embed()`'s keywords, with v1's own where `generation` is "v1"."""
    return lambda param: mapping.embeddings_row(param, generation)


def input_list(
    ctx: RuleContext, arg: cst.Arg, source: Optional[cst.BaseExpression]
) -> cst.Arg:
    """`input=` as embed() takes it: a list.  A string (a literal, or a name the facts
    know holds one: `source` is the original value) becomes a one-item list."""
    if is_str(arg.value) or source in getattr(ctx.facts, "str_names", ()):
        return arg.with_changes(value=cst.List([cst.Element(arg.value)]))
    return arg


def encoding_format_note(
    ctx: RuleContext, code: str, original: cst.Call, value: cst.BaseExpression
) -> None:
    """A TODO on `original` when it asks for base64 embeddings, which OpenAI decoded."""
    if string_value(value) == "base64":
        ctx.todo(
            code,
            original,
            'encoding_format="base64": azure-ai-inference returns the base64 string and does not '
            "decode it (OpenAI did); decode embedding with base64 + numpy, or drop encoding_format",
        )
