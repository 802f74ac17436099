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
    """https://<resource>.../models or .../openai/deployments/<name> -> https://<resource>.../openai/v1/"""
    url = endpoint.split("?", 1)[0].rstrip("/")
    for route in ("/openai/deployments/", "/openai/v1"):
        if route in url:
            url = url[: url.index(route)]
    if url.endswith("/models"):
        url = url[: -len("/models")]
    return url + "/openai/v1/"
''',
    DEPLOYMENT: '''def _deployment(endpoint, model=None):
    """The deployment an .../openai/deployments/<name> endpoint names (it served every request), else model."""
    path = endpoint.split("?", 1)[0]
    if "/openai/deployments/" in path:
        return path.split("/openai/deployments/", 1)[1].split("/", 1)[0]
    if model is None:
        raise ValueError("openai needs model=: no deployment in the endpoint, no model given")
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
