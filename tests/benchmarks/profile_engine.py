"""Where the engine's time goes, stage by stage, on the candidate files of a tree.

    python tests/benchmarks/profile_engine.py [DIR ...] [--repeat N] [--json ROUNDS]

Runs ``migrate_source`` in this process on every file under DIR that passes
the byte prefilter (default: the golden fixtures), with timers around the
engine's stages, LibCST metadata resolution, parsing, code generation,
pyflakes and black.  Time is exclusive: a parse inside ``verify`` counts as
"parse [verify]", not twice.  The last column gives each stage in
"parses": its time over the time of one plain LibCST parse of the same files,
the unit the lower bound L is made of.

The timers wrap functions by name and skip any that are missing, so the
script keeps working while the engine changes; stages it cannot see show up
in "rest of ...".
"""

from __future__ import annotations

import argparse
import functools
import glob
import os
import sys
import time
from collections import defaultdict
from typing import Callable, Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "src"))
sys.path.insert(0, HERE)

from synth import FIXTURES, MARKERS  # noqa: E402

TOTALS: Dict[str, float] = defaultdict(float)
_stack: List[List] = []  # [label, start, time spent in nested stages]


def _timed(label: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        outer = _stack[-1][0] if _stack else ""
        name = label.format(outer=outer.split(" [")[0]) if "{outer}" in label else label
        if "{outer}" in label and not outer:
            name = label.split(" [")[0]
        frame = [name, time.perf_counter(), 0.0]
        _stack.append(frame)
        try:
            return fn(*args, **kwargs)
        finally:
            _stack.pop()
            spent = time.perf_counter() - frame[1]
            TOTALS[name] += spent - frame[2]
            if _stack:
                _stack[-1][2] += spent

    return wrapper


def _wrap(owner, attr: str, label: str) -> None:
    fn = getattr(owner, attr, None)
    if fn is None:
        return
    if isinstance(fn, property):
        setattr(owner, attr, property(_timed(label, fn.fget)))
    else:
        setattr(owner, attr, _timed(label, fn))


def instrument() -> Callable:
    import libcst
    import libcst.metadata.wrapper as metadata_wrapper
    from libcst._nodes.module import Module

    from migrate_inference import engine, pipeline  # pipeline: the steps before the pass

    _wrap(libcst, "parse_module", "parse [{outer}]")
    engine.cst.parse_module = libcst.parse_module
    _wrap(metadata_wrapper, "_resolve_impl", "metadata [{outer}]")
    _wrap(Module, "code", "codegen [{outer}]")
    for name in ("collect", "collect_v1", "collect_error_sites"):
        _wrap(pipeline, name, "analysis: " + name)
    for name in ("Planner", "V1Planner"):
        cls = getattr(pipeline, name, None)
        if cls is not None:
            _wrap(cls, "run", "planning: " + name)
    for name in ("MessageDicts", "ResponseTypes", "position_map"):
        _wrap(pipeline, name, "planning: " + name)
    _wrap(engine, "_migrate_module", "rules: transform (rest of _migrate_module)")
    _wrap(engine, "fix_imports", "imports: rest of fix_imports")
    _wrap(engine, "_unused_imports", "imports: pyflakes unused")
    import libcst.codemod.visitors as codemod_visitors  # the engine may import these lazily

    for name in ("AddImportsVisitor", "RemoveImportsVisitor"):
        _wrap(getattr(codemod_visitors, name), "transform_module", f"imports: {name}")
    _wrap(engine, "verify", "verify (rest)")
    _wrap(engine, "undefined_names", "verify: pyflakes undefined")
    _wrap(engine, "_format_like", "black (_format_like)")
    return _timed("rest of migrate_source", engine.migrate_source)


def candidates(root: str) -> List[Tuple[str, str]]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as handle:
                    data = handle.read()
                if any(m in data for m in MARKERS):
                    out.append((path, data.decode("utf-8")))
    return out


def paired_cost(files: List[Tuple[str, str]], n: int) -> List[Dict[str, Dict[str, float]]]:
    """Rounds of (plain parse + codegen of every file, the engine on every file), uninstrumented.

    Each round times both passes back to back, wall and CPU (``process_time``), so
    the engine's cost in parses is a ratio within one round (pairing.py).
    """
    import libcst

    from migrate_inference.engine import migrate_source

    def parse_pass() -> None:
        for _, text in files:
            libcst.parse_module(text).code

    def engine_pass() -> None:
        for path, text in files:
            migrate_source(text, None, path)

    def timed(fn: Callable) -> Callable[[], Dict[str, float]]:
        def run() -> Dict[str, float]:
            w, c = time.perf_counter(), time.process_time()
            fn()
            return {"wall": time.perf_counter() - w, "cpu": time.process_time() - c}

        return run

    from pairing import rounds

    engine_pass()  # warm up: lazy imports, first-use caches
    return rounds({"parse": timed(parse_pass), "engine": timed(engine_pass)}, n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "dir", nargs="*", help="trees whose candidates to profile (default: the golden fixtures)"
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--json",
        metavar="ROUNDS",
        type=int,
        help="print JSON for bench.py: ROUNDS paired rounds of parse and engine (and with --stages the stage profile)",
    )
    parser.add_argument("--stages", action="store_true", help="with --json: add the stage profile (one more engine pass)")
    parser.add_argument("--sample", type=int, default=0, metavar="K", help="profile a random sample of K candidates (seed 1)")
    args = parser.parse_args()
    if args.dir:
        files = [f for d in args.dir for f in candidates(d)]
    else:
        files = []
        for path in sorted(glob.glob(os.path.join(FIXTURES, "*", "*.before.py"))):
            if os.path.basename(os.path.dirname(path)) != "e2e":
                with open(path, encoding="utf-8") as handle:
                    files.append((path, handle.read()))
    if args.sample and args.sample < len(files):
        import random

        files = sorted(random.Random(1).sample(files, args.sample))
    if args.json:
        import json

        cost = paired_cost(files, args.json)
        if not args.stages:
            size = sum(len(text.encode()) for _, text in files)
            json.dump({"files": len(files), "bytes": size, "rounds": cost}, sys.stdout)
            return 0
    import libcst

    t = time.perf_counter()
    for _ in range(args.repeat):
        for _, text in files:
            libcst.parse_module(text).code
    parse_once = (time.perf_counter() - t) / args.repeat

    migrate = instrument()
    from migrate_inference.deps import code_facts

    migrate(files[0][1], None, files[0][0])  # warm up: lazy imports (black, pyflakes)
    TOTALS.clear()
    changed = 0
    t = time.perf_counter()
    for _ in range(args.repeat):
        for path, text in files:
            result = migrate(text, None, path)
            changed += result.code != text
            t_facts = time.perf_counter()
            code_facts(result.code, path)
            TOTALS["runner: code_facts (tokenize)"] += time.perf_counter() - t_facts
    total = (time.perf_counter() - t) / args.repeat
    size = sum(len(text.encode()) for _, text in files)
    if args.json:
        json.dump(
            {
                "files": len(files),
                "bytes": size,
                "changed": changed // args.repeat,
                "rounds": cost,
                "profile_parse": parse_once,
                "profile_total": total,
                "stages": {k: v / args.repeat for k, v in TOTALS.items()},
            },
            sys.stdout,
        )
        return 0
    print(
        f"{len(files)} candidate files, {size / 1e3:.0f} kB, {changed // args.repeat} changed; one process"
    )
    print(
        f"plain LibCST parse + codegen of the same files: {parse_once:.2f} s ({size / 1e6 / parse_once:.2f} MB/s)"
    )
    print(
        f"engine (migrate_source) + code_facts:            {total:.2f} s = {total / parse_once:.1f} parses"
    )
    print()
    width = max(len(k) for k in TOTALS)
    print(
        f"{'stage (exclusive time)':<{width}}  {'seconds':>8}  {'share':>6}  {'parses':>6}"
    )
    for name, spent in sorted(TOTALS.items(), key=lambda kv: -kv[1]):
        spent /= args.repeat
        print(
            f"{name:<{width}}  {spent:8.2f}  {spent / total:6.1%}  {spent / parse_once:6.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
