"""MI230 embeddings: `openai.Embedding.create/acreate` and v1 `<client>.embeddings.create` to `EmbeddingsClient.embed`.

The client is built like the chat client (module config or environment variables;
`AZURE_OPENAI_EMBEDDINGS_ENDPOINT`/`AZURE_OPENAI_EMBEDDINGS_KEY` by default for
deployment endpoints).  A literal string `input` becomes a one-item list;
`dimensions` and `encoding_format` pass through; `user` goes into `model_extras`;
`["data"][0]["embedding"]` becomes `.data[0].embedding`.  OpenAI decoded base64
embeddings for you and azure-ai-inference does not, so `encoding_format="base64"`
gets a TODO.
"""

from __future__ import annotations

# The rewrite is the call rules' (v0_chat for `openai.Embedding`, v1_chat for
# `<client>.embeddings.create`), from the same plans and client code as chat calls; what
# makes it an embeddings call is rules/embeddings_code.py (not a rule): the client
# classes and `embed`, `embed()`'s table, `input` as a list and the base64 TODO.  The
# response reads follow the embeddings shapes of analysis/responses.py (SCHEMA).

CODE = "MI230"
NAME = "embeddings"
DOC_EXAMPLE = "v0_single_string"
WHEN_TODO = (
    'When the original asked for `encoding_format="base64"` (decode it yourself), when parameters come '
    "from a `**` dict, and when the model comes from a variable with a deployment endpoint."
)
