"""The reverse pack's rule codes (MI5xx), registered like the forward ones.

`--list-rules`, `--explain`, `--select`/`--ignore`, `# migrate-inference: ignore[...]`
and SARIF all read `REVERSE_RULES`; `docs/to-openai.md` has one section per rule.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

from migrate_inference.rules import RuleInfo

CLIENTS = "MI500"
CHAT = "MI510"
MESSAGES = "MI520"
REQUEST_MODELS = "MI530"
RESPONSES = "MI540"
EMBEDDINGS = "MI550"
ERRORS = "MI560"
NO_EQUIVALENT = "MI590"
DEPENDENCIES = "MI580"

# Codes are stable: never renumber, only add.
REVERSE_RULES: List[RuleInfo] = [
    RuleInfo(
        "openai_clients",
        CLIENTS,
        "--to openai: ChatCompletionsClient/EmbeddingsClient (sync and aio) to OpenAI/AsyncOpenAI on the endpoint's /openai/v1/ URL",
    ),
    RuleInfo(
        "openai_chat",
        CHAT,
        "--to openai: <client>.complete to <client>.chat.completions.create (model= on every call, client defaults copied, model_extras to keywords or extra_body)",
    ),
    RuleInfo(
        "openai_messages",
        MESSAGES,
        "--to openai: SystemMessage/UserMessage/AssistantMessage/ToolMessage/DeveloperMessage and content items to dicts",
    ),
    RuleInfo(
        "openai_request_models",
        REQUEST_MODELS,
        "--to openai: JsonSchemaFormat, tool definitions, tool choices and enum members to dicts and strings",
    ),
    RuleInfo(
        "openai_responses",
        RESPONSES,
        "--to openai: response reads (mapping access, .get, as_dict, created) and the guard every stream loop needs",
    ),
    RuleInfo(
        "openai_embeddings",
        EMBEDDINGS,
        "--to openai: <client>.embed to <client>.embeddings.create",
    ),
    RuleInfo(
        "openai_errors",
        ERRORS,
        "--to openai: azure-core exceptions around migrated calls to openai exceptions",
    ),
    RuleInfo(
        "openai_no_equivalent",
        NO_EQUIVALENT,
        "--to openai: azure-ai-inference APIs and endpoints with no openai equivalent (TODO naming the alternative)",
    ),
]

# What each rule rewrites and when it leaves a TODO: `--explain`, and the generated
# rule sections of docs/to-openai.md (docgen), read these.
REVERSE_RULE_TEXT: Dict[str, Tuple[str, str]] = {
    "openai_clients": (
        "A client component (the construction, every call on it, the `except` clauses "
        "around those calls and the reads of their responses) migrates whole or not at "
        "all. `ChatCompletionsClient`/`EmbeddingsClient` become `OpenAI`, their "
        "`azure.ai.inference.aio` versions `AsyncOpenAI`. The endpoint becomes "
        "`base_url=` on `<scheme>://<host>/openai/v1/` (a literal is rewritten in place; "
        "any other value goes through a small generated helper at run time), the "
        "deployment in an `.../openai/deployments/<dep>` URL moves into `model=`, and "
        "`api_version` is dropped. `AzureKeyCredential(k)` becomes `api_key=k`; a token "
        "credential (an `azure.identity` class, or a class of the file that subclasses "
        "azure-core's `TokenCredential`/`AsyncTokenCredential`) becomes "
        "`api_key=get_bearer_token_provider(cred, scope)`, from `azure.identity.aio` for "
        "`AsyncOpenAI` (a sync provider raises TypeError at the first request). The scope "
        "is the user's `credential_scopes`, else Azure OpenAI's. `retry_total` becomes "
        "`max_retries` (10, azure-core's default, when absent), timeouts `timeout=`, "
        "`headers=` `default_headers=`. A client passed to a function of the same file "
        "migrates with that function when every caller passes a client of the same "
        "component. A client built in a factory function, or in the forward "
        "migration's per-event-loop accessor, is followed through the calls of that "
        "function. A module-level client other files of the project import (`from llm "
        "import client`, `import llm` + `llm.client`) migrates in all of them in one run, "
        "or in none (see \"A client shared by several files\" in docs/to-openai.md).",
        "the endpoint or credential is missing or cannot be classified; the endpoint is a "
        "serverless, managed-compute or GitHub Models one (not an Azure OpenAI resource: the "
        "TODO says what to check); an aio client has a sync credential (or the reverse); "
        "the client is stored where the tool cannot follow it (returned, put in a "
        "container, passed to a function some caller gives another value); the client "
        "is shared with other files and one of them cannot be migrated, or is not part "
        "of the run (a TODO at the construction and at every call, in every file); a "
        "function returning a client is called from other files; or a "
        "constructor keyword has no openai equivalent (`transport`, `proxies`, "
        "`connection_verify`, `user_agent`, `logging_enable`).",
    ),
    "openai_chat": (
        "`client.complete(...)` becomes `client.chat.completions.create(...)`. `model=` is "
        "required by openai: it comes from the call, the client's `model=`, or the "
        "deployment in the endpoint URL. Request defaults set on the client "
        "(`temperature=`, `max_tokens=`, `model_extras=`...) are copied into every call "
        "that does not set them (openai has no client-level defaults; dropping them would "
        "silently change requests). `model_extras` keys openai takes as keywords (`n`, "
        "`user`, `max_completion_tokens`, `reasoning_effort`, `stream_options`...) become "
        "keywords; the rest stay in `extra_body={...}`. A body dict, `complete({...})` or "
        "`complete(body={...})`, is spread into keywords when it is a literal dict.",
        "a client-level default or model cannot be evaluated at the call site; "
        "`model_extras` or the body is not a literal dict; `stream=` is not a literal; "
        "or a per-call keyword has no equivalent (`retry_total`, `raw_response_hook`, "
        "`logging_enable`).",
    ),
    "openai_messages": (
        "`SystemMessage`, `UserMessage`, `AssistantMessage` (with `tool_calls`), "
        "`ToolMessage` and `DeveloperMessage` become `{\"role\": ..., \"content\": ...}` "
        "dicts; content items (`TextContentItem`, `ImageContentItem(ImageUrl(url, "
        "detail))`, `AudioContentItem(InputAudio(...))`) become openai's content parts.",
        "a message or content object is read by attribute later (it stays an "
        "azure-ai-inference object, which openai accepts as a mapping), or is built "
        "with `ImageUrl.load`/`InputAudio.load` (which read a file; the TODO shows the "
        "base64 data to build).",
    ),
    "openai_request_models": (
        "`response_format=\"json_object\"`/`\"text\"` become `{\"type\": ...}`; "
        "`JsonSchemaFormat(name, schema, description, strict)` becomes "
        "`{\"type\": \"json_schema\", \"json_schema\": {...}}`; "
        "`ChatCompletionsToolDefinition(function=FunctionDefinition(...))` and "
        "`ChatCompletionsNamedToolChoice` become their dict forms, tool-choice presets "
        "`\"auto\"`/`\"none\"`/`\"required\"`; enum members (`CompletionsFinishReason.STOPPED`, "
        "`ChatRole.USER`...) become the strings they equal.",
        "`response_format=` is not a literal `\"json_object\"`/`\"text\"` or a "
        "`JsonSchemaFormat(...)` the tool can see; a request model read by attribute "
        "later stays an azure-ai-inference object.",
    ),
    "openai_responses": (
        "Azure models are mappings and openai's are not (`TypeError`): `resp[\"choices\"]`, "
        "`resp.get(\"x\")` become attribute reads, `as_dict()` becomes `model_dump()`, and "
        "`resp.created` (a `datetime` in azure-ai-inference, an `int` in openai) is "
        "converted where it is used. Every loop over a stream gets the guard "
        "`if not chunk.choices and not chunk.usage: continue`: Azure sends a first chunk "
        "with `choices == []`, which azure-ai-inference dropped and openai passes on.",
        "a response is written into or stored where the tool cannot follow it, or a "
        "stream is consumed somewhere other than a `for`/`async for` loop the tool can "
        "guard.",
    ),
    "openai_embeddings": (
        "`client.embed(input=[...], model=, dimensions=, encoding_format=)` becomes "
        "`client.embeddings.create(...)`, with `model=` on every call as for chat.",
        "`input_type` is passed, or `encoding_format` is not `float`/`base64` (binary, "
        "int8, ubinary, uint8 have no openai equivalent).",
    ),
    "openai_errors": (
        "`except` clauses around migrated calls name openai's exceptions: "
        "`HttpResponseError` to `APIStatusError` (which has `.status_code` and "
        "`.message`), `ClientAuthenticationError` to `AuthenticationError`, "
        "`ResourceNotFoundError` to `NotFoundError`, `ServiceRequestError` to "
        "`APIConnectionError`, the timeout errors to `APITimeoutError`, `AzureError` to "
        "`OpenAIError`. With an Entra ID client the azure-core classes are kept next to "
        "openai's, since the token credential raises them itself.",
        "a handler catches azure-core errors but guards no migrated call the tool can "
        "see (the TODO names the openai exceptions the migrated calls raise), or "
        "catches an azure-core class with no openai counterpart. A handler that also "
        "guards calls left on azure-ai-inference or other Azure SDKs keeps the "
        "azure-core class next to openai's.",
    ),
    "openai_no_equivalent": (
        "`ImageEmbeddingsClient`, `load_client`, `get_model_info`, `PromptTemplate` and "
        "`AIInferenceInstrumentor` have no openai equivalent; the code is kept, with a TODO "
        "naming the alternative (for tracing, the OpenTelemetry instrumentor "
        "`opentelemetry-instrumentation-openai-v2`).",
        "always: these APIs are never rewritten.",
    ),
}

REVERSE_DEPENDENCY_CODES: Dict[str, str] = {
    DEPENDENCIES: "--to openai: dependency files and notebook pip lines: azure-ai-inference replaced by openai>=1.106 (azure-identity kept)",
}
