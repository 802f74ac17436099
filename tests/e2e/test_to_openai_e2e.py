"""End-to-end, the way back: azure-ai-inference programs migrated with ``--to openai``.

Each folder ``fixtures/e2e_to_openai/<name>/`` holds

* ``program.py``: a program written the way people write azure-ai-inference
  code (Microsoft's samples and README are the model);
* ``scenario.json``: how the fake server answers (``rules``, see
  fakeserver.py; ``"https": true`` serves TLS with a throwaway certificate,
  which Entra ID needs: azure-core sends no bearer token over http;
  ``"fake_entra": true`` makes azure-identity's credentials hand out a static
  token that names its scopes, see offline_identity/sitecustomize.py), optional environment overrides for the original (``env``)
  and the migration (``migrated_env``; ``{url}`` is the server's base URL,
  null unsets a variable), and what the migration must say or cannot do yet
  (``todo``, ``xfail``, see below);
* ``reference.py``: a hand migration to the openai SDK on Azure's
  ``/openai/v1/`` endpoint.  It shows that the expectations can be met with the
  real SDK, and it checks this harness;
* optionally ``wrong_*.py``: plausible but wrong migrations (the mistakes the
  issue and Microsoft's own snippets make); the harness must reject each one,
  which shows the case can fail.

``to-openai/<name>`` runs the original on the real azure-ai-inference SDK
against a local fake server, migrates it with
``migrate_source(program, Config(target="openai"))``, runs the result on the
real openai SDK against an identical server, and checks that the migration

* parses, no longer imports ``azure.ai.inference``, and sends every request to
  the v1 route (``/openai/v1/...``);
* exits with the original's exit code and prints the same stdout;
* sends the same requests, compared semantically (`request_compare.compare_wire`:
  method, route after the version prefix, model or deployment, the JSON body,
  the credential, the program's own headers) *and counted*, so a retry more or
  less is a difference.

The server behaves as Azure does on the v1 route: a stream starts with a chunk
whose ``choices`` is empty (``prompt_filter_results``).  The original sees that
chunk too (azure-ai-inference drops it), so a migration without the
``if chunk.choices`` guard fails here with IndexError, as it would on Azure.

``scenario.json`` keys for what a migration says:

* ``todo``: list of ``{"code": <prefix>, "contains": [<words>]}``: the
  migration must carry a ``# TODO(migrate-inference): ...`` comment and a TODO
  finding (code starting with the prefix) whose message holds every word
  (case-insensitive).
* ``may_keep_azure``: the case has a correct rewrite (reference.py) but
  leaving its client on azure-ai-inference is acceptable when a TODO says why:
  then the ``todo_when_kept`` list is required as well, and the program, as
  the migration left it, must still behave like the original.
* ``xfail``: a reason; the migrated-program test is expected to fail (strict),
  for a case the pack does not handle yet.

``to-openai-reference/<name>`` runs the same checks on ``reference.py``;
``to-openai-wrong/<name>/<file>`` checks that each ``wrong_*.py`` is caught.

The programs run in parallel subprocesses, each against its own server
(`Runs` below), so the module costs about one program start-up per core.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakeserver import V1_PREFIX, FakeServer, make_certificate  # noqa: E402
from request_compare import Request, Run, compare_wire  # noqa: E402

from migrate_inference.config import Config  # noqa: E402
from migrate_inference.engine import migrate_source  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "e2e_to_openai"
OFFLINE_IDENTITY = Path(__file__).resolve().parent / "offline_identity"
TIMEOUT = 90
WORKERS = max(2, min(4, (os.cpu_count() or 2) + 1))
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
TODO_MARK = "# TODO(migrate-inference):"

PACK_PRESENT = "target" in {f.name for f in dataclasses.fields(Config)}
needs_pack = pytest.mark.skipif(
    not PACK_PRESENT, reason="Config has no target: the --to openai pack is not here"
)

# What the originals read.  Keys differ per variable, so a migration that reads
# the wrong one sends the wrong credential and the comparison says so.
ORIGINAL_ENV = {
    # Microsoft's azure-ai-inference samples
    "AZURE_AI_CHAT_ENDPOINT": "{url}/models",
    "AZURE_AI_CHAT_KEY": "test-ai-chat-key",
    "AZURE_AI_EMBEDDINGS_ENDPOINT": "{url}/models",
    "AZURE_AI_EMBEDDINGS_KEY": "test-ai-embeddings-key",
    # the Foundry portal's code view and Microsoft's migration guide
    "AZURE_INFERENCE_ENDPOINT": "{url}/models",
    "AZURE_INFERENCE_CREDENTIAL": "test-inference-key",
    # an Azure OpenAI resource, and the AOAI sample's full deployment URL
    "AZURE_OPENAI_ENDPOINT": "{url}",
    "AZURE_OPENAI_API_KEY": "test-azure-openai-key",
    "AZURE_OPENAI_CHAT_ENDPOINT": "{url}/openai/deployments/gpt-4o",
    "AZURE_OPENAI_CHAT_KEY": "test-aoai-chat-key",
}
# What a migrated program finds: the same configuration.  The migration keeps
# reading the variables the original read and turns their values into the v1
# base URL (and a deployment into model=) at run time (docs/to-openai.md), so
# nobody has to edit a .env file for it.  ``migrated_env`` in scenario.json
# changes this for one case.
MIGRATED_ENV = dict(ORIGINAL_ENV)


@dataclass
class Case:
    name: str
    folder: Path
    scenario: dict

    @classmethod
    def load(cls, name: str) -> "Case":
        folder = FIXTURES / name
        scenario = json.loads((folder / "scenario.json").read_text(encoding="utf-8"))
        return cls(name=name, folder=folder, scenario=scenario)

    def source(self, filename: str = "program.py") -> str:
        return (self.folder / filename).read_text(encoding="utf-8")

    @property
    def wrong_files(self) -> List[str]:
        return sorted(p.name for p in self.folder.glob("wrong_*.py"))


def case_names() -> List[str]:
    return sorted(p.parent.name for p in FIXTURES.glob("*/program.py"))


def environment(url: str, table: Dict[str, str], overrides: dict) -> Dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "AZURE_")) and k.lower() not in PROXY_VARIABLES
    }
    env.update({k: v.replace("{url}", url) for k, v in table.items()})
    env.update(
        {
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value.replace("{url}", url)
    return env


def run_program(
    case: Case,
    source: str,
    workdir: Path,
    migrated: bool,
    tls: Optional[Tuple[str, str]] = None,
) -> Run:
    """Run `source` against a fresh server scripted by the case (safe in threads).

    `tls`: serve https with this (certificate, key) pair, which the program's
    HTTP clients are told to trust.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "program.py"
    path.write_text(source, encoding="utf-8")
    with FakeServer(azure_prompt_filter=True, tls=tls) as server:
        server.reset(case.scenario.get("rules", []))
        if migrated:
            overrides = {
                **case.scenario.get("env", {}),
                **case.scenario.get("migrated_env", {}),
            }
            env = environment(server.url, MIGRATED_ENV, overrides)
        else:
            env = environment(server.url, ORIGINAL_ENV, case.scenario.get("env", {}))
        if tls:
            env["SSL_CERT_FILE"] = env["REQUESTS_CA_BUNDLE"] = tls[0]
        if case.scenario.get("fake_entra"):
            env["PYTHONPATH"] = str(OFFLINE_IDENTITY)
        try:
            proc = subprocess.run(
                [sys.executable, str(path)],
                cwd=str(workdir),
                env=env,
                capture_output=True,
                text=True,
                encoding="utf-8",
                timeout=TIMEOUT,
            )
            run = Run(proc.returncode, proc.stdout, proc.stderr)
        except subprocess.TimeoutExpired as exc:
            run = Run(-1, str(exc.stdout or ""), f"timed out after {TIMEOUT} s")
        run.requests = [Request.from_recorded(r) for r in server.requests]
    return run


def azure_inference_imports(source: str) -> List[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                f"import {a.name}"
                for a in node.names
                if a.name == "azure.ai.inference"
                or a.name.startswith("azure.ai.inference.")
            ]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "azure.ai.inference" or node.module.startswith(
                "azure.ai.inference."
            ):
                found.append(f"from {node.module} import ...")
    return found


# -- running everything once, in parallel --------------------------------------


class Runs:
    """Every program run the selected tests need, started at once on a pool.

    The migrations themselves run first, one after the other in this process
    (the engine is not asked to be thread-safe); the subprocesses then run
    `WORKERS` at a time, each with its own fake server.
    """

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.pool = ThreadPoolExecutor(max_workers=WORKERS)
        self.futures: Dict[Tuple[str, str], Future] = {}
        self.migrations: Dict[str, object] = {}
        self.lock = threading.Lock()
        self._tls: Optional[Tuple[str, str]] = None

    def tls(self, case: Case) -> Optional[Tuple[str, str]]:
        """The certificate for cases whose scenario asks for ``"https": true``."""
        if not case.scenario.get("https"):
            return None
        if self._tls is None:
            folder = self.tmp / "tls"
            folder.mkdir(exist_ok=True)
            self._tls = make_certificate(str(folder))
        return self._tls

    def migration(self, case: Case):
        if case.name not in self.migrations:
            self.migrations[case.name] = migrate_source(
                case.source(),
                Config(target="openai"),
                f"fixtures/e2e_to_openai/{case.name}/program.py",
            )
        return self.migrations[case.name]

    def submit(self, case: Case, which: str) -> Future:
        """`which`: "original", "migrated", "reference" or a wrong_*.py name."""
        key = (case.name, which)
        with self.lock:
            if key not in self.futures:
                if which == "original":
                    source, migrated = case.source(), False
                elif which == "migrated":
                    source, migrated = self.migration(case).code, True
                elif which == "reference":
                    source, migrated = case.source("reference.py"), True
                else:
                    source, migrated = case.source(which), True
                workdir = self.tmp / case.name / which.replace(".py", "")
                self.futures[key] = self.pool.submit(
                    run_program, case, source, workdir, migrated, self.tls(case)
                )
            return self.futures[key]

    def get(self, case: Case, which: str) -> Run:
        return self.submit(case, which).result()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Start every run the selected tests of this module need, before the first one."""
    runs = Runs(tmp_path_factory.mktemp("to_openai_e2e"))
    wanted = []
    for item in request.session.items:
        if item.module is not request.module or not hasattr(item, "callspec"):
            continue
        name = item.callspec.params.get("name")
        kind = item.originalname
        if name is None:
            continue
        case = Case.load(name)
        wanted.append((case, "original"))
        if kind == "test_migrated_program_behaves_like_original" and PACK_PRESENT:
            wanted.append((case, "migrated"))
        elif kind == "test_reference_migration_meets_expectations":
            wanted.append((case, "reference"))
        elif kind == "test_wrong_migration_is_caught":
            wanted.append((case, item.callspec.params["wrong"]))
    # originals first: every comparison waits on one
    for case, which in sorted(wanted, key=lambda w: w[1] != "original"):
        runs.submit(case, which)
    yield runs
    runs.close()


# -- the checks ----------------------------------------------------------------


def behaviour_problems(
    runs: Runs, case: Case, which: str, source: str, keeps_azure: bool = False
) -> List[str]:
    """Every way the run of `source` (a migration) differs from the original's."""
    problems: List[str] = []
    try:
        imports = azure_inference_imports(source)
    except SyntaxError as exc:
        return [f"migrated source does not parse: {exc}"]
    if imports and not keeps_azure:
        problems.append(f"migrated source still imports azure.ai.inference: {imports}")
    original = runs.get(case, "original")
    expected_rc = case.scenario.get("exit_code", 0)
    if original.returncode != expected_rc:
        problems.append(
            f"the original program itself exited {original.returncode}, "
            f"not {expected_rc}: {original.describe()}"
        )
        return problems
    if not original.requests:
        return problems + ["the original program sent no request"]
    migrated = runs.get(case, which)
    if migrated.returncode != original.returncode:
        problems.append(
            f"migrated program exited {migrated.returncode}, "
            f"the original {original.returncode}: {migrated.describe()}"
        )
    off_route = sorted(
        {r.path for r in migrated.requests if not r.path.startswith(V1_PREFIX)}
    )
    if off_route and not keeps_azure:
        problems.append(f"requests outside {V1_PREFIX}: {off_route}")
    problems += compare_wire(original.requests, migrated.requests)
    if migrated.stdout != original.stdout:
        diff = difflib.unified_diff(
            original.stdout.splitlines(keepends=True),
            migrated.stdout.splitlines(keepends=True),
            "original stdout",
            "migrated stdout",
        )
        problems.append("stdout differs:\n" + "".join(diff))
    return problems


def todo_problems(result, wanted: List[dict]) -> List[str]:
    """The TODOs asked for: in the source, as findings, with their words."""
    problems = []
    todo_lines = [
        line.strip() for line in result.code.splitlines() if TODO_MARK in line
    ]
    for want in wanted:
        words = want.get("contains", [])
        code = want.get("code", "")
        findings = [
            f
            for f in result.todos
            if f.code.startswith(code)
            and all(w.lower() in f.message.lower() for w in words)
        ]
        if not findings:
            problems.append(
                f"no TODO finding with code {code!r}* mentioning {words}; findings: "
                + "; ".join(f"{f.code} {f.message}" for f in result.findings)
            )
        if not any(
            all(w.lower() in line.lower() for w in words) for line in todo_lines
        ):
            problems.append(
                f"no {TODO_MARK} comment mentioning {words}; TODO lines: {todo_lines}"
            )
    return problems


def migrated_params():
    params = []
    for name in case_names():
        reason = Case.load(name).scenario.get("xfail")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(name, marks=marks, id=f"to-openai/{name}"))
    return params


@needs_pack
@pytest.mark.parametrize("name", migrated_params())
def test_migrated_program_behaves_like_original(name: str, runs: Runs) -> None:
    case = Case.load(name)
    result = runs.migration(case)
    problems = []
    if result.error:
        problems.append(f"engine error: {result.error}")
    elif not result.changed:
        problems.append("the engine left the program unchanged")
    try:
        kept = bool(azure_inference_imports(result.code))
    except SyntaxError:
        kept = False  # reported by behaviour_problems
    kept = kept and case.scenario.get("may_keep_azure", False)
    wanted = case.scenario.get("todo", [])
    if kept:
        wanted = wanted + case.scenario.get("todo_when_kept", [])
    problems += todo_problems(result, wanted)
    problems += behaviour_problems(runs, case, "migrated", result.code, kept)
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


@pytest.mark.parametrize("name", case_names(), ids=lambda n: f"to-openai-reference/{n}")
def test_reference_migration_meets_expectations(name: str, runs: Runs) -> None:
    case = Case.load(name)
    reference = case.folder / "reference.py"
    assert reference.exists(), f"{reference} is missing"
    source = reference.read_text(encoding="utf-8")
    problems = behaviour_problems(runs, case, "reference", source)
    assert not problems, "\n\n".join(problems)


def wrong_params():
    return [
        pytest.param(name, wrong, id=f"to-openai-wrong/{name}/{wrong}")
        for name in case_names()
        for wrong in Case.load(name).wrong_files
    ]


@pytest.mark.parametrize("name,wrong", wrong_params())
def test_wrong_migration_is_caught(name: str, wrong: str, runs: Runs) -> None:
    """A plausible wrong migration must fail the checks, and for the reason its docstring names."""
    case = Case.load(name)
    source = case.source(wrong)
    problems = behaviour_problems(runs, case, wrong, source)
    assert problems, f"{wrong} behaves like the original: the case cannot fail"
    expected = re.search(r"^# expect: (.+)$", source, re.MULTILINE)
    assert expected, f"{wrong} has no '# expect: <text>' line naming the failure"
    text = "\n".join(problems)
    assert (
        expected.group(1).strip() in text
    ), f"{wrong} failed, but not with {expected.group(1)!r}:\n{text}"
