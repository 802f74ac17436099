"""Small functions the migrated code may need, written into the module once.

They turn the value of the endpoint the original code read (from an environment
variable, a setting, a literal) into what openai needs, at run time, so the
migrated program keeps reading the same configuration.
"""

from __future__ import annotations

from typing import Dict

import libcst as cst

BASE_URL = "_openai_v1_base_url"
DEPLOYMENT = "_deployment"

SOURCES: Dict[str, str] = {
    BASE_URL: '''def _openai_v1_base_url(endpoint):
    """The Azure OpenAI v1 base URL for an azure-ai-inference endpoint, on the same host.

    https://<resource>.services.ai.azure.com/models and
    https://<resource>.openai.azure.com/openai/deployments/<deployment>
    both become https://<resource>.<same domain>/openai/v1/.
    """
    url = endpoint.split("?", 1)[0].rstrip("/")
    for route in ("/openai/deployments/", "/openai/v1"):
        if route in url:
            url = url[: url.index(route)]
    if url.endswith("/models"):
        url = url[: -len("/models")]
    return url + "/openai/v1/"
''',
    DEPLOYMENT: '''def _deployment(endpoint, model=None):
    """The model= to send on /openai/v1/: the deployment an
    .../openai/deployments/<deployment> endpoint names (azure-ai-inference sent every
    request to it, whatever model= said), else model."""
    path = endpoint.split("?", 1)[0]
    if "/openai/deployments/" in path:
        return path.split("/openai/deployments/", 1)[1].split("/", 1)[0]
    if model is None:
        raise ValueError(
            "openai needs model=: the endpoint names no deployment and no model was given"
        )
    return model
''',
}
ORDER = (BASE_URL, DEPLOYMENT)


def statements(name: str) -> cst.BaseCompoundStatement:
    module = cst.parse_module(SOURCES[name])
    stmt = module.body[0]
    assert isinstance(stmt, cst.FunctionDef)
    return stmt.with_changes(
        leading_lines=[cst.EmptyLine(), cst.EmptyLine()],
    )
