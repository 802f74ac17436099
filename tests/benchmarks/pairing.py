"""Paired measurement: run the commands of a comparison in turn, ratio per round.

On a shared machine the speed available to a process changes from one second
to the next.  A ratio of two best-of-R figures taken minutes apart compares two
different machines.  Here every comparison is made of *rounds*: in each round
the commands run one right after the other (A, B, A, B, ...), the ratio is
taken within the round, and the report gives the median of the per-round
ratios with their spread.  A disturbance that slows one round moves one ratio,
not the result.

Pure functions apart from ``rounds``, which only calls what it is given; the
unit test (tests/test_bench_pairing.py) runs them without timing anything.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence


def rounds(
    runners: Mapping[str, Callable[[], dict]],
    n: int,
    on_round: Optional[Callable[[int, Dict[str, dict]], None]] = None,
) -> List[Dict[str, dict]]:
    """Run every runner once per round, in the given order, ``n`` rounds.

    Returns one ``{name: measurement}`` per round.  The order inside a round
    is the order of ``runners``: A, B, A, B, ... for two of them.
    """
    out: List[Dict[str, dict]] = []
    for i in range(n):
        one: Dict[str, dict] = {}
        for name, run in runners.items():
            one[name] = run()
        out.append(one)
        if on_round is not None:
            on_round(i, one)
    return out


def per_round(
    results: Sequence[Mapping[str, dict]],
    num: str,
    den: str,
    key: str = "wall",
    num_scale: float = 1.0,
) -> List[float]:
    """``num_scale * round[num][key] / round[den][key]`` for each round: never across rounds."""
    out = []
    for one in results:
        d = one[den][key]
        out.append(num_scale * one[num][key] / d if d else float("inf"))
    return out


@dataclass(frozen=True)
class Summary:
    median: float
    low: float  # smallest
    high: float  # largest
    q1: float
    q3: float
    n: int

    def __str__(self) -> str:
        return self.text()

    def text(self, digits: int = 2) -> str:
        f = f"{{:.{digits}f}}"
        m = f.format(self.median)
        if self.n == 1:
            return f"{m} (1 round)"
        spread = f"{f.format(self.low)}-{f.format(self.high)}"
        if self.n >= 4:
            spread += f", IQR {f.format(self.q1)}-{f.format(self.q3)}"
        return f"{m} ({spread}, n={self.n})"


def summarise(values: Sequence[float]) -> Summary:
    """Median, min, max and quartiles of some per-round values."""
    vals = sorted(values)
    if not vals:
        raise ValueError("no values")
    if len(vals) == 1:
        v = vals[0]
        return Summary(v, v, v, v, v, 1)
    q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive")
    return Summary(statistics.median(vals), vals[0], vals[-1], q1, q3, len(vals))


def paired(
    results: Sequence[Mapping[str, dict]],
    num: str,
    den: str,
    key: str = "wall",
    num_scale: float = 1.0,
) -> Summary:
    """The median and spread of the per-round ratio ``num / den``."""
    return summarise(per_round(results, num, den, key, num_scale))


def column(results: Sequence[Mapping[str, dict]], name: str, key: str = "wall") -> Summary:
    """The median and spread of one command's own measurement over the rounds."""
    return summarise([one[name][key] for one in results])
