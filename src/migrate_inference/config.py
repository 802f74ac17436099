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

    def rule_enabled(self, code: str) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(s) for s in self.ignore)
