"""Options that change what the engine writes.

One frozen dataclass is handed to every rule; the CLI and `[tool.migrate-inference]`
in pyproject.toml both fill it (the command line wins).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, FrozenSet, Optional

DEPLOYMENT = "deployment"
MODELS = "models"

DEFAULT_ENV = {
    DEPLOYMENT: ("AZURE_OPENAI_CHAT_ENDPOINT", "AZURE_OPENAI_CHAT_KEY"),
    MODELS: ("AZURE_INFERENCE_ENDPOINT", "AZURE_INFERENCE_CREDENTIAL"),
}
DEFAULT_EMBEDDINGS_ENV = {
    DEPLOYMENT: ("AZURE_OPENAI_EMBEDDINGS_ENDPOINT", "AZURE_OPENAI_EMBEDDINGS_KEY"),
    MODELS: ("AZURE_INFERENCE_ENDPOINT", "AZURE_INFERENCE_CREDENTIAL"),
}
DEFAULT_API_VERSION = "2024-06-01"

# What the migrated code targets: the forward pack (openai -> azure-ai-inference, the
# default) or the reverse pack (azure-ai-inference -> openai on Azure's /openai/v1/).
TARGET_AZURE = "azure-ai-inference"
TARGET_OPENAI = "openai"
TARGETS = (TARGET_AZURE, TARGET_OPENAI)

# The codes of the forward pack that migrate a call or its client, and the codes that
# carry out the parts of a migrated call.  A call migrated without one of its parts is
# half migrated (parameters complete() rejects, responses read as OpenAI's, except
# clauses that no longer catch), so the parts cannot be turned off while calls are on.
CALL_CODES = ("MI100", "MI200", "MI210", "MI230")
PART_CODES = {
    "MI110": "its parameters mapped (n=, user=... raise TypeError in complete())",
    "MI350": "its ** parameter dicts mapped",
    "MI320": "its legacy function calling converted along with the responses",
    "MI130": "its responses read the way the Azure models allow",
    "MI340": "the except clauses guarding it catching azure-core's exceptions",
}
# Parts that may be left out: the Azure SDK accepts OpenAI-style message and tool dicts.
OPTIONAL_PART_CODES = ("MI120", "MI310")


@dataclass(frozen=True)
class Config:
    """What the user chose.  Defaults follow the Azure migration guide."""

    target: str = TARGET_AZURE
    endpoint_style: str = DEPLOYMENT
    credential: str = "key"  # "key" or "entra"
    api_version: Optional[str] = (
        None  # None: DEFAULT_API_VERSION for deployment endpoints
    )
    endpoint_env: Optional[str] = None
    key_env: Optional[str] = None
    embeddings_endpoint_env: Optional[str] = None
    embeddings_key_env: Optional[str] = None
    select: FrozenSet[str] = field(default_factory=frozenset)
    ignore: FrozenSet[str] = field(default_factory=frozenset)
    # analysis.project.ProjectIndex: what other files of the project build and import
    # (None: the engine sees one file, and says so where that matters)
    project: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(
                f"target must be one of {', '.join(TARGETS)}, not {self.target!r}"
            )

    @property
    def to_openai(self) -> bool:
        return self.target == TARGET_OPENAI

    @property
    def chat_endpoint_env(self) -> str:
        return self.endpoint_env or DEFAULT_ENV[self.endpoint_style][0]

    @property
    def chat_key_env(self) -> str:
        return self.key_env or DEFAULT_ENV[self.endpoint_style][1]

    def endpoint_env_for(self, api: str) -> str:
        if api == "embeddings":
            return (
                self.embeddings_endpoint_env
                or DEFAULT_EMBEDDINGS_ENV[self.endpoint_style][0]
            )
        return self.chat_endpoint_env

    def key_env_for(self, api: str) -> str:
        if api == "embeddings":
            return (
                self.embeddings_key_env
                or DEFAULT_EMBEDDINGS_ENV[self.endpoint_style][1]
            )
        return self.chat_key_env

    @property
    def effective_api_version(self) -> Optional[str]:
        if self.api_version:
            return self.api_version
        return DEFAULT_API_VERSION if self.endpoint_style == DEPLOYMENT else None

    def normalized(self) -> "Config":
        """`select` naming a call code also selects the parts of such a call, and a client
        code and its call codes go together: `--select MI100` migrates v0 chat calls whole."""
        from dataclasses import replace

        if self.to_openai or not self.select:
            return self
        chosen = [c for c in CALL_CODES if self.rule_enabled(c)]
        if not chosen:
            return self
        extra = set(PART_CODES) | set(OPTIONAL_PART_CODES)
        if {"MI210", "MI230"} & set(chosen):
            extra.add("MI200")
        if "MI200" in chosen:
            extra |= {"MI210", "MI230"}
        return replace(self, select=self.select | frozenset(extra))

    def coupling_problem(self) -> Optional[str]:
        """Why these select/ignore codes would leave a call half migrated, or None."""
        if self.to_openai:
            return None
        calls = [c for c in CALL_CODES if self.rule_enabled(c)]
        off = [c for c in PART_CODES if not self.rule_enabled(c)]
        if not calls or not off:
            return None
        return (
            f"{', '.join(off)} cannot be turned off while calls are migrated ({', '.join(calls)} "
            f"on): a call would be migrated without {PART_CODES[off[0]]}; turn off the call codes "
            f"too (MI100, MI200, MI210, MI230) to keep those files on OpenAI, or keep single calls "
            f"with `# migrate-inference: ignore`"
        )

    def rule_enabled(self, code: str) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(s) for s in self.ignore)
