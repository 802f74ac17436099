"""Runtime equivalence on real code: run each corpus program before and after the migration
against the local fake server, with the real openai and azure-ai-inference SDKs.

    python tests/corpus/runtime.py /work/corpus [--json FILE] [--timeout S]

A corpus program is *runnable* when the original, run as a script with the OpenAI
variables pointing at the fake server (stdin closed, no arguments), exits 0 and sends at
least one request.  Most real files are not (they import packages this machine does not
have, wait for input, need a bot token...): those are counted and skipped.  Each runnable
program is migrated (`migrate_source`, default options) and run again with the Azure
variables; it is *equivalent* when it exits 0, sends the same requests (compared as
tests/e2e does: semantically, counts included) and prints the same stdout.  A program the
tool left partly on OpenAI (a TODO) runs on both SDKs and is held to the same standard.

Programs that choose their host at run time (`API_HOST = os.getenv("API_HOST", "github")`
with an `if/elif` per host, the pattern of Azure's Python samples) default to a host this
machine cannot reach (GitHub Models at a fixed URL, Azure with Entra ID). They are run
once per host whose variables can point at the fake server (`HOSTS`: an Ollama-style
OpenAI-compatible endpoint, and openai.com through its key variable), and each (program,
host) pair is counted on its own.  Each runnable program is migrated twice, once per
endpoint style (`deployment`, the default, and `models`), and each (program, host,
endpoint style) is one *pair* held to the same standard.

The whole-repository part of the corpus is not run (its programs are services and bots
with entry points this harness cannot drive).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))
sys.path.insert(0, str(HERE.parents[1] / "src"))

from fakeserver import FakeServer  # noqa: E402
from request_compare import Request, Run, compare_requests  # noqa: E402
from test_e2e import (  # noqa: E402
    DEFAULT_CHAT_DEPLOYMENT,
    DEFAULT_EMBEDDINGS_DEPLOYMENT,
    Case,
    environment,
    first_model,
    openai_imports,
)

from migrate_inference.config import DEPLOYMENT, MODELS, Config  # noqa: E402
from migrate_inference.engine import migrate_source  # noqa: E402

V1_MARKERS = ("OpenAI(", "AzureOpenAI(", "AsyncOpenAI(", "AsyncAzureOpenAI(")
# host-switch programs: the variables of each host the fake server can stand in for
# ("{url}" is the server's address)
HOSTS: Dict[str, Dict[str, str]] = {
    "ollama": {
        "API_HOST": "ollama",
        "OLLAMA_ENDPOINT": "{url}/v1",
        "OLLAMA_MODEL": "llama3.1:8b",
        "OLLAMA_EMBED_MODEL": "nomic-embed-text",
    },
    "openai": {
        "API_HOST": "openai",
        "OPENAI_KEY": "sk-test-openai-key",
        "OPENAI_MODEL": "gpt-4o-mini",
        "OPENAI_EMBED_MODEL": "text-embedding-3-small",
    },
}


def hosts_of(source: str) -> List[str]:
    """The hosts to run a program with: each of HOSTS for a host-switch program, else
    one run with the default variables ("")."""
    if "API_HOST" in source:
        return list(HOSTS)
    return [""]


def with_host(env: Dict[str, str], host: str, url: str) -> Dict[str, str]:
    out = dict(env)
    for key, value in HOSTS.get(host, {}).items():
        out[key] = value.replace("{url}", url)
    return out


def run(server: FakeServer, source: str, workdir: Path, env: Dict[str, str], timeout: float) -> Run:
    server.reset([])
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "program.py"
    path.write_text(source, encoding="utf-8")
    try:
        proc = subprocess.run(
            [sys.executable, str(path)],
            cwd=str(workdir),
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
        )
        code, out, err = proc.returncode, proc.stdout, proc.stderr
    except subprocess.TimeoutExpired as exc:
        code, out, err = -9, str(exc.stdout or ""), "timed out"
    return Run(code, out, err, [Request.from_recorded(r) for r in server.requests])


def programs(corpus: Path) -> Dict[str, str]:
    seen, found = set(), {}
    for path in sorted((corpus / "files").rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        digest = hashlib.sha1(text.encode()).hexdigest()
        if digest in seen or "openai" not in text:
            continue
        seen.add(digest)
        found[str(path.relative_to(corpus))] = text
    return found


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/mi-corpus-runtime"))
    parser.add_argument("--only", default="", help="run the programs whose path holds this")
    args = parser.parse_args(argv)
    case = Case(name="corpus", folder=args.work, scenario={"rules": []}, expected=None)
    tally = {"programs": 0, "runs": 0, "v0 (openai<1 cannot run here)": 0, "not runnable": 0,
             "runnable": 0, "pairs": 0, "unchanged by the tool": 0, "equivalent": 0, "different": 0}
    details: List[dict] = []
    with FakeServer() as server:
        for name, source in programs(args.corpus).items():
            if args.only not in name:
                continue
            tally["programs"] += 1
            if not any(marker in source for marker in V1_MARKERS):
                tally["v0 (openai<1 cannot run here)"] += 1
                continue
            for host in hosts_of(source):
                label = f"{name} [API_HOST={host}]" if host else name
                tally["runs"] += 1
                work = args.work / hashlib.sha1(label.encode()).hexdigest()[:12]
                env = with_host(
                    environment(server, case, DEFAULT_CHAT_DEPLOYMENT, DEFAULT_EMBEDDINGS_DEPLOYMENT),
                    host,
                    server.url,
                )
                original = run(server, source, work / "original", env, args.timeout)
                if original.returncode != 0 or not original.requests:
                    tally["not runnable"] += 1
                    continue
                tally["runnable"] += 1
                for style in (DEPLOYMENT, MODELS):
                    pair = f"{label} --endpoint-style {style}"
                    tally["pairs"] += 1
                    result = migrate_source(source, Config(endpoint_style=style), name)
                    if not result.changed:
                        tally["unchanged by the tool"] += 1
                        details.append({"program": pair, "verdict": "unchanged", "todos": len(result.todos)})
                        continue
                    env = with_host(environment(
                        server,
                        case,
                        first_model(original.requests, "chat", DEFAULT_CHAT_DEPLOYMENT),
                        first_model(original.requests, "embeddings", DEFAULT_EMBEDDINGS_DEPLOYMENT),
                        sorted({(r.kind, r.model) for r in original.requests if r.kind and r.model}),
                    ), host, server.url)
                    migrated = run(server, result.code, work / f"migrated-{style}", env, args.timeout)
                    problems = []
                    if migrated.returncode != 0:
                        problems.append(f"migrated program failed: {migrated.describe()}")
                    problems += compare_requests(original.requests, migrated.requests)
                    if migrated.stdout != original.stdout:
                        problems.append("stdout differs:\n" + "".join(difflib.unified_diff(
                            original.stdout.splitlines(True), migrated.stdout.splitlines(True),
                            "original", "migrated")))
                    verdict = "different" if problems else "equivalent"
                    tally[verdict] += 1
                    details.append({
                        "program": pair,
                        "verdict": verdict,
                        "todos": len(result.todos),
                        "still_openai": bool(openai_imports(result.code)),
                        "problems": problems,
                    })
    for key, value in tally.items():
        print(f"{key:32} {value}")
    for item in details:
        if item["verdict"] != "equivalent":
            print(f"\n{item['program']}: {item['verdict']}")
            for problem in item.get("problems", []):
                print("   " + problem[:1500].replace("\n", "\n   "))
    if args.json:
        args.json.write_text(json.dumps({"tally": tally, "details": details}, indent=1))
    return 1 if tally["different"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
