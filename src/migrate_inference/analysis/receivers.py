"""What an expression is, as far as the OpenAI API goes: the openai module or an OpenAI
client (``openai``), something proven to be another library's or this file's own object
(``other``), or not known (``unknown``).  Used by the leftover check (`analysis/leftovers.py`).
"""

from __future__ import annotations

import sys
from typing import List, Optional, Sequence, Set, Tuple

import libcst as cst
from libcst.metadata import (
    ParentNodeProvider,
    QualifiedNameProvider,
    QualifiedNameSource,
    ScopeProvider,
)

from migrate_inference.analysis.names import qualified_names

OPENAI = "openai"
OTHER = "other"
UNKNOWN = "unknown"

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
STDLIB = set(getattr(sys, "stdlib_module_names", ())) | {"unittest", "typing"}
MAX_DEPTH = 4


def _flatten(
    node: cst.BaseExpression,
) -> Tuple[cst.BaseExpression, List[str]]:
    """`a.b(...).c.d` -> (a, [b, c, d]): calls inside the chain are stepped over."""
    root, names, _ = flatten_calls(node)
    return root, names


def flatten_calls(
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


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def is_openai_name(name: str) -> bool:
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


class Resolver:
    """What the receiver of a chain is (OPENAI, OTHER or UNKNOWN), by name resolution."""

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
            and bool(self.imported(node))
        )

    # -- names of imports and definitions
    def imported(self, node: cst.CSTNode) -> Set[str]:
        found = qualified_names(self.qualified, node)
        return {q.name for q in found if q.source == QualifiedNameSource.IMPORT}

    def _imported_kind(self, names: Set[str]) -> Optional[str]:
        if any(is_openai_name(n) for n in names):
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
        imported = self.imported(func)
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
        imported = self.imported(root)
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
