"""An `AzureOpenAI` client without `azure_deployment` whose calls name the deployment in a
variable becomes one azure-ai-inference client per deployment (the generated
`_DeploymentClients` / `_AsyncDeploymentClients`).

The migrated module is run with stand-in client classes: the constructor's arguments are
evaluated once, where the original client was built (as `AzureOpenAI(...)` evaluated them);
no client is built before a call needs it; each distinct deployment gets one client, built
with `<endpoint>/openai/deployments/<deployment>` and the original's options, and reused;
async clients are closed when their event loop ends.  The requests themselves are checked
against the real SDKs in fixtures/e2e/v1_*deployment_variable.
"""

from __future__ import annotations

import asyncio

from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

SYNC = '''
from openai import AzureOpenAI

evaluated = []


def setting(name, value):
    evaluated.append(name)
    return value


class Bot:
    def __init__(self):
        self.deployment_name = "gpt-35-turbo"
        self.client = AzureOpenAI(
            api_key=setting("key", "secret"),
            azure_endpoint=setting("endpoint", "https://res.openai.azure.com/"),
            api_version=setting("version", "2024-06-01"),
        )

    def set_deployment_name(self, name):
        self.deployment_name = name

    def ask(self, question):
        response = self.client.chat.completions.create(
            model=self.deployment_name, messages=[{"role": "user", "content": question}]
        )
        return response
'''

ASYNC = '''
from openai import AsyncAzureOpenAI

evaluated = []


def setting(name, value):
    evaluated.append(name)
    return value


shared = AsyncAzureOpenAI(
    api_key=setting("key", "secret"),
    azure_endpoint=setting("endpoint", "https://res.openai.azure.com"),
    api_version="2024-06-01",
)


async def ask(question, deployment):
    response = await shared.chat.completions.create(
        model=deployment, messages=[{"role": "user", "content": question}]
    )
    return response
'''


def _migrate(source: str) -> str:
    result = migrate_source(source, Config(), "bot.py")
    assert result.error is None, result.error
    assert "TODO(migrate-inference)" not in result.code, result.code
    assert "from openai" not in result.code and "import openai" not in result.code
    return result.code


class _Recorder:
    built: list = []

    def __init__(self, endpoint, credential, **options):
        self.endpoint = endpoint
        self.credential = credential
        self.options = options
        self.closed = False
        type(self).built.append(self)


class FakeClient(_Recorder):
    built: list = []

    def complete(self, **kwargs):
        return self.endpoint, kwargs


class FakeAsyncClient(_Recorder):
    built: list = []

    async def complete(self, **kwargs):
        return self.endpoint, kwargs

    async def close(self):
        self.closed = True


def test_one_client_per_deployment_built_on_first_use_and_reused():
    code = _migrate(SYNC)
    assert "self.client[self.deployment_name].complete(" in code
    namespace: dict = {}
    exec(compile(code, "bot.py", "exec"), namespace)
    namespace["ChatCompletionsClient"] = FakeClient
    FakeClient.built.clear()

    bot = namespace["Bot"]()
    assert namespace["evaluated"] == ["endpoint", "key", "version"]  # once, at build time
    assert FakeClient.built == []  # nothing built before a call needs it

    first = bot.ask("one")
    bot.ask("two")
    bot.set_deployment_name("gpt-4o")
    second = bot.ask("three")
    bot.set_deployment_name("gpt-35-turbo")
    bot.ask("four")

    assert first[0] == "https://res.openai.azure.com/openai/deployments/gpt-35-turbo"
    assert second[0] == "https://res.openai.azure.com/openai/deployments/gpt-4o"
    assert "model" not in first[1]  # the deployment is in the endpoint
    assert [c.endpoint.rsplit("/", 1)[1] for c in FakeClient.built] == ["gpt-35-turbo", "gpt-4o"]
    assert namespace["evaluated"] == ["endpoint", "key", "version"]  # still once
    for client in FakeClient.built:
        assert client.credential.key == "secret"
        assert client.options == {"api_version": "2024-06-01", "retry_total": 2}
    assert FakeClient.built[0].credential is FakeClient.built[1].credential


def test_async_clients_are_per_loop_and_closed_when_the_loop_ends():
    code = _migrate(ASYNC)
    assert "shared[deployment].complete(" in code
    namespace: dict = {}
    exec(compile(code, "bot.py", "exec"), namespace)
    namespace["shared"].client_class = FakeAsyncClient  # built at import, with the real class
    FakeAsyncClient.built.clear()
    assert namespace["evaluated"] == ["endpoint", "key"]
    ask = namespace["ask"]

    async def main():
        return await asyncio.gather(ask("a", "gpt-4o"), ask("b", "gpt-4o"), ask("c", "mini"))

    replies = asyncio.run(main())
    assert [r[0].rsplit("/", 1)[1] for r in replies] == ["gpt-4o", "gpt-4o", "mini"]
    assert len(FakeAsyncClient.built) == 2
    assert all(c.closed for c in FakeAsyncClient.built)  # asyncio.run's end closed them

    asyncio.run(ask("d", "gpt-4o"))  # a new loop: a new client, closed in its turn
    assert len(FakeAsyncClient.built) == 3 and FakeAsyncClient.built[2].closed
    assert namespace["evaluated"] == ["endpoint", "key"]
