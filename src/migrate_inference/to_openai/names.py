"""The azure-ai-inference, azure-core and azure-identity names the reverse pack acts on.

Everything is matched by qualified name (what a node is bound to through the
module's imports), never by spelling.
"""

from __future__ import annotations

from typing import Dict, Tuple

INFERENCE = "azure.ai.inference"
MODELS = "azure.ai.inference.models."

# qualified name -> (api, is_aio)
CLIENT_CLASSES: Dict[str, Tuple[str, bool]] = {
    "azure.ai.inference.ChatCompletionsClient": ("chat", False),
    "azure.ai.inference.aio.ChatCompletionsClient": ("chat", True),
    "azure.ai.inference.EmbeddingsClient": ("embeddings", False),
    "azure.ai.inference.aio.EmbeddingsClient": ("embeddings", True),
}
CALL_METHOD = {"chat": "complete", "embeddings": "embed"}

KEY_CREDENTIAL = "azure.core.credentials.AzureKeyCredential"
IDENTITY = "azure.identity."
IDENTITY_AIO = "azure.identity.aio."
# Protocols a credential class of the user's own may derive from -> is it async?
TOKEN_CREDENTIAL_BASES: Dict[str, bool] = {
    "azure.core.credentials.TokenCredential": False,
    "azure.core.credentials.SupportsTokenInfo": False,
    "azure.core.credentials_async.AsyncTokenCredential": True,
    "azure.core.credentials_async.AsyncSupportsTokenInfo": True,
}

# What has no openai equivalent, with the alternative the TODO names.
NO_EQUIVALENT: Dict[str, str] = {
    "azure.ai.inference.ImageEmbeddingsClient": "ImageEmbeddingsClient has no openai equivalent (openai's embeddings API takes text only): keep azure-ai-inference for image embeddings or call the model's REST API",
    "azure.ai.inference.aio.ImageEmbeddingsClient": "ImageEmbeddingsClient has no openai equivalent (openai's embeddings API takes text only): keep azure-ai-inference for image embeddings or call the model's REST API",
    "azure.ai.inference.load_client": "load_client() picks a client class from the endpoint's /info route, which openai has no equivalent for: construct OpenAI(base_url=..., api_key=...) directly (see docs/to-openai.md)",
    "azure.ai.inference.aio.load_client": "load_client() picks a client class from the endpoint's /info route, which openai has no equivalent for: construct AsyncOpenAI(base_url=..., api_key=...) directly (see docs/to-openai.md)",
    "azure.ai.inference.prompts.PromptTemplate": "PromptTemplate (prompty) has no openai equivalent: render the messages yourself (as dicts), e.g. with the prompty package",
    "azure.ai.inference.tracing.AIInferenceInstrumentor": "AIInferenceInstrumentor traces azure-ai-inference only: for openai use the OpenTelemetry instrumentor (pip install opentelemetry-instrumentation-openai-v2; from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor; OpenAIInstrumentor().instrument())",
}
GET_MODEL_INFO = "get_model_info() (the /info route) has no openai equivalent (client.models.list() lists deployments and returns other data): this client is left as it is"
LOADERS = {
    "azure.ai.inference.models.ImageUrl.load": 'ImageUrl.load(...) reads a file into a data: URL; openai takes the same URL in {"type": "image_url", "image_url": {"url": "data:image/<format>;base64,<data>"}}: build it with base64.b64encode, then azure-ai-inference is no longer needed',
    "azure.ai.inference.models.InputAudio.load": 'InputAudio.load(...) reads a file as base64; openai takes {"type": "input_audio", "input_audio": {"data": <base64 text>, "format": "wav"}}: build it with base64.b64encode, then azure-ai-inference is no longer needed',
}

ROLE_OF_MESSAGE = {
    "SystemMessage": "system",
    "UserMessage": "user",
    "AssistantMessage": "assistant",
    "ToolMessage": "tool",
    "DeveloperMessage": "developer",
}
# Model classes that become dicts: class -> (discriminator fields, positional keyword, keywords allowed)
MODEL_DICTS: Dict[
    str, Tuple[Tuple[Tuple[str, str], ...], Tuple[str, ...], Tuple[str, ...]]
] = {
    "SystemMessage": ((("role", "system"),), ("content",), ("content",)),
    "UserMessage": ((("role", "user"),), ("content",), ("content",)),
    "DeveloperMessage": ((("role", "developer"),), ("content",), ("content",)),
    "AssistantMessage": (
        (("role", "assistant"),),
        ("content",),
        ("content", "tool_calls"),
    ),
    "ToolMessage": ((("role", "tool"),), ("content",), ("content", "tool_call_id")),
    "TextContentItem": ((("type", "text"),), (), ("text",)),
    "ImageContentItem": ((("type", "image_url"),), (), ("image_url",)),
    "ImageUrl": ((), (), ("url", "detail")),
    "AudioContentItem": ((("type", "input_audio"),), (), ("input_audio",)),
    "InputAudio": ((), (), ("data", "format")),
    "FunctionDefinition": ((), (), ("name", "description", "parameters")),
    "ChatCompletionsToolDefinition": ((("type", "function"),), (), ("function",)),
    "ChatCompletionsNamedToolChoiceFunction": ((), (), ("name",)),
    "ChatCompletionsNamedToolChoice": ((("type", "function"),), (), ("function",)),
}
JSON_SCHEMA_FORMAT = "JsonSchemaFormat"

# Enum members become their string values (they are str enums: equal to the strings).
ENUMS: Dict[str, Dict[str, str]] = {
    "CompletionsFinishReason": {
        "STOPPED": "stop",
        "TOKEN_LIMIT_REACHED": "length",
        "CONTENT_FILTERED": "content_filter",
        "TOOL_CALLS": "tool_calls",
    },
    "ChatRole": {
        "SYSTEM": "system",
        "USER": "user",
        "ASSISTANT": "assistant",
        "TOOL": "tool",
        "DEVELOPER": "developer",
    },
    "ChatCompletionsToolChoicePreset": {
        "AUTO": "auto",
        "NONE": "none",
        "REQUIRED": "required",
    },
    "ImageDetailLevel": {"AUTO": "auto", "LOW": "low", "HIGH": "high"},
    "AudioContentFormat": {"WAV": "wav", "MP3": "mp3"},
    "EmbeddingEncodingFormat": {
        "BASE64": "base64",
        "BINARY": "binary",
        "FLOAT": "float",
        "INT8": "int8",
        "UBINARY": "ubinary",
        "UINT8": "uint8",
    },
    "EmbeddingInputType": {"TEXT": "text", "QUERY": "query", "DOCUMENT": "document"},
}
OPENAI_ENCODINGS = ("float", "base64")

# azure.core.exceptions class -> openai class (APIStatusError and its subclasses
# carry .status_code, .message, .response, .body, .code).
EXCEPTIONS: Dict[str, str] = {
    "HttpResponseError": "APIStatusError",
    "ClientAuthenticationError": "AuthenticationError",
    "ResourceNotFoundError": "NotFoundError",
    "ResourceExistsError": "ConflictError",
    "ServiceRequestError": "APIConnectionError",
    "ServiceResponseError": "APIConnectionError",
    "ServiceRequestTimeoutError": "APITimeoutError",
    "ServiceResponseTimeoutError": "APITimeoutError",
    "AzureError": "OpenAIError",
}
AZURE_EXCEPTIONS = "azure.core.exceptions."
# Raised by the token credential itself, which openai calls as its api_key
# provider without wrapping: kept next to the openai class for Entra ID clients.
CREDENTIAL_ERRORS = ("ClientAuthenticationError", "AzureError")

# Endpoint hosts that are not Azure OpenAI / Foundry resources.
SERVERLESS_SUFFIX = ".models.ai.azure.com"
MANAGED_COMPUTE_SUFFIX = ".inference.ml.azure.com"
GITHUB_MODELS_HOSTS = ("models.inference.ai.azure.com", "models.github.ai")
