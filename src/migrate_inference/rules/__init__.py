"""The rules, in the fixed order the engine applies them.

Each rule lives in ``rules/<name>.py``, has a stable code, a fixtures folder
``fixtures/<name>/`` and a section in ``docs/rules.md``; ``tests/test_rules_docs.py``
checks that these agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List


@dataclass(frozen=True)
class RuleInfo:
    name: str
    code: str
    summary: str


# Codes are stable: never renumber, only add.
RULES: List[RuleInfo] = [
    RuleInfo(
        "v0_chat",
        "MI100",
        "openai.ChatCompletion.create/acreate to ChatCompletionsClient.complete",
    ),
    RuleInfo(
        "v1_clients",
        "MI200",
        "OpenAI()/AzureOpenAI()/AsyncOpenAI()/AsyncAzureOpenAI() to azure-ai-inference clients",
    ),
    RuleInfo(
        "v1_chat", "MI210", "<client>.chat.completions.create to <chat client>.complete"
    ),
    RuleInfo("chat_params", "MI110", "request parameters moved by the mapping table"),
    RuleInfo(
        "splats",
        "MI350",
        "**params dicts built next to the call, mapped by the same table",
    ),
    RuleInfo(
        "functions",
        "MI320",
        "legacy functions/function_call to tools/tool_choice, with the round trip",
    ),
    RuleInfo(
        "tools",
        "MI310",
        "literal tool definitions and tool_choice to ChatCompletionsToolDefinition/...",
    ),
    RuleInfo(
        "messages", "MI120", "literal message dicts to SystemMessage/UserMessage/..."
    ),
    RuleInfo("responses", "MI130", "response access to the azure-ai-inference models"),
    RuleInfo(
        "embeddings",
        "MI230",
        "openai.Embedding.create and <client>.embeddings.create to EmbeddingsClient.embed",
    ),
    RuleInfo(
        "errors",
        "MI340",
        "OpenAI exception classes to azure.core.exceptions, keeping status-specific catches narrow",
    ),
    RuleInfo(
        "out_of_scope", "MI900", "OpenAI APIs with no azure-ai-inference equivalent"
    ),
    RuleInfo(
        "leftover_calls",
        "MI910",
        "OpenAI API calls left in the code after migration: reported, with a TODO",
    ),
    RuleInfo(
        "unresolved_clients",
        "MI911",
        "OpenAI-shaped calls on a receiver that cannot be resolved: possibly an OpenAI client",
    ),
    RuleInfo(
        "leftover_todos",
        "MI912",
        "TODO(migrate-inference) notes already in the code: reported again until removed",
    ),
]

ERROR_CODES: Dict[str, str] = {
    "MI001": "the file could not be parsed (syntax error, or nested deeper than the parser can take); file left unchanged",
    "MI002": "the file could not be read or decoded",
    "MI003": "the rewrite failed verification (output did not parse or left a new undefined name); file left unchanged",
    "MI004": "internal error while migrating; file left unchanged",
    "MI005": "a suppression comment names an unknown rule code (a warning: it suppresses nothing, the file is still migrated)",
    "MI006": "the file took longer than its time budget (--timeout-per-file); file left unchanged",
    "MI007": "the worker process crashed on the file (a native parser crash, out of memory); file left unchanged",
    "MI008": "an `ignore-file[...]` comment turns off a part of a migrated call (MI110, MI130, MI320, MI340, MI350) "
    "while the call codes stay on: the file is left as it is (a warning; add the call codes to keep it on OpenAI "
    "without one)",
}

# A warning, not an error: a suppression comment names no known code.
UNKNOWN_CODE = "MI005"
# A warning: a file-level ignore that would leave the file's calls half migrated.
HALF_IGNORED = "MI008"

# Codes for files that are not Python modules (docs/dependencies.md).
DEPENDENCY_CODES: Dict[str, str] = {
    "MI800": "dependency files and notebook pip lines: openai replaced by azure-ai-inference>=1.0.0b9",
    "MI801": "dependency entry left for a person (hash-pinned file, multi-line entry, Poetry sub-table)",
}


def non_rule_codes() -> Dict[str, str]:
    """Every code that is not a rewrite rule, with its one-line meaning."""
    return {**ERROR_CODES, **DEPENDENCY_CODES}


def rule_by_code(code: str) -> RuleInfo:
    for rule in RULES:
        if rule.code == code:
            return rule
    raise KeyError(code)
