"""How fast migrate-inference is on a monorepo and in pre-commit, against its lower bounds.

    python tests/benchmarks/bench.py [--files N] [--keep DIR] [--runs R] [--baseline-files M]

Builds a synthetic tree (see ``synth.py``: N files, default 10,000, 2% of them
the golden fixtures, 0.5% ordinary modules that mention OpenAI only in a
comment or string, the rest ordinary Python), then measures, with a warm page
cache:

* tool   wall time of ``python -m migrate_inference --check DIR`` (the real
         CLI, default --jobs: every usable core), best of R runs;
* L      wall time of one Python process that starts, imports libcst, reads
         every ``.py`` file under DIR and LibCST-parses and regenerates the
         code of the files that pass the byte prefilter (the candidates):
         the least any LibCST-based tool can do on one core, best of R;
* B      ``python -m libcst.tool codemod`` with a no-op codemod
         (``noop_codemod.NoOpCommand``, --no-format, default -j: every core)
         over the same tree; with --baseline-files M < N (default 2000) on a
         random sample of M files, scaled linearly to N files (the output
         says so);
* plumbing  the tool's run with its engine replaced by LibCST parse + code
         generation (``stub_engines.parse_only``): what the runner, discovery
         and reporting cost around the engine, against the same L;
* peak memory of the tool's process tree, polled from /proc every 20 ms: the
         sum of RSS over all its processes (shared pages counted in each
         process), the sum of PSS (shared pages split between them), and the
         largest single process's max RSS (exact, from wait4);
* one file  ``python -m migrate_inference --check FILE`` on one fixture, the
         pre-commit case, against ``python -c "import libcst"`` plus
         LibCST-parsing that file; also the same run on a file with no OpenAI
         code, and ``--help``, with the heavy modules each one imported.

Before each timed run it waits (up to a minute) for the machine to be quiet,
and it reports when other processes used more than a tenth of a core during
a run: on two cores that noise is large.

Not collected by pytest (``benchmarks`` is in norecursedirs; the file is not
named test_*).  Linux only (it reads /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SRC = os.path.join(REPO, "src")
sys.path.insert(0, HERE)

from synth import FIXTURES, MARKERS, build_tree  # noqa: E402

TARGETS = {"tool/L": 1.5, "B/tool": 10.0, "peak MB": 300.0, "one-file/bound": 2.0}
HEAVY_MODULES = (
    "libcst",
    "black",
    "pyflakes",
    "migrate_inference.engine",
    "migrate_inference.notebooks",
    "migrate_inference.deps",
)
DEFAULT_PRECOMMIT_FILE = os.path.join(FIXTURES, "v1_chat", "create_reference.before.py")


def _env() -> Dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (SRC, HERE, env.get("PYTHONPATH", "")) if p
    )
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["NO_COLOR"] = "1"
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
    quiet: bool = True,
) -> Dict[str, object]:
    """Wall time, exit status, CPU time, and (with poll) peak memory of one command.

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
    )
    poller = MemoryPoller(proc.pid) if poll else None
    if poller:
        poller.__enter__()
    _, status, usage = os.wait4(proc.pid, 0)
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


def parse_time(path: str, repeat: int = 20) -> float:
    import libcst

    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8")
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        libcst.parse_module(text).code
        times.append(time.perf_counter() - t)
    return statistics.median(times)


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


# ------------------------------------------------------------------- main


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


def _tree_files(root: str) -> List[str]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        out += [
            os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith(".py")
        ]
    return out


def _prepare_tree(
    args: argparse.Namespace,
) -> Tuple[str, Optional[str], Dict[str, int]]:
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--files",
        type=int,
        default=10_000,
        help="files in the synthetic tree (default 10000)",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build the tree in DIR and keep it (reused when it matches)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--runs",
        type=int,
        default=3,
        help="runs of the tool, the plumbing and L (best of; default 3)",
    )
    parser.add_argument(
        "--baseline-files",
        type=int,
        default=2000,
        metavar="M",
        help="run B on a random sample of M files and scale linearly (default 2000; 0: the whole tree)",
    )
    parser.add_argument("--skip-baseline", action="store_true", help="do not run B")
    parser.add_argument(
        "--precommit-file",
        default=DEFAULT_PRECOMMIT_FILE,
        help="the file for the one-file run",
    )
    parser.add_argument("--precommit-runs", type=int, default=7)
    parser.add_argument(
        "--json", metavar="FILE", help="also write every measurement to FILE"
    )
    parser.add_argument("--lower-bound", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.lower_bound:
        lower_bound(args.lower_bound)
        return 0

    cores = _usable_cores()
    print(
        f"machine: {platform.machine()}, {cores} usable cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
    root, cleanup, stats = _prepare_tree(args)
    try:
        return _bench(args, root, stats, cores)
    finally:
        if cleanup:
            shutil.rmtree(cleanup, ignore_errors=True)


def _cli(*args: str, engine: Optional[str] = None) -> List[str]:
    """The command line of a CLI run; with ``engine``, one from stub_engines replaces the real one."""
    if engine is None:
        return [sys.executable, "-m", "migrate_inference", *args]
    code = f"import sys; from migrate_inference.cli import main; from stub_engines import {engine}; sys.exit(main(sys.argv[1:], engine={engine}))"
    return [sys.executable, "-c", code, *args]


def _load_note(runs: Sequence[Dict[str, object]]) -> str:
    """A warning when other processes used more than a tenth of a core during (the worst of) these runs."""
    worst = max(runs, key=lambda r: r["other_cpu"] / r["wall"])
    share = worst["other_cpu"] / worst["wall"]
    return (
        f"; other processes used up to {share:.2f} cores meanwhile"
        if share > 0.1
        else ""
    )


def _bench(
    args: argparse.Namespace, root: str, stats: Dict[str, int], cores: int
) -> int:
    files = _tree_files(root)
    for path in files:  # warm the page cache: every timed run reads from memory
        with open(path, "rb") as handle:
            handle.read()
    print(
        f"tree: {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB; {stats['openai_files']} OpenAI fixture files "
        f"({stats['openai_bytes'] / 1e3:.0f} kB), {stats['mention_files']} files mentioning OpenAI only in a comment or string "
        f"({stats['mention_bytes'] / 1e3:.0f} kB)",
        flush=True,
    )
    res: Dict[str, object] = {"stats": stats, "cores": cores, "nfiles": len(files)}

    # -- the tool
    runs = []
    for i in range(args.runs):
        r = run_measured(_cli("--check", root), cwd=root, poll=True)
        if r["code"] not in (0, 1):
            print(f"the tool exited with {r['code']}", file=sys.stderr)
            return 2
        runs.append(r)
        print(
            f"  tool run {i + 1}: {r['wall']:.2f} s (cpu {r['cpu']:.1f} s), peak {r['rss_mb']:.0f} MB RSS / {r['pss_mb']:.0f} MB PSS over {r['processes']} processes{_load_note([r])}",
            flush=True,
        )
    res["tool_runs"] = runs
    res["changed"], res["failed"] = _count_outcomes(root)

    # -- the plumbing: the same run with the engine replaced by parse + codegen (what L does)
    plumbing = []
    for i in range(args.runs):
        r = run_measured(_cli("--check", root, engine="parse_only"), cwd=root)
        plumbing.append(r)
        print(
            f"  plumbing run {i + 1} (engine = parse + codegen): {r['wall']:.2f} s (cpu {r['cpu']:.1f} s){_load_note([r])}",
            flush=True,
        )
    res["plumbing_runs"] = plumbing

    # -- L
    l_runs = []
    for i in range(args.runs):
        r = run_measured(
            [sys.executable, os.path.abspath(__file__), "--lower-bound", root],
            cwd=root,
            capture=True,
        )
        detail = json.loads(r["out"])
        detail.update(wall=r["wall"], other_cpu=r["other_cpu"])
        l_runs.append(detail)
        print(f"  L run {i + 1}: {r['wall']:.2f} s{_load_note([r])}", flush=True)
    res["l_runs"] = l_runs

    # -- B
    if not args.skip_baseline:
        sample = files
        if args.baseline_files and args.baseline_files < len(files):
            sample = sorted(random.Random(args.seed).sample(files, args.baseline_files))
        print(
            f"  baseline: libcst.tool codemod over {len(sample)} files ...", flush=True
        )
        targets = [root] if sample is files else sample
        r = run_measured(
            [
                sys.executable,
                "-m",
                "libcst.tool",
                "codemod",
                "-x",
                "noop_codemod.NoOpCommand",
                "--no-format",
                "--hide-progress",
                *targets,
            ],
            cwd=root,
        )
        if r["code"] != 0:
            print(f"libcst.tool codemod exited with {r['code']}", file=sys.stderr)
        r["sample"] = len(sample)
        r["scaled"] = r["wall"] * len(files) / len(sample)
        res["baseline"] = r
        print(
            f"  baseline: {r['wall']:.1f} s (cpu {r['cpu']:.1f} s){_load_note([r])}",
            flush=True,
        )

    # -- one file (pre-commit)
    res["one"] = _one_file(args, root)

    _report(res)
    if args.json:
        for r in runs + plumbing:
            r.pop("out", None)
        res.get("baseline", {}).pop("out", None)
        with open(args.json, "w") as handle:
            json.dump(res, handle, indent=1, default=str)
    return 0


def _count_outcomes(root: str) -> Tuple[int, int]:
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
    return sum(f.get("status") == "changed" for f in files), sum(
        f.get("status") == "failed" for f in files
    )


def _one_file(args: argparse.Namespace, root: str) -> Dict[str, object]:
    work = tempfile.mkdtemp(prefix="mi-precommit-")
    try:
        target = os.path.join(work, "app.py")
        shutil.copyfile(args.precommit_file, target)
        plain = os.path.join(work, "plain.py")
        sample = next(
            p
            for p in _tree_files(root)
            if os.path.getsize(p) > 3000 and not _has_marker(p)
        )
        shutil.copyfile(sample, plain)
        n = args.precommit_runs

        def timed(cmd: List[str]) -> List[Dict[str, object]]:
            return [run_measured(cmd, cwd=work) for _ in range(n)]

        out = {
            "file": os.path.relpath(args.precommit_file, REPO),
            "runs": n,
            "size": os.path.getsize(target),
            "plain_size": os.path.getsize(plain),
            "tool": timed(_cli("--check", "app.py")),
            "tool_plain": timed(_cli("--check", "plain.py")),
            "import_libcst": timed([sys.executable, "-c", "import libcst"]),
            "python": timed([sys.executable, "-c", "pass"]),
            "help": timed(_cli("--help")),
            "parse": parse_time(target),
            "imports_file": imported_heavy_modules(["--check", "app.py"], work),
            "imports_plain": imported_heavy_modules(["--check", "plain.py"], work),
            "imports_help": imported_heavy_modules(["--help"], work),
        }
        for key in ("tool", "tool_plain", "import_libcst", "python", "help"):
            out[key + "_note"] = _load_note(out[key])
            out[key] = _median([r["wall"] for r in out[key]])
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _has_marker(path: str) -> bool:
    with open(path, "rb") as handle:
        data = handle.read()
    return any(m in data for m in MARKERS)


def _verdict(value: float, target: float, at_most: bool) -> str:
    ok = value <= target if at_most else value >= target
    return f"{'ok' if ok else 'MISSED'} (target {'<=' if at_most else '>='} {target:g})"


def _report(res: Dict[str, object]) -> None:
    stats, cores, nfiles, one = res["stats"], res["cores"], res["nfiles"], res["one"]
    runs, plumbing, l_runs = res["tool_runs"], res["plumbing_runs"], res["l_runs"]
    # Best of R: the run least disturbed by anything else on the machine.
    best_run = min(runs, key=lambda r: r["wall"])
    best_plumbing = min(plumbing, key=lambda r: r["wall"])
    tool, plumb = best_run["wall"], best_plumbing["wall"]
    ld = min(l_runs, key=lambda d: d["wall"])
    L = ld["wall"]
    walls = ", ".join(f"{r['wall']:.2f}" for r in runs)
    plumb_walls = ", ".join(f"{r['wall']:.2f}" for r in plumbing)
    rows: List[Tuple[str, str, str]] = [
        (
            "tool: migrate-inference --check DIR",
            f"{tool:.2f} s",
            f"best of {walls}; cpu {_median([r['cpu'] for r in runs]):.1f} s; {res['changed']} files would change, {res['failed']} failed{_load_note([best_run])}",
        ),
        (
            "L: one process, read all + parse candidates",
            f"{L:.2f} s",
            f"python start {ld['wall'] - ld['import'] - ld['read'] - ld['parse']:.2f} s + import libcst {ld['import']:.2f} s + read {ld['files']} files ({ld['bytes'] / 1e6:.1f} MB) {ld['read']:.2f} s + parse+codegen {ld['candidates']} candidates ({ld['candidate_bytes'] / 1e3:.0f} kB) {ld['parse']:.2f} s{_load_note([ld])}",
        ),
        ("tool / L", f"{tool / L:.2f}", _verdict(tool / L, TARGETS["tool/L"], True)),
        (
            "plumbing: tool with engine = parse+codegen",
            f"{plumb:.2f} s",
            f"best of {plumb_walls}; everything but the engine's own work{_load_note([best_plumbing])}",
        ),
        (
            "plumbing / L",
            f"{plumb / L:.2f}",
            _verdict(plumb / L, TARGETS["tool/L"], True),
        ),
    ]
    b = res.get("baseline")
    if b:
        how = (
            "whole tree"
            if b["sample"] == nfiles
            else f"measured {b['wall']:.1f} s on {b['sample']} random files, scaled linearly to {nfiles}"
        )
        rows.append(
            (
                "B: libcst.tool codemod, no-op",
                f"{b['scaled']:.1f} s",
                how + _load_note([b]),
            )
        )
        rows.append(
            (
                "B / tool",
                f"{b['scaled'] / tool:.1f}",
                _verdict(b["scaled"] / tool, TARGETS["B/tool"], False),
            )
        )
    peak_rss = max(r["rss_mb"] for r in runs)
    rows.append(
        (
            "peak memory of the tool (process tree)",
            f"{peak_rss:.0f} MB",
            f"sum of RSS, {_verdict(peak_rss, TARGETS['peak MB'], True)}; sum of PSS {max(r['pss_mb'] for r in runs):.0f} MB; largest process {max(r['maxrss_mb'] for r in runs):.0f} MB; {max(r['processes'] for r in runs)} processes",
        )
    )
    bound = one["import_libcst"] + one["parse"]
    rows += [
        (
            f"one file: --check {os.path.basename(one['file'])}",
            f"{one['tool']:.2f} s",
            f"{one['size']} bytes; imports {', '.join(one['imports_file']) or 'nothing heavy'}{one['tool_note']}",
        ),
        (
            "  bound: python -c 'import libcst' + parse",
            f"{bound:.2f} s",
            f"import {one['import_libcst']:.3f} s + parse {one['parse'] * 1000:.1f} ms (bare python {one['python']:.3f} s){one['import_libcst_note']}",
        ),
        (
            "  one file / bound",
            f"{one['tool'] / bound:.2f}",
            _verdict(one["tool"] / bound, TARGETS["one-file/bound"], True),
        ),
        (
            "one file without OpenAI code: --check",
            f"{one['tool_plain']:.2f} s",
            f"{one['plain_size']} bytes; imports {', '.join(one['imports_plain']) or 'nothing heavy'}{one['tool_plain_note']}",
        ),
        (
            "migrate-inference --help",
            f"{one['help']:.2f} s",
            f"imports {', '.join(one['imports_help']) or 'nothing heavy'}{one['help_note']}",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    print(
        f"Results: {cores} cores; tree of {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB; wall-clock seconds, best of {len(runs)} runs (one-file rows: median of {one['runs']})"
    )
    print("-" * (width + 12))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>8}  {note}")


if __name__ == "__main__":
    sys.exit(main())
