"""Round trip: forward-migrated code (the forward fixtures' reviewed .after.py), migrated
back with `--to openai`, sends the requests the original OpenAI program sent.

For each case the original (.before.py) and the round trip are compared request by
request, statically: the chat.completions.create / embeddings.create calls, in
order, must pass the same keywords with the same values (compared as ASTs, so
layout does not matter).  The model is compared when the round trip names it
literally; where the forward migration moved the deployment into the endpoint URL,
the round trip reads it back at run time (`_deployment(...)`, checked in
test_deployment_helper).  The runtime proof against the local server is in
tests/e2e/test_to_openai_e2e.py.  The reviewed round-trip text is in
fixtures/to_openai/roundtrip/ (checked by test_to_openai_fixtures.py).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
CASES = [
    "v1_clients/azure_key_one_model",
    "v1_clients/async_stream",
    "v1_clients/entra_option",
    "v1_clients/timeout_retries_headers",
    "v1_clients/chat_and_embeddings",
    "v1_chat/stop_penalties_and_stream",
    "v1_chat/n_user_choices",
    "v1_chat/json_object_mode",
    "v1_chat/max_completion_tokens_reasoning",
    "v0_chat/module_key_getenv",
    "embeddings/v1_dimensions",
    "tools/json_schema_and_vision",
    # async clients behind the forward migration's per-event-loop accessor
    "v0_chat/acreate_awaited",
    "v1_clients/async_gather",
    "embeddings/v0_acreate_base64",
]
IGNORED = {"timeout", "extra_headers"}  # transport, compared by the e2e tests


def _requests(source):
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        chain = ast.unparse(node.func)
        if chain.endswith(
            (
                "chat.completions.create",
                "embeddings.create",
                "ChatCompletion.create",
                "Embedding.create",
                "ChatCompletion.acreate",
                "Embedding.acreate",
            )
        ):
            found.append((node.lineno, node))
    return [node for _, node in sorted(found, key=lambda p: p[0])]


def _keywords(call):
    return {k.arg: k.value for k in call.keywords if k.arg not in IGNORED}


def _same(a, b):
    return ast.dump(a) == ast.dump(b)


# Cases the reverse pack cannot bring back yet (strict xfail, with the reason).
ROUND_TRIP_GAPS: dict = {}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=ROUND_TRIP_GAPS[c]))
        if c in ROUND_TRIP_GAPS
        else c
        for c in CASES
    ],
)
def test_forward_then_back_sends_the_same_requests(case):
    original = (ROOT / f"{case}.before.py").read_text()
    forward = (ROOT / f"{case}.after.py").read_text()
    back = migrate_source(forward, Config(target="openai"), case)
    assert back.error is None, back.error
    assert "azure.ai.inference" not in back.code
    assert not back.todos, [t.message for t in back.todos]
    before, after = _requests(original), _requests(back.code)
    assert before and len(before) == len(after)
    for old, new in zip(before, after):
        old_kw, new_kw = _keywords(old), _keywords(new)
        model = new_kw.pop("model")
        old_model = (
            old_kw.pop("model", None)
            or old_kw.pop("engine", None)
            or old_kw.pop("deployment_id", None)
        )
        if isinstance(model, ast.Constant):
            assert old_model is not None and _same(model, old_model)
        else:
            assert (
                isinstance(model, ast.Call) and ast.unparse(model.func) == "_deployment"
            )
        assert sorted(old_kw) == sorted(new_kw)
        for name in old_kw:
            assert _same(old_kw[name], new_kw[name]), (
                name,
                ast.unparse(old_kw[name]),
                ast.unparse(new_kw[name]),
            )


def test_deployment_helper():
    """The generated helpers give the v1 URL and the deployment an endpoint named."""
    from migrate_inference.to_openai.helpers import SOURCES

    namespace = {}
    for source in SOURCES.values():
        exec(source, namespace)
    base, deployment = namespace["_openai_v1_base_url"], namespace["_deployment"]
    url = "https://r.openai.azure.com/openai/deployments/gpt-4o/"
    assert base(url) == "https://r.openai.azure.com/openai/v1/"
    assert deployment(url, "other") == "gpt-4o"
    assert (
        base("https://r.services.ai.azure.com/models")
        == "https://r.services.ai.azure.com/openai/v1/"
    )
    assert deployment("https://r.services.ai.azure.com/models", "phi-4") == "phi-4"
    assert (
        base("http://127.0.0.1:8000/models/?api-version=x")
        == "http://127.0.0.1:8000/openai/v1/"
    )
    with pytest.raises(ValueError):
        deployment("https://r.services.ai.azure.com/models")
