"""Notebook migration: cells joined into one module, magics kept, JSON touched only where code changed.

The engine is replaced by a small stand-in built on LibCST, so these tests pin
the notebook plumbing and not what the real rules do.  The stand-in rewrites
``openai.ChatCompletion.create(`` only when the module also sets
``openai.api_key`` (so it needs the cells joined), adds and removes imports
with LibCST's visitors as the real engine does, and reports a TODO for each
``openai.Image`` line.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Dict, List

import libcst as cst
import pytest
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from migrate_inference import engine, notebooks
from migrate_inference.config import Config
from migrate_inference.findings import ERROR, REWRITE, TODO, Finding, Result
from migrate_inference.notebooks import migrate_notebook, notebook_uses_openai

CALLS: List[str] = []


def fake_engine(source: str, config: Any = None, filename: str = "<string>") -> Result:
    CALLS.append(source)
    try:
        cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        message = f"syntax error: {exc.message}"
        return Result(
            source,
            source,
            [Finding("MI001", ERROR, message, exc.raw_line)],
            error=message,
        )
    if "ENGINE_ERROR" in source:
        return Result(
            source,
            source,
            [Finding("MI003", ERROR, "verification failed", 1)],
            error="verification failed",
        )
    code = source
    if "openai.api_key" in code:
        code = re.sub(
            r"openai\.api_key = (.+)",
            r"client = ChatCompletionsClient(credential=\1)",
            code,
        )
        code = code.replace("openai.ChatCompletion.create(", "client.complete(")
    findings = [
        Finding(
            "MI900",
            TODO,
            "openai.Image has no equivalent",
            number,
            line.index("openai.Image") + 1,
        )
        for number, line in enumerate(code.split("\n"), start=1)
        if "openai.Image" in line
    ]
    if code == source:
        return Result(source, source, findings)
    findings.append(Finding("MI100", REWRITE, "client created", 1))
    context = CodemodContext()
    AddImportsVisitor.add_needed_import(
        context, "azure.ai.inference", "ChatCompletionsClient"
    )
    if not re.search(r"\bopenai\.", code):
        RemoveImportsVisitor.remove_unused_import(context, "openai")
    module = AddImportsVisitor(context).transform_module(cst.parse_module(code))
    module = RemoveImportsVisitor(context).transform_module(module)
    try:  # the engine verifies its output with compile(), which rejects top-level await
        compile(module.code, "<migrated>", "exec")
    except SyntaxError as exc:
        message = f"the rewrite did not parse ({exc.msg})"
        return Result(
            source, source, [Finding("MI003", ERROR, message, 1)], error=message
        )
    return Result(source, module.code, findings)


@pytest.fixture(autouse=True)
def use_fake_engine(monkeypatch):
    CALLS.clear()
    monkeypatch.setattr(engine, "migrate_source", fake_engine)


def code_cell(source: Any, count: Any = None, outputs: Any = None) -> Dict[str, Any]:
    return {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {},
        "outputs": outputs or [],
        "source": source,
    }


def markdown_cell(source: Any) -> Dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def lines(text: str) -> List[str]:
    return notebooks._source_lines(text)


def notebook(*cells: Dict[str, Any], language: str = "python") -> Dict[str, Any]:
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {
                "display_name": "Python 3",
                "language": language,
                "name": "python3",
            },
            "language_info": {"name": language, "version": "3.11.4"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def dump(nb: Dict[str, Any], **style: Any) -> str:
    trailing = style.pop("trailing_newline", True)
    style.setdefault("indent", 1)
    style.setdefault("ensure_ascii", False)
    return json.dumps(nb, **style) + ("\n" if trailing else "")


def sources(text: str) -> List[str]:
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in json.loads(text)["cells"]
    ]


def with_sources(nb: Dict[str, Any], new: Dict[int, str]) -> Dict[str, Any]:
    out = copy.deepcopy(nb)
    for index, text in new.items():
        cell = out["cells"][index]
        cell["source"] = text if isinstance(cell["source"], str) else lines(text)
    return out


SPLIT_NOTEBOOK = notebook(
    code_cell(['%pip install -q "openai>=0.28.1,<1.0.0"\n'], 1),
    markdown_cell(["# Chat with a model \u2728\n", "Set the key, then call."]),
    code_cell(
        [
            "import os\n",
            "import openai\n",
            "\n",
            'openai.api_key = os.environ["OPENAI_API_KEY"]',
        ],
        2,
    ),
    code_cell(
        ['r = openai.ChatCompletion.create(model="gpt-4", messages=[])\n', "print(r)"],
        3,
        [
            {
                "name": "stdout",
                "output_type": "stream",
                "text": ['{"choices": [\u2026]}\n'],
            }
        ],
    ),
)

MIGRATED_CELL_2 = (
    "import os\n"
    "from azure.ai.inference import ChatCompletionsClient\n"
    "\n"
    'client = ChatCompletionsClient(credential=os.environ["OPENAI_API_KEY"])'
)
MIGRATED_CELL_3 = 'r = client.complete(model="gpt-4", messages=[])\nprint(r)'
MIGRATED_CELL_0 = '%pip install -q "azure-ai-inference>=1.0.0b9"\n'


# ---------------------------------------------------------------- one module


def test_cells_share_one_namespace_and_one_engine_call():
    text = dump(SPLIT_NOTEBOOK)
    result = migrate_notebook(text, Config(), "chat.ipynb")
    assert result.error is None
    assert len(CALLS) == 1, "the code cells go to the engine once, as one module"
    assert sources(result.code) == [
        MIGRATED_CELL_0,
        sources(text)[1],
        MIGRATED_CELL_2,
        MIGRATED_CELL_3,
    ]


def test_new_imports_land_after_the_leading_import_cell_not_above_pip():
    result = migrate_notebook(dump(SPLIT_NOTEBOOK), Config(), "chat.ipynb")
    first, _, imports, _ = sources(result.code)
    assert "import" not in first.replace("pip install", "")
    assert imports.startswith(
        "import os\nfrom azure.ai.inference import ChatCompletionsClient\n"
    )


@pytest.mark.parametrize(
    "style",
    [
        {"indent": 1, "sort_keys": True},
        {"indent": 2},
        {"indent": 4},
        {"indent": 1, "ensure_ascii": True},
        {"indent": None},
        {"indent": 1, "trailing_newline": False},
        {"indent": "\t"},
    ],
    ids=[
        "jupyter",
        "indent2",
        "indent4",
        "ascii-escapes",
        "compact",
        "no-final-newline",
        "tabs",
    ],
)
def test_json_changes_only_in_the_migrated_cells_sources(style):
    text = dump(SPLIT_NOTEBOOK, **dict(style))
    result = migrate_notebook(text, Config(), "chat.ipynb")
    expected = with_sources(
        SPLIT_NOTEBOOK, {0: MIGRATED_CELL_0, 2: MIGRATED_CELL_2, 3: MIGRATED_CELL_3}
    )
    assert result.code == dump(expected, **dict(style))


def test_crlf_notebook_keeps_crlf():
    text = dump(SPLIT_NOTEBOOK).replace("\n", "\r\n")
    result = migrate_notebook(text, Config(), "chat.ipynb")
    expected = with_sources(
        SPLIT_NOTEBOOK, {0: MIGRATED_CELL_0, 2: MIGRATED_CELL_2, 3: MIGRATED_CELL_3}
    )
    assert result.code == dump(expected).replace("\n", "\r\n")


def test_unchanged_lines_keep_their_exact_json_escapes():
    nb = notebook(
        code_cell(
            [
                "import os\n",
                "import openai\n",
                "openai.api_key = os.environ['K']\n",
                's = "caf\u00e9 \\\\/ \u2603"\n',
            ]
        ),
    )
    text = dump(nb, indent=1).replace(
        "caf\u00e9", "caf\\u00e9"
    )  # one hand-written escape
    result = migrate_notebook(text, Config(), "x.ipynb")
    assert result.changed
    assert "caf\\u00e9" in result.code and "\u2603" in result.code
    assert "import openai" not in result.code


def test_source_as_one_string_stays_one_string():
    nb = notebook(
        code_cell(
            "import openai\nopenai.api_key = 'k'\nopenai.ChatCompletion.create(model='m')\n"
        )
    )
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    source = json.loads(result.code)["cells"][0]["source"]
    assert isinstance(source, str)
    assert "client.complete(model='m')" in source and "openai" not in source


def test_notebook_without_openai_code_is_returned_as_is():
    nb = notebook(code_cell(["%pip install openai\n"]), code_cell(["print('hi')"]))
    text = dump(nb)
    result = migrate_notebook(text, Config(), "x.ipynb")
    assert result.code == text and not result.changed and result.findings == []


def test_outputs_and_metadata_are_untouched_even_when_they_mention_openai():
    nb = copy.deepcopy(SPLIT_NOTEBOOK)
    nb["cells"][3]["outputs"] = [
        {"output_type": "stream", "name": "stdout", "text": ["import openai\n"]}
    ]
    nb["metadata"]["openai"] = {"api_key": "x"}
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    new = json.loads(result.code)
    assert new["cells"][3]["outputs"] == nb["cells"][3]["outputs"]
    assert new["metadata"] == nb["metadata"]


# -------------------------------------------------------------- IPython lines


def test_magics_shell_lines_and_help_survive_byte_for_byte():
    cell = (
        "%%time\n"
        "import openai\n"
        "%matplotlib inline\n"
        "files = !ls -la\n"
        "openai.api_key = 'k'\n"
        "openai.ChatCompletion.create?\n"
        "??openai\n"
        "for i in range(2):\n"
        "    !echo {i} \\\n"
        "        done\n"
        "r = openai.ChatCompletion.create(model='m')\n"
        "pip install tiktoken"
    )
    nb = notebook(code_cell(lines(cell)))
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    new = sources(result.code)[0]
    for kept in (
        "%%time\n",
        "%matplotlib inline\n",
        "files = !ls -la\n",
        "openai.ChatCompletion.create?\n",
        "??openai\n",
        "    !echo {i} \\\n        done\n",
        "pip install tiktoken",
    ):
        assert kept in new
    assert "r = client.complete(model='m')" in new
    assert "client = ChatCompletionsClient(credential='k')" in new


def test_lines_that_only_look_like_magics_are_python():
    cell = "x = 10 % 3\ny = x != 2\ns = 'a=%d' % x\nimport openai\nopenai.api_key = s\n"
    masked = notebooks._mask(0, cell, "__tok")
    assert masked.magics == []
    assert masked.kind == "python"


def test_cell_magic_for_another_language_is_left_alone():
    bash = "%%bash\necho import openai\n"
    html = "%%html\n<b>openai</b>\n"
    nb = notebook(
        code_cell(lines(bash)),
        code_cell(lines(html)),
        code_cell(["import openai\n", "openai.api_key = 'k'\n"]),
    )
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    new = sources(result.code)
    assert new[0] == bash and new[1] == html
    assert "openai" not in new[2]
    assert all("%%" not in call for call in CALLS)


def test_pip_lines_are_rewritten_only_when_no_openai_is_left():
    nb = notebook(
        code_cell(['!pip install "openai>=0.28.1,<1.0.0" python-dotenv\n']),
        code_cell(
            [
                "import openai\n",
                "openai.api_key = 'k'\n",
                "img = openai.Image.create(prompt='p')\n",
            ]
        ),
    )
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    new = sources(result.code)
    assert new[0] == '!pip install "openai>=0.28.1,<1.0.0" python-dotenv\n'
    assert "import openai" in new[1]
    todo = [f for f in result.findings if f.kind == TODO]
    assert todo and todo[0].message.startswith("cell 2, line 3: ")


@pytest.mark.parametrize(
    "line, expected",
    [
        ("%pip install openai", '%pip install "azure-ai-inference>=1.0.0b9"'),
        (
            "!pip install -q 'openai==0.28' tiktoken",
            "!pip install -q 'azure-ai-inference>=1.0.0b9' tiktoken",
        ),
        (
            "!{sys.executable} -m pip install --upgrade openai",
            '!{sys.executable} -m pip install --upgrade "azure-ai-inference>=1.0.0b9"',
        ),
        ("! pip install openai azure-ai-inference", "! pip install azure-ai-inference"),
        ("pip install openai", 'pip install "azure-ai-inference>=1.0.0b9"'),
        ("!pip install -r requirements.txt", "!pip install -r requirements.txt"),
        ("!pip uninstall -y openai", "!pip uninstall -y openai"),
        ("!pip install openai-whisper", "!pip install openai-whisper"),
        ("!pip install langchain-openai", "!pip install langchain-openai"),
    ],
)
def test_pip_install_lines(line, expected):
    nb = notebook(code_cell([line + "\n", "import openai\n", "openai.api_key = 'k'"]))
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    assert sources(result.code)[0].split("\n")[0] == expected
    rewrote = [f for f in result.findings if f.code == "MI800"]
    assert bool(rewrote) == (expected != line)
    if rewrote:
        assert rewrote[0].message.startswith("cell 1, line 1: ")


def test_pip_line_gets_identity_and_aiohttp_when_the_code_needs_them():
    nb = notebook(
        code_cell(["%pip install openai\n", "import openai\n", "openai.api_key = 'k'"])
    )
    result = migrate_notebook(dump(nb), Config(credential="entra"), "x.ipynb")
    assert sources(result.code)[0].startswith(
        '%pip install "azure-ai-inference>=1.0.0b9" azure-identity\n'
    )


def test_pip_line_in_a_bash_cell():
    nb = notebook(
        code_cell(["%%bash\n", "pip install openai\n"]),
        code_cell(["import openai\n", "openai.api_key = 'k'"]),
    )
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    assert (
        sources(result.code)[0] == '%%bash\npip install "azure-ai-inference>=1.0.0b9"\n'
    )


# ------------------------------------------------------------ fallbacks


def test_engine_refusing_the_joined_module_falls_back_to_cells():
    nb = notebook(
        code_cell(
            [
                "import openai\n",
                "openai.api_key = 'k'\n",
                "openai.ChatCompletion.create(model='m')",
            ]
        ),
        code_cell(["ENGINE_ERROR = 1\n", "print('x')"]),
    )
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    assert (
        len(CALLS) == 4
    )  # all joined, each cell alone, then the cells that work joined
    new = sources(result.code)
    assert "client.complete(model='m')" in new[0]
    assert new[1] == "ENGINE_ERROR = 1\nprint('x')"
    assert result.error is None
    left = [f for f in result.findings if f.code == "MI003"]
    assert (
        left and left[0].kind == TODO and left[0].message.startswith("cell 2, line 1: ")
    )


AWAIT_NOTEBOOK = notebook(
    code_cell(["import openai\n", "openai.api_key = 'k'"]),
    code_cell(
        [
            "import asyncio\n",
            "await asyncio.sleep(0)\n",
            "r = openai.ChatCompletion.create(model='a')\n",
            "\n",
            's = """\n',
            "kept\n",
            '"""',
        ]
    ),
    code_cell(["r = openai.ChatCompletion.create(model='b')"]),
)


def test_top_level_await_cell_is_migrated_inside_an_async_def_wrapper():
    result = migrate_notebook(dump(AWAIT_NOTEBOOK), Config(), "x.ipynb")
    assert (
        len(CALLS) == 2 and "async def" in CALLS[1]
    ), "the compiler rejects top-level await; the wrapper does not"
    new = sources(result.code)
    assert (
        new[0]
        == "from azure.ai.inference import ChatCompletionsClient\n\nclient = ChatCompletionsClient(credential='k')"
    )
    assert (
        new[1]
        == 'import asyncio\nawait asyncio.sleep(0)\nr = client.complete(model=\'a\')\n\ns = """\nkept\n"""'
    )
    assert new[2] == "r = client.complete(model='b')"
    [finding] = [f for f in result.findings if f.kind == REWRITE]
    assert finding.message.startswith("cell 1, line 1: ")


def test_only_await_statements_are_wrapped_and_their_names_stay_global():
    cell = (
        "import asyncio\n"
        "resp = await asyncio.sleep(0, result=openai.ChatCompletion.create(model='a'))\n"
        "print(resp)\n"
        "async for x, (y, z) in stream():\n"
        "    last = x"
    )
    nb = notebook(
        code_cell(["import openai\n", "openai.api_key = 'k'"]), code_cell(lines(cell))
    )
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    wrapped = CALLS[1]
    assert "\nimport asyncio\n" in wrapped and "\nprint(resp)\n" in wrapped
    assert "    global resp\n" in wrapped and "    global x, y, z, last\n" in wrapped
    assert sources(result.code)[1] == cell.replace(
        "openai.ChatCompletion.create(", "client.complete("
    )


def test_a_cell_set_aside_never_loses_the_import_it_needs(monkeypatch):
    def no_await_engine(source, config=None, filename=""):
        if "await" in source:
            return Result(
                source,
                source,
                [Finding("MI003", ERROR, "no await here", 1)],
                error="no await here",
            )
        return fake_engine(source, config, filename)

    monkeypatch.setattr(engine, "migrate_source", no_await_engine)
    text = dump(AWAIT_NOTEBOOK)
    result = migrate_notebook(text, Config(), "x.ipynb")
    assert (
        result.code == text
    ), "migrating the other cells would remove the import the await cell uses"
    assert any(
        f.code == "MI003" and f.kind == TODO and "import openai" in f.message
        for f in result.findings
    )


def test_markers_lost_by_the_engine_fall_back_to_cells(monkeypatch):
    def marker_eating_engine(source, config=None, filename=""):
        result = fake_engine(source, config, filename)
        code = "\n".join(
            l
            for l in result.code.split("\n")
            if not re.match(r"^(import )?__migrate_inference\w*_c\d", l)
        )
        return Result(source, code, result.findings)

    monkeypatch.setattr(engine, "migrate_source", marker_eating_engine)
    nb = notebook(
        code_cell(["import openai\n", "openai.api_key = 'k'"]), code_cell(["x = 1"])
    )
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    assert sources(result.code) == [
        "from azure.ai.inference import ChatCompletionsClient\n\nclient = ChatCompletionsClient(credential='k')",
        "x = 1",
    ]


def test_cell_that_does_not_parse_is_left_alone():
    nb = notebook(
        code_cell(["import openai\n", "openai.api_key = 'k'"]),
        code_cell(["def broken(:\n", "    pass"]),
    )
    result = migrate_notebook(dump(nb), Config(), "x.ipynb")
    new = sources(result.code)
    assert "client = ChatCompletionsClient" in new[0]
    assert new[1] == "def broken(:\n    pass"
    assert [f.code for f in result.findings] == ["MI100"]


def test_cell_that_does_not_parse_but_uses_openai_keeps_the_notebook_unchanged():
    nb = notebook(
        code_cell(["import openai\n", "openai.api_key = 'k'"]),
        code_cell(["def broken(:\n", "    openai.ChatCompletion.create()"]),
    )
    text = dump(nb)
    result = migrate_notebook(text, Config(), "x.ipynb")
    assert result.code == text
    [syntax] = [f for f in result.findings if f.code == "MI001"]
    assert syntax.kind == TODO and re.match(
        r"cell 2, line \d: not valid Python \(.+\); cell left unchanged$",
        syntax.message,
    )
    assert any(
        f.code == "MI003" and "import openai" in f.message for f in result.findings
    )


def test_engine_error_for_the_only_cell_is_an_error_result():
    nb = notebook(code_cell(["import openai\n", "ENGINE_ERROR = 1\n"]))
    text = dump(nb)
    result = migrate_notebook(text, Config(), "x.ipynb")
    assert result.error and result.code == text
    assert [f.kind for f in result.findings] == [ERROR]


def test_an_engine_that_raises_does_not_escape(monkeypatch):
    def exploding(source, config=None, filename=""):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "migrate_source", exploding)
    text = dump(notebook(code_cell(["import openai\n"])))
    result = migrate_notebook(text, Config(), "x.ipynb")
    assert result.code == text and result.error and "boom" in result.error


def test_non_python_kernel_is_not_migrated():
    text = dump(notebook(code_cell(["library(openai)\n"]), language="R"))
    result = migrate_notebook(text, Config(), "x.ipynb")
    assert result.code == text and result.findings == [] and CALLS == []


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("{not json", "bad JSON"),
        ("[]", "top level"),
        ('{"metadata": {}}', 'no "cells"'),
        ('{"cells": {}}', "not a list"),
        ('{"cells": [1]}', "cell 1 is not"),
        (
            '{"cells": [{"cell_type": "code", "source": 7}]}',
            "neither a string nor a list",
        ),
        ('{"worksheets": [], "nbformat": 3}', "nbformat 3"),
        ("", "bad JSON"),
    ],
)
def test_malformed_notebooks_are_mi002_errors(text, fragment):
    result = migrate_notebook(text, Config(), "bad.ipynb")
    assert result.code == text and not result.changed
    assert result.error and fragment in result.error and "bad.ipynb" in result.error
    assert [(f.code, f.kind) for f in result.findings] == [("MI002", ERROR)]


# ------------------------------------------------------------- findings


def test_findings_name_cell_and_line_and_point_at_the_json_line():
    nb = notebook(
        markdown_cell(["# t\n"]),
        code_cell(
            [
                "import openai\n",
                "openai.api_key = 'k'\n",
                "img = openai.Image.create(prompt='p')\n",
            ]
        ),
    )
    text = dump(nb, indent=1)
    result = migrate_notebook(text, Config(), "x.ipynb")
    [todo] = [f for f in result.findings if f.kind == TODO]
    assert todo.message == "cell 2, line 3: openai.Image has no equivalent"
    assert (
        text.split("\n")[todo.line - 1].strip().startswith('"img = openai.Image.create')
    )


def test_notebook_uses_openai():
    assert notebook_uses_openai(dump(SPLIT_NOTEBOOK))
    assert not notebook_uses_openai(
        dump(notebook(code_cell(["%pip install openai\n", "import os\n"])))
    )
    assert not notebook_uses_openai(dump(notebook(markdown_cell(["import openai"]))))
    assert notebook_uses_openai("{broken openai")


def test_migrating_twice_changes_nothing_more():
    once = migrate_notebook(dump(SPLIT_NOTEBOOK), Config(), "x.ipynb").code
    twice = migrate_notebook(once, Config(), "x.ipynb")
    assert twice.code == once


# ------------------------------------------------------- generated notebooks

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

FRAGMENTS = [
    "import openai",
    "import os",
    "openai.api_key = 'k'",
    "r = openai.ChatCompletion.create(model='m')",
    "img = openai.Image",
    "%pip install openai",
    "!pip install -q openai",
    "!ls",
    "files = !ls",
    "x = 1",
    "",
    "# comment",
    "for i in range(2):",
    "    y = i",
    "    !echo {i}",
    "%%time",
    "def f(:",
    "await f()",
    "s = '''",
    "'''",
    "print('caf\u00e9 \u2603')",
    "%%bash",
    "openai?",
    "\tz = 2",
]
cell_sources = st.lists(st.sampled_from(FRAGMENTS), min_size=0, max_size=6).map(
    "\n".join
)
cells = st.lists(
    st.one_of(
        st.builds(
            lambda s, as_list: code_cell(lines(s) if as_list else s),
            cell_sources,
            st.booleans(),
        ),
        st.builds(lambda s: markdown_cell(lines(s)), cell_sources),
    ),
    min_size=0,
    max_size=5,
)
styles = st.fixed_dictionaries(
    {
        "indent": st.sampled_from([None, 1, 2, 4]),
        "ensure_ascii": st.booleans(),
        "sort_keys": st.booleans(),
    }
)


def _without_sources(nb):
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] == "code":
            cell["source"] = type(cell["source"]).__name__
    return out


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cells=cells, style=styles)
def test_generated_notebooks_change_only_code_sources_and_keep_ipython_lines(
    cells, style
):
    nb = notebook(*cells)
    text = dump(nb, **style)
    result = migrate_notebook(text, Config(), "gen.ipynb")
    new = json.loads(result.code)
    assert _without_sources(new) == _without_sources(nb)
    for old_cell, new_cell in zip(nb["cells"], new["cells"]):
        if old_cell["cell_type"] != "code":
            assert new_cell == old_cell
            continue
        old_text, new_text = (
            sources(json.dumps({"cells": [old_cell]}))[0],
            sources(json.dumps({"cells": [new_cell]}))[0],
        )
        kept = [
            l
            for l in old_text.split("\n")
            if l.lstrip().startswith(("!", "%", "?")) and "pip" not in l
        ]
        it = iter(new_text.split("\n"))
        assert all(any(line == k for line in it) for k in kept), (old_text, new_text)
    again = migrate_notebook(result.code, Config(), "gen.ipynb")
    assert again.code == result.code


def test_ignoring_mi800_keeps_pip_lines():
    nb = notebook(
        code_cell(["%pip install openai\n", "import openai\n", "openai.api_key = 'k'"])
    )
    result = migrate_notebook(dump(nb), Config(ignore=frozenset({"MI800"})), "x.ipynb")
    assert sources(result.code)[0].startswith("%pip install openai\n")
    assert "ChatCompletionsClient" in sources(result.code)[0]
