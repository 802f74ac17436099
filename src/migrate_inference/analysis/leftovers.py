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
them (`rules/leftover_todos.py`).
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata.base_provider import LazyValue
from libcst.metadata import (
    ParentNodeProvider,
    PositionProvider,
    QualifiedNameProvider,
    QualifiedNameSource,
    ScopeProvider,
)

from migrate_inference.todos import split_notes

OPENAI = "openai"
OTHER = "other"
UNKNOWN = "unknown"

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
# Top-level packages whose objects copy parts of the OpenAI API's shape but are not
# OpenAI clients (`litellm`, `groq.Groq().chat.completions.create`, ...).
LOOK_ALIKE_PACKAGES = {
    "anthropic",
    "azure",
    "boto3",
    "botocore",
    "cerebras",
    "cohere",
    "dashscope",
    "fireworks",
    "google",
    "groq",
    "huggingface_hub",
    "langchain",
    "langchain_anthropic",
    "langchain_community",
    "langchain_core",
    "langchain_openai",
    "litellm",
    "llama_index",
    "mistralai",
    "ollama",
    "portkey_ai",
    "pytest",
    "replicate",
    "sambanova",
    "together",
    "transformers",
    "vertexai",
    "vllm",
    "zhipuai",
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
STDLIB = set(getattr(sys, "stdlib_module_names", ())) | {"unittest", "typing"}
MAX_DEPTH = 4


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


def _flatten(
    node: cst.BaseExpression,
) -> Tuple[cst.BaseExpression, List[str]]:
    """`a.b(...).c.d` -> (a, [b, c, d]): calls inside the chain are stepped over."""
    root, names, _ = _flatten_calls(node)
    return root, names


def _flatten_calls(
    node: cst.BaseExpression,
) -> Tuple[cst.BaseExpression, List[str], Set[int]]:
    """(root, names, indices of the names that are called) of an attribute chain."""
    names: List[str] = []
    called_from_end: Set[int] = set()
    pending_call = False
    while True:
        if isinstance(node, cst.Attribute):
            if pending_call:
                called_from_end.add(len(names))
                pending_call = False
            names.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            pending_call = True
            node = node.func
        else:
            break
    names.reverse()
    called = {len(names) - 1 - i for i in called_from_end}
    return node, names, called


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


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _is_openai_name(name: str) -> bool:
    return name == "openai" or name.startswith("openai.")


def _combine(kinds: Sequence[str]) -> str:
    if not kinds:
        return UNKNOWN
    if OPENAI in kinds:
        return OPENAI
    if all(k == OTHER for k in kinds):
        return OTHER
    return UNKNOWN


def _is_class_name(qualified: str) -> bool:
    last = qualified.rsplit(".", 1)[-1]
    return last[:1].isupper() and not last.isupper()


class _Resolver:
    def __init__(
        self, wrapper: cst.MetadataWrapper, project_clients: Set[str] = frozenset()
    ) -> None:
        self.project_clients = project_clients
        self.scopes = wrapper.resolve(ScopeProvider)
        self.qualified = wrapper.resolve(QualifiedNameProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.module = wrapper.module

    def _project_client(self, node: cst.CSTNode) -> bool:
        """A name imported from a file of the project where the index saw an OpenAI
        client or a function that returns one."""
        return (
            isinstance(node, cst.Name)
            and node.value in self.project_clients
            and bool(self._imported(node))
        )

    # -- names of imports and definitions
    def _imported(self, node: cst.CSTNode) -> Set[str]:
        found = self.qualified.get(node, ())
        if isinstance(found, LazyValue):
            found = found()
        return {q.name for q in found if q.source == QualifiedNameSource.IMPORT}

    def _imported_kind(self, names: Set[str]) -> Optional[str]:
        if any(_is_openai_name(n) for n in names):
            return OPENAI
        if names and all(
            _top(n) in LOOK_ALIKE_PACKAGES or _top(n) in STDLIB for n in names
        ):
            return OTHER
        return UNKNOWN if names else None

    def _assignments(self, name: cst.Name) -> Optional[list]:
        scope = self.scopes.get(name)
        if scope is None:
            return None
        for access in scope.accesses[name.value]:
            if access.node is name:
                return list(access.referents)
        return None

    # -- what an expression holds
    def value(self, node: cst.BaseExpression, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            return UNKNOWN
        if isinstance(node, cst.Await):
            return self.value(node.expression, depth + 1)
        if isinstance(node, cst.BooleanOperation):
            return _combine(
                [self.value(node.left, depth + 1), self.value(node.right, depth + 1)]
            )
        if isinstance(node, cst.IfExp):
            return _combine(
                [self.value(node.body, depth + 1), self.value(node.orelse, depth + 1)]
            )
        if isinstance(node, cst.Name) and node.value == "None":
            return OTHER
        if isinstance(node, cst.Call):
            kind = self.callee(node.func, depth + 1)
            if kind == OTHER and any(
                self.value(arg.value, depth + 1) == OPENAI for arg in node.args
            ):
                # `instructor.patch(OpenAI())`, `Wrapper(client)`: it may hand back the
                # OpenAI client, or call it
                return UNKNOWN
            return kind
        if isinstance(node, (cst.Name, cst.Attribute)):
            root, names = _flatten(node)
            return self.receiver(root, names, depth + 1)
        return UNKNOWN

    def callee(self, func: cst.BaseExpression, depth: int) -> str:
        """What calling `func` returns: an OpenAI client, something else, or unknown."""
        if self._project_client(func):
            return OPENAI
        imported = self._imported(func)
        kind = self._imported_kind(imported)
        if kind == UNKNOWN and all(_is_class_name(n) for n in imported):
            # an instance of another module's class (an in-house gateway with an
            # OpenAI-shaped API, a wrapper...): not the openai package's client
            return OTHER
        if kind is not None:
            return kind
        if isinstance(func, cst.Name):
            defs = self._assignments(func)
            if not defs:
                return UNKNOWN
            kinds = []
            for assignment in defs:
                node = getattr(assignment, "node", None)
                if isinstance(node, cst.ClassDef):
                    kinds.append(self._class_kind(node, depth))
                elif isinstance(node, cst.FunctionDef):
                    kinds.append(self._returns(node, depth))
                else:
                    kinds.append(UNKNOWN)
            return _combine(kinds)
        return UNKNOWN

    def _class_kind(self, node: cst.ClassDef, depth: int) -> str:
        for base in node.bases:
            kind = self.callee(base.value, depth + 1)
            if kind != OTHER:
                return OPENAI if kind == OPENAI else UNKNOWN
        return OTHER  # a class of this file that derives from nothing OpenAI

    def _returns(self, node: cst.FunctionDef, depth: int) -> str:
        values: List[cst.BaseExpression] = []

        class Returns(cst.CSTVisitor):
            def visit_Return(self, ret: cst.Return) -> None:
                if ret.value is not None:
                    values.append(ret.value)

            def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:
                return inner is node

            def visit_Lambda(self, inner: cst.Lambda) -> bool:
                return False

        node.visit(Returns())
        return _combine([self.value(v, depth + 1) for v in values])

    def receiver(
        self, root: cst.BaseExpression, names: Sequence[str], depth: int = 0
    ) -> str:
        """What `root.names[0]...names[-1]` holds."""
        if depth > MAX_DEPTH:
            return UNKNOWN
        if isinstance(root, cst.Call):
            if names:
                return UNKNOWN  # an attribute of a call's result
            return self.callee(root.func, depth + 1)
        if not isinstance(root, cst.Name):
            return UNKNOWN
        if self._project_client(root):
            return OPENAI
        imported = self._imported(root)
        if imported:
            kind = self._imported_kind(imported)
            if kind == OPENAI:
                return OPENAI
            if kind == OTHER:
                return OTHER
            return UNKNOWN
        if names:
            if root.value in ("self", "cls"):
                return self._self_attribute(root, names[0], depth)
            return UNKNOWN
        defs = self._assignments(root)
        if not defs:
            return UNKNOWN
        kinds = []
        for assignment in defs:
            kinds.append(self._assigned(assignment, depth))
        return _combine(kinds)

    def _assigned(self, assignment, depth: int) -> str:
        node = getattr(assignment, "node", None)
        if isinstance(node, cst.ClassDef):
            return OTHER  # the class object itself
        if isinstance(node, cst.Name):
            parent = self.parents.get(node)
            if isinstance(parent, cst.AssignTarget):
                assign = self.parents.get(parent)
                if isinstance(assign, cst.Assign):
                    return self.value(assign.value, depth + 1)
            if isinstance(parent, cst.AnnAssign) and parent.value is not None:
                return self.value(parent.value, depth + 1)
            if isinstance(parent, cst.NamedExpr):
                return self.value(parent.value, depth + 1)
            if isinstance(parent, cst.AsName):
                item = self.parents.get(parent)
                if isinstance(item, cst.WithItem):
                    return self.value(item.item, depth + 1)
        return UNKNOWN

    def _self_attribute(self, root: cst.Name, attr: str, depth: int) -> str:
        """`self.<attr>`: every `self.<attr> = value` in the enclosing class."""
        node: Optional[cst.CSTNode] = root
        klass = None
        while node is not None:
            node = self.parents.get(node)
            if isinstance(node, cst.ClassDef):
                klass = node
                break
        if klass is None:
            return UNKNOWN
        values: List[cst.BaseExpression] = []

        class Assigned(cst.CSTVisitor):
            def visit_Assign(self, assign: cst.Assign) -> None:
                for target in assign.targets:
                    t = target.target
                    if (
                        isinstance(t, cst.Attribute)
                        and isinstance(t.value, cst.Name)
                        and t.value.value in ("self", "cls")
                        and t.attr.value == attr
                    ):
                        values.append(assign.value)

            def visit_AnnAssign(self, assign: cst.AnnAssign) -> None:
                t = assign.target
                if (
                    assign.value is not None
                    and isinstance(t, cst.Attribute)
                    and isinstance(t.value, cst.Name)
                    and t.value.value in ("self", "cls")
                    and t.attr.value == attr
                ):
                    values.append(assign.value)

            def visit_ClassDef(self, inner: cst.ClassDef) -> bool:
                return inner is klass

        klass.visit(Assigned())
        if not values:
            return UNKNOWN
        return _combine([self.value(v, depth + 1) for v in values])


def _statement_of(parents, node: cst.CSTNode) -> Optional[cst.CSTNode]:
    while node is not None:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return node
        node = parents.get(node)
    return None


def _is_module_openai(resolver: _Resolver, root: cst.BaseExpression) -> bool:
    return isinstance(root, cst.Name) and "openai" in resolver._imported(root)


def find_sites(
    wrapper: cst.MetadataWrapper,
    imports_openai: bool,
    project_clients: Set[str] = frozenset(),
) -> List[Site]:
    """Every OpenAI-shaped chain whose receiver is not proven to be something else.

    `project_clients`: local names this file imports from other files of the project
    that hold an OpenAI client or return one (the project index's exports)."""
    resolver = _Resolver(wrapper, project_clients)
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
            root, names, called = _flatten_calls(node)
            found = self._match(root, names, called)
            if found is None:
                return True
            start, kind, shown, receiver_shown = found
            statement = _statement_of(parents, outer)
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


def may_use_openai(code: str) -> bool:
    """A cheap first look with the standard parser: is a name an openai import binds read
    anywhere (LibCST then decides exactly, and only for the files where it may be)?"""
    import ast

    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    bound: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound |= {
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if _is_openai_name(a.name)
            }
        elif isinstance(node, ast.ImportFrom) and not node.level:
            if _is_openai_name(node.module or ""):
                bound |= {a.asname or a.name for a in node.names}
    return bool(bound) and any(
        isinstance(n, ast.Name) and n.id in bound for n in ast.walk(tree)
    )


def _in_except_clause(parents, node: cst.CSTNode) -> bool:
    """Part of the class list of an `except` clause: MI340 (errors) decides those."""
    while isinstance(node, (cst.Name, cst.Attribute, cst.Tuple, cst.Element)):
        parent = parents.get(node)
        if isinstance(parent, (cst.ExceptHandler, cst.ExceptStarHandler)):
            return parent.type is node
        node = parent
    return False


@dataclass
class Use:
    """The first use of the openai package left in a file."""

    statement: cst.CSTNode
    line: int
    column: int
    shown: str


def first_openai_use(wrapper: cst.MetadataWrapper) -> Optional[Use]:
    """Where the text still uses the openai package: the first name bound by an openai
    import that is read outside the imports (module config, a client built for other
    files, `isinstance(x, AsyncOpenAI)`...). Type annotations, dunder attributes
    (`openai.__version__`) and the classes of `except` clauses (the errors rule's) do
    not count: they call nothing."""
    qualified = wrapper.resolve(QualifiedNameProvider)
    positions = wrapper.resolve(PositionProvider)
    parents = wrapper.resolve(ParentNodeProvider)
    uses: List[Tuple[int, int, cst.CSTNode, str]] = []

    def openai_names(node: cst.CSTNode) -> Set[str]:
        found = qualified.get(node, ())
        if isinstance(found, LazyValue):
            found = found()
        return {
            q.name
            for q in found
            if q.source == QualifiedNameSource.IMPORT and _is_openai_name(q.name)
        }

    imports: List[Tuple[int, int, cst.CSTNode, str]] = []
    referenced = []
    module = wrapper.module

    class Uses(cst.CSTVisitor):
        in_annotation = 0

        def visit_Import(self, node: cst.Import) -> bool:
            if any(_is_openai_name(module.code_for_node(a.name)) for a in node.names):
                self._import(node)
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            if node.module is not None and not node.relative:
                if _is_openai_name(module.code_for_node(node.module)):
                    self._import(node)
            return False

        def _import(self, node: cst.CSTNode) -> None:
            rng = positions.get(node)
            statement = _statement_of(parents, node)
            if rng is not None and statement is not None:
                shown = module.code_for_node(node).strip()
                imports.append((rng.start.line, rng.start.column + 1, statement, shown))

        def visit_Annotation(self, node: cst.Annotation) -> None:
            self.in_annotation += 1

        def leave_Annotation(self, node: cst.Annotation) -> None:
            self.in_annotation -= 1

        def visit_Name(self, node: cst.Name) -> None:
            if not openai_names(node):
                return
            referenced.append(node)
            if self.in_annotation or _in_except_clause(parents, node):
                return
            parent = parents.get(node)
            shown = node.value
            if isinstance(parent, cst.Attribute) and parent.value is node:
                if parent.attr.value.startswith("__"):
                    return
                shown = f"{node.value}.{parent.attr.value}"
            rng = positions.get(node)
            statement = _statement_of(parents, node)
            if rng is not None and statement is not None:
                uses.append((rng.start.line, rng.start.column + 1, statement, shown))

    wrapper.visit(Uses())
    if not uses:
        return None
    line, column, statement, shown = min(uses, key=lambda u: (u[0], u[1]))
    return Use(statement, line, column, shown)
