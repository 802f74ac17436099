"""Grammar fuzzing: generated OpenAI-shaped programs go through the engine safely.

Where `test_properties.py` varies one chat call in many syntactic homes, this
generator varies what a program holds: v0 module calls (`openai.ChatCompletion` /
`openai.Embedding`, `create` and `acreate`), v1 clients (`OpenAI`, `AzureOpenAI`,
`AsyncOpenAI`, `AsyncAzureOpenAI`, imported or qualified, and the module-level
`openai.chat.completions`), several calls per module, mixed v0/v1 imports, every
request parameter of the mapping table (`mapping.CHAT`, `mapping.EMBEDDINGS`) with
literal, variable, conditional (`A if flag else B`) and `None` values, `**kwargs`
splats, and credential-looking values in URLs, keys and tokens.

For every program the engine must report no error (an internal error, or a rewrite
its own self-check refuses, is a rewrite bug), and its output must parse and compile,
be idempotent, define every name it uses that the input defined (pyflakes, via
`engine.undefined_names`), and carry no generated secret in a TODO comment or a
finding.

`MIGRATE_INFERENCE_FUZZ=long` runs many more examples (see tests/README.md).
"""

from __future__ import annotations

import os
from typing import List

import libcst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate_inference import mapping
from migrate_inference.config import Config
from migrate_inference.engine import migrate_source, undefined_names
from migrate_inference.findings import ERROR

LONG = os.environ.get("MIGRATE_INFERENCE_FUZZ", "") == "long"
EXAMPLES = 2000 if LONG else 60

# Distinct enough never to occur by chance; the generator puts them in URLs and keys.
SECRETS = ["Zq8VfuzzSecretA1b2", "sk-Zq8VfuzzSecretKey0123456789"]
URL_SECRET, KEY_SECRET = SECRETS

# Values by parameter (source text); any other table parameter gets GENERIC.
VALUES = {
    "messages": ['[{"role": "user", "content": "hi"}]', "history", "list(history)"],
    "model": ['"gpt-4o"', '"gpt-35-turbo"', "model_name"],
    "engine": ['"gpt-35-turbo"', "deployment"],
    "deployment_id": ['"gpt-35-turbo"', "deployment"],
    "temperature": ["0", "0.7", "temperature"],
    "max_tokens": ["16", "limit"],
    "n": ["1", "2"],
    "stop": ['"END"', '["END", "STOP"]'],
    "stream": ["True", "False", "streaming"],
    "tools": ["tools", '[{"type": "function", "function": {"name": "f"}}]'],
    "functions": ["functions", '[{"name": "f", "parameters": {}}]'],
    "function_call": ['"auto"', '{"name": "f"}'],
    "tool_choice": ['"auto"', '"none"', '{"type": "function", "function": {"name": "f"}}'],
    "response_format": ['{"type": "json_object"}', "fmt"],
    "extra_body": ['{"a": 1}', "extra"],
    "extra_headers": ['{"x-h": "1"}'],
    "extra_query": ['{"q": "1"}'],
    "input": ['"text"', '["a", "b"]', "texts"],
    "logit_bias": ['{"50256": -100}'],
    "user": ['"u-1"'],
    "seed": ["42"],
}
GENERIC = ["1", '"x"', "value", "[1, 2]", '{"k": 1}']
CHAT_PARAMS = sorted(
    p for p, row in mapping.CHAT.items() if row.action != mapping.CLIENT and p != "messages"
)
EMBED_PARAMS = sorted(
    p for p, row in mapping.EMBEDDINGS.items() if row.action != mapping.CLIENT and p != "input"
)

PREAMBLE = """\
history = [{"role": "user", "content": "hi"}]
model_name = "gpt-4o"
deployment = "gpt-35-turbo"
temperature = 0.5
limit = 64
streaming = False
flag = bool(history)
tools = [{"type": "function", "function": {"name": "f"}}]
functions = [{"name": "f", "parameters": {}}]
fmt = {"type": "json_object"}
extra = {"a": 1}
texts = ["a", "b"]
value = 1
"""


@st.composite
def value_of(draw, param: str) -> str:
    pool = VALUES.get(param, GENERIC)
    shape = draw(st.sampled_from(["plain", "plain", "plain", "conditional", "none"]))
    if shape == "conditional" and param not in ("messages", "model", "engine", "deployment_id", "input"):
        other = draw(st.sampled_from(pool + ["True", "None"]))
        return f"{draw(st.sampled_from(pool))} if flag else {other}"
    if shape == "none" and param not in ("messages", "model", "engine", "deployment_id", "input"):
        return "None"
    return draw(st.sampled_from(pool))


@st.composite
def keywords(draw, params: List[str], first: List[str]) -> List[str]:
    taken = {k.split("=")[0] for k in first}
    params = [p for p in params if p not in taken and p not in ("model", "engine", "deployment_id")]
    names = draw(st.lists(st.sampled_from(params), unique=True, max_size=5))
    out = list(first) + [f"{n}={draw(value_of(n))}" for n in names]
    out = draw(st.permutations(out))
    if draw(st.integers(0, 3)) == 0:
        out.append("**kwargs")
    return list(out)


def call(receiver: str, kws: List[str]) -> str:
    return f"{receiver}({', '.join(kws)})"


@st.composite
def client_args(draw, azure: bool) -> str:
    args = []
    if azure:
        args.append(draw(st.sampled_from([
            'azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"]',
            'azure_endpoint="https://res.openai.azure.com/"',
            f'azure_endpoint="https://res.openai.azure.com/?sig={URL_SECRET}"',
        ])))
        args.append('api_version="2024-06-01"')
    elif draw(st.booleans()):
        args.append(draw(st.sampled_from([
            f'base_url="https://proxy.example.com/v1?key={URL_SECRET}"',
            'base_url="http://localhost:11434/v1"',
            'base_url=os.environ["BASE_URL"]',
        ])))
    auth = draw(st.sampled_from(["none", "env", "literal", "token"]))
    if auth == "env":
        args.append('api_key=os.environ["OPENAI_API_KEY"]')
    elif auth == "literal":
        args.append(f'api_key="{KEY_SECRET}"')
    elif auth == "token" and azure:
        args.append(f'azure_ad_token="{KEY_SECRET}"')
    if draw(st.integers(0, 4)) == 0:
        args.append("max_retries=3")
    return ", ".join(args)


@st.composite
def program(draw) -> str:
    v0 = draw(st.booleans())
    v1 = draw(st.booleans()) or not v0
    lines = ["import os", "import openai"]
    v1_classes = []
    if v0:
        if draw(st.booleans()):
            lines += [
                'openai.api_type = "azure"',
                draw(st.sampled_from([
                    'openai.api_base = os.environ["AZURE_OPENAI_ENDPOINT"]',
                    f'openai.api_base = "https://res.openai.azure.com/?sig={URL_SECRET}"',
                ])),
                'openai.api_version = "2023-05-15"',
            ]
            deployment_kw = ["engine", "deployment_id"]
        else:
            deployment_kw = ["model"]
        lines.append(draw(st.sampled_from([
            'openai.api_key = os.environ["OPENAI_API_KEY"]',
            f'openai.api_key = "{KEY_SECRET}"',
        ])))
    body = []
    n_calls = draw(st.integers(1, 3))
    clients = {}
    for i in range(n_calls):
        kinds = (["v0_chat", "v0_embed"] if v0 else []) + (
            ["v1_chat", "v1_embed", "module_v1"] if v1 else []
        )
        kind = draw(st.sampled_from(kinds))
        aio = draw(st.booleans())
        if kind.startswith("v0"):
            chat = kind == "v0_chat"
            dep = draw(st.sampled_from(deployment_kw))
            first = [f"{dep}={draw(value_of(dep))}"]
            first.append(
                f"messages={draw(value_of('messages'))}" if chat else f"input={draw(value_of('input'))}"
            )
            kws = draw(keywords(CHAT_PARAMS if chat else EMBED_PARAMS, first))
            receiver = f"openai.{'ChatCompletion' if chat else 'Embedding'}.{'acreate' if aio else 'create'}"
        elif kind == "module_v1":
            aio = False
            kws = draw(keywords(CHAT_PARAMS, ["model=\"gpt-4o\"", f"messages={draw(value_of('messages'))}"]))
            receiver = "openai.chat.completions.create"
        else:
            azure = draw(st.booleans())
            cls = ("Async" if aio else "") + ("AzureOpenAI" if azure else "OpenAI")
            name = f"client_{cls.lower()}"
            if name not in clients:
                qualified = draw(st.booleans())
                if not qualified:
                    v1_classes.append(cls)
                maker = f"openai.{cls}" if qualified else cls
                clients[name] = f"{name} = {maker}({draw(client_args(azure))})"
            chat = kind == "v1_chat"
            if chat:
                first = [f"model={draw(value_of('model'))}", f"messages={draw(value_of('messages'))}"]
                kws = draw(keywords(CHAT_PARAMS, first))
                receiver = f"{name}.chat.completions.create"
            else:
                first = ['model="text-embedding-3-small"', f"input={draw(value_of('input'))}"]
                kws = draw(keywords(EMBED_PARAMS, first))
                receiver = f"{name}.embeddings.create"
        expr = ("await " if aio else "") + call(receiver, kws)
        body.append(
            f"{'async ' if aio else ''}def ask_{i}(flag, **kwargs):\n"
            f"    response = {expr}\n"
            f"    return response\n"
        )
    if v1_classes:
        lines.insert(2, f"from openai import {', '.join(sorted(set(v1_classes)))}")
    return (
        "\n".join(lines) + "\n" + PREAMBLE + "\n".join(clients.values()) + "\n\n\n"
        + "\n\n".join(body)
    )


def check(source: str) -> None:
    compile(source, "<generated>", "exec")  # the generator itself must be sound
    config = Config()
    result = migrate_source(source, config, "generated.py")
    errors = [f for f in result.findings if f.kind == ERROR]
    assert not errors, f"engine error on valid input: {errors}\n--- input ---\n{source}"
    out = result.code
    libcst.parse_module(out)
    compile(out, "<migrated>", "exec")
    new = undefined_names(out) - undefined_names(source)
    assert not new, f"new undefined names {new}\n--- input ---\n{source}\n--- output ---\n{out}"
    again = migrate_source(out, config, "generated.py")
    assert again.code == out, (
        f"not idempotent\n--- input ---\n{source}\n--- first ---\n{out}\n--- second ---\n{again.code}"
    )
    for secret in SECRETS:
        for finding in result.findings + again.findings:
            assert secret not in finding.message, finding
        for line in out.splitlines():
            if "TODO(migrate-inference)" in line:
                assert secret not in line, f"{line}\n--- input ---\n{source}"


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(source=program())
def test_generated_programs_migrate_safely(source: str) -> None:
    check(source)
