"""`--to openai`: an azure-ai-inference client built in one file and used in others.

The project index (`analysis/project.py`) says which module-level clients other files
import (`from llm import client`, `import llm` + `llm.client`, also through a module
that imports it in turn).  Such a client is one component across the project: it is
migrated in every file or in none, and the decision (a `Verdict`) is made once, from
every file involved, before any file is written:

* the construction, planned in its own file, has no blocker, and
* every file that uses it is part of the run, and every use there can be migrated
  (planned with the construction's keywords: a client-level default or a run-time
  endpoint is copied into another file's calls only when it reads the same there, a
  literal or an environment variable).

Otherwise every file keeps the client as it is, with a TODO at the construction and at
each call that names the other files and why.  A function that returns a client and
is called from other files is not followed across files (its clients stay, with a TODO
on both sides).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

Node = cst.CSTNode

# why a shared client is not migrated: (kind, file)
CONSTRUCTION = "construction"  # its construction has a blocker (TODO there)
USE = "use"  # a use in that file has a blocker (TODO there)
OUTSIDE = "outside"  # that file is not part of the run
FACTORY = "factory"  # the shared name is a function that returns a client
UNREADABLE = "unreadable"  # that file cannot be read or parsed
SKIPPED = "skipped"  # that file is skipped (ignore-file) or its rules are off
UNCLEAR = "unclear"  # the tool cannot tell which construction the name is
NOTEBOOK = "notebook"  # a notebook uses it
BOTH_WAYS = "both ways"  # that file uses it, and builds a client this file uses


@dataclass
class Verdict:
    path: str  # real path of the defining file
    shown: str  # the same, relative to the project root
    name: str
    places: List[str]  # where other files use it ("app.py:3")
    reasons: List[Tuple[str, str]] = field(default_factory=list)  # (kind, real path)

    @property
    def migrates(self) -> bool:
        return not self.reasons

    def why(self, index, viewer: str) -> str:
        """The reasons, worded for the file at `viewer`."""
        out: List[str] = []
        real = os.path.realpath(viewer)
        for kind, path in self.reasons:
            where = "this file" if path == real else index.shown(path)
            see = "(see the other TODO here)" if path == real else "(see the TODO there)"
            if kind == CONSTRUCTION:
                text = f"its construction in {where} cannot be migrated {see}"
            elif kind == USE:
                text = f"a use in {where} cannot be migrated {see}"
            elif kind == OUTSIDE:
                text = f"{where} is not part of this run (not under the paths given, excluded, or in another shard): run on the whole project"
            elif kind == FACTORY:
                text = f"`{self.name}` is a function of {where} that returns a client: clients made by a function and used across files are not migrated automatically"
            elif kind == BOTH_WAYS:
                text = f"{where} uses it and builds a client that {index.shown(self.path) if self.path != real else 'this file'} uses in turn: clients shared both ways between files are not migrated automatically"
            elif kind == NOTEBOOK:
                text = f"{where} is a notebook: clients shared with notebooks are not migrated automatically"
            elif kind == UNREADABLE:
                text = f"{where} cannot be read or parsed"
            elif kind == SKIPPED:
                text = f"{where} is skipped, or the rules this client needs are turned off there"
            else:
                text = f"the tool cannot tell which client `{self.name}` is in {where}"
            if text not in out:
                out.append(text)
        return "; ".join(out)

    def places_text(self, index=None, viewer: Optional[str] = None, limit: int = 3) -> str:
        """Where other files use the client; from `viewer`'s point of view, the files
        other than it."""
        places = self.places
        if viewer is not None and index is not None:
            mine = index.shown(os.path.realpath(viewer)) + ":"
            places = [p for p in places if not p.startswith(mine)]
        shown = ", ".join(places[:limit])
        if len(places) > limit:
            shown += f" and {len(places) - limit} more"
        return shown

    @property
    def factory(self) -> bool:
        return any(kind == FACTORY for kind, _ in self.reasons)


@dataclass
class Definition:
    """What the files that use a shared client need from its construction."""

    api: str
    aio: bool
    kwargs: Dict[str, cst.Arg]
    endpoint: object
    credential: object
    foreign: Set[Node]  # the construction's expressions that read the same in any file
    blocked: bool  # the construction has a blocker in its own file


# per process: (id of the index, path) -> (planner, wrapper) or None; kept off the index
# so that a pickled index (spawned workers) carries only plain data
_PLANNED: Dict[Tuple[int, str], object] = {}
_IN_PROGRESS: Set[Tuple[int, str]] = set()


def source_of(index, path: str) -> Optional[str]:
    """The file's text as the run first saw it (a file may be rewritten during the run)."""
    sources = index.sources
    if path not in sources:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            sources[path] = None
        else:
            from migrate_inference.runner import decode_source

            try:
                sources[path] = decode_source(data)[0]
            except Exception:  # noqa: BLE001 - an undecodable file is unreadable
                sources[path] = None
    return sources[path]


def _planned(index, config, path: str):
    """The file's local plan (pack.plan_locally), or None when it cannot be made."""
    key = (id(index), path)
    if key in _PLANNED:
        return _PLANNED[key]
    if key in _IN_PROGRESS:  # files that import each other's clients
        return None
    _IN_PROGRESS.add(key)
    try:
        result = _plan_file(index, config, path)
    finally:
        _IN_PROGRESS.discard(key)
    _PLANNED[key] = result
    return result


def _plan_file(index, config, path: str):
    from dataclasses import replace

    from migrate_inference.guards import refusal
    from migrate_inference.rules.suppression import suppression_directives
    from migrate_inference.to_openai.pack import plan_locally

    source = source_of(index, path)
    if source is None or refusal(source, path):
        return None
    try:
        module = cst.parse_module(source)
    except Exception:  # noqa: BLE001 - a file that does not parse is unreadable
        return None
    codes = (index.run_files or {}).get(path)
    if codes:  # [per-file-ignores]
        config = replace(config, ignore=config.ignore | codes)
        if config.coupling_problem():
            return SKIPPED
    directives = suppression_directives(source)
    if directives.skip_file:
        return SKIPPED
    if directives.file_ignores:
        config = replace(config, ignore=config.ignore | directives.file_ignores)
        if config.coupling_problem():
            return SKIPPED
    try:
        return plan_locally(module, config, path)
    except RecursionError:
        return None


def in_progress(index, path: str) -> bool:
    return (id(index), path) in _IN_PROGRESS


def definition(index, config, path: str, name: str) -> Optional[Definition]:
    """The construction of the shared client `name` of the file at `path`, or None."""
    planned = _planned(index, config, path)
    if planned is None or planned == SKIPPED:
        return None
    planner = planned.planner
    found = [c for c in planner.components if c.shared == (path, name)]
    if len(found) != 1:
        return None
    comp = found[0]
    exprs: List[cst.BaseExpression] = [a.value for a in comp.kwargs.values()]
    endpoint = comp.endpoint
    if endpoint is not None:
        exprs.append(endpoint.expr)
        if endpoint.deployment_expr is not None:
            exprs.append(endpoint.deployment_expr)
    foreign = {e for e in exprs if planner.portable_anywhere(e)}
    return Definition(
        api=comp.api,
        aio=comp.aio,
        kwargs=dict(comp.kwargs),
        endpoint=comp.endpoint,
        credential=comp.credential,
        foreign=foreign,
        blocked=not comp.migrates,
    )


def verdict(index, config, path: str, name: str) -> Verdict:
    """The project-wide decision on the shared client `name` built in the file at `path`."""
    key = (path, name)
    found = index.verdicts.get(key)
    if found is None:
        found = _decide(index, config, path, name)
        index.verdicts[key] = found
    return found  # type: ignore[return-value]


def _decide(index, config, path: str, name: str) -> Verdict:
    result = Verdict(
        path=path,
        shown=index.shown(path),
        name=name,
        places=list(index.inference_importers.get((path, name), [])),
    )
    reasons = result.reasons
    if index.inference_exports.get(path, {}).get(name) == "factory":
        reasons.append((FACTORY, path))
        return result
    users = list(index.inference_users.get((path, name), []))
    for user in users:
        if not index.in_run(user):
            reasons.append((OUTSIDE, user))
        if any(
            where == user and path in others
            for (where, _), others in index.inference_users.items()
        ):
            reasons.append((BOTH_WAYS, user))
    if not index.in_run(path):
        reasons.append((OUTSIDE, path))
    if any(kind == BOTH_WAYS for kind, _ in reasons):
        return result
    planned = _planned(index, config, path)
    if planned is None:
        reasons.append((UNREADABLE, path))
        return result
    if planned == SKIPPED:
        reasons.append((SKIPPED, path))
        return result
    comps = [c for c in planned.planner.components if c.shared == (path, name)]
    if len(comps) != 1:
        reasons.append((UNCLEAR, path))
        return result
    if not comps[0].migrates:
        reasons.append((CONSTRUCTION, path))
    for user in users:
        if user.endswith(".ipynb"):
            reasons.append((NOTEBOOK, user))
            continue
        planned = _planned(index, config, user)
        if planned is None:
            reasons.append((UNREADABLE, user))
            continue
        if planned == SKIPPED:
            reasons.append((SKIPPED, user))
            continue
        remote = [c for c in planned.planner.components if c.remote == (path, name)]
        if not remote:
            # the file names it in a way the planner does not follow (a re-export
            # only, or a form it does not resolve): it may still use it
            if not _only_reexported(planned, path, name):
                reasons.append((UNCLEAR, user))
            continue
        if any(not c.migrates for c in remote):
            reasons.append((USE, user))
    return result


def _only_reexported(planned, path: str, name: str) -> bool:
    """The file's only mention of the client is the import (`from llm import client`,
    for others to import from it)."""
    return (path, name) in planned.planner.imports_only


def precompute(index, config) -> None:
    """Decide every shared client before the run writes anything (the decisions read the
    files as they were)."""
    for path, name in list(index.inference_importers):
        verdict(index, config, path, name)
