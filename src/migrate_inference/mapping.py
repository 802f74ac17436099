"""The parameter-mapping table, as data.

One row per OpenAI request parameter: where it goes in azure-ai-inference.  The
rules apply it with small code (`rules/params_code.py`); `tests/test_mapping.py`
holds every row against the installed SDK's signatures, and `docs/mapping.md`
is generated from it (`python -m migrate_inference.docgen`), so the three cannot
drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

# Actions
KEEP = "keep"  # first-class keyword of complete()/embed(): passed through as it is
STOP = "stop"  # first-class, but a bare string becomes a one-item list
LIST = (
    "list"  # first-class, and a bare string becomes a one-item list (embeddings input)
)
RESPONSE_FORMAT = "response_format"  # first-class after rewriting the OpenAI dict form
MODEL = "model"  # names the model: into the endpoint (deployment style) or model= (models style)
DEPLOYMENT = "deployment"  # Azure v0 engine=/deployment_id=: always names a deployment
EXTRAS = "model_extras"  # not a keyword of complete(): sent in model_extras={...}
RENAME = "rename"  # a keyword azure-core's pipeline takes under another name
PIPELINE = "pipeline"  # a keyword azure-core's pipeline takes under the same name
CLIENT = "client"  # configures the client, not the request
DROP = "drop"  # no equivalent and no effect worth keeping: removed, with a note
MERGE_EXTRAS = "merge_extras"  # a dict merged into model_extras
TODO = "todo"  # no safe automatic equivalent: left for a person


@dataclass(frozen=True)
class Row:
    param: str
    action: str
    target: Optional[str] = None
    note: str = ""
    api: str = "v0+v1"  # which OpenAI SDK generation has the parameter


def _rows(*rows: Row) -> Dict[str, Row]:
    return {row.param: row for row in rows}


_FIRST_CLASS_NOTE = "first-class keyword of complete()"
_EXTRAS_NOTE = (
    "not a keyword of complete() (passing it raises TypeError): sent in model_extras"
)

# Rows that chat and embeddings calls share (same parameter, same destination).
_MODEL = Row(
    "model", MODEL, "model", "deployment style: into the endpoint; models style: model="
)
_ENGINE = Row(
    "engine",
    DEPLOYMENT,
    "model",
    "Azure deployment: into the endpoint (models style: model=)",
    api="v0",
)
_DEPLOYMENT_ID = Row(
    "deployment_id",
    DEPLOYMENT,
    "model",
    "Azure deployment: into the endpoint (models style: model=)",
    api="v0",
)
_EXTRA_BODY = Row(
    "extra_body", MERGE_EXTRAS, None, "its keys are merged into model_extras", api="v1"
)
_EXTRA_HEADERS = Row(
    "extra_headers", RENAME, "headers", "azure-core sends extra headers", api="v1"
)
_EXTRA_QUERY = Row(
    "extra_query", RENAME, "params", "azure-core adds query parameters", api="v1"
)
_REQUEST_TIMEOUT = Row(
    "request_timeout",
    RENAME,
    "read_timeout",
    "the HTTP timeout is azure-core's read_timeout",
    api="v0",
)
_V0_TIMEOUT = Row(
    "timeout",
    DROP,
    None,
    "v0 timeout is the TryAgain polling budget; azure-core's timeout= means something else, so it is dropped",
    api="v0",
)
_CLIENT_ROWS = (
    Row(
        "api_key",
        CLIENT,
        "credential",
        "builds the client's AzureKeyCredential",
        api="v0",
    ),
    Row("api_base", CLIENT, "endpoint", "builds the client's endpoint", api="v0"),
    Row(
        "api_type",
        CLIENT,
        None,
        "decides whether api_base is an Azure resource",
        api="v0",
    ),
    Row("api_version", CLIENT, "api_version", "the client's api_version", api="v0"),
)

CHAT: Dict[str, Row] = _rows(
    Row(
        "messages",
        KEEP,
        "messages",
        "always written as a keyword (a positional list would be sent as the body)",
    ),
    Row("temperature", KEEP, "temperature", _FIRST_CLASS_NOTE),
    Row("top_p", KEEP, "top_p", _FIRST_CLASS_NOTE),
    Row("presence_penalty", KEEP, "presence_penalty", _FIRST_CLASS_NOTE),
    Row("frequency_penalty", KEEP, "frequency_penalty", _FIRST_CLASS_NOTE),
    Row("max_tokens", KEEP, "max_tokens", _FIRST_CLASS_NOTE),
    Row("seed", KEEP, "seed", _FIRST_CLASS_NOTE),
    Row("stream", KEEP, "stream", _FIRST_CLASS_NOTE),
    Row(
        "tools",
        KEEP,
        "tools",
        "first-class; OpenAI-style dicts are accepted as they are",
    ),
    Row(
        "tool_choice",
        KEEP,
        "tool_choice",
        "first-class; strings and dicts are accepted as they are",
    ),
    Row("stop", STOP, "stop", "first-class; a string becomes a one-item list"),
    Row(
        "response_format",
        RESPONSE_FORMAT,
        "response_format",
        'first-class; {"type": "json_object"} becomes "json_object", {"type": "text"} becomes "text"; '
        "other forms get a TODO (dicts raise ValueError in the SDK)",
    ),
    _MODEL,
    _ENGINE,
    _DEPLOYMENT_ID,
    Row("n", EXTRAS, None, _EXTRAS_NOTE),
    Row("logit_bias", EXTRAS, None, _EXTRAS_NOTE),
    Row("user", EXTRAS, None, _EXTRAS_NOTE),
    Row("logprobs", EXTRAS, None, _EXTRAS_NOTE),
    Row("top_logprobs", EXTRAS, None, _EXTRAS_NOTE),
    Row(
        "max_completion_tokens",
        EXTRAS,
        None,
        _EXTRAS_NOTE
        + "; not turned into max_tokens (reasoning models reject max_tokens)",
        api="v1",
    ),
    Row("stream_options", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("parallel_tool_calls", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("reasoning_effort", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("modalities", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("audio", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("store", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("metadata", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("prediction", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("service_tier", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("verbosity", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("web_search_options", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("safety_identifier", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row("prompt_cache_key", EXTRAS, None, _EXTRAS_NOTE, api="v1"),
    Row(
        "functions",
        EXTRAS,
        None,
        "legacy function calling: sent in model_extras, with a TODO to convert to tools=",
    ),
    Row(
        "function_call",
        EXTRAS,
        None,
        "legacy function calling: sent in model_extras, with a TODO to convert to tool_choice=",
    ),
    _EXTRA_BODY,
    _REQUEST_TIMEOUT,
    _V0_TIMEOUT,
    Row("headers", PIPELINE, "headers", "azure-core sends extra headers", api="v0"),
    _EXTRA_HEADERS,
    _EXTRA_QUERY,
    Row(
        "request_id", PIPELINE, "request_id", "sent as x-ms-client-request-id", api="v0"
    ),
    *_CLIENT_ROWS,
    Row(
        "organization",
        TODO,
        None,
        "send an OpenAI-Organization header only if the endpoint needs it",
        api="v0",
    ),
)

# v1's per-call timeout is an HTTP timeout, unlike v0's.
_V1_TIMEOUT = Row(
    "timeout",
    RENAME,
    "read_timeout",
    "the HTTP timeout is azure-core's read_timeout",
    api="v1",
)
CHAT_V1_OVERRIDES: Dict[str, Row] = _rows(_V1_TIMEOUT)

EMBEDDINGS: Dict[str, Row] = _rows(
    Row("input", LIST, "input", "a literal string becomes a one-item list"),
    Row("dimensions", KEEP, "dimensions", "first-class keyword of embed()"),
    Row(
        "encoding_format",
        KEEP,
        "encoding_format",
        "first-class; base64 is no longer decoded for you (TODO)",
    ),
    _MODEL,
    _ENGINE,
    _DEPLOYMENT_ID,
    Row("user", EXTRAS, None, "not a keyword of embed(): sent in model_extras"),
    _EXTRA_BODY,
    _EXTRA_HEADERS,
    _EXTRA_QUERY,
    _REQUEST_TIMEOUT,
    _V0_TIMEOUT,
    *_CLIENT_ROWS,
)

# v1's per-call timeout on embeddings.create is the same HTTP timeout as on chat.
EMBEDDINGS_V1_OVERRIDES: Dict[str, Row] = _rows(_V1_TIMEOUT)

# Module-level v0 configuration (`openai.<attr> = value`).
MODULE_CONFIG: Dict[str, Row] = _rows(
    Row(
        "api_key",
        CLIENT,
        "credential",
        "AzureKeyCredential(<value>); the expression is kept",
        api="v0",
    ),
    Row(
        "api_base",
        CLIENT,
        "endpoint",
        "the Azure resource for api_type azure; otherwise replaced by the endpoint variable",
        api="v0",
    ),
    Row("base_url", CLIENT, "endpoint", "v1 module client: like api_base", api="v1"),
    Row(
        "api_type",
        CLIENT,
        None,
        '"azure"/"azure_ad" mark api_base as an Azure OpenAI resource',
        api="v0",
    ),
    Row("api_version", CLIENT, "api_version", "the client's api_version", api="v0"),
    Row(
        "organization",
        TODO,
        None,
        "no equivalent in azure-ai-inference; send an OpenAI-Organization header only if the endpoint needs it",
        api="v0",
    ),
    Row("proxy", TODO, None, 'use proxies={"https": ...} on the client', api="v0"),
    Row("app_info", TODO, None, "use user_agent= on the client", api="v0"),
    Row("log", TODO, None, "use logging_enable=True and Python logging", api="v0"),
    Row("debug", TODO, None, "use logging_enable=True and Python logging", api="v0"),
    Row(
        "requestssession",
        TODO,
        None,
        "use transport=RequestsTransport(session=...)",
        api="v0",
    ),
    Row(
        "aiosession",
        TODO,
        None,
        "use transport=AioHttpTransport(session=...)",
        api="v0",
    ),
    Row(
        "api_key_path",
        TODO,
        None,
        "read the key file yourself and pass the key",
        api="v0",
    ),
    # The v1 module client (`openai.chat.completions.create` after `openai.api_key = ...`)
    # reads these; v0 calls ignore them.
    Row(
        "max_retries",
        CLIENT,
        "retry_total",
        "v1 module client: carried as retry_total (a literal or module-level name)",
        api="v1",
    ),
    Row(
        "timeout",
        CLIENT,
        "read_timeout",
        "v1 module client: a number is carried as read_timeout; anything else keeps the calls on OpenAI",
        api="v1",
    ),
    Row(
        "default_headers",
        CLIENT,
        "headers",
        "v1 module client: carried as headers= on the client",
        api="v1",
    ),
    Row(
        "default_query",
        TODO,
        None,
        "azure-core has no client-wide query parameters, so the calls stay on OpenAI (pass params= on each call by hand)",
        api="v1",
    ),
    Row(
        "http_client",
        TODO,
        None,
        "a custom httpx client has no azure-core equivalent, so the calls stay on OpenAI (an azure-core transport= is the nearest)",
        api="v1",
    ),
    Row(
        "azure_endpoint",
        TODO,
        None,
        "the module client talks to Azure OpenAI, so the calls stay on OpenAI; build a ChatCompletionsClient for the deployment by hand",
        api="v1",
    ),
    Row(
        "azure_ad_token",
        TODO,
        None,
        "an Entra token for the module client, so the calls stay on OpenAI; use DefaultAzureCredential() on a ChatCompletionsClient by hand",
        api="v1",
    ),
    Row(
        "azure_ad_token_provider",
        TODO,
        None,
        "an Entra token for the module client, so the calls stay on OpenAI; use DefaultAzureCredential() on a ChatCompletionsClient by hand",
        api="v1",
    ),
)

# v1 module-client options carried onto the Azure client, and those that keep its calls on OpenAI.
MODULE_CLIENT_OPTIONS = {"max_retries": "retry_total", "timeout": "read_timeout", "default_headers": "headers"}
MODULE_CLIENT_BLOCKING = ("default_query", "http_client", "azure_endpoint", "azure_ad_token", "azure_ad_token_provider")

# Options of the client the original built (v1 `OpenAI(...)`, v0's module) that set how
# many requests one call may send.  azure-core's RetryPolicy retries a POST on 500/503/504
# and on any status >= 400 that carries Retry-After, up to retry_total times (default 10,
# at most 3 for statuses); `retry_total=0` sends one request.
CLIENT_RETRIES: Dict[str, Row] = _rows(
    Row(
        "max_retries",
        RENAME,
        "retry_total",
        "v1 `OpenAI(max_retries=N)`: `retry_total=N`; without it `retry_total=2`, OpenAI's default, so a "
        "failing call sends as many requests as before (azure-core would retry 3 times). OpenAI also "
        "retried 408, 409, 502, a 429 without Retry-After and a timed-out request, which azure-core does not "
        "retry on a POST",
        api="v1",
    ),
    Row(
        "(none)",
        CLIENT,
        "retry_total",
        "v0 never retried an HTTP status (only connection errors): every client gets `retry_total=0`",
        api="v0",
    ),
)

# `client.with_options(<option>=...).chat.completions.create(...)`: one call's options.
WITH_OPTIONS: Dict[str, Row] = _rows(
    Row("timeout", RENAME, "read_timeout", "a number: azure-core's per-call read_timeout", api="v1"),
    Row("max_retries", RENAME, "retry_total", "azure-core's per-call retry budget", api="v1"),
    Row("default_headers", RENAME, "headers", "sent with that call only", api="v1"),
    Row("default_query", RENAME, "params", "added to that call's query", api="v1"),
    Row(
        "(any other option)",
        TODO,
        None,
        "api_key, base_url, organization, http_client...: no per-call equivalent; the call stays on OpenAI",
        api="v1",
    ),
)

# Keywords of complete()/embed() that azure-core's pipeline consumes (not in the signature).
PIPELINE_KEYWORDS = frozenset(
    {
        "headers",
        "read_timeout",
        "connection_timeout",
        "request_id",
        "retry_total",
        "params",
        "raw_response_hook",
    }
)


def chat_row(param: str, api: str = "v0") -> Optional[Row]:
    if api == "v1" and param in CHAT_V1_OVERRIDES:
        return CHAT_V1_OVERRIDES[param]
    return CHAT.get(param)


def embeddings_row(param: str, api: str = "v0") -> Optional[Row]:
    if api == "v1" and param in EMBEDDINGS_V1_OVERRIDES:
        return EMBEDDINGS_V1_OVERRIDES[param]
    return EMBEDDINGS.get(param)
