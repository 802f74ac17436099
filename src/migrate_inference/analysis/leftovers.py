"""What still looks like the OpenAI API once the rules are done, and what its receiver is.

A read-only pass over the final text of a file.  It finds every attribute chain shaped
like the OpenAI SDK (`<x>.chat.completions.create`, `<x>.embeddings.create`,
`<x>.with_raw_response`, `<x>.beta.chat...`, `<x>.images.generate`, `openai.ChatCompletion`,
...) and decides, by name resolution, what `<x>` is:

* ``openai``: the openai module, an OpenAI client built in this file (`OpenAI()`,
  `openai.AzureOpenAI(...)`, a local factory or class that returns or subclasses one);
* ``other``: something proven not to be OpenAI: an object of another library
  (litellm, anthropic, groq, huggingface_hub, azure-ai-inference, the standard library's
  mocks...), or of a class of this file that does not derive from an OpenAI client;
* ``unknown``: anything else (a parameter, `self.client` set from a parameter, a value
  imported from another module of the project, a subscript...).

``other`` receivers are left alone; the rest is reported (`rules/leftover_calls.py`,
`rules/unresolved_clients.py`).  The pass also lists the `# TODO(migrate-inference)`
comments in the text, so a run over code an earlier run left TODOs in still reports
them (`rules/leftover_todos.py`).  The receivers are resolved in `analysis/receivers.py`;
where the openai package itself is still used is `analysis/leftover_uses.py`.
"""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from typing import List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata import PositionProvider

from migrate_inference.analysis.receivers import (
    OPENAI,
    OTHER,
    UNKNOWN,
    Resolver,
    flatten_calls,
)
from migrate_inference.todos import split_notes

TODO_MARK = "TODO(migrate-inference)"

# Cheap test on the text before any parsing: one of these must occur for the pass to run.
QUICK = re.compile(
    r"\.\s*(?:chat\s*\.\s*completions|embeddings\s*\.\s*create|completions\s*\.\s*create"
    r"|beta\s*\.|with_options|with_raw_response|with_streaming_response|images\s*\."
    r"|audio\s*\.|moderations\s*\.|files\s*\.|models\s*\.|responses\s*\.|fine_tuning\s*\."
    r"|batches\s*\.|vector_stores\s*\.)"
    r"|\bopenai\s*\.\s*[A-Z]"
)

# Chains that only the OpenAI SDK (or a deliberate copy of it) has: an unresolved
# receiver is reported wherever they occur.
STRONG = {
    ("chat", "completions", "create"),
    ("chat", "completions", "parse"),
    ("chat", "completions", "stream"),
    ("chat", "completions", "with_raw_response"),
    ("chat", "completions", "with_streaming_response"),
    ("embeddings", "create"),
    ("embeddings", "with_raw_response"),
    ("completions", "create"),
    ("completions", "with_raw_response"),
    ("with_raw_response",),
    ("with_streaming_response",),
    ("beta", "chat"),
    ("beta", "assistants"),
    ("beta", "threads"),
    ("beta", "vector_stores"),
    ("beta", "realtime"),
}
# Names other libraries use too (`models.list`, `files.create`...): an unresolved receiver
# is reported only in a file that imports openai.
WEAK = {
    ("with_options",),
    ("images", "generate"),
    ("images", "edit"),
    ("images", "create_variation"),
    ("audio", "transcriptions"),
    ("audio", "translations"),
    ("audio", "speech"),
    ("moderations", "create"),
    ("files", "create"),
    ("files", "list"),
    ("files", "retrieve"),
    ("files", "delete"),
    ("files", "content"),
    ("files", "retrieve_content"),
    ("models", "list"),
    ("models", "retrieve"),
    ("models", "delete"),
    ("responses", "create"),
    ("responses", "stream"),
    ("responses", "parse"),
    ("responses", "retrieve"),
    ("fine_tuning", "jobs"),
    ("batches", "create"),
    ("batches", "retrieve"),
    ("batches", "list"),
    ("vector_stores", "create"),
    ("uploads", "create"),
}
# The v0 module API: `openai.ChatCompletion.create(...)` and its siblings.
V0_CLASSES = {
    "ChatCompletion",
    "Completion",
    "Embedding",
    "Image",
    "Audio",
    "Moderation",
    "File",
    "Model",
    "FineTune",
    "FineTuningJob",
    "Edit",
    "Engine",
    "Deployment",
    "Customer",
}
# A chain that goes on past the API method with these is a mock being set up or checked
# (`client.chat.completions.create.return_value = ...`), not a call of the API.
MOCK_ATTRIBUTES = {
    "return_value",
    "side_effect",
    "call_args",
    "call_args_list",
    "call_count",
    "called",
    "mock_calls",
    "reset_mock",
    "assert_called",
    "assert_called_once",
    "assert_called_with",
    "assert_called_once_with",
    "assert_any_call",
    "assert_not_called",
    "assert_awaited",
    "assert_awaited_once",
    "assert_awaited_with",
    "assert_awaited_once_with",
    "await_args",
    "await_count",
}


@dataclass
class Site:
    """One OpenAI-shaped chain left in the text."""

    node: cst.BaseExpression  # the chain (the Call when it is called)
    statement: cst.CSTNode  # the statement a TODO comment goes above
    line: int
    column: int
    receiver: str  # OPENAI or UNKNOWN (OTHER sites are not kept)
    shown: str  # `client.chat.completions.create`, for the message
    receiver_shown: str  # `self.client`
    is_call: bool


def quick_match(code: str) -> bool:
    return QUICK.search(code) is not None or TODO_MARK in code


def todo_comments(code: str) -> List[Tuple[int, int, str]]:
    """(line, column, note) of every `# TODO(migrate-inference): note` comment in `code`."""
    if TODO_MARK not in code:
        return []
    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT and TODO_MARK in tok.string:
                text = tok.string.lstrip("#").strip()
                body = text.split(":", 1)[1].strip() if ":" in text else text
                for note in split_notes(body):  # a merged comment holds several
                    found.append((tok.start[0], tok.start[1] + 1, note))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return found
    return found


def _shape_at(
    names: Sequence[str],
) -> Optional[Tuple[int, int, bool]]:
    """(start, end, strong?) of the OpenAI-shaped part of `names`, or None."""
    start: Optional[int] = None
    end = 0
    strong = False
    for i in range(len(names)):
        for length in (3, 2, 1):
            part = tuple(names[i : i + length])
            if len(part) != length:
                continue
            if part in STRONG or part in WEAK:
                start = i if start is None else start
                end = max(end, i + length)
                strong = strong or part in STRONG
    return None if start is None else (start, end, strong)


def statement_of(parents, node: cst.CSTNode) -> Optional[cst.CSTNode]:
    while node is not None:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return node
        node = parents.get(node)
    return None


def _is_module_openai(resolver: Resolver, root: cst.BaseExpression) -> bool:
    return isinstance(root, cst.Name) and "openai" in resolver.imported(root)


def find_sites(
    wrapper: cst.MetadataWrapper,
    imports_openai: bool,
    project_clients: Set[str] = frozenset(),
) -> List[Site]:
    """Every OpenAI-shaped chain whose receiver is not proven to be something else.

    `project_clients`: local names this file imports from other files of the project
    that hold an OpenAI client or return one (the project index's exports)."""
    resolver = Resolver(wrapper, project_clients)
    positions = wrapper.resolve(PositionProvider)
    parents = resolver.parents
    module = wrapper.module
    sites: List[Site] = []

    class Chains(cst.CSTVisitor):
        # A dotted module name in an import (`from ..types.beta.realtime import x`)
        # is not an expression: nothing is called or read through it.
        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            return False

        def visit_Attribute(self, node: cst.Attribute) -> Optional[bool]:
            parent = parents.get(node)
            outer: cst.BaseExpression = node
            if isinstance(parent, cst.Call) and parent.func is node:
                grand = parents.get(parent)
                if isinstance(grand, cst.Attribute) and grand.value is parent:
                    return True  # a call in the middle of a longer chain
                outer = parent
            elif isinstance(parent, cst.Attribute) and parent.value is node:
                return True  # not the end of the chain
            root, names, called = flatten_calls(node)
            found = self._match(root, names, called)
            if found is None:
                return True
            start, kind, shown, receiver_shown = found
            statement = statement_of(parents, outer)
            rng = positions.get(outer)
            if statement is None or rng is None:
                return True
            sites.append(
                Site(
                    node=outer,
                    statement=statement,
                    line=rng.start.line,
                    column=rng.start.column + 1,
                    receiver=kind,
                    shown=shown,
                    receiver_shown=receiver_shown,
                    is_call=outer is not node,
                )
            )
            return True

        def _match(self, root, names, called):
            if (
                _is_module_openai(resolver, root)
                and names
                and names[0] in V0_CLASSES
            ):
                end = min(called) + 1 if called else len(names)
                if MOCK_ATTRIBUTES.intersection(names[end:]):
                    return None
                shown = ".".join(["openai", *names[:end]])
                return 0, OPENAI, shown, "openai"
            shape = _shape_at(names)
            if shape is None:
                return None
            start, end, strong = shape
            if MOCK_ATTRIBUTES.intersection(names[end:]):
                return None
            kind = resolver.receiver(root, names[:start])
            if kind == OTHER:
                return None
            if kind == UNKNOWN and not strong and not imports_openai:
                return None
            root_text = module.code_for_node(root)
            if len(root_text) > 40 or "\n" in root_text:
                root_text = "..."
            receiver_shown = ".".join([root_text, *names[:start]])
            shown = ".".join([receiver_shown, *names[start:end]])
            return start, kind, shown, receiver_shown

    wrapper.visit(Chains())
    return sites
