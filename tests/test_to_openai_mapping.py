"""The reverse mapping table against both installed SDKs: it cannot drift from either.

Every keyword the table *consumes* must be one the installed azure-ai-inference
takes: a parameter of the signature, or a keyword its generated configuration or
azure-core's pipeline reads out of ``**kwargs`` (found in their source).  Every
keyword it *emits* must be a parameter of the installed openai's
``chat.completions.create`` / ``embeddings.create`` (sync and async) or of the
``OpenAI``/``AsyncOpenAI`` constructors.  ``test_a_bogus_keyword_is_caught`` shows
the checks fail on a row that names a keyword the SDKs do not have.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Dict, Iterable, List

import openai
import pytest
from azure.ai.inference import ChatCompletionsClient, EmbeddingsClient
from azure.ai.inference import aio as inference_aio
from openai.resources.chat.completions import AsyncCompletions, Completions
from openai.resources.embeddings import AsyncEmbeddings, Embeddings

import azure.ai.inference
import azure.core
from migrate_inference.to_openai import mapping, names
from migrate_inference.to_openai.mapping import Row


def _params(*functions) -> List[Dict[str, inspect.Parameter]]:
    return [dict(inspect.signature(f).parameters) for f in functions]


def _named(params: Dict[str, inspect.Parameter]) -> set:
    return {
        name
        for name, p in params.items()
        if name != "self" and p.kind is not inspect.Parameter.VAR_KEYWORD
    }


def _common(*functions) -> set:
    sets = [_named(p) for p in _params(*functions)]
    return set.intersection(*sets)


CHAT_CREATE = _common(Completions.create, AsyncCompletions.create)
EMBEDDINGS_CREATE = _common(Embeddings.create, AsyncEmbeddings.create)
OPENAI_CLIENT = _common(openai.OpenAI.__init__, openai.AsyncOpenAI.__init__)

COMPLETE = _common(
    ChatCompletionsClient.complete, inference_aio.ChatCompletionsClient.complete
)
EMBED = _common(EmbeddingsClient.embed, inference_aio.EmbeddingsClient.embed)
CHAT_CONSTRUCTOR = _common(
    ChatCompletionsClient.__init__, inference_aio.ChatCompletionsClient.__init__
)
EMBEDDINGS_CONSTRUCTOR = _common(
    EmbeddingsClient.__init__, inference_aio.EmbeddingsClient.__init__
)


def _sources(package) -> str:
    root = Path(package.__file__).parent
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py")))


# Keywords that travel through **kwargs: read by azure-ai-inference's generated
# configuration (api_version, credential_scopes) or by azure-core's policies and
# transports (headers, retry_total, read_timeout, ...).
_KWARGS_SOURCE = _sources(azure.ai.inference) + _sources(azure.core)


def _policy_parameters() -> set:
    """Named parameters of azure-core's policies, which the configuration builds with **kwargs."""
    from azure.core.pipeline import policies

    found = set()
    for name in dir(policies):
        cls = getattr(policies, name)
        if isinstance(cls, type) and name.endswith("Policy"):
            found |= _named(dict(inspect.signature(cls.__init__).parameters))
    return found - {"args", "kwargs"}


_POLICY_PARAMETERS = _policy_parameters()


def consumed_from_kwargs(keyword: str) -> bool:
    return keyword in _POLICY_PARAMETERS or bool(
        re.search(
            r"""(?:kwargs|options|config)\.(?:get|pop)\(\s*["']%s["']"""
            % re.escape(keyword),
            _KWARGS_SOURCE,
        )
    )


def unknown_sources(rows: Iterable[Row], signature: set) -> List[str]:
    """Source keywords neither in the azure-ai-inference signature nor read from its **kwargs."""
    return [
        r.param
        for r in rows
        if r.param not in signature and not consumed_from_kwargs(r.param)
    ]


def unknown_targets(rows: Iterable[Row], signature: set) -> List[str]:
    """Emitted keywords the installed openai does not take."""
    return [r.target for r in rows if r.target and r.target not in signature]


TABLES = {
    "chat": (mapping.CHAT, COMPLETE, CHAT_CREATE),
    "embeddings": (mapping.EMBEDDINGS, EMBED, EMBEDDINGS_CREATE),
}


@pytest.mark.parametrize("api", sorted(TABLES))
def test_every_consumed_keyword_exists_in_azure_ai_inference(api):
    rows, signature, _ = TABLES[api]
    assert unknown_sources(rows.values(), signature) == []


@pytest.mark.parametrize("api", sorted(TABLES))
def test_every_emitted_keyword_exists_in_openai(api):
    rows, _, signature = TABLES[api]
    assert unknown_targets(rows.values(), signature) == []


@pytest.mark.parametrize("api", sorted(TABLES))
def test_every_keyword_of_the_call_has_a_row(api):
    rows, signature, _ = TABLES[api]
    assert sorted(signature - set(rows)) == []


def test_client_rows_against_both_constructors():
    for constructor in (CHAT_CONSTRUCTOR, EMBEDDINGS_CONSTRUCTOR):
        assert unknown_sources(mapping.CLIENT.values(), constructor) == []
    assert unknown_targets(mapping.CLIENT.values(), OPENAI_CLIENT) == []


def test_request_defaults_are_constructor_keywords():
    """The client-level defaults the pack copies into calls really are constructor keywords."""
    assert sorted(set(mapping.CHAT_REQUEST) - CHAT_CONSTRUCTOR) == ["messages"]
    assert "messages" in COMPLETE  # a request keyword only; the row maps it in calls
    assert sorted(set(mapping.EMBEDDINGS_REQUEST) - EMBEDDINGS_CONSTRUCTOR) == []
    assert unknown_targets(mapping.CHAT_REQUEST.values(), CHAT_CREATE) == []
    assert unknown_targets(mapping.EMBEDDINGS_REQUEST.values(), EMBEDDINGS_CREATE) == []


def test_model_extras_keywords_are_create_keywords():
    assert sorted(set(mapping.MODEL_EXTRAS_KEYWORDS) - CHAT_CREATE) == []
    assert sorted(set(mapping.EMBEDDINGS_EXTRAS_KEYWORDS) - EMBEDDINGS_CREATE) == []
    # and none of them is a first-class keyword of complete(): that is why they were extras
    assert sorted(set(mapping.MODEL_EXTRAS_KEYWORDS) & COMPLETE) == []


def test_keywords_the_pack_writes_besides_the_table():
    """extra_body (model_extras' rest) and the retries default on the clients."""
    assert "extra_body" in CHAT_CREATE and "extra_body" in EMBEDDINGS_CREATE
    assert {"base_url", "api_key", "max_retries", "timeout"} <= OPENAI_CLIENT
    assert hasattr(openai, "Timeout")


def test_exceptions_exist_on_both_sides():
    import azure.core.exceptions as azure_exceptions

    for azure_name, openai_name in names.EXCEPTIONS.items():
        assert isinstance(getattr(azure_exceptions, azure_name), type), azure_name
        assert issubclass(getattr(openai, openai_name), openai.OpenAIError), openai_name


def test_enum_members_equal_their_strings():
    from azure.ai.inference import models

    for enum, members in names.ENUMS.items():
        for member, value in members.items():
            assert getattr(getattr(models, enum), member) == value, (enum, member)


def test_model_classes_take_the_fields_the_pack_reads():
    from azure.ai.inference import models

    for cls, (_, _, keywords) in names.MODEL_DICTS.items():
        params = {
            name
            for klass in getattr(models, cls).__mro__
            for name, value in vars(klass).items()
            if type(value).__name__ == "_RestField"
        }
        assert sorted(set(keywords) - params) == [], cls


def test_a_bogus_keyword_is_caught():
    bogus_target = Row("temperature", mapping.RENAME, "temprature")
    assert unknown_targets([bogus_target], CHAT_CREATE) == ["temprature"]
    assert unknown_targets([Row("headers", mapping.RENAME, "headers")], OPENAI_CLIENT) == [
        "headers"
    ]
    bogus_source = Row("max_completion_tokens", mapping.KEEP, "max_completion_tokens")
    assert unknown_sources([bogus_source], COMPLETE) == ["max_completion_tokens"]
    assert not consumed_from_kwargs("retry_totl")
    assert consumed_from_kwargs("retry_total")
