"""Planning a client's construction: its arguments, endpoint (static, from the
environment or built from parts) and credential.

Mixed into `Planner` (plan.py), whose state and name lookups (`qname`, `parent`,
`scopes`, ...) it reads through `self`.
"""

from __future__ import annotations

import re
from typing import Optional, Set
from urllib.parse import urlsplit

import libcst as cst
from libcst.metadata import GlobalScope

from migrate_inference.analysis.names import code_of, string_value
from migrate_inference.to_openai import mapping, names
from migrate_inference.to_openai.codes import CLIENTS, NO_EQUIVALENT
from migrate_inference.to_openai.component import Component, Credential, Endpoint


class ClientPlanning:
    def _constructor_args(self, comp: Component) -> None:
        call = comp.node
        positional = ["endpoint", "credential"]
        for arg in call.args:
            if arg.star:
                comp.block(
                    arg,
                    CLIENTS,
                    f"`{code_of(arg)}` hides the constructor's keywords: pass them by name",
                )
                continue
            if arg.keyword is None:
                if not positional:
                    comp.block(arg, CLIENTS, "unexpected positional argument")
                    continue
                comp.kwargs[positional.pop(0)] = arg
                continue
            name = arg.keyword.value
            if name in positional:
                positional.remove(name)
            comp.kwargs[name] = arg
        table = mapping.CLIENT
        request = (
            mapping.CHAT_REQUEST if comp.api == "chat" else mapping.EMBEDDINGS_REQUEST
        )
        for name, arg in comp.kwargs.items():
            if name in request or name in table and table[name].action != mapping.TODO:
                continue
            if name in table:
                comp.block(
                    arg,
                    CLIENTS,
                    f"{name}= has no openai equivalent here: {table[name].note}",
                )
            else:
                comp.block(
                    arg,
                    CLIENTS,
                    f"{name}= is not a keyword the tool knows for this client",
                )
        if "endpoint" not in comp.kwargs or "credential" not in comp.kwargs:
            comp.block(call, CLIENTS, "the endpoint or the credential is missing")
            return
        comp.endpoint = self._endpoint(comp, comp.kwargs["endpoint"].value)
        comp.credential = self._credential(comp, comp.kwargs["credential"].value)

    def _endpoint(self, comp: Component, expr: cst.BaseExpression) -> Endpoint:
        endpoint = Endpoint(expr=expr)
        value = self._static_string(expr)
        text = value if value is not None else _static_text(expr)
        host = ""
        if text is not None:
            try:
                host = (urlsplit(text).hostname or "").lower()
            except ValueError:
                host = ""
        if host.endswith(names.SERVERLESS_SUFFIX) or host.endswith(
            names.MANAGED_COMPUTE_SUFFIX
        ):
            comp.block(
                expr,
                NO_EQUIVALENT,
                "this endpoint is a serverless (*.models.ai.azure.com) or managed-compute (*.inference.ml.azure.com) deployment, not an Azure OpenAI resource: /openai/v1/ is not served there. Check whether the model is (or can be) deployed in an Azure OpenAI / Foundry resource and use that resource's https://<resource>.openai.azure.com/openai/v1/, or keep azure-ai-inference for it",
            )
            return endpoint
        if host in names.GITHUB_MODELS_HOSTS:
            comp.block(
                expr,
                NO_EQUIVALENT,
                'GitHub Models moved from models.inference.ai.azure.com to https://models.github.ai/inference, with publisher-prefixed model ids (model="openai/gpt-4o") and a GitHub token as api_key: migrate this client by hand',
            )
            return endpoint
        if value is None:
            if isinstance(expr, cst.BinaryOperation) and isinstance(
                expr.operator, cst.Add
            ):
                tail = string_value(expr.right) or ""
                match = re.fullmatch(r"/?openai/deployments/([^/?]+)/?", tail)
                left = expr.left
                if match:  # <base> + "/openai/deployments/gpt-4o"
                    endpoint.deployment = match.group(1)
                    endpoint.base_expr = left
                elif (
                    isinstance(left, cst.BinaryOperation)
                    and isinstance(left.operator, cst.Add)
                    and re.fullmatch(
                        r"/?openai/deployments/", string_value(left.right) or ""
                    )
                ):  # <base> + "/openai/deployments/" + deployment
                    endpoint.deployment_expr = expr.right
                    endpoint.base_expr = left.left
            return endpoint
        endpoint.static = value
        parts = urlsplit(value)
        path = parts.path.rstrip("/")
        prefix = None
        if "/openai/deployments/" in path:
            prefix, _, rest = path.partition("/openai/deployments/")
            endpoint.deployment = rest.split("/")[0] or None
        elif path.endswith("/openai/v1"):
            prefix = path[: -len("/openai/v1")]
        elif path.endswith("/models"):
            prefix = path[: -len("/models")]
        if prefix is None or not parts.scheme or not parts.netloc:
            comp.block(
                expr,
                CLIENTS,
                f"the endpoint {value!r} is neither .../models nor .../openai/deployments/<deployment>: the tool cannot tell its /openai/v1/ URL",
            )
            return endpoint
        endpoint.base_url = f"{parts.scheme}://{parts.netloc}{prefix}/openai/v1/"
        return endpoint

    def _static_string(self, expr: cst.BaseExpression) -> Optional[str]:
        value = string_value(expr)
        if value is not None:
            return value
        if isinstance(expr, cst.Name):
            assigned = self._single_global_value(expr)
            if assigned is not None:
                return string_value(assigned)
        return None

    def _single_global_value(self, name: cst.Name) -> Optional[cst.BaseExpression]:
        """The value of a module-level name assigned exactly once (`ENDPOINT = "..."`)."""
        assignment = self.sole_assignment(name)
        if assignment is None or not isinstance(assignment.scope, GlobalScope):
            return None
        node = getattr(assignment, "node", None)
        parent = self.parent(node) if node is not None else None
        grand = self.parent(parent) if parent is not None else None
        if (
            isinstance(parent, cst.AssignTarget)
            and isinstance(grand, cst.Assign)
            and len(grand.targets) == 1
        ):
            return grand.value
        if isinstance(parent, cst.AnnAssign) and parent.value is not None:
            return parent.value
        return None

    def assigned_value(self, name: cst.Name) -> Optional[cst.BaseExpression]:
        """The value of a name bound exactly once by a plain assignment, in any scope."""
        assignment = self.sole_assignment(name)
        if assignment is None:
            return None
        node = getattr(assignment, "node", None)
        parent = self.parent(node) if node is not None else None
        grand = self.parent(parent) if parent is not None else None
        if (
            isinstance(parent, cst.AssignTarget)
            and isinstance(grand, cst.Assign)
            and len(grand.targets) == 1
        ):
            return grand.value
        if isinstance(parent, cst.AsName) and isinstance(grand, cst.WithItem):
            return grand.item
        return None

    def _credential(
        self, comp: Component, expr: cst.BaseExpression
    ) -> Optional[Credential]:
        target = expr
        via_name = False
        if isinstance(expr, cst.Name):
            value = self.assigned_value(expr)
            if isinstance(value, cst.Call):
                target, via_name = value, True
        if isinstance(target, cst.Call):
            name = self.qname(target.func) or ""
            if name == names.KEY_CREDENTIAL:
                if via_name:
                    return Credential(
                        "key", cst.Attribute(value=expr, attr=cst.Name("key"))
                    )
                key = _arg(target, 0, "key")
                if key is None:
                    comp.block(expr, CLIENTS, "AzureKeyCredential without its key")
                    return None
                return Credential("key", key)
            if name.startswith(names.IDENTITY):
                aio = name.startswith(names.IDENTITY_AIO)
                if comp.aio and not aio:
                    comp.block(
                        expr,
                        CLIENTS,
                        "an aio client needs an azure.identity.aio credential: AsyncOpenAI awaits its token provider, so it needs azure.identity.aio.get_bearer_token_provider over an aio credential (a sync provider raises TypeError at the first request)",
                    )
                    return None
                if not comp.aio and aio:
                    comp.block(
                        expr,
                        CLIENTS,
                        "a sync client with an azure.identity.aio credential: use the sync azure.identity credential",
                    )
                    return None
                return Credential("token", expr, aio)
            local = self._local_token_credential(target.func)
            if local is not None:
                if comp.aio != local:
                    comp.block(
                        expr,
                        CLIENTS,
                        (
                            "an aio client needs an AsyncTokenCredential: AsyncOpenAI awaits its token provider, so it needs azure.identity.aio.get_bearer_token_provider over an async credential (a sync provider raises TypeError at the first request)"
                            if comp.aio
                            else "a sync client with an AsyncTokenCredential: use a sync TokenCredential"
                        ),
                    )
                    return None
                return Credential("token", expr, local)
        comp.block(
            expr,
            CLIENTS,
            f"the tool cannot tell whether `{code_of(expr)}` is an AzureKeyCredential or a token credential: pass api_key=<key> or api_key=get_bearer_token_provider(<credential>, <scope>) by hand",
        )
        return None

    def _local_token_credential(
        self, func: cst.BaseExpression, seen: Optional[Set[cst.ClassDef]] = None
    ) -> Optional[bool]:
        """Whether `func` names a class of this module that derives (directly or through
        other classes of the module) from azure-core's TokenCredential (False) or
        AsyncTokenCredential (True); None when it does not, or cannot be told."""
        if not isinstance(func, cst.Name):
            return None
        assignment = self.sole_assignment(func)
        node = getattr(assignment, "node", None)
        if not isinstance(node, cst.ClassDef):
            return None
        seen = seen or set()
        if node in seen:
            return None
        seen.add(node)
        flavours = set()
        for base in node.bases:
            if base.keyword is not None:
                continue
            name = self.qname(base.value)
            if name in names.TOKEN_CREDENTIAL_BASES:
                flavours.add(names.TOKEN_CREDENTIAL_BASES[name])
                continue
            inherited = self._local_token_credential(base.value, seen)
            if inherited is not None:
                flavours.add(inherited)
        return flavours.pop() if len(flavours) == 1 else None


def _arg(call: cst.Call, index: int, keyword: str) -> Optional[cst.BaseExpression]:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for a in call.args:
        if a.keyword is not None and a.keyword.value == keyword:
            return a.value
    if len(positional) > index:
        return positional[index].value
    return None


def _static_text(expr: cst.BaseExpression) -> Optional[str]:
    """The literal text an f-string or concatenation starts with (enough to see its host)."""
    if isinstance(expr, cst.FormattedString):
        text = ""
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringText):
                text += part.value
            else:
                break
        return text or None
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return (
            string_value(expr.left)
            if isinstance(expr.left, (cst.SimpleString, cst.ConcatenatedString))
            else _static_text(expr.left)
        )
    return None
