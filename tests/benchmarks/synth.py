"""A synthetic monorepo for the benchmark: mostly ordinary Python, a little OpenAI code.

``build_tree(root, files, seed)`` writes ``files`` files under ``root``:

* ``openai_share`` of them (2% by default) are the golden fixtures
  ``fixtures/*/*.before.py`` (not ``fixtures/e2e``), copied in turn, so the
  OpenAI code has exactly the shapes the tool is tested on;
* a few (0.5%) are ordinary modules that mention OpenAI only in a comment or
  a string (a provider URL, a docstring): they pass the byte prefilter and
  must be parsed, though nothing in them changes;
* the rest are generated modules of varied shapes and sizes: imports of the
  standard library and common packages, constants, dataclasses, classes with
  properties and methods, async functions, comprehensions, try/with blocks,
  f-strings, decorators, pytest-style tests, package ``__init__`` files.
  Many use identifiers with "open", "OpenAPI", "AI" or "OPENAI_API_KEY" in
  them (``open_session``, ``OpenAPISpec``, ``AIConfig``, ``ai_score``), which
  a case-insensitive or word-level prefilter would wrongly let through.

The tree is laid out like a monorepo (``services/<svc>/<pkg>/...``,
``libs/<lib>/...``, ``tools/``, tests beside the code), with a ``.gitignore``
at the top and in some packages, and is the same for the same seed.
"""

from __future__ import annotations

import glob
import os
import random
from dataclasses import dataclass
from typing import Dict, List, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, "fixtures")

MARKERS = (b"openai", b"OpenAI")

WORDS = (
    "account order invoice payment user session token cache record batch job task queue "
    "report metric event schedule config setting profile address customer product item "
    "inventory shipment price discount tax ledger entry audit permission role group tenant "
    "project document page section chunk index vector score model feature label dataset "
    "sample split window buffer stream frame packet message channel topic partition offset "
    "request response handler route endpoint client server worker pool retry backoff limit"
).split()
VERBS = (
    "get load fetch build make parse render compute update apply merge split filter sort "
    "validate normalize encode decode serialize publish consume flush sync resolve collect "
    "register dispatch schedule cancel refresh rotate archive export ingest"
).split()
# Identifiers a sloppy prefilter would take for OpenAI code; none contains the markers.
TRAPS = (
    "open_session open_connection reopen_stream is_open open_file_handle open_api_spec "
    "OpenAPISpec openapi_schema OpenAPIRouter AIConfig AIModelRegistry GenAIHelper ai_score "
    "ai_enabled use_ai_ranking OPEN_TIMEOUT OPENAI_API_KEY OpenTelemetryExporter AIRFLOW_HOME "
    "open_ai_compat_mode azure_ai_region XAIExplainer"
).split()
SNAKE_TRAPS = [t for t in TRAPS if t.islower()]
STD_IMPORTS = (
    "import os",
    "import sys",
    "import re",
    "import json",
    "import time",
    "import math",
    "import uuid",
    "import random",
    "import logging",
    "import hashlib",
    "import asyncio",
    "import functools",
    "import itertools",
    "import contextlib",
    "import subprocess",
    "from pathlib import Path",
    "from collections import defaultdict, Counter, deque",
    "from datetime import datetime, timedelta, timezone",
    "from dataclasses import dataclass, field",
    "from enum import Enum",
    "from typing import Any, Dict, Iterable, List, Optional, Tuple",
    "from functools import lru_cache, partial",
    "from concurrent.futures import ThreadPoolExecutor",
)
THIRD_PARTY = (
    "import numpy as np",
    "import pandas as pd",
    "import requests",
    "import httpx",
    "import yaml",
    "import click",
    "import pytest",
    "from pydantic import BaseModel, Field",
    "from fastapi import APIRouter, Depends, HTTPException",
    "from sqlalchemy import Column, Integer, String, select",
    "from sqlalchemy.orm import Session",
    "from django.db import models",
    "from flask import Flask, jsonify, request",
    "from celery import shared_task",
    "import boto3",
    "from azure.storage.blob import BlobServiceClient",
    "import redis",
    "from tenacity import retry, stop_after_attempt",
)
COMMENT_MENTIONS = (
    "# TODO: compare these scores with openai embeddings once the budget allows.\n",
    "# The prompt format mirrors the one OpenAI documents for chat models.\n",
)
STRING_MENTIONS = (
    'PROVIDER_URLS = {{"openai": "https://api.openai.com/v1", "local": "http://localhost:{port}"}}\n',
    'SUPPORTED_PROVIDERS = ("anthropic", "openai", "cohere", "local")\n',
    'DOCS_NOTE = """Tokens are counted the way OpenAI counts them (cl100k_base)."""\n',
)


@dataclass
class TreeStats:
    files: int = 0
    bytes: int = 0
    openai_files: int = 0
    mention_files: int = 0
    plain_files: int = 0
    openai_bytes: int = 0
    mention_bytes: int = 0


def fixture_sources() -> List[bytes]:
    paths = sorted(
        p
        for p in glob.glob(os.path.join(FIXTURES, "*", "*.before.py"))
        if os.path.basename(os.path.dirname(p)) != "e2e"
    )
    if not paths:
        raise SystemExit(f"no fixtures found under {FIXTURES}")
    out = []
    for path in paths:
        with open(path, "rb") as handle:
            out.append(handle.read())
    return out


class _Gen:
    """Random but plausible Python modules."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def name(self, parts: int = 2) -> str:
        names = [self.word() for _ in range(parts)]
        if self.rng.random() < 0.08:
            names[-1] = self.rng.choice(SNAKE_TRAPS)
        return "_".join(names)

    def cls_name(self) -> str:
        if self.rng.random() < 0.06:
            base = self.rng.choice(
                [t for t in TRAPS if t[0].isupper() and not t.isupper()]
            )
            return base + self.word().capitalize()
        return "".join(self.word().capitalize() for _ in range(self.rng.randint(1, 3)))

    def expr(self, names: Sequence[str]) -> str:
        r = self.rng.random()
        n = self.rng.choice(names) if names else "0"
        if r < 0.15:
            item = self.name(1)
            return f"[{item}.{self.word()} for {item} in {n} if {item}]"
        if r < 0.25:
            return f'f"{{{n}}}-{self.word()}"'
        if r < 0.35:
            return f"{{k: v for k, v in {n}.items() if v is not None}}"
        if r < 0.45:
            return f"len({n}) * {self.rng.randint(2, 64)}"
        if r < 0.55:
            return f"{n}.{self.rng.choice(VERBS)}_{self.word()}()"
        if r < 0.65:
            return f"max({n}, default=None)"
        if r < 0.75:
            return f"self.{self.word()}" if "self" in names else f"{n} or {{}}"
        if r < 0.85:
            return f'"{self.word()}_{self.word()}"'
        return f"{n}[{self.rng.randint(0, 9)}]"

    def body(
        self, params: List[str], depth: int, indent: str, async_: bool = False
    ) -> List[str]:
        lines = []
        local = list(params) or ["None"]
        for _ in range(self.rng.randint(2, 7)):
            r = self.rng.random()
            v = self.name(2)
            if r < 0.35 or depth >= 2:
                lines.append(f"{indent}{v} = {self.expr(local)}")
                local.append(v)
            elif r < 0.5:
                it = self.rng.choice(local)
                lines.append(f"{indent}for {v} in {it}:")
                lines.append(f"{indent}    if not {v}:")
                lines.append(f"{indent}        continue")
                lines += self.body(local + [v], depth + 1, indent + "    ")
            elif r < 0.62:
                lines.append(f"{indent}if {self.rng.choice(local)} is None:")
                lines.append(
                    f'{indent}    raise ValueError("{self.word()} is required")'
                )
                lines.append(
                    f"{indent}elif isinstance({self.rng.choice(local)}, (list, tuple)):"
                )
                lines += self.body(local, depth + 1, indent + "    ")
            elif r < 0.72:
                lines.append(f"{indent}try:")
                lines += self.body(local, depth + 1, indent + "    ")
                lines.append(f"{indent}except (KeyError, ValueError) as exc:")
                lines.append(f'{indent}    logger.warning("%s failed: %s", "{v}", exc)')
                lines.append(f"{indent}    {v} = None")
                local.append(v)
            elif r < 0.8:
                opener = "async with" if async_ else "with"
                target = self.rng.choice(
                    ["open(path)", "lock", "self._lock", "contextlib.suppress(OSError)"]
                )
                if self.rng.random() < 0.3:
                    target = f"{self.rng.choice(TRAPS[:6])}(config)"
                lines.append(f"{indent}{opener} {target} as {v}:")
                lines += self.body(local + [v], depth + 1, indent + "    ", async_)
            elif r < 0.88 and async_:
                lines.append(
                    f"{indent}{v} = await {self.rng.choice(local)}.{self.rng.choice(VERBS)}()"
                )
                local.append(v)
            else:
                lines.append(
                    f'{indent}logger.debug("{self.word()} %r", {self.rng.choice(local)})'
                )
        lines.append(f"{indent}return {self.rng.choice(local)}")
        return lines

    def function(self, indent: str = "", method: bool = False) -> List[str]:
        rng = self.rng
        async_ = rng.random() < 0.15
        params = [self.name(1) for _ in range(rng.randint(0, 4))]
        params = list(dict.fromkeys(params))
        sig = ["self"] if method else []
        typed = [
            p
            + rng.choice(
                [
                    "",
                    ": str",
                    ": int",
                    ": Optional[Dict[str, Any]]",
                    ": List[str]",
                    " = None",
                ]
            )
            for p in params
        ]
        sig += sorted(typed, key=lambda p: "=" in p)  # defaults last
        out = []
        if rng.random() < 0.2:
            out.append(
                indent
                + rng.choice(
                    [
                        "@lru_cache(maxsize=128)",
                        "@staticmethod" if method else "@functools.wraps(func)",
                        (
                            "@property"
                            if method and not params
                            else "@retry(stop=stop_after_attempt(3))"
                        ),
                    ]
                )
            )
            if out[-1].strip() == "@staticmethod":
                sig = sig[1:]
            if out[-1].strip() == "@property":
                async_ = False
        name = f"{rng.choice(VERBS)}_{self.name(rng.randint(1, 2))}"
        if rng.random() < 0.1:
            name = "_" + name
        ret = rng.choice(
            [
                "",
                " -> None",
                " -> Dict[str, Any]",
                " -> List[str]",
                " -> bool",
                " -> Optional[str]",
            ]
        )
        out.append(
            f"{indent}{'async ' if async_ else ''}def {name}({', '.join(sig)}){ret}:"
        )
        if rng.random() < 0.6:
            out.append(
                f'{indent}    """{rng.choice(VERBS).capitalize()} the {self.word()} for each {self.word()}."""'
            )
        names = (["self"] if method else []) + params
        out += self.body(names, 0, indent + "    ", async_)
        return out

    def klass(self) -> List[str]:
        rng = self.rng
        name = self.cls_name()
        out: List[str] = []
        if rng.random() < 0.35:
            out.append("@dataclass" + rng.choice(["", "(frozen=True)"]))
            out.append(f"class {name}:")
            out.append(f'    """A {self.word()} {self.word()}."""')
            out.append("")
            for _ in range(rng.randint(2, 8)):
                out.append(
                    f"    {self.name(1)}_{self.word()}: {rng.choice(['str', 'int', 'float', 'bool', 'Optional[str]', 'List[int]'])}"
                    + rng.choice(
                        ["", " = 0", " = None", " = field(default_factory=list)"]
                    )
                )
        else:
            base = rng.choice(
                [
                    "",
                    "(Exception)",
                    "(BaseModel)",
                    "(Enum)",
                    "(object)",
                    f"({self.cls_name()})",
                ]
            )
            if base == "(Enum)":
                out.append(f"class {name}(Enum):")
                for _ in range(rng.randint(2, 8)):
                    w = self.word().upper()
                    out.append(f'    {w}_{self.word().upper()} = "{w.lower()}"')
                return out
            out.append(f"class {name}{base}:")
            if rng.random() < 0.7:
                out.append(
                    f'    """{self.word().capitalize()} {self.word()} handling for the {self.word()} service."""'
                )
            out.append("")
            out.append(f"    {self.word().upper()}_LIMIT = {rng.randint(1, 1000)}")
            out.append("")
            attrs = [self.name(1) for _ in range(rng.randint(1, 4))]
            out.append(f"    def __init__(self, {', '.join(dict.fromkeys(attrs))}):")
            for a in dict.fromkeys(attrs):
                out.append(f"        self.{a} = {a}")
            out.append("        self._lock = None")
        for _ in range(rng.randint(1, 6)):
            out.append("")
            out += self.function("    ", method=True)
        return out

    def module(self, target_bytes: int, mention: bool) -> str:
        rng = self.rng
        parts = [
            f'"""{self.word().capitalize()} {self.word()} utilities: {self.word()}s, {self.word()}s and their {self.word()}s."""',
            "",
        ]
        imports = rng.sample(STD_IMPORTS, rng.randint(2, 7)) + rng.sample(
            THIRD_PARTY, rng.randint(0, 3)
        )
        imports.append("from typing import Any, Dict, List, Optional")
        imports.append("from dataclasses import dataclass, field")
        parts += sorted(set(imports))
        if rng.random() < 0.4:
            parts.append(
                f"from .{self.word()}s import {self.cls_name()}, {self.name(2)}"
            )
        parts += [
            "",
            (
                "logger = logging.getLogger(__name__)"
                if "import logging" in imports
                else "import logging\nlogger = logging.getLogger(__name__)"
            ),
        ]
        for _ in range(rng.randint(1, 4)):
            w = rng.choice([self.word().upper(), rng.choice(TRAPS).upper()])
            parts.append(
                f"{w}_{self.word().upper()} = {rng.choice([str(rng.randint(1, 9999)), repr(self.word()), 'os.environ.get(%r, %r)' % (w, self.word())])}"
            )
        if mention:
            text = rng.choice(COMMENT_MENTIONS + STRING_MENTIONS).format(
                port=rng.randint(8000, 9000)
            )
            parts.append(text.rstrip("\n"))
        parts.append("")
        size = sum(len(p) + 1 for p in parts)
        while size < target_bytes:
            block = self.klass() if rng.random() < 0.45 else self.function()
            block = ["", ""] + block
            parts += block
            size += sum(len(p) + 1 for p in block)
        if rng.random() < 0.2:
            parts += [
                "",
                "",
                'if __name__ == "__main__":',
                f"    {self.rng.choice(VERBS)}_main()",
            ]
        return "\n".join(parts) + "\n"

    def test_module(self, target_bytes: int) -> str:
        rng = self.rng
        parts = [
            "import pytest",
            "",
            f"from ..{self.word()} import {self.cls_name()}",
            "",
        ]
        size = 40
        while size < target_bytes:
            n = self.name(2)
            block = ["", ""]
            if rng.random() < 0.3:
                block.append(
                    f'@pytest.mark.parametrize("value", [{", ".join(str(rng.randint(0, 99)) for _ in range(4))}])'
                )
                block.append(f"def test_{n}(value):")
            else:
                block.append(f"def test_{n}(tmp_path):")
            block.append(f"    {self.word()} = {self.expr(['value', 'tmp_path'])}")
            block.append(f"    assert {self.word()} is not None")
            parts += block
            size += sum(len(p) + 1 for p in block)
        return "\n".join(parts) + "\n"

    def init_module(self) -> str:
        if self.rng.random() < 0.5:
            return ""
        names = [self.cls_name() for _ in range(self.rng.randint(1, 4))]
        return f'"""The {self.word()} package."""\n\nfrom .{self.word()} import {", ".join(names)}\n\n__all__ = {names!r}\n'


def _size(rng: random.Random) -> int:
    """Module sizes spread like a real code base: median about 3 KB, a long tail to 60 KB."""
    return int(min(60_000, max(300, rng.lognormvariate(7.7, 0.9))))


def _layout(rng: random.Random, files: int) -> List[str]:
    """Directories (relative) to put files in, about 12 files each."""
    dirs: List[str] = []
    ndirs = max(1, files // 12)
    tops = ["services", "libs", "tools", "apps", "platform"]
    while len(dirs) < ndirs:
        top = rng.choice(tops)
        a = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"
        depth = rng.randint(1, 3)
        path = [top, a] + [rng.choice(WORDS) + "s" for _ in range(depth - 1)]
        d = "/".join(path)
        dirs.append(d)
        if rng.random() < 0.3:
            dirs.append(d + "/tests")
    return dirs[:ndirs]


def build_tree(
    root: str,
    files: int = 10_000,
    seed: int = 1,
    openai_share: float = 0.02,
    mention_share: float = 0.005,
) -> TreeStats:
    rng = random.Random(seed)
    gen = _Gen(rng)
    fixtures = fixture_sources()
    stats = TreeStats()
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, ".gitignore"), "w") as handle:
        handle.write(
            "__pycache__/\n*.py[cod]\n.venv/\nbuild/\ndist/\n*.egg-info/\n.mypy_cache/\n/local_settings.py\ngenerated/\n"
        )
    dirs = _layout(rng, files)
    n_openai = round(files * openai_share)
    n_mention = round(files * mention_share)
    kinds = ["openai"] * n_openai + ["mention"] * n_mention
    kinds += ["plain"] * (files - len(kinds))
    rng.shuffle(kinds)
    used: Dict[str, set] = {}
    fixture_index = 0
    for i, kind in enumerate(kinds):
        d = dirs[i % len(dirs)]
        names = used.setdefault(d, set())
        full_dir = os.path.join(root, d)
        if not names:
            os.makedirs(full_dir, exist_ok=True)
            if rng.random() < 0.05:
                with open(os.path.join(full_dir, ".gitignore"), "w") as handle:
                    handle.write("*.tmp.py\nscratch/\n")
        if kind == "openai":
            data = fixtures[fixture_index % len(fixtures)]
            fixture_index += 1
            base = f"llm_{rng.choice(WORDS)}"
        elif kind == "mention":
            data = gen.module(_size(rng), mention=True).encode()
            base = f"{rng.choice(WORDS)}_{rng.choice(VERBS)}"
        elif d.endswith("/tests"):
            data = gen.test_module(_size(rng) // 2).encode()
            base = f"test_{rng.choice(WORDS)}"
        elif not names and rng.random() < 0.8:
            data = gen.init_module().encode()
            base = "__init__"
        else:
            data = gen.module(_size(rng), mention=False).encode()
            base = f"{rng.choice(WORDS)}_{rng.choice(VERBS)}"
        if kind != "openai" and any(m in data for m in MARKERS) != (kind == "mention"):
            raise AssertionError(f"generated {kind} module has the wrong markers")
        name = base
        n = 2
        while name in names:
            name = f"{base}_{n}"
            n += 1
        names.add(name)
        with open(os.path.join(full_dir, name + ".py"), "wb") as handle:
            handle.write(data)
        stats.files += 1
        stats.bytes += len(data)
        if kind == "openai":
            stats.openai_files += 1
            stats.openai_bytes += len(data)
        elif kind == "mention":
            stats.mention_files += 1
            stats.mention_bytes += len(data)
        else:
            stats.plain_files += 1
    return stats


def big_candidate(target_bytes: int = 1_000_000) -> bytes:
    """One valid module of about ``target_bytes``: the golden fixtures, renamed and concatenated.

    Copy *i* of a fixture gets ``_<i>`` after every name it defines at module level
    (functions, classes, assigned names), so the copies do not rebind each other's
    clients; ``from __future__`` imports are dropped (they must come first).
    """
    import ast
    import re

    chunks: List[str] = []
    size = 0
    sources = fixture_sources()
    i = 0
    while size < target_bytes:
        text = sources[i % len(sources)].decode("utf-8")
        text = "\n".join(
            line for line in text.splitlines() if not line.startswith("from __future__")
        )
        try:
            tree = ast.parse(text)
        except SyntaxError:
            i += 1
            continue
        names = set()
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(stmt.name)
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                names.update(t.id for t in targets if isinstance(t, ast.Name))
        if names:
            pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
            renamed = pattern.sub(lambda m: f"{m.group(1)}_{i}", text)
            try:
                ast.parse(renamed)
                text = renamed
            except SyntaxError:
                pass
        chunk = f"# --- copy {i}\n{text}\n\n"
        chunks.append(chunk)
        size += len(chunk.encode())
        i += 1
    return "".join(chunks).encode()


if __name__ == "__main__":  # pragma: no cover
    import sys

    s = build_tree(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    print(s)
