"""What the v0 module config says, read for the v0 planner: not a rule.

Functions of the facts alone (no plan state): whether the config lives in another file
or is a placeholder, which options of the v1 module client an Azure client can carry,
the method that sets the config when the clients live on `self`, and the credential
code for a call.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

import libcst as cst

from migrate_inference.analysis.facts import (
    AAD_API_TYPES,
    AZURE_API_TYPES,
    BLOCKING_CONFIG,
    ChatCall,
    ConfigAssign,
    Facts,
)
from migrate_inference.analysis.names import code_of as _code
from migrate_inference.analysis.names import enclosing_function, string_value
from migrate_inference.config import MODELS, Config
from migrate_inference.mapping import MODULE_CLIENT_BLOCKING, MODULE_CLIENT_OPTIONS, MODULE_CONFIG


def first_param(function: cst.FunctionDef) -> Optional[str]:
    params = function.params.params
    return params[0].name.value if params else None


def configured_elsewhere(facts: Facts) -> Optional[str]:
    """The openai module is configured by another file of the project, not this one:
    a client built from this file's view would ignore that configuration."""
    if any(facts.config.get(a) for a in BLOCKING_CONFIG):
        return None
    places = facts.config_elsewhere
    if not places:
        return None
    shown = "; ".join(places[:3]) + (f"; and {len(places) - 3} more" if len(places) > 3 else "")
    return (
        f"the openai module is configured in another file ({shown}), which this call relies "
        "on: a client built here would not use that configuration; move the configuration "
        "into this file (or build the azure-ai-inference client from it by hand), then run "
        "the migration again"
    )


def placeholder(config_values: Dict[str, Optional[ConfigAssign]]) -> Optional[str]:
    """`openai.api_base = ""` / `openai.api_key = ""`: a value the user was told to fill in."""
    for attr in ("api_base", "base_url", "api_key"):
        assign = config_values.get(attr)
        if assign is not None and string_value(assign.value) == "":
            return (
                f'openai.{attr} is an empty placeholder (""): fill it in (see the comments '
                "around it), then run the migration again"
            )
    return None


def module_client_options(facts: Facts) -> Tuple[Dict[str, str], Optional[str]]:
    """What the v1 module client was configured with beyond the endpoint and key.

    Returns the Azure client keywords that carry it (`retry_total`, `read_timeout`,
    `headers`) and, when something cannot be carried, why the v1 calls stay on OpenAI."""
    carried: Dict[str, str] = {}
    if not any(c.generation == "v1" for c in facts.chat_calls.values()):
        return carried, None  # v0 calls never read them
    for attr in MODULE_CLIENT_BLOCKING:
        if facts.config.get(attr) or facts.config_reads.get(attr):
            return {}, f"openai.{attr} is set: {MODULE_CONFIG[attr].note}"
    for attr, target in MODULE_CLIENT_OPTIONS.items():
        values = facts.config.get(attr, [])
        if not values:
            continue
        why = None
        value = values[-1]
        if facts.config_reads.get(attr):
            why = "read elsewhere in the file"
        elif len({_code(v.value) for v in values}) > 1:
            why = "set to different values"
        elif not (value.unconditional and value.at_module_level and value.portable):
            why = "set inside a function or a condition"
        elif attr == "timeout" and not isinstance(value.value, (cst.Integer, cst.Float)):
            why = "not a number (an httpx.Timeout has no azure-core equivalent)"
        elif attr == "max_retries" and not isinstance(value.value, (cst.Integer, cst.Name)):
            why = "not a literal or a name"
        elif attr == "default_headers" and not isinstance(value.value, (cst.Dict, cst.Name)):
            why = "not a dict literal or a name"
        if why is not None:
            return {}, (
                f"openai.{attr} is {why}: the module client's {attr} cannot be carried to "
                f"{target}= on an Azure client"
            )
        carried[target] = _code(value.value)
    return carried, None


def config_method(facts: Facts, parents) -> Optional[cst.FunctionDef]:
    """The method (`__init__`, `setup`) that sets the config from its own values, when every call
    is made from the same class through `self`: the client then lives on `self`."""
    method = None
    for attr in BLOCKING_CONFIG:
        values = facts.config.get(attr, [])
        codes = {_code(v.value) for v in values}
        if len(codes) > 1:
            return None
        for value in values:
            if value.portable:
                continue
            if not value.unconditional:
                return None
            block = parents.get(value.statement)
            function = parents.get(block)
            if not isinstance(function, cst.FunctionDef) or (
                method is not None and function is not method
            ):
                return None
            method = function
    if method is None or first_param(method) != "self":
        return None
    cls = parents.get(parents.get(method))
    if not isinstance(cls, cst.ClassDef):
        return None
    for call in facts.chat_calls.values():
        function = enclosing_function(call.node, parents)
        if function is None or first_param(function) != "self":
            return None
        if parents.get(parents.get(function)) is not cls:
            return None
    return method


def is_azure(call: ChatCall, api_type: Optional[str]) -> bool:
    if api_type in AZURE_API_TYPES:
        return True
    if api_type in (None, "unknown"):
        return "engine" in call.kwargs or "deployment_id" in call.kwargs
    return False


def credential(
    config: Config, key_code: Optional[str], api_type: Optional[str], api: str, is_async: bool
) -> Tuple[str, bool, Optional[str]]:
    """(credential code, needs scopes, note)."""
    deployment_style = config.endpoint_style != MODELS
    entra = "AsyncDefaultAzureCredential()" if is_async else "DefaultAzureCredential()"
    if config.credential == "entra":
        return entra, deployment_style, None
    if api_type in AAD_API_TYPES:
        return (
            entra,
            deployment_style,
            "api_type azure_ad: the Entra token in api_key is replaced by DefaultAzureCredential(); "
            "check that it finds the same identity",
        )
    if key_code is None:
        key_code = f'os.environ["{config.key_env_for(api)}"]'
    return f"AzureKeyCredential({key_code})", False, None
