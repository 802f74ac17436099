"""The files side of the project index: the project root, which files it reads, the
names a file may be imported as, and the on-disk cache of per-file summaries (keyed by
path, size, modification time and tool version)."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from migrate_inference import __version__

CACHE_FORMAT = 5


def project_root(paths: Sequence[str]) -> str:
    """The repository top of the given paths, else their common directory."""
    from migrate_inference.discover import REPOSITORY_MARKERS

    reals = [os.path.realpath(p) for p in paths] or [os.getcwd()]
    dirs = [p if os.path.isdir(p) else os.path.dirname(p) for p in reals]
    common = os.path.commonpath(dirs)
    current = common
    while True:
        if any(os.path.exists(os.path.join(current, m)) for m in REPOSITORY_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return common
        current = parent


def python_files(root: str, notebooks: Optional[List[str]] = None) -> Iterable[str]:
    """The project's own files: directories a run never looks at are pruned the same way
    (discover.py: build output, caches, and any virtual environment, so a file given
    from a directory holding a venv or an installed package does not index it)."""
    from migrate_inference.discover import VENV_MARKER, skipped_dir

    for directory, subdirs, files in os.walk(root):
        if directory != root and VENV_MARKER in files:
            subdirs[:] = []
            continue
        subdirs[:] = sorted(d for d in subdirs if not skipped_dir(d))
        for name in sorted(files):
            if name.endswith(".py"):
                yield os.path.join(directory, name)
            elif name.endswith(".ipynb") and notebooks is not None:
                notebooks.append(os.path.realpath(os.path.join(directory, name)))


def dotted_module_names(path: str, root: str) -> List[Tuple[str, bool]]:
    """The names a file may be imported as: from the root, from `src/`, and from its own
    directory (a script's imports resolve there first)."""
    rel = os.path.relpath(path, root)
    out = []
    for base in (rel, rel[4:] if rel.startswith("src" + os.sep) else None):
        if base is None:
            continue
        parts = base[:-3].split(os.sep)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        if parts:
            out.append((".".join(parts), is_package))
    return out


def read_file_bytes(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


class SummaryCache:
    """Per-file summaries on disk, keyed by path, size, mtime and tool version."""

    def __init__(self, root: str, cache_dir: Optional[str]) -> None:
        base = (
            cache_dir
            or os.environ.get("MIGRATE_INFERENCE_CACHE_DIR")
            or os.path.join(
                os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                "migrate-inference",
            )
        )
        digest = hashlib.sha1(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.path = os.path.join(base, f"index-{digest}.json")
        self.entries: Dict[str, list] = {}
        self.dirty = False
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            if (
                data.get("format") == CACHE_FORMAT
                and data.get("version") == __version__
            ):
                self.entries = data.get("files", {})
        except (OSError, ValueError, AttributeError):
            pass

    def get(self, path: str, st: os.stat_result) -> Optional[dict]:
        entry = self.entries.get(path)
        if entry and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            return entry[2]
        return None

    def put(self, path: str, st: os.stat_result, summary: dict) -> None:
        self.entries[path] = [st.st_size, st.st_mtime_ns, summary]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            temp = f"{self.path}.{os.getpid()}.tmp"
            with open(temp, "w", encoding="utf-8") as handle:
                json.dump(
                    {
                        "format": CACHE_FORMAT,
                        "version": __version__,
                        "files": self.entries,
                    },
                    handle,
                )
            os.replace(temp, self.path)
        except OSError:
            pass  # a cache that cannot be written costs time, nothing else
