"""Notebooks whose cells `await` at top level, migrated by the real engine and then run.

IPython compiles a cell with ``PyCF_ALLOW_TOP_LEVEL_AWAIT`` and awaits the code
object it gets; `run_cells` does the same, cell after cell in one namespace, in
a subprocess against the e2e fake server, with the real azure-ai-inference SDK.
A name the migration used but never imported (`UserMessage`) is a NameError
there, and the static check catches it first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "e2e"))

from fakeserver import FakeServer  # noqa: E402

from migrate_inference.config import Config  # noqa: E402
from migrate_inference.engine import undefined_names  # noqa: E402
from migrate_inference.notebooks import migrate_notebook  # noqa: E402

CELLS = [
    "from openai import AsyncOpenAI\nclient = AsyncOpenAI()\n",
    'r = await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Say hi."}])\n'
    "print(r.choices[0].message.content)\n",
    "import openai\n"
    'r2 = await openai.ChatCompletion.acreate(model="gpt-4o", messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say yo."}])\n'
    'print(r2.choices[0].message.content)\n',
]

RUNNER = textwrap.dedent(
    """
    import ast, asyncio, json, sys, types
    cells = json.load(open(sys.argv[1]))
    namespace = {"__name__": "__main__"}

    async def main():
        for source in cells:
            code = compile(source, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            result = eval(code, namespace)
            if isinstance(result, types.CoroutineType):
                await result

    asyncio.run(main())
    """
)


def _notebook(cells):
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": c}
                for c in cells
            ],
            "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def _migrated_cells():
    result = migrate_notebook(_notebook(CELLS), Config(), "chat.ipynb")
    assert result.error is None, result.error
    cells = json.loads(result.code)["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]


def test_awaited_cells_get_every_import_they_use():
    cells = _migrated_cells()
    joined = "\n".join(cells)
    assert "openai" not in joined
    assert ".complete(" in cells[1] and ".complete(" in cells[2]
    assert undefined_names(joined) == set()


def test_undefined_names_looks_inside_top_level_await():
    assert undefined_names("r = await ask(UserMessage())\n") == {"ask", "UserMessage"}


def test_migrated_notebook_runs_as_ipython_runs_it(tmp_path):
    cells = _migrated_cells()
    (tmp_path / "cells.json").write_text(json.dumps(cells))
    (tmp_path / "run.py").write_text(RUNNER)
    with FakeServer() as server:
        env = dict(
            os.environ,
            AZURE_OPENAI_CHAT_ENDPOINT=f"{server.url}/openai/deployments/gpt-4o",
            AZURE_OPENAI_CHAT_KEY="test-key",
        )
        for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env.pop(name, None)
        done = subprocess.run(
            [sys.executable, str(tmp_path / "run.py"), str(tmp_path / "cells.json")],
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert done.returncode == 0, done.stderr
        sent = server.of_kind("chat")
    assert done.stdout.splitlines() == ["You said: Say hi.", "You said: Say yo."]
    assert [r.body["messages"][-1]["content"] for r in sent] == ["Say hi.", "Say yo."]
    assert "Unclosed client session" not in done.stderr
