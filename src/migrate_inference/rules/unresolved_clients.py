"""MI911 unresolved_clients: an OpenAI-shaped call on a receiver the tool cannot resolve is reported as possibly an OpenAI client.

The same pass as `leftover_calls` (MI910): a chain shaped like the OpenAI SDK whose
receiver name resolution cannot pin down (a function parameter, `self.client` assigned
from a parameter or never in the class, a value imported from another module of the
project, an item of a list or dict) gets an MI911 finding and a TODO comment above its
statement. Chains only the OpenAI SDK has (`.chat.completions.create/parse/stream`,
`.embeddings.create`, legacy `.completions.create`, `with_raw_response`,
`with_streaming_response`, `beta.chat`/`beta.assistants`/...) are reported in any file
that is scanned; chains other libraries share (`models.list`, `files.create`,
`images.generate`, `responses.create`, `with_options`, ...) only in a file that imports
openai. Nothing is rewritten. If the receiver is not an OpenAI client, say so with
`# migrate-inference: ignore[MI911]` on the statement.
"""

from __future__ import annotations

CODE = "MI911"
NAME = "unresolved_clients"
DOC_EXAMPLE = "parameter_client"
WHEN_TODO = (
    "Always: the receiver could be an OpenAI client and the statement has no TODO from "
    "another rule yet."
)
