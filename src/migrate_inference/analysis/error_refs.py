"""What the errors analysis finds (analysis/error_sites.py): each reference to an OpenAI
exception class (`Ref`), the exception specs they appear in (`Spec`, `Entry`: an except
type, isinstance's second argument, a retry decorator's classes), and all of one
module's sites (`ErrorSites`), which the errors plans and rule read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from migrate_inference.analysis.errors_tables import (
    PLAIN,
    Status,
    Target,
    exception_name,
)
from migrate_inference.analysis.names import dotted


@dataclass
class Ref:
    """One reference to an OpenAI exception class."""

    node: cst.BaseExpression
    qname: str
    target: Optional[Target]  # None: no Azure counterpart
    ambiguous: bool  # the name may also be something else (a fallback definition)
    context: str = PLAIN
    in_sequence: bool = False  # an element of a tuple/list/set literal
    raise_simple: bool = False  # `raise X` / `raise X("message")`

    @property
    def name(self) -> str:
        return exception_name(self.qname) or self.qname

    @property
    def usable(self) -> bool:
        return self.target is not None and not self.ambiguous


@dataclass
class Entry:
    """One class in an exception spec (an except type, isinstance's second argument, ...)."""

    index: int  # position in the spec's tuple (0 for a single class)
    expr: cst.BaseExpression  # original node
    kind: str  # "openai", "catchall", "azure" (already azure-core), "other"
    ref: Optional[Ref] = None
    azure: Optional[str] = None


@dataclass
class Spec:
    expr: Optional[cst.BaseExpression]  # None: bare `except:`
    entries: List[Entry]
    is_tuple: bool

    @property
    def has_openai(self) -> bool:
        return any(e.kind == "openai" for e in self.entries)


@dataclass
class ErrorSites:
    """What the analysis pass found: the references, their specs and the handlers."""

    refs: Dict[cst.CSTNode, Ref] = field(default_factory=dict)
    uses: List[Tuple[cst.CSTNode, str]] = field(
        default_factory=list
    )  # other openai references
    specs: Dict[cst.CSTNode, Spec] = field(default_factory=dict)  # handler/call -> spec
    calls: Dict[cst.Call, str] = field(
        default_factory=dict
    )  # isinstance/tenacity/backoff call -> context
    negated: Set[cst.Call] = field(default_factory=set)  # retry_if_not_exception_type
    bare_ok: Set[cst.CSTNode] = field(
        default_factory=set
    )  # expressions that need no parentheses
    tries: Set[cst.CSTNode] = field(default_factory=set)
    attrs: Dict[cst.Attribute, Tuple[cst.ExceptHandler, str]] = field(
        default_factory=dict
    )
    generations: Dict[cst.Attribute, str] = field(default_factory=dict)  # "v0"/"v1"
    names: Set[str] = field(default_factory=set)  # every name in the module
    azure_imported: Set[str] = field(
        default_factory=set
    )  # from azure.core.exceptions import X
    unhandled: List[Tuple[cst.CSTNode, str]] = field(
        default_factory=list
    )  # set by collect_error_sites
    # A status class passed to a function of this module that only uses it as an except type
    # (`@retry_on(RateLimitError)`): the argument becomes HttpResponseError and those clauses get
    # the status check.
    param_args: Dict[cst.CSTNode, str] = field(
        default_factory=dict
    )  # ref -> function name
    param_guards: Dict[cst.ExceptHandler, Tuple[Status, str]] = field(
        default_factory=dict
    )

    @property
    def active(self) -> bool:
        """Worth running the rule: there are references and nothing else keeps OpenAI in use."""
        return bool(self.refs) and not self.unhandled


def split_elements(
    expr: Optional[cst.BaseExpression], is_tuple: bool
) -> List[cst.BaseExpression]:
    if expr is None:
        return []
    if is_tuple and isinstance(expr, cst.Tuple):
        return [e.value for e in expr.elements]
    return [expr]


def dotted_text(node: cst.BaseExpression) -> str:
    return dotted(node) or ""
