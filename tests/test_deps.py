"""Dependency files: openai becomes azure-ai-inference, everything else stays byte for byte."""

from __future__ import annotations

import json
import textwrap

import pytest
import tomlkit

from migrate_inference.config import Config
from migrate_inference.deps import (
    CodeFacts,
    DependencyPlan,
    code_facts,
    code_uses_openai,
    dependency_plan,
    dependency_plan_for_results,
    is_dependency_file,
    kind_of_dependency_file,
    migrate_dependency_file,
    migrate_pyproject,
    migrate_requirements,
    migrate_setup_cfg,
    rewrite_pip_command,
    tree_still_uses_openai,
)
from migrate_inference.findings import ERROR, REWRITE, TODO, Result

AI = "azure-ai-inference>=1.0.0b9"


def migrate(text, filename="requirements.txt", needs_async=False, needs_identity=False):
    return migrate_dependency_file(
        textwrap.dedent(text),
        filename,
        needs_async=needs_async,
        needs_identity=needs_identity,
    )


# ------------------------------------------------------------ requirements


@pytest.mark.parametrize(
    "line, expected",
    [
        ("openai", f"{AI}\nazure-core"),
        ("openai==0.28.1", f"{AI}\nazure-core"),
        ("openai>=0.28.1,<1.0.0", f"{AI}\nazure-core"),
        ("OpenAI[datalib] ~= 0.27", f"{AI}\nazure-core"),
        ("openai>=1  # the LLM client", f"{AI}  # the LLM client\nazure-core"),
        (
            "openai>=1; python_version >= '3.8'",
            f"{AI}; python_version >= '3.8'\nazure-core; python_version >= '3.8'",
        ),
        (
            "openai ; sys_platform != 'win32'  # x",
            f"{AI} ; sys_platform != 'win32'  # x\nazure-core ; sys_platform != 'win32'",
        ),
        ("    openai", f"    {AI}\n    azure-core"),
    ],
)
def test_requirement_forms(line, expected):
    result = migrate(f"requests>=2\n{line}\nnumpy\n")
    assert result.code == f"requests>=2\n{expected}\nnumpy\n"
    [finding] = result.findings
    assert (finding.code, finding.kind, finding.line) == ("MI800", REWRITE, 2)


def test_async_and_identity_add_their_packages():
    result = migrate("openai\n", needs_async=True, needs_identity=True)
    assert result.code == f"{AI}\nazure-core\naiohttp\nazure-identity\n"


@pytest.mark.parametrize(
    "text",
    [
        "openai-whisper==2\nlangchain-openai\nopenai_agents\n",
        "-r base.txt\n-e git+https://github.com/x/openai-tools#egg=tools\n# openai is gone\n",
        "",
        "\n\n",
    ],
)
def test_no_openai_requirement_no_change(text):
    result = migrate(text)
    assert result.code == text and result.findings == []


def test_already_listed_packages_are_not_added_again():
    result = migrate(
        "azure-ai-inference==1.0.0b9\nopenai>=1\nAzure_Core>=1.30\n", needs_async=True
    )
    assert result.code == "azure-ai-inference==1.0.0b9\naiohttp\nAzure_Core>=1.30\n"


def test_openai_line_dropped_when_everything_is_there():
    result = migrate("openai  # old\nazure-ai-inference>=1.0.0b9\nazure-core\n")
    assert result.code == "azure-ai-inference>=1.0.0b9\nazure-core\n"
    assert "already lists" in result.findings[0].message


def test_crlf_and_missing_final_newline_are_kept():
    result = migrate("requests\r\nopenai")
    assert result.code == f"requests\r\n{AI}\r\nazure-core"


def test_two_openai_lines_with_markers():
    text = "openai<1; python_version < '3.8'\nopenai>=1; python_version >= '3.8'\n"
    result = migrate(text)
    assert result.code == (
        f"{AI}; python_version < '3.8'\nazure-core; python_version < '3.8'\n"
        f"{AI}; python_version >= '3.8'\nazure-core; python_version >= '3.8'\n"
    )


def test_hash_pinned_file_is_left_with_a_todo():
    text = "openai==1.40.0 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\nrequests==2.0 \\\n    --hash=sha256:123\n"
    result = migrate(text)
    assert result.code == text
    [finding] = result.findings
    assert (finding.code, finding.kind, finding.line) == ("MI801", TODO, 1)
    assert "hashes" in finding.message


def test_requirements_in_a_requirements_folder():
    result = migrate_dependency_file(
        "openai\n", "requirements/base.in", needs_async=False, needs_identity=False
    )
    assert result.code == f"{AI}\nazure-core\n"


# ------------------------------------------------------------------ setup.cfg

SETUP_CFG = """\
[metadata]
name = example
# openai in a comment stays

[options]
packages = find:
install_requires =
    requests>=2
    openai>=0.27,<1  # client
python_requires = >=3.8

[options.extras_require]
llm = openai[datalib]; python_version >= "3.8"
dev =
    pytest
    openai
"""


def test_setup_cfg():
    result = migrate(SETUP_CFG, "setup.cfg", needs_async=True)
    assert result.code == SETUP_CFG.replace(
        "    openai>=0.27,<1  # client\n",
        f"    {AI}  # client\n    azure-core\n    aiohttp\n",
    ).replace(
        'llm = openai[datalib]; python_version >= "3.8"\n',
        f'llm = {AI}; python_version >= "3.8"\n    azure-core; python_version >= "3.8"\n    aiohttp; python_version >= "3.8"\n',
    ).replace(
        "    pytest\n    openai\n",
        f"    pytest\n    {AI}\n    azure-core\n    aiohttp\n",
    )
    assert [f.line for f in result.findings] == [9, 13, 16]


def test_setup_cfg_without_openai_in_requirements_is_unchanged():
    text = "[metadata]\nname = openai-tools\n[options]\ninstall_requires = requests\n"
    assert migrate(text, "setup.cfg").code == text


# ------------------------------------------------------------- pyproject.toml

PEP621 = """\
[build-system]
requires = ["setuptools>=68"]

[project]
name = "example"
dependencies = [
    "requests>=2",  # http
    'openai>=1.0',  # llm
    "numpy",
]

[project.optional-dependencies]
llm = ["openai[datalib]>=0.27; python_version>'3.8'", "tiktoken"]
none = []

[dependency-groups]
dev = ["pytest", "openai"]

[tool.black]
line-length = 100  # openai
"""


def test_pep621_arrays_keep_their_layout_and_quotes():
    result = migrate(PEP621, "pyproject.toml")
    assert result.code == PEP621.replace(
        "    'openai>=1.0',  # llm\n",
        f"    '{AI}',  # llm\n    'azure-core',\n",
    ).replace(
        'llm = ["openai[datalib]>=0.27; python_version>\'3.8\'", "tiktoken"]',
        f'llm = ["{AI}; python_version>\'3.8\'", "azure-core; python_version>\'3.8\'", "tiktoken"]',
    ).replace(
        'dev = ["pytest", "openai"]',
        f'dev = ["pytest", "{AI}", "azure-core"]',
    )
    assert [f.line for f in result.findings] == [8, 13, 17]
    tomlkit.parse(result.code)


def test_pep621_does_not_duplicate_azure_ai_inference():
    text = '[project]\ndependencies = ["azure-ai-inference>=1.0.0b9", "openai"]\n'
    result = migrate(text, "pyproject.toml")
    assert (
        result.code
        == '[project]\ndependencies = ["azure-ai-inference>=1.0.0b9", "azure-core"]\n'
    )


POETRY = """\
[tool.poetry]
name = "example"

[tool.poetry.dependencies]
python = "^3.9"
openai = "^0.28.0"  # client
rich = "*"

[tool.poetry.group.llm.dependencies]
"openai" = { version = ">=1", optional = true, python = ">=3.8", extras = ["datalib"] }

[tool.poetry.extras]
llm = ["openai", "rich"]
"""


def test_poetry_tables():
    result = migrate(POETRY, "pyproject.toml", needs_identity=True)
    assert result.code == POETRY.replace(
        'openai = "^0.28.0"  # client\n',
        'azure-ai-inference = ">=1.0.0b9"  # client\nazure-core = "*"\nazure-identity = "*"\n',
    ).replace(
        '"openai" = { version = ">=1", optional = true, python = ">=3.8", extras = ["datalib"] }\n',
        'azure-ai-inference = {version = ">=1.0.0b9", optional = true, python = ">=3.8"}\n'
        'azure-core = {version = "*", optional = true, python = ">=3.8"}\n'
        'azure-identity = {version = "*", optional = true, python = ">=3.8"}\n',
    ).replace(
        'llm = ["openai", "rich"]',
        'llm = ["azure-ai-inference", "azure-core", "azure-identity", "rich"]',
    )
    assert [f.line for f in result.findings] == [6, 10]
    document = tomlkit.parse(result.code)
    assert "openai" not in document["tool"]["poetry"]["dependencies"]


def test_poetry_subtable_form_is_a_todo():
    text = '[tool.poetry.dependencies.openai]\nversion = "^1"\n'
    result = migrate(text, "pyproject.toml")
    assert result.code == text
    assert [(f.code, f.kind) for f in result.findings] == [("MI801", TODO)]


def test_pyproject_without_openai_is_byte_for_byte_unchanged():
    text = '[project]\nname = "openai-helpers"\ndependencies = ["requests"]  # openai\n\n\n[tool.x]\na = 1\n'
    result = migrate(text, "pyproject.toml")
    assert result.code == text and result.findings == []


def test_invalid_toml_is_an_error_not_an_exception():
    text = "[project\ndependencies = ['openai']\n"
    result = migrate(text, "pyproject.toml")
    assert result.code == text and result.error and "not valid TOML" in result.error
    assert [(f.code, f.kind) for f in result.findings] == [("MI002", ERROR)]


# ------------------------------------------------ entry points for the runner


def test_runner_shaped_adapters_take_identity_from_config():
    entra = Config(credential="entra")
    assert (
        migrate_requirements("openai\n", entra, "requirements.txt").code
        == f"{AI}\nazure-core\nazure-identity\n"
    )
    assert migrate_pyproject(
        '[project]\ndependencies = ["openai"]\n', None, "pyproject.toml"
    ).code == (f'[project]\ndependencies = ["{AI}", "azure-core"]\n')
    assert migrate_setup_cfg(
        "[options]\ninstall_requires = openai\n", Config(), "setup.cfg"
    ).code == (f"[options]\ninstall_requires = {AI}\n    azure-core\n")


@pytest.mark.parametrize(
    "path, kind",
    [
        ("requirements.txt", "requirements"),
        ("a/requirements-dev.txt", "requirements"),
        ("dev-requirements.txt", "requirements"),
        ("requirements/prod.txt", "requirements"),
        ("pyproject.toml", "pyproject"),
        ("pkg/setup.cfg", "setup_cfg"),
        ("notes.txt", None),
        ("setup.py", None),
        ("x.ipynb", None),
    ],
)
def test_kind_of_dependency_file(path, kind):
    assert kind_of_dependency_file(path) == kind
    assert is_dependency_file(path) == (kind is not None)


# --------------------------------------------------- is openai still used?


@pytest.mark.parametrize(
    "code, uses",
    [
        ("import openai\n", True),
        ("from openai import OpenAI\n", True),
        ("import openai as oa\n", True),
        ("from langchain.adapters import openai\n", True),
        ("x = openai.ChatCompletion\n", True),
        ("from langchain_openai import ChatOpenAI\n", False),
        ("key = os.environ['OPENAI_API_KEY']  # openai\n", False),
        ("# TODO(migrate-inference): openai.Image has no equivalent\n", False),
        ("provider = 'openai'\n", False),
        ("def broken(:\n    '''\n  openai.x\n", True),
        ("", False),
    ],
)
def test_code_uses_openai(code, uses):
    assert code_uses_openai(code) is uses


def nb(*sources):
    cells = [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": s,
        }
        for s in sources
    ]
    return json.dumps(
        {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    )


def ok(code):
    return Result(code, code)


def test_tree_still_uses_openai_reads_python_and_notebooks():
    migrated = {
        "app.py": ok("from azure.ai.inference import ChatCompletionsClient\n"),
        "nb.ipynb": ok(
            nb(
                "%pip install openai\n",
                "from azure.ai.inference.aio import ChatCompletionsClient\n",
            )
        ),
        "requirements.txt": ok("openai\n"),
    }
    assert not tree_still_uses_openai(migrated)
    assert tree_still_uses_openai(
        list(migrated.items()) + [("left.py", ok("import openai\n"))]
    )
    assert tree_still_uses_openai({"n.ipynb": ok(nb("import openai\n"))})
    failed = Result("import openai\n", "import openai\n", error="syntax error")
    assert tree_still_uses_openai({"bad.py": failed})


def test_dependency_plan():
    assert dependency_plan([CodeFacts(uses_azure_inference=True)]) == DependencyPlan(
        False, False
    )
    assert dependency_plan(
        [CodeFacts(uses_azure_inference=True, uses_async=True)],
        Config(credential="entra"),
    ) == (DependencyPlan(True, True))
    assert (
        dependency_plan(
            [CodeFacts(uses_azure_inference=True), CodeFacts(uses_openai=True)]
        )
        is None
    )
    assert (
        dependency_plan([CodeFacts()]) is None
    ), "nothing migrated: leave the dependency files alone"
    assert dependency_plan([]) is None


def test_dependency_plan_for_results_and_code_facts():
    results = {
        "a.py": ok(
            "from azure.ai.inference.aio import ChatCompletionsClient\nfrom azure.identity import X\n"
        ),
        "b.py": ok("print('hello')\n"),
    }
    assert dependency_plan_for_results(results) == DependencyPlan(
        needs_async=True, needs_identity=True
    )
    assert code_facts("import openai\n", "x.py") == CodeFacts(uses_openai=True)
    assert code_facts("openai\n", "requirements.txt") == CodeFacts()


@pytest.mark.parametrize(
    "command, expected",
    [
        ("pip install openai", 'pip install "azure-ai-inference>=1.0.0b9" azure-core'),
        (
            "pip3 install -U openai==1.2 && echo ok",
            'pip3 install -U "azure-ai-inference>=1.0.0b9" azure-core && echo ok',
        ),
        (
            "python -m pip install openai tiktoken > /dev/null",
            'python -m pip install "azure-ai-inference>=1.0.0b9" azure-core tiktoken > /dev/null',
        ),
        (
            "pip install --index-url openai openai",
            'pip install --index-url openai "azure-ai-inference>=1.0.0b9" azure-core',
        ),
        (
            "pip install openai azure-core openai",
            'pip install "azure-ai-inference>=1.0.0b9" azure-core',
        ),
        ("pip uninstall openai", None),
        ("pip download openai", None),
        ("echo openai", None),
        ("pip install langchain-openai", None),
    ],
)
def test_rewrite_pip_command(command, expected):
    assert rewrite_pip_command(command, [AI, "azure-core"]) == expected


def test_select_and_ignore_can_turn_the_dependency_rewrite_off():
    for config in (
        Config(ignore=frozenset({"MI800"})),
        Config(select=frozenset({"MI1"})),
    ):
        assert (
            migrate_requirements("openai\n", config, "requirements.txt").code
            == "openai\n"
        )
        assert migrate_pyproject(
            '[project]\ndependencies = ["openai"]\n', config
        ).code == ('[project]\ndependencies = ["openai"]\n')
    assert migrate_setup_cfg(
        "[options]\ninstall_requires = openai\n", Config(select=frozenset({"MI8"}))
    ).changed
