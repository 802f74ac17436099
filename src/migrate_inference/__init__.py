"""migrate-inference: move OpenAI SDK chat and embeddings code to azure-ai-inference."""

__version__ = "0.1.0"
