"""How fast migrate-inference is, in paired comparisons against its lower bounds and LibCST.

    python tests/benchmarks/bench.py [--files N] [--keep DIR] [--pairs P]
        [--baseline-files M] [--real-trees DIR] [--real-files DIR] [--json FILE]

Every ratio is PAIRED (pairing.py): the commands of a comparison run in turn,
A, B, A, B, ... (a *round* is one run of each), the ratio is taken within each
round, and the report gives the median of the per-round ratios and their
spread (min-max, and the interquartile range from 4 rounds on).  Each ratio is
given twice: in wall-clock time, and in CPU time (user + sys of the command and
all its descendants, from ``os.wait4``).  CPU time barely moves when other
processes share the cores; wall time is what a user waits for.  No figure is a
best-of, and no baseline is a single run.

Cases, all in one run:

* synthetic tree (``synth.py``: N files, default 10,000; 2% golden fixtures,
  0.5% modules that mention OpenAI only in a comment or string): rounds of
  tool (``--check DIR``, the real CLI, default --jobs), L (one process: read
  every file, LibCST parse + codegen of the candidates), plumbing (the tool
  with its engine replaced by parse + codegen) and B (``libcst.tool codemod``
  with a no-op codemod, on a random sample of M files, scaled linearly to N);
  tool/L, plumbing/L, B/tool; the peak memory of the tool's process tree;
* one file, each against its bound (``python -c`` that imports libcst and
  parses + regenerates that file): the pre-commit hook on a file it rewrites
  (writes it), ``--check`` on the same file, a file that imports openai and
  needs no change, a file without OpenAI code, and ``--help``;
* real trees (``--real-trees DIR``: every directory in DIR, e.g. the corpus's
  ``repos/``): candidate share, tool/L and B/tool (B on the whole tree);
* a ~1 MB candidate (the fixtures renamed and concatenated,
  ``synth.big_candidate``): wall time, its bound, and the child's ru_maxrss;
* per-candidate cost in plain-parse units: the engine in one process against
  LibCST parse + codegen of the same files, paired per round
  (``profile_engine.py --json``), on the synthetic candidates, on
  ``--real-files DIR`` and on the real trees' candidates, with the stage
  profile with ``--stages``.

Ratios are printed, never asserted.  Not collected by pytest (``benchmarks``
is in norecursedirs; the file is not named test_*).  Linux only (it reads
/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SRC = os.path.join(REPO, "src")
sys.path.insert(0, HERE)

from pairing import Summary, column, paired, per_round, rounds, summarise  # noqa: E402
from synth import FIXTURES, MARKERS, big_candidate, build_tree  # noqa: E402

# the targets
TARGETS = {
    "tool/L": 1.5,
    "B/tool": 10.0,
    "peak MB": 300.0,
    "one-file/bound": 1.5,
    "parses": 4.0,
    "big s": 5.0,
    "big MB": 300.0,
}
HEAVY_MODULES = (
    "libcst",
    "black",
    "pyflakes",
    "migrate_inference.engine",
    "migrate_inference.notebooks",
    "migrate_inference.deps",
)
REWRITE_FILE = os.path.join(FIXTURES, "v1_chat", "create_reference.before.py")
NOCHANGE_FILE = os.path.join(FIXTURES, "leftover_calls", "version_banner_and_annotations.noop.py")
BOUND_CODE = "import sys, libcst; libcst.parse_module(open(sys.argv[1], encoding='utf-8').read()).code"
CACHE_DIR = ""  # set by main: a temporary directory for the project index's cache
WAIT = 5.0  # seconds to wait, before each round, for the machine to be quiet


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (SRC, HERE, env.get("PYTHONPATH", "")) if p
    )
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["NO_COLOR"] = "1"
    if CACHE_DIR:  # the project index's cache: the benchmark's own, not the user's
        env["MIGRATE_INFERENCE_CACHE_DIR"] = CACHE_DIR
    return env


# ------------------------------------------------------------ memory polling


def _children(pid: int) -> List[int]:
    """Direct children of every thread of a process (/proc/PID/task/TID/children)."""
    out: List[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                out += [int(c) for c in handle.read().split()]
        except OSError:
            pass
    return out


def _tree(pid: int) -> List[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


def _rss_pss_kb(pid: int) -> Tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return rss, pss


class MemoryPoller:
    """Peak of the summed RSS and PSS of a process and all its descendants."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_rss_kb = self.peak_pss_kb = 0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> "MemoryPoller":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = _tree(self.pid)
            rss = pss = 0
            for p in pids:
                r, s = _rss_pss_kb(p)
                rss += r
                pss += s
            self.peak_rss_kb = max(self.peak_rss_kb, rss)
            self.peak_pss_kb = max(self.peak_pss_kb, pss)
            self.peak_processes = max(self.peak_processes, len(pids))
            self._stop.wait(self.interval)


def _busy_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (all cores, from /proc/stat)."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(limit: float = 60.0, threshold: float = 0.15) -> float:
    """Wait (up to ``limit`` s) until other processes use under ``threshold`` of a core; return the load seen."""
    deadline = time.monotonic() + limit
    while True:
        before, t = _busy_seconds(), time.monotonic()
        time.sleep(0.5)
        load = (_busy_seconds() - before) / (time.monotonic() - t)
        if load < threshold or time.monotonic() > deadline:
            return load
        time.sleep(1.0)


def run_measured(
    cmd: Sequence[str],
    cwd: str,
    poll: bool = False,
    capture: bool = False,
    quiet: bool = False,
    timeout: Optional[float] = None,
) -> Dict[str, object]:
    """Wall time, exit status, CPU time, and (with poll) peak memory of one command.

    With ``timeout``, the command's process group is killed after that many
    seconds and the result says ``timed_out`` (its figures are then lower bounds).

    ``other_cpu`` is the CPU time the rest of the machine used meanwhile: a
    benchmark run that shares two cores with anything else is not worth much.
    """
    if quiet:
        wait_for_quiet()
    out = tempfile.TemporaryFile()
    self_before = time.process_time()
    busy_before = _busy_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        env=_env(),
        stdout=out if capture else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=timeout is not None,
    )
    poller = MemoryPoller(proc.pid) if poll else None
    if poller:
        poller.__enter__()
    killer = None
    timed_out = threading.Event()
    if timeout is not None:

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                pass

        killer = threading.Timer(timeout, kill)
        killer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    if killer is not None:
        killer.cancel()
    wall = time.perf_counter() - start
    busy = _busy_seconds() - busy_before
    if poller:
        poller.__exit__()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime  # the command and all its descendants
    out.seek(0)
    result: Dict[str, object] = {
        "wall": wall,
        "code": proc.returncode,
        "out": out.read(),
        "cpu": cpu,
        "other_cpu": max(0.0, busy - cpu - (time.process_time() - self_before)),
        "maxrss_mb": usage.ru_maxrss
        / 1024,  # kB on Linux: the largest process of the tree
        "timed_out": timed_out.is_set(),
    }
    out.close()
    if poller:
        result["rss_mb"] = poller.peak_rss_kb / 1024
        result["pss_mb"] = poller.peak_pss_kb / 1024
        result["processes"] = poller.peak_processes
    return result


# ------------------------------------------------------------- lower bound


def lower_bound(root: str) -> None:
    """Run in its own process: read everything, parse + regenerate the candidates."""
    t0 = time.perf_counter()
    import libcst

    t1 = time.perf_counter()
    candidates = []
    files = total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(dirpath, name), "rb") as handle:
                data = handle.read()
            files += 1
            total += len(data)
            if any(m in data for m in MARKERS):
                candidates.append(data)
    t2 = time.perf_counter()
    cand_bytes = 0
    for data in candidates:
        text = data.decode("utf-8")
        cand_bytes += len(data)
        assert libcst.parse_module(text).code == text
    t3 = time.perf_counter()
    json.dump(
        {
            "import": t1 - t0,
            "read": t2 - t1,
            "parse": t3 - t2,
            "files": files,
            "bytes": total,
            "candidates": len(candidates),
            "candidate_bytes": cand_bytes,
        },
        sys.stdout,
    )


def imported_heavy_modules(args: Sequence[str], cwd: str) -> List[str]:
    """The heavy modules a run of the CLI imports (from -X importtime)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "migrate_inference", *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return [m for m in HEAVY_MODULES if m in names]


# ------------------------------------------------------------------- helpers


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


def _tree_files(root: str) -> List[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith(".py")]
    return out


def _has_marker(path: str) -> bool:
    with open(path, "rb") as handle:
        data = handle.read()
    return any(m in data for m in MARKERS)


def _warm(root: str) -> None:
    for dirpath, _, filenames in os.walk(root):  # every timed run reads from memory
        for name in filenames:
            try:
                with open(os.path.join(dirpath, name), "rb") as handle:
                    handle.read()
            except OSError:
                pass


def _cli(*args: str, engine: Optional[str] = None) -> List[str]:
    """The command line of a CLI run; with ``engine``, one from stub_engines replaces the real one."""
    if engine is None:
        return [sys.executable, "-m", "migrate_inference", *args]
    code = f"import sys; from migrate_inference.cli import main; from stub_engines import {engine}; sys.exit(main(sys.argv[1:], engine={engine}))"
    return [sys.executable, "-c", code, *args]


def _b_cmd(targets: Sequence[str]) -> List[str]:
    return [
        sys.executable,
        "-m",
        "libcst.tool",
        "codemod",
        "-x",
        "noop_codemod.NoOpCommand",
        "--no-format",
        "--hide-progress",
        *targets,
    ]


def _runner(
    cmd: Sequence[str],
    cwd: str,
    poll: bool = False,
    capture: bool = False,
    prep: Optional[Callable[[], None]] = None,
    wait: bool = False,
    timeout: Optional[float] = None,
) -> Callable[[], Dict[str, object]]:
    """One timed run of ``cmd`` (after ``prep``, untimed); with ``wait``, first wait for a quiet machine."""

    def run() -> Dict[str, object]:
        if prep is not None:
            prep()
        load = wait_for_quiet(WAIT) if wait and WAIT > 0 else None
        r = run_measured(cmd, cwd=cwd, poll=poll, capture=capture, timeout=timeout)
        r["load_before"] = load
        return r

    return run


def _l_runner(root: str, wait: bool = False) -> Callable[[], Dict[str, object]]:
    inner = _runner([sys.executable, os.path.abspath(__file__), "--lower-bound", root], root, capture=True, wait=wait)

    def run() -> Dict[str, object]:
        r = inner()
        r["detail"] = json.loads(r.pop("out"))
        return r

    return run


def _other_load(results: Sequence[Dict[str, dict]]) -> float:
    """The median share of a core other processes used during these runs."""
    shares = [r["other_cpu"] / r["wall"] for one in results for r in one.values() if r.get("wall")]
    return summarise(shares).median if shares else 0.0


def _progress(label: str) -> Callable[[int, Dict[str, dict]], None]:
    def show(i: int, one: Dict[str, dict]) -> None:
        parts = ", ".join(f"{k} {v['wall']:.2f} s (cpu {v['cpu']:.2f})" for k, v in one.items())
        print(f"  {label} round {i + 1}: {parts}", flush=True)

    return show


def _verdict(value: float, target: float, at_most: bool) -> str:
    ok = value <= target if at_most else value >= target
    return f"{'met' if ok else 'MISSED'} (target {'<=' if at_most else '>='} {target:g})"


def _ratio_rows(results, num, den, label, target=None, at_most=True, scale=1.0, digits=2):
    wall = paired(results, num, den, "wall", scale)
    cpu = paired(results, num, den, "cpu", scale)
    verdict = _verdict(wall.median, target, at_most) if target is not None else ""
    return (label, wall.text(digits), cpu.text(digits), verdict)


def _seconds_row(results, name, label, note=""):
    return (label, column(results, name, "wall").text(), column(results, name, "cpu").text(), note)


# ------------------------------------------------------------------- cases


def _prepare_tree(args: argparse.Namespace) -> Tuple[str, Optional[str], Dict[str, int]]:
    stamp_name = ".bench-tree.json"
    wanted = {"files": args.files, "seed": args.seed}
    if args.keep:
        root, cleanup = os.path.abspath(args.keep), None
        stamp = os.path.join(root, stamp_name)
        if os.path.exists(stamp):
            with open(stamp) as handle:
                saved = json.load(handle)
            if saved.get("params") == wanted:
                print(f"reusing the tree in {root}", flush=True)
                return root, None, saved["stats"]
            raise SystemExit(
                f"{root} holds a tree built with {saved.get('params')}; remove it or use another --keep"
            )
        if os.path.exists(root) and os.listdir(root):
            raise SystemExit(f"{root} exists and is not a benchmark tree")
    else:
        cleanup = tempfile.mkdtemp(prefix="mi-bench-")
        root = os.path.join(cleanup, "repo")
    t = time.perf_counter()
    print(f"building {args.files} files in {root} ...", flush=True)
    stats = build_tree(root, args.files, seed=args.seed).__dict__
    print(f"  built in {time.perf_counter() - t:.1f} s", flush=True)
    with open(os.path.join(root, stamp_name), "w") as handle:
        json.dump({"params": wanted, "stats": stats}, handle)
    return root, cleanup, stats


def _count_outcomes(root: str) -> Tuple[int, int]:
    """Files the tool would change and files it failed on (an untimed run: it also fills the index cache)."""
    proc = subprocess.run(
        _cli("--check", "--format", "json", root),
        cwd=root,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        files = json.loads(proc.stdout).get("files", [])
    except (ValueError, AttributeError):
        return -1, -1
    return sum(f.get("status") == "changed" for f in files), sum(f.get("status") == "failed" for f in files)


def synthetic_case(args: argparse.Namespace, root: str, stats: Dict[str, int]) -> Dict[str, object]:
    files = _tree_files(root)
    _warm(root)
    print(
        f"tree: {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB; {stats['openai_files']} OpenAI fixture files "
        f"({stats['openai_bytes'] / 1e3:.0f} kB), {stats['mention_files']} files mentioning OpenAI only in a comment or string "
        f"({stats['mention_bytes'] / 1e3:.0f} kB)",
        flush=True,
    )
    changed, failed = _count_outcomes(root)
    runners = {
        "tool": _runner(_cli("--check", root), root, poll=True, wait=True),
        "L": _l_runner(root),
        "plumbing": _runner(_cli("--check", root, engine="parse_only"), root),
    }
    scale = 1.0
    if not args.skip_baseline:
        sample = files
        if args.baseline_files and args.baseline_files < len(files):
            sample = sorted(random.Random(args.seed).sample(files, args.baseline_files))
        scale = len(files) / len(sample)
        runners["B"] = _runner(_b_cmd([root] if sample is files else sample), root)
        print(f"  B runs on {len(sample)} files, scaled x{scale:.2f} to {len(files)}", flush=True)
    results = rounds(runners, args.pairs, _progress("tree"))
    return {"results": results, "changed": changed, "failed": failed, "nfiles": len(files), "scale": scale, "b_files": len(files) / scale}


def one_file_cases(args: argparse.Namespace, root: str) -> List[Dict[str, object]]:
    work = tempfile.mkdtemp(prefix="mi-onefile-")
    plain_src = next(p for p in _tree_files(root) if os.path.getsize(p) > 3000 and not _has_marker(p))
    cases = [
        ("pre-commit hook, rewrites the file", REWRITE_FILE, ()),
        ("--check, rewrite pending", REWRITE_FILE, ("--check",)),
        ("--check, imports openai, no change", NOCHANGE_FILE, ("--check",)),
        ("--check, no OpenAI code", plain_src, ("--check",)),
    ]
    out = []
    try:
        for n, (label, src, flags) in enumerate(cases):
            d = os.path.join(work, f"case{n}")
            os.makedirs(d)
            target = os.path.join(d, "app.py")

            def prep(src: str = src, target: str = target) -> None:
                shutil.copyfile(src, target)

            prep()
            first = subprocess.run(_cli(*flags, "app.py"), cwd=d, env=_env(), capture_output=True)
            with open(target, "rb") as h, open(src, "rb") as g:
                rewrote = h.read() != g.read()
            prep()
            results = rounds(
                {
                    "tool": _runner(_cli(*flags, "app.py"), d, prep=prep, wait=True),
                    "bound": _runner([sys.executable, "-c", BOUND_CODE, "app.py"], d),
                },
                args.onefile_pairs,
            )
            prep()  # the rounds' last run may have rewritten it
            out.append(
                {
                    "label": label,
                    "file": os.path.relpath(src, REPO) if src.startswith(REPO) else os.path.basename(src),
                    "size": os.path.getsize(src),
                    "code": first.returncode,
                    "rewrote": rewrote,
                    "imports": imported_heavy_modules([*flags, "app.py"], d),
                    "results": results,
                }
            )
            prep()
            print(f"  one file: {label}: {column(results, 'tool').text()} s", flush=True)
        results = rounds(
            {
                "tool": _runner(_cli("--help"), work, wait=True),
                "bound": _runner([sys.executable, "-c", "pass"], work),
            },
            args.onefile_pairs,
        )
        out.append({"label": "--help (bound: bare python)", "file": "", "size": 0, "code": 0, "rewrote": False, "imports": imported_heavy_modules(["--help"], work), "results": results})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def real_tree_cases(args: argparse.Namespace) -> List[Dict[str, object]]:
    out = []
    work = tempfile.mkdtemp(prefix="mi-real-")
    try:
        for name in sorted(os.listdir(args.real_trees)):
            src = os.path.join(args.real_trees, name)
            if not os.path.isdir(src):
                continue
            # a copy: B (libcst.tool codemod) writes every file back, even unchanged
            root = os.path.join(work, name)
            shutil.copytree(src, root, symlinks=True)
            files = _tree_files(root)
            cands = [p for p in files if _has_marker(p)]
            _warm(root)
            changed, failed = _count_outcomes(root)
            results = rounds(
                {
                    "tool": _runner(_cli("--check", root), root, poll=True, wait=True),
                    "L": _l_runner(root),
                    "B": _runner(_b_cmd([root]), root),
                },
                args.real_pairs,
            )
            out.append(
                {
                    "name": name,
                    "files": len(files),
                    "candidates": len(cands),
                    "candidate_bytes": sum(os.path.getsize(p) for p in cands),
                    "bytes": sum(os.path.getsize(p) for p in files),
                    "changed": changed,
                    "failed": failed,
                    "results": results,
                }
            )
            print(
                f"  real tree {name}: {len(cands)}/{len(files)} candidates, tool {column(results, 'tool').text()} s, "
                f"tool/L {paired(results, 'tool', 'L')}, B/tool {paired(results, 'B', 'tool')}",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def big_file_case(args: argparse.Namespace) -> Dict[str, object]:
    work = tempfile.mkdtemp(prefix="mi-big-")
    try:
        target = os.path.join(work, "big.py")
        with open(target, "wb") as handle:
            handle.write(big_candidate(args.big_bytes))
        size = os.path.getsize(target)
        results = rounds(
            {
                "tool": _runner(
                    _cli("--check", "--timeout-per-file", "0", "big.py"), work, poll=True, wait=True, timeout=args.big_timeout or None
                ),
                "bound": _runner([sys.executable, "-c", BOUND_CODE, "big.py"], work),
            },
            args.big_pairs,
            _progress("1 MB file"),
        )
        return {"size": size, "results": results}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cost_case(label: str, dirs: Sequence[str], args: argparse.Namespace) -> Optional[Dict[str, object]]:
    cmd = [sys.executable, os.path.join(HERE, "profile_engine.py"), *dirs, "--json", str(args.cost_rounds)]
    if args.cost_sample:
        cmd += ["--sample", str(args.cost_sample)]
    if args.stages:
        cmd.append("--stages")
    if WAIT > 0:
        wait_for_quiet(WAIT)
    proc = subprocess.run(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        print(f"  profile_engine.py failed on {label}: {proc.stderr.strip()[-300:]}", file=sys.stderr)
        return None
    d = json.loads(proc.stdout)
    d["label"] = label
    print(f"  cost per candidate, {label}: {paired(d['rounds'], 'engine', 'parse', 'cpu')} parses (cpu)", flush=True)
    return d


# ------------------------------------------------------------------- report


def args_big_timeout(results: Sequence[Dict[str, dict]]) -> float:
    return min(o["tool"]["wall"] for o in results if o["tool"]["timed_out"])


def _table(title: str, rows: List[Tuple[str, str, str, str]]) -> None:
    print()
    print(title)
    head = ("", "wall: median (min-max)", "cpu: median (min-max)", "")
    rows = [head] + rows
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]}".rstrip())


def report(res: Dict[str, object]) -> None:
    pairs_note = "ratios are medians of per-round ratios (A, B, A, B, ...); seconds are medians over the rounds"
    print()
    print(f"Results ({pairs_note}); {res['machine']}")
    syn = res.get("synthetic")
    if syn:
        r = syn["results"]
        stats = res["stats"]
        ld = r[0]["L"]["detail"]
        rows = [
            _seconds_row(r, "tool", "tool: --check DIR (s)", f"{syn['changed']} files would change, {syn['failed']} failed"),
            _seconds_row(r, "L", "L: read all + parse candidates (s)", f"{ld['files']} files, {ld['candidates']} candidates ({ld['candidate_bytes'] / 1e3:.0f} kB)"),
            _ratio_rows(r, "tool", "L", "tool / L", TARGETS["tool/L"]),
            _seconds_row(r, "plumbing", "plumbing: engine = parse+codegen (s)"),
            _ratio_rows(r, "plumbing", "L", "plumbing / L", TARGETS["tool/L"]),
        ]
        if "B" in r[0]:
            how = "whole tree" if syn["scale"] == 1 else f"B on {syn['b_files']:.0f} files, scaled x{syn['scale']:.2f}"
            rows.append(_seconds_row(r, "B", "B: libcst.tool codemod, no-op (s, unscaled)", how))
            rows.append(_ratio_rows(r, "B", "tool", "B / tool", TARGETS["B/tool"], at_most=False, scale=syn["scale"], digits=1))
        rss = max(one["tool"]["rss_mb"] for one in r)
        rows.append(
            (
                "peak memory of the tool (MB)",
                f"{rss:.0f} RSS sum",
                f"{max(one['tool']['pss_mb'] for one in r):.0f} PSS sum",
                f"largest process {max(one['tool']['maxrss_mb'] for one in r):.0f} MB (ru_maxrss); "
                f"{max(one['tool']['processes'] for one in r)} processes; {_verdict(rss, TARGETS['peak MB'], True)}",
            )
        )
        _table(
            f"Synthetic tree: {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB, {len(r)} rounds; "
            f"other processes used a median {_other_load(r):.2f} cores during the runs",
            rows,
        )
    ones = res.get("one_file") or []
    if ones:
        rows = []
        for case in ones:
            r = case["results"]
            target = TARGETS["one-file/bound"] if case["file"] else None
            rows.append(_seconds_row(r, "tool", f"{case['label']} (s)", f"{case['file']} {case['size']} B; exit {case['code']}{'; rewrote it' if case['rewrote'] else ''}; imports {', '.join(case['imports']) or 'nothing heavy'}"))
            rows.append(_seconds_row(r, "bound", "  bound (s)"))
            rows.append(_ratio_rows(r, "tool", "bound", "  tool / bound", target))
        _table(f"One file ({len(ones[0]['results'])} rounds each; bound: python -c 'import libcst' + parse + codegen of the file); other load {_other_load([x for c in ones for x in c['results']]):.2f} cores", rows)
    reals = res.get("real_trees")
    if reals is not None:
        if not reals:
            print(f"\nReal trees: skipped ({res.get('real_trees_note')})")
        else:
            rows = []
            for t in reals:
                r = t["results"]
                rows.append(
                    (
                        f"{t['name']} ({t['candidates']}/{t['files']} = {t['candidates'] / max(1, t['files']):.0%} candidates)",
                        f"tool {column(r, 'tool').median:.2f} s",
                        f"cpu {column(r, 'tool', 'cpu').median:.2f} s",
                        f"{t['changed']} would change, {t['failed']} failed; peak {max(o['tool']['rss_mb'] for o in r):.0f} MB",
                    )
                )
                rows.append(_ratio_rows(r, "tool", "L", "  tool / L", TARGETS["tool/L"]))
                rows.append(_ratio_rows(r, "B", "tool", "  B / tool", TARGETS["B/tool"], at_most=False, digits=1))
            all_results = [x for t in reals for x in t["results"]]
            b_tool = summarise([v for t in reals for v in per_round(t["results"], "B", "tool")])
            b_tool_cpu = summarise([v for t in reals for v in per_round(t["results"], "B", "tool", "cpu")])
            tool_l = summarise([v for t in reals for v in per_round(t["results"], "tool", "L")])
            tool_l_cpu = summarise([v for t in reals for v in per_round(t["results"], "tool", "L", "cpu")])
            rows.append(("all real trees: tool / L (every round)", tool_l.text(), tool_l_cpu.text(), _verdict(tool_l.median, TARGETS["tool/L"], True)))
            rows.append(("all real trees: B / tool (every round)", b_tool.text(1), b_tool_cpu.text(1), _verdict(b_tool.median, TARGETS["B/tool"], False)))
            _table(f"Real trees ({len(reals)} trees, {len(reals[0]['results'])} rounds each); other load {_other_load(all_results):.2f} cores", rows)
    big = res.get("big")
    if big:
        r = big["results"]
        wall = column(r, "tool")
        mx = max(max(o["tool"]["maxrss_mb"], o["tool"]["rss_mb"]) for o in r)
        stopped = sum(o["tool"]["timed_out"] for o in r)
        how = f"STOPPED after {args_big_timeout(r):.0f} s in {stopped} of {len(r)} rounds (figures are lower bounds)" if stopped else f"exit {r[0]['tool']['code']}"
        rows = [
            _seconds_row(r, "tool", f"--check big.py, {big['size'] / 1e6:.2f} MB (s)", f"{how}; {_verdict(wall.median, TARGETS['big s'], True)}"),
            _seconds_row(r, "bound", "  bound (s)"),
            _ratio_rows(r, "tool", "bound", "  tool / bound (parses)"),
            ("  peak memory (MB)", f"{mx:.0f} peak RSS", f"{max(o['tool']['rss_mb'] for o in r):.0f} RSS sum", "largest process: ru_maxrss, or the polled RSS when stopped; " + _verdict(mx, TARGETS["big MB"], True)),
        ]
        _table(f"One ~1 MB candidate ({len(r)} rounds)", rows)
    costs = [c for c in res.get("costs") or [] if c]
    if costs:
        rows = []
        for c in costs:
            r = c["rounds"]
            target = TARGETS["parses"] if c["label"] != "synthetic" else None
            rows.append(_ratio_rows(r, "engine", "parse", f"{c['label']}: {c['files']} candidates, {c['bytes'] / 1e3:.0f} kB", target, digits=1))
        _table("Per candidate: the engine in one process / LibCST parse + codegen of the same files (parses), paired per round", rows)
        for c in costs:
            if c.get("stages"):
                print(f"\n  stage profile, {c['label']} (exclusive, in parses; one instrumented pass):")
                for name, spent in sorted(c["stages"].items(), key=lambda kv: -kv[1])[:8]:
                    print(f"    {name:<60} {spent / c['profile_parse']:6.1f}")


# ------------------------------------------------------------------- main


def main(argv: Optional[Sequence[str]] = None) -> int:
    global CACHE_DIR, WAIT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="files in the synthetic tree (default 10000)")
    parser.add_argument("--keep", metavar="DIR", help="build the tree in DIR and keep it (reused when it matches)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=5, help="rounds of the synthetic-tree comparison (default 5)")
    parser.add_argument("--baseline-files", type=int, default=1000, metavar="M", help="run B on a random sample of M files and scale linearly (default 1000; 0: the whole tree)")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run B on the synthetic tree")
    parser.add_argument("--onefile-pairs", type=int, default=7, help="rounds of each one-file case (default 7)")
    parser.add_argument("--real-trees", metavar="DIR", default="/work/corpus/repos", help="a directory of real repositories (each subdirectory is one tree); skipped when absent")
    parser.add_argument("--real-pairs", type=int, default=3, help="rounds per real tree (default 3)")
    parser.add_argument("--real-files", metavar="DIR", default="/work/corpus/files", help="real OpenAI files for the per-candidate cost; skipped when absent")
    parser.add_argument("--big-bytes", type=int, default=1_000_000, help="size of the big candidate (default 1000000; 0: skip)")
    parser.add_argument("--big-pairs", type=int, default=2)
    parser.add_argument("--big-timeout", type=float, default=120.0, help="stop the tool on the big candidate after this many seconds (default 120; 0: never)")
    parser.add_argument("--cost-rounds", type=int, default=2, help="paired rounds of the per-candidate cost (default 2)")
    parser.add_argument("--cost-sample", type=int, default=40, metavar="K", help="per-candidate cost on a random sample of K candidates per set (default 40; 0: all)")
    parser.add_argument("--stages", action="store_true", help="add the stage profile to the per-candidate cost")
    parser.add_argument("--only", default="synthetic,one,real,big,cost", help="comma-separated cases to run (default all)")
    parser.add_argument("--wait", type=float, default=5.0, help="seconds to wait for a quiet machine before each round (default 5; 0: never)")
    parser.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    parser.add_argument("--lower-bound", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.lower_bound:
        lower_bound(args.lower_bound)
        return 0
    WAIT = args.wait
    only = set(args.only.split(","))
    cores = _usable_cores()
    try:
        with open("/proc/loadavg") as handle:
            loadavg = " ".join(handle.read().split()[:3])
    except OSError:
        loadavg = "?"
    from importlib.metadata import version

    machine = (
        f"{platform.machine()}, {cores} usable cores, Python {platform.python_version()}, "
        f"LibCST {version('libcst')}, {platform.system()} {platform.release()}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average at start {loadavg}"
    )
    print(f"machine: {machine}", flush=True)
    CACHE_DIR = tempfile.mkdtemp(prefix="mi-bench-cache-")
    res: Dict[str, object] = {"machine": machine, "cores": cores}
    root, cleanup = None, None
    try:
        if only & {"synthetic", "one", "cost"}:
            root, cleanup, stats = _prepare_tree(args)
            res["stats"] = stats
        if "synthetic" in only:
            res["synthetic"] = synthetic_case(args, root, stats)
        if "one" in only:
            res["one_file"] = one_file_cases(args, root)
        if "real" in only:
            if args.real_trees and os.path.isdir(args.real_trees):
                res["real_trees"] = real_tree_cases(args)
            else:
                res["real_trees"] = []
                res["real_trees_note"] = f"{args.real_trees or '--real-trees'} is not a directory"
                print(f"real trees: skipped, {res['real_trees_note']}", flush=True)
        if "big" in only and args.big_bytes:
            res["big"] = big_file_case(args)
        if "cost" in only:
            costs = [cost_case("synthetic", [root], args)]
            if args.real_files and os.path.isdir(args.real_files):
                costs.append(cost_case("real files", [args.real_files], args))
            else:
                print(f"real files: skipped, {args.real_files} is not a directory", flush=True)
            if args.real_trees and os.path.isdir(args.real_trees):
                trees = [os.path.join(args.real_trees, n) for n in sorted(os.listdir(args.real_trees))]
                costs.append(cost_case("real trees", [t for t in trees if os.path.isdir(t)], args))
            res["costs"] = costs
        report(res)
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(res, handle, indent=1, default=lambda o: o.decode("utf-8", "replace") if isinstance(o, bytes) else str(o))
    finally:
        if cleanup:
            shutil.rmtree(cleanup, ignore_errors=True)
        shutil.rmtree(CACHE_DIR, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
