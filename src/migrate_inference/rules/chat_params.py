"""MI110 chat_params: move each request parameter where azure-ai-inference takes it.

The table is `mapping.CHAT`; this module only applies it to one call's keywords.
"""

from __future__ import annotations

# The code that applies the table is rules/params_code.py (not a rule): the call rules run
# it on each call they migrate, for chat and embeddings calls alike, and report under CODE.

CODE = "MI110"
NAME = "chat_params"
DOC_EXAMPLE = "logit_bias_user"
WHEN_TODO = (
    "For legacy `functions`/`function_call` (sent in model_extras), an unknown parameter (sent in "
    "model_extras), a `response_format` that is not a literal text/json_object dict, and `organization`."
)
