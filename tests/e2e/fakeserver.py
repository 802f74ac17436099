"""A scripted fake of the chat-completions and embeddings HTTP APIs.

One server speaks both dialects the end-to-end programs use:

* OpenAI: ``POST /v1/chat/completions``, ``/chat/completions``, ``/v1/embeddings``,
  ``/embeddings``;
* Azure OpenAI and azure-ai-inference: ``/openai/deployments/{dep}/chat/completions``,
  ``/openai/deployments/{dep}/embeddings``, ``/models/chat/completions``,
  ``/models/embeddings`` (any ``?api-version=``);
* Azure OpenAI's v1 API, which the openai SDK talks to with
  ``base_url=".../openai/v1/"``: ``/openai/v1/chat/completions``,
  ``/openai/v1/embeddings`` (no api-version).

Like real Azure OpenAI, a stream on the v1 route starts with a chunk whose
``choices`` is empty and which carries ``prompt_filter_results``; the other
Azure routes send it too when ``FakeServer.azure_prompt_filter`` is set
(azure-ai-inference drops such chunks; the openai SDK hands them to the
program).

Every request is recorded (method, path, query, lower-cased headers, JSON body).

Replies are chosen without looking at headers, so the original program and its
migration get exactly the same answers: a per-test list of rules, each a
``when`` condition on the request body and a ``reply`` spec, first match wins;
with no match a chat request gets an echo of the last user message and an
embeddings request gets deterministic vectors.  A reply spec is rendered as a
plain JSON completion or, when the request asked for ``"stream": true``, as
server-sent events (``data: {...}\\n\\n`` lines, LF only, ending in
``data: [DONE]``).  See `FakeServer.add_rule` for the spec format.

Vectors use only dyadic fractions (exact in float32), so a float list printed
by an SDK that decoded base64 float32 looks the same as one parsed from JSON.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

CREATED = 1700000000

_CHAT_PATH = re.compile(
    r"^(?:/v1|/models|/openai/v1|/openai/deployments/(?P<dep>[^/]+))?/chat/completions/?$"
)
_EMBEDDINGS_PATH = re.compile(
    r"^(?:/v1|/models|/openai/v1|/openai/deployments/(?P<dep>[^/]+))?/embeddings/?$"
)
V1_PREFIX = "/openai/v1/"
AZURE_PREFIXES = ("/openai/", "/models/")


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: Any
    kind: Optional[str]  # "chat", "embeddings" or None (unknown route)
    deployment: Optional[str]
    status: int = 0

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "kind": self.kind,
            "deployment": self.deployment,
            "status": self.status,
            "headers": self.headers,
            "body": self.body,
        }


@dataclass
class Rule:
    when: Dict[str, Any]
    reply: Dict[str, Any]
    times: Optional[int] = None  # None: unlimited


def route(path: str) -> Tuple[Optional[str], Optional[str]]:
    """(kind, deployment) for a request path, or (None, None)."""
    for kind, pattern in (("chat", _CHAT_PATH), ("embeddings", _EMBEDDINGS_PATH)):
        match = pattern.match(path)
        if match:
            return kind, match.group("dep")
    return None, None


def message_text(message: Any) -> str:
    """The text of a message's content (string or list of text parts)."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "") for part in content if isinstance(part, dict)
        )
    return ""


def last_message(body: Any) -> dict:
    messages = body.get("messages") if isinstance(body, dict) else None
    if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
        return messages[-1]
    return {}


def last_user_text(body: Any) -> str:
    messages = body.get("messages") if isinstance(body, dict) else None
    for message in reversed(messages or []):
        if isinstance(message, dict) and message.get("role") == "user":
            return message_text(message)
    return ""


def count_tokens(text: str) -> int:
    return len(text.split())


def prompt_tokens(body: dict) -> int:
    messages = body.get("messages") or []
    return sum(count_tokens(message_text(m)) + 3 for m in messages)


def embedding_vector(text: str, index: int, dimensions: Optional[int]) -> List[float]:
    base = [(len(text) % 16) / 8, (index + 1) / 4, -0.5, 0.125]
    size = dimensions or len(base)
    return [base[i % len(base)] for i in range(size)]


def matches(when: Dict[str, Any], kind: Optional[str], body: Any) -> bool:
    body = body if isinstance(body, dict) else {}
    for key, expected in when.items():
        if key == "kind":
            ok = kind == expected
        elif key == "last_user_contains":
            ok = expected.lower() in last_user_text(body).lower()
        elif key == "last_role":
            ok = last_message(body).get("role") == expected
        elif key == "has":
            ok = expected in body
        elif key == "stream":
            ok = bool(body.get("stream")) == bool(expected)
        elif key == "input_contains":
            inputs = body.get("input")
            inputs = [inputs] if isinstance(inputs, str) else inputs or []
            ok = any(expected in str(i) for i in inputs)
        else:
            raise ValueError(f"unknown condition {key!r}")
        if not ok:
            return False
    return True


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 with a random port.

    Use `start()`/`stop()` (or a ``with`` block); `reset()` between tests.
    """

    def __init__(
        self,
        azure_prompt_filter: bool = False,
        tls: Optional[Tuple[str, str]] = None,
    ) -> None:
        """`tls`: (certificate file, key file) to serve https, as Azure does.

        azure-core refuses to send a bearer token (Entra ID) over plain http.
        """
        self.azure_prompt_filter = azure_prompt_filter
        self.tls = tls
        self.requests: List[Recorded] = []
        self.rules: List[Rule] = []
        self._lock = threading.Lock()
        self._httpd: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle -------------------------------------------------------

    def start(self) -> "FakeServer":
        server = self

        class Handler(_Handler):
            fake = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True
            )
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "FakeServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    # -- scripting -------------------------------------------------------

    def reset(self, rules: Optional[List[dict]] = None) -> None:
        """Forget recorded requests and install new rules."""
        with self._lock:
            self.requests = []
            self.rules = []
        for rule in rules or []:
            self.add_rule(rule.get("when", {}), rule["reply"], rule.get("times"))

    def clear_requests(self) -> None:
        with self._lock:
            self.requests = []

    def add_rule(
        self, when: Dict[str, Any], reply: Dict[str, Any], times: Optional[int] = None
    ) -> None:
        """Answer requests matching `when` with `reply`.

        `when` keys (all must hold): ``kind`` ("chat"/"embeddings"),
        ``last_user_contains`` (case-insensitive substring of the last user
        message), ``last_role``, ``has`` (a top-level body key is present),
        ``stream`` (bool), ``input_contains`` (embeddings input).

        `reply` keys: ``status`` + ``error`` (an error reply; ``headers`` adds
        response headers), or ``content``, ``tool_calls`` (list of ``{id, name,
        arguments}``), ``function_call`` (``{name, arguments}``),
        ``finish_reason``.  A reply with none of these echoes the last user
        message.  ``delay`` (seconds) holds any reply back that long, for
        client timeouts.  `times` limits how often the rule fires.
        """
        with self._lock:
            self.rules.append(Rule(dict(when), dict(reply), times))

    # -- request handling --------------------------------------------------

    def _choose(self, kind: Optional[str], body: Any) -> Dict[str, Any]:
        with self._lock:
            for rule in self.rules:
                if rule.times is not None and rule.times <= 0:
                    continue
                if matches(rule.when, kind, body):
                    if rule.times is not None:
                        rule.times -= 1
                    return copy.deepcopy(rule.reply)
        return {}

    def handle(self, record: Recorded) -> Tuple[int, Dict[str, str], bytes]:
        """Status, headers and body bytes for one recorded request."""
        if record.method == "GET" or record.kind is None:
            return _json_reply(
                404, {"error": {"code": "404", "message": "Resource not found"}}
            )
        if not _has_credential(record.headers):
            return _json_reply(
                401,
                {
                    "error": {
                        "code": "401",
                        "message": "Access denied due to missing or invalid key.",
                    }
                },
            )
        if not isinstance(record.body, dict):
            return _json_reply(
                400,
                {
                    "error": {
                        "code": "invalid_request_error",
                        "message": "The request body must be a JSON object.",
                    }
                },
            )
        reply = self._choose(record.kind, record.body)
        if reply.get("delay"):
            time.sleep(float(reply["delay"]))
        if "status" in reply:
            status, headers, payload = _json_reply(
                reply["status"], {"error": reply.get("error", {})}
            )
            headers.update(reply.get("headers", {}))
            return status, headers, payload
        if record.kind == "embeddings":
            return _json_reply(200, embeddings_response(record.body, record.deployment))
        if record.body.get("stream"):
            return (
                200,
                {"Content-Type": "text/event-stream"},
                sse_stream(
                    record.body,
                    record.deployment,
                    reply,
                    prompt_filter=self.sends_prompt_filter(record.path),
                ),
            )
        return _json_reply(200, chat_response(record.body, record.deployment, reply))

    def sends_prompt_filter(self, path: str) -> bool:
        """Whether a stream on `path` starts with Azure's empty prompt-filter chunk."""
        if path.startswith(V1_PREFIX):
            return True
        return self.azure_prompt_filter and path.startswith(AZURE_PREFIXES)

    def record(self, record: Recorded) -> None:
        with self._lock:
            self.requests.append(record)

    def of_kind(self, kind: str) -> List[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.kind == kind]


def _has_credential(headers: Dict[str, str]) -> bool:
    if headers.get("api-key", "").strip():
        return True
    auth = headers.get("authorization", "")
    return auth.lower().startswith("bearer ") and bool(auth[7:].strip())


def _json_reply(status: int, payload: Any) -> Tuple[int, Dict[str, str], bytes]:
    return (
        status,
        {"Content-Type": "application/json"},
        json.dumps(payload).encode("utf-8"),
    )


# -- reply rendering -----------------------------------------------------------


def _model(body: dict, deployment: Optional[str]) -> str:
    return body.get("model") or deployment or "unknown-model"


def _choice_content(reply: dict, body: dict, index: int) -> Optional[str]:
    if "tool_calls" in reply or "function_call" in reply:
        return reply.get("content")
    if "content" in reply:
        content = reply["content"]
    else:
        content = f"You said: {last_user_text(body)}"
    if index:
        content = f"{content} (choice {index + 1})"
    return content


def _finish_reason(reply: dict) -> str:
    if "finish_reason" in reply:
        return reply["finish_reason"]
    if "tool_calls" in reply:
        return "tool_calls"
    if "function_call" in reply:
        return "function_call"
    return "stop"


def _tool_calls(reply: dict) -> List[dict]:
    return [
        {
            "id": call["id"],
            "type": "function",
            "function": {"name": call["name"], "arguments": call["arguments"]},
        }
        for call in reply.get("tool_calls", [])
    ]


def _usage(body: dict, completion_text: str) -> dict:
    prompt = prompt_tokens(body)
    completion = count_tokens(completion_text)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _choice_count(body: dict) -> int:
    n = body.get("n")
    return n if isinstance(n, int) and 1 <= n <= 8 else 1


def chat_response(body: dict, deployment: Optional[str], reply: dict) -> dict:
    choices = []
    texts = []
    for index in range(_choice_count(body)):
        content = _choice_content(reply, body, index)
        message: Dict[str, Any] = {"role": "assistant", "content": content}
        if "tool_calls" in reply:
            message["tool_calls"] = _tool_calls(reply)
        if "function_call" in reply:
            message["function_call"] = dict(reply["function_call"])
        texts.append(content or "")
        choices.append(
            {
                "index": index,
                "message": message,
                "finish_reason": _finish_reason(reply),
                "logprobs": None,
            }
        )
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": CREATED,
        "model": _model(body, deployment),
        "system_fingerprint": "fp_fake",
        "choices": choices,
        "usage": _usage(body, " ".join(texts)),
    }


def _pieces(text: str) -> List[str]:
    return re.findall(r"\S+\s*|\s+", text) or [text]


def _fragments(text: str) -> List[str]:
    if len(text) < 4:
        return [text]
    third = len(text) // 3
    return [text[:third], text[third : 2 * third], text[2 * third :]]


PROMPT_FILTER_CHUNK = {
    "choices": [],
    "created": 0,
    "id": "",
    "model": "",
    "object": "",
    "prompt_filter_results": [
        {
            "prompt_index": 0,
            "content_filter_results": {
                "hate": {"filtered": False, "severity": "safe"},
                "self_harm": {"filtered": False, "severity": "safe"},
                "sexual": {"filtered": False, "severity": "safe"},
                "violence": {"filtered": False, "severity": "safe"},
            },
        }
    ],
}


def sse_stream(
    body: dict, deployment: Optional[str], reply: dict, prompt_filter: bool = False
) -> bytes:
    """Server-sent events for a streamed reply.

    `prompt_filter`: start with the chunk Azure OpenAI sends before any choice,
    ``choices: []`` plus ``prompt_filter_results`` (the shape Azure sends).
    """
    model = _model(body, deployment)
    events: List[dict] = [copy.deepcopy(PROMPT_FILTER_CHUNK)] if prompt_filter else []

    def chunk(choices: List[dict], **extra: Any) -> None:
        event = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": choices,
        }
        event.update(extra)
        events.append(event)

    texts = []
    for index in range(_choice_count(body)):
        content = _choice_content(reply, body, index)
        texts.append(content or "")
        chunk(
            [
                {
                    "index": index,
                    "delta": {"role": "assistant", "content": ""},
                    "finish_reason": None,
                }
            ]
        )
        if content:
            for piece in _pieces(content):
                chunk(
                    [
                        {
                            "index": index,
                            "delta": {"content": piece},
                            "finish_reason": None,
                        }
                    ]
                )
        for position, call in enumerate(_tool_calls(reply)):
            first = {
                "index": position,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": ""},
            }
            chunk(
                [
                    {
                        "index": index,
                        "delta": {"tool_calls": [first]},
                        "finish_reason": None,
                    }
                ]
            )
            for fragment in _fragments(call["function"]["arguments"]):
                delta = {
                    "tool_calls": [
                        {"index": position, "function": {"arguments": fragment}}
                    ]
                }
                chunk([{"index": index, "delta": delta, "finish_reason": None}])
        if "function_call" in reply:
            name = reply["function_call"]["name"]
            chunk(
                [
                    {
                        "index": index,
                        "delta": {"function_call": {"name": name, "arguments": ""}},
                        "finish_reason": None,
                    }
                ]
            )
            for fragment in _fragments(reply["function_call"]["arguments"]):
                chunk(
                    [
                        {
                            "index": index,
                            "delta": {"function_call": {"arguments": fragment}},
                            "finish_reason": None,
                        }
                    ]
                )
        chunk([{"index": index, "delta": {}, "finish_reason": _finish_reason(reply)}])
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        chunk([], usage=_usage(body, " ".join(texts)))
    lines = [f"data: {json.dumps(event)}\n\n" for event in events]
    lines.append("data: [DONE]\n\n")
    return "".join(lines).encode("utf-8")


def embeddings_response(body: dict, deployment: Optional[str]) -> dict:
    inputs = body.get("input")
    inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
    dimensions = (
        body.get("dimensions") if isinstance(body.get("dimensions"), int) else None
    )
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(inputs):
        vector = embedding_vector(str(text), index, dimensions)
        if as_base64:
            packed = struct.pack(f"<{len(vector)}f", *vector)
            embedding: Any = base64.b64encode(packed).decode("ascii")
        else:
            embedding = vector
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(count_tokens(str(t)) for t in inputs)
    return {
        "id": "emb-fake",
        "object": "list",
        "data": data,
        "model": _model(body, deployment),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


# -- HTTP plumbing ---------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeServer  # set on the subclass built by FakeServer.start

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        raw = self._read_body()
        parts = urlsplit(self.path)
        try:
            body: Any = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = {"__unparsable__": raw.decode("utf-8", "replace")}
        kind, deployment = route(parts.path)
        record = Recorded(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            kind=kind,
            deployment=deployment,
        )
        # Recorded before it is answered, so a request whose client gave up
        # waiting (a timeout) is counted even while its reply is held back.
        self.fake.record(record)
        try:
            status, headers, payload = self.fake.handle(record)
        except Exception as exc:  # keep the server alive; report as a 599
            status, headers, payload = _json_reply(
                599, {"error": {"message": f"fake server bug: {exc!r}"}}
            )
        record.status = status
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-request-id", "req-fake")
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):  # the client timed out
            self.close_connection = True

    do_POST = _serve
    do_GET = _serve
    do_PUT = _serve
    do_DELETE = _serve


def make_certificate(folder: str) -> Tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: (certificate file, key file).

    Clients trust it through SSL_CERT_FILE (httpx, aiohttp) and
    REQUESTS_CA_BUNDLE (requests, under azure-core).
    """
    import datetime
    import ipaddress
    import os

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(folder, "fake-server-cert.pem")
    key_path = os.path.join(folder, "fake-server-key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return cert_path, key_path
