"""Semantic comparison of the requests two programs sent.

An original OpenAI program and its azure-ai-inference migration cannot send
byte-identical requests: auth headers, user agents, request ids and the URL
shape legitimately differ.  What must agree is what the model sees.  Each
request is reduced to a canonical form:

* ``kind``: chat or embeddings (unknown routes keep their path, so they never
  match anything and show up in the diff);
* ``model``: the deployment in the URL if there is one, else the body's
  ``model`` (the deployment may move from the body into the endpoint);
* ``api_version``: only when the original request carried one (Azure);
* ``body``: the JSON body without ``model``, without keys whose value is
  ``null`` (both SDKs treat null as "not given"; azure-ai-inference drops
  them), with ``stream: false`` dropped, a string ``stop`` as a one-item list,
  messages without null-valued fields, a string embeddings ``input`` as a
  one-item list, and ``encoding_format: "base64"`` dropped (the openai SDKs ask
  for base64 on their own and decode it; the program never sees it).

Requests are compared as multisets of canonical forms: the order of
concurrent requests does not matter, but how often each one was sent does
(a retry budget that differs shows up as a count).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

# Keys azure-ai-inference sends itself (first-class parameters of complete()/embed()).
FIRST_CLASS = {
    "chat": {
        "messages",
        "stream",
        "frequency_penalty",
        "presence_penalty",
        "temperature",
        "top_p",
        "max_tokens",
        "response_format",
        "stop",
        "tools",
        "tool_choice",
        "seed",
        "model",
    },
    "embeddings": {"input", "dimensions", "encoding_format", "input_type", "model"},
}


@dataclass
class Request:
    """The parts of a request that matter for comparison."""

    kind: Optional[str]
    path: str
    deployment: Optional[str]
    api_version: Optional[str]
    body: Any
    headers: Dict[str, str]
    method: str = "POST"

    @classmethod
    def from_recorded(cls, recorded: Any) -> "Request":
        return cls(
            kind=recorded.kind,
            path=recorded.path,
            deployment=recorded.deployment,
            api_version=recorded.query.get("api-version"),
            body=recorded.body,
            headers=dict(recorded.headers),
            method=recorded.method,
        )

    @classmethod
    def from_expected(cls, data: dict) -> "Request":
        """A request written in expected.json: kind, body, optional deployment/api_version."""
        deployment = data.get("deployment")
        kind = data["kind"]
        suffix = "chat/completions" if kind == "chat" else "embeddings"
        path = (
            f"/openai/deployments/{deployment}/{suffix}"
            if deployment
            else f"/v1/{suffix}"
        )
        return cls(
            kind=kind,
            path=path,
            deployment=deployment,
            api_version=data.get("api_version"),
            body=data["body"],
            headers={},
        )

    @property
    def model(self) -> Optional[str]:
        if self.deployment:
            return self.deployment
        if isinstance(self.body, dict):
            return self.body.get("model")
        return None


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def canonical_body(kind: Optional[str], body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    body = {k: v for k, v in body.items() if v is not None and k != "model"}
    if kind == "chat":
        if body.get("stream") is False:
            del body["stream"]
        if isinstance(body.get("stop"), str):
            body["stop"] = [body["stop"]]
        if isinstance(body.get("messages"), list):
            body["messages"] = [_without_nulls(m) for m in body["messages"]]
    elif kind == "embeddings":
        if isinstance(body.get("input"), str):
            body["input"] = [body["input"]]
        if body.get("encoding_format") == "base64":
            del body["encoding_format"]
    return body


def canonical(request: Request, with_api_version: bool) -> dict:
    form: Dict[str, Any] = {"kind": request.kind, "model": request.model}
    if request.kind is None:
        form["path"] = request.path
    if with_api_version:
        form["api_version"] = request.api_version
    form["body"] = canonical_body(request.kind, request.body)
    return form


def _key(form: dict) -> str:
    return json.dumps(form, sort_keys=True, ensure_ascii=False)


def compare_requests(
    original: Iterable[Request], migrated: Iterable[Request], check_extras: bool = True
) -> List[str]:
    """Problems found, as readable strings; empty when the requests agree.

    `check_extras`: the second side is azure-ai-inference code, so keys it does
    not know must come with the pass-through header.
    """
    original = list(original)
    migrated = list(migrated)
    with_api_version = any(r.api_version for r in original)
    want = {_key(canonical(r, with_api_version)): r for r in original}
    got = {_key(canonical(r, with_api_version)): r for r in migrated}
    problems = []
    missing = [k for k in want if k not in got]
    unexpected = [k for k in got if k not in want]
    if missing or unexpected:
        lines = ["requests differ (canonical forms; see tests/e2e/request_compare.py):"]
        for key in missing:
            lines.append(f"  expected, not sent: {key}")
        for key in unexpected:
            lines.append(f"  sent, not expected: {key}   [path {got[key].path}]")
        problems.append("\n".join(lines))
    want_counts = Counter(_key(canonical(r, with_api_version)) for r in original)
    got_counts = Counter(_key(canonical(r, with_api_version)) for r in migrated)
    counts = [
        f"  sent {got_counts[k]} times, expected {want_counts[k]}: {k}"
        for k in want_counts
        if k in got_counts and got_counts[k] != want_counts[k]
    ]
    if counts:
        problems.append("request counts differ (retries?):\n" + "\n".join(counts))
    for request in migrated if check_extras else []:
        problem = extras_problem(request)
        if problem:
            problems.append(problem)
    return problems


def extras_problem(request: Request) -> Optional[str]:
    """Keys azure-ai-inference does not know must come with ``extra-parameters: pass-through``."""
    if request.kind not in FIRST_CLASS or not isinstance(request.body, dict):
        return None
    if request.headers.get("user-agent", "").startswith("OpenAI/"):
        return None  # sent by the openai SDK (a call left on OpenAI): no such header there
    extras = sorted(set(request.body) - FIRST_CLASS[request.kind])
    if not extras:
        return None
    header = request.headers.get("extra-parameters")
    if header != "pass-through":
        return (
            f"request to {request.path} has extra body keys {extras} "
            f"but header extra-parameters={header!r} (want 'pass-through', i.e. model_extras)"
        )
    return None


# -- the way back: azure-ai-inference originals, openai-on-/openai/v1/ migrations --

# Path prefixes a route sits behind: the v1 API, an Azure OpenAI deployment,
# the Model Inference route, OpenAI's own.  What follows them is the route.
_ROUTE_PREFIX = re.compile(
    r"^(?:/openai/v1|/openai/deployments/[^/]+|/models|/v1)(?=/)"
)

# Headers an SDK sets on its own (or that carry the credential, compared apart):
# what remains is what the program asked for and must reach the server.
SDK_HEADERS = {
    "host",
    "user-agent",
    "accept",
    "accept-encoding",
    "connection",
    "content-type",
    "content-length",
    "transfer-encoding",
    "x-ms-client-request-id",
    "x-ms-useragent",
    "traceparent",
    "extra-parameters",
    "authorization",
    "api-key",
}
SDK_HEADER_PREFIXES = ("x-stainless-",)


def route_of(path: str) -> str:
    """``/models/chat/completions`` and ``/openai/v1/chat/completions`` -> ``/chat/completions``."""
    return _ROUTE_PREFIX.sub("", path, count=1)


def credential_of(headers: Dict[str, str]) -> Optional[str]:
    """The key or token a request carried (a bearer token first, then ``api-key``)."""
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return "bearer " + auth[7:].strip()
    key = headers.get("api-key")
    return f"key {key}" if key else None


def program_headers(headers: Dict[str, str]) -> Dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if name not in SDK_HEADERS and not name.startswith(SDK_HEADER_PREFIXES)
    }


def wire_form(request: Request) -> dict:
    """What the server must see the same from both programs, for one request."""
    return {
        "method": request.method,
        "route": route_of(request.path),
        "model": request.model,
        "credential": credential_of(request.headers),
        "headers": program_headers(request.headers),
        "body": canonical_body(request.kind, request.body),
    }


def compare_wire(original: Iterable[Request], migrated: Iterable[Request]) -> List[str]:
    """Problems found, as readable strings; empty when both sent the same requests.

    Stricter than `compare_requests`: requests are a multiset (a retry is one
    more request, so counts must agree), and the method, the route after the
    version prefix, the credential and the program's own headers count too.
    A bearer token and an ``api-key`` header holding the same key are not the
    same credential, except that azure-ai-inference sends a key both ways,
    where the bearer form is the one compared.
    """
    want = Counter(_key(wire_form(r)) for r in original)
    got = Counter(_key(wire_form(r)) for r in migrated)
    if want == got:
        return []
    lines = ["requests differ (wire forms; see tests/e2e/request_compare.py):"]
    for key in sorted(set(want) | set(got)):
        if want[key] != got[key]:
            lines.append(f"  original sent {want[key]}x, migrated {got[key]}x: {key}")
    return ["\n".join(lines)]


@dataclass
class Run:
    """One run of a program under the fake server: what it printed and the requests it sent."""

    returncode: int
    stdout: str
    stderr: str
    requests: List[Request] = field(default_factory=list)

    def describe(self) -> str:
        return f"exit {self.returncode}\n--- stderr (tail) ---\n{self.stderr[-3000:]}"
