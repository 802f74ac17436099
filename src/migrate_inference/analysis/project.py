"""The project index: which modules build OpenAI clients that other modules import.

Before the per-file work, one cheap pass over the project (the standard `ast` module,
no LibCST) finds, in every file that mentions OpenAI, the clients bound at module level
(`client = OpenAI(...)`) and the functions that return one (`def get_client(): return
OpenAI(...)`); then, in every Python file of the project, the imports of those names
(`from llm import client`, `import llm` + `llm.client`).  The per-file engine consults
the index, so a client built in `llm.py` and used in `app.py` is one component: it is
migrated only when every use of it can be, and otherwise stays an OpenAI client in
every file, with a TODO that names the other files (`analysis/components.py`).

The same pass finds the azure-ai-inference clients (`ChatCompletionsClient(...)`,
`EmbeddingsClient(...)`, sync and aio) bound at module level or returned by a function,
and who imports them (also through a module that imports one and is imported in turn):
`--to openai` decides such a client for the whole project (`to_openai/shared.py`).

The index is built from the project root (the repository top, or the common directory
of the given paths) even when only some files are given (pre-commit passes the changed
ones), so uses in files that were not given are still seen.  Per-file summaries are
cached, keyed by path, size, modification time and tool version, and recomputed when a
file changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from migrate_inference.analysis.project_files import (
    SummaryCache,
    dotted_module_names,
    python_files,
    read_file_bytes,
    project_root,
)
from migrate_inference.analysis.project_summary import (
    absolute_module,
    notebook_summary,
    summary_of,
)


@dataclass
class ProjectIndex:
    """What the engine needs to know about other files, keyed by real path."""

    root: str = ""
    # path -> {name: "OpenAI" | "factory"}: module-level clients and client factories
    exports: Dict[str, Dict[str, str]] = field(default_factory=dict)
    # (path, name) -> ["app.py:3", ...]: where other files use that export
    importers: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)
    # path -> {local name: (defining path, name)}: exports this file imports
    imported: Dict[str, Dict[str, Tuple[str, str]]] = field(default_factory=dict)
    # (path, name) -> ["app.py:3", ...]: where other files import a function of that file
    # that forwards its **kwargs to an OpenAI call (analysis/forwarders.py)
    forwarder_importers: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)
    # path -> [(attr, line)]: where a file sets the openai module's configuration
    config: Dict[str, List[Tuple[str, int]]] = field(default_factory=dict)
    # the same for azure-ai-inference clients (`--to openai`)
    inference_exports: Dict[str, Dict[str, str]] = field(default_factory=dict)
    # (path, name) -> ["app.py:3", ...]: where other files use that client (imports and
    # `module.name` reads, also through a module that imports it)
    inference_importers: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)
    # (path, name) -> the real paths of those files
    inference_users: Dict[Tuple[str, str], List[str]] = field(default_factory=dict)
    # (path, name) -> (defining path, name): a name a file imports from where it is built
    inference_reexports: Dict[Tuple[str, str], Tuple[str, str]] = field(
        default_factory=dict
    )
    # module name -> path (also "\0<dir>\0<name>" for a script's own directory)
    modules: Dict[str, str] = field(default_factory=dict)
    # path -> (module name, is package)
    module_of: Dict[str, Tuple[str, bool]] = field(default_factory=dict)
    # the real paths the run was given (a file under none of them is not migrated)
    given: List[str] = field(default_factory=list)
    # `--to openai`: (path, name) -> the project-wide decision on that client (shared.py)
    verdicts: Dict[Tuple[str, str], object] = field(default_factory=dict)
    # `--to openai`: the real paths the run migrates -> their per-file-ignores codes
    # (None: every file under `given`)
    run_files: Optional[Dict[str, frozenset]] = None
    # `--to openai`: path -> its text as the run first read it (None: unreadable)
    sources: Dict[str, Optional[str]] = field(default_factory=dict)
    files: int = 0  # Python files summarised
    parsed: int = 0  # of which parsed in this run (the rest came from the cache)

    def uses_inference_client(self, path: str) -> bool:
        """Whether the file at `path` uses an azure-ai-inference client another file builds."""
        real = os.path.realpath(path)
        return any(real in users for users in self.inference_users.values())

    def uses_elsewhere(self, path: str) -> Dict[str, List[str]]:
        """{export name: places in other files that use it} for the file at `path`."""
        real = os.path.realpath(path)
        return {
            name: places
            for (where, name), places in self.importers.items()
            if where == real and places
        }

    def forwarders_used_elsewhere(self, path: str) -> Dict[str, List[str]]:
        """{forwarding function: places in other files that import or read it}."""
        real = os.path.realpath(path)
        return {
            name: places
            for (where, name), places in self.forwarder_importers.items()
            if where == real and places
        }

    def imports_of(self, path: str) -> Dict[str, Tuple[str, str]]:
        """{local name: (defining file relative to the root, name)} for the file at `path`."""
        real = os.path.realpath(path)
        return {
            local: (self._shown(where), name)
            for local, (where, name) in self.imported.get(real, {}).items()
        }

    def config_elsewhere(self, path: str) -> List[str]:
        """`settings.py:5 (api_base, api_key)` for each other file that configures openai."""
        real = os.path.realpath(path)
        return [
            f"{self._shown(where)}:{sites[0][1]} ({', '.join(sorted({a for a, _ in sites}))})"
            for where, sites in sorted(self.config.items())
            if where != real and sites
        ]

    def inference_client(
        self, path: str, qualified: str
    ) -> Optional[Tuple[str, str, str]]:
        """(defining path, name, "client" | "factory") of the azure-ai-inference client that
        `qualified` (a qualified name as the file at `path` imports it: `llm.client`,
        `.llm.client`) stands for, or None."""
        real = os.path.realpath(path)
        dots = len(qualified) - len(qualified.lstrip("."))
        module, _, name = qualified[dots:].rpartition(".")
        if not name:
            return None
        if dots:
            current = self.module_of.get(real)
            if current is None:
                return None
            base = absolute_module(module or None, dots, current[0], current[1])
        else:
            base = module
        if not base:
            return None
        target = self.modules.get(base) or self.modules.get(
            f"\0{os.path.dirname(real)}\0{base}"
        )
        if target is None or target == real:
            return None
        found = self._inference_origin(target, name)
        if found is None:
            return None
        where, original = found
        return where, original, self.inference_exports[where][original]

    def _inference_origin(self, path: str, name: str) -> Optional[Tuple[str, str]]:
        seen = set()
        while (path, name) not in seen:
            seen.add((path, name))
            if name in self.inference_exports.get(path, {}):
                return path, name
            nxt = self.inference_reexports.get((path, name))
            if nxt is None:
                return None
            path, name = nxt
        return None

    def in_run(self, path: str) -> bool:
        """Whether the run migrates the file at `path` (when the run's files are not
        known: whether it is under one of the paths the run was given)."""
        real = os.path.realpath(path)
        if self.run_files is not None:
            return real in self.run_files
        for given in self.given or [self.root]:
            try:
                if os.path.commonpath([real, given]) == given:
                    return True
            except ValueError:
                continue
        return False

    def shown(self, path: str) -> str:
        return self._shown(path)

    def _shown(self, path: str) -> str:
        try:
            return os.path.relpath(path, self.root)
        except ValueError:
            return path


# ------------------------------------------------------------------ one file


def build_index(paths: Sequence[str], cache_dir: Optional[str] = None) -> ProjectIndex:
    """The index of the project the given paths belong to."""
    from migrate_inference.discover import has_openai_bytes

    root = project_root(paths)
    index = ProjectIndex(root=root)
    index.given = [os.path.realpath(p) for p in paths]
    cache = SummaryCache(root, cache_dir)
    summaries: Dict[str, dict] = {}
    modules: Dict[str, str] = {}  # module name -> path
    later: List[Tuple[str, os.stat_result, Tuple[str, bool]]] = []
    notebooks: List[str] = []
    for path in python_files(root, notebooks):
        real = os.path.realpath(path)
        try:
            st = os.stat(real)
        except OSError:
            continue
        names = dotted_module_names(real, root)
        if not names:
            continue
        for module, _ in names:
            modules.setdefault(module, real)
        index.module_of[real] = names[0]
        local = os.path.splitext(os.path.basename(real))[0]
        modules.setdefault(f"\0{os.path.dirname(real)}\0{local}", real)
        summary = cache.get(real, st)
        if summary is None:
            data = read_file_bytes(real)
            if data is None:
                continue
            if not has_openai_bytes(data) and b"inference" not in data:
                later.append(
                    (real, st, names[0])
                )  # parsed only if it may import an export
                continue
            summary = summary_of(data, names[0])
            index.parsed += 1
            cache.put(real, st, summary)
        summaries[real] = summary
        index.files += 1
    tokens = {
        (
            os.path.splitext(os.path.basename(path))[0].encode()
            if not path.endswith("__init__.py")
            else os.path.basename(os.path.dirname(path)).encode()
        )
        for path, summary in summaries.items()
        if summary["exports"] or summary.get("inference_exports") or summary.get("forwarders")
    }
    for real, st, name in later:
        data = read_file_bytes(real) if tokens else None
        if data is None or not any(token in data for token in tokens):
            continue
        summary = summary_of(data, name)
        index.parsed += 1
        cache.put(real, st, summary)
        summaries[real] = summary
        index.files += 1
    cache.save()
    index.modules = modules
    for path, summary in summaries.items():
        if summary["exports"]:
            index.exports[path] = dict(summary["exports"])
        if summary.get("inference_exports"):
            index.inference_exports[path] = dict(summary["inference_exports"])
        if summary.get("config"):
            index.config[path] = [(a, line) for a, line in summary["config"]]
    for path, summary in summaries.items():
        here = os.path.dirname(path)
        shown = os.path.relpath(path, root)
        for base, name, local, line in summary["imports"]:
            target = modules.get(base) or modules.get(f"\0{here}\0{base}")
            if target is None or target == path:
                continue
            exports = index.exports.get(target, {})
            if name in exports:
                index.importers.setdefault((target, name), []).append(f"{shown}:{line}")
                index.imported.setdefault(path, {})[local] = (target, name)
            if name in summaries.get(target, {}).get("forwarders", ()):
                index.forwarder_importers.setdefault((target, name), []).append(f"{shown}:{line}")
        for base, attrs in summary["attributes"].items():
            target = modules.get(base) or modules.get(f"\0{here}\0{base}")
            if target is None or target == path:
                continue
            exports = index.exports.get(target, {})
            for attr, line in attrs:
                if attr in summaries.get(target, {}).get("forwarders", ()):
                    index.forwarder_importers.setdefault((target, attr), []).append(
                        f"{shown}:{line}"
                    )
                if attr in exports:
                    places = index.importers.setdefault((target, attr), [])
                    place = f"{shown}:{line}"
                    if place not in places:
                        places.append(place)
    if index.inference_exports:
        # notebooks that use a shared azure-ai-inference client count as its users
        inference_tokens = {
            (
                os.path.splitext(os.path.basename(path))[0].encode()
                if not path.endswith("__init__.py")
                else os.path.basename(os.path.dirname(path)).encode()
            )
            for path in index.inference_exports
        }
        everything = dict(summaries)
        for path in notebooks:
            data = read_file_bytes(path)
            if data is None or not any(t in data for t in inference_tokens):
                continue
            summary = notebook_summary(data)
            if summary is not None:
                everything[path] = summary
        _inference_uses(index, everything, modules, root)
    return index


def _inference_uses(
    index: ProjectIndex, summaries: Dict[str, dict], modules: Dict[str, str], root: str
) -> None:
    """Who uses each azure-ai-inference client of the project: the files that import it,
    also from a module that imports it in turn (`from app import client`, where app.py
    has `from llm import client`), and the `module.client` reads."""

    def target_of(path: str, base: str) -> Optional[str]:
        target = modules.get(base) or modules.get(f"\0{os.path.dirname(path)}\0{base}")
        return None if target is None or target == path else target

    changed = True
    while changed:  # re-exports of re-exports: until nothing new is found
        changed = False
        for path, summary in summaries.items():
            for base, name, local, _ in summary["imports"]:
                target = target_of(path, base)
                if target is None or (path, local) in index.inference_reexports:
                    continue
                if index._inference_origin(target, name) is not None:
                    index.inference_reexports[(path, local)] = (target, name)
                    changed = True

    def add(path: str, origin: Tuple[str, str], line: int) -> None:
        places = index.inference_importers.setdefault(origin, [])
        place = f"{os.path.relpath(path, root)}:{line}"
        if place not in places:
            places.append(place)
        users = index.inference_users.setdefault(origin, [])
        if path not in users:
            users.append(path)

    for path, summary in summaries.items():
        for base, name, local, line in summary["imports"]:
            target = target_of(path, base)
            origin = None if target is None else index._inference_origin(target, name)
            if origin is not None:
                add(path, origin, line)
        for base, attrs in summary["attributes"].items():
            target = target_of(path, base)
            if target is None:
                continue
            for attr, line in attrs:
                origin = index._inference_origin(target, attr)
                if origin is not None:
                    add(path, origin, line)
