"""The OpenAI exception classes and what azure-core raises instead: data, read by the
errors rule (rules/errors.py) and its analysis (analysis/error_sites.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import libcst as cst

# The errors rule's code (rules/errors.py), which suppression comments name.
ERRORS_CODE = "MI340"

AZURE = "azure.core.exceptions"
HTTP = "HttpResponseError"

# azure-core's exception hierarchy (azure/core/exceptions.py): class -> base.
AZURE_PARENT: Dict[str, Optional[str]] = {
    "AzureError": None,
    "HttpResponseError": "AzureError",
    "ClientAuthenticationError": "HttpResponseError",
    "ResourceNotFoundError": "HttpResponseError",
    "ResourceExistsError": "HttpResponseError",
    "ResourceModifiedError": "HttpResponseError",
    "ResourceNotModifiedError": "HttpResponseError",
    "TooManyRedirectsError": "HttpResponseError",
    "ODataV4Error": "HttpResponseError",
    "DecodeError": "HttpResponseError",
    "IncompleteReadError": "DecodeError",
    "ServiceRequestError": "AzureError",
    "ServiceResponseError": "AzureError",
    "ServiceRequestTimeoutError": "ServiceRequestError",
    "ServiceResponseTimeoutError": "ServiceResponseError",
    "StreamConsumedError": "AzureError",
    "StreamClosedError": "AzureError",
    "ResponseNotReadError": "AzureError",
}


def is_sub(cls: str, base: str) -> bool:
    """`cls` is `base` or derives from it (unknown classes only equal themselves)."""
    current: Optional[str] = cls
    while current is not None:
        if current == base:
            return True
        current = AZURE_PARENT.get(current)
    return False


def classes_overlap(a: str, b: str) -> bool:
    return is_sub(a, b) or is_sub(b, a)


@dataclass(frozen=True)
class Status:
    """The statuses an OpenAI class stood for: `equals` or `>= at_least`."""

    equals: Tuple[int, ...] = ()
    at_least: Optional[int] = None

    def describe(self) -> str:
        if self.at_least is not None:
            return f"status >= {self.at_least}"
        return "status " + "/".join(str(v) for v in self.equals)


@dataclass(frozen=True)
class Target:
    classes: Tuple[str, ...]  # azure classes; HttpResponseError when `status` is set
    status: Optional[Status] = None

    def describe(self) -> str:
        if self.status is not None:
            return f"{HTTP} with {self.status.describe()}"
        return (
            self.classes[0]
            if len(self.classes) == 1
            else "(" + ", ".join(self.classes) + ")"
        )


TIMEOUTS = ("ServiceRequestTimeoutError", "ServiceResponseTimeoutError")
CONNECTION = ("ServiceRequestError", "ServiceResponseError")

RENAMES: Dict[str, Target] = {
    "AuthenticationError": Target(("ClientAuthenticationError",)),
    "NotFoundError": Target(("ResourceNotFoundError",)),
    "ConflictError": Target(("ResourceExistsError",)),
    "TryAgain": Target(("ResourceExistsError",)),
    "Timeout": Target(TIMEOUTS),
    "APITimeoutError": Target(TIMEOUTS),
    "APIConnectionError": Target(CONNECTION),
    "OpenAIError": Target(("AzureError",)),
    "APIError": Target(("AzureError",)),  # v1: the base of every API error
    "APIStatusError": Target((HTTP,)),
}
V0_API_ERROR = Target(
    (HTTP,)
)  # v0 openai.error.APIError: any status without its own class
STATUS_CLASSES: Dict[str, Target] = {
    "RateLimitError": Target((HTTP,), Status((429,))),
    "InvalidRequestError": Target((HTTP,), Status((400, 404, 415))),
    "BadRequestError": Target((HTTP,), Status((400,))),
    "UnprocessableEntityError": Target((HTTP,), Status((422,))),
    "PermissionError": Target((HTTP,), Status((403,))),
    "PermissionDeniedError": Target((HTTP,), Status((403,))),
    "ServiceUnavailableError": Target((HTTP,), Status((503,))),
    "InternalServerError": Target((HTTP,), Status(at_least=500)),
}
UNMAPPED = {
    "InvalidAPIType",
    "SignatureVerificationError",
    "APIResponseValidationError",
    "LengthFinishReasonError",
    "ContentFilterFinishReasonError",
}
KNOWN = set(RENAMES) | set(STATUS_CLASSES) | UNMAPPED

# v1's hierarchy (openai/_exceptions.py), to tell a chain the rename reorders from one
# that was already ordered that way.
V1_PARENT = {
    "APIError": "OpenAIError",
    "APIConnectionError": "APIError",
    "APITimeoutError": "APIConnectionError",
    "APIStatusError": "APIError",
    "APIResponseValidationError": "APIError",
    "BadRequestError": "APIStatusError",
    "AuthenticationError": "APIStatusError",
    "PermissionDeniedError": "APIStatusError",
    "NotFoundError": "APIStatusError",
    "ConflictError": "APIStatusError",
    "UnprocessableEntityError": "APIStatusError",
    "RateLimitError": "APIStatusError",
    "InternalServerError": "APIStatusError",
    "LengthFinishReasonError": "OpenAIError",
    "ContentFilterFinishReasonError": "OpenAIError",
}


def exception_name(qname: str) -> Optional[str]:
    """The class name when `qname` is an OpenAI exception class, else None."""
    parts = qname.split(".")
    if (
        len(parts) == 3
        and parts[0] == "openai"
        and parts[1] == "error"
        and parts[2][:1].isupper()
    ):
        return parts[2]
    if (
        len(parts) == 3
        and parts[0] == "openai"
        and parts[1] == "_exceptions"
        and parts[2] in KNOWN
    ):
        return parts[2]
    if len(parts) == 2 and parts[0] == "openai" and parts[1] in KNOWN:
        return parts[1]
    return None


def target_for(qname: str) -> Optional[Target]:
    name = exception_name(qname)
    if name is None:
        return None
    if name == "APIError" and qname.startswith("openai.error."):
        return V0_API_ERROR
    return RENAMES.get(name) or STATUS_CLASSES.get(name)


def openai_sub(a: str, b: str) -> bool:
    """Did OpenAI class `b` catch everything `a` caught that azure can still raise?

    That is `a` subclassing (or being) `b`, plus v1's `APIError` standing for all of
    `OpenAIError`: the only v1 errors outside it are client-side parse errors azure
    does not have.
    """
    na, nb = exception_name(a) or a, exception_name(b) or b
    if na == nb or nb == "OpenAIError":
        return True
    if a.startswith("openai.error.") or b.startswith("openai.error."):
        return False  # v0: every class derives from OpenAIError only
    if nb == "APIError":
        return True
    current: Optional[str] = na
    while current is not None:
        if current == nb:
            return True
        current = V1_PARENT.get(current)
    return False


# Attributes of a caught OpenAI exception, read in a migrated handler.  Each mapping gives the
# same value on azure-core's HttpResponseError (checked against the real SDKs and a server
# returning errors, tests/test_errors_attributes.py); an attribute with no such equal keeps the
# whole file on OpenAI (`attribute_block`), since a clause left catching OpenAI classes would
# no longer catch what the migrated calls raise.
ATTR_MAPS = {
    # generation -> attribute -> replacement ({v}: the caught exception)
    "v0": {
        "user_message": "({v}.error.message if {v}.error is not None else {v}.message)",
        "_message": "({v}.error.message if {v}.error is not None else {v}.message)",
        "request_id": '{v}.response.headers.get("request-id")',
        "headers": "{v}.response.headers",
    },
    "v1": {
        "code": "({v}.error.code if {v}.error is not None else None)",
        "request_id": '{v}.response.headers.get("x-request-id")',
    },
}
ATTR_TODOS = {
    "body": 'the error object: {v}.response.json()["error"] (raises when the body is not JSON)',
    "json_body": "{v}.response.json() (raises when the body is not JSON)",
    "http_body": "{v}.response.text()",
    "code": "{v}.error.code ({v}.error is None when the body is not an error object); openai 0.28 set it only "
    "for InvalidRequestError",
    "headers": "{v}.response.headers",
    "param": '{v}.response.json()["error"].get("param")',
    "type": '{v}.response.json()["error"].get("type")',
    "message": "the text differs: OpenAI's is \"Error code: <status> - <message>\", azure's "
    '"(<code>) <message>\\nCode: ..."; {v}.error.message is the service\'s message',
    "error": "{v}.error is azure-core's ODataV4Format (code, message), not OpenAI's error object",
    "response": "{v}.response is azure-core's HttpResponse: .status_code, .headers and .json() agree, "
    ".text is a method",
    "organization": "no equivalent",
}
# `e.response.<x>` reads that give the same value on azure-core's HttpResponse.
RESPONSE_SAME = {"status_code", "headers", "json"}
HANDLER_ATTRS = {"http_status", "user_message", "_message", "request_id", *ATTR_TODOS}


def attribute_mapping(attr: str, generation: str, http_only: bool) -> Optional[str]:
    """The replacement template for `e.<attr>`, "" to keep it, None when it has no equal."""
    if attr == "http_status":
        return "{v}.status_code"
    mapped = ATTR_MAPS[generation].get(attr)
    if mapped is None:
        return None
    if "{v}.response" in mapped or "{v}.error" in mapped:
        # AzureError without a response (a connection error) has neither attribute
        return mapped if http_only else None
    return mapped


# Contexts a reference can appear in.
EXCEPT, ISINSTANCE, TENACITY, BACKOFF, RAISE, BASE, ANNOTATION, PLAIN = (
    "except",
    "isinstance",
    "tenacity",
    "backoff",
    "raise",
    "base",
    "annotation",
    "plain",
)
OWNED = (EXCEPT, ISINSTANCE, TENACITY, BACKOFF)  # rewritten by the enclosing node
TENACITY_FUNCS = {
    "tenacity.retry_if_exception_type": False,
    "tenacity.retry.retry_if_exception_type": False,
    "tenacity.retry_if_not_exception_type": True,
    "tenacity.retry.retry_if_not_exception_type": True,
}
BACKOFF_FUNCS = {"backoff.on_exception", "backoff._decorator.on_exception"}
CATCH_ALL = {"builtins.Exception", "builtins.BaseException"}


def code_of(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)
