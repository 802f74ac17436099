"""Dependency files under `--to openai`: azure-ai-inference becomes openai>=1.106, nothing else changes.

Golden files in fixtures/to_openai/dependencies/ (<case>.before.<ext> -> .after.<ext>;
<case>.noop.<ext> must come back byte for byte), and one run of the CLI on a small
project: the requirement is replaced only when no code file still uses
azure-ai-inference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate_inference import cli
from migrate_inference.config import Config
from migrate_inference.notebooks import migrate_notebook
from migrate_inference.to_openai.deps import migrate_dependency_file

ROOT = (
    Path(__file__).resolve().parent.parent / "fixtures" / "to_openai" / "dependencies"
)


def _filename(path: Path) -> str:
    return "pyproject.toml" if path.suffix == ".toml" else "requirements.txt"


@pytest.mark.parametrize(
    "before", sorted(ROOT.glob("*.before.*")), ids=lambda p: p.name
)
def test_rewrite(before):
    after = before.with_name(before.name.replace(".before.", ".after."))
    result = migrate_dependency_file(before.read_text(), _filename(before))
    assert result.error is None
    assert result.code == after.read_text()
    assert "azure-ai-inference" not in result.code
    assert [f.code for f in result.findings] == ["MI580"]
    again = migrate_dependency_file(result.code, _filename(before))
    assert again.code == result.code


@pytest.mark.parametrize("noop", sorted(ROOT.glob("*.noop.*")), ids=lambda p: p.name)
def test_leave_alone(noop):
    result = migrate_dependency_file(noop.read_text(), _filename(noop))
    assert result.code == noop.read_text()
    assert not result.findings


CODE = """\
from azure.ai.inference import ChatCompletionsClient
from azure.ai.inference.models import UserMessage
from azure.core.credentials import AzureKeyCredential

client = ChatCompletionsClient(
    endpoint="https://contoso.services.ai.azure.com/models",
    credential=AzureKeyCredential("key"),
)
print(client.complete(messages=[UserMessage("Hi")], model="phi-4").choices[0].message.content)
"""
BLOCKED = """\
from azure.ai.inference import ChatCompletionsClient
from azure.core.credentials import AzureKeyCredential

client = ChatCompletionsClient(
    endpoint="https://contoso.services.ai.azure.com/models",
    credential=AzureKeyCredential("key"),
)
print(client.get_model_info())
"""


@pytest.mark.parametrize("code, replaced", [(CODE, True), (BLOCKED, False)])
def test_cli_replaces_the_requirement_only_when_no_code_still_uses_it(
    tmp_path, monkeypatch, capsys, code, replaced
):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(code)
    (tmp_path / "requirements.txt").write_text("azure-ai-inference>=1.0.0b9\nrich\n")
    cli.main(["--to", "openai", "--isolated", "."])
    capsys.readouterr()
    requirements = (tmp_path / "requirements.txt").read_text()
    if replaced:
        assert requirements == "openai>=1.106\nrich\n"
        assert "azure.ai.inference" not in (tmp_path / "app.py").read_text()
    else:
        assert requirements == "azure-ai-inference>=1.0.0b9\nrich\n"


def _notebook(*cells):
    return json.dumps(
        {
            "cells": [
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": list(c),
                }
                for c in cells
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def _sources(text):
    return ["".join(c["source"]) for c in json.loads(text)["cells"]]


INFERENCE_CELL = [
    "import os\n",
    "from azure.ai.inference import ChatCompletionsClient\n",
    "from azure.ai.inference.models import UserMessage\n",
    "from azure.core.credentials import AzureKeyCredential\n",
    "client = ChatCompletionsClient(endpoint=os.environ['AZURE_INFERENCE_ENDPOINT'], "
    "credential=AzureKeyCredential(os.environ['AZURE_INFERENCE_CREDENTIAL']))\n",
    "r = client.complete(messages=[UserMessage(content='hi')], model='gpt-4o')\n",
]


def test_to_openai_pip_lines_install_openai():
    nb = _notebook(
        (["%pip install -q azure-ai-inference azure-identity\n"]),
        INFERENCE_CELL,
    )
    result = migrate_notebook(nb, Config(target="openai"), "x.ipynb")
    new = _sources(result.code)
    assert new[0] == '%pip install -q "openai>=1.106" azure-identity\n'
    assert "from openai import OpenAI" in new[1]
    assert any(
        f.code == "MI580" and "azure-ai-inference replaced" in f.message
        for f in result.findings
    )
    # the forward direction's rewrite never runs backwards: an openai line stays
    nb = _notebook(["%pip install openai\n"], INFERENCE_CELL)
    result = migrate_notebook(nb, Config(target="openai"), "x.ipynb")
    assert _sources(result.code)[0] == "%pip install openai\n"


def test_to_openai_pip_lines_stay_while_a_cell_uses_azure_ai_inference():
    kept = [
        "from azure.ai.inference import load_client\n",
        "c = load_client(endpoint='https://x.services.ai.azure.com/models', credential=k)\n",
    ]
    nb = _notebook(
        (["!pip install azure-ai-inference\n"]),
        INFERENCE_CELL,
        kept,
    )
    result = migrate_notebook(nb, Config(target="openai"), "x.ipynb")
    new = _sources(result.code)
    assert "azure.ai.inference" in new[2]
    assert new[0] == "!pip install azure-ai-inference\n"
