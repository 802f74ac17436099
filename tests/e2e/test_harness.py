"""The fake server and the request comparison, checked on their own."""

from __future__ import annotations

import base64
import dataclasses
import json
import struct
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakeserver import FakeServer  # noqa: E402
from request_compare import Request, compare_requests  # noqa: E402


@pytest.fixture(scope="module")
def server():
    with FakeServer() as fake:
        yield fake


def post(server: FakeServer, path: str, body: dict, headers=None):
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "api-key": "k", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_routes_and_recording(server: FakeServer) -> None:
    server.reset()
    for path in (
        "/v1/chat/completions",
        "/chat/completions",
        "/models/chat/completions?api-version=2024-05-01-preview",
        "/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01",
    ):
        status, _, payload = post(
            server, path, {"messages": [{"role": "user", "content": "hi"}]}
        )
        assert status == 200, path
        assert json.loads(payload)["choices"][0]["message"]["content"] == "You said: hi"
    status, _, _ = post(server, "/openai/deployments/x/completions", {"prompt": "p"})
    assert status == 404
    assert [r.deployment for r in server.requests] == [None, None, None, "gpt-4o", None]
    assert server.requests[3].query == {"api-version": "2024-06-01"}
    assert server.requests[3].headers["api-key"] == "k"


def test_sse_is_lf_only_data_lines_ending_in_done(server: FakeServer) -> None:
    server.reset([{"when": {}, "reply": {"content": "a b c"}}])
    status, headers, payload = post(
        server,
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": "x"}], "stream": True},
    )
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    text = payload.decode()
    assert "\r" not in text
    events = [e for e in text.split("\n\n") if e]
    assert all(e.startswith("data: ") and "\n" not in e for e in events)
    assert events[-1] == "data: [DONE]"
    deltas = [json.loads(e[6:])["choices"][0]["delta"] for e in events[:-1]]
    assert "".join(d.get("content", "") for d in deltas) == "a b c"


def test_streamed_tool_calls_carry_index(server: FakeServer) -> None:
    calls = [
        {"id": "c1", "name": "f", "arguments": '{"a": 1}'},
        {"id": "c2", "name": "g", "arguments": "{}"},
    ]
    server.reset([{"when": {}, "reply": {"tool_calls": calls}}])
    _, _, payload = post(
        server, "/v1/chat/completions", {"messages": [], "stream": True}
    )
    events = [
        json.loads(e[6:])
        for e in payload.decode().split("\n\n")
        if e.startswith("data: {")
    ]
    parts = [
        tc for e in events for tc in e["choices"][0]["delta"].get("tool_calls", [])
    ]
    assert {tc["index"] for tc in parts} == {0, 1}
    joined = "".join(tc["function"]["arguments"] for tc in parts if tc["index"] == 0)
    assert joined == '{"a": 1}'
    assert events[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_errors_rules_and_credentials(server: FakeServer) -> None:
    server.reset(
        [
            {
                "when": {"last_user_contains": "slow down"},
                "reply": {"status": 429, "error": {"message": "m", "code": "c"}},
            }
        ]
    )
    status, _, payload = post(
        server,
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": "Slow down!"}]},
    )
    assert status == 429 and json.loads(payload)["error"]["code"] == "c"
    status, _, _ = post(
        server, "/v1/chat/completions", {"messages": []}, headers={"api-key": ""}
    )
    assert status == 401


def test_embeddings_float_and_base64(server: FakeServer) -> None:
    server.reset()
    _, _, payload = post(server, "/v1/embeddings", {"input": "abc", "model": "m"})
    floats = json.loads(payload)["data"][0]["embedding"]
    _, _, payload = post(
        server, "/v1/embeddings", {"input": ["abc"], "encoding_format": "base64"}
    )
    packed = base64.b64decode(json.loads(payload)["data"][0]["embedding"])
    assert list(struct.unpack(f"<{len(packed) // 4}f", packed)) == floats


def _request(
    body, deployment=None, api_version=None, headers=None, kind="chat"
) -> Request:
    return Request(kind, "/p", deployment, api_version, body, headers or {})


def test_compare_normalisations() -> None:
    original = _request(
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x", "name": None}],
            "stop": "s",
        }
    )
    migrated = _request(
        {
            "messages": [{"role": "user", "content": "x"}],
            "stop": ["s"],
            "stream": False,
        },
        "m",
    )
    assert compare_requests([original], [migrated]) == []
    other_model = _request(
        {"messages": [{"role": "user", "content": "x"}], "stop": ["s"]}, "other"
    )
    assert compare_requests([original], [other_model])


def test_compare_counts_each_request() -> None:
    """A retry budget that differs sends the same request a different number of times."""
    original = _request({"model": "m", "messages": [{"role": "user", "content": "x"}]})
    migrated = _request({"messages": [{"role": "user", "content": "x"}]}, "m")
    assert compare_requests([original, original], [migrated, migrated]) == []
    problems = compare_requests([original, original, original], [migrated])
    assert problems and "sent 1 times, expected 3" in problems[0]


def test_compare_embeddings_input_and_implicit_base64() -> None:
    original = _request(
        {"model": "e", "input": "t", "encoding_format": "base64"}, kind="embeddings"
    )
    migrated = _request({"input": ["t"]}, "e", kind="embeddings")
    assert compare_requests([original], [migrated]) == []


def test_compare_api_version_only_when_original_has_one() -> None:
    original = _request({"messages": []}, "d", "2023-05-15")
    assert (
        compare_requests([original], [_request({"messages": []}, "d", "2023-05-15")])
        == []
    )
    assert compare_requests([original], [_request({"messages": []}, "d", "2024-06-01")])
    plain = _request({"model": "d", "messages": []})
    assert (
        compare_requests([plain], [_request({"messages": []}, "d", "2024-06-01")]) == []
    )


def test_compare_requires_pass_through_header_for_extras() -> None:
    original = _request({"model": "m", "messages": [], "n": 2})
    without = _request({"messages": [], "n": 2}, "m")
    with_header = _request(
        {"messages": [], "n": 2}, "m", headers={"extra-parameters": "pass-through"}
    )
    assert compare_requests([original], [with_header]) == []
    problems = compare_requests([original], [without])
    assert len(problems) == 1 and "pass-through" in problems[0]
    # a call the tool left on OpenAI is sent by the openai SDK, which has no such header
    left = _request(
        {"model": "m", "messages": [], "n": 2},
        headers={"user-agent": "OpenAI/Python 1.109.1"},
    )
    assert compare_requests([original], [left]) == []


def test_v1_route_streams_start_with_azure_prompt_filter_chunk(
    server: FakeServer,
) -> None:
    server.reset([{"when": {}, "reply": {"content": "a b"}}])
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "x"}],
        "stream": True,
    }
    _, _, v1 = post(server, "/openai/v1/chat/completions", body)
    _, _, models = post(server, "/models/chat/completions", body)
    first = json.loads(v1.decode().split("\n\n")[0][6:])
    assert first["choices"] == [] and "prompt_filter_results" in first
    # the other Azure routes only when asked, so the forward harness is unchanged
    assert json.loads(models.decode().split("\n\n")[0][6:])["choices"]
    assert [r.kind for r in server.requests] == ["chat", "chat"]
    assert server.requests[0].deployment is None
    server.azure_prompt_filter = True
    try:
        _, _, models = post(server, "/models/chat/completions", body)
    finally:
        server.azure_prompt_filter = False
    assert json.loads(models.decode().split("\n\n")[0][6:])["choices"] == []


def test_delayed_reply_is_recorded_before_it_is_sent(server: FakeServer) -> None:
    server.reset([{"when": {}, "reply": {"delay": 1.0}}])
    request = urllib.request.Request(
        server.url + "/openai/v1/chat/completions",
        data=json.dumps({"messages": []}).encode(),
        headers={"Content-Type": "application/json", "api-key": "k"},
        method="POST",
    )
    with pytest.raises(OSError):  # socket.timeout / URLError
        urllib.request.urlopen(request, timeout=0.2)
    assert len(server.requests) == 1


def test_tls(tmp_path) -> None:
    import ssl

    from fakeserver import make_certificate

    cert, key = make_certificate(str(tmp_path))
    with FakeServer(tls=(cert, key)) as secure:
        assert secure.url.startswith("https://127.0.0.1:")
        request = urllib.request.Request(
            secure.url + "/openai/v1/embeddings",
            data=json.dumps({"input": "a", "model": "e"}).encode(),
            headers={"Content-Type": "application/json", "authorization": "Bearer t"},
            method="POST",
        )
        context = ssl.create_default_context(cafile=cert)
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            assert response.status == 200
        with pytest.raises(urllib.error.URLError):  # not trusted by default
            urllib.request.urlopen(
                request, timeout=10, context=ssl.create_default_context()
            )


def test_compare_wire_counts_routes_credentials_and_headers() -> None:
    from request_compare import compare_wire

    body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    azure = Request(
        "chat",
        "/models/chat/completions",
        None,
        "2024-05-01-preview",
        body,
        {
            "api-key": "k",
            "authorization": "Bearer k",
            "x-ms-client-request-id": "1",
            "x-team": "a",
        },
    )
    v1 = Request(
        "chat",
        "/openai/v1/chat/completions",
        None,
        None,
        body,
        {"authorization": "Bearer k", "x-stainless-retry-count": "0", "x-team": "a"},
    )
    assert compare_wire([azure], [v1]) == []
    assert compare_wire([azure], [v1, v1])  # a retry more
    other_key = dataclasses.replace(
        v1, headers={"authorization": "Bearer j", "x-team": "a"}
    )
    assert compare_wire([azure], [other_key])
    no_header = dataclasses.replace(v1, headers={"authorization": "Bearer k"})
    assert compare_wire([azure], [no_header])
    deployment = Request(
        "chat",
        "/openai/deployments/m/chat/completions",
        "m",
        "2024-06-01",
        {"messages": body["messages"]},
        {"api-key": "k", "authorization": "Bearer k", "x-team": "a"},
    )
    assert compare_wire([deployment], [v1]) == []
    embeddings = dataclasses.replace(v1, path="/openai/v1/embeddings")
    assert compare_wire([azure], [embeddings])
