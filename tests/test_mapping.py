"""The mapping table against the installed azure-ai-inference: it cannot drift from the real SDK."""

from __future__ import annotations

import inspect

import pytest
from azure.ai.inference import ChatCompletionsClient, EmbeddingsClient

from migrate_inference import mapping

COMPLETE = inspect.signature(ChatCompletionsClient.complete).parameters
EMBED = inspect.signature(EmbeddingsClient.embed).parameters
FIRST_CLASS = (mapping.KEEP, mapping.STOP, mapping.LIST, mapping.RESPONSE_FORMAT)


def _keyword_only(params, name):
    return name in params and params[name].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize(
    "row",
    [r for r in mapping.CHAT.values() if r.action in FIRST_CLASS],
    ids=lambda r: r.param,
)
def test_first_class_chat_rows_are_keywords_of_complete(row):
    assert _keyword_only(COMPLETE, row.target)


@pytest.mark.parametrize(
    "row",
    [r for r in mapping.CHAT.values() if r.action == mapping.EXTRAS],
    ids=lambda r: r.param,
)
def test_extras_rows_are_not_keywords_of_complete(row):
    # Passing one of these as a keyword reaches requests.Session.request and raises TypeError.
    assert row.param not in COMPLETE


def test_model_and_model_extras_are_keywords():
    assert _keyword_only(COMPLETE, "model")
    assert _keyword_only(COMPLETE, "model_extras")
    assert _keyword_only(EMBED, "model_extras")


@pytest.mark.parametrize(
    "row",
    [
        r
        for r in [
            *mapping.CHAT.values(),
            *mapping.CHAT_V1_OVERRIDES.values(),
            *mapping.EMBEDDINGS.values(),
            *mapping.EMBEDDINGS_V1_OVERRIDES.values(),
            *mapping.WITH_OPTIONS.values(),
        ]
        if r.action in (mapping.RENAME, mapping.PIPELINE)
    ],
    ids=lambda r: r.param,
)
def test_pipeline_targets_are_consumed_by_azure_core(row):
    assert row.target in mapping.PIPELINE_KEYWORDS
    assert row.target not in COMPLETE  # they travel through **kwargs to the pipeline


def test_pipeline_keywords_really_work_per_call():
    """Each pipeline keyword the table writes is accepted by a real call (no TypeError)."""
    from azure.core.credentials import AzureKeyCredential
    from azure.core.pipeline.transport import HttpTransport

    class Transport(HttpTransport):
        def __init__(self):
            self.requests = []

        def __enter__(self):
            return self

        def __exit__(self, *args):
            pass

        def close(self):
            pass

        def open(self):
            pass

        def send(self, request, **kwargs):
            self.requests.append((request, kwargs))
            raise RuntimeError("stop here")

    transport = Transport()
    client = ChatCompletionsClient(
        "https://example.invalid",
        AzureKeyCredential("k"),
        transport=transport,
        retry_total=0,
    )
    with pytest.raises(RuntimeError, match="stop here"):
        client.complete(
            messages=[{"role": "user", "content": "hi"}],
            headers={"x-test": "1"},
            read_timeout=5,
            connection_timeout=5,
            request_id="abc",
            params={"q": "1"},
            model_extras={"n": 2},
        )
    request, _ = transport.requests[0]
    assert request.headers["x-test"] == "1"
    assert request.headers["x-ms-client-request-id"] == "abc"
    assert request.headers["extra-parameters"] == "pass-through"


@pytest.mark.parametrize(
    "row",
    [r for r in mapping.EMBEDDINGS.values() if r.action in FIRST_CLASS],
    ids=lambda r: r.param,
)
def test_first_class_embedding_rows_are_keywords_of_embed(row):
    assert _keyword_only(EMBED, row.target)


def test_every_documented_v1_chat_parameter_has_a_row():
    v1 = (
        "messages model audio frequency_penalty function_call functions logit_bias logprobs "
        "max_completion_tokens max_tokens metadata modalities n parallel_tool_calls prediction "
        "presence_penalty prompt_cache_key reasoning_effort response_format safety_identifier seed "
        "service_tier stop store stream stream_options temperature tool_choice tools top_logprobs "
        "top_p user verbosity web_search_options extra_headers extra_query extra_body timeout"
    ).split()
    missing = [p for p in v1 if mapping.chat_row(p, "v1") is None]
    assert not missing
