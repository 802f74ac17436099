"""Where each azure-ai-inference keyword goes in the openai SDK, as data.

Three tables: keywords of ``ChatCompletionsClient.complete``, of
``EmbeddingsClient.embed``, and of the clients' constructors.  Each row says what
the rule pack does with the keyword; ``tests/test_to_openai_mapping.py`` holds the
targets against ``inspect.signature`` of the installed openai
``Completions.create``, ``Embeddings.create`` and ``OpenAI.__init__``, and the
sources against the installed azure-ai-inference, so the table cannot drift from
either SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

KEEP = "keep"  # same keyword, same value
RENAME = "rename"  # same value under another keyword
MODEL = "model"  # model=: required by openai; from the call, the client or the endpoint
MESSAGES = "messages"  # message classes become dicts (MI520)
RESPONSE_FORMAT = "response_format"  # "json_object" / JsonSchemaFormat -> dicts (MI530)
TOOLS = "tools"  # ChatCompletionsToolDefinition -> dicts (MI530)
TOOL_CHOICE = "tool_choice"  # presets -> strings, named choice -> dict (MI530)
STREAM = "stream"  # kept; the loop over the stream gets the empty-choices guard (MI540)
EXTRAS = "extras"  # model_extras: first-class keywords, else extra_body
TIMEOUT = "timeout"  # read_timeout/connection_timeout -> timeout=
ENCODING = "encoding"  # embeddings encoding_format: float/base64 kept, others TODO
ENDPOINT = "endpoint"  # base_url= from the endpoint (MI500)
CREDENTIAL = "credential"  # api_key= from the key or a bearer token provider (MI500)
SCOPES = "scopes"  # credential_scopes: the token provider's scopes (MI500)
DEFAULT = "default"  # client-level request default: copied into every call
DROP = "drop"  # means nothing on /openai/v1/ (api_version)
RETRIES = "retries"  # retry_total -> max_retries (azure-core's default is 10 retries)
BODY = "body"  # a literal body dict: its keys become the call's keywords
TODO = "todo"  # no equivalent: the component is left with a TODO

ACTIONS = (
    KEEP,
    RENAME,
    MODEL,
    MESSAGES,
    RESPONSE_FORMAT,
    TOOLS,
    TOOL_CHOICE,
    STREAM,
    EXTRAS,
    TIMEOUT,
    ENCODING,
    ENDPOINT,
    CREDENTIAL,
    SCOPES,
    DEFAULT,
    DROP,
    RETRIES,
    BODY,
    TODO,
)


@dataclass(frozen=True)
class Row:
    param: str
    action: str
    target: Optional[str] = None
    note: str = ""


def _table(*rows: Row) -> Dict[str, Row]:
    return {row.param: row for row in rows}


# Request keywords both complete() and the chat client's constructor take (the
# constructor's value is a default for every call: openai has no client-level
# defaults, so the pack copies it into each call that does not set it).
_SAME = "same keyword and value"
CHAT_REQUEST = _table(
    Row(
        "messages",
        MESSAGES,
        "messages",
        "message classes and content items become dicts",
    ),
    Row(
        "model",
        MODEL,
        "model",
        "required on every call: from the call, the client, or the deployment in the endpoint URL",
    ),
    Row("frequency_penalty", KEEP, "frequency_penalty", _SAME),
    Row("presence_penalty", KEEP, "presence_penalty", _SAME),
    Row("temperature", KEEP, "temperature", _SAME),
    Row("top_p", KEEP, "top_p", _SAME),
    Row("max_tokens", KEEP, "max_tokens", _SAME),
    Row("seed", KEEP, "seed", _SAME),
    Row("stop", KEEP, "stop", _SAME),
    Row(
        "response_format",
        RESPONSE_FORMAT,
        "response_format",
        '"json_object"/"text" -> {"type": ...}; JsonSchemaFormat(...) -> {"type": "json_schema", "json_schema": {...}}',
    ),
    Row(
        "tools",
        TOOLS,
        "tools",
        'ChatCompletionsToolDefinition(function=FunctionDefinition(...)) -> {"type": "function", "function": {...}}',
    ),
    Row(
        "tool_choice",
        TOOL_CHOICE,
        "tool_choice",
        'presets -> "auto"/"none"/"required"; ChatCompletionsNamedToolChoice -> {"type": "function", "function": {"name": ...}}',
    ),
    Row(
        "model_extras",
        EXTRAS,
        "extra_body",
        "keys openai takes as keywords become keywords (table MODEL_EXTRAS_KEYWORDS), the rest stay in extra_body={...} (merged into the JSON body, as model_extras was)",
    ),
)

CHAT = {
    **CHAT_REQUEST,
    **_table(
        Row(
            "stream",
            STREAM,
            "stream",
            "kept; every loop over the stream skips chunks with neither choices nor usage, as azure-ai-inference did (Azure's first chunk has choices == [])",
        ),
        Row("headers", RENAME, "extra_headers", "per-call headers"),
        Row("params", RENAME, "extra_query", "per-call query parameters"),
        Row(
            "read_timeout",
            TIMEOUT,
            "timeout",
            "timeout=<read_timeout>, or Timeout(<read>, connect=<connection>)",
        ),
        Row(
            "connection_timeout",
            TIMEOUT,
            "timeout",
            "Timeout(<read_timeout or 300>, connect=<connection_timeout>)",
        ),
        Row(
            "body",
            BODY,
            None,
            "complete({...}) / complete(body={...}) with a literal dict: first-class keys become keywords, the others go the way of model_extras (keyword or extra_body); no client-level default is added (azure-ai-inference sends a body as written). Any other body: TODO",
        ),
        Row(
            "retry_total",
            TODO,
            None,
            "per-call retries: client.with_options(max_retries=N).chat.completions.create(...)",
        ),
        Row(
            "raw_response_hook",
            TODO,
            None,
            "use client.chat.completions.with_raw_response.create(...) (.headers, .parse())",
        ),
        Row(
            "logging_enable",
            TODO,
            None,
            "openai logs through logging.getLogger('openai') / OPENAI_LOG=debug",
        ),
    ),
}

EMBEDDINGS_REQUEST = _table(
    Row(
        "model",
        MODEL,
        "model",
        "required on every call: from the call, the client, or the deployment in the endpoint URL",
    ),
    Row("dimensions", KEEP, "dimensions", _SAME),
    Row(
        "encoding_format",
        ENCODING,
        "encoding_format",
        '"float" and "base64" kept; binary/int8/ubinary/uint8 have no openai equivalent: TODO',
    ),
    Row(
        "input_type",
        TODO,
        None,
        "openai's embeddings.create has no input_type (query/document/text); whether the service takes it in extra_body is unknown: decide by hand",
    ),
    Row(
        "model_extras",
        EXTRAS,
        "extra_body",
        "keys openai takes as keywords become keywords, the rest stay in extra_body={...}",
    ),
)

EMBEDDINGS = {
    **EMBEDDINGS_REQUEST,
    **_table(
        Row("input", KEEP, "input", "a list of strings, as before"),
        Row("headers", RENAME, "extra_headers", "per-call headers"),
        Row("params", RENAME, "extra_query", "per-call query parameters"),
        Row(
            "read_timeout",
            TIMEOUT,
            "timeout",
            "timeout=<read_timeout>, or Timeout(<read>, connect=<connection>)",
        ),
        Row(
            "connection_timeout",
            TIMEOUT,
            "timeout",
            "Timeout(<read_timeout or 300>, connect=<connection_timeout>)",
        ),
        Row(
            "body",
            BODY,
            None,
            "embed({...}) / embed(body={...}) with a literal dict: as for complete(); any other body: TODO",
        ),
        Row(
            "retry_total",
            TODO,
            None,
            "per-call retries: client.with_options(max_retries=N).embeddings.create(...)",
        ),
        Row(
            "raw_response_hook",
            TODO,
            None,
            "use client.embeddings.with_raw_response.create(...)",
        ),
        Row(
            "logging_enable",
            TODO,
            None,
            "openai logs through logging.getLogger('openai') / OPENAI_LOG=debug",
        ),
    ),
}

# Constructor keywords (both clients, sync and aio).  Request defaults
# (CHAT_REQUEST / EMBEDDINGS_REQUEST keys) are copied into the calls.
CLIENT = _table(
    Row(
        "endpoint",
        ENDPOINT,
        "base_url",
        ".../models or .../openai/deployments/<dep> -> <scheme>://<host>/openai/v1/ (the host is kept)",
    ),
    Row(
        "credential",
        CREDENTIAL,
        "api_key",
        "AzureKeyCredential(k) -> k; a token credential -> get_bearer_token_provider(cred, scope) (azure.identity.aio's for AsyncOpenAI)",
    ),
    Row(
        "credential_scopes",
        SCOPES,
        None,
        "the token provider's scopes (kept as the user wrote them)",
    ),
    Row("api_version", DROP, None, "the v1 API takes no api-version"),
    Row("headers", RENAME, "default_headers", "client-level headers"),
    Row(
        "retry_total",
        RETRIES,
        "max_retries",
        "kept; when absent, max_retries=10 (azure-core retries 10 times by default, openai twice)",
    ),
    Row(
        "read_timeout",
        TIMEOUT,
        "timeout",
        "timeout=<read_timeout>, or Timeout(<read>, connect=<connection>)",
    ),
    Row(
        "connection_timeout",
        TIMEOUT,
        "timeout",
        "Timeout(<read_timeout or 300>, connect=<connection_timeout>)",
    ),
    Row(
        "user_agent",
        TODO,
        None,
        "azure-core prepends it to its User-Agent: set default_headers={'User-Agent': ...} by hand",
    ),
    Row(
        "logging_enable",
        TODO,
        None,
        "openai logs through logging.getLogger('openai') / OPENAI_LOG=debug",
    ),
    Row(
        "transport",
        TODO,
        None,
        "openai takes an http_client= (httpx; httpx2 from openai 3.0)",
    ),
    Row("proxies", TODO, None, "openai takes an http_client= with its proxy settings"),
    Row("connection_verify", TODO, None, "openai takes an http_client= with verify="),
    Row("raw_response_hook", TODO, None, "use .with_raw_response.create(...) per call"),
)

# model_extras keys that openai's create() takes as keywords.  Any other key stays
# in extra_body (the test holds this list against the installed openai).
MODEL_EXTRAS_KEYWORDS: Tuple[str, ...] = (
    "audio",
    "logit_bias",
    "logprobs",
    "max_completion_tokens",
    "metadata",
    "modalities",
    "n",
    "parallel_tool_calls",
    "prediction",
    "prompt_cache_key",
    "reasoning_effort",
    "safety_identifier",
    "service_tier",
    "store",
    "stream_options",
    "top_logprobs",
    "user",
    "verbosity",
    "web_search_options",
)
EMBEDDINGS_EXTRAS_KEYWORDS: Tuple[str, ...] = ("user",)

# azure-core's RetryPolicy default (retry_total=10); openai's default is 2.
AZURE_CORE_DEFAULT_RETRIES = 10
# azure-ai-inference's default token scope when credential_scopes is not given is
# https://ml.azure.com/.default, which Azure OpenAI does not accept.
AZURE_OPENAI_SCOPE = "https://cognitiveservices.azure.com/.default"
AZURE_INFERENCE_DEFAULT_SCOPE = "https://ml.azure.com/.default"
MIN_OPENAI = ">=1.106"  # callable api_key (token providers) arrived in openai 1.106.0
