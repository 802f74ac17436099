"""What the v1 client analysis (`analysis/v1.py`) finds: the client bindings, the calls
made through them, and the file's v1 facts.  Data only, read by the v1 planner and rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import libcst as cst

from migrate_inference.analysis.names import string_value


@dataclass(eq=False)
class Binding:
    """One place a v1 client object is created (or received)."""

    kind: str  # "name", "attr", "with", "param", "inline"
    cls: str
    is_async: bool
    is_azure: bool
    ctor: Optional[cst.Call]
    target: str  # code of the bound expression: "client", "self.client"
    statement: Optional[cst.CSTNode] = None  # the statement holding the constructor
    kwargs: Dict[str, cst.Arg] = field(default_factory=dict)
    has_splat: bool = False
    calls: List["V1Call"] = field(default_factory=list)
    refs: List[cst.Attribute] = field(default_factory=list)  # `create` taken as a value
    cleanup: List[cst.CSTNode] = field(default_factory=list)
    unknown_uses: List[cst.CSTNode] = field(default_factory=list)
    param: Optional[cst.Param] = None
    # passed to a function of this module whose parameter is annotated with an OpenAI client class
    handoffs: List[Tuple[cst.Name, "Binding"]] = field(default_factory=list)
    # the same name bound to another client in another branch (`if ...: client = OpenAI(...)
    # else: client = OpenAI(...)`): one component, every member built the same way
    siblings: List["Binding"] = field(default_factory=list)
    # why the bound value may be something else than this client (`client or OpenAI()`,
    # `self.client = client` in another branch): the component cannot change class
    injected: Optional[str] = None
    # the client is also used by other files of the project (analysis/project.py)
    elsewhere: Optional[str] = None

    @property
    def replaceable(self) -> bool:
        """Every use is a call the tool migrates: the binding itself can change class."""
        return not self.unknown_uses and not any(
            c.kind not in ("chat", "embeddings") for c in self.calls
        )


@dataclass(eq=False)
class V1Call:
    node: cst.Call
    kind: str  # chat, embeddings, parse, raw, stream_helper
    binding: Binding
    receiver: cst.BaseExpression
    kwargs: Dict[str, cst.Arg] = field(default_factory=dict)
    has_splat: bool = False
    has_positional: bool = False
    via_ref: Optional[cst.Attribute] = (
        None  # called through `f = client.chat.completions.create`
    )
    # `client.with_options(timeout=5).chat.completions.create(...)`: the per-call
    # azure-core keywords that carry the options
    options: Dict[str, cst.BaseExpression] = field(default_factory=dict)
    splat_model: Optional[cst.BaseExpression] = (
        None  # "model" inside a rewritable ** dict
    )

    @property
    def model(self) -> Optional[cst.BaseExpression]:
        arg = self.kwargs.get("model")
        return arg.value if arg is not None else self.splat_model

    @property
    def model_literal(self) -> Optional[str]:
        model = self.model
        return string_value(model) if model is not None else None

    @property
    def stream(self) -> Optional[bool]:
        arg = self.kwargs.get("stream")
        if arg is None:
            return False
        if isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False"):
            return arg.value.value == "True"
        return None


@dataclass
class V1Facts:
    bindings: List[Binding] = field(default_factory=list)
    calls: Dict[cst.Call, V1Call] = field(default_factory=dict)
    refs: Dict[cst.Attribute, Binding] = field(default_factory=dict)  # left with a TODO
    ref_rewrites: Dict[cst.Attribute, Binding] = field(
        default_factory=dict
    )  # become <client>.complete
    returned: List[cst.Call] = field(
        default_factory=list
    )  # `return OpenAI(...)`: used elsewhere
    ambiguous: Dict[cst.Call, str] = field(
        default_factory=dict
    )  # receiver bound to several clients
    # `client.with_options(...)` calls whose options cannot be carried: why
    unsupported_options: Dict[cst.Call, str] = field(default_factory=dict)
