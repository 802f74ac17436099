"""The code written for the errors rule's status conditions (`e.status_code == 429`, the
isinstance tests of a dispatching clause): not a rule.  The errors rule and its clause
half (rules/errors.py, rules/error_clauses.py) write their conditions with these."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from migrate_inference.analysis.errors_tables import HTTP, Status


def _status_parts(var: str, statuses: Sequence[Status]) -> List[Tuple[str, str]]:
    """(positive, negative) pieces of a status check."""
    equals: List[int] = []
    at_least: Optional[int] = None
    for s in statuses:
        for v in s.equals:
            if v not in equals:
                equals.append(v)
        if s.at_least is not None:
            at_least = s.at_least if at_least is None else min(at_least, s.at_least)
    parts = []
    if len(equals) == 1:
        parts.append(
            (f"{var}.status_code == {equals[0]}", f"{var}.status_code != {equals[0]}")
        )
    elif equals:
        values = ", ".join(str(v) for v in equals)
        parts.append(
            (f"{var}.status_code in ({values})", f"{var}.status_code not in ({values})")
        )
    if at_least is not None:
        parts.append(
            (f"{var}.status_code >= {at_least}", f"{var}.status_code < {at_least}")
        )
    return parts


def status_test(var: str, statuses: Sequence[Status], negate: bool = False) -> str:
    parts = _status_parts(var, statuses)
    if len(parts) == 1:
        return parts[0][1 if negate else 0]
    positive = " or ".join(p for p, _ in parts)
    return f"not ({positive})" if negate else f"({positive})"


def _type_code(codes: Sequence[str]) -> str:
    return codes[0] if len(codes) == 1 else "(" + ", ".join(codes) + ")"


def paren_and(term: str) -> str:
    return f"({term})" if " and " in term else term


def predicate(
    var: str, classes: Sequence[str], statuses: Sequence[Status], check_http: bool
) -> str:
    """True when `var` is one of `classes` or an HttpResponseError with one of `statuses`."""
    terms = []
    if classes:
        terms.append(f"isinstance({var}, {_type_code(classes)})")
    if statuses:
        test = status_test(var, statuses)
        terms.append(f"isinstance({var}, {HTTP}) and {test}" if check_http else test)
    if len(terms) == 1:
        return terms[0]
    return " or ".join(paren_and(t) for t in terms)


def reraise_test(
    var: str,
    http_subclasses: Sequence[str],
    statuses: Sequence[Status],
    check_http: bool,
) -> str:
    """True when an exception the clause caught is not one it meant to catch."""
    parts = []
    if check_http:
        parts.append(f"isinstance({var}, {HTTP})")
    if http_subclasses:
        parts.append(f"not isinstance({var}, {_type_code(http_subclasses)})")
    parts.append(status_test(var, statuses, negate=True))
    return " and ".join(parts)
