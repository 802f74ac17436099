"""The code that builds an azure-ai-inference client: not a rule, shared by the rules
that create clients (v0_chat for the module API, v1_clients for OpenAI() clients, v1_chat
for a client built inline).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

import libcst as cst

from migrate_inference import comments
from migrate_inference.rules import embeddings_code
from migrate_inference.rules.context import RuleContext

AOAI_SCOPE = "https://cognitiveservices.azure.com/.default"


CLIENT_CLASSES = {
    ("chat", False): "ChatCompletionsClient",
    ("chat", True): "AsyncChatCompletionsClient",
    **embeddings_code.CLIENT_CLASSES,
}
METHODS = {"chat": "complete", embeddings_code.API: embeddings_code.METHOD}


@dataclass(frozen=True)
class ClientSpec:
    """One client the migrated module needs."""

    api: str  # "chat" or "embeddings"
    is_async: bool
    endpoint: str  # code; may use the accessor's `deployment` parameter
    credential: str  # code
    api_version: Optional[str]  # code
    scopes: bool
    parameterized: bool  # the accessor takes the deployment name
    extra: Tuple[str, ...] = ()  # more constructor keywords, as code: "read_timeout=30"
    # the class of a per-deployment cache (`deployment_clients_source`): `endpoint` is the
    # resource, and the cache builds one client per deployment it is indexed with
    cache: Optional[str] = None


# How often the original retried a failed request on its own: openai 0.28 never retried an
# HTTP status (only connection errors, in requests' adapter), v1 clients retry
# `max_retries` times (default 2).  azure-core's RetryPolicy would retry up to 3 times.
V0_RETRIES = "0"
V1_DEFAULT_RETRIES = "2"


def retry_budget(generation: str, max_retries: Optional[str] = None) -> str:
    """The `retry_total=` keyword that keeps the original's request count."""
    if max_retries is not None:
        return f"retry_total={max_retries}"
    return f"retry_total={V0_RETRIES if generation == 'v0' else V1_DEFAULT_RETRIES}"


def client_call_code(spec: ClientSpec, indent: str = "") -> str:
    """`ChatCompletionsClient(...)` source for a spec (multi-line when `indent` is given)."""
    cls = CLIENT_CLASSES[spec.api, spec.is_async]
    args = [f"endpoint={spec.endpoint}", f"credential={spec.credential}"]
    if spec.scopes:
        args.append(f'credential_scopes=["{AOAI_SCOPE}"]')
    if spec.api_version:
        args.append(f"api_version={spec.api_version}")
    args.extend(spec.extra)
    if spec.cache is not None:
        args.insert(0, cls)
        cls = spec.cache
    if not indent:
        return f"{cls}({', '.join(args)})"
    inner = indent + "    "
    return f"{cls}(\n" + "".join(f"{inner}{a},\n" for a in args) + f"{indent})"


def need_client_imports(ctx: RuleContext, spec: ClientSpec) -> None:
    """The imports a client built from `spec` needs."""
    cls = CLIENT_CLASSES[spec.api, spec.is_async]
    if spec.is_async:
        ctx.need_import("azure.ai.inference.aio", cls.replace("Async", "", 1), cls)
    else:
        ctx.need_import("azure.ai.inference", cls)
    if "AzureKeyCredential" in spec.credential:
        ctx.need_import("azure.core.credentials", "AzureKeyCredential")
    if "AsyncDefaultAzureCredential" in spec.credential:
        ctx.need_import(
            "azure.identity.aio",
            "DefaultAzureCredential",
            "AsyncDefaultAzureCredential",
        )
    elif "DefaultAzureCredential" in spec.credential:
        ctx.need_import("azure.identity", "DefaultAzureCredential")


def accessor_source(
    spec: ClientSpec, name: str, store: Optional[str] = None
) -> List[str]:
    """The lazily built, cached client: one per process (sync) or per event loop (async:
    an aiohttp session cannot outlive the loop it was made in, and `asyncio.run()` makes a
    new loop each time)."""
    param = "deployment" if spec.parameterized else ""
    if not spec.is_async:
        body = client_call_code(spec, indent="    ")
        return [
            f"@functools.lru_cache(maxsize=None)\ndef {name}({param}):\n    return {body}\n"
        ]
    store = store or name + "s"
    key = "deployment" if param else "None"
    body = client_call_code(spec, indent="        ")
    # openai 0.28 opened and closed an aiohttp session per request: the cached client is
    # closed when asyncio.run() cancels the tasks left at its end, so no session is leaked.
    return [
        f"{store} = weakref.WeakKeyDictionary()\n",
        f"def {name}({param}):\n"
        f"    # one client per event loop: an aiohttp session cannot outlive its loop\n"
        f"    clients = {store}.setdefault(asyncio.get_running_loop(), {{}})\n"
        f"    if {key} not in clients:\n"
        f"        client = {body}\n"
        f"\n"
        f"        async def close_at_loop_end():\n"
        f"            # asyncio.run() cancels the tasks still pending when its coroutine returns\n"
        f"            try:\n"
        f"                await asyncio.Event().wait()\n"
        f"            finally:\n"
        f"                await client.close()\n"
        f"\n"
        f"        clients[{key}] = client, asyncio.ensure_future(close_at_loop_end())\n"
        f"    return clients[{key}][0]\n",
    ]


def deployment_clients_source(name: str, is_async: bool = False) -> str:
    """The per-deployment cache an `AzureOpenAI` client without `azure_deployment` becomes
    when its calls name the deployment in a variable (`model=self.deployment`): OpenAI put
    each call's `model` into the URL; azure-ai-inference fixes the deployment in the
    client's endpoint, so there is one client per deployment, built on first use from the
    endpoint, credential and options evaluated once, where the original client was built.

    The async one keeps its clients per event loop and closes them at the loop's end, as
    `accessor_source` does for a module-level async client (an aiohttp session cannot
    outlive its loop, and one left open warns at exit)."""
    init = (
        "    def __init__(self, client_class, endpoint, **options):\n"
        + ("" if is_async else "        super().__init__()\n")
        + "        self.client_class = client_class\n"
        '        self.endpoint = endpoint.rstrip("/") + "/openai/deployments/"\n'
        "        self.options = options\n"
    )
    build = 'self.client_class(endpoint=f"{self.endpoint}{deployment}", **self.options)'
    if not is_async:
        return (
            f"class {name}(dict):\n"
            '    """One client per Azure OpenAI deployment of a resource, built on first use."""\n'
            "\n"
            f"{init}"
            "\n"
            "    def __missing__(self, deployment):\n"
            f"        client = {build}\n"
            "        self[deployment] = client\n"
            "        return client\n"
        )
    return (
        f"class {name}:\n"
        '    """One async client per Azure OpenAI deployment of a resource, built on first use in\n'
        "    each event loop and closed at the loop's end (an aiohttp session cannot outlive its\n"
        '    loop)."""\n'
        "\n"
        f"{init}"
        "        self.loops = weakref.WeakKeyDictionary()\n"
        "\n"
        "    def __getitem__(self, deployment):\n"
        "        clients = self.loops.setdefault(asyncio.get_running_loop(), {})\n"
        "        if deployment not in clients:\n"
        f"            client = {build}\n"
        "\n"
        "            async def close_at_loop_end():\n"
        "                # asyncio.run() cancels the tasks still pending when its coroutine returns\n"
        "                try:\n"
        "                    await asyncio.Event().wait()\n"
        "                finally:\n"
        "                    await client.close()\n"
        "\n"
        "            clients[deployment] = client, asyncio.ensure_future(close_at_loop_end())\n"
        "        return clients[deployment][0]\n"
    )


def multiline(code: str) -> str:
    """`Cls(a, b)` -> one keyword per line, the way the migration guide writes clients."""
    head, _, rest = code.partition("(")
    args = split_top_level(rest[:-1])
    if len(args) <= 1:
        return code
    return head + "(\n" + "".join(f"    {a.strip()},\n" for a in args) + ")"


def split_top_level(text: str) -> List[str]:
    parts, depth, current, quote = [], 0, [], None
    for ch in text:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current))
    return parts


def insert_after_imports(
    module: cst.Module, sources: List[str], above: Sequence[str] = ()
) -> cst.Module:
    """`sources` as statements after the module's imports, `above` as comments before them."""
    body = list(module.body)
    index = 0
    for i, stmt in enumerate(body):
        if _is_import_or_docstring(stmt, i):
            index = i + 1
        else:
            break
    new: List[cst.BaseStatement] = []
    for source in sources:
        stmt = cst.parse_module(source).body[0]
        # two blank lines around definitions; one between the imports and a plain
        # statement (as isort and black leave it)
        blank = 2 if new or isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) else 1
        stmt = stmt.with_changes(
            leading_lines=[cst.EmptyLine()] * blank if index > 0 or new else []
        )
        if not new:
            stmt = comments.with_comments_above(stmt, above)
        new.append(stmt)
    if index < len(body):
        following = body[index]
        blank = 0
        for line in following.leading_lines:
            if line.comment is None:
                blank += 1
            else:
                break
        if blank < 2:
            following = following.with_changes(
                leading_lines=[cst.EmptyLine()] * (2 - blank)
                + list(following.leading_lines)
            )
        body[index] = following
    return module.with_changes(body=body[:index] + new + body[index:])


def _is_import_or_docstring(stmt: cst.CSTNode, index: int) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        if all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            return True
        if index == 0 and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Expr):
            return isinstance(
                stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)
            )
    return False
