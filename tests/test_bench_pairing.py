"""The benchmark's pairing arithmetic (tests/benchmarks/pairing.py), without timing anything."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "benchmarks"))

from pairing import column, paired, per_round, rounds, summarise  # noqa: E402


def test_rounds_interleave_in_order():
    calls = []

    def runner(name, values):
        it = iter(values)

        def run():
            calls.append(name)
            return {"wall": next(it)}

        return run

    out = rounds({"a": runner("a", [1, 2, 3]), "b": runner("b", [4, 5, 6])}, 3)
    assert calls == ["a", "b", "a", "b", "a", "b"]
    assert [(r["a"]["wall"], r["b"]["wall"]) for r in out] == [(1, 4), (2, 5), (3, 6)]


def test_ratio_is_taken_within_each_round():
    # B is always twice A, but the machine is 4x slower in the second round: a B run
    # taken then against an A run taken in the first gives 40/5 = 8.  Per round it is 2.
    results = [{"a": {"wall": 5.0}, "b": {"wall": 10.0}}, {"a": {"wall": 20.0}, "b": {"wall": 40.0}}]
    assert per_round(results, "b", "a") == [2.0, 2.0]
    s = paired(results, "b", "a")
    assert (s.median, s.low, s.high, s.n) == (2.0, 2.0, 2.0, 2)


def test_ratio_not_min_over_min():
    # min(b)/min(a) would be 3/1 = 3; the rounds say 3, 1.5 and 1: median 1.5
    results = [
        {"a": {"wall": 1.0}, "b": {"wall": 3.0}},
        {"a": {"wall": 4.0}, "b": {"wall": 6.0}},
        {"a": {"wall": 9.0}, "b": {"wall": 9.0}},
    ]
    s = paired(results, "b", "a")
    assert s.median == 1.5
    assert (s.low, s.high) == (1.0, 3.0)


def test_scale_and_key():
    results = [{"t": {"wall": 2.0, "cpu": 4.0}, "b": {"wall": 10.0, "cpu": 10.0}}]
    assert per_round(results, "b", "t", num_scale=5) == [25.0]
    assert per_round(results, "b", "t", key="cpu") == [2.5]
    assert column(results, "t", "cpu").median == 4.0


def test_summary_quartiles_and_text():
    s = summarise([5, 1, 4, 2, 3])
    assert (s.median, s.low, s.high, s.q1, s.q3, s.n) == (3, 1, 5, 2, 4, 5)
    assert s.text(1) == "3.0 (1.0-5.0, IQR 2.0-4.0, n=5)"
    assert summarise([2.0]).text() == "2.00 (1 round)"
    assert summarise([1.0, 3.0]).text() == "2.00 (1.00-3.00, n=2)"
    with pytest.raises(ValueError):
        summarise([])
