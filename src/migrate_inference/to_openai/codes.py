"""The reverse pack's rule codes (MI5xx), registered like the forward ones.

`--list-rules`, `--explain`, `--select`/`--ignore`, `# migrate-inference: ignore[...]`
and SARIF all read `REVERSE_RULES`; `docs/to-openai.md` has one section per rule.
"""

from __future__ import annotations

from typing import Dict, List

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

REVERSE_DEPENDENCY_CODES: Dict[str, str] = {
    DEPENDENCIES: "--to openai: dependency files and notebook pip lines: azure-ai-inference replaced by openai>=1.106 (azure-identity kept)",
}
