"""`--to openai` across files: a client built in one module and used in another is one
component, migrated in every file or in none (to_openai/shared.py, docs/to-openai.md)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrate_inference.analysis.project import build_index
from migrate_inference.cli import main
from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

LLM = """\
import os

from azure.ai.inference import ChatCompletionsClient
from azure.core.credentials import AzureKeyCredential

client = ChatCompletionsClient(
    endpoint=os.environ["AZURE_INFERENCE_ENDPOINT"],
    credential=AzureKeyCredential(os.environ["AZURE_INFERENCE_CREDENTIAL"]),
)
"""

APP = """\
from azure.ai.inference.models import SystemMessage, UserMessage

from llm import client


def ask(question):
    response = client.complete(
        messages=[SystemMessage("Be brief."), UserMessage(content=question)],
        model="gpt-4o",
    )
    return response.choices[0].message.content


if __name__ == "__main__":
    print(ask("How many feet are in a mile?"))
"""

LLM_AFTER = """\
import os

from openai import OpenAI


def _openai_v1_base_url(endpoint):
    \"\"\"https://<resource>.../models or .../openai/deployments/<name> -> https://<resource>.../openai/v1/\"\"\"
    url = endpoint.split("?", 1)[0].rstrip("/")
    for route in ("/openai/deployments/", "/openai/v1"):
        if route in url:
            url = url[: url.index(route)]
    if url.endswith("/models"):
        url = url[: -len("/models")]
    return url + "/openai/v1/"


client = OpenAI(
    base_url=_openai_v1_base_url(os.environ["AZURE_INFERENCE_ENDPOINT"]),
    api_key=os.environ["AZURE_INFERENCE_CREDENTIAL"],
    max_retries=10,
)
"""

APP_AFTER = """\
import os

from llm import client


def _deployment(endpoint, model=None):
    \"\"\"The deployment an .../openai/deployments/<name> endpoint names (it served every request), else model.\"\"\"
    path = endpoint.split("?", 1)[0]
    if "/openai/deployments/" in path:
        return path.split("/openai/deployments/", 1)[1].split("/", 1)[0]
    if model is None:
        raise ValueError(
            "openai needs model=: no deployment in the endpoint, no model given"
        )
    return model


def ask(question):
    response = client.chat.completions.create(
        model=_deployment(os.environ["AZURE_INFERENCE_ENDPOINT"], "gpt-4o"),
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": question},
        ],
    )
    return response.choices[0].message.content


if __name__ == "__main__":
    print(ask("How many feet are in a mile?"))
"""


def project(tmp_path: Path, files: dict) -> Path:
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run(root: Path, *paths: str, monkeypatch, tmp_path) -> int:
    monkeypatch.setenv("MIGRATE_INFERENCE_CACHE_DIR", str(tmp_path / "cache"))
    return main(["--to", "openai", "-q", *(str(root / p) for p in paths or ["."])])


def todo_lines(text: str):
    return [line.strip() for line in text.splitlines() if "TODO(migrate-inference)" in line]


def test_both_files_migrate_together(tmp_path, monkeypatch):
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert (root / "llm.py").read_text() == LLM_AFTER
    assert (root / "app.py").read_text() == APP_AFTER


def test_a_use_that_cannot_migrate_keeps_the_client_in_every_file(tmp_path, monkeypatch):
    app = APP.replace("return response.choices", "print(response.keys())\n    return response.choices")
    root = project(tmp_path, {"llm.py": LLM, "app.py": app})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    llm = (root / "llm.py").read_text()
    assert "ChatCompletionsClient(" in llm and "OpenAI" not in llm
    assert todo_lines(llm) == [
        "# TODO(migrate-inference): `client` is also used by other files of the project (app.py:3): a client migrates with all its uses or not at all, and a use in app.py cannot be migrated (see the TODO there); it stays an azure-ai-inference client in every file [MI500]"
    ]
    after = (root / "app.py").read_text()
    assert "client.complete(" in after and "UserMessage(content=question)" in after
    assert todo_lines(after) == [
        "# TODO(migrate-inference): left as it is: `client` is the azure-ai-inference client `client` built in llm.py; it stays an azure-ai-inference client in every file, as a whole, because a use in this file cannot be migrated (see the other TODO here) [MI500]",
        "# TODO(migrate-inference): `response.keys`: openai responses are objects, not mappings; use .model_dump() by hand [MI540]",
    ]


def test_a_construction_keyword_other_files_cannot_read(tmp_path, monkeypatch):
    llm = LLM.replace("client = ", "TEMPERATURE = 0.2\nclient = ").replace(
        "]),\n)", "]),\n    temperature=TEMPERATURE,\n)"
    )
    root = project(tmp_path, {"llm.py": llm, "app.py": APP})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert "ChatCompletionsClient(" in (root / "llm.py").read_text()
    after = (root / "app.py").read_text()
    assert "client.complete(" in after
    [todo] = todo_lines(after)
    assert (
        "the client-level temperature= must be passed on every call with openai, and "
        "`TEMPERATURE` cannot be evaluated at the call: pass it on each call by hand "
        "(set where the client is built, in llm.py) [MI510]" in todo
    )


def test_a_literal_client_default_is_copied_into_the_other_file(tmp_path, monkeypatch):
    llm = LLM.replace("]),\n)", "]),\n    temperature=0.2,\n)")
    root = project(tmp_path, {"llm.py": llm, "app.py": APP})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert "OpenAI(" in (root / "llm.py").read_text()
    after = (root / "app.py").read_text()
    assert "        temperature=0.2,\n    )" in after and "TODO" not in after


def test_no_import_os_for_a_setting_that_is_not_copied(tmp_path, monkeypatch):
    llm = LLM.replace(
        'endpoint=os.environ["AZURE_INFERENCE_ENDPOINT"]',
        'endpoint="https://res.openai.azure.com/openai/deployments/gpt-4o"',
    ).replace("]),\n)", "]),\n    api_version=os.environ[\"API_VERSION\"],\n)")
    root = project(tmp_path, {"llm.py": llm, "app.py": APP})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert 'base_url="https://res.openai.azure.com/openai/v1/"' in (root / "llm.py").read_text()
    after = (root / "app.py").read_text()
    assert "import os" not in after and "_deployment" not in after
    assert '    response = client.chat.completions.create(\n        model="gpt-4o",\n' in after


def test_only_the_defining_file_given(tmp_path, monkeypatch):
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    run(root, "llm.py", monkeypatch=monkeypatch, tmp_path=tmp_path)
    llm = (root / "llm.py").read_text()
    assert "ChatCompletionsClient(" in llm
    assert todo_lines(llm) == [
        "# TODO(migrate-inference): `client` is also used by other files of the project (app.py:3): a client migrates with all its uses or not at all, and app.py is not part of this run (not under the paths given, excluded, or in another shard): run on the whole project; it stays an azure-ai-inference client in every file [MI500]"
    ]
    assert (root / "app.py").read_text() == APP


def test_only_the_using_file_given(tmp_path, monkeypatch):
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    run(root, "app.py", monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert (root / "llm.py").read_text() == LLM
    [todo] = todo_lines((root / "app.py").read_text())
    assert "because llm.py is not part of this run (not under the paths given, excluded, or in another shard)" in todo


def test_an_excluded_user_keeps_the_client(tmp_path, monkeypatch):
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    monkeypatch.setenv("MIGRATE_INFERENCE_CACHE_DIR", str(tmp_path / "cache"))
    main(["--to", "openai", "-q", "--exclude", "app.py", str(root)])
    [todo] = todo_lines((root / "llm.py").read_text())
    assert "app.py is not part of this run" in todo
    assert (root / "app.py").read_text() == APP


def test_per_file_ignores_of_a_user_keep_the_client(tmp_path, monkeypatch):
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    (root / "pyproject.toml").write_text(
        '[tool.migrate-inference]\nto = "openai"\n\n[tool.migrate-inference.per-file-ignores]\n"app.py" = ["MI510"]\n'
    )
    monkeypatch.chdir(root)
    monkeypatch.setenv("MIGRATE_INFERENCE_CACHE_DIR", str(tmp_path / "cache"))
    main(["-q", "."])
    assert "ChatCompletionsClient(" in (root / "llm.py").read_text()
    [todo] = todo_lines((root / "llm.py").read_text())
    assert "a use in app.py cannot be migrated (see the TODO there)" in todo
    assert "client.complete(" in (root / "app.py").read_text()


def test_module_attribute_and_a_file_without_the_azure_name(tmp_path, monkeypatch):
    # `import llm` + `llm.client`, in a file that never names azure-ai-inference
    other = """\
    import llm


    def ask(q):
        return llm.client.complete(messages=[{"role": "user", "content": q}], model="m").choices[0].message.content
    """
    root = project(tmp_path, {"llm.py": LLM, "other.py": other})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert "OpenAI(" in (root / "llm.py").read_text()
    after = (root / "other.py").read_text()
    assert "llm.client.chat.completions.create(" in after
    assert 'model=_deployment(os.environ["AZURE_INFERENCE_ENDPOINT"], "m")' in after


def test_three_files_one_use_blocked(tmp_path, monkeypatch):
    blocked = APP.replace("return response.choices", "print(response.keys())\n    return response.choices")
    root = project(tmp_path, {"llm.py": LLM, "app.py": blocked, "b.py": APP})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert len(todo_lines((root / "llm.py").read_text())) == 1
    assert todo_lines((root / "b.py").read_text()) == [
        "# TODO(migrate-inference): left as it is: `client` is the azure-ai-inference client `client` built in llm.py and also used in app.py:3; it stays an azure-ai-inference client in every file, as a whole, because a use in app.py cannot be migrated (see the TODO there) [MI500]"
    ]


def test_files_that_use_each_others_clients(tmp_path, monkeypatch):
    a = LLM.replace("client = ", "client_a = ") + "\n\ndef f():\n    from b import client_b\n\n    return client_b.complete(messages=[], model=\"m\").choices[0].message.content\n"
    b = LLM.replace("client = ", "client_b = ").replace("import os\n", "import os\n\nfrom a import client_a\n") + "\n\ndef g():\n    return client_a.complete(messages=[], model=\"m\").choices[0].message.content\n"
    root = project(tmp_path, {"a.py": a, "b.py": b})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    for name in ("a.py", "b.py"):
        text = (root / name).read_text()
        assert "OpenAI" not in text and ".complete(" in text
        assert len(todo_lines(text)) == 2
        assert all("clients shared both ways between files are not migrated automatically" in t for t in todo_lines(text))


def test_a_name_assigned_here_too_keeps_the_client(tmp_path, monkeypatch):
    app = APP.replace("def ask(question):", "if False:\n    client = None\n\n\ndef ask(question):")
    root = project(tmp_path, {"llm.py": LLM, "app.py": app})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert "ChatCompletionsClient(" in (root / "llm.py").read_text()
    after = (root / "app.py").read_text()
    assert "client.complete(" in after
    assert "`client` here may be another value too (it is assigned in this file as well as imported)" in after


def test_every_call_of_a_shared_factory_gets_a_todo(tmp_path, monkeypatch):
    llm = "from azure.ai.inference import ChatCompletionsClient\nfrom azure.core.credentials import AzureKeyCredential\n\n\ndef get_client():\n    return ChatCompletionsClient(endpoint=\"https://x.openai.azure.com/models\", credential=AzureKeyCredential(\"k\"))\n"
    app = "from llm import get_client\n\nprint(get_client().complete(messages=[], model=\"m\"))\nprint(get_client().complete(messages=[], model=\"n\"))\n"
    root = project(tmp_path, {"llm.py": llm, "app.py": app})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    after = (root / "app.py").read_text()
    assert len(todo_lines(after)) == 2 and after.count("get_client().complete(") == 2


def test_imported_through_another_module(tmp_path, monkeypatch):
    # services.py imports the client from llm.py; app.py imports it from services.py
    services = "from llm import client  # noqa: F401\n"
    app = APP.replace("from llm import client", "from services import client")
    root = project(tmp_path, {"llm.py": LLM, "services.py": services, "app.py": app})
    index = build_index([str(root)], cache_dir=str(tmp_path / "cache"))
    key = (os.path.realpath(root / "llm.py"), "client")
    assert sorted(index.inference_importers[key]) == ["app.py:3", "services.py:1"]
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert "OpenAI(" in (root / "llm.py").read_text()
    assert "client.chat.completions.create(" in (root / "app.py").read_text()
    assert (root / "services.py").read_text() == services


def test_a_shared_factory_is_not_followed_across_files(tmp_path, monkeypatch):
    llm = LLM.replace("client = ChatCompletionsClient(", "def get_client():\n    return ChatCompletionsClient(").replace(
        "\n    endpoint", "\n        endpoint"
    ).replace("\n    credential", "\n        credential").replace("]),\n)", "]),\n    )")
    app = APP.replace("from llm import client", "from llm import get_client").replace(
        "client.complete(", "get_client().complete("
    )
    root = project(tmp_path, {"llm.py": llm, "app.py": app})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert "ChatCompletionsClient(" in (root / "llm.py").read_text()
    after = (root / "app.py").read_text()
    assert "get_client().complete(" in after
    [todo] = todo_lines(after)
    assert todo == (
        "# TODO(migrate-inference): left as it is: `get_client` is the function `get_client` of llm.py that returns an azure-ai-inference client; clients made by a function and used across files are not migrated automatically: migrate it with all its users by hand [MI500]"
    )
    assert todo_lines((root / "llm.py").read_text()) == [
        "# TODO(migrate-inference): `get_client` returns this client and other files of the project call it (app.py:3): clients made by a function and used across files are not migrated automatically; migrate it with all its users by hand [MI500]"
    ]


def test_a_notebook_that_uses_the_client_keeps_it_in_every_file(tmp_path, monkeypatch):
    import json

    cell = ["from llm import client\n", "r = client.complete(messages=[{\"role\": \"user\", \"content\": \"hi\"}], model=\"m\")\n", "print(r.choices[0].message.content)\n"]
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": cell}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP, "nb.ipynb": json.dumps(notebook, indent=1)})
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert todo_lines((root / "llm.py").read_text()) == [
        "# TODO(migrate-inference): `client` is also used by other files of the project (app.py:3, nb.ipynb:1): a client migrates with all its uses or not at all, and nb.ipynb is a notebook: clients shared with notebooks are not migrated automatically; it stays an azure-ai-inference client in every file [MI500]"
    ]
    assert "client.complete(" in (root / "app.py").read_text()
    after = json.loads((root / "nb.ipynb").read_text())["cells"][0]["source"]
    assert after[1].startswith("# TODO(migrate-inference): left as it is: `client` is the azure-ai-inference client `client` built in llm.py and also used in app.py:3; it stays an azure-ai-inference client in every file, as a whole, because this file is a notebook")
    assert after[2] == cell[1]


def test_a_client_from_a_module_that_is_not_azure_is_left_alone(tmp_path, monkeypatch):
    mylib = "class Client:\n    def complete(self, **kw):\n        return kw\n\n\nclient = Client()\n"
    app = "from mylib import client\n\nprint(client.complete(messages=[], model='x'))  # inference\n"
    root = project(tmp_path, {"mylib.py": mylib, "app.py": app})
    alone = migrate_source(app, Config(target="openai"), str(root / "app.py"))
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert (root / "app.py").read_text() == alone.code == app
    assert (root / "mylib.py").read_text() == mylib


def test_engine_with_the_index_gives_the_same_result(tmp_path):
    # the engine alone (no CLI precompute): the verdict is made on first use
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    index = build_index([str(root)], cache_dir=str(tmp_path / "cache"))
    config = Config(target="openai", project=index)
    assert migrate_source(APP, config, str(root / "app.py")).code == APP_AFTER
    assert migrate_source(LLM, config, str(root / "llm.py")).code == LLM_AFTER


# -- end to end: the two modules, original and migrated, against the fake server --

E2E = Path(__file__).resolve().parent / "e2e"


@pytest.mark.skipif(
    subprocess.run(
        [sys.executable, "-c", "import openai, azure.ai.inference"], capture_output=True
    ).returncode
    != 0,
    reason="needs the openai and azure-ai-inference packages",
)
def test_e2e_two_modules_on_the_real_sdks(tmp_path, monkeypatch):
    sys.path.insert(0, str(E2E))
    try:
        from fakeserver import FakeServer
    finally:
        sys.path.remove(str(E2E))
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    original = tmp_path / "original"
    original.mkdir()
    for name in ("llm.py", "app.py"):
        (original / name).write_text((root / name).read_text())
    run(root, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert "azure.ai.inference" not in (root / "llm.py").read_text() + (root / "app.py").read_text()
    rules = [
        {
            "when": {"last_user_contains": "feet are in a mile"},
            "reply": {"content": "There are 5,280 feet in a mile."},
        }
    ]
    results = []
    for folder in (original, root):
        with FakeServer(azure_prompt_filter=True) as server:
            server.reset(rules)
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("OPENAI_", "AZURE_")) and "proxy" not in k.lower()
            }
            env.update(
                AZURE_INFERENCE_ENDPOINT=f"{server.url}/models",
                AZURE_INFERENCE_CREDENTIAL="test-inference-key",
                NO_PROXY="127.0.0.1,localhost",
                PYTHONDONTWRITEBYTECODE="1",
            )
            proc = subprocess.run(
                [sys.executable, "app.py"],
                cwd=str(folder),
                env=env,
                capture_output=True,
                text=True,
                timeout=90,
            )
            results.append((proc.returncode, proc.stdout, proc.stderr, list(server.requests)))
    (rc0, out0, err0, req0), (rc1, out1, err1, req1) = results
    assert rc0 == 0, err0
    assert rc1 == 0, err1
    assert out1 == out0 == "There are 5,280 feet in a mile.\n"
    assert len(req0) == len(req1) == 1
    assert req1[0].path.startswith("/openai/v1/")
    assert req1[0].body["model"] == req0[0].body["model"] == "gpt-4o"
    assert req1[0].body["messages"] == req0[0].body["messages"]
