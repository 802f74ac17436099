"""End-to-end: migrate real-looking OpenAI programs and run them against a fake server.

Each folder ``fixtures/e2e/<name>/`` holds

* ``program.py``: a program written the way people write OpenAI code;
* ``scenario.json``: how the fake server answers (rules, see fakeserver.py)
  and optional environment overrides (``{url}`` is the server's base URL,
  null unsets a variable);
* ``expected.json`` (openai v0 programs only, as openai 0.28 cannot be
  installed next to v1): the requests the original sends and its stdout, and
  optionally ``keys``: the API key each request carries, in order (for programs
  that choose the key at run time);
* ``reference.py``: a hand migration to azure-ai-inference.  It shows that
  the expectations can be met with the real SDK, and it checks this harness.

``e2e/<name>`` migrates ``program.py`` with `migrate_source` (default Config),
runs the result with the real azure-ai-inference SDK, and checks that it no
longer imports openai, exits 0, sends the same requests as the original
(compared semantically, counts included, see request_compare.py; extra keys
must travel with ``extra-parameters: pass-through``), prints the same stdout and
leaves no async client unclosed (aiohttp's ``Unclosed client session``).  For v1
programs the original is run too, with the real openai SDK against the same
server; for v0 programs expected.json stands in for it.
``e2e-reference/<name>`` runs the same checks on ``reference.py``.
``e2e-v0/<name>`` (skipped unless E2E_OPENAI_V0_PYTHON names a Python with
openai 0.28 installed, e.g. a separate virtualenv) runs the v0 original and
holds expected.json against it.

Environment: the programs see both variable families, the OpenAI ones the
originals read (OPENAI_API_KEY, OPENAI_API_BASE, OPENAI_BASE_URL,
AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY) and the ones migrated code reads
(AZURE_OPENAI_CHAT_ENDPOINT / _KEY, AZURE_OPENAI_EMBEDDINGS_ENDPOINT / _KEY,
each endpoint a full deployment URL named after the deployment the original
used first, plus AZURE_OPENAI_CHAT_ENDPOINT_<DEPLOYMENT> per deployment).
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import re
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from request_compare import Request, Run, compare_requests, credential_of  # noqa: E402
from fakeserver import FakeServer  # noqa: E402

from migrate_inference.config import Config  # noqa: E402
from migrate_inference.engine import migrate_source  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "e2e"
TIMEOUT = 90
DEFAULT_CHAT_DEPLOYMENT = "gpt-4o"
DEFAULT_EMBEDDINGS_DEPLOYMENT = "text-embedding-3-small"
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
# What aiohttp prints when an async azure client is never closed.
UNCLOSED_WARNINGS = ("Unclosed client session", "Unclosed connector")


@dataclass
class Case:
    name: str
    folder: Path
    scenario: dict
    expected: Optional[dict]

    @classmethod
    def load(cls, name: str) -> "Case":
        folder = FIXTURES / name
        expected_path = folder / "expected.json"
        return cls(
            name=name,
            folder=folder,
            scenario=json.loads((folder / "scenario.json").read_text(encoding="utf-8")),
            expected=(
                json.loads(expected_path.read_text(encoding="utf-8"))
                if expected_path.exists()
                else None
            ),
        )

    @property
    def program(self) -> str:
        return (self.folder / "program.py").read_text(encoding="utf-8")


def case_names() -> List[str]:
    return sorted(p.parent.name for p in FIXTURES.glob("*/program.py"))


@pytest.fixture(scope="module")
def server():
    with FakeServer() as fake:
        yield fake


def slug(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").upper()


def environment(
    server: FakeServer,
    case: Case,
    chat: str,
    embeddings: str,
    deployments: Sequence[Tuple[str, str]] = (),
) -> Dict[str, str]:
    """Both variable families: what the original reads and what the migration reads.

    `deployments` lists (kind, model) pairs the original used; each also gets
    its own endpoint variable, ``AZURE_OPENAI_CHAT_ENDPOINT_<MODEL>`` (model in
    upper snake case), for code that talks to more than one deployment.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "AZURE_")) and k.lower() not in PROXY_VARIABLES
    }
    url = server.url
    env.update(
        {
            "OPENAI_API_KEY": "sk-test-openai-key",
            "OPENAI_API_BASE": f"{url}/v1",
            "OPENAI_BASE_URL": f"{url}/v1",
            "AZURE_OPENAI_ENDPOINT": url,
            "AZURE_OPENAI_API_KEY": "test-azure-openai-key",
            "AZURE_OPENAI_CHAT_ENDPOINT": f"{url}/openai/deployments/{chat}",
            "AZURE_OPENAI_CHAT_KEY": "test-chat-key",
            "AZURE_OPENAI_EMBEDDINGS_ENDPOINT": f"{url}/openai/deployments/{embeddings}",
            "AZURE_OPENAI_EMBEDDINGS_KEY": "test-embeddings-key",
            "AZURE_INFERENCE_ENDPOINT": f"{url}/models",
            "AZURE_INFERENCE_CREDENTIAL": "test-inference-key",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    for kind, model in deployments:
        family = "CHAT" if kind == "chat" else "EMBEDDINGS"
        env[f"AZURE_OPENAI_{family}_ENDPOINT_{slug(model)}"] = (
            f"{url}/openai/deployments/{model}"
        )
    for key, value in case.scenario.get("env", {}).items():
        if value is None:  # null in scenario.json: the variable is not set
            env.pop(key, None)
        else:
            env[key] = value.replace("{url}", url)
    return env


def run_program(
    server: FakeServer,
    case: Case,
    source: str,
    workdir: Path,
    env: Dict[str, str],
    python: str = sys.executable,
) -> Run:
    server.reset(case.scenario.get("rules", []))
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "program.py"
    path.write_text(source, encoding="utf-8")
    proc = subprocess.run(
        [python, str(path)],
        cwd=str(workdir),
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
    )
    requests = [Request.from_recorded(r) for r in server.requests]
    return Run(proc.returncode, proc.stdout, proc.stderr, requests)


def first_model(requests: List[Request], kind: str, default: str) -> str:
    for request in requests:
        if request.kind == kind and request.model:
            return request.model
    return default


# The original's behaviour is the same for every check of a case: compute it once.
_ORIGINALS: Dict[str, Run] = {}


def original_run(server: FakeServer, case: Case, tmp_path: Path) -> Run:
    if case.name in _ORIGINALS:
        return _ORIGINALS[case.name]
    if case.expected is not None:
        run = Run(
            returncode=0,
            stdout=case.expected["stdout"],
            stderr="",
            requests=[Request.from_expected(r) for r in case.expected["requests"]],
        )
    else:
        env = environment(
            server, case, DEFAULT_CHAT_DEPLOYMENT, DEFAULT_EMBEDDINGS_DEPLOYMENT
        )
        run = run_program(server, case, case.program, tmp_path / "original", env)
        assert (
            run.returncode == 0
        ), f"the original program itself failed: {run.describe()}"
        assert run.requests, "the original program sent no request"
    _ORIGINALS[case.name] = run
    return run


def openai_imports(source: str) -> List[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"import {a.name}"
                for a in node.names
                if a.name.split(".")[0] == "openai"
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == "openai":
                found.append(f"from {node.module} import ...")
    return found


def compare_keys(case: Case, requests: List[Request]) -> List[str]:
    """The API key of each request, in order, against expected.json's ``keys`` (if any)."""
    want = (case.expected or {}).get("keys")
    if want is None:
        return []
    got = [(credential_of(r.headers) or " ").split(" ", 1)[1] for r in requests]
    if got != want:
        return [f"requests carry keys {got}, the original's carry {want}"]
    return []


def check_against_original(
    server: FakeServer, case: Case, migrated_source: str, tmp_path: Path
) -> List[str]:
    """Every way the migrated program differs from the original; empty when it does not."""
    problems: List[str] = []
    imports = openai_imports(migrated_source)
    if imports:
        problems.append(f"migrated source still imports openai: {imports}")
    original = original_run(server, case, tmp_path)
    env = environment(
        server,
        case,
        first_model(original.requests, "chat", DEFAULT_CHAT_DEPLOYMENT),
        first_model(original.requests, "embeddings", DEFAULT_EMBEDDINGS_DEPLOYMENT),
        sorted({(r.kind, r.model) for r in original.requests if r.kind and r.model}),
    )
    migrated = run_program(server, case, migrated_source, tmp_path / "migrated", env)
    if migrated.returncode != 0:
        problems.append(f"migrated program failed: {migrated.describe()}")
    problems += compare_requests(original.requests, migrated.requests)
    problems += compare_keys(case, migrated.requests)
    leaks = [
        line
        for line in migrated.stderr.splitlines()
        if any(w in line for w in UNCLOSED_WARNINGS)
    ]
    if leaks:
        problems.append(
            "the migrated program leaves clients open:\n" + "\n".join(leaks[:5])
        )
    if migrated.stdout != original.stdout:
        diff = difflib.unified_diff(
            original.stdout.splitlines(keepends=True),
            migrated.stdout.splitlines(keepends=True),
            "original stdout",
            "migrated stdout",
        )
        problems.append("stdout differs:\n" + "".join(diff))
    if (
        migrated.returncode == 0
        and migrated.stderr.strip()
        and not original.stderr.strip()
    ):
        # Not a failure (the brief is requests and stdout), but a user sees it:
        # reported in pytest's warnings summary.
        warnings.warn(
            f"{case.name}: the migrated program writes to stderr:\n{migrated.stderr[-1500:]}"
        )
    return problems


@pytest.mark.parametrize("name", case_names(), ids=lambda n: f"e2e/{n}")
def test_migrated_program_behaves_like_original(
    name: str, server: FakeServer, tmp_path: Path
) -> None:
    case = Case.load(name)
    result = migrate_source(case.program, Config(), f"fixtures/e2e/{name}/program.py")
    problems = []
    if result.error:
        problems.append(f"engine error: {result.error}")
    problems += check_against_original(server, case, result.code, tmp_path)
    if problems:
        findings = "\n".join(
            f"  {f.code} {f.kind} L{f.line}: {f.message}" for f in result.findings
        )
        pytest.fail(
            "\n\n".join(problems)
            + f"\n\n--- engine findings ---\n{findings or '  (none)'}"
            + f"\n\n--- migrated source ---\n{result.code}",
            pytrace=False,
        )


@pytest.mark.parametrize("name", case_names(), ids=lambda n: f"e2e-reference/{n}")
def test_reference_migration_meets_expectations(
    name: str, server: FakeServer, tmp_path: Path
) -> None:
    case = Case.load(name)
    reference = case.folder / "reference.py"
    if not reference.exists():
        pytest.fail(f"{reference} is missing")
    problems = check_against_original(
        server, case, reference.read_text(encoding="utf-8"), tmp_path
    )
    assert not problems, "\n\n".join(problems)


V0_PYTHON = os.environ.get("E2E_OPENAI_V0_PYTHON")


@pytest.mark.skipif(
    not V0_PYTHON,
    reason="set E2E_OPENAI_V0_PYTHON to a Python with openai<1 installed to check expected.json",
)
@pytest.mark.parametrize(
    "name",
    [n for n in case_names() if (FIXTURES / n / "expected.json").exists()],
    ids=lambda n: f"e2e-v0/{n}",
)
def test_expected_json_describes_the_v0_original(
    name: str, server: FakeServer, tmp_path: Path
) -> None:
    """expected.json is written by hand; with openai 0.28 at hand, hold it against the real thing."""
    case = Case.load(name)
    expected = [Request.from_expected(r) for r in case.expected["requests"]]
    env = environment(
        server, case, DEFAULT_CHAT_DEPLOYMENT, DEFAULT_EMBEDDINGS_DEPLOYMENT
    )
    run = run_program(
        server, case, case.program, tmp_path / "v0", env, python=V0_PYTHON
    )
    assert run.returncode == 0, run.describe()
    problems = compare_requests(expected, run.requests, check_extras=False)
    problems += compare_keys(case, run.requests)
    assert not problems, "\n".join(problems)
    assert run.stdout == case.expected["stdout"]
