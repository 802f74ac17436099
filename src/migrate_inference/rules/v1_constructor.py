"""The v1 client constructor mapped to an azure-ai-inference client: not a rule.

`OpenAI(...)`/`AzureOpenAI(...)` keywords to a `client_code.ClientSpec` (endpoint,
credential, api_version, the keywords that are renamed), with the notes for what cannot
be carried over.  The v1 planner (`analysis/v1_plan.py`) asks it for each client it plans.
"""

from __future__ import annotations

from typing import List, Optional, Set, Tuple

import libcst as cst

from migrate_inference.analysis.client_values import ClientValues
from migrate_inference.analysis.names import code_of as _code
from migrate_inference.analysis.names import imported_names, string_value
from migrate_inference.analysis.names import py_string as _literal
from migrate_inference.analysis.names import slug
from migrate_inference.analysis.v1_model import Binding
from migrate_inference.config import MODELS, Config
from migrate_inference.rules.client_code import ClientSpec, retry_budget

# The client key (api, DEPLOYMENTS) of a per-deployment cache: an AzureOpenAI client whose
# calls name the deployment in a variable (client_code.deployment_clients_source).  Its
# spec's endpoint is the resource's; the cache adds /openai/deployments/<name>.
DEPLOYMENTS = "\1deployments"
AZURE_HOST_HINTS = (".azure.com", "models.github.ai", "models.inference.ai.azure.com")
CTOR_RENAMES = {
    "timeout": "read_timeout",
    "max_retries": "retry_total",
    "default_headers": "headers",
}
CTOR_TODO = {
    "organization": "no equivalent (send an OpenAI-Organization header only if the endpoint needs it)",
    "project": "no equivalent",
    "http_client": "pass transport=RequestsTransport(session=...) / AioHttpTransport(...) instead",
    "default_query": "pass params={...} on each call instead",
    "azure_ad_token": "wrap the token in a TokenCredential, or use DefaultAzureCredential()",
    "websocket_base_url": "no equivalent",
    "_strict_response_validation": "no equivalent",
}
CTOR_CONSUMED = {
    "api_key",
    "azure_endpoint",
    "azure_deployment",
    "api_version",
    "base_url",
    "azure_ad_token_provider",
}


def lower_slug(value: str) -> str:
    return slug(value).lower()


class ClientConstructors:
    def __init__(
        self, config: Config, values: ClientValues, qualified, branch_members: Set[int]
    ) -> None:
        self.config = config
        self.values = values
        self.qualified = qualified
        # the clients chosen in branches (each branch keeps its own host)
        self.branch_members = branch_members

    def _kw(self, binding: Binding, name: str) -> Optional[str]:
        arg = binding.kwargs.get(name)
        return _code(arg.value) if arg is not None else None

    def azure_base_url(self, binding: Binding) -> bool:
        return binding.is_azure and "base_url" in binding.kwargs

    def foreign_endpoint(self, binding: Binding) -> bool:
        """A non-Azure client whose base_url is an Azure AI Inference-style endpoint."""
        if binding.is_azure:
            return False
        if id(binding) in self.branch_members:
            return (
                True  # the code chooses its host in branches: each branch keeps its own
            )
        if "base_url" not in binding.kwargs:
            return False
        url = self.values.literal_of(binding.kwargs["base_url"].value, binding) or ""
        return any(hint in url for hint in AZURE_HOST_HINTS)

    def spec(
        self, binding: Binding, api: str, literal: Optional[str], several: bool
    ) -> Tuple[ClientSpec, bool, List[str]]:
        """The client to build for `api` (and a deployment literal), whether `model=` stays
        on the calls, and the TODO notes for the constructor."""
        notes: List[str] = []
        if literal == DEPLOYMENTS:
            literal = None
        models_style = self.config.endpoint_style == MODELS
        keep_model = models_style
        env = self.config.endpoint_env_for(api)
        if models_style:
            endpoint = f'os.environ["{env}"]'
        elif self.azure_base_url(binding) or self.foreign_endpoint(binding):
            # a branch that used the OpenAI platform keeps it (OpenAI's own default)
            endpoint = (
                self._kw(binding, "base_url")
                or 'os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"'
            )
            keep_model = not binding.is_azure
        elif binding.is_azure:
            base = (
                self._kw(binding, "azure_endpoint")
                or 'os.environ["AZURE_OPENAI_ENDPOINT"]'
            )
            deployment = self._kw(binding, "azure_deployment")
            if deployment is None and literal is not None:
                deployment = (
                    literal[1:] if literal.startswith("\0") else _literal(literal)
                )
            endpoint = _join(base, deployment)
        else:
            if "base_url" in binding.kwargs:
                notes.append(
                    f"`base_url={self._kw(binding, 'base_url')}` is not an Azure endpoint: the endpoint now "
                    f"comes from {env}"
                )
            if literal is not None and several:
                env = f"{env}_{lower_slug(literal).upper()}"
            endpoint = f'os.environ["{env}"]'
        credential, scopes, cred_notes, cred_extra = self._credential(binding, api)
        notes.extend(cred_notes)
        version = self._kw(binding, "api_version")
        foreign = self.foreign_endpoint(binding)
        if self.config.api_version:
            version = _literal(self.config.api_version)
        elif (
            version is None
            and self.config.effective_api_version
            and not models_style
            and not foreign
        ):
            version = _literal(self.config.effective_api_version)
        extra = list(cred_extra)
        if "max_retries" not in binding.kwargs:
            extra.append(retry_budget("v1"))
        for name, arg in binding.kwargs.items():
            if name in CTOR_RENAMES:
                extra.append(f"{CTOR_RENAMES[name]}={_code(arg.value)}")
            elif name in CTOR_TODO:
                notes.append(f"`{name}=` is not carried over: {CTOR_TODO[name]}")
            elif name not in CTOR_CONSUMED:
                notes.append(
                    f"`{name}=` is not carried over: no azure-ai-inference equivalent"
                )
        spec = ClientSpec(
            api=api,
            is_async=binding.is_async,
            endpoint=endpoint,
            credential=credential,
            api_version=version,
            scopes=scopes,
            parameterized=False,
            extra=tuple(extra),
        )
        return spec, keep_model, notes

    def _credential(
        self, binding: Binding, api: str
    ) -> Tuple[str, bool, List[str], List[str]]:
        """(credential code, AOAI scopes needed, notes, extra constructor keywords)."""
        entra = (
            "AsyncDefaultAzureCredential()"
            if binding.is_async
            else "DefaultAzureCredential()"
        )
        aoai = self.config.endpoint_style != MODELS
        if self.config.credential == "entra":
            return entra, aoai, [], []
        provider = binding.kwargs.get("azure_ad_token_provider")
        key_arg = binding.kwargs.get("api_key")
        if key_arg is not None and provider is None and not binding.is_async:
            # `api_key=token_provider`: OpenAI calls a callable key for every request
            parts = self._bearer_provider(key_arg.value, binding)
            if parts is not None:
                credential, scope = parts
                return credential, False, [], [f"credential_scopes=[{scope}]"]
        token = None
        if provider is not None:
            value = provider.value
            if key_arg is not None:
                value = _not_none_branch(value)  # `tp if not key else None`
            token = self._token_credential(value, binding, entra, aoai)
            if key_arg is None or value is None:
                return token
        key = self._kw(binding, "api_key")
        if key is None:
            env = (
                "AZURE_OPENAI_API_KEY"
                if binding.is_azure
                else (
                    "OPENAI_API_KEY"
                    if id(binding) in self.branch_members
                    else self.config.key_env_for(api)
                )
            )
            key = f'os.environ["{env}"]'
        elif token is not None:
            # both paths, as OpenAI chose: the key when there is one, else the token
            credential, scopes, notes, extra = token
            if not self.repeatable(key_arg.value):
                return token
            return (
                f"AzureKeyCredential({key}) if {key} else {credential}",
                scopes,
                notes,
                extra,
            )
        else:
            fallback = "AZURE_OPENAI_API_KEY" if binding.is_azure else "OPENAI_API_KEY"
            variable = self._optional_env(key_arg.value)
            if variable is not None and variable != fallback:
                # None when unset: OpenAI then reads its own variable, so the migration does too
                key = f'{key} or os.environ["{fallback}"]'
        return f"AzureKeyCredential({key})", False, [], []

    def _token_credential(
        self, value: cst.BaseExpression, binding: Binding, entra: str, aoai: bool
    ) -> Tuple[str, bool, List[str], List[str]]:
        parts = self._bearer_provider(value, binding)
        if parts is not None and not binding.is_async:
            credential, scope = parts
            return credential, False, [], [f"credential_scopes=[{scope}]"]
        return (
            entra,
            aoai,
            [
                "azure_ad_token_provider is replaced by DefaultAzureCredential()"
                + (
                    " (the async client needs an async credential)"
                    if binding.is_async
                    else ""
                )
                + ": check that it finds the same identity"
            ],
            [],
        )

    def repeatable(self, expr: cst.BaseExpression) -> bool:
        """Cheap and free of side effects, so it may be written twice."""
        return isinstance(expr, (cst.Name, cst.Attribute)) or self.values.cheap(expr)

    def _optional_env(self, expr: cst.BaseExpression) -> Optional[str]:
        """The variable of `os.getenv("X")` / `os.environ.get("X")` (None when unset), else None.

        Not shared with `analysis/facts.py`'s helper of the same name: this one accepts
        whatever `ClientValues.cheap` accepts, which includes a call of `os.environ` itself
        (`os.environ("X")`, a TypeError when run); that one accepts only `os.getenv` and
        `os.environ.get`.  They agree on every other input."""
        if not (
            isinstance(expr, cst.Call) and len(expr.args) == 1 and self.values.cheap(expr)
        ):
            return None
        return string_value(expr.args[0].value)

    def _bearer_provider(
        self, value: cst.BaseExpression, binding: Optional[Binding] = None
    ) -> Optional[Tuple[str, str]]:
        if binding is not None and isinstance(value, cst.Name):
            resolved = self.values.global_value(value, binding) or self.values.assigned_in_block(
                value, binding
            )
            if resolved is not None:
                value = resolved
        if isinstance(value, cst.Call) and len(value.args) == 2:
            qualified = self.qualified.get(value.func, set())
            if callable(qualified):  # LibCST resolves qualified names lazily
                qualified = qualified()
            names = imported_names(qualified)
            if "azure.identity.get_bearer_token_provider" in names:
                return _code(value.args[0].value), _code(value.args[1].value)
        return None


def _not_none_branch(value: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """`tp if not key else None` -> `tp`; a value that is None -> None; else the value."""
    if isinstance(value, cst.Name) and value.value == "None":
        return None
    if isinstance(value, cst.IfExp):
        for kept, other in ((value.body, value.orelse), (value.orelse, value.body)):
            if isinstance(other, cst.Name) and other.value == "None":
                return kept
    return value


def _join(base: str, deployment: Optional[str]) -> str:
    """`<base>/openai/deployments/<deployment>` as code, folding literals."""
    if deployment is None:
        return base
    base_literal = (
        string_value(cst.parse_expression(base)) if base[:1] in "\"'" else None
    )
    dep_literal = (
        string_value(cst.parse_expression(deployment))
        if deployment[:1] in "\"'"
        else None
    )
    if base_literal is not None and ("?" in base_literal or "#" in base_literal):
        # The deployment path goes before a query string (`?sig=...`), which the
        # client keeps on every request URL, not after it.
        cut = min(i for i in (base_literal.find("?"), base_literal.find("#")) if i >= 0)
        path = base_literal[:cut].rstrip("/") + "/openai/deployments/"
        rest = base_literal[cut:]
        if dep_literal is not None:
            return _literal(path + dep_literal + rest)
        return f"{_literal(path)} + {deployment} + {_literal(rest)}"
    if base_literal is not None and dep_literal is not None:
        return _literal(base_literal.rstrip("/") + "/openai/deployments/" + dep_literal)
    left = (
        _literal(base_literal.rstrip("/") + "/openai/deployments/")
        if base_literal is not None
        else (f'{base}.rstrip("/") + "/openai/deployments/')
    )
    if base_literal is None:
        if dep_literal is not None:
            return f'{base}.rstrip("/") + ' + _literal(
                "/openai/deployments/" + dep_literal
            )
        return f'{base}.rstrip("/") + "/openai/deployments/" + {deployment}'
    return f"{left} + {deployment}"
