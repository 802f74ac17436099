"""Property tests: generated OpenAI call sites go through the engine safely.

Hypothesis builds small modules around one chat call, in the v0 style
(``openai.ChatCompletion.create`` / ``acreate``) or the v1 style
(``client.chat.completions.create``), with a random subset of real request
parameters in random order, import aliases, Azure configuration (key or
Entra ID token provider), and the call
placed in different syntactic homes (module level, function, method, return
statement, async function, call argument, f-string, subscript chain, loop);
now and then the call also passes a ``**dict``.

For every such module the engine must:

* not report an error (a crash or a failed self-check on valid input);
* produce code that parses with LibCST and compiles with ``compile``;
* be idempotent: migrating its own output changes nothing;
* keep every comment of the input (the generator writes them after keywords, above
  keywords as commented-out code, after `create(` and on the configuration lines);
* call ``.complete(...)`` only with keywords azure-ai-inference accepts
  (anything else is a TypeError at run time, see sdk-reference section 1),
  never with a positional argument (it would be sent as the raw body), and
  never with a dict literal as ``response_format`` (a ValueError before any
  request is sent).
"""

from __future__ import annotations

import ast
from typing import List, Sequence

import libcst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate_inference.comments import comments_of_source
from migrate_inference.config import Config
from migrate_inference.engine import migrate_source
from migrate_inference.findings import ERROR

ALLOWED_COMPLETE_KEYWORDS = {
    "messages",
    "stream",
    "frequency_penalty",
    "presence_penalty",
    "temperature",
    "top_p",
    "max_tokens",
    "response_format",
    "stop",
    "tools",
    "tool_choice",
    "seed",
    "model",
    "model_extras",
    "headers",
    "read_timeout",
    "connection_timeout",
    "request_id",
    "retry_total",
    "params",
    "raw_response_hook",
}

TOOLS_LITERAL = (
    '[{"type": "function", "function": {"name": "lookup", "description": "Look a word up",'
    ' "parameters": {"type": "object", "properties": {"word": {"type": "string"}},'
    ' "required": ["word"]}}}]'
)
FUNCTIONS_LITERAL = (
    '[{"name": "lookup", "description": "Look a word up", "parameters": {"type": "object",'
    ' "properties": {"word": {"type": "string"}}}}]'
)

# Values are source text.  No backslashes, no single quotes: the call may be
# placed inside a single-quoted f-string.
PARAMETER_VALUES = {
    "temperature": ["0", "0.7", "1.2", "TEMPERATURE"],
    "max_tokens": ["16", "256", "max_tokens"],
    "n": ["1", "3"],
    "stop": ['"END"', '["END", "STOP"]', '["###"]', "stop_words"],
    "user": ['"user-1234"', "user_id"],
    "logit_bias": ['{"50256": -100}', "{1234: 5, 4321: -5}"],
    "stream": ["True", "False"],
    "top_p": ["0.9", "1"],
    "seed": ["42", "None"],
    "presence_penalty": ["0.5", "-0.5"],
    "frequency_penalty": ["0.3"],
    "tools": [TOOLS_LITERAL, "tools"],
    "tool_choice": [
        '"auto"',
        '"none"',
        '{"type": "function", "function": {"name": "lookup"}}',
    ],
    "response_format": ['{"type": "json_object"}', '{"type": "text"}'],
    "functions": [FUNCTIONS_LITERAL, "functions"],
}

PREAMBLE = f"""\
TEMPERATURE = 0.2
max_tokens = 128
stop_words = ["\\n\\n", "END"]
user_id = "user-42"
tools = {TOOLS_LITERAL}
functions = {FUNCTIONS_LITERAL}
extra_params = {{"temperature": 0.1, "n": 2}}
history = [
    {{"role": "system", "content": "You are terse."}},
    {{"role": "user", "content": "Define entropy."}},
]
"""

MESSAGES = [
    '[{"role": "user", "content": "Hello there"}]',
    '[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why is the sky blue?"}]',
    "history",
    "list(history)",
]

# Homes for a call.  {call} is the call expression, {acall} the awaited form
# (async homes only); {client_setup} is indented to match.
CONTEXTS = {
    "module": "response = {call}\nprint(response)\n",
    "function": "def ask(history):\n    response = {call}\n    return response\n",
    "return": "def ask():\n    return {call}\n",
    "argument": "results = []\nresults.append({call})\n",
    "fstring": "print(f'answer: {{{call}}}')\n",
    "subscript_chain": 'text = {call}["choices"][0]["message"]["content"]\n',
    "attribute_chain": "text = ({call}).choices[0].message.content\n",
    "loop": "for chunk in {call}:\n    print(chunk)\n",
    "dict_value": 'payload = {{"answer": {call}, "source": "llm"}}\n',
    "conditional": "def ask(flag):\n    if flag:\n        return {call}\n    return None\n",
    "async": "async def ask():\n    response = {acall}\n    return response\n",
    "method": (
        "class Assistant:\n"
        "    def __init__(self):\n"
        "{client_setup}"
        "        self.history = []\n\n"
        "    def ask(self, history):\n"
        "        return {call}\n"
    ),
}


@st.composite
def parameter_subset(draw) -> List[str]:
    names = draw(
        st.lists(st.sampled_from(sorted(PARAMETER_VALUES)), unique=True, max_size=8)
    )
    names = draw(st.permutations(names))
    return [f"{name}={draw(st.sampled_from(PARAMETER_VALUES[name]))}" for name in names]


def render_call(
    receiver: str,
    keywords: List[str],
    multiline: bool,
    indent: str,
    notes: Sequence[int] = (),
) -> str:
    """The call; when it is one keyword per line, `notes` picks the keywords that carry a
    comment: 0 none, 1 at the end of the line, 2 a commented-out line above it."""
    if not multiline:
        return f"{receiver}({', '.join(keywords)})"
    inner = indent + "    "
    body = ""
    for i, k in enumerate(keywords):
        note = notes[i] if i < len(notes) else 0
        name = k.split("=")[0].lstrip("*")
        if note == 2:
            body += f"{inner}# {name}=old_{name},\n"
        body += f"{inner}{k},"
        body += f"  # why {name}\n" if note == 1 else "\n"
    opening = "  # the request" if 3 in notes else ""
    return f"{receiver}({opening}\n{body}{indent})"


@st.composite
def openai_module(draw) -> str:
    style = draw(st.sampled_from(["v0", "v1"]))
    context = draw(st.sampled_from(sorted(CONTEXTS)))
    alias = draw(st.sampled_from(["openai", "oa"]))
    azure = draw(st.booleans())
    messages = draw(st.sampled_from(MESSAGES))
    keywords = [f"messages={messages}"] + draw(parameter_subset())
    if draw(st.integers(0, 5)) == 0:  # about a third of real call sites pass a ** dict
        keywords.append("**extra_params")
    lines = ["import os"]
    lines.append("import openai" if alias == "openai" else "import openai as oa")

    if style == "v0":
        if azure:
            lines += [
                f'{alias}.api_type = "azure"',
                f'{alias}.api_base = os.getenv("AZURE_OPENAI_ENDPOINT", "")',
                f'{alias}.api_version = "2023-05-15"',
                f'{alias}.api_key = os.getenv("AZURE_OPENAI_API_KEY", "")',
            ]
            keywords.insert(
                0,
                draw(
                    st.sampled_from(
                        ['engine="gpt-35-turbo"', 'deployment_id="gpt-35-turbo"']
                    )
                ),
            )
        else:
            lines.append(f'{alias}.api_key = os.getenv("OPENAI_API_KEY")')
            keywords.insert(0, 'model="gpt-3.5-turbo"')
        sync_receiver = f"{alias}.ChatCompletion.create"
        async_receiver = f"{alias}.ChatCompletion.acreate"
        client_setup = ""
    else:
        constructor = draw(st.sampled_from(["direct", "qualified"]))
        if azure:
            cls, acls = "AzureOpenAI", "AsyncAzureOpenAI"
            if draw(st.booleans()):
                auth = 'api_key=os.getenv("AZURE_OPENAI_API_KEY", "")'
            else:  # Entra ID, the other common way (compiled only: azure-identity need not be installed)
                lines.append(
                    "from azure.identity import DefaultAzureCredential, get_bearer_token_provider"
                )
                lines.append(
                    "token_provider = get_bearer_token_provider("
                    'DefaultAzureCredential(), "https://cognitiveservices.azure.com/.default")'
                )
                auth = "azure_ad_token_provider=token_provider"
            args = f'azure_endpoint=os.getenv("AZURE_OPENAI_ENDPOINT", ""), {auth}, api_version="2024-06-01"'
            keywords.insert(0, 'model="gpt-4o"')
        else:
            cls, acls = "OpenAI", "AsyncOpenAI"
            args = draw(
                st.sampled_from(["", 'api_key=os.environ.get("OPENAI_API_KEY")'])
            )
            keywords.insert(0, 'model="gpt-4o-mini"')
        wanted = acls if context == "async" else cls
        if constructor == "direct":
            lines.append(f"from openai import {wanted}")
            make = f"{wanted}({args})"
        else:
            make = f"{alias}.{wanted}({args})"
        if context == "method":
            client_setup = f"        self.client = {make}\n"
            sync_receiver = "self.client.chat.completions.create"
        else:
            lines.append(f"client = {make}")
            client_setup = ""
            sync_receiver = "client.chat.completions.create"
        async_receiver = sync_receiver

    multiline = context != "fstring" and draw(st.booleans())
    indent = {
        "function": "    ",
        "return": "    ",
        "async": "    ",
        "method": "        ",
        "conditional": "        ",
    }.get(context, "")
    notes = draw(st.lists(st.sampled_from([0, 0, 1, 2, 3]), max_size=len(keywords)))
    call = render_call(sync_receiver, keywords, multiline, indent, notes)
    acall = "await " + render_call(async_receiver, keywords, multiline, indent, notes)
    if draw(st.booleans()):  # notes on the configuration, which the rewrite removes
        lines = [
            (f"{line}  # set here" if ".api_" in line and i % 2 else line)
            for i, line in enumerate(lines)
        ]
        lines.insert(1, "# configuration of the service")
    body = CONTEXTS[context].format(call=call, acall=acall, client_setup=client_setup)
    return "\n".join(lines) + "\n\n" + PREAMBLE + "\n\n" + body


def _dict_literals(tree: ast.AST) -> dict:
    """name -> keys of every `name = {...}` with literal string keys in the module."""
    found: dict = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            if isinstance(node.value, ast.Dict) and all(
                isinstance(k, ast.Constant) for k in node.value.keys
            ):
                found.setdefault(node.targets[0].id, []).append(
                    [k.value for k in node.value.keys]
                )
    return found


def complete_call_problems(code: str) -> List[str]:
    problems = []
    tree = ast.parse(code)
    literals = _dict_literals(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr != "complete":
            continue
        if node.args:
            problems.append(
                f"line {node.lineno}: .complete() called with positional arguments"
            )
        for keyword in node.keywords:
            if keyword.arg is None:
                # a ** dict is fine only when it is a literal whose every key complete() accepts
                name = keyword.value.id if isinstance(keyword.value, ast.Name) else None
                bindings = literals.get(name, [])
                if len(bindings) != 1 or any(
                    k not in ALLOWED_COMPLETE_KEYWORDS for k in bindings[0]
                ):
                    problems.append(
                        f"line {node.lineno}: .complete(**...) with keys the SDK may reject"
                    )
            elif keyword.arg not in ALLOWED_COMPLETE_KEYWORDS:
                problems.append(
                    f"line {node.lineno}: .complete({keyword.arg}=...) is not accepted by the SDK"
                )
            elif keyword.arg == "response_format" and isinstance(
                keyword.value, ast.Dict
            ):
                problems.append(
                    f"line {node.lineno}: .complete(response_format={{...}}) raises ValueError"
                )
    return problems


@settings(
    max_examples=60,  # the engine takes ~0.3 s per module; keeps this file under ~30 s on 2 cores
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(source=openai_module())
def test_generated_call_sites_migrate_safely(source: str) -> None:
    compile(source, "<generated>", "exec")  # the generator itself must be sound
    config = Config()
    result = migrate_source(source, config, "generated.py")
    errors = [f for f in result.findings if f.kind == ERROR]
    assert not errors, f"engine error on valid input: {errors}\n--- input ---\n{source}"
    out = result.code

    try:
        libcst.parse_module(out)
        compile(out, "<migrated>", "exec")
    except (libcst.ParserSyntaxError, SyntaxError) as exc:
        pytest.fail(
            f"output does not parse: {exc}\n--- input ---\n{source}\n--- output ---\n{out}"
        )

    again = migrate_source(out, config, "generated.py").code
    assert (
        again == out
    ), f"not idempotent\n--- input ---\n{source}\n--- first ---\n{out}\n--- second ---\n{again}"

    before, after = comments_of_source(source), comments_of_source(out)
    lost = before - after
    repeated = {c: n for c, n in (after - before).items() if c in before}
    assert not lost and not repeated, (
        f"comments lost {dict(lost)}, repeated {repeated}"
        f"\n--- input ---\n{source}\n--- output ---\n{out}"
    )

    problems = complete_call_problems(out)
    assert not problems, (
        "\n".join(problems) + f"\n--- input ---\n{source}\n--- output ---\n{out}"
    )


def test_complete_call_checker_flags_bad_keywords() -> None:
    """The checker above must catch what it claims to catch."""
    bad = (
        "client.complete([1], messages=[], n=2, **extra)\n"
        "client.complete(messages=[], model_extras={}, response_format={'type': 'json_object'})\n"
        "client.complete(messages=[], response_format='json_object')\n"
    )
    problems = complete_call_problems(bad)
    assert len(problems) == 4, problems
