"""Two versions of the tool on the same trees, paired: is a change faster?

    python tests/benchmarks/ab.py BEFORE_SRC AFTER_SRC DIR [DIR ...] [--pairs N] [--jobs J]

BEFORE_SRC and AFTER_SRC are copies of ``src/`` (e.g. ``git archive HEAD~1 src |
tar -x -C /tmp/before``).  For each DIR it runs ``--check DIR`` with one, then
the other, N rounds, and prints the median and spread of the per-round ratio
after/before, in wall and in CPU time (pairing.py).  Printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench  # noqa: E402
from pairing import column, paired, rounds  # noqa: E402


def _with_src(src: str, run):
    def inner():
        saved, bench.SRC = bench.SRC, src
        try:
            return run()
        finally:
            bench.SRC = saved

    return inner


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=0, help="-j for the tool (default: its own default)")
    args = parser.parse_args()
    import tempfile

    bench.CACHE_DIR = tempfile.mkdtemp(prefix="mi-ab-cache-")
    flags = ["--check"] + (["-j", str(args.jobs)] if args.jobs else [])
    for d in args.dirs:
        d = os.path.abspath(d)
        bench._warm(d)
        runners = {
            "before": _with_src(os.path.abspath(args.before), bench._runner(bench._cli(*flags, d), d)),
            "after": _with_src(os.path.abspath(args.after), bench._runner(bench._cli(*flags, d), d)),
        }
        for run in runners.values():  # untimed: fill the index cache, import once
            run()
        res = rounds(runners, args.pairs)
        codes = {(one["before"]["code"], one["after"]["code"]) for one in res}
        print(f"{d}: {args.pairs} rounds; exit codes {sorted(codes)}")
        for key in ("wall", "cpu"):
            print(
                f"  {key}: before {column(res, 'before', key)} s, after {column(res, 'after', key)} s, "
                f"after/before {paired(res, 'after', 'before', key).text(3)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
