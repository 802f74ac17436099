"""The project index: clients built in one file and used in another are one component."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from migrate_inference.analysis.project import build_index, project_root
from migrate_inference.cli import main
from migrate_inference.config import Config
from migrate_inference.engine import migrate_source

LLM = """\
import os

from openai import OpenAI

client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])


def ask(question):
    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])
    return r.choices[0].message.content
"""

APP = """\
import openai  # noqa: F401

from llm import ask, client


def summarize(text):
    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": text}])
    return r.choices[0].message.content
"""


def project(tmp_path: Path, files: dict) -> Path:
    (tmp_path / ".git").mkdir()
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


def test_index_sees_clients_and_who_imports_them(tmp_path):
    root = project(
        tmp_path,
        {
            "llm.py": LLM,
            "app.py": APP,
            "pkg/__init__.py": "",
            "pkg/clients.py": "import openai\n\ndef make():\n    return openai.AzureOpenAI()\n",
            "pkg/use.py": "from .clients import make\nfrom . import clients\n\nclients.make()\n",
            "plain.py": "from llm import ask\n",  # no OpenAI in it, imports no client
        },
    )
    index = build_index([str(root / "app.py")], cache_dir=str(tmp_path / "cache"))
    assert index.root == os.path.realpath(root)
    llm = os.path.realpath(root / "llm.py")
    assert index.exports[llm] == {"client": "client"}
    assert index.uses_elsewhere(str(root / "llm.py")) == {"client": ["app.py:3"]}
    assert index.imports_of(str(root / "app.py")) == {"client": ("llm.py", "client")}
    clients = str(root / "pkg" / "clients.py")
    assert index.uses_elsewhere(clients) == {
        "make": [
            os.path.join("pkg", "use.py") + ":1",
            os.path.join("pkg", "use.py") + ":4",
        ]
    }
    assert index.imports_of(str(root / "plain.py")) == {}


def test_index_cache_is_reused_and_invalidated(tmp_path):
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    cache = str(tmp_path / "cache")
    first = build_index([str(root)], cache_dir=cache)
    assert first.parsed == 2
    again = build_index([str(root)], cache_dir=cache)
    assert again.parsed == 0 and again.importers == first.importers
    app = root / "app.py"
    app.write_text(APP.replace("ask, client", "ask"), encoding="utf-8")
    stat = app.stat()
    os.utime(app, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    changed = build_index([str(root)], cache_dir=cache)
    assert changed.parsed == 1
    assert changed.uses_elsewhere(str(root / "llm.py")) == {}


def test_index_cache_is_dropped_by_another_tool_version(tmp_path, monkeypatch):
    from migrate_inference.analysis import project_files as project_module

    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    cache = str(tmp_path / "cache")
    assert build_index([str(root)], cache_dir=cache).parsed == 2
    assert build_index([str(root)], cache_dir=cache).parsed == 0
    monkeypatch.setattr(project_module, "__version__", "0.0.0-other")
    assert build_index([str(root)], cache_dir=cache).parsed == 2


def test_shared_client_stays_openai_in_every_file(tmp_path):
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    index = build_index([str(root)], cache_dir=str(tmp_path / "cache"))
    config = Config(project=index)
    llm = migrate_source(LLM, config, str(root / "llm.py"))
    assert (
        "client = OpenAI(" in llm.code and "client.chat.completions.create(" in llm.code
    )
    assert "also used by other files of the project (app.py:3)" in llm.code
    app = migrate_source(APP, config, str(root / "app.py"))
    assert "client.chat.completions.create(" in app.code
    assert "built in llm.py and shared by several files" in app.code
    # without the index, llm.py alone would be migrated, and app.py would crash
    alone = migrate_source(LLM, Config(), str(root / "llm.py"))
    assert "ChatCompletionsClient(" in alone.code


SETTINGS = """\
import os

import openai

openai.api_type = "azure"
openai.api_base = os.environ["AZURE_OPENAI_ENDPOINT"]
openai.api_key = os.environ["AZURE_OPENAI_KEY"]
"""

CALLER = """\
import openai

import settings  # noqa: F401  (configures openai)


def ask(q):
    r = openai.ChatCompletion.create(engine="gpt35", messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content
"""


def test_module_config_set_in_another_file_blocks_the_calls_relying_on_it(tmp_path):
    root = project(tmp_path, {"settings.py": SETTINGS, "app.py": CALLER})
    index = build_index([str(root / "app.py")], cache_dir=str(tmp_path / "cache"))
    assert index.config_elsewhere(str(root / "app.py")) == [
        "settings.py:5 (api_base, api_key, api_type)"
    ]
    assert index.config_elsewhere(str(root / "settings.py")) == []
    app = migrate_source(CALLER, Config(project=index), str(root / "app.py"))
    assert "openai.ChatCompletion.create(" in app.code and "ChatCompletionsClient" not in app.code
    assert "configured in another file (settings.py:5 (api_base, api_key, api_type))" in app.code
    # the file that holds the configuration has no call: nothing in it is rewritten (the
    # leftovers pass may note that it still uses openai)
    settings = migrate_source(SETTINGS, Config(project=index), str(root / "settings.py"))
    assert "azure.ai.inference" not in settings.code
    assert [line for line in settings.code.splitlines() if "TODO(" not in line] == SETTINGS.splitlines()
    # a file with its own configuration is migrated from it, whatever other files set
    own = SETTINGS + CALLER.replace("import openai\n", "").replace("import settings", "import os")
    mine = migrate_source(own, Config(project=index), str(root / "both.py"))
    assert "ChatCompletionsClient" in mine.code and "configured in another file" not in mine.code


def test_cli_given_one_file_still_sees_the_project(tmp_path, monkeypatch, capsys):
    root = project(tmp_path, {"llm.py": LLM, "app.py": APP})
    monkeypatch.setenv("MIGRATE_INFERENCE_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["--diff", str(root / "llm.py")]) == 1
    output = capsys.readouterr().out
    assert "ChatCompletionsClient" not in output
    assert "app.py:3" in output
    assert project_root([str(root / "llm.py")]) == os.path.realpath(root)


def test_index_of_an_unparsable_file_is_empty(tmp_path):
    root = project(
        tmp_path, {"broken.py": "import openai\nclient = OpenAI(\n", "llm.py": LLM}
    )
    index = build_index([str(root)], cache_dir=str(tmp_path / "cache"))
    assert os.path.realpath(root / "broken.py") not in index.exports


def test_index_skips_virtual_environments_and_installed_packages(tmp_path):
    """A file given from a directory that also holds a venv (or a build/, site-packages/)
    indexes the project, not the installed packages: the same directories discovery skips."""
    (tmp_path / "app.py").write_text("from llm import client\n", encoding="utf-8")
    (tmp_path / "llm.py").write_text("from openai import OpenAI\nclient = OpenAI()\n", encoding="utf-8")
    for venv in ("env", "py311"):
        site = tmp_path / venv / "lib" / "site-packages" / "pkg"
        site.mkdir(parents=True)
        (tmp_path / venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
        (site / "llm.py").write_text("from openai import OpenAI\nclient = OpenAI()\n", encoding="utf-8")
    (tmp_path / "build" / "lib").mkdir(parents=True)
    (tmp_path / "build" / "lib" / "llm.py").write_text(
        "from openai import OpenAI\nclient = OpenAI()\n", encoding="utf-8"
    )
    index = build_index([str(tmp_path / "app.py")])
    assert index.files == 2
    assert sorted(os.path.basename(p) for p in index.exports) == ["llm.py"]


WRAPPER = """\
import openai

openai.api_key = "sk-test"


def chat(**kwargs):
    return openai.ChatCompletion.create(**kwargs)


print(chat(model="gpt-4", messages=[{"role": "user", "content": "hi"}], n=2))
"""

WRAPPER_USER = """\
from wrapper import chat

print(chat(model="gpt-4", messages=[{"role": "user", "content": "hello"}], user="me"))
"""


def test_forwarding_wrapper_called_from_another_file_stays_whole(tmp_path):
    """A `**kwargs` wrapper whose callers are partly in another file: migrating the calls
    of this file would leave the other file's keywords unmapped (`n=`, `user=` are not
    keywords of complete()), so the wrapper and every caller stay, with a TODO naming it."""
    root = project(tmp_path, {"wrapper.py": WRAPPER, "app.py": WRAPPER_USER})
    index = build_index([str(root / "wrapper.py")], cache_dir=str(tmp_path / "cache"))
    assert index.forwarders_used_elsewhere(str(root / "wrapper.py")) == {"chat": ["app.py:1"]}
    result = migrate_source(WRAPPER, Config(project=index), str(root / "wrapper.py"))
    assert "openai.ChatCompletion.create(**kwargs)" in result.code
    assert "complete(" not in result.code and "model_extras" not in result.code
    assert "other files call it (app.py:1)" in result.code
    # alone (no other file imports it), the same file migrates with its caller
    alone = migrate_source(WRAPPER, Config(), str(root / "wrapper.py"))
    assert "_chat_client().complete(**kwargs)" in alone.code
    assert 'model_extras={"n": 2}' in alone.code


DEFAULT_KEY = """\
import os

import openai


def main():
    openai.api_key = os.environ["OPENAI_API_KEY"]
"""

PLAIN_CALLER = """\
import openai


def ask(q):
    r = openai.ChatCompletion.create(model="gpt-4", messages=[{"role": "user", "content": q}])
    return r.choices[0].message.content
"""


def test_another_file_setting_the_key_openai_reads_anyway_does_not_block(tmp_path):
    """`openai.api_key = os.environ["OPENAI_API_KEY"]` elsewhere (a script's main, a test)
    sets what openai reads by itself: the calls of this file relied on nothing more, so they
    migrate as in a file with no config.  Another value (a literal, another variable, a
    default) still blocks them."""
    root = project(tmp_path, {"run.py": DEFAULT_KEY, "app.py": PLAIN_CALLER})
    index = build_index([str(root / "app.py")], cache_dir=str(tmp_path / "cache"))
    assert index.config_elsewhere(str(root / "app.py")) == []
    app = migrate_source(PLAIN_CALLER, Config(project=index), str(root / "app.py"))
    assert "_chat_client().complete(" in app.code and "configured in another file" not in app.code
    for i, value in enumerate((
        'os.environ["MY_KEY"]',
        'os.getenv("OPENAI_API_KEY", "sk-fallback")',
        '"sk-literal"',
    )):
        other = DEFAULT_KEY.replace('os.environ["OPENAI_API_KEY"]', value)
        (tmp_path / str(i)).mkdir()
        root = project(tmp_path / str(i), {"run.py": other, "app.py": PLAIN_CALLER})
        index = build_index([str(root / "app.py")], cache_dir=str(tmp_path / "cache"))
        assert index.config_elsewhere(str(root / "app.py")) == ["run.py:7 (api_key)"], value
